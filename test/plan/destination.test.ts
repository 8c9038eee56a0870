// Choosing a destination's devices, and spreading an evacuation: the rules beyond the golden cases.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, planEvacuation, planMigration, readHostSnapshot, type Host } from '../../src/index.js';
import { applyDestination, pciClassName } from '../../src/plan/destination.js';
import { readForPlan } from '../../src/plan/read.js';
import { DEST_URI, DESTS, expectHybridError, fixture, FIXTURES } from '../helpers.js';

const host = (name: string): Host => readHostSnapshot(join(FIXTURES, 'hosts', name));
// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
let x710!: Host;
let cx5!: Host;
beforeEach(() => {
  intel = host('intel-82576');
  x710 = host('intel-x710');
  cx5 = host('mellanox-cx5');
});
const guest = fixture('cases', 'expand-q35-pool-bond', 'expected.xml');
const mac = /<mac address='([^']+)'/.exec(guest)![1]!;

describe('planMigration destination checks', () => {
  it('warns when a pair\'s MAC is used by another domain on the destination', () => {
    const dest = structuredClone(x710);
    dest.domains.push({ name: 'twin', pciDevices: [], macs: [mac] });
    const w = planMigration(guest, intel, dest, { destUri: DEST_URI }).warnings.filter((x) => x.code === 'MAC_IN_USE_ON_HOST');
    expect(w).toHaveLength(1);
    expect(w[0]!.message).toContain("'twin'");
    expect(planMigration(guest, intel, x710, { destUri: DEST_URI }).warnings.filter((x) => x.code === 'MAC_IN_USE_ON_HOST')).toEqual([]);
  });

  it('refuses a destination without the pair\'s pool, naming it', () => {
    const dest = structuredClone(x710);
    dest.pools = dest.pools.map((p) => ({ ...p, name: 'other-pool' }));
    expect(expectHybridError(() => planMigration(guest, intel, dest, { destUri: DEST_URI }), 'POOL_UNKNOWN').message).toContain("'sriov-pool'");
  });

  it('never picks a VF another domain holds on the destination', () => {
    const first = planMigration(guest, intel, x710, { destUri: DEST_URI }).allocations[0]!.to.vf;
    const dest = structuredClone(x710);
    dest.domains.push({ name: 'holder', pciDevices: [first], macs: [] });
    expect(planMigration(guest, intel, dest, { destUri: DEST_URI }).allocations[0]!.to.vf).not.toBe(first);
  });
});

