import { printedAttribute, tagsOf } from './memo.js';
import { escapeAttribute, escapeText } from './escape.js';
import { originOf, rowOf, type Origins } from './origin.js';
import { isBlankText, type XmlDocument, type XmlElement, type XmlNode } from './tree.js';

/**
 * Prints a document. A node that is as the parser read it is copied from the source; a changed
 * element keeps its original start and end tags where they still fit and reprints the rest in
 * libvirt's style (single quotes, `<x/>` when empty). `serializeXml(parseXml(x)) === x`.
 *
 * @example
 * const doc = parseXml(xml);
 * setAttribute(rootElement(doc), 'type', 'qemu');
 * serializeXml(doc); // only the changed start tag is reprinted
 */
export function serializeXml(doc: XmlDocument): string {
  const printer = new Printer();
  if (doc.bom) printer.put('\uFEFF');
  for (const node of doc.children) printer.node(node);
  return printer.text();
}

/**
 * Prints one node (and its subtree) the same way `serializeXml` would inside a document.
 *
 * @example
 * const root = rootElement(parseXml(xml));
 * serializeNode(firstChild(firstChild(root, 'devices')!, 'interface')!); // that element's source text
 */
export function serializeNode(node: XmlNode): string {
  const printer = new Printer();
  printer.node(node);
  return printer.text();
}

/**
 * Pieces are joined into a flat chunk every CHUNK pieces, in one array reused for every chunk. A
 * long print then keeps a few flat strings alive instead of a hundred thousand small ones, which
 * the young-generation GC copied again and again (a third of printing a 1 000-pair expansion),
 * and builds no strings to join pieces: putting each piece costs less than concatenating them.
 */
const CHUNK = 1024;

const LEADING_SPACE = /\s*/; // (a match at 0, possibly empty: no ^ needed)

/**
 * Whether `node` and everything below it is exactly as the parser read it (so printing copies its
 * source). Exported for the tests: the verdict only decides whether that copy is taken, which no
 * printed byte shows.
 */
export function isUnchanged(node: XmlNode): boolean {
  return originOf(node) !== undefined && new Printer().isPristine(node);
}

class Printer {
  /** The current chunk's pieces: the first `count` (the rest are left from the last chunk). */
  private readonly pieces: string[] = [];
  private count = 0;
  private readonly chunks: string[] = [];
  /** This print's number in each document it has met (see Origins.beginPrint), the last one first. */
  private lastOrigins: Origins | undefined;
  private lastPrint = 0;
  private readonly prints = new Map<Origins, number>();

  /** ` name='value'`: a short one as one memoised string, a long one in three pieces (no new string but its escape). */
  attribute(name: string, value: string): void {
    const printed = printedAttribute(name, value);
    if (printed !== undefined) return this.put(printed);
    this.put(tagsOf(name).attribute);
    this.put(escapeAttribute(value));
    this.put("'");
  }

  put(piece: string): void {
    this.pieces[this.count++] = piece;
    this.flushFullChunk();
  }

  /** Joins the pieces into one chunk once there are CHUNK of them (memory only: any size prints the same). */
  private flushFullChunk(): void {
    if (this.count === CHUNK) {
      this.chunks.push(this.pieces.join(''));
      this.count = 0;
    }
  }

  text(): string {
    this.pieces.length = this.count;
    this.chunks.push(this.pieces.join(''));
    return this.chunks.join('');
  }

  node(node: XmlNode): void {
    if (node.type === 'element') return this.element(node);
    const origins = originOf(node);
    const row = rowOf(node);
    if (origins?.leafUnchanged(node, row)) {
      this.put(origins.source.slice(origins.start(row), origins.end(row)));
      return;
    }
    switch (node.type) {
      // Layout white space made by code is printed as it is, CRLF included; escaping its CR as
      // &#13; would put a character reference in the indentation. (Asked only of text that
      // escaping would change: most text is not, and the test is a second regex.)
      case 'text': {
        const escaped = escapeText(node.value);
        this.put(escaped === node.value || isBlankText(node.value) ? node.value : escaped);
        break;
      }
      case 'comment':
        this.put(`<!--${node.value}-->`);
        break;
      case 'cdata':
        this.put(`<![CDATA[${node.value}]]>`);
        break;
      case 'pi':
        this.put(node.data ? `<?${node.target} ${node.data}?>` : `<?${node.target}?>`);
        break;
      case 'doctype':
        this.put(node.raw);
        break;
    }
  }

