/** Reads `virsh nodedev-dumpxml` documents: PCI devices (PF/VF capabilities) and net devices. */
import { HybridError } from '../errors.js';
import { childElements, firstChild, getAttribute, textContent } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { formatPci, readPciAddress } from '../libvirt/pci-address.js';
import { compact } from '../compact.js';

const NUMBER = /^(0x[0-9a-fA-F]+|[0-9]+)$/;
const INTEGER = /^-?[0-9]+$/;
const DIGITS = /^[0-9]+$/;
const CLASS = /^0x[0-9a-fA-F]{6}$/;

export type Nodedev =
  | {
      kind: 'pci';
      name: string;
      address: string;
      parent?: string;
      numaNode?: number;
      /** The kernel driver bound to the device (`<driver><name>`), e.g. `iavf`. */
      driver?: string;
      /** The PCI class code (`<class>`), `0x030200`: what kind of device it is. */
      pciClass?: string;
      /** `vendor:device` from `<vendor id>` and `<product id>`, `15b3:101e`. */
      pciId?: string;
      /** Present when the device has the virt_functions capability (it is a PF). */
      virtFunctions?: { vfs: string[]; maxCount?: number };
      /** Present when the device has the phys_function capability (it is a VF). */
      physFunction?: string;
    }
  | { kind: 'net'; name: string; parent?: string; netdev: string }
  | { kind: 'other'; name: string };

const ID = /^0x[0-9a-fA-F]{4}$/;

/** `vendor:device` of a pci capability, when it names both (`<vendor id='0x15b3'>`, `<product id='0x101e'>`). */
function pciIdOf(cap: XmlElement, where: string): string | undefined {
  const [vendor, product] = ['vendor', 'product'].map((name) => {
    const el = firstChild(cap, name);
    const id = el && getAttribute(el, 'id');
    if (id !== undefined && !ID.test(id))
      throw new HybridError('INVALID_ATTRIBUTE', `${where}: <${name} id='${id}'> is not a PCI id (0x and four hex digits)`, {
        element: where,
      });
    return id?.slice(2).toLowerCase();
  });
  return vendor !== undefined && product !== undefined ? `${vendor}:${product}` : undefined;
}

function decimalChild(cap: XmlElement, name: string, where: string, max: number): number {
  const el = firstChild(cap, name);
  const raw = el ? textContent(el).trim() : '';
  const n = NUMBER.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= max)) {
    throw new HybridError(
      'INVALID_PCI_ADDRESS',
      `${where}: <${name}>${raw}</${name}> of the pci capability is not a number from 0 to ${max}`,
      { element: where },
    );
  }
  return n;
}

function numaOf(cap: XmlElement, where: string): number | undefined {
  const numa = firstChild(cap, 'numa');
  const raw = numa && getAttribute(numa, 'node');
  if (raw === undefined) return undefined;
  if (!INTEGER.test(raw)) throw new HybridError('INVALID_ATTRIBUTE', `${where}: <numa node='${raw}'/> is not a number`, { element: where });
  const n = Number(raw);
  return n >= 0 ? n : undefined; // the kernel reports -1 for "no NUMA information"
}

/** A PCI device's capability: its address, driver, class, ids, NUMA node, and its VFs or PF. */
function readPciCapability(
  root: XmlElement,
  cap: XmlElement,
  name: string,
  parent: string | undefined,
  here: string,
): Extract<Nodedev, { kind: 'pci' }> {
  const address = formatPci({
    domain: decimalChild(cap, 'domain', here, 0xffff),
    bus: decimalChild(cap, 'bus', here, 0xff),
    slot: decimalChild(cap, 'slot', here, 0x1f),
    function: decimalChild(cap, 'function', here, 7),
  });
  const dev: Extract<Nodedev, { kind: 'pci' }> = compact({ kind: 'pci' as const, name, address, parent });
  const driverName = firstChild(root, 'driver') && firstChild(firstChild(root, 'driver')!, 'name');
  if (driverName) dev.driver = textContent(driverName).trim();
  const classEl = firstChild(cap, 'class');
  if (classEl) {
    const raw = textContent(classEl).trim();
    if (!CLASS.test(raw))
      throw new HybridError('INVALID_ATTRIBUTE', `${here}: <class>${raw}</class> is not a PCI class code (0x followed by six hex digits)`, {
        element: here,
      });
    dev.pciClass = raw.toLowerCase();
  }
  const pciId = pciIdOf(cap, here);
  if (pciId !== undefined) dev.pciId = pciId;
  const numaNode = numaOf(cap, here);
  if (numaNode !== undefined) dev.numaNode = numaNode;
  readSriov(dev, cap, here);
  return dev;
}

/** The SR-IOV sub-capabilities: a PF's VFs (and how many it may have), a VF's PF. */
function readSriov(dev: Extract<Nodedev, { kind: 'pci' }>, cap: XmlElement, here: string): void {
  for (const sub of childElements(cap, 'capability')) {
    const subType = getAttribute(sub, 'type');
    if (subType === 'virt_functions') {
      const vfs = childElements(sub, 'address').map((a) => formatPci(readPciAddress(a, `${here} virt_functions`)));
      const max = getAttribute(sub, 'maxCount');
      if (max !== undefined && !DIGITS.test(max)) {
        throw new HybridError('INVALID_ATTRIBUTE', `${here}: maxCount='${max}' is not a number`, { element: here });
      }
      dev.virtFunctions = compact({ vfs, maxCount: max === undefined ? undefined : Number(max) });
    } else if (subType === 'phys_function') {
      const a = firstChild(sub, 'address');
      if (!a) throw new HybridError('MISSING_ELEMENT', `${here}: the phys_function capability has no <address>`, { element: here });
      dev.physFunction = formatPci(readPciAddress(a, `${here} phys_function`));
    }
  }
}

export function readNodedev(root: XmlElement, where: string): Nodedev {
  if (root.name !== 'device') {
    throw new HybridError('XML_WRONG_ROOT', `${where}: expected a <device> from virsh nodedev-dumpxml, found <${root.name}>`, {
      element: where,
    });
  }
  const nameEl = firstChild(root, 'name');
  if (!nameEl) throw new HybridError('MISSING_ELEMENT', `${where}: the node device has no <name>`, { element: where });
  const name = textContent(nameEl).trim();
  const parentEl = firstChild(root, 'parent');
  const parent = parentEl ? textContent(parentEl).trim() : undefined;
  const here = `${where} (${name})`;
  for (const cap of childElements(root, 'capability')) {
    const type = getAttribute(cap, 'type');
    if (type === 'net') {
      const iface = firstChild(cap, 'interface');
      if (!iface) throw new HybridError('MISSING_ELEMENT', `${here}: the net capability has no <interface>`, { element: here });
      return compact({ kind: 'net' as const, name, netdev: textContent(iface).trim(), parent });
    }
    if (type === 'pci') return readPciCapability(root, cap, name, parent, here);
  }
  return { kind: 'other', name };
}
