/**
 * What the parser read: the serializer compares a node with its origin to decide whether the
 * source text can be copied (recast's approach). Nodes made by code have no origin and are always
 * printed.
 *
 * One Origins per parsed document holds the origins of all its nodes: numbers in typed arrays,
 * strings in arrays beside them, each node a row. A node carries its document's Origins and its
 * row under two private symbols. (An object per node and per attribute was half of a parsed tree,
 * and the young-generation GC copied it again in every large expansion; a WeakMap made parsing
 * GC-bound.)
 */
import type { XmlAttribute, XmlNode } from './tree.js';

export const ORIGIN = Symbol('hostdev-hybrid.origin');
export const ORIGIN_ROW = Symbol('hostdev-hybrid.origin-row');

/** A node as the parser makes it. */
export type Parsed<T extends XmlNode> = T & { [ORIGIN]: Origins; [ORIGIN_ROW]: number };
type WithOrigin = { [ORIGIN]?: Origins; [ORIGIN_ROW]?: number };

/** The node types a row can hold, as stored in its KIND slot. */
const TYPES = ['element', 'text', 'comment', 'cdata', 'pi', 'doctype'] as const;
export type NodeType = (typeof TYPES)[number];
const ELEMENT = 0;

// A row's slots. Slot 0 (START, written at the row's own index) is where the node's text starts.
// For an element: its start tag ends at START_TAG_END (just past `>`), its end tag starts at
// END_TAG_START (`<`; equal to END for a self-closing one), its attributes are rows
// FIRST_ATTRIBUTE .. FIRST_ATTRIBUTE + ATTRIBUTES - 1 of the attribute table.
const END = 1;
const START_TAG_END = 2;
const END_TAG_START = 3;
const KIND = 4; // index in TYPES, plus SELF_CLOSING
const FIRST_ATTRIBUTE = 5;
const ATTRIBUTES = 6;
const VERDICT = 7; // the serializer's cache: 2 × the print that judged the node (0: none yet), + 1 if pristine
const STRIDE = 8;
const SELF_CLOSING = 8;
/** Prints of one document are numbered up to here, then from 1 again with every cached verdict cleared. */
const MAX_PRINT = 2 ** 29;

export class Origins {
  private rows = 0;
  private attributeRows = 0;
  /**
   * Per row, two entries: the node (a copy made with {...node} carries its fields but is another
   * node), then an element's name or a leaf's content (a PI's data, a doctype's raw text).
   */
  private readonly entries: (XmlNode | string)[] = [];
  private spans: Int32Array;
  /** Per attribute: its name and value as parsed. */
  private readonly attributeTexts: string[] = [];
  /** Per attribute: where its text starts (the white space before it) and ends. */
  private attributeSpans: Int32Array;
  /** A processing instruction's target, by row (few documents have any). */
  private targets: Map<number, string> | undefined;
  private prints = 0;

  /** `capacity`: rows, and attributes, to make room for first (more is made as needed). */
  constructor(
    readonly source: string,
    capacity: number,
  ) {
    this.spans = new Int32Array(capacity * STRIDE);
    this.attributeSpans = new Int32Array(capacity * 2);
  }

  // ---- recording, by the parser: it makes each node with this Origins and nextRow, then adds it

  /** The row of the next node added. */
  get nextRow(): number {
    return this.rows;
  }

  /** The number of the next attribute added. */
  get nextAttribute(): number {
    return this.attributeRows;
  }

  /** A leaf, parsed from `start` to `end`; `content` as its row keeps it (see entries). */
  addLeaf(node: XmlNode, type: Exclude<NodeType, 'element'>, content: string, start: number, end: number): void {
    const at = this.newRow() * STRIDE;
    const s = this.spans;
    s[at] = start; // START
    s[at + END] = end;
    s[at + KIND] = TYPES.indexOf(type);
    this.entries.push(node, content);
  }

  /** A processing instruction: a leaf whose content is its data, with its target beside. */
  addPi(node: XmlNode, target: string, data: string, start: number, end: number): void {
    this.addLeaf(node, 'pi', data, start, end);
    (this.targets ??= new Map()).set(this.rows - 1, target);
  }

  /**
   * An element whose start tag spans `start` to `startTagEnd`, with the attributes added since
   * `firstAttribute`. Its end is the start tag's until close() says where the end tag is.
   */
  addElement(node: XmlNode, name: string, start: number, startTagEnd: number, firstAttribute: number, selfClosing: boolean): void {
    const at = this.newRow() * STRIDE;
    const s = this.spans;
    s[at] = start; // START
    s[at + END] = startTagEnd;
    s[at + START_TAG_END] = startTagEnd;
    s[at + END_TAG_START] = startTagEnd;
    s[at + KIND] = selfClosing ? ELEMENT | SELF_CLOSING : ELEMENT;
    s[at + FIRST_ATTRIBUTE] = firstAttribute;
    s[at + ATTRIBUTES] = this.attributeRows - firstAttribute;
    this.entries.push(node, name);
  }

  private newRow(): number {
    const row = this.rows++;
    this.spans = withRoom(this.spans, this.rows * STRIDE);
    return row;
  }

  /** An attribute of the start tag being read. */
  addAttribute(name: string, value: string, start: number, end: number): void {
    const a = this.attributeRows++;
    this.attributeSpans = withRoom(this.attributeSpans, 2 * this.attributeRows);
    this.attributeSpans[2 * a] = start;
    this.attributeSpans[2 * a + 1] = end;
    this.attributeTexts.push(name, value);
  }

  /** Whether an attribute added since `firstAttribute` is named `name`. */
  hasAttribute(firstAttribute: number, name: string): boolean {
    for (let a = firstAttribute; a !== this.attributeRows; a++) if (this.attributeTexts[2 * a] === name) return true;
    return false;
  }

