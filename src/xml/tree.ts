/**
 * The lossless XML tree. Nodes are plain objects, free to edit: change `value`, push to
 * `children`, replace `attributes`. What the parser read is remembered separately (see
 * `origin.ts`), so the serializer can tell which nodes are untouched and copy their source text.
 * One exception, for the library's own trees only: leanElement's attributes are shared and frozen
 * (memo.ts), and the edit helpers replace them rather than edit them.
 */
import { sharedAttribute } from './memo.js';

/** One attribute of an element: its name and its decoded value. */
export interface XmlAttribute {
  name: string;
  /** The decoded value (references resolved, white space normalised as a parser must). */
  value: string;
}

/** An element of the lossless tree: name, attributes in document order, children. */
export interface XmlElement {
  type: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

/** Character data, decoded. */
export interface XmlText {
  type: 'text';
  /** The decoded text. */
  value: string;
}

/** A comment, its text between `<!--` and `-->`. */
export interface XmlComment {
  type: 'comment';
  value: string;
}

/** A CDATA section, its text. */
export interface XmlCData {
  type: 'cdata';
  value: string;
}

/** A processing instruction; the XML declaration is one too (`target === 'xml'`). */
export interface XmlProcessingInstruction {
  type: 'pi';
  target: string;
  data: string;
}

/** A bare `<!DOCTYPE name>`; anything with a DTD is refused by the parser. */
export interface XmlDocType {
  type: 'doctype';
  raw: string;
}

/** Any node of the lossless tree. */
export type XmlNode = XmlElement | XmlText | XmlComment | XmlCData | XmlProcessingInstruction | XmlDocType;

/** A parsed document: what parseXml returns and serializeXml prints. */
export interface XmlDocument {
  type: 'document';
  /** A leading byte-order mark, kept so the document comes back byte for byte. */
  bom: boolean;
  children: XmlNode[];
}

/**
 * An element made by code, e.g. `element('alias', { name: 'ua-x' })`; insertElement lays it out.
 * Attributes whose value is undefined are left out. Everything in it is its own, free to edit.
 */
export function element(name: string, attributes: Record<string, string | undefined> = {}, children: XmlNode[] = []): XmlElement {
  return { type: 'element', name, attributes: attributeList(attributes, ownAttribute), children };
}

const ownAttribute = (name: string, value: string): XmlAttribute => ({ name, value });

/**
 * element() for trees the library builds, prints and drops itself (the halves of a pair, the
 * metadata): short attribute values and the empty children list are shared between elements and
 * frozen, so a thousand-pair expansion keeps a few hundred attribute objects alive instead of
 * some thirty thousand. Change such an element with setAttribute, removeAttribute and the edit
 * helpers (they replace, never edit in place); an edit in place fails loudly. Not part of the API.
 */
export function leanElement(
  name: string,
  attributes: Record<string, string | undefined> = {},
  children: XmlNode[] = NO_CHILDREN,
): XmlElement {
  return { type: 'element', name, attributes: attributeList(attributes, sharedAttribute), children };
}

/** The defined attributes in order. */
function attributeList(
  attributes: Record<string, string | undefined>,
  make: (name: string, value: string) => XmlAttribute,
): XmlAttribute[] {
  const list: XmlAttribute[] = [];
  for (const n in attributes) {
    const value = attributes[n];
    if (value !== undefined) list.push(make(n, value));
  }
  return list;
}

const NO_CHILDREN: XmlNode[] = Object.freeze([]) as unknown as XmlNode[];

const BLANK = /^[ \t\r\n]*$/;

/** Whether a text is only XML white space (layout between elements). */
export function isBlankText(value: string): boolean {
  return BLANK.test(value);
}

/** A text node made by code. */
export function text(value: string): XmlText {
  return { type: 'text', value };
}

/** The root element of a document; the parser guarantees there is exactly one. */
export function rootElement(doc: XmlDocument): XmlElement {
  for (const node of doc.children) if (node.type === 'element') return node;
  throw new TypeError('document has no root element');
}

/** A deep copy of a node: a node made by code (the copy has no origin: it is printed fresh). */
export function cloneNode<T extends XmlNode>(node: T): T {
  if (node.type !== 'element') return { ...node };
  return { ...node, attributes: node.attributes.map((a) => ({ ...a })), children: node.children.map(cloneNode) } as T;
}