describe('planEvacuation', () => {
  it('puts each guest where most VFs are free, whatever the order of the destinations', () => {
    // cx5 has 32 VFs in sriov-pool, x710 4.
    expect(planEvacuation([guest], intel, [cx5, x710], { destUris: DESTS([cx5, x710]) }).plans.map((p) => p.destination)).toEqual([0]);
    expect(planEvacuation([guest], intel, [x710, cx5], { destUris: DESTS([x710, cx5]) }).plans.map((p) => p.destination)).toEqual([1]);
  });

  it('counts what it placed: with equal hosts, guests alternate', () => {
    const guests = [guest, guest.replaceAll('<name>', '<name>b-').replace(/<uuid>[^<]*<\/uuid>/, '')];
    const r = planEvacuation(guests, intel, [structuredClone(x710), structuredClone(x710)], { destUris: DESTS([structuredClone(x710), structuredClone(x710)]) });
    expect(r.plans.map((p) => p.destination)).toEqual([0, 1]);
  });

  it('reports a malformed domain once, by its position, and goes on', () => {
    const r = planEvacuation(['<domain>', guest], intel, [x710, cx5], { destUris: DESTS([x710, cx5]) });
    expect(r.unplaced).toEqual([expect.objectContaining({ domain: '#1', code: 'XML_MALFORMED' })]);
    expect(r.plans).toHaveLength(1);
  });

  it('a guest whose pool no destination has is unplaced, by name, with the last reason', () => {
    const noPool = (h: Host): Host => ({ ...structuredClone(h), pools: [] });
    const r = planEvacuation([guest], intel, [noPool(x710), noPool(cx5)], { destUris: DESTS([noPool(x710), noPool(cx5)]) });
    expect(r.unplaced).toEqual([expect.objectContaining({ code: 'POOL_UNKNOWN' })]);
    expect(r.unplaced[0]!.domain).not.toMatch(/^#/);
  });

  it('refuses no destination at all', () => {
    expect(() => planEvacuation([guest], intel, [], { destUris: DESTS([]) })).toThrow(TypeError);
  });
});

describe('planMigration of special guests', () => {
  it('a degraded guest gets its VF halves back on the destination, attached there', () => {
    const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
    const plan = planMigration(degraded, cx5, intel, { destUri: DEST_URI });
    expect(plan.detach.filter((d) => d.role === 'vf-half')).toEqual([]);
    expect(plan.attach.filter((d) => d.role === 'vf-half').map((d) => d.alias)).toEqual(['ua-hybrid0-vf', 'ua-hybrid1-vf', 'ua-backend-vf', 'ua-legacy-vf']);
    expect(plan.persistentXml).toContain("<alias name='ua-hybrid0-vf'/>");
  });

  it('save-restore keeps the VFs when they are free, and moves the configuration along when one is not', () => {
    const same = planMigration(guest, intel, intel, { operation: 'save-restore' });
    expect(same.allocations.every((a) => a.from?.vf === a.to.vf)).toBe(true);
    expect(same.steps.some((s) => s.command.includes('--config'))).toBe(false);
    const vf = same.allocations[0]!.to.vf;
    const busy = structuredClone(intel);
    busy.domains.push({ name: 'thief', pciDevices: [vf], macs: [] });
    const moved = planMigration(guest, intel, busy, { operation: 'save-restore' });
    expect(moved.allocations[0]!.to.vf).not.toBe(vf);
    expect(moved.steps.filter((s) => s.command.includes('--config')).map((s) => s.action)).toEqual(['detach', 'attach', 'metadata']);
  });

  it('refuses an unknown operation', () => {
    expectHybridError(() => planMigration(guest, intel, x710, { destUri: DEST_URI, operation: 'teleport' as 'migrate' }), 'INVALID_ATTRIBUTE');
  });
});

describe('what a plan reads from the guest', () => {
  it('a device that took a pair\'s alias but has another MAC is not the pair\'s half', () => {
    const other = guest.replace(`<mac address='${mac}'/>\n      <source dev=`, `<mac address='52:54:00:00:00:99'/>\n      <source dev=`);
    expect(other).not.toBe(guest);
    expect(expectHybridError(() => planMigration(other, intel, x710, { destUri: DEST_URI }), 'METADATA_INVALID').message).toContain('52:54:00:00:00:99');
  });

  it('a pair without its backup half cannot move', () => {
    const gone = guest.replace("<alias name='ua-hybrid0-backup'/>", "<alias name='ua-elsewhere'/>");
    expect(gone).not.toBe(guest);
    expectHybridError(() => planMigration(gone, intel, x710, { destUri: DEST_URI }), 'METADATA_INVALID');
  });

  it('a passed-through device that is neither a pair half nor ephemeral blocks the plan, named', () => {
    const gpu = "    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n    </hostdev>\n  </devices>";
    const e = expectHybridError(() => planMigration(guest.replace('  </devices>', gpu), intel, x710, { destUri: DEST_URI }), 'MIGRATION_BLOCKED');
    expect(e.message).toContain("<hostdev type='pci'>");
  });
});

describe('planEvacuation, further', () => {
  it('refuses what is not a list of domains or of destinations, as a programmer error', () => {
    expect(() => planEvacuation('x' as unknown as string[], intel, [x710], { destUris: DESTS([x710]) })).toThrow(/^planEvacuation expects/);
    expect(() => planEvacuation([guest], intel, x710 as unknown as Host[], { destUris: [DEST_URI] })).toThrow(/^planEvacuation expects/);
    expect(() => planEvacuation([guest], intel, [], { destUris: DESTS([]) })).toThrow(/^planEvacuation expects/);
    expect(() => planEvacuation([42 as unknown as string], intel, [x710], { destUris: DESTS([x710]) })).toThrow(/^planMigration expects/);
  });

  it('with three equal hosts, the order given breaks the tie', () => {
    const named = (n: string): string => guest.replace('<name>web2</name>', `<name>${n}</name>`).replace(/<uuid>[^<]*<\/uuid>/, '');
    const hosts = [structuredClone(cx5), structuredClone(cx5), structuredClone(cx5)];
    expect(planEvacuation([named('a'), named('b'), named('c')], intel, hosts, { destUris: DESTS(hosts) }).plans.map((p) => p.destination)).toEqual([0, 1, 2]);
  });

  it('a destination without the pool or without a free VF is passed over for the next', () => {
    const noPool: Host = { ...structuredClone(cx5), pools: [] };
    expect(planEvacuation([guest], intel, [noPool, x710], { destUris: DESTS([noPool, x710]) }).plans.map((p) => p.destination)).toEqual([1]);
    const full = structuredClone(cx5);
    full.domains.push({ name: 'hog', pciDevices: full.pools.flatMap((p) => p.vfs), macs: [] });
    expect(planEvacuation([guest], intel, [full, x710], { destUris: DESTS([full, x710]) }).plans.map((p) => p.destination)).toEqual([1]);
  });

  it('names an unplaced guest by its <name>, without the white space around it', () => {
    const spaced = guest.replace(/<name>([^<]*)<\/name>/, '<name>\n    $1 </name>');
    const noPool: Host = { ...structuredClone(cx5), pools: [] };
    expect(planEvacuation([spaced], intel, [noPool], { destUris: DESTS([noPool]) }).unplaced[0]!.domain).toBe(/<name>([^<]*)<\/name>/.exec(guest)![1]);
  });
});

describe('choosing the destination devices, rule by rule', () => {
  // app3 on intel: four bond pairs (VFs 04:10.2–.5, web1 and db1 hold 04:10.0 and .1) and an
  // ephemeral GPU (65:00.0).
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
  const RECORDED = ['0000:04:10.2', '0000:04:10.3', '0000:04:10.4', '0000:04:10.5'];
  const pairVfs = (plan: { allocations: { kind: string; to: { vf: string } }[] }): string[] => plan.allocations.filter((a) => a.kind === 'pair').map((a) => a.to.vf);
  const emptied = (): Host => ({ ...structuredClone(intel), domains: [] });

  it('save-restore keeps each recorded VF, though lower ones are free; a migration does not', () => {
    expect(pairVfs(planMigration(app3, intel, emptied(), { operation: 'save-restore' }))).toEqual(RECORDED);
    expect(pairVfs(planMigration(app3, intel, emptied(), { destUri: DEST_URI }))).not.toEqual(RECORDED);
  });

  it('save-restore keeps VFs and the GPU the host lists as the domain\'s own, and does not warn about its own MACs', () => {
    const h = emptied();
    const macs = [...app3.matchAll(/<mac address='([^']+)'/g)].map((m) => m[1]!);
    h.domains.push({ name: 'app3', pciDevices: [...RECORDED, '0000:65:00.0'], macs });
    const plan = planMigration(app3, intel, h, { operation: 'save-restore' });
    expect(pairVfs(plan)).toEqual(RECORDED);
    expect(plan.allocations.find((a) => a.kind === 'ephemeral')!.to.vf).toBe('0000:65:00.0');
    expect(plan.warnings.map((w) => w.code)).not.toContain('MAC_IN_USE_ON_HOST');
  });

  it('a recorded VF an earlier plan claimed is not kept', () => {
    const plan = planMigration(app3, intel, emptied(), { operation: 'save-restore', claimed: ['0000:04:10.2'] });
    expect(pairVfs(plan)[0]).not.toBe('0000:04:10.2');
    expect(pairVfs(plan).slice(1)).toEqual(RECORDED.slice(1));
  });

  it('a VLAN pair warns only when the destination lacks the VLAN device', () => {
    const vlanGuest = fixture('cases', 'plan-migrate-pc-vlan', 'input.xml');
    const codes = (h: Host): string[] => planMigration(vlanGuest, intel, h, { destUri: DEST_URI }).warnings.map((w) => w.code);
    expect(codes(x710)).toContain('VLAN_DEVICE_UNKNOWN');
    const withVlan = structuredClone(x710);
    withVlan.netdevs = [...(withVlan.netdevs ?? []), 'ens2f0.42'];
    expect(codes(withVlan)).not.toContain('VLAN_DEVICE_UNKNOWN');
  });

  it('an allocation error names the pair, on the destination', () => {
    const full = structuredClone(x710);
    full.domains.push({ name: 'hog', pciDevices: full.pools.flatMap((p) => p.vfs), macs: [] });
    const e = expectHybridError(() => planMigration(guest, intel, full, { destUri: DEST_URI }), 'POOL_EXHAUSTED');
    expect(e.element).toBe('ua-hybrid0');
    expect(e.message).toMatch(/^on the destination: 'ua-hybrid0': /);
  });

  it('a pciMap entry that is not a PCI address is refused', () => {
    expectHybridError(() => planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': 'ca:00.0' } }), 'INVALID_PCI_ADDRESS');
  });

  it('a pair with a VF and no pool takes its pool from the source host; without one there, it cannot move', () => {
    const explicit = "<interface type='hostdev-hybrid'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x6'/>\n      </source>\n    </interface>";
    const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml').replace(/<interface type='hostdev-hybrid'>[\s\S]*?<\/interface>/, explicit);
    const expanded = expandDomain(dialect, intel).xml;
    expect(expanded).not.toContain("pool='");
    expect(planMigration(expanded, intel, x710, { destUri: DEST_URI }).allocations[0]!.pool).toBe('sriov-pool');
    const e = expectHybridError(() => planMigration(expanded, { ...structuredClone(intel), pools: [] }, x710, { destUri: DEST_URI }), 'POOL_UNKNOWN');
    expect(e.message).toContain('0000:04:10.6');
  });

  it('the backup\'s host-side device name (macvtapN, vnetN, macvlanN) is left behind; another target stays', () => {
    const running = fixture('cases', 'plan-migrate-running-dumpxml', 'input.xml');
    for (const [dev, kept] of [['macvtap69', false], ['vnet3', false], ['macvlan0', false], ['mymacvtap0', true], ['macvtap0x', true]] as const) {
      const xml = running.replace("<target dev='macvtap69'/>", `<target dev='${dev}'/>`);
      expect(planMigration(xml, intel, cx5, { destUri: DEST_URI }).migrateXml!.includes(`<target dev='${dev}'/>`), dev).toBe(kept);
    }
  });
});

describe('planEvacuation passes over a host that cannot take the guest for the next', () => {
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
  it('a host with more free VFs but not in the guest\'s pool (POOL_UNKNOWN) or with its pool full (POOL_EXHAUSTED)', () => {
    const otherPool = structuredClone(cx5);
    otherPool.pools = otherPool.pools.map((p) => ({ ...p, name: 'other-pool' }));
    expect(planEvacuation([guest], intel, [otherPool, x710], { destUris: DESTS([otherPool, x710]) }).plans.map((p) => p.destination)).toEqual([1]);
    const fullPool = structuredClone(cx5);
    const sriov = fullPool.pools.find((p) => p.name === 'sriov-pool')!;
    const ens1f1 = fullPool.pfs.find((p) => p.netdev === 'ens1f1')!.vfs;
    fullPool.pools.push({ ...sriov, name: 'other-pool', pfs: ['ens1f1'], vfs: [...ens1f1] });
    fullPool.domains.push({ name: 'hog', pciDevices: [...sriov.vfs], macs: [] });
    expect(ens1f1.length).toBeGreaterThan(4); // more free VFs than x710: tried first
    expect(planEvacuation([guest], intel, [fullPool, x710], { destUris: DESTS([fullPool, x710]) }).plans.map((p) => p.destination)).toEqual([1]);
  });

  it('a host where the guest\'s ephemeral device is taken (EPHEMERAL_UNAVAILABLE)', () => {
    const busy = structuredClone(intel);
    busy.domains = busy.domains.filter((d) => d.name !== 'web1' && d.name !== 'db1');
    busy.domains.push({ name: 'gpu-user', pciDevices: ['0000:65:00.0'], macs: [] });
    const free = structuredClone(intel);
    const r = planEvacuation([app3], intel, [busy, free], { destUris: DESTS([busy, free]) });
    expect(r.unplaced).toEqual([]);
    expect(r.plans.map((p) => p.destination)).toEqual([1]);
  });
});

describe('destination details', () => {
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
  it('a host snapshot without a list of net devices warns about VLAN pairs only', () => {
    const vlanGuest = fixture('cases', 'plan-migrate-pc-vlan', 'input.xml');
    const bare = structuredClone(x710);
    delete bare.netdevs;
    expect(planMigration(guest, intel, bare, { destUri: DEST_URI }).warnings.map((w) => w.code)).not.toContain('VLAN_DEVICE_UNKNOWN');
    expect(planMigration(vlanGuest, intel, bare, { destUri: DEST_URI }).warnings.filter((w) => w.code === 'VLAN_DEVICE_UNKNOWN').map((w) => w.severity)).toEqual(['warning']);
  });

  it('a MAC used on the destination is a warning, not an error', () => {
    const dest = structuredClone(x710);
    dest.domains.push({ name: 'twin', pciDevices: [], macs: [mac] });
    expect(planMigration(guest, intel, dest, { destUri: DEST_URI }).warnings.find((w) => w.code === 'MAC_IN_USE_ON_HOST')!.severity).toBe('warning');
  });

  it('an ephemeral interface on a hostdev pool moves to a VF of the same pool there, or is refused without one', () => {
    const withPool = (h: Host, vfs: string[]): Host => {
      const c = structuredClone(h);
      c.pools.push({ name: 'vf-pool', mode: 'hostdev', ephemeral: true, managed: true, pfs: [], vfs });
      return c;
    };
    const from = withPool(intel, ['0000:04:11.4', '0000:04:11.5']);
    const dialect = `<domain type='kvm'>\n  <name>e</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n    <interface type='network'>\n      <source network='vf-pool'/>\n    </interface>\n  </devices>\n</domain>\n`;
    const expanded = expandDomain(dialect, from).xml;
    const to = withPool(x710, [x710.pools[0]!.vfs[3]!]);
    const plan = planMigration(expanded, from, to, { destUri: DEST_URI });
    expect(plan.allocations).toEqual([{ alias: 'ua-ephemeral0', kind: 'ephemeral', pool: 'vf-pool', from: { vf: '0000:04:11.4' }, to: expect.objectContaining({ vf: x710.pools[0]!.vfs[3] }) }]);
    expect(expectHybridError(() => planMigration(expanded, from, x710, { destUri: DEST_URI }), 'POOL_UNKNOWN').message).toContain("'vf-pool'");
  });

  it('a backup half without <source> cannot be pointed at the destination', () => {
    const broken = guest.replace(/<source dev='[^']+' mode='bridge'\/>\n\s*/, '');
    expect(broken).not.toBe(guest);
    expect(expectHybridError(() => planMigration(broken, intel, x710, { destUri: DEST_URI }), 'MISSING_ELEMENT').message).toContain('ua-hybrid0-backup');
  });

  it('applyDestination refuses allocations that leave out a pair or an ephemeral device', () => {
    const plan = planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } });
    for (const kind of ['pair', 'ephemeral']) {
      const pd = readForPlan(app3, intel);
      const e = expectHybridError(() => applyDestination(pd, plan.allocations.filter((a) => a.kind !== kind || a.alias === 'ua-hybrid1')), 'METADATA_INVALID');
      expect(e.message).toContain(kind === 'pair' ? "pair 'ua-hybrid0'" : "ephemeral device 'ua-ephemeral0'");
    }
  });

  it('a backup <target> without dev= stays', () => {
    const running = fixture('cases', 'plan-migrate-running-dumpxml', 'input.xml').replace("<target dev='macvtap69'/>", '<target/>');
    expect(planMigration(running, intel, cx5, { destUri: DEST_URI }).migrateXml).toContain('<target/>');
  });
});

