// HybridError: the fields a caller reads, and `where`, the file:line:column prefix of one-line reports.
import { describe, expect, it } from 'vitest';
import { HybridError } from '../../src/index.js';
import { caught } from '../../src/errors.js';

describe('HybridError', () => {
  it('carries its code, message and location, and is named for stack traces and logs', () => {
    const e = new HybridError('XML_MALFORMED', 'bad', { file: 'a.xml', line: 3, column: 7, element: '<x>' });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'HybridError', code: 'XML_MALFORMED', message: 'bad', file: 'a.xml', line: 3, column: 7, element: '<x>' });
    expect(new HybridError('XML_EMPTY', 'empty')).toMatchObject({ file: undefined, line: undefined, column: undefined, element: undefined });
  });

  it.each([
    [{ file: 'a.xml', line: 3, column: 7 }, 'm', 'a.xml:3:7: '],
    [{ file: 'a.xml', line: 3 }, 'm', 'a.xml:3: '],
    [{ file: 'a.xml' }, 'm', 'a.xml: '],
    [{ line: 3, column: 7 }, 'm', '3:7: '],
    [{ column: 7 }, 'm', '7: '],
    [{}, 'm', ''],
    [{ element: '<x>' }, 'm', ''],
    // A whole-file reason that names its file says so: no second copy. Decided by the field, not the text.
    [{ file: 'a.xml', fileInReason: true }, 'a.xml: cannot read it', ''],
    [{ file: 'a.xml', line: 2, fileInReason: true }, 'a.xml: x', 'a.xml:2: '],
    [{ file: 'a.xml' }, 'a.xml: x', 'a.xml: '],
  ])('where of %j with message %j is %j', (loc, message, where) => {
    expect(new HybridError('XML_MALFORMED', message, loc).where).toBe(where);
  });

  it('context is fields: on() keeps the position and the reason, and builds the message from them', () => {
    const e = new HybridError('POOL_EXHAUSTED', 'no VF is free', { file: 'g.xml', line: 4, column: 2 });
    const there = e.on('the destination', 'ua-net0');
    expect([there.code, there.message, there.reason, there.where, there.element]).toEqual(['POOL_EXHAUSTED', "on the destination: 'ua-net0': no VF is free", 'no VF is free', 'g.xml:4:2: ', 'ua-net0']);
    expect(there.context).toEqual({ host: 'the destination', device: 'ua-net0' });
    expect(new HybridError('POOL_EXHAUSTED', 'r', { element: 'x' }).on('the destination').message).toBe('on the destination: r');
    expect(new HybridError('POOL_EXHAUSTED', 'r', { element: 'x' }).on('the destination', 'y').element).toBe('x');
    expect(new HybridError('POOL_EXHAUSTED', 'r').message).toBe('r');
  });

  it('inFile names a file only when none is known yet, and returns the same error', () => {
    const e = new HybridError('XML_MALFORMED', 'm');
    expect(e.inFile('a.xml')).toBe(e);
    expect(e.file).toBe('a.xml');
    expect(e.inFile('b.xml').file).toBe('a.xml');
  });
});

describe('caught', () => {
  it('returns a HybridError of the codes named (any code when none is), throws anything else', () => {
    const fail = (code: 'POOL_EXHAUSTED' | 'POOL_UNKNOWN') => () => {
      throw new HybridError(code, 'x');
    };
    expect(caught(() => 1)).toBe(1);
    expect((caught(fail('POOL_UNKNOWN')) as HybridError).code).toBe('POOL_UNKNOWN');
    expect((caught(fail('POOL_EXHAUSTED'), 'POOL_EXHAUSTED') as HybridError).code).toBe('POOL_EXHAUSTED');
    expect(() => caught(fail('POOL_UNKNOWN'), 'POOL_EXHAUSTED')).toThrow(expect.objectContaining({ code: 'POOL_UNKNOWN' }));
    expect(() => caught(() => { throw new TypeError('bug'); })).toThrow(TypeError);
  });
});
