/**
 * Picking VFs. Pure: the same snapshot and the same claims give the same VF.
 *
 * Policy, in order of precedence (documented in docs/HOST-SNAPSHOT.md):
 *  1. only VFs of the pool that no other domain on the host uses and that this run has not
 *     already claimed;
 *  2. a VF on the NUMA node the caller prefers, when it names one;
 *  3. the PF with the fewest of its VFs in use, so pairs spread across PFs (and across NICs:
 *     one cable or PF failing takes down as few guests as possible);
 *  4. PFs in the order the network lists them, then the lowest VF index.
 */
import { HybridError } from '../errors.js';
import { hostIndex, vfTopology, type Host, type VfTopology } from './model.js';

/** What allocateVf and claimVf take into account besides the host. */
export interface AllocationOptions {
  /** VFs already chosen in this run (they count as used). */
  claimed?: ReadonlySet<string>;
  /** The domain being placed: its own VFs on this host are not "taken by another". */
  domain?: string;
  preferNumaNode?: number;
  /** Only VFs of the PF with this netdev (a repair must stay on the PF its backup is on). */
  pfNetdev?: string;
}

function takenByOther(host: Host, vf: string, domain: string | undefined): string | undefined {
  const user = hostIndex(host).takenBy.get(vf);
  return user !== undefined && user !== domain ? user : undefined;
}

/**
 * A free VF of the pool, by the policy at the top of this file; POOL_EXHAUSTED when none is left.
 *
 * @example
 * const first = allocateVf(host, 'sriov-pool');
 * const second = allocateVf(host, 'sriov-pool', { claimed: new Set([first.vf]) });
 */
export function allocateVf(host: Host, poolName: string, options: AllocationOptions = {}): VfTopology {
  const index = hostIndex(host);
  const pool = index.poolByName.get(poolName);
  if (!pool) {
    throw new HybridError('POOL_UNKNOWN', `network '${poolName}' is not in the host snapshot: add its net-dumpxml to network/ or name another pool (known: ${[...index.poolByName.keys()].join(', ') || 'none'})`);
  }
  const claimed = options.claimed ?? new Set<string>();
  // One pass over the pool: what is in use per PF, and the free candidates (in pool order).
  const usedOnPf = new Map<string, number>();
  const free: VfTopology[] = [];
  const freeOrder: number[] = [];
  const { takenBy, topology } = index;
  pool.vfs.forEach((vf, order) => {
    const user = takenBy.get(vf);
    const used = claimed.has(vf) || (user !== undefined && user !== options.domain);
    const pf = index.vfByAddress.get(vf)?.pf ?? '';
    usedOnPf.set(pf, (usedOnPf.get(pf) ?? 0) + (used ? 1 : 0));
    if (used) return;
    const topo = topology.get(vf) ?? vfTopology(host, vf);
    if (options.pfNetdev !== undefined && topo.pfNetdev !== options.pfNetdev) return;
    free.push(topo);
    freeOrder.push(order);
  });
  if (free.length === 0) {
    throw new HybridError('POOL_EXHAUSTED', options.pfNetdev === undefined
      ? `network '${poolName}' has no free VF: all ${pool.vfs.length} are in use; enable more VFs on its PFs or free one`
      : `network '${poolName}' has no free VF on ${options.pfNetdev}; enable more VFs there or free one`);
  }
  const pfOrder = new Map<string, number>();
  const orderOf = (pf: string): number => {
    let i = pfOrder.get(pf);
    if (i === undefined) {
      const netdev = index.pfByAddress.get(pf)?.netdev;
      const at = netdev === undefined ? -1 : pool.pfs.indexOf(netdev);
      i = at === -1 ? pool.pfs.length : at;
      pfOrder.set(pf, i);
    }
    return i;
  };
  const prefer = options.preferNumaNode;
  const better = (a: VfTopology, ai: number, b: VfTopology, bi: number): boolean => ((
    (prefer === undefined ? 0 : Number(a.numaNode !== prefer) - Number(b.numaNode !== prefer)) ||
    usedOnPf.get(a.pf)! - usedOnPf.get(b.pf)! ||
    orderOf(a.pf) - orderOf(b.pf) ||
    a.index - b.index ||
    ai - bi) < 0);
  // The best by the policy: a linear scan, not a sort (pools run to thousands of VFs).
  let best = 0;
  for (let i = 1; i < free.length; i++) if (better(free[i]!, freeOrder[i]!, free[best]!, freeOrder[best]!)) best = i;
  return free[best]!;
}

/**
 * A VF named explicitly: it must exist, and no other domain or pair may hold it.
 *
 * @example
 * claimVf(host, '0000:04:10.2'); // its topology, or VF_TAKEN when another domain holds it
 */
export function claimVf(host: Host, vf: string, options: AllocationOptions = {}): VfTopology {
  const topo = vfTopology(host, vf);
  const user = takenByOther(host, vf, options.domain);
  if (user !== undefined) throw new HybridError('VF_TAKEN', `VF ${vf} is already used by domain '${user}' on this host: pick a free VF or take it from a pool`);
  if (options.claimed?.has(vf)) throw new HybridError('VF_TAKEN', `VF ${vf} is used twice in this domain`);
  return topo;
}
