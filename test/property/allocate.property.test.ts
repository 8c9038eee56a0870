// The allocator looks at one candidate per PF; this reference sorts the whole pool by the policy
// (docs/HOST-SNAPSHOT.md), as the first version did. On random hosts, claims, owners and NUMA
// preferences both must pick the same VF, or both refuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocationRun, allocateVf, hostFromXml, HybridError, vfTopology, type Host } from '../../src/index.js';
import { hostSnapshotXml } from '../../bench/workloads.js';
import { fcOptions, TIMEOUT } from './runs.js';

function reference(host: Host, poolName: string, claimed: Set<string>, domain: string | undefined, prefer: number | undefined, pfNetdev?: string): string {
  const pool = host.pools.find((p) => p.name === poolName)!;
  const takenBy = new Map(host.domains.flatMap((d) => d.pciDevices.map((a) => [a, d.name] as const)));
  const inUse = (vf: string): boolean => claimed.has(vf) || (takenBy.has(vf) && takenBy.get(vf) !== domain);
  const free = pool.vfs.filter((vf) => !inUse(vf) && (pfNetdev === undefined || vfTopology(host, vf).pfNetdev === pfNetdev));
  if (free.length === 0) throw new HybridError('POOL_EXHAUSTED', 'none');
  const pfOf = new Map(host.vfs.map((v) => [v.address, v.pf ?? '']));
  const used = new Map<string, number>();
  for (const vf of pool.vfs) used.set(pfOf.get(vf) ?? '', (used.get(pfOf.get(vf) ?? '') ?? 0) + (inUse(vf) ? 1 : 0));
  const pfOrder = (pf: string): number => {
    const i = pool.pfs.indexOf(host.pfs.find((p) => p.address === pf)?.netdev ?? '');
    return i === -1 ? pool.pfs.length : i;
  };
  return free.map((vf, i) => ({ t: vfTopology(host, vf), i: pool.vfs.indexOf(vf) + 0 * i })).sort((a, b) =>
    (prefer === undefined ? 0 : Number(a.t.numaNode !== prefer) - Number(b.t.numaNode !== prefer)) ||
    used.get(a.t.pf)! - used.get(b.t.pf)! || pfOrder(a.t.pf) - pfOrder(b.t.pf) || a.t.index - b.t.index || a.i - b.i)[0]!.t.vf;
}

const outcome = (fn: () => string): string => {
  try { return fn(); } catch (e) { if (e instanceof HybridError) return e.code; throw e; }
};

describe('allocation', () => {
  it('picks what a sort of the whole pool by the policy picks', () => {
    fc.assert(fc.property(
      fc.record({ pfs: fc.integer({ min: 1, max: 4 }), vfs: fc.integer({ min: 1, max: 20 }), domains: fc.integer({ min: 0, max: 30 }) }),
      fc.array(fc.nat(), { maxLength: 25 }), fc.option(fc.nat({ max: 40 }), { nil: undefined }), fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }),
      (h, claimIdx, owner, prefer, picks, odd) => {
        const host = hostFromXml(hostSnapshotXml(h.pfs, h.vfs, h.domains));
        // Some VFs on another NUMA node than their PF (before the host is first indexed).
        for (const i of odd) host.vfs[i % host.vfs.length]!.numaNode = 2;
        const vfs = host.pools[0]!.vfs;
        const claimed = new Set(claimIdx.map((i) => vfs[i % vfs.length]!));
        const domain = owner === undefined ? undefined : `vm${owner}`;
        // A run of allocations, each claiming what it got, as expansion does.
        for (const _ of picks) {
          const got = outcome(() => allocateVf(host, 'sriov-pool', { claimed, ...(domain ? { domain } : {}), ...(prefer !== undefined ? { preferNumaNode: prefer } : {}) }).vf);
          expect(got).toBe(outcome(() => reference(host, 'sriov-pool', claimed, domain, prefer)));
          if (got.includes(':')) claimed.add(got);
        }
        const pf = host.pfs[0]!.netdev!;
        expect(outcome(() => allocateVf(host, 'sriov-pool', { claimed, pfNetdev: pf }).vf)).toBe(outcome(() => reference(host, 'sriov-pool', claimed, undefined, undefined, pf)));
      }), fcOptions);
  }, TIMEOUT);

  // allocateVf is a pure function of its arguments: a caller's Set that loses claims as well as
  // gains them gets the same answer as a copy of it. A run, fed the same claims, agrees too.
  it('answers for the claims as they are now, whatever was added and removed before', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), i: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), i: fc.nat() }),
      fc.record({ kind: fc.constant('allocate' as const), i: fc.nat() }),
    );
    fc.assert(fc.property(
      fc.record({ pfs: fc.integer({ min: 1, max: 3 }), vfs: fc.integer({ min: 1, max: 8 }), domains: fc.integer({ min: 0, max: 10 }) }),
      fc.array(op, { maxLength: 40 }), fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      (h, ops, prefer) => {
        const host = hostFromXml(hostSnapshotXml(h.pfs, h.vfs, h.domains));
        const vfs = host.pools[0]!.vfs;
        const claimed = new Set<string>();
        let run = new AllocationRun(host);
        const options = prefer !== undefined ? { preferNumaNode: prefer } : {};
        for (const { kind, i } of ops) {
          const vf = vfs[i % vfs.length]!;
          if (kind === 'add') {
            claimed.add(vf);
            run.claim(vf);
          } else if (kind === 'delete') {
            // A run only grows: the caller starts another from what is claimed now.
            claimed.delete(vf);
            run = new AllocationRun(host, claimed);
          } else {
            const expected = outcome(() => reference(host, 'sriov-pool', claimed, undefined, prefer));
            expect(outcome(() => allocateVf(host, 'sriov-pool', { claimed, ...options }).vf)).toBe(expected);
            expect(outcome(() => run.allocate('sriov-pool', options).vf)).toBe(expected);
            if (expected.includes(':')) claimed.add(expected);
          }
        }
      }), fcOptions);
  }, TIMEOUT);
});
