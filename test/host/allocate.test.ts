import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AllocationRun, allocateVf, claimVf, hostFromJson, HybridError, readHostSnapshot, type Host } from '../../src/index.js';
import { groupPool } from '../../src/host/allocate.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
let cx5!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
  cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
});

function allocateAll(pool: string, n: number, host = intel, extra: Parameters<typeof allocateVf>[2] = {}): string[] {
  const claimed = new Set<string>();
  for (let i = 0; i < n; i++) claimed.add(allocateVf(host, pool, { ...extra, claimed }).vf);
  return [...claimed];
}

describe('VF allocation', () => {
  it('skips VFs other domains use and spreads pairs across PFs, lowest index first', () => {
    // web1 holds 04:10.0 (PF0 VF0), db1 holds 04:10.1 (PF1 VF0): both PFs have one in use.
    expect(allocateAll('sriov-pool', 4)).toEqual(['0000:04:10.2', '0000:04:10.3', '0000:04:10.4', '0000:04:10.5']);
  });

  it('is deterministic: the same snapshot and claims give the same VF', () => {
    expect(allocateAll('sriov-pool', 6)).toEqual(allocateAll('sriov-pool', 6));
  });

  it('a domain\'s own VFs are not taken from itself', () => {
    expect(allocateVf(intel, 'sriov-pool', { domain: 'web1' }).vf).toBe('0000:04:10.0');
    expect(claimVf(intel, '0000:04:10.0', { domain: 'web1' }).vf).toBe('0000:04:10.0');
  });

  it('prefers the NUMA node it is asked for, then spreads', () => {
    expect(allocateVf(cx5, 'sriov-pool', { preferNumaNode: 1 }).vf).toBe('0000:81:00.3'); // 81:00.2 is app1's
  });

  it('uses every free VF, then reports exhaustion', () => {
    expect(allocateAll('sriov-pool', 12)).toHaveLength(12);
    const claimed = new Set(allocateAll('sriov-pool', 12));
    expect(expectHybridError(() => allocateVf(intel, 'sriov-pool', { claimed }), 'POOL_EXHAUSTED').message).toContain('14');
  });

  it('refuses an unknown pool', () => {
    expect(expectHybridError(() => allocateVf(intel, 'nope'), 'POOL_UNKNOWN').message).toContain('sriov-pool');
  });

  it('refuses an explicit VF another domain holds, or one used twice', () => {
    expect(expectHybridError(() => claimVf(intel, '0000:04:10.0', { domain: 'new' }), 'VF_TAKEN').message).toContain('web1');
    expectHybridError(() => claimVf(intel, '0000:04:10.2', { claimed: new Set(['0000:04:10.2']) }), 'VF_TAKEN');
  });

  it('refuses a PF or an unknown device as a VF', () => {
    expectHybridError(() => claimVf(intel, '0000:04:00.0'), 'NOT_A_VF');
    expectHybridError(() => claimVf(intel, '0000:09:00.0'), 'UNKNOWN_DEVICE');
  });
});

/**
 * Two PFs, four VFs each. enp1 (NUMA 0) and enp2 (NUMA 1); VF addresses deliberately not in
 * VF-index order on enp2, and the pool lists `pfs` in the order given.
 */
function twoPfHost(options: { pfOrder?: string[]; domains?: { name: string; pciDevices: string[] }[]; vfNuma?: Record<string, number> } = {}) {
  const pf1 = { address: '0000:01:00.0', netdev: 'enp1', numaNode: 0, vfs: ['0000:01:10.0', '0000:01:10.1', '0000:01:10.2', '0000:01:10.3'] };
  const pf2 = { address: '0000:02:00.0', netdev: 'enp2', numaNode: 1, vfs: ['0000:02:10.3', '0000:02:10.2', '0000:02:10.1', '0000:02:10.0'] };
  const byNetdev = { enp1: pf1, enp2: pf2 } as const;
  const pfs = (options.pfOrder ?? ['enp1', 'enp2']) as (keyof typeof byNetdev)[];
  return hostFromJson({
    version: 1,
    pfs: [pf1, pf2],
    vfs: [pf1, pf2].flatMap((pf) => pf.vfs.map((address) => ({
      address, pf: pf.address, ...(options.vfNuma?.[address] !== undefined ? { numaNode: options.vfNuma[address] } : {}),
    }))),
    pools: [{ name: 'pool', mode: 'hostdev-hybrid', ephemeral: false, managed: true, pfs, vfs: pfs.flatMap((n) => byNetdev[n].vfs) }],
    otherNetworks: [],
    domains: (options.domains ?? []).map((d) => ({ ...d, macs: [] })),
  });
}

