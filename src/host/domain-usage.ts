/** What a domain already on the host takes: its passed-through PCI devices and its MACs. */
import { HybridError } from '../errors.js';
import { childElements, firstChild, getAttribute, textContent } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { formatPci, parsePci, readPciAddress } from '../libvirt/pci-address.js';
import type { HostDomain } from './model.js';
import { aliasOf } from '../libvirt/domain.js';
import { readMetadata } from '../metadata.js';

/** The host PCI device of an `<interface>` or `<hostdev>`, if it has one. */
export function hostPciSource(device: XmlElement, where: string): string | undefined {
  if (device.name === 'hostdev' && getAttribute(device, 'type') !== 'pci') return undefined;
  const source = firstChild(device, 'source');
  const address = source && firstChild(source, 'address');
  if (!address) return undefined;
  const type = getAttribute(address, 'type');
  if (type !== undefined && type !== 'pci') return undefined;
  return formatPci(readPciAddress(address, where));
}

/**
 * The host PCI devices these devices pass through (interfaces and hostdevs with a PCI source),
 * each once, in order; `where` names a device in an error about its address (by default its
 * alias, else its element name).
 */
export function heldPciDevices(
  devices: Iterable<XmlElement>,
  where: (dev: XmlElement) => string = (dev) => aliasOf(dev) ?? `<${dev.name}>`,
): string[] {
  const held: string[] = [];
  for (const dev of devices) {
    if (dev.name !== 'interface' && dev.name !== 'hostdev') continue;
    const pci = hostPciSource(dev, where(dev));
    if (pci !== undefined && !held.includes(pci)) held.push(pci);
  }
  return held;
}

/** What a domain on the host holds: its PCI devices (its pairs' VFs too, also while away) and MACs. */
export function readDomainUsage(root: XmlElement, where: string): HostDomain {
  // libvirt's status files (/run/libvirt/qemu/NAME.xml) wrap the running domain in <domstatus>.
  if (root.name === 'domstatus') {
    const inner = firstChild(root, 'domain');
    if (!inner) throw new HybridError('MISSING_ELEMENT', `${where}: a <domstatus> without its <domain>`, { element: where });
    root = inner;
  }
  if (root.name !== 'domain') {
    throw new HybridError('XML_WRONG_ROOT', `${where}: expected a <domain> from virsh dumpxml, found <${root.name}>`, { element: where });
  }
  const nameEl = firstChild(root, 'name');
  const name = nameEl ? textContent(nameEl).trim() : '';
  if (!name) throw new HybridError('MISSING_ELEMENT', `${where}: the domain has no <name>`, { element: where });
  const uuidEl = firstChild(root, 'uuid');
  const devices = firstChild(root, 'devices');
  const children = devices ? childElements(devices) : [];
  const pciDevices = heldPciDevices(children, (dev) => `${where} (domain '${name}') <${dev.name}>`);
  const macs: string[] = [];
  for (const dev of children) {
    const mac = firstChild(dev, 'mac'); // only interfaces have one
    const address = mac && getAttribute(mac, 'address');
    if (address) macs.push(address.toLowerCase());
  }
  // A hybrid guest's metadata reserves the VF of each pair for it, also while the VF half is away
  // (a bond guest restored or migrated in, before repair attaches it): else the next arrival
  // would be given the same VF. A record that cannot be read reserves nothing.
  let reserved: string[] = [];
  try {
    reserved = (readMetadata(root)?.pairs ?? []).map((pair) => formatPci(parsePci(pair.vf)));
  } catch {
    reserved = [];
  }
  for (const vf of reserved) if (!pciDevices.includes(vf)) pciDevices.push(vf);
  return { name, ...(uuidEl ? { uuid: textContent(uuidEl).trim() } : {}), pciDevices, macs };
}
