// The 'hostdev-hybrid/xml' entry point: what users import. Helpers the library keeps for itself
// (leanElement, ReplacementBatch, isBlankText) must not leak into it.
import { describe, expect, it } from 'vitest';
import * as xml from '../../src/xml/index.js';

describe("the 'hostdev-hybrid/xml' entry", () => {
  it('exports exactly its documented functions', () => {
    expect(Object.keys(xml).sort()).toEqual([
      'XML_LIMITS', 'childAttribute', 'childElements', 'childIndent', 'cloneNode', 'element', 'escapeAttribute', 'escapeText',
      'firstChild', 'firstPath', 'getAttribute', 'indentUnit', 'insertElement', 'lineBreak', 'parseXml', 'removeAttribute',
      'removeElement', 'replaceElement', 'replaceElements', 'rootElement', 'serializeNode', 'serializeXml', 'setAttribute',
      'text', 'textContent',
    ]);
  });
});
