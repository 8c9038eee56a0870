import { HybridError } from '../errors.js';
import { getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';

/** A PCI address: host side (`<source><address>`) or guest side (`<address type='pci'>`). */
export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

const LIMITS = { domain: 0xffff, bus: 0xff, slot: 0x1f, function: 7 } as const;
type Field = keyof typeof LIMITS;
const FIELDS: Field[] = ['domain', 'bus', 'slot', 'function'];

const HEX_NUMBER = /^0[xX][0-9a-fA-F]{1,8}$/;
const DECIMAL_NUMBER = /^(0|[1-9][0-9]{0,9})$/;
const PCI_TEXT = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/** libvirt reads these with base auto-detection; we accept its two unambiguous forms. */
function parseNumber(raw: string, field: Field, where: string): number {
  let n = NaN;
  if (HEX_NUMBER.test(raw))
    n = parseInt(raw, 16); // parseInt takes the 0x itself
  else if (DECIMAL_NUMBER.test(raw)) n = parseInt(raw, 10);
  if (Number.isNaN(n) || n > LIMITS[field]) {
    // neither form gives a negative number
    throw new HybridError(
      'INVALID_PCI_ADDRESS',
      `${where}: ${field}='${raw}' is not a valid PCI ${field} (hexadecimal like '0x${LIMITS[field].toString(16)}' or decimal, at most 0x${LIMITS[field].toString(16)})`,
      { element: where },
    );
  }
  return n;
}

/** Reads `<address domain=… bus=… slot=… function=…/>`; a missing domain or function is 0, as in libvirt. */
export function readPciAddress(el: XmlElement, where: string): PciAddress {
  const type = getAttribute(el, 'type');
  if (type !== undefined && type !== 'pci') {
    throw new HybridError('INVALID_PCI_ADDRESS', `${where}: address type='${type}' is not a PCI address`, { element: where });
  }
  const out = { domain: 0, bus: 0, slot: 0, function: 0 };
  for (const field of FIELDS) {
    const raw = getAttribute(el, field);
    if (raw === undefined) {
      if (field === 'bus' || field === 'slot') {
        throw new HybridError('INVALID_PCI_ADDRESS', `${where}: the PCI address has no ${field}`, { element: where });
      }
      continue;
    }
    out[field] = parseNumber(raw, field, where);
  }
  return out;
}

/** `0000:04:10.1`, the form lspci, sysfs and libvirt's messages use. */
export function formatPci(a: PciAddress): string {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut for the usual domain 0; the general form gives the same
  const domain = a.domain === 0 ? '0000' : a.domain.toString(16).padStart(4, '0');
  return `${domain}:${BYTE_HEX[a.bus]!}:${BYTE_HEX[a.slot]!}.${a.function.toString(16)}`;
}

export function parsePci(text: string, where = 'PCI address'): PciAddress {
  const m = PCI_TEXT.exec(text);
  const a = m && { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), function: parseInt(m[4]!, 16) };
  if (!a || a.slot > LIMITS.slot) {
    throw new HybridError('INVALID_PCI_ADDRESS', `${where}: '${text}' is not a PCI address of the form 0000:04:10.1`, { element: where });
  }
  return a;
}

/** `00` to `ff`: a byte in two hex digits, made once (MACs and PCI attributes print thousands). */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));
const hex = (n: number, w: number): string => '0x' + n.toString(16).padStart(w, '0');
// Buses and slots are written for every device of every expansion: made once.
const HEX2 = BYTE_HEX.map((h) => '0x' + h);
const FUNCTION_HEX = Array.from({ length: 8 }, (_, n) => '0x' + n);

/** The attributes libvirt writes for an address, in its order (one object literal: no field added later). */
export function pciAttributes(a: PciAddress, type = true): Record<string, string> {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut for the usual domain 0; hex() gives the same
  const domain = a.domain === 0 ? '0x0000' : hex(a.domain, 4);
  const bus = HEX2[a.bus]!;
  const slot = HEX2[a.slot]!;
  const fn = FUNCTION_HEX[a.function]!;
  return type ? { type: 'pci', domain, bus, slot, function: fn } : { domain, bus, slot, function: fn };
}