describe('a live migration needs a real destination URI, and another host', () => {
  it('refuses a plan without destUri, or with one that is not a libvirt URI (no placeholder in any command)', () => {
    expect(expectHybridError(() => planMigration(guest, intel, x710), 'URI_INVALID').message).toContain('give destUri (CLI --dest-uri)');
    for (const bad of ['hostb', 'qemu+ssh://hostb', 'qemu+ssh://b/system extra', "qemu+ssh://b'/system"]) {
      expect(expectHybridError(() => planMigration(guest, intel, x710, { destUri: bad }), 'URI_INVALID').message).toContain(`'${bad}' is not a libvirt URI`);
    }
    expectHybridError(() => planMigration(guest, intel, x710, { destUri: DEST_URI, sourceUri: 'local' }), 'URI_INVALID');
    for (const good of ['qemu+ssh://root@b.example:2222/system?keyfile=/k', 'qemu+tls://b/system', 'qemu:///system']) {
      expect(planMigration(guest, intel, x710, { destUri: good, sourceUri: 'qemu+ssh://a.example/system' }).destUri).toBe(good);
    }
    // save-restore stays where it is by default.
    expect(planMigration(guest, intel, intel, { operation: 'save-restore' }).destUri).toBe('qemu:///system');
  });

  it('refuses a live migration onto the host it comes from, pointing at save-restore', () => {
    expect(expectHybridError(() => planMigration(guest, intel, intel, { destUri: DEST_URI }), 'MIGRATION_SAME_HOST').message).toContain('--operation save-restore');
    expect(expectHybridError(() => planMigration(guest, intel, x710, { destUri: 'qemu:///system' }), 'MIGRATION_SAME_HOST').message).toContain('both URIs are qemu:///system');
  });

  it('planEvacuation needs one URI per destination', () => {
    expect(expectHybridError(() => planEvacuation([guest], intel, [x710, cx5], { destUris: [DEST_URI] }), 'URI_INVALID').message).toContain('2 destination(s), 1 URI(s)');
    expectHybridError(() => planEvacuation([guest], intel, [x710], undefined as unknown as { destUris: string[] }), 'URI_INVALID');
  });
});

