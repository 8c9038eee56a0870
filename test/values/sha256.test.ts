// The library's own SHA-256 (it must run in a browser, synchronously) against Node's.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from '../../src/sha256.js';
import { fcOptions } from '../property/runs.js';

const node = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('sha256', () => {
  it('gives FIPS 180-4\'s answers for its examples', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto around the block edges (55, 56, 64 bytes) and on any text', () => {
    for (let n = 50; n <= 130; n++) expect(sha256Hex('x'.repeat(n))).toBe(node('x'.repeat(n)));
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => sha256Hex(s) === node(s)), fcOptions);
  });

  it('returns 32 bytes', () => {
    expect(sha256('a')).toHaveLength(32);
    expect([...sha256('abc').slice(0, 3)]).toEqual([0xba, 0x78, 0x16]);
  });
});
