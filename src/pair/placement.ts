/**
 * Where each optional child of a hybrid entry goes, by what libvirt accepts on each half
 * (docs/EXPAND.md has the same table with reasons). `mac`, `source`, `alias`, `address`, `vlan`,
 * `model` and `<backup>` are handled by expansion itself.
 */
import { HybridError } from '../errors.js';
import { getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';

export type Placement = 'vf' | 'backup' | 'both';

/**
 * Where a hybrid entry's child lives: `entry` — expansion reads it itself; `metadata` — on neither
 * half, recorded in the metadata; one half; `by-type` — decided by its attributes, which may
 * put it on both (placeHybridChild).
 */
export type ChildHome = 'entry' | 'metadata' | 'vf' | 'backup' | 'by-type';

/**
 * The one table of a hybrid entry's children, in the dialect's order (collapse writes them so):
 * what pair-spec reads, what placement copies to which half, what the error lists as supported.
 */
export const HYBRID_CHILDREN: readonly { readonly name: string; readonly home: ChildHome }[] = [
  { name: 'mac', home: 'entry' },
  { name: 'source', home: 'entry' },
  { name: 'vlan', home: 'entry' },
  { name: 'virtualport', home: 'by-type' },
  { name: 'model', home: 'entry' },
  { name: 'driver', home: 'by-type' },
  // Rate limits are applied by tc on the host macvtap; libvirt has none for a VF.
  { name: 'bandwidth', home: 'backup' },
  { name: 'tune', home: 'backup' },
  { name: 'link', home: 'backup' },
  // libvirt refuses <mtu> on both halves (direct and hostdev).
  { name: 'mtu', home: 'metadata' },
  { name: 'coalesce', home: 'backup' },
  { name: 'target', home: 'backup' },
  // The backup is the device that is always present (also mid-migration), so it boots.
  { name: 'boot', home: 'backup' },
  { name: 'alias', home: 'entry' },
  // The option ROM of the passed-through VF (usually <rom bar='off'/>).
  { name: 'rom', home: 'vf' },
  { name: 'address', home: 'entry' },
  { name: 'backup', home: 'entry' },
];

const HOME = new Map(HYBRID_CHILDREN.map((c) => [c.name, c.home]));

/** libvirt accepts 802.1Qbh on both kinds of interface, 802.1Qbg only on direct (macvtap). */
export function placeVirtualport(type: string | undefined): Placement | undefined {
  return type === '802.1Qbh' ? 'both' : type === '802.1Qbg' ? 'backup' : undefined;
}

export function placeHybridChild(child: XmlElement, where: string): Placement {
  const home = HOME.get(child.name);
  if (home === 'vf' || home === 'backup') return home;
  if (child.name === 'driver') {
    // libvirt's passthrough backends belong to the VF half; the rest (vhost, qemu, queues) to virtio.
    const backend = getAttribute(child, 'name');
    return backend === 'vfio' || backend === 'kvm' || backend === 'xen' ? 'vf' : 'backup';
  }
  if (child.name === 'virtualport') {
    const type = getAttribute(child, 'type');
    const place = placeVirtualport(type);
    if (place) return place;
    throw new HybridError(
      'UNSUPPORTED_ELEMENT',
      `${where}: <virtualport type='${type ?? ''}'> fits neither half (hostdev takes 802.1Qbh, direct 802.1Qbg or 802.1Qbh)`,
      { element: where },
    );
  }
  if (child.name === 'teaming') {
    throw new HybridError(
      'UNSUPPORTED_ELEMENT',
      `${where}: leave <teaming> out; choose the teaming style instead (style: 'teaming', CLI --style teaming)`,
      { element: where },
    );
  }
  throw new HybridError(
    'UNSUPPORTED_ELEMENT',
    `${where}: <${child.name}> is not supported in a hybrid entry (supported: ${HYBRID_CHILDREN.map((c) => c.name).join(', ')})`,
    { element: where },
  );
}
