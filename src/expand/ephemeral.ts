/**
 * Expanding a device marked `ephemeral='yes'` (or an interface on a hostdev pool): the mark goes,
 * the device gets an alias, a MAC and a guest address if it lacks them, a pool interface gets the
 * VF chosen now, and the metadata records what moves with the guest.
 */
import { HybridError } from '../errors.js';
import { firstChild, getAttribute, insertElement, removeAttribute, setAttribute } from '../xml/edit.js';
import { leanElement, type XmlDocument, type XmlElement } from '../xml/tree.js';
import type { AllocationRun } from '../host/allocate.js';
import { hostIndex, type Host } from '../host/model.js';
import { hostPciSource } from '../host/domain-usage.js';
import { aliasOf, guestPciAddress } from '../libvirt/domain.js';
import { insertInterfaceChild } from '../libvirt/interface.js';
import { formatPci, parsePci, readPciAddress, type PciAddress } from '../libvirt/pci-address.js';
import { allocateHotpluggable, type GuestPciSpace } from '../pci/space.js';
import { compact } from '../compact.js';
import type { DialectEntry } from '../pair/dialect.js';
import { addressElement } from '../pair/halves.js';
import type { EphemeralRecord } from '../metadata.js';
import type { DomainNames } from './names.js';

/** What expanding an ephemeral device needs of the expansion around it. */
export interface EphemeralContext {
  doc: XmlDocument;
  host: Host;
  /** The domain's name (its own devices on the host are not another's) and its MAC seed. */
  name: string;
  seed: string;
  run: AllocationRun;
  space: GuestPciSpace;
  names: DomainNames;
}

export function expandEphemeral(
  e: Extract<DialectEntry, { kind: 'ephemeral' | 'ephemeral-pool' }>,
  ctx: EphemeralContext,
): { record: EphemeralRecord; guest: PciAddress } {
  const { el, where } = e;
  removeAttribute(el, 'ephemeral');
  const source = e.kind === 'ephemeral-pool' ? takePoolVf(e, ctx) : takeHostDevice(el, where, ctx);
  let alias = aliasOf(el);
  if (alias === undefined) {
    alias = ctx.names.freeAlias('ua-ephemeral');
    ctx.names.takeAlias(alias, where);
    insertInterfaceChild(ctx.doc, el, leanElement('alias', { name: alias }));
  }
  if (el.name === 'interface' && !firstChild(el, 'mac')) {
    insertElement(ctx.doc, el, leanElement('mac', { address: ctx.names.newMac(`${ctx.seed}/${alias}`, alias) }), 'start');
  }
  let guest = guestPciAddress(el, where);
  if (!guest) {
    guest = allocateHotpluggable(ctx.space, where);
    insertElement(ctx.doc, el, addressElement(guest), 'end');
  }
  const record: EphemeralRecord = compact({
    alias,
    device: el.name === 'hostdev' ? ('hostdev' as const) : ('interface' as const),
    source,
    pool: e.kind === 'ephemeral-pool' ? e.pool : undefined,
  });
  return { record, guest };
}

/** A pool interface: its VF chosen now (by libvirt at start it could not be planned), written in. */
function takePoolVf(e: Extract<DialectEntry, { kind: 'ephemeral-pool' }>, ctx: EphemeralContext): string {
  const { el, where } = e;
  const explicit = firstChild(firstChild(el, 'source')!, 'address');
  const topo = explicit
    ? ctx.run.claimVf(formatPci(readPciAddress(explicit, `${where} <source><address>`)), ctx.name, { name: e.pool, where })
    : ctx.run.allocate(e.pool, { domain: ctx.name });
  setAttribute(el, 'type', 'hostdev');
  if (getAttribute(el, 'managed') === undefined) setAttribute(el, 'managed', 'yes');
  const src = firstChild(el, 'source')!;
  src.attributes = [];
  src.children = [];
  insertElement(ctx.doc, src, addressElement(parsePci(topo.vf)));
  return topo.vf;
}

/** A passed-through PCI device: it must be free on this host and not used twice here. */
function takeHostDevice(el: XmlElement, where: string, ctx: EphemeralContext): string {
  if (el.name === 'hostdev' && getAttribute(el, 'type') !== 'pci') {
    throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: only PCI host devices can be ephemeral`, { element: where });
  }
  const pci = hostPciSource(el, where);
  if (pci === undefined)
    throw new HybridError('MISSING_ELEMENT', `${where}: an ephemeral device needs <source><address type='pci' …/></source>`, {
      element: where,
    });
  const user = hostIndex(ctx.host).takenBy.get(pci);
  if (user !== undefined && user !== ctx.name)
    throw new HybridError('VF_TAKEN', `${where}: host device ${pci} is already used by domain '${user}'`, { element: where });
  if (ctx.run.claimed.has(pci))
    throw new HybridError('VF_TAKEN', `${where}: host device ${pci} is used twice in this domain`, { element: where });
  ctx.run.claim(pci);
  return pci;
}
