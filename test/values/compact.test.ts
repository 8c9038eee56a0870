import { describe, expect, it } from 'vitest';
import { compact } from '../../src/compact.js';

describe('compact', () => {
  it('leaves out undefined properties and keeps the order and every other value', () => {
    const out = compact({ z: 1, a: undefined, m: null, b: '', c: 0, d: false });
    expect(Object.keys(out)).toEqual(['z', 'm', 'b', 'c', 'd']);
    expect('a' in out).toBe(false);
    expect(out).toEqual({ z: 1, m: null, b: '', c: 0, d: false });
  });

  it('returns a new object and leaves its argument alone', () => {
    const input = { a: 1, b: undefined };
    expect(compact(input)).not.toBe(input);
    expect(Object.keys(input)).toEqual(['a', 'b']);
  });
});
