// The 'hostdev-hybrid/xml' entry point. This list is its API (test/xml/entry.test.ts pins it);
// the modules also export helpers only the library itself uses.
export { parseXml, XML_LIMITS, type ParseOptions } from './parse.js';
export { serializeXml, serializeNode } from './serialize.js';
export { escapeAttribute, escapeText } from './escape.js';
export {
  element,
  text,
  rootElement,
  cloneNode,
  type XmlAttribute,
  type XmlElement,
  type XmlText,
  type XmlComment,
  type XmlCData,
  type XmlProcessingInstruction,
  type XmlDocType,
  type XmlNode,
  type XmlDocument,
} from './tree.js';
export {
  getAttribute,
  setAttribute,
  removeAttribute,
  childElements,
  firstChild,
  firstPath,
  childAttribute,
  textContent,
  indentUnit,
  lineBreak,
  childIndent,
  insertElement,
  removeElement,
  replaceElement,
  replaceElements,
  type Position,
} from './edit.js';
