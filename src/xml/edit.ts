/**
 * Reading and editing helpers over the lossless tree. Edits keep the document's layout: a new
 * element is indented like its siblings, and its own children (if it has only elements) are laid
 * out one per line, one indentation step deeper, as libvirt writes them.
 */
import type { XmlDocument, XmlElement, XmlNode, XmlText } from './tree.js';
import { isBlankText, text } from './tree.js';
import { originOf } from './origin.js';

/** The value of an attribute, or undefined. */
export function getAttribute(el: XmlElement, name: string): string | undefined {
  for (const a of el.attributes) if (a.name === name) return a.value;
  return undefined;
}

/**
 * Sets an attribute, keeping its position if present, else appending it. The attribute object is
 * replaced, not edited: the library's own elements share theirs (see `leanElement`).
 */
export function setAttribute(el: XmlElement, name: string, value: string): void {
  const list = el.attributes;
  const i = list.findIndex((a) => a.name === name);
  if (i === -1) list.push({ name, value });
  else list[i] = { name, value };
}

/** Removes an attribute if present. */
export function removeAttribute(el: XmlElement, name: string): void {
  const i = el.attributes.findIndex((a) => a.name === name);
  if (i !== -1) el.attributes.splice(i, 1);
}

/** The element children of `el`, all or those named `name`. */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.type === 'element' && (name === undefined || c.name === name)) out.push(c);
  return out;
}

/** The first child element named `name`. */
export function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if ((c as XmlElement).name === name) return c as XmlElement; // (only elements have a name)
  return undefined;
}

/** The element at a path of first children, e.g. `firstPath(domain, 'os', 'type')`. */
export function firstPath(el: XmlElement, ...names: string[]): XmlElement | undefined {
  let at: XmlElement | undefined = el;
  for (const name of names) at = at && firstChild(at, name);
  return at;
}

/** An attribute of the first child of that name, e.g. `childAttribute(iface, 'mac', 'address')`. */
export function childAttribute(el: XmlElement, child: string, name: string): string | undefined {
  const c = firstChild(el, child);
  return c ? getAttribute(c, name) : undefined;
}

/** The concatenated text and CDATA directly inside an element. */
export function textContent(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.type === 'text' || c.type === 'cdata') s += c.value;
  return s;
}

function isBlank(node: XmlNode | undefined): node is XmlText {
  return node?.type === 'text' && isBlankText(node.value);
}

/** The indentation of the line a child starts on, when white space and a newline precede it. */
function indentBefore(children: XmlNode[], index: number): string | undefined {
  const prev = children[index - 1];
  if (!isBlank(prev) || !prev.value.includes('\n')) return undefined;
  return prev.value.slice(prev.value.lastIndexOf('\n') + 1);
}

/** The parents of `target`, root first; empty for the root. */
function ancestors(doc: XmlDocument, target: XmlElement): XmlElement[] {
  const path: XmlElement[] = [];
  const walk = (nodes: XmlNode[]): boolean => {
    for (const n of nodes) {
      if (n.type !== 'element') continue;
      if (n === target) return true;
      path.push(n);
      if (walk(n.children)) return true;
      path.pop();
    }
    return false;
  };
  if (!walk(doc.children)) throw new TypeError(`<${target.name}> is not in the document`);
  return path;
}

/** One level of indentation as the document uses it; libvirt's two spaces when it shows none. */
export function indentUnit(doc: XmlDocument): string {
  const root = doc.children.find((n): n is XmlElement => n.type === 'element');
  if (root) {
    // (A text child has no blank text before it: indentBefore finds nothing there.)
    for (let i = 0; i < root.children.length; i++) {
      const indent = indentBefore(root.children, i);
      if (indent) return indent;
    }
  }
  return '  ';
}

/** The document's own line break: CRLF when its first line ends so, else LF. */
export function lineBreak(doc: XmlDocument): string {
  const root = doc.children.find((n): n is XmlElement => n.type === 'element');
  const source = root && originOf(root)?.source;
  return source?.[source.indexOf('\n') - 1] === '\r' ? '\r\n' : '\n';
}