describe('every device a plan takes on the destination is there, free, and of the same kind', () => {
  // app3 on intel: pairs and an ephemeral GPU at 0000:65:00.0; cx5's GPU is at 0000:ca:00.0.
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
  const freeCx5Vf = (): string => {
    const taken = new Set(cx5.domains.flatMap((d) => d.pciDevices));
    return cx5.pools.flatMap((p) => p.vfs).filter((vf) => !taken.has(vf)).at(-1)!;
  };

  it('a GPU the destination does not have at its address is refused, with the fix', () => {
    const e = expectHybridError(() => planMigration(app3, intel, cx5, { destUri: DEST_URI }), 'EPHEMERAL_UNAVAILABLE');
    expect(e.message).toContain("ephemeral device 'ua-ephemeral0' (0000:65:00.0): the destination has no PCI device 0000:65:00.0");
    expect(e.message).toContain('--pci-map 0000:65:00.0=ADDRESS');
    expect(e.element).toBe('ua-ephemeral0');
  });

  it('a pciMap target that is no device there is refused; one that is, is taken', () => {
    expect(expectHybridError(() => planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:99:00.0' } }), 'EPHEMERAL_UNAVAILABLE').message)
      .toContain('the destination has no PCI device 0000:99:00.0');
    expect(planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } }).allocations.at(-1)!.to.vf).toBe('0000:ca:00.0');
  });

  it('a GPU mapped onto a free NIC VF is refused for its kind, naming both classes', () => {
    const vf = freeCx5Vf();
    const e = expectHybridError(() => planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': vf } }), 'EPHEMERAL_CLASS_MISMATCH');
    expect(e.message).toContain(`is a display device (class 0x030200), but ${vf} on the destination is a network device (class 0x020000)`);
  });

  it('a device of the same base class and subclass is the same kind, whatever its programming interface', () => {
    // A Host is read once (hostIndex): each class gets a snapshot of its own.
    const withGpuClass = (code: string): Host => {
      const to = structuredClone(cx5);
      to.pciDevices = to.pciDevices!.map((d) => (d.address === '0000:ca:00.0' ? { ...d, class: code } : d));
      return to;
    };
    expect(planMigration(app3, intel, withGpuClass('0x030201'), { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } }).allocations.at(-1)!.to.vf).toBe('0000:ca:00.0');
    const to = withGpuClass('0x030000');
    expectHybridError(() => planMigration(app3, intel, to, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } }), 'EPHEMERAL_CLASS_MISMATCH');
  });

  it('a map onto a VF this plan gives one of its pairs is refused as claimed', () => {
    const planned = planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } });
    const pairVf = planned.allocations.find((a) => a.kind === 'pair')!.to.vf;
    expect(expectHybridError(() => planMigration(app3, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': pairVf } }), 'EPHEMERAL_UNAVAILABLE').message)
      .toContain(`${pairVf} is already claimed on the destination`);
  });

  it('a snapshot that lists no PCI devices (an old host.json) cannot refuse on existence or class', () => {
    const bare = structuredClone(cx5);
    delete bare.pciDevices;
    expect(planMigration(app3, intel, bare, { destUri: DEST_URI }).allocations.at(-1)!.to.vf).toBe('0000:65:00.0');
  });

  it('a device the guest no longer holds is not taken there: a warning that it is missing, no refusal', () => {
    const degraded = fixture('cases', 'repair-after-migration', 'input.xml'); // on cx5, its GPU ca:00.0 detached
    const w = planMigration(degraded, cx5, intel, { destUri: DEST_URI }).warnings.filter((x) => x.code === 'EPHEMERAL_MISSING');
    expect(w.map((x) => x.alias)).toEqual(['ua-ephemeral0']);
    expect(w[0]!.message).toContain('no PCI device 0000:ca:00.0');
  });

  it('an evacuation leaves a guest whose GPU no destination has unplaced, with the reason, and places it where one is', () => {
    const r = planEvacuation([app3], intel, [cx5], { destUris: DESTS([cx5]) });
    expect(r.unplaced).toEqual([{ domain: 'app3', code: 'EPHEMERAL_UNAVAILABLE', reason: expect.stringContaining('no PCI device 0000:65:00.0') }]);
    const withGpu = planEvacuation([app3], intel, [cx5, structuredClone(intel)], { destUris: DESTS([cx5, structuredClone(intel)]) });
    expect([withGpu.unplaced, withGpu.plans.map((p) => p.destination)]).toEqual([[], [1]]);
  });
});

