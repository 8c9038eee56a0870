/**
 * A pair's two halves as libvirt devices: the VF half (`<interface type='hostdev'>` on the VF)
 * and the backup (`<interface type='direct'>`, macvtap on the VF's PF or its VLAN device), both
 * with the pair's MAC. Expansion, repair, hot-plug and the plan's destination all build them here.
 */
import { leanElement, type XmlElement } from '../xml/tree.js';
import { sortInterfaceChildren } from '../libvirt/interface.js';
import { pciAttributes, type PciAddress } from '../libvirt/pci-address.js';
import { vlanDeviceName } from '../libvirt/vlan.js';
import type { PairRecord, Style } from '../metadata.js';
import { teamingElement } from './teaming.js';

/** The default name of a backup's VLAN device: `{pf}` and `{vlan}` are replaced. */
export const DEFAULT_VLAN_DEVICE = '{pf}.{vlan}';

/**
 * The device a pair's backup sits on for a PF netdev: the PF itself, or with a VLAN the VLAN
 * device named by the pair's template.
 */
export function backupDevice(pfNetdev: string, vlan: number | undefined, template: string | undefined, where: string): string {
  return vlan === undefined ? pfNetdev : vlanDeviceName(template ?? DEFAULT_VLAN_DEVICE, pfNetdev, vlan, where);
}

/** A recorded pair's backup device on a PF netdev (of this host or another). */
export function backupDevFor(pair: Pick<PairRecord, 'name' | 'vlan' | 'backupDevTemplate'>, pfNetdev: string): string {
  return backupDevice(pfNetdev, pair.vlan, pair.backupDevTemplate, `pair '${pair.name}'`);
}

/** A guest (or host) PCI `<address>` element. */
export function addressElement(a: PciAddress): XmlElement {
  return leanElement('address', pciAttributes(a));
}

/** What a half takes from the entry beyond the record: kept as given, in libvirt's order. */
export interface HalfParts {
  /** The VF half's `managed`; default yes. */
  managed?: string;
  /** The entry's own `<vlan>` element; without one the record's VLAN is written. */
  vlan?: XmlElement | undefined;
  /** Further children the entry gives this half. */
  extra?: XmlElement[] | undefined;
}

/** A pair's VF half on the VF `vf`, at guest address `guest`. */
export function vfHalfElement(r: PairRecord, vf: PciAddress, guest: PciAddress, style: Style, parts: HalfParts = {}): XmlElement {
  const vlan = parts.vlan ?? (r.vlan !== undefined ? leanElement('vlan', {}, [leanElement('tag', { id: String(r.vlan) })]) : undefined);
  return sortInterfaceChildren(
    leanElement('interface', { type: 'hostdev', managed: parts.managed ?? 'yes' }, [
      leanElement('mac', { address: r.mac }),
      leanElement('source', {}, [addressElement(vf)]),
      ...(vlan ? [vlan] : []),
      ...(parts.extra ?? []),
      ...(style === 'teaming' ? [teamingElement('vf', r.backupAlias)] : []),
      leanElement('alias', { name: r.vfAlias }),
      addressElement(guest),
    ]),
  );
}

/** What a backup half takes from the entry beyond the record. */
export interface BackupParts {
  trustGuestRxFilters?: string | undefined;
  /** The entry's `<model>`; none: virtio. */
  model?: XmlElement | undefined;
  extra?: XmlElement[] | undefined;
}

/** A pair's backup half on its recorded backup device, at guest address `guest`. */
export function backupHalfElement(r: PairRecord, guest: PciAddress, style: Style, parts: BackupParts = {}): XmlElement {
  return sortInterfaceChildren(
    leanElement('interface', { type: 'direct', trustGuestRxFilters: parts.trustGuestRxFilters }, [
      leanElement('mac', { address: r.mac }),
      leanElement('source', { dev: r.backupDev, mode: 'bridge' }),
      parts.model ?? leanElement('model', { type: 'virtio' }),
      ...(parts.extra ?? []),
      ...(style === 'teaming' ? [teamingElement('backup', r.backupAlias)] : []),
      leanElement('alias', { name: r.backupAlias }),
      addressElement(guest),
    ]),
  );
}
