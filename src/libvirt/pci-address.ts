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

type Field = keyof PciAddress;

/** The largest value libvirt accepts in each field. */
function limitOf(field: Field): number {
  return { domain: 0xffff, bus: 0xff, slot: 0x1f, function: 7 }[field];
}

/** libvirt reads these with base auto-detection; we accept its two unambiguous forms. */
function parseNumber(raw: string, field: Field, where: string): number {
  let n = NaN;
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(raw))
    n = parseInt(raw, 16); // parseInt takes the 0x itself
  else if (/^(0|[1-9][0-9]{0,9})$/.test(raw)) n = parseInt(raw, 10);
  if (Number.isNaN(n) || n > limitOf(field)) {
    // neither form gives a negative number
    throw new HybridError(
      'INVALID_PCI_ADDRESS',
      `${where}: ${field}='${raw}' is not a valid PCI ${field} (hexadecimal like '0x${limitOf(field).toString(16)}' or decimal, at most 0x${limitOf(field).toString(16)})`,
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
  for (const field of ['domain', 'bus', 'slot', 'function'] as const) {
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
  return `${digits(a.domain, 4)}:${digits(a.bus, 2)}:${digits(a.slot, 2)}.${a.function.toString(16)}`;
}

export function parsePci(text: string, where = 'PCI address'): PciAddress {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(text);
  const a = m && { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), function: parseInt(m[4]!, 16) };
  if (!a || a.slot > limitOf('slot')) {
    throw new HybridError('INVALID_PCI_ADDRESS', `${where}: '${text}' is not a PCI address of the form 0000:04:10.1`, { element: where });
  }
  return a;
}

/**
 * The address as one number, packed as the kernel packs it (domain 16 bits, bus 8, slot 5,
 * function 3): `0000:04:10.1` is 0x481. Sets and maps of addresses key on it.
 */
export function pciNumber(a: PciAddress): number {
  return slotNumber(a.domain, a.bus, a.slot) + a.function;
}

/** The number of a slot's function 0 (as `pciNumber`). */
export function slotNumber(domain: number, bus: number, slot: number): number {
  return domain * 0x10000 + bus * 0x100 + slot * 8;
}

/** `n` in hexadecimal, `width` digits at least. */
export function digits(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The attributes libvirt writes for an address, in its order (one object literal: no field added later). */
export function pciAttributes(a: PciAddress, type = true): Record<string, string> {
  const domain = '0x' + digits(a.domain, 4);
  const bus = '0x' + digits(a.bus, 2);
  const slot = '0x' + digits(a.slot, 2);
  const fn = '0x' + a.function.toString(16);
  return type ? { type: 'pci', domain, bus, slot, function: fn } : { domain, bus, slot, function: fn };
}
