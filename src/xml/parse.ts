import { HybridError, type ErrorCode } from '../errors.js';
import { decodeAttribute, decodeText, referenceProblem } from './escape.js';
import { ORIGIN, ORIGIN_ROW, Origins, type NodeType, type Parsed } from './origin.js';
import { lineColumn } from './position.js';
import type { XmlAttribute, XmlDocument, XmlElement, XmlNode } from './tree.js';

/** Limits that keep hostile input bounded; documented in docs/SECURITY.md. */
export const XML_LIMITS = {
  /** libxml2's own default; libvirt documents are fewer than 10 deep. */
  maxDepth: 256,
  /** Characters; a 50 000-device domain is about 20 MB. */
  maxLength: 64 * 1024 * 1024,
} as const;

/** Options of parseXml. */
export interface ParseOptions {
  /** Named in error messages. */
  file?: string;
}

// XML 1.0 names, simplified to the BMP ranges (astral name characters pass as surrogate pairs).
const NAME =
  /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uFDCF\uFDF0-\uFFFD][-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uFDCF\uFDF0-\uFFFD]*/y;
// Characters XML 1.0 forbids anywhere; unpaired surrogates are found by isWellFormed().
const FORBIDDEN_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const REFERENCE_NAME = /^#?[\w.:-]+$/;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

interface OpenElement {
  element: XmlElement;
  row: number;
}

/**
 * Parses a document into the lossless tree. Well-formedness is checked by this scanner, which
 * also keeps source spans; DTDs are refused. (fast-xml-parser's validator, a second opinion, is
 * the oracle in the tests, not on this path: it doubled the parse time and is more lenient.)
 *
 * @example
 * const doc = parseXml("<domain type='kvm'><name>vm</name></domain>");
 * serializeXml(doc); // the same bytes back
 */
export function parseXml(xml: string, options: ParseOptions = {}): XmlDocument {
  if (typeof xml !== 'string') throw new TypeError('parseXml expects a string');
  return new Scanner(xml, options.file).document();
}

class Scanner {
  private pos = 0;
  private readonly stack: OpenElement[] = [];
  private readonly doc: XmlDocument = { type: 'document', bom: false, children: [] };
  private sawRoot = false;
  private readonly origins: Origins;
  /** The attributes of the start tag being read (the first ones of this list); each element gets a copy the exact size. */
  private readonly attributes: XmlAttribute[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string | undefined,
  ) {
    // Room for a node, and an attribute, every 16 characters: libvirt's XML has one every 20 to 40.
    this.origins = new Origins(src, (src.length >> 4) + 16);
  }

