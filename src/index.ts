export { HybridError, ERROR_CODES, type ErrorCode, type ErrorLocation } from './errors.js';
export {
  parseXml, serializeXml, serializeNode, XML_LIMITS,
  type XmlDocument, type XmlElement, type XmlNode, type XmlAttribute, type XmlText,
  type XmlComment, type XmlCData, type XmlProcessingInstruction, type XmlDocType, type ParseOptions,
} from './xml/index.js';
