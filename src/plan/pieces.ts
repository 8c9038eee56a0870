/**
 * What every plan is built from: a device as a plan piece (its XML and its file), a VF half rebuilt
 * from the metadata, the metadata as virsh takes it, the spare VFs a retry can take, and the
 * preflight's backup-device checks. Migration, save/restore, repair and hot-plug share these.
 */
import { HybridError } from '../errors.js';
import { vfHalfElement } from '../pair/halves.js';
import { placeVirtualport } from '../pair/placement.js';
import { metadataForVirsh, readMetadata, type Style } from '../metadata.js';
import { hostIndex, type Host } from '../host/model.js';
import { parsePci } from '../libvirt/pci-address.js';
import { childElements, firstChild, getAttribute, setAttribute } from '../xml/edit.js';
import { serializeNode } from '../xml/serialize.js';
import { cloneNode, leanElement, type XmlDocument, type XmlElement } from '../xml/tree.js';
import { insertInterfaceChild } from '../libvirt/interface.js';
import type { Journal } from './journal.js';
import type { PlanDomain, PlanPair } from './read.js';
import type { Allocation, PlanDevice, StepHost } from './types.js';

/** The libvirt URI of the host a plan starts on, unless given. */
export const DEFAULT_SOURCE_URI = 'qemu:///system';

/** A device as a plan piece: its XML now, and the file an `--out-dir` writes it to. */
export function piece(el: XmlElement, role: PlanDevice['role'], dir: string, pair?: PlanPair): PlanDevice {
  const alias = childElements(el, 'alias').map((a) => getAttribute(a, 'name'))[0] ?? '';
  return {
    alias,
    role,
    ...(pair ? { pair: pair.record.name, mac: pair.record.mac } : {}),
    file: `${dir}/${alias}.xml`,
    xml: dedent(serializeNode(el)),
  };
}

/** An element cut from a document keeps its inner indentation; shift it left as a file of its own. */
function dedent(xml: string): string {
  const lines = xml.split('\n');
  const indent = /[ \t]*/.exec(lines.at(-1)!)![0]; // (a match at 0, possibly empty: no ^ needed)
  if (!lines.slice(1).every((l) => l.startsWith(indent) || l.trim() === '')) return xml;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(indent.length))].join('\n');
}

/** A VF half the running guest no longer has, rebuilt from the metadata on its new VF. */
export function rebuildVfHalf(p: PlanPair, vf: string, style: Style): XmlElement {
  const guest = p.record.vfGuestAddress;
  if (guest === undefined) {
    throw new HybridError(
      'METADATA_INVALID',
      `pair '${p.record.name}': its VF half is gone and the metadata does not record its guest address (vf-guest); collapse and expand the domain again to record it`,
      { element: p.record.name },
    );
  }
  // An 802.1Qbh port profile went to both halves: the backup still carries it.
  const extra = childElements(p.backup, 'virtualport').filter((v) => placeVirtualport(getAttribute(v, 'type')) === 'both');
  return vfHalfElement({ ...p.record }, parsePci(vf), parsePci(guest), style, { extra: extra.map(cloneNode) });
}

/** Free VFs of each pair's pool on `host` beyond those chosen: what a retry can take. */
export function spareVfs(
  host: Host,
  allocations: Allocation[],
  claimed: ReadonlySet<string>,
  domain: string,
): { alias: string; vfs: string[] }[] {
  const index = hostIndex(host);
  return allocations
    .filter((a) => a.kind === 'pair')
    .map((a) => ({
      alias: a.alias,
      vfs: index.poolByName
        .get(a.pool!)!
        .vfs.filter((vf) => !claimed.has(vf) && (index.takenBy.get(vf) ?? domain) === domain)
        .slice(0, 4),
    }));
}

/**
 * Checks that each backup's source device (its PF or VLAN sub-interface) is on `host`, once each,
 * and, for pairs with an MTU, that it and the VF's PF carry the largest of them.
 */
export function checkBackupNetdevs(
  j: Journal,
  host: StepHost,
  allocations: Allocation[],
  mtuOf: (pair: string) => number | undefined = () => undefined,
): void {
  const users = new Map<string, { pairs: string[]; mtu?: number }>();
  const use = (dev: string, pair: string, mtu: number | undefined): void => {
    const u = users.get(dev) ?? { pairs: [] };
    if (!u.pairs.includes(pair)) u.pairs.push(pair);
    if (mtu !== undefined) u.mtu = Math.max(u.mtu ?? 0, mtu);
    users.set(dev, u);
  };
  for (const a of allocations) {
    if (a.to.backupDev === undefined) continue;
    const mtu = mtuOf(a.alias);
    use(a.to.backupDev, a.alias, mtu);
    // The VF is capped by its PF: behind a VLAN sub-interface, the PF too.
    if (mtu !== undefined && a.to.pf !== undefined && a.to.pf !== a.to.backupDev) use(a.to.pf, a.alias, mtu);
  }
  for (const [dev, u] of users) j.checkNetdev(host, dev, `the backup of ${u.pairs.join(', ')}`, u.mtu);
}

/** The metadata as it stands in the tree, in the form `virsh metadata --set` takes. */
export function metadataXml(pd: PlanDomain): string | undefined {
  const meta = readMetadata(pd.root);
  // (writeMetadata removes an element with nothing in it, so one that is there has records.)
  return meta ? serializeNode(metadataForVirsh(meta)) : undefined;
}

/**
 * A VF half that moves attached, with its state, names its VFIO variant driver (`<driver
 * model='mlx5_vfio_pci'/>`), which libvirt 10.0 and later binds on the destination; older ones
 * drop the attribute silently, which is why the versions are part of the rule (plan/vf-move.ts).
 */
export function setVariantDriver(doc: XmlDocument, vfHalf: XmlElement, driver: string): void {
  const existing = firstChild(vfHalf, 'driver');
  if (existing) setAttribute(existing, 'model', driver);
  else insertInterfaceChild(doc, vfHalf, leanElement('driver', { model: driver }));
}
