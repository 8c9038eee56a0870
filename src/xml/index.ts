export { parseXml, XML_LIMITS, type ParseOptions } from './parse.js';
export { serializeXml, serializeNode } from './serialize.js';
export { escapeAttribute, escapeText } from './escape.js';
export * from './tree.js';
export * from './edit.js';
