// HybridError: the fields a caller reads, and `where`, the file:line:column prefix of one-line reports.
import { describe, expect, it } from 'vitest';
import { HybridError } from '../../src/index.js';

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
    // A message that starts with the file names it already: no second copy.
    [{ file: 'a.xml' }, 'a.xml: cannot read it', ''],
    [{ file: 'a.xml', line: 2 }, 'a.xml: x', 'a.xml:2: '],
    [{ file: 'a.xml' }, 'in a.xml: x', 'a.xml: '],
  ])('where of %j with message %j is %j', (loc, message, where) => {
    expect(new HybridError('XML_MALFORMED', message, loc).where).toBe(where);
  });

  it('inFile names a file only when none is known yet, and returns the same error', () => {
    const e = new HybridError('XML_MALFORMED', 'm');
    expect(e.inFile('a.xml')).toBe(e);
    expect(e.file).toBe('a.xml');
    expect(e.inFile('b.xml').file).toBe('a.xml');
  });
});
