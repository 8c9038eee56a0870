/**
 * Where each optional child of a hybrid entry goes, by what libvirt accepts on each half
 * (docs/EXPAND.md has the same table with reasons). `mac`, `source`, `alias`, `address`, `vlan`,
 * `model` and `<backup>` are handled by expansion itself.
 */
import { HybridError } from '../errors.js';
import { getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';

export type Placement = 'vf' | 'backup' | 'both';

const FIXED: Record<string, Placement> = {
  // Rate limits are applied by tc on the host macvtap; libvirt has none for a VF.
  bandwidth: 'backup',
  // The backup is the device that is always present (also mid-migration), so it boots.
  boot: 'backup',
  link: 'backup',
  coalesce: 'backup',
  tune: 'backup',
  target: 'backup',
  // The option ROM of the passed-through VF (usually <rom bar='off'/>).
  rom: 'vf',
};

const VF_DRIVERS = new Set(['vfio', 'kvm', 'xen']);

export function placeHybridChild(child: XmlElement, where: string): Placement {
  const fixed = FIXED[child.name];
  if (fixed) return fixed;
  // Stryker disable next-line StringLiteral: no driver is named by the default either way
  if (child.name === 'driver') return VF_DRIVERS.has(getAttribute(child, 'name') ?? '') ? 'vf' : 'backup';
  if (child.name === 'virtualport') {
    const type = getAttribute(child, 'type');
    // libvirt accepts 802.1Qbh on both kinds of interface, 802.1Qbg only on direct (macvtap).
    if (type === '802.1Qbh') return 'both';
    if (type === '802.1Qbg') return 'backup';
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
    `${where}: <${child.name}> is not supported in a hybrid entry (supported: mac, source, vlan, virtualport, alias, address, backup, model, driver, bandwidth, boot, rom, link, coalesce, tune, target)`,
    { element: where },
  );
}
