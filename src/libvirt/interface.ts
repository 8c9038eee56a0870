/**
 * libvirt's order of an `<interface>`'s children (as `virsh dumpxml` writes them), so the
 * halves expansion builds and the elements it adds read like libvirt's own.
 */
import { childElements, insertElement } from '../xml/edit.js';
import type { XmlDocument, XmlElement, XmlNode } from '../xml/tree.js';

const INTERFACE_CHILD_ORDER = [
  'mac',
  'source',
  'vlan',
  'virtualport',
  'target',
  'model',
  'driver',
  'bandwidth',
  'tune',
  'teaming',
  'link',
  'coalesce',
  'boot',
  'alias',
  'rom',
  'address',
];

const RANK = new Map(INTERFACE_CHILD_ORDER.map((name, i) => [name, i]));

/** A child's place in the order; a child libvirt's order does not list goes first. */
const rank = (n: XmlNode): number => (n.type === 'element' ? (RANK.get(n.name) ?? -1) : -1);

/** Children in libvirt's order; the sort is stable, so unlisted ones keep theirs, first. */
export function sortInterfaceChildren(el: XmlElement): XmlElement {
  el.children.sort((a, b) => rank(a) - rank(b));
  return el;
}

/** Inserts a child where libvirt's order puts it: before the first child ranked after it. */
export function insertInterfaceChild(doc: XmlDocument, el: XmlElement, child: XmlElement): void {
  const own = rank(child);
  const next = childElements(el).find((c) => rank(c) > own);
  insertElement(doc, el, child, next ? { before: next } : 'end');
}
