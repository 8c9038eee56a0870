/**
 * The libvirt hook's rewrite: a guest arriving on this host (incoming migration, restore) is
 * pointed at this host's devices before libvirt starts it. Pure: the caller (the CLI's `hook`
 * command) holds the lock and the claims file.
 */
import type { Diagnostic } from '../diagnostics.js';
import { HH_NS, readMetadata, type PairRecord } from '../metadata.js';
import { caught, HybridError } from '../errors.js';
import { AllocationRun } from '../host/allocate.js';
import { assertHost, hostIndex, type Host } from '../host/model.js';
import { firstChild, setAttribute } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import { rootElement } from '../xml/tree.js';
import { serializeXml } from '../xml/serialize.js';
import { backupDevFor } from '../pair/halves.js';
import { applyDestination, chooseDestination, keepsItsVf } from './destination.js';
import { setVariantDriver } from './pieces.js';
import { vfArrival } from './vf-move.js';
import { readDocForPlan, type PlanDomain, type PlanPair } from './read.js';
import type { Allocation } from './types.js';

/** Options of rewriteArrivingDomain. */
export interface ArrivalOptions {
  /** VFs other arrivals have claimed and libvirt does not show as taken yet. */
  claimed?: ReadonlySet<string>;
  /** Refuse (the migration or restore is cancelled) rather than let a guest in degraded. */
  strict?: boolean;
}

/** What rewriteArrivingDomain returns. */
export interface Arrival {
  /** The rewritten domain; undefined when it is not ours to touch (no hostdev-hybrid metadata). */
  xml?: string;
  domain: string;
  allocations: Allocation[];
  /** Pairs let in on their backup alone: no VF was free for them here. */
  degraded: string[];
  warnings: Diagnostic[];
}

/**
 * Whether an arriving guest is ours to rewrite: it carries hostdev-hybrid metadata. Decided on
 * the XML alone, so a hook lets every other guest through without reading anything else; XML
 * that names our namespace but cannot be read counts as ours (the rewrite then says what is wrong).
 *
 * @example
 * isHybridArrival('<domain><name>plain</name></domain>'); // false
 */
export function isHybridArrival(domainXml: string): boolean {
  if (!domainXml.includes(HH_NS)) return false;
  try {
    return readMetadata(rootElement(parseXml(domainXml))) !== undefined;
  } catch {
    return true;
  }
}

/**
 * Rewrites an arriving guest for this host: per pair a free VF of its pool (the one it has when
 * that is free here), the backup on that VF's PF, a teamed VF half on that VF, the choice in the
 * metadata (a bond VF half is away while moving: `repair` attaches exactly the recorded VF).
 * MACs, guest addresses and aliases never change. With no VF free, a pair whose VF half is away
 * comes in on its backup (a `PAIR_DEGRADED` warning) unless `strict`; a pair whose VF half
 * arrives with the guest (teaming) cannot, since libvirt's ABI check forbids dropping a device.
 *
 * @example
 * const { xml, degraded } = rewriteArrivingDomain(stdin, readHostSnapshot('/var/lib/hostdev-hybrid/host'));
 */
export function rewriteArrivingDomain(domainXml: string, host: Host, options: ArrivalOptions = {}): Arrival {
  if (typeof domainXml !== 'string') throw new TypeError('rewriteArrivingDomain expects the domain XML as a string');
  assertHost(host, 'rewriteArrivingDomain');
  const doc = parseXml(domainXml);
  const pd = readDocForPlan(doc, host);
  if (pd.pairs.length === 0 && pd.ephemeral.length === 0) return { domain: pd.name, allocations: [], degraded: [], warnings: [] };
  const whole = caught(() => {
    // A run of its own: a failed attempt leaves claimed the VFs it took for the first pairs.
    const chosen = chooseDestination(pd, host, host, { run: new AllocationRun(host, options.claimed), sameDomain: true, keepVf: true });
    applyDestination(pd, chosen.allocations);
    admitAttachedVfs(pd, chosen.allocations, host);
    return { xml: serializeXml(doc), domain: pd.name, allocations: chosen.allocations, degraded: [], warnings: chosen.warnings };
  }, 'POOL_EXHAUSTED');
  if (!(whole instanceof HybridError)) return whole;
  if (options.strict) throw whole;
  return degrade(pd, host, new AllocationRun(host, options.claimed));
}

/** Each pair's destination on its own; a pair no VF is left for has none. Pairs that keep their VF choose first. */
function choosePairByPair(pd: PlanDomain, host: Host, run: AllocationRun): Map<PlanPair, ReturnType<typeof chooseDestination>> {
  const index = hostIndex(host);
  const keeps = (p: PlanPair): boolean => {
    const pool = p.record.pool ?? index.poolOfVf.get(p.record.vf)?.name;
    return pool !== undefined && keepsItsVf(host, run, pool, p.record, pd.name);
  };
  const chosenFor = new Map<PlanPair, ReturnType<typeof chooseDestination>>();
  // So a pair that must move cannot take the VF of one that keeps its own.
  for (const p of [...pd.pairs.filter(keeps), ...pd.pairs.filter((p) => !keeps(p))]) {
    const one = { ...pd, pairs: [p], ephemeral: [] };
    const chosen = caught(() => chooseDestination(one, host, host, { run, sameDomain: true, keepVf: true }), 'POOL_EXHAUSTED');
    if (!(chosen instanceof HybridError)) chosenFor.set(p, chosen);
  }
  return chosenFor;
}

