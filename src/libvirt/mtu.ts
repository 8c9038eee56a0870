/** MTUs: libvirt's `<mtu size='N'/>`, and what a pair's backup can carry on a host. */
import { HybridError } from '../errors.js';
import { getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';

/** The smallest IPv4 MTU and the largest a Linux netdev takes. */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;
const DIGITS = /^[0-9]+$/;

/**
 * The size of an `<mtu size='N'/>`; INVALID_MTU naming `where` unless it is a whole number from 68 to 65535.
 *
 * @example
 * readMtu(mtuElement, "<interface type='hostdev-hybrid'> (device #2)"); // 9000
 */
export function readMtu(el: XmlElement, where: string): number {
  const raw = getAttribute(el, 'size') ?? '';
  const n = DIGITS.test(raw) ? Number(raw) : NaN;
  if (!(n >= MTU_MIN && n <= MTU_MAX)) {
    throw new HybridError('INVALID_MTU', `${where}: <mtu size='${raw}'/> must be a whole number from ${MTU_MIN} to ${MTU_MAX}`, {
      element: where,
    });
  }
  return n;
}