function elementIndent(doc: XmlDocument, el: XmlElement): string {
  const chain = ancestors(doc, el);
  const parent = chain.at(-1);
  if (!parent) return '';
  return indentBefore(parent.children, parent.children.indexOf(el)) ?? indentUnit(doc).repeat(chain.length);
}

/** The indentation of `parent`'s children: that of an existing child, else one step deeper. */
export function childIndent(doc: XmlDocument, parent: XmlElement): string {
  for (let i = 0; i < parent.children.length; i++) {
    if (parent.children[i]!.type !== 'element') continue;
    const indent = indentBefore(parent.children, i);
    if (indent !== undefined) return indent;
  }
  return elementIndent(doc, parent) + indentUnit(doc);
}

/**
 * One depth of a layout: the line break and indentation before each child at that depth, and the
 * one before its parent's end tag, each string built once. With `shared`, every line at the depth
 * also shares one text node: a thousand-pair expansion then makes a few layout nodes, not
 * eighteen thousand (each kept alive, and copied by the GC, as long as the document). Only the
 * library's own trees share them (SharedLayout): a user may edit a text node.
 */
export interface Level {
  indent: string;
  /** Before each child at this depth. */
  lead: XmlText;
  /** Before the end tag of the parent at the depth above (none above the first level). */
  close: XmlText | undefined;
  shared: boolean;
  /** The level one deeper, made when first needed. */
  deeper: Level | undefined;
}

/** The first level of a layout, where the new elements themselves go. */
function level(indent: string, nl: string, shared: boolean): Level {
  return { indent, lead: text(nl + indent), close: undefined, shared, deeper: undefined };
}

function deeper(at: Level, unit: string, nl: string): Level {
  const indent = at.indent + unit;
  return (at.deeper ??= { indent, lead: text(nl + indent), close: text(nl + at.indent), shared: at.shared, deeper: undefined });
}

/** A level's node, or a copy of it when nodes are not shared. */
const place = (node: XmlText, at: Level): XmlText => (at.shared ? node : text(node.value));

/** Lays out a subtree made by code: element-only children go one per line, at `at`'s depth. */
function layOut(el: XmlElement, at: Level, unit: string, nl: string): void {
  const kids = el.children;
  if (kids.length === 0 || kids.some((c) => c.type !== 'element')) return;
  const inner = deeper(at, unit, nl);
  const laid: XmlNode[] = [];
  for (const kid of kids) {
    laid.push(place(inner.lead, inner), kid);
    layOut(kid as XmlElement, inner, unit, nl);
  }
  laid.push(place(inner.close!, inner));
  el.children = laid;
}

/** Where insertElement puts a new element. */
export type Position = { before: XmlNode } | { after: XmlNode } | 'end' | 'start';

/**
 * Inserts a new element into `parent` at `position`, with a newline and the siblings' indentation,
 * and lays out its subtree. The element must be one made by code.
 */
export function insertElement(doc: XmlDocument, parent: XmlElement, child: XmlElement, position: Position = 'end'): void {
  const indent = childIndent(doc, parent);
  const nl = lineBreak(doc);
  layOut(child, level(indent, nl, false), indentUnit(doc), nl);
  const kids = parent.children;
  if (kids.every((k) => isBlank(k))) {
    parent.children = [text(nl + indent), child, text(nl + elementIndent(doc, parent))];
    return;
  }
  if (position === 'start') position = { before: kids.find((k) => !isBlank(k))! };
  if (position === 'end') {
    const last = kids.length - 1;
    const at = isBlank(kids[last]) ? last : kids.length;
    kids.splice(at, 0, text(nl + indent), child);
    return;
  }
  if ('after' in position) {
    const at = kids.indexOf(position.after);
    if (at === -1) throw new TypeError('insertElement: the reference node is not a child of the parent');
    kids.splice(at + 1, 0, text(nl + indent), child);
    return;
  }
  const at = kids.indexOf(position.before);
  if (at === -1) throw new TypeError('insertElement: the reference node is not a child of the parent');
  kids.splice(at, 0, child, text(nl + indent));
}

