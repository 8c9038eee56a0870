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
import { hostIndex, vfTopology, type Host, type HostPool, type VfTopology } from './model.js';

/** What allocateVf and claimVf take into account besides the host. */
export interface AllocationOptions {
  /**
   * VFs already chosen in this run (they count as used). A run only adds to it: allocateVf
   * remembers, per Set, how far each PF's VFs are used up, so a run of N allocations is linear.
   * Start another run with a new Set.
   */
  claimed?: ReadonlySet<string>;
  /** The domain being placed: its own VFs on this host are not "taken by another". */
  domain?: string;
  preferNumaNode?: number;
  /** Only VFs of the PF with this netdev (a repair must stay on the PF its backup is on). */
  pfNetdev?: string;
}

function takenByOther(host: Host, vf: string, domain: string | undefined): string | undefined {
  const user = hostIndex(host).takenBy.get(vf);
  // Stryker disable next-line ConditionalExpression: an unheld VF gives undefined either way
  return user !== undefined && user !== domain ? user : undefined;
}

/**
 * Whether `domain` can have `vf` now: this run has not claimed it and no other domain holds it.
 *
 * @example
 * isFreeFor(host, '0000:04:10.2', claimed, 'guest1'); // false once another domain uses it
 */
export function isFreeFor(host: Host, vf: string, claimed: ReadonlySet<string>, domain: string): boolean {
  return !claimed.has(vf) && takenByOther(host, vf, domain) === undefined;
}

/** Why a pool has no VF left, counted apart: held by domains on the host, or chosen in this run. */
function exhaustion(pool: HostPool, taken: ReadonlyMap<string, string>, claimed: ReadonlySet<string>, domain: string | undefined): string {
  let held = 0;
  let chosen = 0;
  for (const vf of pool.vfs) {
    const user = taken.get(vf);
    if (user !== undefined && user !== domain) held++;
    else if (claimed.has(vf)) chosen++;
  }
  const parts = [`${held} held by domains on the host`, ...(chosen > 0 ? [`${chosen} already taken in this run (by other devices of this domain, plans chained before it, or guests still arriving)`] : [])];
  return `of its ${pool.vfs.length} VFs, ${parts.join(' and ')}, so none is left for one more`;
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
  const groups = poolGroups(host, pool);
  const taken = index.takenBy;
  const usedBy = (vf: string): boolean => {
    const user = taken.get(vf);
    return claimed.has(vf) || (user !== undefined && user !== options.domain);
  };
  const run = runState(claimed, groups, options.domain);
  // Claimed VFs per PF of this pool (those a domain holds are already counted as taken): only
  // the ones added since the last call are new.
  const claimedOn = run.claimedOn;
  const count = (vf: string): void => {
    const g = groups.ofVf.get(vf);
    const user = taken.get(vf);
    if (g && !(user !== undefined && user !== options.domain)) claimedOn.set(g.pf, (claimedOn.get(g.pf) ?? 0) + 1);
  };
  // A Set's iterator goes on to entries added after it was made: the run's iterator reads each
  // claim once, from where the last call stopped.
  for (; run.seen < claimed.size; run.seen++) count(run.entries.next().value as string);
  const prefer = options.preferNumaNode;
  // The best candidate so far, in locals: a candidate object per PF was most of what an
  // allocation allocated.
  let best: VfTopology | undefined;
  let bestOrder = 0;
  let bestUsed = 0;
  let bestPfOrder = 0;
  // Stryker disable next-line BooleanLiteral: only chooses between two messages
  let anyFree = false;
  for (const g of groups.list) {
    const used = g.taken - (g.takenBy.get(options.domain) ?? 0) + (claimedOn.get(g.pf) ?? 0);
    // The group's best: the first free member on the preferred NUMA node, else the first free.
    let pick: { vf: string; order: number } | undefined;
    let pickNuma: { vf: string; order: number } | undefined;
    // Most PFs sit on one NUMA node: then the first free member decides, without a scan for a
    // member on the preferred node that cannot be there.
    // Stryker disable next-line ConditionalExpression: false only takes the general path (same answer); true is caught by the mixed-NUMA tests
    const uniform = g.numa !== 'mixed';
    // Members before `start` were used when last looked at, and used stays used within a run.
    let start = run.start.get(g) ?? 0;
    // Stryker disable next-line EqualityOperator,ConditionalExpression: a cursor that saves rescanning; not moving it gives the same answer, slower
    while (start < g.members.length && usedBy(g.members[start]!.vf)) start++;
    run.start.set(g, start);
    for (let k = start; k < g.members.length; k++) {
      const m = g.members[k]!;
      if (usedBy(m.vf)) continue;
      anyFree = true;
      pick ??= m;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: in a uniform group, or without a preference, the first free member is picked either way
      if (prefer === undefined || (uniform ? g.numa === prefer : vfTopology(host, m.vf).numaNode === prefer)) {
        pickNuma = m;
        break;
      }
      // Stryker disable next-line ConditionalExpression: a uniform group has no member on another node to find
      if (uniform) break;
    }
    const chosen = pickNuma ?? pick;
    if (!chosen) continue;
    const topo = vfTopology(host, chosen.vf); // a VF whose PF, netdev or listing is missing fails here, named
    if (options.pfNetdev !== undefined && topo.pfNetdev !== options.pfNetdev) continue;
    // Groups come in pool order, so a later candidate never has a lower pfOrder, and two never tie
    // on every key (order is unique): the sign of a sum there, or <= 0, would decide the same.
    // Stryker disable next-line EqualityOperator
    if (!best || ((
      (prefer === undefined ? 0 : Number(topo.numaNode !== prefer) - Number(best.numaNode !== prefer)) ||
      used - bestUsed ||
      // Stryker disable next-line ArithmeticOperator
      g.pfOrder - bestPfOrder ||
      topo.index - best.index || chosen.order - bestOrder) < 0)) {
      best = topo;
      bestOrder = chosen.order;
      bestUsed = used;
      bestPfOrder = g.pfOrder;
    }
  }
  if (!best) {
    throw new HybridError('POOL_EXHAUSTED', options.pfNetdev === undefined || !anyFree
      ? `network '${poolName}' has no free VF left: ${exhaustion(pool, taken, claimed, options.domain)}; enable more VFs on its PFs or free one`
      : `network '${poolName}' has no free VF on ${options.pfNetdev}; enable more VFs there or free one`);
  }
  return best;
}

