// Character references: exactly XML 1.0's Char production, and nothing around the number.
import { describe, expect, it } from 'vitest';
import { decodeAttribute, decodeText, isXmlChar, referenceProblem } from '../../src/xml/escape.js';
import { parseXml } from '../../src/xml/parse.js';
import { expectHybridError } from '../helpers.js';

describe('isXmlChar', () => {
  it.each([
    [0x9, true], [0xa, true], [0xd, true], [0x8, false], [0xb, false], [0x1f, false],
    [0x20, true], [0xd7ff, true], [0xd800, false], [0xdfff, false], [0xe000, true],
    [0xfffd, true], [0xfffe, false], [0xffff, false], [0x10000, true], [0x10ffff, true], [0x110000, false],
  ])('U+%s is %s', (cp, ok) => {
    expect(isXmlChar(cp)).toBe(ok);
  });
});

describe('referenceProblem', () => {
  it('accepts decimal and hexadecimal references to allowed characters, and the five entities', () => {
    for (const ref of ['#65', '#x41', '#x10FFFF', '#1114111', 'amp', 'lt', 'gt', 'apos', 'quot']) expect(referenceProblem(ref), ref).toBeUndefined();
  });

  it.each(['#65abc', '#x41g', '#a#65', '#', '#x', '#-1', '#x123456789'])('calls %j malformed', (ref) => {
    expect(referenceProblem(ref)).toBe(`malformed character reference '&${ref};'`);
  });

  it.each(['#0', '#x1F', '#xD800', '#xFFFE', '#x110000'])('refuses %j: not an XML character', (ref) => {
    expect(referenceProblem(ref)).toContain('names a character XML does not allow');
  });

  it('refuses other entities, saying DTDs are not processed', () => {
    expect(referenceProblem('nbsp')).toContain('DTDs are not processed');
  });

  it('through the parser: a reference with trailing junk is XML_ENTITY at its column', () => {
    const e = expectHybridError(() => parseXml('<a>x&#65abc;</a>'), 'XML_ENTITY');
    expect([e.line, e.column]).toEqual([1, 5]);
  });
});

describe('decoding', () => {
  it('decodes references in text and attributes, and normalises line ends and attribute white space', () => {
    expect(decodeText('a&amp;b&#x41;&#66;\r\nc\rd')).toBe('a&bAB\nc\nd');
    expect(decodeAttribute('a\tb\r\nc\nd&#10;')).toBe('a b c d\n');
    expect(decodeText('plain')).toBe('plain');
    // Each character alone: the shortcut for values without one must see every one of them.
    expect(['\t', '\n', '\r', '\r\n'].map(decodeAttribute)).toEqual([' ', ' ', ' ', ' ']);
    expect(decodeAttribute('plain')).toBe('plain');
  });
});
