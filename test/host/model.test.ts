// vfTopology and hostIndex on hand-made Host objects: every link of VF -> PF -> netdev, and the
// NUMA node a VF is on.
import { describe, expect, it } from 'vitest';
import { hostIndex, vfTopology, type Host } from '../../src/host/model.js';
import { hostFromJson } from '../../src/index.js';
import { expectHybridError } from '../helpers.js';

function host(change: (h: Host) => void = () => undefined): Host {
  const h: Host = {
    version: 1,
    pfs: [{ address: '0000:04:00.0', netdev: 'enp4', numaNode: 1, vfs: ['0000:04:10.0', '0000:04:10.2'] }],
    vfs: [{ address: '0000:04:10.0', pf: '0000:04:00.0' }, { address: '0000:04:10.2', pf: '0000:04:00.0', numaNode: 0 }],
    pools: [{ name: 'p', mode: 'hostdev-hybrid', ephemeral: true, managed: true, pfs: ['enp4'], vfs: ['0000:04:10.0', '0000:04:10.2'] }],
    otherNetworks: [],
    domains: [{ name: 'd', pciDevices: ['0000:04:10.2'], macs: ['52:54:00:00:00:01'] }],
  };
  change(h);
  return h;
}

describe('vfTopology', () => {
  it('gives the PF, its netdev, the VF index and the NUMA node (the VF\'s own, else its PF\'s)', () => {
    const h = host();
    expect(vfTopology(h, '0000:04:10.0')).toStrictEqual({ vf: '0000:04:10.0', pf: '0000:04:00.0', pfNetdev: 'enp4', index: 0, numaNode: 1 });
    expect(vfTopology(h, '0000:04:10.2')).toStrictEqual({ vf: '0000:04:10.2', pf: '0000:04:00.0', pfNetdev: 'enp4', index: 1, numaNode: 0 });
    expect(vfTopology(h, '0000:04:10.0')).toBe(vfTopology(h, '0000:04:10.0')); // computed once
  });

  it('leaves out an unknown NUMA node', () => {
    const h = host((x) => { delete x.pfs[0]!.numaNode; });
    expect(vfTopology(h, '0000:04:10.0')).not.toHaveProperty('numaNode');
  });

  it('names each missing link with its own code', () => {
    expectHybridError(() => vfTopology(host(), '0000:04:00.0'), 'NOT_A_VF');
    expectHybridError(() => vfTopology(host(), '0000:09:00.0'), 'UNKNOWN_DEVICE');
    expectHybridError(() => vfTopology(host((x) => { x.vfs[0]!.pf = '0000:05:00.0'; }), '0000:04:10.0'), 'VF_WITHOUT_PF');
    expectHybridError(() => vfTopology(host((x) => { delete x.vfs[0]!.pf; }), '0000:04:10.0'), 'VF_WITHOUT_PF');
    expectHybridError(() => vfTopology(host((x) => { delete x.pfs[0]!.netdev; }), '0000:04:10.0'), 'PF_WITHOUT_NETDEV');
    expectHybridError(() => vfTopology(host((x) => { x.pfs[0]!.vfs = ['0000:04:10.2']; }), '0000:04:10.0'), 'TOPOLOGY_CONFLICT');
  });
});

describe('hostIndex', () => {
  it('indexes PFs by address and netdev, pools, who takes what, and MACs', () => {
    const i = hostIndex(host((x) => { x.pfs.push({ address: '0000:05:00.0', vfs: [] }); }));
    expect([...i.pfByNetdev.keys()]).toEqual(['enp4']);
    expect([...i.pfByAddress.keys()]).toEqual(['0000:04:00.0', '0000:05:00.0']);
    expect(i.poolOfVf.get('0000:04:10.2')?.name).toBe('p');
    expect(i.takenBy.get('0000:04:10.2')).toBe('d');
    expect(i.macOwner.get('52:54:00:00:00:01')).toBe('d');
    expect(i.macs.has('52:54:00:00:00:01')).toBe(true);
    expect(i.poolOrder.get('p')?.get('0000:04:10.2')).toBe(1);
  });

  it('a VF two pools name belongs, for lookups, to the first by name', () => {
    const i = hostIndex(host((x) => { x.pools.unshift({ ...x.pools[0]!, name: 'a' }); x.pools.push({ ...x.pools[0]!, name: 'z' }); }));
    expect(i.poolOfVf.get('0000:04:10.0')?.name).toBe('a');
  });
});

describe('checkHost, through host.json', () => {
  const json = (change: (h: Host) => void) => () => hostFromJson(JSON.parse(JSON.stringify(host(change))));
  it('accepts the consistent host', () => {
    expect(json(() => undefined)()).toStrictEqual(host());
  });

  it.each([
    ['a PF described twice', (h: Host) => { h.pfs.push({ ...h.pfs[0]!, vfs: [] }); }, 'TOPOLOGY_CONFLICT', 'described twice'],
    ['two PFs with one netdev', (h: Host) => { h.pfs.push({ address: '0000:05:00.0', netdev: 'enp4', vfs: [] }); }, 'TOPOLOGY_CONFLICT', "'enp4'"],
    ['a VF claimed by two PFs', (h: Host) => { h.pfs.push({ address: '0000:05:00.0', netdev: 'enp5', vfs: ['0000:04:10.0'] }); }, 'TOPOLOGY_CONFLICT', 'two PFs'],
    ['a VF described twice', (h: Host) => { h.vfs.push({ address: '0000:04:10.0' }); }, 'TOPOLOGY_CONFLICT', 'described twice'],
    ['a VF naming another PF than the one listing it', (h: Host) => { h.pfs.push({ address: '0000:05:00.0', netdev: 'enp5', vfs: [] }); h.vfs[0]!.pf = '0000:05:00.0'; }, 'TOPOLOGY_CONFLICT', 'lists it'],
    ['a VF naming a PF that does not list it', (h: Host) => { h.vfs.push({ address: '0000:04:10.4', pf: '0000:04:00.0' }); }, 'TOPOLOGY_CONFLICT', 'does not list it'],
    ['a pool naming an unknown PF', (h: Host) => { h.pools[0]!.pfs.push('eth9'); }, 'POOL_MISSING_PF', 'eth9'],
    ['a pool listing a PF', (h: Host) => { h.pools[0]!.vfs.push('0000:04:00.0'); }, 'NOT_A_VF', '0000:04:00.0'],
    ['a pool listing an unknown device', (h: Host) => { h.pools[0]!.vfs.push('0000:09:00.0'); }, 'UNKNOWN_DEVICE', '0000:09:00.0'],
    ['a pool and another network with one name', (h: Host) => { h.otherNetworks.push('p'); }, 'DUPLICATE_NAME', "'p'"],
    ['two domains with one name', (h: Host) => { h.domains.push({ name: 'd', pciDevices: [], macs: [] }); }, 'DUPLICATE_NAME', "'d'"],
  ] as const)('refuses %s', (_what, change, code, words) => {
    expect(expectHybridError(json(change), code).message).toContain(words);
  });

  it('a VF without a PF, or one no PF lists that names none, is allowed', () => {
    expect(() => json((h) => { h.vfs.push({ address: '0000:04:10.6' }); })()).not.toThrow();
  });
});
