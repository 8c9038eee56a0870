/**
 * The device types and network forward modes libvirt knows, and the dialect's own: a name that
 * is neither is a typo, refused (an `<interface type='hostdev-hybird'>` would otherwise pass as
 * plain libvirt, one pair fewer, and libvirt refuse it only at define).
 */
import type { Diagnostic } from '../diagnostics.js';
import { getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { HybridError } from '../errors.js';
import { aliasOf, atElement, describeDevice } from './domain.js';
import { nearest } from '../nearest.js';

/** `<interface type=…>`: libvirt's (domain_conf.c, virDomainNetType) and the dialect's. */
export const INTERFACE_TYPES = [
  'user',
  'ethernet',
  'vhostuser',
  'server',
  'client',
  'mcast',
  'network',
  'bridge',
  'internal',
  'direct',
  'hostdev',
  'udp',
  'vdpa',
  'null',
  'vds',
  'hostdev-hybrid',
] as const;
/** `<hostdev type=…>`: subsystem and capabilities types. */
export const HOSTDEV_TYPES = ['pci', 'usb', 'scsi', 'scsi_host', 'mdev', 'storage', 'misc', 'net'] as const;
/** `<forward mode=…>` of a network: libvirt's and the dialect's. */
export const FORWARD_MODES = ['nat', 'route', 'open', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev', 'hostdev-hybrid'] as const;

/** Each `<interface>` and `<hostdev>` whose type neither libvirt nor the dialect knows, and what to say of it. */
function unknownTypes(devices: XmlElement[]): { dev: XmlElement; message: string }[] {
  const out: { dev: XmlElement; message: string }[] = [];
  devices.forEach((dev, i) => {
    const known = dev.name === 'interface' ? INTERFACE_TYPES : dev.name === 'hostdev' ? HOSTDEV_TYPES : undefined;
    const type = known && getAttribute(dev, 'type');
    if (type === undefined || (known as readonly string[]).includes(type)) return;
    out.push({
      dev,
      message: `${describeDevice(dev, i)}: type '${type}' is neither libvirt's nor the dialect's (did you mean '${nearest(type, known!)}'?); libvirt refuses it at define`,
    });
  });
  return out;
}

/** UNKNOWN_TYPE errors (check's) for each device whose type neither libvirt nor the dialect knows. */
export function unknownDeviceTypes(devices: XmlElement[]): Diagnostic[] {
  return unknownTypes(devices).map(({ dev, message }) => {
    const alias = aliasOf(dev);
    return { code: 'UNKNOWN_TYPE', severity: 'error', ...(alias !== undefined ? { alias } : {}), message };
  });
}

/**
 * Refuses (UNKNOWN_TYPE, at the device) the first device whose type neither libvirt nor the
 * dialect knows: output libvirt is known to refuse is an error, not a warning.
 */
export function refuseUnknownTypes(devices: XmlElement[]): void {
  const [first] = unknownTypes(devices);
  if (first)
    atElement(first.dev, () => {
      throw new HybridError('UNKNOWN_TYPE', first.message);
    });
}
