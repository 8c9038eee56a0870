/**
 * What the parser read, kept on each node under a private symbol (not in a WeakMap: that made
 * parsing GC-bound): the serializer compares a node with its origin to decide whether the source
 * text can be copied (recast's approach). Nodes made by code have no origin and are always printed.
 */
import type { XmlNode } from './tree.js';

export interface AttributeOrigin {
  name: string;
  value: string;
  /** The source text of the attribute, including the white space before it. */
  raw: string;
}

export interface ElementOrigin {
  kind: 'element';
  source: string;
  start: number;
  end: number;
  /** Offset just past the start tag's `>`. */
  startTagEnd: number;
  /** Offset of the end tag's `<` (equal to `end` for a self-closing element). */
  endTagStart: number;
  selfClosing: boolean;
  name: string;
  attributes: AttributeOrigin[];
  /** White space between the last attribute and `>` or `/>`. */
  tagTail: string;
  /** The children as parsed (a copy of the array, same node objects). */
  children: XmlNode[];
}

export interface LeafOrigin {
  kind: 'leaf';
  source: string;
  start: number;
  end: number;
  /** The node as parsed (its type and fields), compared field by field with the node now. */
  node: Exclude<XmlNode, { type: 'element' }>;
}

/** The serializer's cache: whether the node was pristine in the print numbered memoGeneration. */
interface PristineMemo {
  memoGeneration?: number;
  memo?: boolean;
}

export type Origin = (ElementOrigin | LeafOrigin) & PristineMemo;

const ORIGIN = Symbol('hostdev-hybrid.origin');
type Owned = Origin & { owner: XmlNode };
type WithOrigin = { [ORIGIN]?: Owned };

export function setOrigin(node: XmlNode, origin: Origin): void {
  (node as WithOrigin)[ORIGIN] = Object.assign(origin, { owner: node });
}

/** The node's origin; a copy made with {...node} carries the field but is a new node, made by code. */
export function getOrigin(node: XmlNode): Origin | undefined {
  const origin = (node as WithOrigin)[ORIGIN];
  return origin?.owner === node ? origin : undefined;
}

/** A leaf as parsed: the parser keeps a frozen copy of its fields. */
export function leafOrigin(node: Exclude<XmlNode, { type: 'element' }>, source: string, start: number, end: number): LeafOrigin {
  return { kind: 'leaf', source, start, end, node: { ...node } };
}

/** Whether a leaf still has the fields it was parsed with. */
export function leafUnchanged(node: XmlNode, origin: LeafOrigin): boolean {
  // The copy holds exactly the leaf's fields (type, then value, target and data, or raw).
  const now = node as unknown as Record<string, unknown>;
  const then = origin.node as unknown as Record<string, unknown>;
  for (const k in then) if (now[k] !== then[k]) return false;
  return true;
}

/** The source offset of a parsed node, for error messages; undefined for nodes made by code. */
export function sourceOffset(node: XmlNode): { source: string; offset: number } | undefined {
  const o = getOrigin(node);
  return o ? { source: o.source, offset: o.start } : undefined;
}