  /** An element's end tag: where it starts and where the element ends. */
  close(row: number, endTagStart: number, end: number): void {
    this.spans[row * STRIDE + END_TAG_START] = endTagStart;
    this.spans[row * STRIDE + END] = end;
  }

  // ---- reading, by the serializer

  ownerOf(row: number): XmlNode | undefined {
    return this.entries[2 * row] as XmlNode | undefined;
  }

  /** A new print of this document: the number that its cached verdicts are kept under. */
  beginPrint(): number {
    this.recycleVerdicts();
    return ++this.prints;
  }

  /** Past MAX_PRINT prints, numbering starts again with every cached verdict cleared. */
  private recycleVerdicts(): void {
    if (this.prints === MAX_PRINT) {
      for (let row = 0; row < this.rows; row++) this.spans[row * STRIDE + VERDICT] = 0;
      this.prints = 0;
    }
  }

  /** The pristine verdict cached in `print` (from beginPrint), or undefined. */
  verdict(row: number, print: number): boolean | undefined {
    const v = this.spans[row * STRIDE + VERDICT]!;
    return v >> 1 === print ? (v & 1) === 1 : undefined;
  }

  setVerdict(row: number, print: number, pristine: boolean): void {
    this.spans[row * STRIDE + VERDICT] = 2 * print + (pristine ? 1 : 0);
  }

  start(row: number): number {
    return this.spans[row * STRIDE]!; // START
  }

  end(row: number): number {
    return this.spans[row * STRIDE + END]!;
  }

  startTagEnd(row: number): number {
    return this.spans[row * STRIDE + START_TAG_END]!;
  }

  endTagStart(row: number): number {
    return this.spans[row * STRIDE + END_TAG_START]!;
  }

  selfClosing(row: number): boolean {
    return (this.spans[row * STRIDE + KIND]! & SELF_CLOSING) !== 0;
  }

  isElement(row: number): boolean {
    return (this.spans[row * STRIDE + KIND]! & ~SELF_CLOSING) === ELEMENT;
  }

  /** An element's name as parsed. */
  name(row: number): string {
    return this.entries[2 * row + 1] as string;
  }

  /** Whether a leaf still has the fields it was parsed with. */
  leafUnchanged(node: XmlNode, row: number): boolean {
    if (node.type !== TYPES[this.spans[row * STRIDE + KIND]!]) return false;
    const content = this.entries[2 * row + 1];
    switch (node.type) {
      case 'pi':
        return node.target === this.targets!.get(row) && node.data === content;
      case 'doctype':
        return node.raw === content;
      default:
        return (node as { value: string }).value === content; // text, comment or CDATA, as the row's type says
    }
  }

  /** Whether `attributes` are the element's attributes as parsed: the same names and values, in order. */
  sameAttributes(row: number, attributes: readonly XmlAttribute[]): boolean {
    const at = row * STRIDE;
    const count = this.spans[at + ATTRIBUTES]!;
    if (attributes.length !== count) return false;
    const first = this.spans[at + FIRST_ATTRIBUTE]!;
    const texts = this.attributeTexts;
    for (let i = 0; i < count; i++) {
      const a = attributes[i]!;
      if (a.name !== texts[2 * (first + i)] || a.value !== texts[2 * (first + i) + 1]) return false;
    }
    return true;
  }

  /** The element's parsed attribute named `name`: its number in the attribute table, or -1. */
  findAttribute(row: number, name: string): number {
    const first = this.spans[row * STRIDE + FIRST_ATTRIBUTE]!;
    const end = first + this.spans[row * STRIDE + ATTRIBUTES]!;
    for (let a = first; a < end; a++) if (this.attributeTexts[2 * a] === name) return a;
    return -1;
  }

  attributeValue(a: number): string {
    return this.attributeTexts[2 * a + 1]!;
  }

  /** An attribute's source text, with the white space before it. */
  attributeSource(a: number): string {
    return this.source.slice(this.attributeSpans[2 * a], this.attributeSpans[2 * a + 1]);
  }

  /** The white space between an element's last attribute (or name) and its `>` or `/>`. */
  tagTail(row: number): string {
    const at = row * STRIDE;
    const count = this.spans[at + ATTRIBUTES]!;
    const from =
      count === 0
        ? this.spans[at]! + 1 + this.name(row).length // START
        : this.attributeSpans[2 * (this.spans[at + FIRST_ATTRIBUTE]! + count - 1) + 1]!;
    return this.source.slice(from, this.spans[at + START_TAG_END]! - (this.selfClosing(row) ? 2 : 1));
  }
}

/** `a`, or a longer copy when `used` slots would not fit (sizing only: any room past `used` reads the same). */
function withRoom(a: Int32Array, used: number): Int32Array {
  if (used <= a.length) return a;
  const b = new Int32Array(2 * used + 16);
  b.set(a);
  return b;
}

/** The node's Origins and row, when the parser made it; a copy made with {...node} is a new node, made by code. */
export function originOf(node: XmlNode): Origins | undefined {
  const origins = (node as WithOrigin)[ORIGIN];
  return origins !== undefined && origins.ownerOf((node as WithOrigin)[ORIGIN_ROW]!) === node ? origins : undefined;
}

/** The node's row in originOf(node). */
export function rowOf(node: XmlNode): number {
  return (node as WithOrigin)[ORIGIN_ROW]!;
}

/** The source offset of a parsed node, for error messages; undefined for nodes made by code. */
export function sourceOffset(node: XmlNode): { source: string; offset: number } | undefined {
  const o = originOf(node);
  return o ? { source: o.source, offset: o.start(rowOf(node)) } : undefined;
}
