import { escapeAttribute, escapeText } from './escape.js';
import { getOrigin, leafUnchanged, type ElementOrigin } from './origin.js';
import type { XmlAttribute, XmlDocument, XmlElement, XmlNode } from './tree.js';

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
  if (doc.bom) printer.out.push('\uFEFF');
  for (const node of doc.children) printer.node(node);
  return printer.out.join('');
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
  return printer.out.join('');
}

function sameAttributes(now: XmlAttribute[], then: readonly { name: string; value: string }[]): boolean {
  if (now.length !== then.length) return false;
  for (let i = 0; i < now.length; i++) {
    if (now[i]!.name !== then[i]!.name || now[i]!.value !== then[i]!.value) return false;
  }
  return true;
}

/** Numbers each print, so a pristine verdict cached on an origin is trusted only by its print. */
let printGeneration = 0;

class Printer {
  readonly out: string[] = [];
  // Stryker disable next-line UpdateOperator: any distinct number per print will do
  private readonly generation = ++printGeneration;

  node(node: XmlNode): void {
    if (node.type === 'element') return this.element(node);
    const origin = getOrigin(node);
    if (origin?.kind === 'leaf' && leafUnchanged(node, origin)) {
      this.out.push(origin.source.slice(origin.start, origin.end));
      return;
    }
    switch (node.type) {
      // Layout white space made by code is printed as it is, CRLF included; escaping its CR as
      // &#13; would put a character reference in the indentation.
      case 'text': this.out.push(/^[ \t\r\n]*$/.test(node.value) ? node.value : escapeText(node.value)); break;
      case 'comment': this.out.push(`<!--${node.value}-->`); break;
      case 'cdata': this.out.push(`<![CDATA[${node.value}]]>`); break;
      case 'pi': this.out.push(node.data ? `<?${node.target} ${node.data}?>` : `<?${node.target}?>`); break;
      case 'doctype': this.out.push(node.raw); break;
    }
  }

  /**
   * True when the node and everything below it is exactly as parsed. The verdict is cached on the
   * node's origin for this print (a Map of every node cost an eighth of an expansion).
   */
  private isPristine(node: XmlNode): boolean {
    const origin = getOrigin(node);
    // Stryker disable next-line all: never reached without an origin (callers check), and a lost verdict only costs time
    if (!origin) return false;
    // Stryker disable next-line all: the cache only saves time; without it the verdict is computed again
    if (origin.memoGeneration === this.generation) return origin.memo!;
    let known: boolean;
    if (origin.kind === 'leaf') known = leafUnchanged(node, origin);
    else {
      const el = node as XmlElement;
      known = el.name === origin.name && sameAttributes(el.attributes, origin.attributes) &&
        el.children.length === origin.children.length &&
        el.children.every((child, i) => child === origin.children[i] && this.isPristine(child));
    }
    origin.memoGeneration = this.generation;
    origin.memo = known;
    return known;
  }

  private element(el: XmlElement): void {
    const origin = getOrigin(el);
    if (origin?.kind !== 'element') return this.freshElement(el);
    const src = origin.source;
    // Stryker disable next-line ConditionalExpression,BlockStatement: a shortcut; the tag-by-tag path below prints the same bytes
    if (this.isPristine(el)) {
      this.out.push(src.slice(origin.start, origin.end));
      return;
    }
    const empty = el.children.length === 0;
    const keepStartTag = el.name === origin.name && sameAttributes(el.attributes, origin.attributes) && !origin.selfClosing;
    if (keepStartTag) this.out.push(src.slice(origin.start, origin.startTagEnd));
    else this.out.push('<' + el.name + this.attributes(el, origin) + (empty ? '/>' : '>'));
    if (empty && !keepStartTag) return;
    for (const child of el.children) this.node(child);
    if (!origin.selfClosing && el.name === origin.name) this.out.push(src.slice(origin.endTagStart, origin.end));
    else this.out.push(`</${el.name}>`);
  }

  /** Attributes of a changed start tag: unchanged ones keep their source text. */
  private attributes(el: XmlElement, origin: ElementOrigin): string {
    let s = '';
    for (const attr of el.attributes) {
      const before = origin.attributes.find((a) => a.name === attr.name);
      if (before && before.value === attr.value) s += before.raw;
      else if (before) {
        // Stryker disable next-line Regex: exec finds the leading white space with or without ^
        const lead = /^\s*/.exec(before.raw)![0];
        const quote = before.raw.endsWith('"') ? '"' : "'";
        s += `${lead}${attr.name}=${quote}${escapeAttribute(attr.value)}${quote}`;
      } else s += ` ${attr.name}='${escapeAttribute(attr.value)}'`;
    }
    return s + origin.tagTail;
  }

  private freshElement(el: XmlElement): void {
    let start = '<' + el.name;
    for (const attr of el.attributes) start += ` ${attr.name}='${escapeAttribute(attr.value)}'`;
    if (el.children.length === 0) {
      this.out.push(start + '/>');
      return;
    }
    this.out.push(start + '>');
    for (const child of el.children) this.node(child);
    this.out.push(`</${el.name}>`);
  }
}