describe('destination checks, edges', () => {
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
  it('a source snapshot that does not know the device\'s class cannot refuse on class', () => {
    const from = structuredClone(intel);
    delete from.pciDevices;
    const taken = new Set(cx5.domains.flatMap((d) => d.pciDevices));
    const vf = cx5.pools.flatMap((p) => p.vfs).filter((v) => !taken.has(v)).at(-1)!;
    expect(planMigration(app3, from, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': vf } }).allocations.at(-1)!.to.vf).toBe(vf);
  });

  it('a jumbo pair above the destination PF\'s max_mtu is refused, naming it', () => {
    const guest = fixture('cases', 'plan-migrate-jumbo', 'input.xml');
    const capped = { ...structuredClone(x710), links: [{ ifname: 'ens2f0', mtu: 9000, maxMtu: 8000 }] };
    expect(expectHybridError(() => planMigration(guest, intel, capped, { destUri: DEST_URI }), 'INVALID_MTU').message).toContain('above what ens2f0 takes on the destination (max_mtu 8000)');
  });

  it('save-restore with a remote source URI: no room check (df sees only this machine)', () => {
    const input = fixture('cases', 'plan-save-restore-same-host', 'input.xml');
    const local = planMigration(input, intel, intel, { operation: 'save-restore' });
    const remote = planMigration(input, intel, intel, { operation: 'save-restore', sourceUri: 'qemu+ssh://a.example/system' });
    expect([local.steps.some((s) => s.description.includes('MiB free')), remote.steps.some((s) => s.description.includes('MiB free'))]).toEqual([true, false]);
    expect(remote.steps.some((s) => s.command.startsWith('command -v df'))).toBe(false);
  });
});

describe('PCI base classes in messages', () => {
  it('names each base class by the PCI SIG\'s list, and any other as other', () => {
    const names = {
      '0x000000': 'unclassified', '0x010802': 'storage', '0x020000': 'network', '0x030200': 'display', '0x040300': 'multimedia',
      '0x050000': 'memory', '0x060400': 'bridge', '0x070002': 'communication', '0x088000': 'system peripheral', '0x090000': 'input',
      '0x0b4000': 'processor', '0x0c0330': 'serial bus', '0x0d1100': 'wireless', '0x120000': 'processing accelerator', '0xff0000': 'other',
    };
    for (const [code, name] of Object.entries(names)) expect(pciClassName(code), code).toBe(name);
  });
});