/** Removes a child element and the line it stood on. */
export function removeElement(parent: XmlElement, child: XmlElement): void {
  const kids = parent.children;
  const at = kids.indexOf(child);
  if (at === -1) throw new TypeError('removeElement: not a child of the parent');
  if (isBlank(kids[at - 1]) && (kids[at - 1] as XmlText).value.includes('\n')) kids.splice(at - 1, 2);
  else kids.splice(at, 1);
}

/**
 * Replaces a child element by new elements, each on its own line at the siblings' indentation,
 * in one splice: the same result as inserting each after the last and removing the old one.
 */
export function replaceElement(doc: XmlDocument, parent: XmlElement, old: XmlElement, replacements: XmlElement[]): void {
  replaceElements(doc, parent, new Map([[old, replacements]]));
}

/**
 * replaceElement for many children of one parent, in one pass over its children (one call per
 * child would make a thousand replacements quadratic). The parent is left as it was when one of
 * the old elements is not its child.
 *
 * @example
 * replaceElements(doc, devices, new Map([[a, [a1, a2]], [b, [b1]]])); // a by a1 and a2, b by b1
 */
export function replaceElements(doc: XmlDocument, parent: XmlElement, replacements: ReadonlyMap<XmlElement, readonly XmlElement[]>): void {
  const nl = lineBreak(doc);
  const unit = indentUnit(doc);
  const at = level(childIndent(doc, parent), nl, false);
  for (const news of replacements.values()) for (const r of news) layOut(r, at, unit, nl);
  placeReplacements(parent, replacements, at);
}

/**
 * replaceElements for many replacements gathered one at a time, for the library's own trees.
 * Each replacement is laid out as it is added, while its nodes are still in the CPU's cache (a
 * pass over a thousand pairs' halves at the end read them all back from memory), and every line
 * at one depth shares one white space node (see Level), so none may be edited in place; `apply`
 * puts them all in, in one pass. Not part of the API.
 *
 * @example
 * const batch = new ReplacementBatch(doc, devices);
 * batch.replace(entry, [vfHalf, backupHalf]);
 * batch.apply();
 */
export class ReplacementBatch {
  readonly #parent: XmlElement;
  readonly #at: Level;
  readonly #unit: string;
  readonly #nl: string;
  readonly #replacements = new Map<XmlElement, readonly XmlElement[]>();

  constructor(doc: XmlDocument, parent: XmlElement) {
    this.#parent = parent;
    this.#nl = lineBreak(doc);
    this.#at = level(childIndent(doc, parent), this.#nl, true);
    this.#unit = indentUnit(doc);
  }

  /** `old`, a child of the parent, is to be replaced by `news` (laid out now). */
  replace(old: XmlElement, news: readonly XmlElement[]): void {
    for (const el of news) layOut(el, this.#at, this.#unit, this.#nl);
    this.#replacements.set(old, news);
  }

  /** Puts every replacement in place. */
  apply(): void {
    placeReplacements(this.#parent, this.#replacements, this.#at);
  }
}

/** Puts laid-out replacements in place of the old elements, in one pass over the parent's children. */
function placeReplacements(parent: XmlElement, replacements: ReadonlyMap<XmlElement, readonly XmlElement[]>, at: Level): void {
  const out: XmlNode[] = [];
  let found = 0;
  for (const kid of parent.children) {
    const news = replacements.get(kid as XmlElement); // only elements are keys
    if (news === undefined) {
      out.push(kid);
      continue;
    }
    found++;
    // The old element's own line goes with it, as removeElement does.
    const before = out[out.length - 1];
    if (isBlank(before) && before.value.includes('\n')) out.pop();
    for (const r of news) out.push(place(at.lead, at), r);
  }
  if (found !== replacements.size) throw new TypeError('replaceElement: not a child of the parent');
  parent.children = out;
}