interface PoolGroup {
  /** The PF's PCI address ('' for VFs whose PF is unknown). */
  pf: string;
  pfOrder: number;
  /** The pool's VFs on this PF, by VF index (then pool order). */
  members: { vf: string; order: number }[];
  /** How many of them other domains hold, in all and per domain. */
  taken: number;
  takenBy: Map<string | undefined, number>;
  /** The NUMA node every member is on (undefined: unknown for all), or 'mixed'. */
  numa: number | undefined | 'mixed';
}

type PoolGroups = { list: PoolGroup[]; ofVf: Map<string, PoolGroup> };
const groupsOf = new WeakMap<Host, Map<string, PoolGroups>>();

/** Where a run (one `claimed` Set) stands in one pool, for one domain. */
interface RunState {
  /** How many of claimed's entries are counted in claimedOn (a smaller Set now: start again). */
  seen: number;
  /** An iterator over claimed that has given exactly `seen` entries. */
  entries: Iterator<string>;
  claimedOn: Map<string, number>;
  /** Per PF group, the index of its first member that may be free. */
  start: Map<PoolGroup, number>;
}

const runs = new WeakMap<ReadonlySet<string>, Map<PoolGroups, Map<string | undefined, RunState>>>();

function runState(claimed: ReadonlySet<string>, groups: PoolGroups, domain: string | undefined): RunState {
  let perSet = runs.get(claimed);
  // Stryker disable next-line ConditionalExpression: a lost run state only makes the run start again (slower, same answer)
  if (!perSet) runs.set(claimed, (perSet = new Map()));
  let perPool = perSet.get(groups);
  // Stryker disable next-line ConditionalExpression: a lost cache entry is only computed again (slower, same answer)
  if (!perPool) perSet.set(groups, (perPool = new Map()));
  let state = perPool.get(domain);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a lost cache entry is only computed again (slower, same answer)
  if (!state || claimed.size < state.seen) perPool.set(domain, (state = { seen: 0, entries: claimed.values(), claimedOn: new Map(), start: new Map() }));
  return state;
}

/**
 * A pool's VFs grouped by PF, once per host: allocation then looks at one candidate per PF
 * instead of sorting the whole pool (pools run to thousands of VFs).
 */
function poolGroups(host: Host, pool: HostPool): PoolGroups {
  let perHost = groupsOf.get(host);
  // Stryker disable next-line ConditionalExpression: a lost cache entry is only computed again (slower, same answer)
  if (!perHost) groupsOf.set(host, (perHost = new Map()));
  const known = perHost.get(pool.name);
  // Stryker disable next-line ConditionalExpression: a lost cache entry is only computed again (slower, same answer)
  if (known) return known;
  const index = hostIndex(host);
  const byPf = new Map<string, PoolGroup>();
  const ofVf = new Map<string, PoolGroup>();
  pool.vfs.forEach((vf, order) => {
    // Stryker disable next-line StringLiteral: VFs the snapshot lacks share any one key; choosing one fails in vfTopology, naming it
    const pf = index.vfByAddress.get(vf)?.pf ?? '';
    const pfDef = index.pfByAddress.get(pf);
    const numa = index.vfByAddress.get(vf)?.numaNode ?? pfDef?.numaNode;
    let g = byPf.get(pf);
    if (!g) {
      // A PF without a netdev sorts anywhere: its VFs fail in vfTopology when chosen.
      // Stryker disable next-line UnaryOperator,ConditionalExpression: as above
      const at = pfDef?.netdev === undefined ? -1 : pool.pfs.indexOf(pfDef.netdev);
      // Stryker disable next-line ConditionalExpression: as above
      g = { pf, pfOrder: at === -1 ? pool.pfs.length : at, members: [], taken: 0, takenBy: new Map(), numa };
      byPf.set(pf, g);
    }
    // 'mixed' only takes allocation's general path, which gives the same answer, slower.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral,EqualityOperator: as above
    if (g.numa !== 'mixed' && numa !== g.numa) g.numa = 'mixed';
    g.members.push({ vf, order });
    ofVf.set(vf, g);
    const user = index.takenBy.get(vf);
    if (user !== undefined) {
      g.taken++;
      g.takenBy.set(user, (g.takenBy.get(user) ?? 0) + 1);
    }
  });
  for (const g of byPf.values()) {
    const pfVfs = index.pfByAddress.get(g.pf)?.vfs;
    const position = new Map(pfVfs?.map((v, i) => [v, i] as const) ?? []);
    // A VF its PF does not list sorts last; using it fails in vfTopology, naming it.
    // Stryker disable next-line ArithmeticOperator: VFs tie only where their PF lists neither; the sort is stable and they come in pool order either way
    g.members.sort((a, b) => (position.get(a.vf) ?? Infinity) - (position.get(b.vf) ?? Infinity) || a.order - b.order);
  }
  const result = { list: [...byPf.values()], ofVf };
  perHost.set(pool.name, result);
  return result;
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
