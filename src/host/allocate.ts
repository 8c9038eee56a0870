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
  /** VFs (and host devices) already chosen: they count as used. */
  claimed?: ReadonlySet<string>;
  /** The domain being placed: its own VFs on this host are not "taken by another". */
  domain?: string;
  preferNumaNode?: number;
  /** Only VFs of the PF with this netdev (a repair must stay on the PF its backup is on). */
  pfNetdev?: string;
}

/** What one pick of a run takes: the run holds the claims. */
export type PickOptions = Omit<AllocationOptions, 'claimed'>;

/** The domain other than `domain` that holds `vf`, if any. */
function takenByOther(taken: ReadonlyMap<string, string>, vf: string, domain: string | undefined): string | undefined {
  const user = taken.get(vf);
  return user === domain ? undefined : user;
}

/**
 * Whether `domain` can have `vf` now: not claimed and no other domain holds it.
 *
 * @example
 * isFreeFor(host, '0000:04:10.2', claimed, 'guest1'); // false once another domain uses it
 */
export function isFreeFor(host: Host, vf: string, claimed: ReadonlySet<string>, domain: string | undefined): boolean {
  return !claimed.has(vf) && takenByOther(hostIndex(host).takenBy, vf, domain) === undefined;
}

/**
 * A free VF of the pool, by the policy at the top of this file; POOL_EXHAUSTED when none is left.
 * A pure function of its arguments; for many picks in a row, an {@link AllocationRun} is linear.
 *
 * @example
 * const first = allocateVf(host, 'sriov-pool');
 * const second = allocateVf(host, 'sriov-pool', { claimed: new Set([first.vf]) });
 */
export function allocateVf(host: Host, poolName: string, options: AllocationOptions = {}): VfTopology {
  const claimed = options.claimed ?? new Set<string>();
  return pick(host, poolName, options, claimed, [...claimed], newPoolState());
}

/**
 * A VF named explicitly: it must exist, and no other domain or pair may hold it.
 *
 * @example
 * claimVf(host, '0000:04:10.2'); // its topology, or VF_TAKEN when another domain holds it
 */
export function claimVf(host: Host, vf: string, options: AllocationOptions = {}): VfTopology {
  const topo = vfTopology(host, vf);
  const user = takenByOther(hostIndex(host).takenBy, vf, options.domain);
  if (user !== undefined)
    throw new HybridError('VF_TAKEN', `VF ${vf} is already used by domain '${user}' on this host: pick a free VF or take it from a pool`);
  if (options.claimed?.has(vf)) throw new HybridError('VF_TAKEN', `VF ${vf} is used twice in this domain`);
  return topo;
}

/**
 * Many choices on one host in a row (one expansion, one destination of a plan or an evacuation):
 * each VF or device it hands out or is told about counts as used for the next. The run owns its
 * claims, which only grow, so it can remember how far each PF's VFs are used up: N picks cost
 * about N, where N calls of allocateVf cost N².
 *
 * @example
 * const run = new AllocationRun(host, ['0000:04:10.0']);
 * run.allocate('sriov-pool').vf; // never 0000:04:10.0
 */
export class AllocationRun {
  readonly #host: Host;
  readonly #claimed = new Set<string>();
  /** The claims in the order made: each pool state has counted a prefix of it. */
  // Stryker disable next-line ArrayDeclaration: an entry that is no VF of a pool counts nowhere
  readonly #log: string[] = [];
  readonly #states = new Map<string, Map<string | undefined, PoolState>>();

  constructor(host: Host, claimed: Iterable<string> = []) {
    this.#host = host;
    for (const vf of claimed) this.claim(vf);
  }

  /** Everything claimed so far. */
  get claimed(): ReadonlySet<string> {
    return this.#claimed;
  }