describe('VF allocation policy, one rule at a time', () => {
  it('without a preference: the first PF the pool lists, its lowest VF index', () => {
    expect(allocateVf(twoPfHost(), 'pool').vf).toBe('0000:01:10.0');
    // enp2 listed first: its VF index 0 is 02:10.3, not the lowest address.
    expect(allocateVf(twoPfHost({ pfOrder: ['enp2', 'enp1'] }), 'pool').vf).toBe('0000:02:10.3');
  });

  it('a NUMA preference overrides the pool order, and names the node it wants', () => {
    expect(allocateVf(twoPfHost(), 'pool', { preferNumaNode: 1 }).vf).toBe('0000:02:10.3');
    expect(allocateVf(twoPfHost({ pfOrder: ['enp2', 'enp1'] }), 'pool', { preferNumaNode: 0 }).vf).toBe('0000:01:10.0');
    // A node no VF is on changes nothing.
    expect(allocateVf(twoPfHost(), 'pool', { preferNumaNode: 7 }).vf).toBe('0000:01:10.0');
  });

  it('a NUMA preference wins over spreading across PFs', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:02:10.3', '0000:02:10.2'] }] });
    expect(allocateVf(host, 'pool', { preferNumaNode: 1 }).vf).toBe('0000:02:10.1');
  });

  it('a VF\'s own NUMA node counts, not its PF\'s', () => {
    const host = twoPfHost({ vfNuma: { '0000:01:10.2': 1 } });
    expect(allocateVf(host, 'pool', { preferNumaNode: 1, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.2');
    expect(allocateVf(host, 'pool', { preferNumaNode: 0, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.0');
  });

  it('the PF with fewer VFs in use wins over the pool order', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0'] }] });
    expect(allocateVf(host, 'pool').vf).toBe('0000:02:10.3');
    // Claims in this run count as use, as domains do; a domain's own VFs do not.
    expect(allocateVf(twoPfHost(), 'pool', { claimed: new Set(['0000:01:10.1']) }).vf).toBe('0000:02:10.3');
    expect(allocateVf(host, 'pool', { domain: 'a' }).vf).toBe('0000:01:10.0');
  });

  it('on equal use, the first-listed PF wins over a lower VF index on another, then the lowest free index', () => {
    // enp1 has index 0 taken, enp2 index 1: enp2's free index 0 loses to enp1's index 1.
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0'] }, { name: 'b', pciDevices: ['0000:02:10.2'] }] });
    expect(allocateVf(host, 'pool').vf).toBe('0000:01:10.1');
    expect(allocateVf(host, 'pool', { pfNetdev: 'enp2' }).vf).toBe('0000:02:10.3');
  });

  it('pfNetdev keeps to one PF, and says so when that PF is full', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:02:10.0', '0000:02:10.1', '0000:02:10.2', '0000:02:10.3'] }] });
    expect(allocateVf(host, 'pool').vf).toBe('0000:01:10.0');
    expect(expectHybridError(() => allocateVf(host, 'pool', { pfNetdev: 'enp2' }), 'POOL_EXHAUSTED').message).toContain('on enp2');
  });
});

describe('allocateVf is a function of its arguments', () => {
  it('a claim removed from the caller\'s Set frees its VF again, whatever came before', () => {
    const host = twoPfHost();
    const claimed = new Set<string>();
    // Fill the pool through one Set, as a caller chaining plans would.
    for (;;) {
      try {
        claimed.add(allocateVf(host, 'pool', { claimed }).vf);
      } catch (e) {
        expect((e as HybridError).code).toBe('POOL_EXHAUSTED');
        break;
      }
    }
    const freed = [...claimed][2]!;
    claimed.delete(freed);
    claimed.add('0000:09:00.0'); // unrelated to the pool
    expect(allocateVf(host, 'pool', { claimed }).vf).toBe(freed);
    expect(allocateVf(host, 'pool', { claimed: new Set(claimed) }).vf).toBe(freed);
  });
});

describe('allocation runs', () => {
  it('a run gives what fresh calls with the same claims give, and claims what it gives', () => {
    const host = twoPfHost();
    const run = new AllocationRun(host);
    for (let i = 0; i < 6; i++) {
      const expected = allocateVf(host, 'pool', { claimed: new Set(run.claimed) }).vf;
      expect(run.allocate('pool').vf).toBe(expected);
      expect(run.claimed.has(expected)).toBe(true);
    }
    expect(run.claimed.size).toBe(6);
  });

  it('starts from the claims it is given, and copies them', () => {
    const host = twoPfHost();
    const given = new Set(['0000:01:10.0']);
    const run = new AllocationRun(host, given);
    expect(run.allocate('pool').vf).toBe('0000:02:10.3');
    expect(run.allocate('pool').vf).toBe('0000:01:10.1');
    expect([...given]).toEqual(['0000:01:10.0']);
  });

  it('claimVf claims, and refuses a VF claimed before', () => {
    const host = twoPfHost();
    const run = new AllocationRun(host);
    expect(run.claimVf('0000:01:10.0').vf).toBe('0000:01:10.0');
    expect(run.isFree('0000:01:10.0')).toBe(false);
    expect(() => run.claimVf('0000:01:10.0')).toThrow(expect.objectContaining({ code: 'VF_TAKEN' }));
    expect(run.allocate('pool').vf).toBe('0000:02:10.3');
  });

  it('a VF claimed twice counts once', () => {
    const host = twoPfHost();
    const run = new AllocationRun(host, ['0000:02:10.3', '0000:02:10.3']);
    run.claim('0000:02:10.2');
    run.claim('0000:02:10.2');
    expect(run.claimed.size).toBe(2);
    // Two in use on each PF: equal use, so enp1 (listed first) gives the next VF, then enp2.
    // A claim counted twice would put that PF behind.
    run.claim('0000:01:10.0');
    run.claim('0000:01:10.1');
    run.claim('0000:01:10.1');
    const expected = allocateVf(host, 'pool', { claimed: new Set(run.claimed) }).vf;
    expect(expected).toBe('0000:01:10.2');
    expect(run.allocate('pool').vf).toBe(expected);
    expect(run.allocate('pool').vf).toBe('0000:02:10.1');
  });

  it('isFree: another domain\'s VF is not free, the domain\'s own is', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0'] }] });
    const run = new AllocationRun(host);
    expect(run.isFree('0000:01:10.0')).toBe(false);
    expect(run.isFree('0000:01:10.0', 'a')).toBe(true);
    expect(run.isFree('0000:01:10.1', 'b')).toBe(true);
  });
});

describe('allocation runs when claims come from outside the pool\'s picks', () => {
  // A run counts only what was claimed since its last pick: these sequences claim more than the
  // VF it returned, or something else instead. Every answer must equal a fresh call's.
  const sequences: [string, (run: AllocationRun, got: string) => void][] = [
    ['one more on the other PF', (run, got) => { run.claim(got.startsWith('0000:01') ? '0000:02:10.0' : '0000:01:10.3'); }],
    ['the returned VF again', (run, got) => { run.claim(got); }],
    ['two VFs of one PF', (run) => { run.claim('0000:02:10.0'); run.claim('0000:02:10.1'); }],
  ];
  it.each(sequences)('%s', (_name, step) => {
    const host = twoPfHost();
    const run = new AllocationRun(host);
    for (let i = 0; i < 3; i++) {
      const expected = allocateVf(host, 'pool', { claimed: new Set(run.claimed) }).vf;
      const got = run.allocate('pool').vf;
      expect(got).toBe(expected);
      step(run, got);
    }
  });

  it('claims on one PF steer the next VF to the other', () => {
    const host = twoPfHost();
    const run = new AllocationRun(host);
    run.allocate('pool'); // enp1's index 0
    run.claim('0000:02:10.3');
    run.claim('0000:02:10.2'); // enp2 now has two in use, enp1 one
    expect(run.allocate('pool').vf).toBe('0000:01:10.1');
  });

  it('per domain: another domain\'s own VFs count for it, not for this one', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0', '0000:01:10.1'] }] });
    const run = new AllocationRun(host);
    expect(run.allocate('pool', { domain: 'a' }).vf).toBe('0000:01:10.0');
    expect(run.allocate('pool', { domain: 'b' }).vf).toBe('0000:02:10.3');
  });
});

describe('the order inside a PF is the VF index, not the order a pool lists them in', () => {
  it('a pool listing a PF\'s VFs by address still gives the lowest VF index first', () => {
    const host = twoPfHost({ pfOrder: ['enp2', 'enp1'] });
    host.pools[0]!.vfs.sort(); // 01:10.0 … 02:10.3, so enp2's index 0 (02:10.3) comes last
    const run = new Set<string>();
    const order = Array.from({ length: 4 }, () => {
      const vf = allocateVf(host, 'pool', { claimed: run, pfNetdev: 'enp2' }).vf;
      run.add(vf);
      return vf;
    });
    expect(order).toEqual(['0000:02:10.3', '0000:02:10.2', '0000:02:10.1', '0000:02:10.0']);
  });

  it('within one PF whose VFs sit on two NUMA nodes, the preferred node wins over a lower index', () => {
    const host = twoPfHost({ vfNuma: { '0000:01:10.0': 0, '0000:01:10.1': 1 } });
    expect(allocateVf(host, 'pool', { preferNumaNode: 1, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.1');
    const pair = twoPfHost({ vfNuma: { '0000:01:10.0': 1, '0000:01:10.1': 0, '0000:01:10.2': 0, '0000:01:10.3': 0 } });
    expect(allocateVf(pair, 'pool', { preferNumaNode: 0, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.1');
    expect(allocateVf(pair, 'pool', { preferNumaNode: 1, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.0');
  });

  it('a pool VF its PF does not list comes last, and is refused by name when its turn comes', () => {
    const host = twoPfHost();
    host.pfs[0]!.vfs = host.pfs[0]!.vfs.filter((vf) => vf !== '0000:01:10.0');
    const run = new Set<string>();
    for (const want of ['0000:01:10.1', '0000:01:10.2', '0000:01:10.3']) {
      expect(allocateVf(host, 'pool', { claimed: run, pfNetdev: 'enp1' }).vf).toBe(want);
      run.add(want);
    }
    expect(expectHybridError(() => allocateVf(host, 'pool', { claimed: run, pfNetdev: 'enp1' }), 'TOPOLOGY_CONFLICT').message).toContain('0000:01:10.0');
  });
});

describe('allocation, further', () => {
  it('claimVf lets a domain take a VF it already holds', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0'] }] });
    expect(claimVf(host, '0000:01:10.0', { domain: 'a' }).vf).toBe('0000:01:10.0');
    expectHybridError(() => claimVf(host, '0000:01:10.0', { domain: 'b' }), 'VF_TAKEN');
  });

  it('a pool of VF addresses (no <pf>): equal use, then the lowest VF index, then the pool\'s order', () => {
    const host = twoPfHost();
    const pool = host.pools[0]!;
    pool.pfs = [];
    // enp2's index 0 (02:10.3) listed before enp1's index 0 (01:10.0): same index, the pool's order decides.
    pool.vfs = ['0000:02:10.3', '0000:01:10.0', '0000:01:10.1', '0000:02:10.2'];
    expect(allocateVf(host, 'pool').vf).toBe('0000:02:10.3');
    // enp2's index 0 taken: enp1 has one used less, then takes its index 0.
    const run = new Set(['0000:02:10.3']);
    expect(allocateVf(host, 'pool', { claimed: run }).vf).toBe('0000:01:10.0');
    // one used on each PF: the lower free index (enp1's 1 against enp2's 1 … listed later) wins by order.
    run.add('0000:01:10.0');
    expect(allocateVf(host, 'pool', { claimed: run }).vf).toBe('0000:01:10.1');
  });

  it('in a PF whose VFs sit on two nodes, a used VF between free ones is never picked for its node', () => {
    const host = twoPfHost({ vfNuma: { '0000:01:10.0': 0, '0000:01:10.1': 1, '0000:01:10.2': 1, '0000:01:10.3': 0 }, domains: [{ name: 'a', pciDevices: ['0000:01:10.1'] }] });
    expect(allocateVf(host, 'pool', { preferNumaNode: 1, pfNetdev: 'enp1' }).vf).toBe('0000:01:10.2');
  });

  it('a pool VF whose PF is not in the snapshot is refused by name when its turn comes', () => {
    const host = twoPfHost();
    host.vfs.push({ address: '0000:09:10.0', pf: '0000:09:00.0' });
    host.pools[0]!.vfs.unshift('0000:09:10.0');
    host.pools[0]!.pfs = [];
    expect(expectHybridError(() => allocateVf(host, 'pool'), 'VF_WITHOUT_PF').message).toContain('0000:09:10.0');
  });
});

describe('allocation, broken snapshots', () => {
  it('of several VFs their PF does not list, the error names the first in the pool\'s order', () => {
    const host = twoPfHost();
    host.pfs[0]!.vfs = ['0000:01:10.0', '0000:01:10.1'];
    host.pools[0]!.vfs = ['0000:01:10.0', '0000:01:10.1', '0000:01:10.3', '0000:01:10.2'];
    const run = new Set(['0000:01:10.0', '0000:01:10.1']);
    expect(expectHybridError(() => allocateVf(host, 'pool', { claimed: run, pfNetdev: 'enp1' }), 'TOPOLOGY_CONFLICT').message).toContain('0000:01:10.3');
  });

  it('a pool VF the snapshot does not have at all (a Host built by hand) is refused by name', () => {
    const host = twoPfHost();
    host.pools[0]!.vfs.unshift('0000:09:10.0');
    expect(expectHybridError(() => allocateVf(host, 'pool'), 'UNKNOWN_DEVICE').message).toContain('0000:09:10.0');
  });

  it('without a preference, a PF whose NUMA node is unknown is not put before one whose node is known', () => {
    const host = twoPfHost({ pfOrder: ['enp2', 'enp1'] });
    delete host.pfs[0]!.numaNode; // enp1, listed second
    expect(allocateVf(host, 'pool').vf).toBe('0000:02:10.3');
  });

  it('in a pool of VF addresses, a PF without a net device is not put after the others: its VF fails, named', () => {
    const host = twoPfHost();
    delete host.pfs[0]!.netdev;
    host.pools[0]!.pfs = [];
    host.pools[0]!.vfs = ['0000:01:10.0', '0000:02:10.3'];
    expect(expectHybridError(() => allocateVf(host, 'pool'), 'PF_WITHOUT_NETDEV').message).toContain('0000:01:10.0');
  });
});

describe('POOL_EXHAUSTED says where the VFs went', () => {
  it('a domain\'s own VFs, claimed in this run, are taken in this run, not held', () => {
    const host = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-x710'));
    const vfs = host.pools[0]!.vfs;
    host.domains.push({ name: 'me', pciDevices: vfs.slice(0, 2), macs: [] });
    const e = expectHybridError(() => allocateVf(host, 'sriov-pool', { domain: 'me', claimed: new Set(vfs) }), 'POOL_EXHAUSTED');
    expect(e.message).toContain(`of its ${vfs.length} VFs, 0 held by domains on the host and ${vfs.length} already taken in this run`);
  });

  it('held by domains on the host, apart from those this run took', () => {
    const host = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-x710'));
    const vfs = host.pools[0]!.vfs;
    const e = expectHybridError(() => allocateVf(host, 'sriov-pool', { claimed: new Set(vfs) }), 'POOL_EXHAUSTED');
    expect(e.message).toContain(`of its ${vfs.length} VFs, 0 held by domains on the host and ${vfs.length} already taken in this run`);
    const held = structuredClone(host);
    held.domains.push({ name: 'hog', pciDevices: vfs.slice(0, 1), macs: [] });
    const f = expectHybridError(() => allocateVf(held, 'sriov-pool', { claimed: new Set(vfs.slice(1)) }), 'POOL_EXHAUSTED');
    expect(f.message).toContain(`of its ${vfs.length} VFs, 1 held by domains on the host and ${vfs.length - 1} already taken in this run`);
    const all = structuredClone(host);
    all.domains.push({ name: 'hog', pciDevices: [...vfs], macs: [] });
    expect(expectHybridError(() => allocateVf(all, 'sriov-pool'), 'POOL_EXHAUSTED').message).toContain(`of its ${vfs.length} VFs, ${vfs.length} held by domains on the host, so none is left`);
  });
});

describe('groupPool: a pool by PF, as allocation reads it', () => {
  it('one group per PF in the pool\'s PF order, members by VF index, NUMA node kept or mixed', () => {
    const mixed = groupPool(twoPfHost({ pfOrder: ['enp2', 'enp1'], vfNuma: { '0000:01:10.2': 1 } }), twoPfHost({ pfOrder: ['enp2', 'enp1'] }).pools[0]!);
    expect(mixed.list.map((g) => [g.pf, g.pfOrder, g.numa])).toEqual([
      ['0000:02:00.0', 0, 1],
      ['0000:01:00.0', 1, 'mixed'],
    ]);
    expect(mixed.list[0]!.members.map((m) => m.vf)).toEqual(['0000:02:10.3', '0000:02:10.2', '0000:02:10.1', '0000:02:10.0']);
    expect(mixed.ofVf.get('0000:01:10.3')).toBe(mixed.list[1]);
  });

  it('counts what other domains hold, per domain', () => {
    const host = twoPfHost({ domains: [{ name: 'a', pciDevices: ['0000:01:10.0', '0000:01:10.1'] }, { name: 'b', pciDevices: ['0000:01:10.2'] }] });
    const [enp1, enp2] = groupPool(host, host.pools[0]!).list;
    expect([enp1!.taken, [...enp1!.takenBy]]).toEqual([3, [['a', 2], ['b', 1]]]);
    expect([enp2!.taken, enp2!.takenBy.size]).toEqual([0, 0]);
  });

  it('VFs the snapshot lacks form one group after the listed PFs, in pool order', () => {
    const base = twoPfHost();
    const host = { ...base, pools: [{ ...base.pools[0]!, vfs: ['0000:09:10.1', ...base.pools[0]!.vfs, '0000:09:10.0'] }] };
    const groups = groupPool(host, host.pools[0]!);
    const unknown = groups.list.find((g) => g.pf === undefined)!;
    expect(unknown.pfOrder).toBe(2);
    expect(unknown.members.map((m) => m.vf)).toEqual(['0000:09:10.1', '0000:09:10.0']);
  });

  it('VFs their PF does not list sort after those it lists, in pool order', () => {
    const base = twoPfHost();
    const pf1 = { ...base.pfs[0]!, vfs: ['0000:01:10.3'] };
    const host = { ...base, pfs: [pf1, base.pfs[1]!] };
    const pool = { ...host.pools[0]!, vfs: ['0000:01:10.1', '0000:01:10.2', '0000:01:10.0', '0000:01:10.3'] };
    expect(groupPool(host, pool).list[0]!.members.map((m) => m.vf)).toEqual(['0000:01:10.3', '0000:01:10.1', '0000:01:10.2', '0000:01:10.0']);
  });

  it('the pool\'s PF order decides between PFs, whatever order its VFs are listed in', () => {
    const base = twoPfHost({ pfOrder: ['enp2', 'enp1'] });
    const host = { ...base, pools: [{ ...base.pools[0]!, vfs: [...base.pfs[0]!.vfs, ...base.pfs[1]!.vfs] }] };
    expect(allocateVf(host, 'pool').vf).toBe('0000:02:10.3');
  });
});