/** A pair without a VF here keeps only its backup, moved onto a PF of its pool: the device it is now on. */
function onBackupAlone(pd: PlanDomain, p: PlanPair, index: ReturnType<typeof hostIndex>): string {
  if (p.vfHalf) {
    // libvirt checks the hook's output against the incoming guest (same devices, same ABI):
    // a VF half that arrives (teaming) can move to another VF but cannot be left out.
    throw new HybridError(
      'POOL_EXHAUSTED',
      `pair '${p.record.name}' of '${pd.name}': no VF of its pool is free here, and its VF half arrives with the guest (${pd.style} style), which libvirt does not let a hook remove; free a VF here or move the guest elsewhere`,
      { element: p.record.name },
    );
  }
  // The pool exists (else chooseDestination said POOL_UNKNOWN); one of VF addresses names no
  // PF, so its first VF's is taken.
  const pool = index.poolByName.get(p.record.pool ?? index.poolOfVf.get(p.record.vf)!.name)!;
  const pf = pool.pfs[0] ?? index.pfByAddress.get(index.vfByAddress.get(pool.vfs[0] ?? '')?.pf ?? '')?.netdev;
  if (pf === undefined)
    throw new HybridError('POOL_EXHAUSTED', `pair '${p.record.name}': no VF and no PF of its pool on this host`, {
      element: p.record.name,
    });
  const dev = backupDevFor(p.record, pf);
  setAttribute(firstChild(p.backup, 'source')!, 'dev', dev);
  return dev;
}

/**
 * Not every pair found a VF: each pair that can have one gets it, the others come in on their
 * backup alone, on a PF of their pool (any: the backup must sit on some PF of this host).
 */
function degrade(pd: PlanDomain, host: Host, run: AllocationRun): Arrival {
  const allocations: Allocation[] = [];
  const degraded: string[] = [];
  const warnings: Diagnostic[] = [];
  const stay: PairRecord[] = [];
  const chosenFor = choosePairByPair(pd, host, run);
  for (const p of pd.pairs) {
    const chosen = chosenFor.get(p);
    if (chosen) {
      allocations.push(...chosen.allocations);
      warnings.push(...chosen.warnings);
      continue;
    }
    const dev = onBackupAlone(pd, p, hostIndex(host));
    degraded.push(p.record.name);
    stay.push({ ...p.record, backupDev: dev });
    warnings.push({
      code: 'PAIR_DEGRADED',
      severity: 'warning',
      alias: p.record.name,
      message: `pair '${p.record.name}' of '${pd.name}' arrives on its backup alone (on ${dev}): no VF of its pool is free here; free one and run 'hostdev-hybrid repair'`,
    });
  }
  const rest = chooseDestination({ ...pd, pairs: [] }, host, host, { run, sameDomain: true });
  applyDestination(
    { ...pd, pairs: pd.pairs.filter((p) => !degraded.includes(p.record.name)) },
    [...allocations, ...rest.allocations],
    stay,
  );
  admitAttachedVfs(pd, allocations, host);
  return {
    xml: serializeXml(pd.doc),
    domain: pd.name,
    allocations: [...allocations, ...rest.allocations],
    degraded,
    warnings: [...warnings, ...rest.warnings],
  };
}

/**
 * A bond pair whose VF half arrives with the guest moves attached (VFIO migration, planned from
 * both hosts' snapshots): the VF chosen here must take its state by this host's snapshot as it is
 * now — or the migration is refused before it starts, the guest still on the source with its VF.
 * The VF half names this host's variant driver.
 */
function admitAttachedVfs(pd: PlanDomain, allocations: Allocation[], host: Host): void {
  if (pd.style !== 'bond') return;
  for (const p of pd.pairs) {
    const vf = allocations.find((a) => a.kind === 'pair' && a.alias === p.record.name)?.to.vf;
    if (!p.vfHalf || vf === undefined) continue;
    const verdict = vfArrival(host, vf);
    if (!verdict.attached) {
      throw new HybridError(
        'VF_MOVE_REFUSED',
        `pair '${p.record.name}' of '${pd.name}' arrives with its VF attached (VFIO migration), and VF ${vf} here cannot take its state: ${verdict.reason}. The migration is refused before it starts; the guest stays on the source with its VF. Refresh the snapshots and plan again`,
        { element: p.record.name },
      );
    }
    setVariantDriver(pd.doc, p.vfHalf, verdict.driver);
  }
}
