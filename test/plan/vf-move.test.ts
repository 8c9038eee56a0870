// A VF that moves attached, with its state (VFIO migration; docs/MIGRATION.md): where both hosts
// qualify the pair's VF half stays in the guest through the migration, on the destination's VF
// and its variant driver; where any condition fails it is unplugged as always, with the reason.
// No machine here can pass a VF through: these plans are checked as data, by the schemas, and by
// libvirt's RelaxNG (test/libvirt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, planEvacuation, planMigration, readHostSnapshot, retargetDomain, rewriteArrivingDomain, type Host } from '../../src/index.js';
import { validateJson } from '../../src/schemas.js';
import { DEST_URI, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let a!: Host;
let b!: Host;
beforeEach(() => {
  a = readHostSnapshot(join(FIXTURES, 'hosts', 'nvidia-cx7-a'));
  b = readHostSnapshot(join(FIXTURES, 'hosts', 'nvidia-cx7-b'));
});

const entry = (extra = '', attrs = ''): string => `    <interface type='hostdev-hybrid'${attrs}>\n      <source network='sriov-pool'/>\n${extra}    </interface>\n`;
const guest = (entries: string, style: 'bond' | 'teaming' = 'bond'): string => expandDomain(`<domain type='kvm'>
  <name>fast1</name>
  <memory unit='KiB'>4194304</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
${entries}  </devices>
</domain>
`, a, { style }).xml;

const plan = (xml: string, to: Host = b, from: Host = a) => planMigration(xml, from, to, { destUri: DEST_URI });
const codes = (p: ReturnType<typeof plan>): string[] => p.warnings.filter((w) => w.code.startsWith('VF_UNPLUG_')).map((w) => w.code);

describe('both ends qualify', () => {
  let p!: ReturnType<typeof plan>;
  beforeEach(() => {
    p = plan(guest(entry() + entry()));
  });

  it('nothing is detached or attached; migrateXml and persistentXml carry each VF half on its destination VF and variant driver', () => {
    expect(p.detach).toEqual([]);
    expect(p.attach).toEqual([]);
    expect(codes(p)).toEqual([]);
    for (const xml of [p.migrateXml!, p.persistentXml!]) {
      expect(xml.match(/<driver model='mlx5_vfio_pci'\/>/g)).toHaveLength(2);
      expect(xml).toContain("<address type='pci' domain='0x0000' bus='0x83' slot='0x00' function='0x2'/>");
      expect(xml).not.toContain("bus='0x82'");
    }
    expect(p.allocations.map((x) => [x.from!.vf, x.to.vf, x.to.variantDriver])).toEqual([['0000:82:00.2', '0000:83:00.2', 'mlx5_vfio_pci'], ['0000:82:00.3', '0000:83:00.3', 'mlx5_vfio_pci']]);
    expect(p.metadataXml).toContain("vf='0000:83:00.2'");
    validateJson('plan', JSON.parse(JSON.stringify(p)), 'PLAN_INVALID', 'the plan');
  });

  it('the migration is pre-copy only (QEMU refuses post-copy with a VFIO device), and the guest must still hold the VF half', () => {
    const migrate = p.steps.find((s) => s.action === 'migrate')!;
    expect(migrate.command).not.toContain('postcopy');
    expect(migrate.description).toContain('never --postcopy');
    expect(p.steps.filter((s) => s.kind === 'check' && s.description.includes('holds ua-hybrid')).length).toBe(2);
    // The input is an inactive definition: migrate.xml is rebuilt from the live guest first.
    expect(p.steps.filter((s) => s.kind === 'change').map((s) => s.action)).toEqual(['prepare', 'migrate']);
  });

  it('retarget keeps the VF half attached, on its variant driver, in the migrateXml it rebuilds at run time', () => {
    const running = guest(entry()).replace("<domain type='kvm'>", "<domain type='kvm' id='7'>");
    const made = plan(running);
    expect(retargetDomain(running, made)).toContain("<driver model='mlx5_vfio_pci'/>");
  });
});

describe('any condition failing alone: the unplug of today, with its reason', () => {
  const withVfs = (host: Host, change: Partial<Host['vfs'][number]>): Host => ({ ...host, vfs: host.vfs.map((v) => ({ ...v, ...change })) });
  const withPf = (host: Host, change: Partial<Host['pfs'][number]>): Host => ({ ...host, pfs: host.pfs.map((pf) => ({ ...pf, ...change })) });
  it.each([
    ['VF_UNPLUG_VERSION', 'libvirt 9.0.0 on the destination', (h: Host) => ({ ...h, versions: { libvirt: '9.0.0', qemu: '8.2.2' } })],
    ['VF_UNPLUG_VERSION', 'QEMU 8.0.4 on the destination', (h: Host) => ({ ...h, versions: { libvirt: '10.0.0', qemu: '8.0.4' } })],
    ['VF_UNPLUG_VERSION', 'version on the destination is unknown', (h: Host) => ({ ...h, versions: undefined })],
    ['VF_UNPLUG_VERSION', 'QEMU 8 on the destination', (h: Host) => ({ ...h, versions: { libvirt: '10.0.0', qemu: '8' } })],
    ['VF_UNPLUG_DEVICE', "a VF's vendor:device is unknown", (h: Host) => withVfs(h, { pciId: undefined })],
    ['VF_UNPLUG_DEVICE', 'different devices (15b3:101e on the source, 15b3:1018 on the destination)', (h: Host) => withVfs(h, { pciId: '15b3:1018' })],
    ['VF_UNPLUG_DRIVER', "the destination's kernel has no VFIO variant driver for 15b3:101e", (h: Host) => ({ ...h, variantDrivers: [] })],
    ['VF_UNPLUG_DRIVER', 'variant drivers are unknown', (h: Host) => ({ ...h, variantDrivers: undefined })],
    ['VF_UNPLUG_NOT_MIGRATABLE', 'has migratable disabled', (h: Host) => withVfs(h, { migratable: false })],
    ['VF_UNPLUG_NOT_MIGRATABLE', 'is migratable is unknown', (h: Host) => withVfs(h, { migratable: undefined })],
    ['VF_UNPLUG_FIRMWARE', 'firmware versions differ (28.39.1002 on the source, 28.40.1000 on the destination)', (h: Host) => withPf(h, { firmware: '28.40.1000' })],
    ['VF_UNPLUG_FIRMWARE', 'PSIDs differ', (h: Host) => withPf(h, { psid: 'MT_0000000999' })],
    ['VF_UNPLUG_FORCED', "pool says migration='unplug'", (h: Host) => ({ ...h, pools: h.pools.map((pool) => ({ ...pool, migration: 'unplug' as const })) })],
  ])('%s: %s', (code, says, to) => {
    const p = plan(guest(entry()), (to as (h: Host) => Host)(b));
    expect(codes(p)).toEqual([code]);
    expect(p.warnings.find((w) => w.code === code)!.message).toContain(says);
    expect(p.detach.map((d) => d.alias)).toEqual(['ua-hybrid0-vf']);
    expect(p.attach.map((d) => d.alias)).toEqual(['ua-hybrid0-vf']);
    expect(p.migrateXml).not.toContain("<alias name='ua-hybrid0-vf'/>");
    expect(p.persistentXml).not.toContain('<driver model=');
  });

  it('unknown firmware is no reason: compared only where both are known', () => {
    expect(codes(plan(guest(entry()), withPf(b, { firmware: undefined, psid: undefined })))).toEqual([]);
    expect(codes(plan(guest(entry()), withPf(b, { firmware: undefined })))).toEqual([]);
  });

  it('the source counts as much as the destination, and is named', () => {
    const p = plan(guest(entry()), b, { ...a, variantDrivers: [] });
    expect(p.warnings.find((w) => w.code === 'VF_UNPLUG_DRIVER')!.message).toContain("the source's kernel has no VFIO variant driver");
    const q = plan(guest(entry()), b, withVfs(a, { pciId: undefined }));
    expect(codes(q)).toEqual(['VF_UNPLUG_DEVICE']);
    expect(codes(plan(guest(entry()), b, { ...a, versions: { libvirt: '10.0.0', qemu: '9.2.0' } }))).toEqual([]);
  });

  it('the entry\'s migration=\'unplug\' forces it, and is kept in the metadata', () => {
    const xml = guest(entry('', " migration='unplug'"));
    expect(xml).toContain("migration='unplug'");
    expect(codes(plan(xml))).toEqual(['VF_UNPLUG_FORCED']);
  });

  it('teaming: QEMU\'s failover unplugs the VF itself', () => {
    const p = plan(guest(entry(), 'teaming'));
    expect(codes(p)).toEqual(['VF_UNPLUG_STYLE']);
    expect(p.migrateXml).not.toContain('<driver model=');
  });

  it('save/restore unplugs every VF half, and warns of none', () => {
    const p = planMigration(guest(entry()), a, b, { operation: 'save-restore', destUri: DEST_URI, saveFile: '/srv/shared/fast1.img' });
    expect(codes(p)).toEqual([]);
    expect(p.detach.map((d) => d.alias)).toEqual(['ua-hybrid0-vf']);
  });
});

describe('a mixed guest', () => {
  it('plans both ways in one script: the pair on a migratable VF moves attached, the one on VF 7 (migratable disabled) is unplugged', () => {
    const vf7 = "      <source network='sriov-pool'>\n        <address type='pci' domain='0x0000' bus='0x82' slot='0x01' function='0x1'/>\n      </source>\n";
    const xml = guest(entry() + `    <interface type='hostdev-hybrid'>\n${vf7}    </interface>\n`);
    const p = plan(xml);
    expect(codes(p)).toEqual(['VF_UNPLUG_NOT_MIGRATABLE']);
    expect(p.warnings.find((w) => w.code === 'VF_UNPLUG_NOT_MIGRATABLE')!.message).toContain('VF 0000:82:01.1 on the source');
    expect(p.detach.map((d) => d.alias)).toEqual(['ua-hybrid1-vf']);
    expect(p.attach.map((d) => d.alias)).toEqual(['ua-hybrid1-vf']);
    expect(p.migrateXml).toContain("<alias name='ua-hybrid0-vf'/>");
    expect(p.migrateXml).not.toContain("<alias name='ua-hybrid1-vf'/>");
    expect(p.allocations.map((x) => x.to.variantDriver)).toEqual(['mlx5_vfio_pci', undefined]);
    expect(p.steps.filter((s) => s.kind === 'change').map((s) => s.action)).toEqual(['detach', 'wait-detached', 'set-link', 'prepare', 'migrate', 'attach']);
  });
});

describe('evacuation and the hook follow the same rule', () => {
  it('an evacuation moves the VF attached where the destination qualifies, unplugs it where it does not', () => {
    const old = { ...b, versions: { libvirt: '9.0.0', qemu: '7.2.0' } };
    const e = planEvacuation([guest(entry())], a, [b], { destUris: [DEST_URI] });
    expect(e.plans[0]!.plan.allocations[0]!.to.variantDriver).toBe('mlx5_vfio_pci');
    const f = planEvacuation([guest(entry())], a, [old], { destUris: [DEST_URI] });
    expect(f.plans[0]!.plan.warnings.map((w) => w.code)).toContain('VF_UNPLUG_VERSION');
  });

  it('the hook on the destination leaves a VF half that arrives attached as it is: its VF, its variant driver', () => {
    const p = plan(guest(entry()));
    const arrived = rewriteArrivingDomain(p.migrateXml!, b);
    const half = (xml: string): string => /<interface type='hostdev'[\s\S]*?<\/interface>/.exec(xml)![0];
    expect(half(arrived.xml ?? p.migrateXml!)).toBe(half(p.migrateXml!));
    expect(arrived.degraded).toEqual([]);
  });

  // The hook runs on the destination at `migrate begin`, with this host's snapshot as it is then:
  // the one check of the destination's VF that a plan's preflight (virsh only) cannot make.
  const withVfs = (host: Host, change: Partial<Host['vfs'][number]>): Host => ({ ...host, vfs: host.vfs.map((v) => ({ ...v, ...change })) });
  it.each([
    ['has migratable disabled', (h: Host) => withVfs(h, { migratable: false })],
    ['is migratable is unknown', (h: Host) => withVfs(h, { migratable: undefined })],
    ["this host's kernel has no VFIO variant driver for 15b3:101e", (h: Host) => ({ ...h, variantDrivers: [] })],
    ['libvirt 9.0.0 on this host', (h: Host) => ({ ...h, versions: { libvirt: '9.0.0', qemu: '7.2.0' } })],
    ["vendor:device is unknown here", (h: Host) => withVfs(h, { pciId: undefined })],
  ])('the hook refuses a VF half arriving attached where the VF here cannot take its state now (%s)', (says, now) => {
    const p = plan(guest(entry()));
    expect(() => rewriteArrivingDomain(p.migrateXml!, (now as (h: Host) => Host)(b))).toThrow(expect.objectContaining({ code: 'VF_MOVE_REFUSED', message: expect.stringContaining(says) }));
  });

  it('a VF half arriving attached whose VF was taken meanwhile goes to another VF that can take its state, on its variant driver', () => {
    const p = plan(guest(entry()));
    const taken = p.allocations[0]!.to.vf;
    const busy = { ...b, domains: [...b.domains, { name: 'other', pciDevices: [taken], macs: [] }] };
    const arrived = rewriteArrivingDomain(p.migrateXml!, busy);
    const vf = arrived.allocations[0]!.to.vf;
    expect(vf).not.toBe(taken);
    expect(arrived.xml).toContain("<driver model='mlx5_vfio_pci'/>");
    const onlyTakenMigratable = { ...busy, vfs: busy.vfs.map((v) => ({ ...v, migratable: v.address === taken })) };
    expect(() => rewriteArrivingDomain(p.migrateXml!, onlyTakenMigratable)).toThrow(expect.objectContaining({ code: 'VF_MOVE_REFUSED' }));
  });

  it('the hook judges each arriving pair on its own VF, and a pair whose VF half is away not at all', () => {
    const two = plan(guest(entry() + entry()));
    const [first, second] = two.allocations.map((a) => a.to.vf);
    const secondOff = { ...b, vfs: b.vfs.map((v) => ({ ...v, migratable: v.address !== second })) };
    expect(() => rewriteArrivingDomain(two.migrateXml!, secondOff)).toThrow(expect.objectContaining({ code: 'VF_MOVE_REFUSED', message: expect.stringContaining(`pair 'ua-hybrid1'`) }));
    const firstOff = { ...b, vfs: b.vfs.map((v) => ({ ...v, migratable: v.address !== first })) };
    expect(() => rewriteArrivingDomain(two.migrateXml!, firstOff)).toThrow(expect.objectContaining({ message: expect.stringContaining(`pair 'ua-hybrid0'`) }));
    // The mixed guest: its second pair is unplugged for the move (VF 7, migratable disabled), so
    // nothing of it arrives attached to judge.
    const mixed = planMigration(readFileSync(join(FIXTURES, 'cases', 'plan-migrate-vf-mixed', 'input.xml'), 'utf8'), a, b, { destUri: DEST_URI });
    expect(mixed.attach).toHaveLength(1);
    expect(rewriteArrivingDomain(mixed.migrateXml!, b).xml).toBeDefined();
  });

  it('the hook leaves a teaming VF half (QEMU\'s failover unplugs it) to the pool\'s rule alone', () => {
    const p = plan(guest(entry(), 'teaming'));
    expect(rewriteArrivingDomain(p.migrateXml!, withVfs(b, { migratable: false })).xml).toBeDefined();
  });
});
