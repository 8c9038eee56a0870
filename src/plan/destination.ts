/**
 * The destination side of a move: which VF (or host device) each pair and ephemeral device gets
 * there, chosen before anything moves, and the edit that points a domain's tree at those choices.
 * Planned migration, save/restore, evacuation and the hook all use these two functions.
 */
import type { Diagnostic } from '../diagnostics.js';
import { HybridError } from '../errors.js';
import { backupDevFor } from '../pair/halves.js';
import { writeMetadata, type EphemeralRecord, type HybridMetadata, type PairRecord } from '../metadata.js';
import { AllocationRun } from '../host/allocate.js';
import { hostIndex, type Host, type HostIndex } from '../host/model.js';
import { judgeMtu, mtuUnknownWarning } from '../host/mtu.js';
import { formatPci, parsePci, pciAttributes } from '../libvirt/pci-address.js';
import { numatuneNode } from '../libvirt/domain.js';
import { firstChild, getAttribute, removeElement, setAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import type { PlanDomain, PlanEphemeral } from './read.js';
import { endOfRecord, endOfVf, recordAtEnd } from './ends.js';
import type { Allocation } from './types.js';

export interface ChooseOptions {
  /** The destination's run: devices earlier plans took count as used, and this plan's are added. */
  run?: AllocationRun;
  /** Host PCI address on the source → on the destination, for non-VF ephemeral devices. */
  pciMap?: Record<string, string>;
  /** Save/restore, repair, the hook: the guest's own devices on this host count as its own. */
  sameDomain?: boolean;
  /** Prefer each pair's current VF when it is free (save/restore onto the same host). */
  keepVf?: boolean;
}

/** The pool a pair takes its VF from on another host: its own, else the one its VF is in here. */
export function poolOf(pair: PairRecord, from: Host | undefined): string {
  const pool = pair.pool ?? (from ? hostIndex(from).poolOfVf.get(pair.vf)?.name : undefined);
  if (pool === undefined) {
    throw new HybridError(
      'POOL_UNKNOWN',
      `pair '${pair.name}' names VF ${pair.vf} and no pool: another host cannot pick a VF for it; give the entry <source network='POOL'> (the VF may stay written in)`,
      { element: pair.name },
    );
  }
  return pool;
}

/** One destination choice in the making: what chooseDestination's parts share. */
interface Choice {
  pd: PlanDomain;
  from: Host | undefined;
  to: Host;
  index: HostIndex;
  run: AllocationRun;
  /** The guest, when its own devices on `to` count as its own (save/restore, repair, the hook). */
  owner: string | undefined;
  allocations: Allocation[];
  warnings: Diagnostic[];
}

/**
 * Chooses every destination device before anything moves: VFs NUMA-aware and never one the
 * destination shows taken or an earlier plan claimed; refuses (POOL_EXHAUSTED,
 * EPHEMERAL_UNAVAILABLE) before the first step rather than after.
 */
export function chooseDestination(
  pd: PlanDomain,
  from: Host | undefined,
  to: Host,
  options: ChooseOptions = {},
): { allocations: Allocation[]; warnings: Diagnostic[] } {
  const c: Choice = {
    pd,
    from,
    to,
    index: hostIndex(to),
    run: options.run ?? new AllocationRun(to),
    owner: options.sameDomain ? pd.name : undefined,
    allocations: [],
    warnings: [],
  };
  choosePairs(c, options.keepVf === true);
  for (const e of pd.ephemeral) {
    if (e.record.pool !== undefined) chooseEphemeralVf(c, e.record, e.record.pool);
    else chooseEphemeralDevice(c, e, options.pciMap);
  }
  return { allocations: c.allocations, warnings: c.warnings };
}

/**
 * Whether a pair keeps the VF it has: it is in the pair's pool on `to` and free there for the
 * guest. Pairs that keep choose first, so a pair that must move never takes a kept VF.
 */
export function keepsItsVf(to: Host, run: AllocationRun, pool: string, record: PairRecord, domain: string): boolean {
  return hostIndex(to).poolOrder.get(pool)?.has(record.vf) === true && run.isFree(record.vf, domain);
}

/** Each pair's VF and backup device on the destination, and what the destination says of them. */
function choosePairs(c: Choice, keepVf: boolean): void {
  let preferNuma = numatuneNode(c.pd.root);
  const mtuUnknown: string[] = [];
  const pools = c.pd.pairs.map(({ record }) => {
    const pool = atDestination(() => poolOf(record, c.from));
    if (!c.index.poolByName.has(pool)) {
      throw new HybridError(
        'POOL_UNKNOWN',
        `pair '${record.name}': the destination has no network '${pool}'; define the pool there (same name) or pick another destination`,
        { element: record.name },
      );
    }
    return pool;
  });
  const kept = c.pd.pairs.map(({ record }, i) =>
    keepVf && keepsItsVf(c.to, c.run, pools[i]!, record, c.pd.name)
      ? atDestination(() => c.run.claimVf(record.vf, c.owner), record.name)
      : undefined,
  );
  for (const [i, { record }] of c.pd.pairs.entries()) {
    const pool = pools[i]!;
    const topo = kept[i] ?? atDestination(() => c.run.allocate(pool, { domain: c.owner, preferNumaNode: preferNuma }), record.name);
    preferNuma ??= topo.numaNode;
    const backupDev = atDestination(() => backupDevFor(record, topo.pfNetdev));
    c.allocations.push({
      alias: record.name,
      kind: 'pair',
      mac: record.mac,
      pool,
      from: endOfRecord(record),
      to: endOfVf(topo, backupDev),
    });
    pairThere(c, record, topo.pfNetdev, backupDev, mtuUnknown);
  }
  if (mtuUnknown.length > 0) c.warnings.push(mtuUnknownWarning(c.to, mtuUnknown));
}

/** A pair on the destination: its MTU fits (host/mtu.ts), its VLAN device and its MAC there. */
function pairThere(c: Choice, record: PairRecord, pfNetdev: string, backupDev: string, mtuUnknown: string[]): void {
  if (record.mtu !== undefined) {
    const verdict = judgeMtu(c.to, record.name, record.mtu, [pfNetdev, backupDev], 'on the destination');
    if (verdict.kind === 'refused')
      throw new HybridError(verdict.code, `${verdict.message}, or pick another destination`, { element: record.name });
    if (verdict.kind === 'unknown') mtuUnknown.push(...verdict.devices);
  }
  if (record.vlan !== undefined && !(c.to.netdevs ?? []).includes(backupDev)) {
    c.warnings.push({
      code: 'VLAN_DEVICE_UNKNOWN',
      severity: 'warning',
      alias: record.name,
      message: `pair '${record.name}': the destination snapshot has no netdev ${backupDev}; create it there before the move (ip link add link ${pfNetdev} name ${backupDev} type vlan id ${record.vlan})`,
    });
  }
  const user = c.index.macOwner.get(record.mac.toLowerCase());
  if (user !== undefined && user !== c.pd.name) {
    c.warnings.push({
      code: 'MAC_IN_USE_ON_HOST',
      severity: 'warning',
      alias: record.name,
      message: `pair '${record.name}': MAC ${record.mac} is also used by domain '${user}' on the destination`,
    });
  }
}

/** An ephemeral VF-pool interface: any free VF of its pool there. */
function chooseEphemeralVf(c: Choice, record: EphemeralRecord, pool: string): void {
  if (!c.index.poolByName.has(pool)) {
    throw new HybridError('POOL_UNKNOWN', `ephemeral device '${record.alias}': the destination has no network '${pool}'`, {
      element: record.alias,
    });
  }
  const topo = atDestination(() => c.run.allocate(pool, { domain: c.owner }), record.alias);
  c.allocations.push({ alias: record.alias, kind: 'ephemeral', pool, from: { vf: record.source }, to: endOfVf(topo) });
}

/** Any other ephemeral device: the same host address there (or its pciMap target), free and of the same kind. */
function chooseEphemeralDevice(c: Choice, { record, el }: PlanEphemeral, pciMap: Record<string, string> | undefined): void {
  const mapped = pciMap?.[record.source];
  // Read here, so that a bad entry is refused by a message that names it.
  const target =
    mapped === undefined ? record.source : formatPci(atDestination(() => parsePci(mapped, `pciMap entry for ${record.source}`)));
  const device = `ephemeral device '${record.alias}' (${record.source})`;
  const fix = `map it to a free device of the same kind there with pciMap (CLI --pci-map ${record.source}=ADDRESS)`;
  const there = c.index.pciDevices?.get(target);
  if (c.index.pciDevices && !there) {
    // A device the guest does not hold now (detached before the move, as the hook sees every
    // ephemeral device) is not taken here: it comes along in the metadata, with a warning.
    if (el)
      throw new HybridError('EPHEMERAL_UNAVAILABLE', `${device}: the destination has no PCI device ${target}; ${fix}`, {
        element: record.alias,
      });
    c.warnings.push({
      code: 'EPHEMERAL_MISSING',
      severity: 'warning',
      alias: record.alias,
      message: `${device}: this host has no PCI device ${target}; the guest comes in without it, and attaching it here will fail`,
    });
    c.allocations.push({ alias: record.alias, kind: 'ephemeral', from: { vf: record.source }, to: { vf: target } });
    return;
  }
  const user = c.index.takenBy.get(target);
  if ((user !== undefined && user !== c.owner) || c.run.claimed.has(target)) {
    throw new HybridError(
      'EPHEMERAL_UNAVAILABLE',
      `${device}: ${target} is ${user !== undefined && user !== c.owner ? `used by domain '${user}'` : 'already claimed'} on the destination; ${fix}`,
      { element: record.alias },
    );
  }
  const want = c.from && hostIndex(c.from).pciDevices?.get(record.source)?.class;
  if (want !== undefined && there?.class !== undefined && !sameKind(want, there.class)) {
    throw new HybridError(
      'EPHEMERAL_CLASS_MISMATCH',
      `${device} is a ${pciClassName(want)} device (class ${want}), but ${target} on the destination is a ${pciClassName(there.class)} device (class ${there.class}); ${fix}`,
      { element: record.alias },
    );
  }
  c.run.claim(target);
  c.allocations.push({ alias: record.alias, kind: 'ephemeral', from: { vf: record.source }, to: { vf: target } });
}

/**
 * Two PCI class codes name the same kind of device when their base class and subclass agree
 * (what lspci calls "3D controller", "Ethernet controller"); the programming interface may differ.
 */
function sameKind(a: string, b: string): boolean {
  return a.slice(0, 6) === b.slice(0, 6);
}

/** PCI base classes by their code (the PCI SIG's list), for messages. */
const PCI_BASE_CLASSES: Record<string, string> = {
  '0x00': 'unclassified',
  '0x01': 'storage',
  '0x02': 'network',
  '0x03': 'display',
  '0x04': 'multimedia',
  '0x05': 'memory',
  '0x06': 'bridge',
  '0x07': 'communication',
  '0x08': 'system peripheral',
  '0x09': 'input',
  '0x0b': 'processor',
  '0x0c': 'serial bus',
  '0x0d': 'wireless',
  '0x12': 'processing accelerator',
};

export function pciClassName(code: string): string {
  return PCI_BASE_CLASSES[code.slice(0, 4)] ?? 'other';
}

/**
 * Runs a step that knows nothing of the destination (allocation, a pair's pool or backup device,
 * a pciMap address); its error says it was the destination, and for which device. The errors
 * choose itself throws name the destination in their own words.
 */
function atDestination<T>(fn: () => T, alias?: string): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof HybridError)) throw e;
    throw e.on('the destination', alias);
  }
}

