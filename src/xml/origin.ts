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

// A row's slots. For an element: its start tag ends at START_TAG_END (just past `>`), its end tag
// starts at END_TAG_START (`<`; equal to END for a self-closing one), its attributes are rows
// FIRST_ATTRIBUTE .. FIRST_ATTRIBUTE + ATTRIBUTES - 1 of the attribute table.
const START = 0;
const END = 1;
const START_TAG_END = 2;
const END_TAG_START = 3;
const KIND = 4; // index in TYPES, plus SELF_CLOSING
const FIRST_ATTRIBUTE = 5;
const ATTRIBUTES = 6;
const STRIDE = 7;
const SELF_CLOSING = 8;

export class Origins {
  private rows = 0;
  private attributeRows = 0;
  /** The node of each row (a copy made with {...node} carries the fields but is another node). */
  private readonly nodes: XmlNode[] = [];
  /** Per row: an element's name, a leaf's content (a PI's data, a doctype's raw text). */
  private readonly texts: string[] = [];
  private spans: Int32Array;
  /** Per attribute: its name and value as parsed. */
  private readonly attributeTexts: string[] = [];
  /** Per attribute: where its text starts (the white space before it) and ends. */
  private attributeSpans: Int32Array;
  /** A processing instruction's target, by row (few documents have any). */
  private targets: Map<number, string> | undefined;
  /** The serializer's cache, per row: 2 × the number of the print that found it pristine or not, + 1 if pristine (0: none yet). */
  private verdicts: Float64Array;

  /** `capacity`: rows to make room for first (they grow as needed). */
  constructor(readonly source: string, capacity: number) {
    this.spans = new Int32Array(capacity * STRIDE);
    this.attributeSpans = new Int32Array(capacity * 2); // about an attribute a node
    this.verdicts = new Float64Array(capacity);
  }

  // ---- recording, by the parser

  /**
   * A new row: its start tag or the whole leaf spans `start`..`end`. The parser then makes the node
   * with this Origins and the row's number, and gives it to own().
   */
  add(type: NodeType, text: string, start: number, end: number): number {
    const row = this.rows++;
    if (row === this.verdicts.length) {
      const capacity = 2 * row + 16;
      this.spans = resized(this.spans, capacity * STRIDE);
      this.verdicts = resized(this.verdicts, capacity);
    }
    const at = row * STRIDE;
    const s = this.spans;
    s[at + START] = start;
    s[at + END] = end;
    s[at + START_TAG_END] = end;
    s[at + END_TAG_START] = end;
    s[at + KIND] = TYPES.indexOf(type);
    s[at + FIRST_ATTRIBUTE] = this.attributeRows;
    s[at + ATTRIBUTES] = 0;
    this.texts.push(text);
    return row;
  }

  /** The row's node; rows are owned in the order they were added. */
  own(row: number, node: XmlNode): void {
    this.nodes[row] = node;
  }

  addTarget(row: number, target: string): void {
    (this.targets ??= new Map()).set(row, target);
  }

  /** An attribute of the element in the last row added. */
  addAttribute(name: string, value: string, start: number, end: number): void {
    const a = this.attributeRows++;
    if (2 * a === this.attributeSpans.length) this.attributeSpans = resized(this.attributeSpans, 4 * a + 16);
    this.attributeSpans[2 * a] = start;
    this.attributeSpans[2 * a + 1] = end;
    this.attributeTexts.push(name, value);
    const count = (this.rows - 1) * STRIDE + ATTRIBUTES;
    this.spans[count] = this.spans[count]! + 1;
  }

  /** The element's start tag ends at `end` (so does a self-closing element). */
  endStartTag(row: number, end: number, selfClosing: boolean): void {
    const at = row * STRIDE;
    this.spans[at + END] = end;
    this.spans[at + START_TAG_END] = end;
    this.spans[at + END_TAG_START] = end;
    if (selfClosing) this.spans[at + KIND] = this.spans[at + KIND]! | SELF_CLOSING;
  }

  /** Whether one of the attributes recorded for the last row is named `name`. */
  hasAttribute(name: string): boolean {
    const first = this.spans[(this.rows - 1) * STRIDE + FIRST_ATTRIBUTE]!;
    for (let a = first; a < this.attributeRows; a++) if (this.attributeTexts[2 * a] === name) return true;
    return false;
  }

  /** An element's end tag: where it starts and where the element ends. */
  close(row: number, endTagStart: number, end: number): void {
    this.spans[row * STRIDE + END_TAG_START] = endTagStart;
    this.spans[row * STRIDE + END] = end;
  }

  // ---- reading, by the serializer

  ownerOf(row: number): XmlNode | undefined {
    return this.nodes[row];
  }

  /** The pristine verdict cached for `print` (a number above 0), or undefined. */
  verdict(row: number, print: number): boolean | undefined {
    const v = this.verdicts[row]!;
    return Math.floor(v / 2) === print ? v % 2 === 1 : undefined;
  }

  setVerdict(row: number, print: number, pristine: boolean): void {
    this.verdicts[row] = 2 * print + (pristine ? 1 : 0);
  }

  start(row: number): number {
    return this.spans[row * STRIDE + START]!;
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
    return this.texts[row]!;
  }

  /** Whether a leaf still has the fields it was parsed with. */
  leafUnchanged(node: XmlNode, row: number): boolean {
    if (node.type !== TYPES[this.spans[row * STRIDE + KIND]!]) return false;
    const content = this.texts[row];
    switch (node.type) {
      case 'pi': return node.target === this.targets!.get(row) && node.data === content;
      // Stryker disable next-line ConditionalExpression,StringLiteral: a doctype prints its raw text, all of its source, pristine or not
      case 'doctype': return node.raw === content;
      default: return (node as { value: string }).value === content; // text, comment or CDATA, as the row's type says
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
    const from = count === 0 ? this.spans[at + START]! + 1 + this.texts[row]!.length
      : this.attributeSpans[2 * (this.spans[at + FIRST_ATTRIBUTE]! + count - 1) + 1]!;
    return this.source.slice(from, this.spans[at + START_TAG_END]! - (this.selfClosing(row) ? 2 : 1));
  }
}

/** A longer typed array with the same start. */
function resized<T extends Int32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (length: number) => T)(length);
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
