/**
 * What the parser read, kept on each node under a private symbol (not in a WeakMap: that made
 * parsing GC-bound): the serializer compares a node with its origin to decide whether the source
 * text can be copied (recast's approach). Nodes made by code have no origin and are always printed.
 *
 * The parser puts the symbol in each node's object literal and every field of an origin in the
 * origin's: a property added later costs a separate property store per object, and a large
 * document keeps hundreds of thousands of these alive.
 */
import type { XmlNode } from './tree.js';

export const ORIGIN = Symbol('hostdev-hybrid.origin');

export interface AttributeOrigin {
  name: string;
  value: string;
  /** Source offsets of the attribute's text, including the white space before it. */
  start: number;
  end: number;
}

/** The serializer's cache: whether the node was pristine in the print numbered memoGeneration (0: none yet). */
interface PristineMemo {
  memoGeneration: number;
  memo: boolean;
}

interface Spanned extends PristineMemo {
  source: string;
  start: number;
  end: number;
  /** The node this origin was made for (a copy made with {...node} carries the field too). */
  owner: XmlNode | undefined;
}

export interface ElementOrigin extends Spanned {
  kind: 'element';
  /** Offset just past the start tag's `>`. */
  startTagEnd: number;
  /** Offset of the end tag's `<` (equal to `end` for a self-closing element). */
  endTagStart: number;
  selfClosing: boolean;
  name: string;
  attributes: readonly AttributeOrigin[];
  /** White space between the last attribute and `>` or `/>`. */
  tagTail: string;
}

/** A leaf's fields as parsed, compared one by one with the node now. */
export interface LeafOrigin extends Spanned {
  kind: 'leaf';
  type: Exclude<XmlNode, { type: 'element' }>['type'];
  /** `value` of text, comments and CDATA; `data` of a processing instruction; `raw` of a doctype. */
  content: string;
  /** A processing instruction's target. */
  target: string | undefined;
}

export type Origin = ElementOrigin | LeafOrigin;

type WithOrigin = { [ORIGIN]?: Origin };
/** A node as the parser makes it. */
export type Parsed<T extends XmlNode> = T & { [ORIGIN]: Origin };

/** The node's origin; a copy made with {...node} carries the field but is a new node, made by code. */
export function getOrigin(node: XmlNode): Origin | undefined {
  const origin = (node as WithOrigin)[ORIGIN];
  return origin?.owner === node ? origin : undefined;
}

/** Whether a leaf still has the fields it was parsed with. */
export function leafUnchanged(node: XmlNode, origin: LeafOrigin): boolean {
  if (node.type !== origin.type) return false;
  switch (node.type) {
    case 'pi': return node.target === origin.target && node.data === origin.content;
    // Stryker disable next-line ConditionalExpression,StringLiteral: a doctype prints its raw text, all of its source, pristine or not
    case 'doctype': return node.raw === origin.content;
    default: return (node as { value: string }).value === origin.content; // text, comment or CDATA, as origin.type says
  }
}

/** The source offset of a parsed node, for error messages; undefined for nodes made by code. */
export function sourceOffset(node: XmlNode): { source: string; offset: number } | undefined {
  const o = getOrigin(node);
  return o ? { source: o.source, offset: o.start } : undefined;
}