function setHostAddress(dev: XmlElement, address: string, where: string): void {
  const el = firstChild(firstChild(dev, 'source') ?? dev, 'address');
  if (!el) throw new HybridError('MISSING_ELEMENT', `${where} has no <source><address>`, { element: where });
  const attrs = pciAttributes(parsePci(address), false);
  for (const [k, v] of Object.entries(attrs)) setAttribute(el, k, v);
}

/** Names libvirt gives host-side devices it creates; they belong to the source host. */
const GENERATED_TARGET = /^(macvtap|macvlan|vnet)[0-9]+$/;

/**
 * Points the tree at the destination: backups on the new PFs, VF halves and ephemeral devices on
 * their new host devices, the metadata recording them. MACs, guest addresses and aliases stay.
 */
export function applyDestination(pd: PlanDomain, allocations: Allocation[], unchanged: PairRecord[] = []): HybridMetadata {
  const byAlias = new Map(allocations.map((a) => [`${a.kind}:${a.alias}`, a]));
  // Pairs that stay as they are (a hook's degraded pairs) keep their place in the metadata.
  const meta: HybridMetadata = { style: pd.meta.style, pairs: [], ephemeral: [] };
  const order = pd.meta.pairs.map((r) => r.name);
  for (const p of pd.pairs) {
    const a = byAlias.get(`pair:${p.record.name}`);
    if (!a) throw new HybridError('METADATA_INVALID', `no destination was chosen for pair '${p.record.name}'`, { element: p.record.name });
    const source = firstChild(p.backup, 'source');
    if (!source)
      throw new HybridError('MISSING_ELEMENT', `backup half '${p.record.backupAlias}' has no <source>`, { element: p.record.backupAlias });
    setAttribute(source, 'dev', a.to.backupDev!);
    const target = firstChild(p.backup, 'target');
    if (target && GENERATED_TARGET.test(getAttribute(target, 'dev') ?? '')) removeElement(p.backup, target);
    if (p.vfHalf) setHostAddress(p.vfHalf, a.to.vf, `VF half '${p.record.vfAlias}'`);
    meta.pairs.push(recordAtEnd(p.record, a.to));
  }
  meta.pairs.push(...unchanged);
  meta.pairs.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const e of pd.ephemeral) {
    const a = byAlias.get(`ephemeral:${e.record.alias}`);
    if (!a)
      throw new HybridError('METADATA_INVALID', `no destination was chosen for ephemeral device '${e.record.alias}'`, {
        element: e.record.alias,
      });
    if (e.el) setHostAddress(e.el, a.to.vf, `ephemeral device '${e.record.alias}'`);
    meta.ephemeral.push({ ...e.record, source: a.to.vf });
  }
  writeMetadata(pd.doc, pd.root, meta);
  return meta;
}