  /** Counts `vf` (a VF or any host PCI device) as used from now on. */
  claim(vf: string): void {
    if (this.#claimed.has(vf)) return;
    this.#claimed.add(vf);
    this.#log.push(vf);
  }

  /** Whether `domain` can have `vf`: not claimed in this run and held by no other domain. */
  isFree(vf: string, domain?: string): boolean {
    return isFreeFor(this.#host, vf, this.#claimed, domain);
  }

  /** allocateVf over this run's claims, and the VF claimed. */
  allocate(poolName: string, options: PickOptions = {}): VfTopology {
    const topo = pick(this.#host, poolName, options, this.#claimed, this.#log, this.#state(poolName, options.domain));
    this.claim(topo.vf);
    return topo;
  }

  /**
   * claimVf over this run's claims, and the VF claimed. With `pool` (`where` names the entry in
   * errors), the VF must be one of that pool's: an entry naming a pool and a VF outside it is
   * refused (VF_NOT_IN_POOL), whether it is a hybrid pair or an ephemeral pool interface.
   */
  claimVf(vf: string, domain?: string, pool?: { name: string; where: string }): VfTopology {
    const topo = claimVf(this.#host, vf, { claimed: this.#claimed, domain });
    if (pool !== undefined && !hostIndex(this.#host).poolByName.get(pool.name)!.vfs.includes(vf)) {
      throw new HybridError('VF_NOT_IN_POOL', `${pool.where}: VF ${vf} is not in network '${pool.name}'`, { element: pool.where });
    }
    this.claim(topo.vf);
    return topo;
  }

  #state(poolName: string, domain: string | undefined): PoolState {
    let perDomain = this.#states.get(poolName);
    if (!perDomain) this.#states.set(poolName, (perDomain = new Map()));
    let state = perDomain.get(domain);
    if (!state) perDomain.set(domain, (state = newPoolState()));
    return state;
  }
}

/** Where a run stands in one pool, for one domain. */
interface PoolState {
  /** How many of the run's claims are counted in claimedOn. */
  seen: number;
  /** Claims per PF group that no other domain holds (those are counted as taken already). */
  claimedOn: Map<PoolGroup, number>;
  /** Per PF group, the index of its first member that may be free: used stays used in a run. */
  start: Map<PoolGroup, number>;
}

function newPoolState(): PoolState {
  return { seen: 0, claimedOn: new Map(), start: new Map() };
}

/** The policy's best free VF of the pool, given the claims (all of them also in `log`). */
function pick(
  host: Host,
  poolName: string,
  options: PickOptions,
  claimed: ReadonlySet<string>,
  log: readonly string[],
  state: PoolState,
): VfTopology {
  const index = hostIndex(host);
  const pool = index.poolByName.get(poolName);
  if (!pool) {
    throw new HybridError(
      'POOL_UNKNOWN',
      `network '${poolName}' is not in the host snapshot: add its net-dumpxml to network/ or name another pool (known: ${[...index.poolByName.keys()].join(', ') || 'none'})`,
    );
  }
  const groups = poolGroups(host, pool);
  const taken = index.takenBy;
  const domain = options.domain;
  const heldByOther = (vf: string): boolean => takenByOther(taken, vf, domain) !== undefined;
  const usedBy = (vf: string): boolean => claimed.has(vf) || heldByOther(vf);
  for (; state.seen < log.length; state.seen++) {
    const vf = log[state.seen]!;
    const g = groups.ofVf.get(vf);
    if (g && !heldByOther(vf)) state.claimedOn.set(g, (state.claimedOn.get(g) ?? 0) + 1);
  }
  const prefer = options.preferNumaNode;
  let best: Candidate | undefined;
  for (const g of groups.list) {
    const member = firstFree(host, g, state, usedBy, prefer);
    if (!member) continue;
    const topo = vfTopology(host, member.vf); // a VF whose PF, netdev or listing is missing fails here, named
    if (options.pfNetdev !== undefined && topo.pfNetdev !== options.pfNetdev) continue;
    const used = g.taken - (g.takenBy.get(domain) ?? 0) + (state.claimedOn.get(g) ?? 0);
    const candidate = { topo, order: member.order, used, pfOrder: g.pfOrder };
    // Stryker disable next-line EqualityOperator: candidates never tie (the pool order is the last key)
    if (!best || compareCandidates(candidate, best, prefer) < 0) best = candidate;
  }
  if (!best) {
    throw new HybridError(
      'POOL_EXHAUSTED',
      options.pfNetdev === undefined
        ? `network '${poolName}' has no free VF left: ${exhaustion(pool, taken, domain)}; enable more VFs on its PFs or free one`
        : `network '${poolName}' has no free VF on ${options.pfNetdev}; enable more VFs there or free one`,
    );
  }
  return best.topo;
}

/** A PF group's best VF, with what the policy compares it by. */
interface Candidate {
  topo: VfTopology;
  /** Its place in the pool's list. */
  order: number;
  /** VFs of its PF in use (by other domains or claimed). */
  used: number;
  pfOrder: number;
}

/** The policy's keys in order: preferred NUMA node, least used PF, pool order, VF index. */
function compareCandidates(a: Candidate, b: Candidate, prefer: number | undefined): number {
  return (
    (prefer === undefined ? 0 : Number(a.topo.numaNode !== prefer) - Number(b.topo.numaNode !== prefer)) ||
    a.used - b.used ||
    a.pfOrder - b.pfOrder ||
    a.topo.index - b.topo.index ||
    a.order - b.order
  );
}

/**
 * A group's first free member on the preferred NUMA node, else its first free member. Moves the
 * group's cursor past the members in use at its front.
 */
function firstFree(
  host: Host,
  g: PoolGroup,
  state: PoolState,
  usedBy: (vf: string) => boolean,
  prefer: number | undefined,
): PoolMember | undefined {
  const start = skipUsedFront(g, state, usedBy);
  let first: PoolMember | undefined;
  for (let k = start; k < g.members.length; k++) {
    const m = g.members[k]!;
    if (usedBy(m.vf)) continue;
    first ??= m;
    // Most PFs sit on one NUMA node: then the first free member decides.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; the search below ends on the same member
    if (prefer === undefined || g.numa !== 'mixed') return first;
    if (vfTopology(host, m.vf).numaNode === prefer) return m;
  }
  return first;
}

/** Moves the group's cursor past the members in use at its front (saves rescanning them: time only). */
function skipUsedFront(g: PoolGroup, state: PoolState, usedBy: (vf: string) => boolean): number {
  let start = state.start.get(g) ?? 0;
  while (start < g.members.length && usedBy(g.members[start]!.vf)) start++;
  state.start.set(g, start);
  return start;
}

/** Why a pool has no VF left, counted apart: held by domains on the host, or chosen in this run. */
function exhaustion(pool: HostPool, taken: ReadonlyMap<string, string>, domain: string | undefined): string {
  // None is free: every VF another domain does not hold was chosen in this run.
  const held = pool.vfs.filter((vf) => takenByOther(taken, vf, domain) !== undefined).length;
  const chosen = pool.vfs.length - held;
  const parts = [
    `${held} held by domains on the host`,
    ...(chosen > 0
      ? [`${chosen} already taken in this run (by other devices of this domain, plans chained before it, or guests still arriving)`]
      : []),
  ];
  return `of its ${pool.vfs.length} VFs, ${parts.join(' and ')}, so none is left for one more`;
}

export interface PoolMember {
  vf: string;
  order: number;
}

export interface PoolGroup {
  /** The PF's PCI address (undefined for VFs the snapshot lacks: choosing one fails in vfTopology, naming it). */
  pf: string | undefined;
  pfOrder: number;
  /** The pool's VFs on this PF, by VF index (then pool order). */
  members: PoolMember[];
  /** How many of them other domains hold, in all and per domain. */
  taken: number;
  takenBy: Map<string | undefined, number>;
  /** The NUMA node every member is on (undefined: unknown for all), or 'mixed'. */
  numa: number | undefined | 'mixed';
}

export type PoolGroups = { list: PoolGroup[]; ofVf: Map<string, PoolGroup> };
const groupsOf = new WeakMap<Host, Map<string, PoolGroups>>();

/**
 * A pool's VFs grouped by PF, once per host: allocation then looks at one candidate per PF
 * instead of sorting the whole pool (pools run to thousands of VFs).
 */
function poolGroups(host: Host, pool: HostPool): PoolGroups {
  let perHost = groupsOf.get(host);
  if (!perHost) groupsOf.set(host, (perHost = new Map()));
  const known = perHost.get(pool.name);
  if (known) return known;
  const result = groupPool(host, pool);
  perHost.set(pool.name, result);
  return result;
}

/** A pool's VFs grouped by PF, each group in VF-index order, with what allocation asks of it. */
export function groupPool(host: Host, pool: HostPool): PoolGroups {
  const index = hostIndex(host);
  const byPf = new Map<string | undefined, PoolGroup>();
  const ofVf = new Map<string, PoolGroup>();
  pool.vfs.forEach((vf, order) => {
    const pf = index.vfByAddress.get(vf)?.pf;
    const pfDef = index.pfByAddress.get(pf as string); // (a Map finds nothing under undefined)
    const numa = index.vfByAddress.get(vf)?.numaNode ?? pfDef?.numaNode;
    let g = byPf.get(pf);
    if (!g) {
      // A PF the pool does not list (or without a netdev) sorts after those it lists.
      const at = pool.pfs.indexOf(pfDef?.netdev as string);
      g = { pf, pfOrder: at === -1 ? pool.pfs.length : at, members: [], taken: 0, takenBy: new Map(), numa };
      byPf.set(pf, g);
    }
    if (numa !== g.numa) g.numa = 'mixed';
    g.members.push({ vf, order });
    ofVf.set(vf, g);
    const user = index.takenBy.get(vf);
    if (user !== undefined) {
      g.taken++;
      g.takenBy.set(user, (g.takenBy.get(user) ?? 0) + 1);
    }
  });
  for (const g of byPf.values()) {
    const pfVfs = index.pfByAddress.get(g.pf as string)?.vfs;
    const position = new Map(pfVfs?.map((v, i) => [v, i] as const));
    const unlisted = position.size;
    // A VF its PF does not list sorts last; using it fails in vfTopology, naming it.
    // (The sort is stable: members their PF does not list stay in pool order.)
    g.members.sort((a, b) => (position.get(a.vf) ?? unlisted) - (position.get(b.vf) ?? unlisted));
  }
  return { list: [...byPf.values()], ofVf };
}