  document(): XmlDocument {
    const src = this.src;
    if (src.length > XML_LIMITS.maxLength) {
      throw new HybridError('XML_TOO_LARGE', `document is ${src.length} characters; the limit is ${XML_LIMITS.maxLength}`, {
        file: this.file,
      });
    }
    if (src.charCodeAt(0) === 0xfeff) {
      this.doc.bom = true;
      this.pos = 1;
    }
    let first = this.pos;
    while (first < src.length && isSpace(src.charCodeAt(first))) first++;
    if (first === src.length) this.fail('XML_EMPTY', 'the input is empty: expected an XML document', this.pos);
    const bad = FORBIDDEN_CHAR.exec(src);
    if (bad)
      this.fail(
        'XML_MALFORMED',
        `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`,
        bad.index,
      );
    if (!(src as string & { isWellFormed(): boolean }).isWellFormed()) {
      const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(src)!;
      this.fail('XML_MALFORMED', 'an unpaired UTF-16 surrogate is not a character', lone.index);
    }

    while (this.pos < src.length) {
      const lt = src.indexOf('<', this.pos);
      const textEnd = lt === -1 ? src.length : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd);
      if (lt === -1) break;
      this.markup(lt);
    }
    const open = this.stack.at(-1);
    if (open)
      this.fail('XML_MALFORMED', `element <${open.element.name}> is not closed (the document is truncated?)`, this.origins.start(open.row));
    if (!this.sawRoot) this.fail('XML_MALFORMED', 'the document has no root element', this.pos);
    return this.doc;
  }

  private fail(code: ErrorCode, message: string, offset: number): never {
    const { line, column } = lineColumn(this.src, offset);
    throw new HybridError(code, message, { file: this.file, line, column });
  }

  private container(): XmlNode[] {
    const top = this.stack.at(-1);
    return top ? top.element.children : this.doc.children;
  }

  /** A leaf with its origin; `content` is its value, a PI's data or a doctype's raw text. */
  private addLeaf(type: Exclude<NodeType, 'element' | 'pi'>, content: string, start: number, end: number): void {
    const origins = this.origins;
    const row = origins.nextRow;
    const node: Parsed<Exclude<XmlNode, XmlElement>> =
      type === 'doctype'
        ? { type, raw: content, [ORIGIN]: origins, [ORIGIN_ROW]: row }
        : { type, value: content, [ORIGIN]: origins, [ORIGIN_ROW]: row };
    origins.addLeaf(node, type, content, start, end);
    this.container().push(node);
  }

  private addPi(target: string, data: string, start: number, end: number): void {
    const origins = this.origins;
    const node: Parsed<XmlNode> = { type: 'pi', target, data, [ORIGIN]: origins, [ORIGIN_ROW]: origins.nextRow };
    origins.addPi(node, target, data, start, end);
    this.container().push(node);
  }

  private text(start: number, end: number): void {
    const raw = this.src.slice(start, end);
    if (this.stack.length === 0) {
      let stray = 0;
      while (stray < raw.length && isSpace(raw.charCodeAt(stray))) stray++;
      if (stray < raw.length)
        this.fail('XML_MALFORMED', this.sawRoot ? 'text after the root element' : 'text before the root element', start + stray);
    } else {
      this.checkReferences(raw, start);
      const cdataEnd = raw.indexOf(']]>');
      if (cdataEnd !== -1) this.fail('XML_MALFORMED', "']]>' must not appear in text", start + cdataEnd);
    }
    this.addLeaf('text', decodeText(raw), start, end);
  }

  /** Every `&` must start a known reference: we never expand DTD entities. */
  private checkReferences(raw: string, base: number): void {
    for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', amp + 1)) {
      const semi = raw.indexOf(';', amp);
      const ref = semi === -1 ? '' : raw.slice(amp + 1, semi);
      if (semi === -1 || !REFERENCE_NAME.test(ref)) this.fail('XML_MALFORMED', "a bare '&' must be written '&amp;'", base + amp);
      const problem = referenceProblem(ref);
      if (problem) this.fail('XML_ENTITY', problem, base + amp);
    }
  }

  private markup(lt: number): void {
    const src = this.src;
    if (src.startsWith('<!--', lt)) return this.comment(lt);
    if (src.startsWith('<![CDATA[', lt)) {
      if (this.stack.length === 0) this.fail('XML_MALFORMED', 'CDATA outside the root element', lt);
      const end = this.indexOrFail(']]>', lt + 9, 'CDATA section is not closed', lt);
      return this.addLeaf('cdata', src.slice(lt + 9, end), lt, (this.pos = end + 3));
    }
    if (src.startsWith('<?', lt)) return this.processingInstruction(lt);
    if (src.startsWith('<!DOCTYPE', lt)) return this.doctype(lt);
    if (src.startsWith('</', lt)) return this.endTag(lt);
    this.startTag(lt);
  }

  private indexOrFail(needle: string, from: number, message: string, at: number): number {
    const i = this.src.indexOf(needle, from);
    if (i === -1) this.fail('XML_MALFORMED', message, at);
    return i;
  }

  private comment(lt: number): void {
    const end = this.indexOrFail('-->', lt + 4, 'comment is not closed', lt);
    const value = this.src.slice(lt + 4, end);
    if (value.includes('--') || value.endsWith('-')) this.fail('XML_MALFORMED', "'--' is not allowed inside a comment", lt);
    this.addLeaf('comment', value, lt, (this.pos = end + 3));
  }

  private processingInstruction(lt: number): void {
    const target = this.name(lt + 2, 'processing instruction target');
    const end = this.indexOrFail('?>', lt + 2 + target.length, 'processing instruction is not closed', lt);
    if (target.toLowerCase() === 'xml') {
      if (lt !== (this.doc.bom ? 1 : 0)) this.fail('XML_MALFORMED', 'the XML declaration must come first in the document', lt);
      const decl = this.src.slice(lt, end);
      const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
      if (enc && !/^utf-?8$/i.test(enc[1]!))
        this.fail('XML_ENCODING', `encoding '${enc[1]}' is not supported: convert the file to UTF-8`, lt);
    }
    let dataStart = lt + 2 + target.length;
    if (dataStart < end && !isSpace(this.src.charCodeAt(dataStart)))
      this.fail('XML_MALFORMED', 'expected white space after the processing instruction target', dataStart);
    while (dataStart < end && isSpace(this.src.charCodeAt(dataStart))) dataStart++;
    this.addPi(target, this.src.slice(dataStart, end), lt, (this.pos = end + 2));
  }

  private doctype(lt: number): void {
    if (this.sawRoot || this.doc.children.some((n) => n.type === 'doctype'))
      this.fail('XML_MALFORMED', '<!DOCTYPE> is only allowed once, before the root element', lt);
    const end = this.src.indexOf('>', lt);
    const raw = end === -1 ? this.src.slice(lt) : this.src.slice(lt, end + 1);
    if (end === -1 || raw.includes('[') || /\b(SYSTEM|PUBLIC)\b/.test(raw)) {
      this.fail(
        'XML_DOCTYPE',
        'documents with a DTD (entity declarations or an external DTD) are refused: DTDs are never processed; remove the <!DOCTYPE>',
        lt,
      );
    }
    this.addLeaf('doctype', raw, lt, (this.pos = end + 1));
  }

  private name(at: number, what: string): string {
    return this.src.slice(at, this.nameEnd(at, what));
  }

  /**
   * Where the XML name at `at` ends, or XML_MALFORMED "expected WHAT (in <TAG>)". test() and
   * lastIndex: exec's match array was a tenth of what parsing allocated; the message is built
   * only on failure, as this runs for every attribute.
   */
  private nameEnd(at: number, what: string, tag?: string): number {
    NAME.lastIndex = at;
    if (!NAME.test(this.src)) this.fail('XML_MALFORMED', `expected ${what}${tag === undefined ? '' : ` in <${tag}>`}`, at);
    return NAME.lastIndex;
  }

  private skipSpace(): void {
    const src = this.src;
    while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
  }

  private startTag(lt: number): void {
    const src = this.src;
    if (this.stack.length === 0 && this.sawRoot) this.fail('XML_MALFORMED', 'a document has only one root element', lt);
    if (this.stack.length >= XML_LIMITS.maxDepth)
      this.fail('XML_TOO_DEEP', `elements are nested more than ${XML_LIMITS.maxDepth} deep`, lt);
    const name = this.name(lt + 1, 'an element name after <');
    this.pos = lt + 1 + name.length;
    const origins = this.origins;
    const firstAttribute = origins.nextAttribute;
    const attributes = this.attributes;
    let count = 0;
    let selfClosing: boolean;
    for (;;) {
      const wsStart = this.pos;
      this.skipSpace();
      if (src[this.pos] === '>' || src.startsWith('/>', this.pos)) {
        selfClosing = src[this.pos] === '/';
        this.pos += selfClosing ? 2 : 1;
        break;
      }
      if (this.pos >= src.length) this.fail('XML_MALFORMED', `start tag <${name}> is not closed`, lt);
      if (this.pos === wsStart) this.fail('XML_MALFORMED', `expected white space, '>' or '/>' in <${name}>`, this.pos);
      attributes[count++] = this.attribute(name, wsStart, firstAttribute);
    }
    const row = origins.nextRow;
    const element: Parsed<XmlElement> = {
      // A copy the exact size: an array grown by push keeps room for 16, for the document's life.
      type: 'element',
      name,
      attributes: attributes.slice(0, count),
      children: [],
      [ORIGIN]: origins,
      [ORIGIN_ROW]: row,
    };
    origins.addElement(element, name, lt, this.pos, firstAttribute, selfClosing);
    this.container().push(element);
    this.sawRoot = true; // the first element is the root; later ones change nothing
    if (!selfClosing) this.stack.push({ element, row });
  }

  private attribute(tag: string, wsStart: number, firstAttribute: number): XmlAttribute {
    // Messages naming the tag are built only on failure: this runs for every attribute.
    const src = this.src;
    const at = this.pos;
    const nameEnd = this.nameEnd(at, 'an attribute name', tag);
    const name = src.slice(at, nameEnd);
    this.pos = nameEnd;
    this.skipSpace();
    if (src[this.pos] !== '=') this.fail('XML_MALFORMED', `attribute '${name}' in <${tag}> has no value (write ${name}='…')`, at);
    this.pos++;
    this.skipSpace();
    const quote = src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('XML_MALFORMED', `the value of attribute '${name}' must be quoted`, this.pos);
    const close = src.indexOf(quote, this.pos + 1);
    if (close === -1) this.fail('XML_MALFORMED', `the value of attribute '${name}' is not closed`, at);
    const raw = src.slice(this.pos + 1, close);
    const lt = raw.indexOf('<');
    if (lt !== -1) this.fail('XML_MALFORMED', `'<' must be written '&lt;' in the value of attribute '${name}'`, this.pos + 1 + lt);
    this.checkReferences(raw, this.pos + 1);
    if (this.origins.hasAttribute(firstAttribute, name)) this.fail('XML_MALFORMED', `attribute '${name}' appears twice in <${tag}>`, at);
    this.pos = close + 1;
    const value = decodeAttribute(raw);
    this.origins.addAttribute(name, value, wsStart, this.pos);
    return { name, value };
  }

  private endTag(lt: number): void {
    const src = this.src;
    // The name is compared where it stands, not sliced: only an error message needs it as a string.
    const nameEnd = this.nameEnd(lt + 2, 'an element name after </');
    this.pos = nameEnd;
    this.skipSpace();
    if (src[this.pos] !== '>') this.fail('XML_MALFORMED', `end tag </${src.slice(lt + 2, nameEnd)}> is not closed with '>'`, lt);
    this.pos++;
    const open = this.stack.pop();
    if (!open) this.fail('XML_MALFORMED', `end tag </${src.slice(lt + 2, nameEnd)}> has no matching start tag`, lt);
    const opened = open.element.name;
    if (nameEnd - (lt + 2) !== opened.length || !src.startsWith(opened, lt + 2)) {
      const at = lineColumn(src, this.origins.start(open.row));
      this.fail(
        'XML_MALFORMED',
        `expected </${opened}> (opened at line ${at.line}, column ${at.column}), found </${src.slice(lt + 2, nameEnd)}>`,
        lt,
      );
    }
    this.origins.close(open.row, lt, this.pos);
    open.element.children = exactSize(open.element.children);
  }
}

/** `list` copied to its exact size: an array grown by push keeps room for 16 (a tenth of a parsed tree). */
function exactSize<T>(list: T[]): T[] {
  return list.slice();
}
