// rewriteArrivingDomain beyond the golden cases: which VF an arriving pair keeps or gets, who is
// let in degraded and who is refused, and guests with ephemeral devices only.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, readHostSnapshot, rewriteArrivingDomain, type Host } from '../../src/index.js';
import { isHybridArrival } from '../../src/plan/hook.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';
import { readMetadata } from '../../src/metadata.js';
import { applyDestination } from '../../src/plan/destination.js';
import { readForPlan } from '../../src/plan/read.js';

const host = (name: string): Host => readHostSnapshot(join(FIXTURES, 'hosts', name));
// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = host('intel-82576');
});
// app3 on intel: four bond pairs (VFs 04:10.2–.5) and an ephemeral GPU (65:00.0).
const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
const RECORDED = ['0000:04:10.2', '0000:04:10.3', '0000:04:10.4', '0000:04:10.5'];
/** app3 as a bond guest arrives: its VF halves were detached before it left. */
const arriving = app3.replace(/    <interface type='hostdev'[\s\S]*?<\/interface>\n/g, '');

describe('rewriteArrivingDomain', () => {
  it('refuses what is not XML text, as a programmer error', () => {
    expect(() => rewriteArrivingDomain(42 as unknown as string, intel)).toThrow(/^rewriteArrivingDomain expects/);
  });

  it('back on its own host, each pair keeps its VF, though lower ones are free', () => {
    const r = rewriteArrivingDomain(arriving, { ...structuredClone(intel), domains: [] });
    expect(r.allocations.filter((a) => a.kind === 'pair').map((a) => a.to.vf)).toEqual(RECORDED);
    expect(r.degraded).toEqual([]);
  });

  it('VFs the host shows as the arriving domain\'s own are still its own', () => {
    const h = structuredClone(intel);
    h.domains.push({ name: 'app3', pciDevices: [...RECORDED, '0000:65:00.0'], macs: [] });
    expect(rewriteArrivingDomain(arriving, h).allocations.filter((a) => a.kind === 'pair').map((a) => a.to.vf)).toEqual(RECORDED);
  });

  it('a VF another arrival claimed is not kept', () => {
    const r = rewriteArrivingDomain(arriving, intel, { claimed: new Set(['0000:04:10.2']) });
    expect(r.allocations.find((a) => a.alias === 'ua-hybrid0')!.to.vf).not.toBe('0000:04:10.2');
  });

  it('a host without the pair\'s pool refuses the guest: that is no reason to come in degraded', () => {
    const h: Host = { ...structuredClone(intel), pools: [] };
    expectHybridError(() => rewriteArrivingDomain(app3, h), 'POOL_UNKNOWN');
  });

  it('with two VFs free, two pairs get one, the others come in on their backups on a PF of the pool', () => {
    const h = structuredClone(intel);
    // web1 and db1 hold 04:10.0 and 04:10.1; leave 04:10.6 (PF 0) and 04:10.7 (PF 1) free.
    const free = h.pools.find((p) => p.name === 'sriov-pool')!.vfs.filter((vf) => !['0000:04:10.0', '0000:04:10.1', '0000:04:10.6', '0000:04:10.7'].includes(vf));
    h.domains.push({ name: 'hog', pciDevices: free, macs: [] });
    const r = rewriteArrivingDomain(arriving, h);
    expect(r.degraded).toEqual(['ua-backend', 'ua-legacy']);
    expect(r.allocations.filter((a) => a.kind === 'pair').map((a) => [a.alias, a.to.vf])).toEqual([['ua-hybrid0', '0000:04:10.6'], ['ua-hybrid1', '0000:04:10.7']]);
    expect(r.warnings.filter((w) => w.code === 'PAIR_DEGRADED').map((w) => w.alias)).toEqual(['ua-backend', 'ua-legacy']);
    // The pairs that got a VF have it in the metadata; the degraded keep their records.
    expect(r.xml).toContain("name='ua-hybrid0' form='hybrid' pool='sriov-pool' mac='52:54:00:19:b1:79' vf='0000:04:10.6'");
    expect(r.xml).toContain("vf='0000:04:10.5'");
    // The ephemeral GPU is placed as well.
    expect(r.allocations.filter((a) => a.kind === 'ephemeral').map((a) => a.to.vf)).toEqual(['0000:65:00.0']);
    expectHybridError(() => rewriteArrivingDomain(arriving, h, { strict: true }), 'POOL_EXHAUSTED');
  });

  it('a degraded pair on a pool listed by VF address gets its backup on the first VF\'s PF', () => {
    const h = structuredClone(intel);
    const pool = h.pools.find((p) => p.name === 'sriov-pool')!;
    pool.pfs = [];
    pool.vfs = ['0000:04:10.3', '0000:04:10.2'];
    h.domains.push({ name: 'hog', pciDevices: [...pool.vfs], macs: [] });
    const r = rewriteArrivingDomain(arriving, h);
    expect(r.degraded).toEqual(['ua-hybrid0', 'ua-hybrid1', 'ua-backend', 'ua-legacy']);
    // 04:10.3 is a VF of the second PF (enp4s0f1): the backups go there, VLAN sub-interfaces kept.
    expect([...r.xml!.matchAll(/<source dev='([^']+)' mode='bridge'\/>/g)].map((m) => m[1])).toEqual(['enp4s0f1', 'enp4s0f1', 'enp4s0f1.100', 'enp4s0f1']);
  });

  it('a guest with ephemeral devices and no pairs is rewritten too', () => {
    const dialect = `<domain type='kvm'>\n  <name>eph</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>\n      <source>\n        <address domain='0x0000' bus='0x04' slot='0x10' function='0x6'/>\n      </source>\n    </hostdev>\n  </devices>\n</domain>\n`;
    const r = rewriteArrivingDomain(expandDomain(dialect, intel).xml, intel);
    expect(r.xml).toBeDefined();
    expect(r.allocations.map((a) => [a.kind, a.to.vf])).toEqual([['ephemeral', '0000:04:10.6']]);
  });

  it('pairs whose VF is free keep it; a pair that must move cannot take theirs, so it is the one degraded', () => {
    const h = structuredClone(intel);
    const others = h.pools.find((p) => p.name === 'sriov-pool')!.vfs.filter((vf) => !RECORDED.slice(1).includes(vf));
    h.domains.push({ name: 'hog', pciDevices: others, macs: [] });
    const r = rewriteArrivingDomain(arriving, h);
    expect(r.degraded).toEqual(['ua-hybrid0']);
    expect(r.allocations.filter((a) => a.kind === 'pair').map((a) => [a.alias, a.to.vf])).toEqual([
      ['ua-hybrid1', '0000:04:10.3'], ['ua-backend', '0000:04:10.4'], ['ua-legacy', '0000:04:10.5'],
    ]);
    expect([...r.xml!.matchAll(/<hh:pair name='([^']+)'/g)].map((m) => m[1])).toEqual(['ua-hybrid0', 'ua-hybrid1', 'ua-backend', 'ua-legacy']);
  });

  it('a pair left as it is keeps its place in the metadata among those that moved', () => {
    const pd = readForPlan(arriving, intel);
    const [first, ...rest] = pd.pairs;
    const moved = rewriteArrivingDomain(arriving, intel).allocations.filter((a) => rest.some((p) => p.record.name === a.alias));
    applyDestination({ ...pd, pairs: rest }, [...moved, ...rewriteArrivingDomain(arriving, intel).allocations.filter((a) => a.kind === 'ephemeral')], [first!.record]);
    expect(readMetadata(pd.root)!.pairs.map((p) => p.name)).toEqual(['ua-hybrid0', 'ua-hybrid1', 'ua-backend', 'ua-legacy']);
  });

  it('a VF half that arrives without a host address is refused by name', () => {
    const teamed = app3.replace(/(<interface type='hostdev'[^>]*>\s*<mac[^>]*>\s*<source>)\s*<address[^>]*\/>\s*(<\/source>)/, '$1$2');
    expect(teamed).not.toBe(app3);
    expect(expectHybridError(() => rewriteArrivingDomain(teamed, intel), 'MISSING_ELEMENT').message).toContain('ua-hybrid0-vf');
  });

  it('the VFs the host lists as the arriving domain\'s own come first too', () => {
    const h = structuredClone(intel);
    const others = h.pools.find((p) => p.name === 'sriov-pool')!.vfs.filter((vf) => !RECORDED.slice(1).includes(vf));
    h.domains.push({ name: 'hog', pciDevices: others, macs: [] }, { name: 'app3', pciDevices: [...RECORDED.slice(1), '0000:65:00.0'], macs: [] });
    const r = rewriteArrivingDomain(arriving, h);
    expect(r.degraded).toEqual(['ua-hybrid0']);
    expect(r.allocations.find((a) => a.kind === 'ephemeral')!.to.vf).toBe('0000:65:00.0');
  });

  it('a pool left with no VF and no PF cannot take a degraded pair either', () => {
    const h = structuredClone(intel);
    const pool = h.pools.find((p) => p.name === 'sriov-pool')!;
    pool.pfs = [];
    pool.vfs = [];
    expect(expectHybridError(() => rewriteArrivingDomain(arriving, h), 'POOL_EXHAUSTED').message).toContain('no VF and no PF');
  });

  it('names itself when it is given something that is not a Host', () => {
    expect(() => rewriteArrivingDomain(app3, {} as Host)).toThrow(/^rewriteArrivingDomain expects a Host/);
  });
});

describe('rewriteArrivingDomain and devices this host lacks', () => {
  const noGpu = (): Host => {
    const h = structuredClone(intel);
    h.pciDevices = h.pciDevices!.filter((d) => d.address !== '0000:65:00.0');
    return h;
  };
  it('an ephemeral device away during the move is let in with a warning when this host lacks it', () => {
    const away = arriving.replace(/    <hostdev mode='subsystem' type='pci'[\s\S]*?<\/hostdev>\n/, '');
    expect(away).not.toBe(arriving);
    const r = rewriteArrivingDomain(away, noGpu());
    expect(r.warnings.filter((w) => w.code === 'EPHEMERAL_MISSING').map((w) => w.alias)).toEqual(['ua-ephemeral0']);
  });

  it('an ephemeral device that arrives with the guest is refused when this host lacks it', () => {
    expect(arriving).toContain('<hostdev');
    expect(expectHybridError(() => rewriteArrivingDomain(arriving, noGpu()), 'EPHEMERAL_UNAVAILABLE').message).toContain('no PCI device 0000:65:00.0');
  });
});

describe('isHybridArrival', () => {
  it('ours when it carries the metadata, or names our namespace and cannot be read; else not', () => {
    expect(isHybridArrival(app3)).toBe(true);
    expect(isHybridArrival(arriving)).toBe(true);
    expect(isHybridArrival('<domain><name>plain</name></domain>')).toBe(false);
    const ns = /xmlns:hh='[^']+'/.exec(app3)![0];
    expect(isHybridArrival(`<domain><name>x</name><metadata><other ${ns}/></metadata></domain>`)).toBe(false);
    expect(isHybridArrival(`<domain><name>x</name><metadata><hh:hybrid ${ns}>`)).toBe(true);
  });
});

describe('degraded arrivals: who keeps, who moves', () => {
  it('a pair that keeps its VF chooses before one that must move, so the last free VF stays its own', () => {
    const h = structuredClone(intel);
    // Every VF of the pool is taken but ua-legacy's own (04:10.5): the three others must move and find none.
    const pool = h.pools.find((p) => p.name === 'sriov-pool')!.vfs;
    h.domains.push({ name: 'hog', pciDevices: pool.filter((vf) => vf !== '0000:04:10.5'), macs: [] });
    const r = rewriteArrivingDomain(arriving, h);
    expect(r.degraded).toEqual(['ua-hybrid0', 'ua-hybrid1', 'ua-backend']);
    expect(r.allocations.filter((a) => a.kind === 'pair').map((a) => [a.alias, a.to.vf])).toEqual([['ua-legacy', '0000:04:10.5']]);
  });
});
