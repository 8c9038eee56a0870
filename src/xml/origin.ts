/**
 * What the parser read, kept beside the tree rather than in it: the serializer compares a node
 * with its origin to decide whether the source text can be copied (recast's approach). Nodes made
 * by code have no origin and are always printed.
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
  /** The node's fields as parsed, joined; compared with the node's current fields. */
  fingerprint: string;
}

export type Origin = ElementOrigin | LeafOrigin;

const origins = new WeakMap<XmlNode, Origin>();

export function setOrigin(node: XmlNode, origin: Origin): void {
  origins.set(node, origin);
}

export function getOrigin(node: XmlNode): Origin | undefined {
  return origins.get(node);
}

export function leafFingerprint(node: Exclude<XmlNode, { type: 'element' }>): string {
  switch (node.type) {
    case 'text':
    case 'comment':
    case 'cdata':
      return node.type + '\0' + node.value;
    case 'pi':
      return 'pi\0' + node.target + '\0' + node.data;
    case 'doctype':
      return 'doctype\0' + node.raw;
  }
}

/** The source offset of a parsed node, for error messages; undefined for nodes made by code. */
export function sourceOffset(node: XmlNode): { source: string; offset: number } | undefined {
  const o = origins.get(node);
  return o ? { source: o.source, offset: o.start } : undefined;
}
