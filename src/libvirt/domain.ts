/** Views over a parsed `<domain>`: the pieces expansion, collapse, check and planning read. */
import { HybridError } from '../errors.js';
import { childElements, firstChild, firstPath, getAttribute, textContent } from '../xml/edit.js';
import { rootElement, type XmlDocument, type XmlElement } from '../xml/tree.js';
import { sourceOffset } from '../xml/origin.js';
import { lineColumn } from '../xml/position.js';
import { readPciAddress, type PciAddress } from './pci-address.js';

export type MachineKind = 'pc' | 'q35';

export function domainRoot(doc: XmlDocument): XmlElement {
  const root = rootElement(doc);
  if (root.name !== 'domain') throw new HybridError('XML_WRONG_ROOT', `expected a <domain>, found <${root.name}>`);
  return root;
}

export function domainName(root: XmlElement): string {
  const el = firstChild(root, 'name');
  return el ? textContent(el).trim() : '';
}

export function domainUuid(root: XmlElement): string | undefined {
  const el = firstChild(root, 'uuid');
  return el ? textContent(el).trim() : undefined;
}

/** libvirt's memory units, in KiB (`<memory unit=…>`; no unit is KiB). */
const KIB_PER_UNIT: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  KB: 1000 / 1024,
  k: 1,
  KiB: 1,
  MB: 1e6 / 1024,
  M: 1024,
  MiB: 1024,
  GB: 1e9 / 1024,
  G: 1024 ** 2,
  GiB: 1024 ** 2,
  TB: 1e12 / 1024,
  T: 1024 ** 3,
  TiB: 1024 ** 3,
};

/** The guest's memory now (`<currentMemory>`, else `<memory>`) in KiB, rounded up; undefined when neither says. */
export function memoryKiB(root: XmlElement): number | undefined {
  const el = firstChild(root, 'currentMemory') ?? firstChild(root, 'memory');
  const amount = el ? Number(textContent(el).trim()) : NaN;
  const perUnit = el ? KIB_PER_UNIT[getAttribute(el, 'unit') ?? 'KiB'] : undefined;
  return perUnit === undefined || !(amount > 0) ? undefined : Math.ceil(amount * perUnit);
}

/** The `<devices>` element; a domain without one has nothing to expand. */
export function devicesOf(root: XmlElement): XmlElement | undefined {
  return firstChild(root, 'devices');
}

const PC_MACHINE = /^pc($|-i440fx|-\d)/;

/** x86 `pc` (i440fx) or `q35`, from `<os><type arch=… machine=…>`; anything else is refused. */
export function machineKind(root: XmlElement): MachineKind {
  const type = firstPath(root, 'os', 'type');
  const arch = type ? getAttribute(type, 'arch') : undefined;
  const machine = (type ? getAttribute(type, 'machine') : undefined) ?? 'pc';
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'i686') {
    throw new HybridError(
      'UNSUPPORTED_MACHINE',
      `arch='${arch}' is not supported: only x86_64 and i686 guests (machine pc or q35) can be expanded; see docs/EXPAND.md`,
    );
  }
  if (machine.includes('q35')) return 'q35';
  if (PC_MACHINE.test(machine)) return 'pc';
  throw new HybridError(
    'UNSUPPORTED_MACHINE',
    `machine='${machine}' is not supported: only pc (i440fx) and q35 PCI layouts are; see docs/EXPAND.md`,
  );
}

export function aliasOf(device: XmlElement): string | undefined {
  const a = firstChild(device, 'alias');
  return a ? getAttribute(a, 'name') : undefined;
}

/** The device's own guest address, when it is a PCI one. */
export function guestPciAddress(device: XmlElement, where: string): PciAddress | undefined {
  const a = firstChild(device, 'address');
  if (!a || getAttribute(a, 'type') !== 'pci') return undefined;
  return readPciAddress(a, where);
}

/** `<interface type='hostdev'> 'ua-x' (device #3)`-style names for messages; without a position, no number. */
export function describeDevice(device: XmlElement, position?: number): string {
  const type = getAttribute(device, 'type');
  const alias = aliasOf(device);
  const typed = type ? ` type='${type}'` : '';
  const named = alias ? ` '${alias}'` : '';
  return `<${device.name}${typed}>${named}${position === undefined ? '' : ` (device #${position + 1})`}`;
}

/**
 * The `<console>` elements that only mirror a `<serial>`: libvirt prints the first serial port
 * again as a console with the same alias and address. It is one device, not two.
 */
export function serialMirrors(devices: XmlElement[]): Set<XmlElement> {
  const serials = devices.filter((d) => d.name === 'serial');
  const out = new Set<XmlElement>();
  if (serials.length === 0) return out;
  for (const d of devices) {
    if (d.name !== 'console') continue;
    const targetType = firstPath(d, 'target') && getAttribute(firstPath(d, 'target')!, 'type');
    if (targetType !== undefined && targetType !== 'serial') continue;
    const alias = aliasOf(d);
    if (alias === undefined || serials.some((s) => aliasOf(s) === alias)) out.add(d);
  }
  return out;
}

export function deviceList(root: XmlElement): XmlElement[] {
  const devices = devicesOf(root);
  return devices ? childElements(devices) : [];
}

/**
 * Runs `fn` for one element of the input; a HybridError it throws without a position gets the
 * element's line and column (so messages point at the entry, not just describe it).
 */
export function atElement<T>(el: XmlElement, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HybridError && e.line === undefined) {
      const origin = sourceOffset(el);
      if (origin) Object.assign(e, lineColumn(origin.source, origin.offset));
    }
    throw e;
  }
}

/** Runs `fn` on the input named `file`; a HybridError without a file gets that one. */
export function inInput<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof HybridError ? e.inFile(file) : e;
  }
}

/** `<numatune><memory nodeset='N'/>` naming one node: allocation prefers VFs there. */
export function numatuneNode(root: XmlElement): number | undefined {
  const memory = firstPath(root, 'numatune', 'memory');
  const nodeset = memory && getAttribute(memory, 'nodeset');
  return /^[0-9]+$/.test(nodeset ?? '') ? Number(nodeset) : undefined;
}

/** A device that passes a host device through: a `<hostdev>`, or an `<interface type='hostdev'>`. */
export function isPassthrough(dev: XmlElement): boolean {
  return dev.name === 'hostdev' || (dev.name === 'interface' && getAttribute(dev, 'type') === 'hostdev');
}