  /**
   * isUnchanged(node) (the caller knows it has an origin), judged once per print: the verdict is
   * cached in the node's Origins under this print's number (a Map of every node cost an eighth of
   * an expansion).
   */
  isPristine(node: XmlNode): boolean {
    const origins = originOf(node)!;
    const row = rowOf(node);
    const print = this.printOf(origins);
    const cached = origins.verdict(row, print);
    if (cached !== undefined) return cached;
    const known = this.judge(node, origins, row);
    origins.setVerdict(row, print, known);
    return known;
  }

  private judge(node: XmlNode, origins: Origins, row: number): boolean {
    return origins.isElement(row) ? this.elementUnchanged(node as XmlElement, origins, row) : origins.leafUnchanged(node, row);
  }

  /** The number this print has in `origins`' document: a pristine verdict cached there is trusted only by its print. */
  private printOf(origins: Origins): number {
    if (origins === this.lastOrigins) return this.lastPrint;
    let print = this.prints.get(origins);
    if (print === undefined) this.prints.set(origins, (print = origins.beginPrint()));
    this.lastOrigins = origins;
    this.lastPrint = print;
    return print;
  }

  /**
   * Unchanged: the same name and attributes, and children that are pristine nodes of the same
   * source whose spans tile the element's content, in order. Printing them one by one would copy
   * exactly that content, so the verdict needs no copy of the parsed child list (two objects per
   * element, kept as long as the document).
   */
  private elementUnchanged(el: XmlElement, origins: Origins, row: number): boolean {
    if (el.name !== origins.name(row) || !origins.sameAttributes(row, el.attributes)) return false;
    let at = origins.startTagEnd(row);
    for (const child of el.children) {
      const o = originOf(child);
      const r = rowOf(child);
      if (o === undefined || o.start(r) !== at || o.source !== origins.source || !this.isPristine(child)) return false;
      at = o.end(r);
    }
    return at === origins.endTagStart(row);
  }

  private element(el: XmlElement): void {
    const origins = originOf(el);
    const row = rowOf(el);
    if (origins === undefined || !origins.isElement(row)) return this.freshElement(el);
    const src = origins.source;
    if (this.copiedWhole(el, origins, row)) return;
    const empty = el.children.length === 0;
    const sameName = el.name === origins.name(row);
    const selfClosing = origins.selfClosing(row);
    const keepStartTag = sameName && origins.sameAttributes(row, el.attributes) && !selfClosing;
    if (keepStartTag) this.put(src.slice(origins.start(row), origins.startTagEnd(row)));
    else {
      this.put(tagsOf(el.name).open);
      this.attributes(el, origins, row);
      this.put(empty ? '/>' : '>');
    }
    if (empty && !keepStartTag) return;
    for (const child of el.children) this.node(child);
    if (!selfClosing && sameName) this.put(src.slice(origins.endTagStart(row), origins.end(row)));
    else this.put(`</${el.name}>`);
  }

  /** An unchanged element is copied from the source whole (a shortcut: tag by tag prints the same bytes). */
  private copiedWhole(el: XmlElement, origins: Origins, row: number): boolean {
    if (!this.isPristine(el)) return false;
    this.put(origins.source.slice(origins.start(row), origins.end(row)));
    return true;
  }

  /** Attributes of a changed start tag: unchanged ones keep their source text. */
  private attributes(el: XmlElement, origins: Origins, row: number): void {
    for (const attr of el.attributes) {
      const before = origins.findAttribute(row, attr.name);
      if (before === -1) {
        this.attribute(attr.name, attr.value);
        continue;
      }
      const raw = origins.attributeSource(before);
      if (origins.attributeValue(before) === attr.value) this.put(raw);
      else {
        const lead = LEADING_SPACE.exec(raw)![0];
        const quote = raw.endsWith('"') ? '"' : "'";
        this.put(`${lead}${attr.name}=${quote}${escapeAttribute(attr.value)}${quote}`);
      }
    }
    this.put(origins.tagTail(row));
  }

  private freshElement(el: XmlElement): void {
    const tags = tagsOf(el.name);
    this.put(tags.open);
    for (const attr of el.attributes) this.attribute(attr.name, attr.value);
    if (el.children.length === 0) {
      this.put('/>');
      return;
    }
    this.put('>');
    for (const child of el.children) this.node(child);
    this.put(tags.close);
  }
}
