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

// Stryker disable next-line Regex: exec finds the leading white space with or without ^
const LEADING_SPACE = /^\s*/;

class Printer {
  // Stryker disable next-line ArrayDeclaration: every slot is written before it is read
  private readonly pieces: string[] = [];
  /** How many of `pieces` belong to the current chunk (the rest are left from the last one). */
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
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: chunking changes memory use only; any chunk size prints the same
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
   * True when the node and everything below it is exactly as parsed. The verdict is cached in the
   * node's Origins for this print (a Map of every node cost an eighth of an expansion). The verdict
   * only decides whether the shortcut is taken: for an unchanged element, the tag-by-tag path
   * prints the same bytes.
   */
  // Stryker disable next-line BlockStatement: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
  private isPristine(node: XmlNode): boolean {
    const origins = originOf(node);
    // Stryker disable next-line all: never reached without an origin (callers check), and a lost verdict only costs time
    if (!origins) return false;
    const row = rowOf(node);
    const print = this.printOf(origins);
    const cached = origins.verdict(row, print);
    // Stryker disable next-line all: the cache only saves time; without it the verdict is computed again
    if (cached !== undefined) return cached;
    // Stryker disable next-line ConditionalExpression: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
    const known = origins.isElement(row) ? this.elementUnchanged(node as XmlElement, origins, row) : origins.leafUnchanged(node, row);
    origins.setVerdict(row, print, known);
    return known;
  }

  /** The number this print has in `origins`' document: a pristine verdict cached there is trusted only by its print. */
  private printOf(origins: Origins): number {
    // Stryker disable next-line ConditionalExpression: a shortcut; the map holds the same number
    if (origins === this.lastOrigins) return this.lastPrint;
    let print = this.prints.get(origins);
    // Stryker disable next-line ConditionalExpression: a new number for the same print only makes the cache miss
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
  // Stryker disable next-line BlockStatement: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
  private elementUnchanged(el: XmlElement, origins: Origins, row: number): boolean {
    // Stryker disable next-line ConditionalExpression: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
    if (el.name !== origins.name(row) || !origins.sameAttributes(row, el.attributes)) return false;
    let at = origins.startTagEnd(row);
    for (const child of el.children) {
      const o = originOf(child);
      const r = rowOf(child);
      // Stryker disable next-line ConditionalExpression: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
      if (o === undefined || o.start(r) !== at || o.source !== origins.source || !this.isPristine(child)) return false;
      at = o.end(r);
    }
    // Stryker disable next-line ConditionalExpression: a verdict of false only skips the shortcut; the tag-by-tag path prints the same bytes
    return at === origins.endTagStart(row);
  }

  private element(el: XmlElement): void {
    const origins = originOf(el);
    const row = rowOf(el);
    if (origins === undefined || !origins.isElement(row)) return this.freshElement(el);
    const src = origins.source;
    // Stryker disable next-line ConditionalExpression,BlockStatement: a shortcut; the tag-by-tag path below prints the same bytes
    if (this.isPristine(el)) {
      this.put(src.slice(origins.start(row), origins.end(row)));
      return;
    }
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
