// Repair, hot-plug and unplug beyond their golden cases: which VF a repair takes as the host
// fills up, and which devices an unplug finds by which alias.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { planHotplug, planRepair, planUnplug, readHostSnapshot, type Host } from '../../src/index.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let cx5!: Host;
let intel!: Host;
beforeEach(() => {
  cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});
const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
const running = fixture('cases', 'unplug-pair', 'input.xml');

/** cx5 with one more domain holding these VFs. */
function holding(vfs: string[]): Host {
  const host = structuredClone(cx5);
  host.domains.push({ name: 'other', pciDevices: vfs, macs: [] });
  return host;
}
const ens1f0 = (): string[] => cx5.pfs.find((p) => p.netdev === 'ens1f0')!.vfs;
const chosen = (host: Host): string[] => planRepair(degraded, host).allocations.map((a) => `${a.alias} ${a.to.vf} ${a.to.pf}`);

describe('planRepair', () => {
  it('takes back the VF the metadata records when it is free', () => {
    expect(chosen(cx5)).toEqual(['ua-hybrid0 0000:81:00.3 ens1f0', 'ua-hybrid1 0000:81:00.4 ens1f0', 'ua-backend 0000:81:00.5 ens1f0', 'ua-legacy 0000:81:00.6 ens1f0']);
    expect(planRepair(degraded, cx5).warnings.filter((w) => w.code === 'REPAIR_OTHER_PF')).toEqual([]);
  });

  it('a recorded VF another domain now holds is replaced by a free one on the same PF, without a warning', () => {
    const plan = planRepair(degraded, holding(['0000:81:00.3']));
    const first = plan.allocations[0]!;
    expect(first.to.vf).not.toBe('0000:81:00.3');
    expect(first.to.pf).toBe('ens1f0');
    expect(new Set(plan.allocations.map((a) => a.to.vf)).size).toBe(4);
    expect(plan.warnings.map((w) => w.code)).not.toContain('REPAIR_OTHER_PF');
  });

  it('with the backup\'s PF full, takes a VF on another PF of the pool and warns, naming the PF', () => {
    const host = holding(ens1f0());
    const pool = host.pools.find((p) => p.name === 'sriov-pool')!;
    pool.pfs.push('ens1f1');
    pool.vfs.push(...host.pfs.find((p) => p.netdev === 'ens1f1')!.vfs);
    const plan = planRepair(degraded, host);
    expect(plan.allocations.every((a) => a.to.pf === 'ens1f1')).toBe(true);
    expect(new Set(plan.allocations.map((a) => a.to.vf)).size).toBe(4);
    const w = plan.warnings.filter((x) => x.code === 'REPAIR_OTHER_PF');
    expect(w).toHaveLength(4);
    expect(w.every((x) => x.severity === 'warning')).toBe(true);
    expect(w[0]!.message).toContain('ens1f0');
    expect(w[0]!.alias).toBe('ua-hybrid0');
  });

  it('with the pool full, refuses', () => {
    expectHybridError(() => planRepair(degraded, holding(ens1f0())), 'POOL_EXHAUSTED');
  });

  it('attaches each new VF half at its recorded guest address, then sets the metadata', () => {
    const plan = planRepair(degraded, cx5);
    expect(plan.steps.filter((s) => s.kind === 'change').map((s) => s.action)).toEqual(['attach', 'attach', 'attach', 'attach', 'metadata']);
    expect(plan.attach[0]!.xml).toContain("bus='0x01' slot='0x00' function='0x0'");
  });

  it('says there is nothing to do when no pair is degraded', () => {
    expectHybridError(() => planRepair(running, intel), 'NOTHING_TO_DO');
  });
});

describe('planUnplug', () => {
  it.each(['ua-hybrid0', 'ua-hybrid0-vf', 'ua-hybrid0-backup'])('finds the pair by %s: the VF half first, waited for, then the backup', (alias) => {
    const plan = planUnplug(running, alias);
    expect(plan.detach.map((d) => d.role)).toEqual(['vf-half', 'backup-half']);
    expect(plan.steps.filter((s) => s.kind === 'change').map((s) => s.action)).toEqual(['detach', 'wait-detached', 'detach', 'metadata']);
    expect(plan.persistentXml).not.toContain('ua-hybrid0');
  });

  it('a degraded pair has only its backup to detach', () => {
    const plan = planUnplug(degraded, 'ua-hybrid1');
    expect(plan.detach.map((d) => `${d.role} ${d.alias}`)).toEqual(['backup-half ua-hybrid1-backup']);
    expect(plan.persistentXml).toContain("name='ua-hybrid0'");
    expect(plan.persistentXml).not.toContain("name='ua-hybrid1'");
  });

  it('refuses an unknown alias, listing the known ones', () => {
    const e = expectHybridError(() => planUnplug(running, 'ua-nope'), 'NOTHING_TO_DO');
    expect(e.message).toContain('ua-hybrid0');
    expect(e.element).toBe('ua-nope');
  });
});

describe('planHotplug', () => {
  const nic = "<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>";
  const guest = fixture('cases', 'hotplug-q35-free-port', 'input.xml');

  it('attaches the backup first, both with --live --config', () => {
    const plan = planHotplug(guest, intel, nic);
    expect(plan.attach.map((d) => d.role)).toEqual(['backup-half', 'vf-half']);
    const changes = plan.steps.filter((s) => s.kind === 'change').map((s) => s.command);
    expect(changes.slice(0, 2).every((c) => c.endsWith('--live --config'))).toBe(true);
  });

  it('refuses what is not one hybrid interface', () => {
    expectHybridError(() => planHotplug(guest, intel, "<hostdev mode='subsystem' type='pci'/>"), 'XML_WRONG_ROOT');
    expectHybridError(() => planHotplug(guest, intel, "<interface type='bridge'><source bridge='br0'/></interface>"), 'UNSUPPORTED_ELEMENT');
    expectHybridError(() => planHotplug('<network><name>n</name></network>', intel, nic), 'XML_WRONG_ROOT');
    expect(() => planHotplug(guest, {} as Host, nic)).toThrow(TypeError);
  });
});

describe('planRepair, further', () => {
  const gpuAt = (fn: string): string => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x0000' bus='0x81' slot='0x00' function='${fn}'/>\n      </source>\n    </hostdev>\n  </devices>`;
  const nicAt = (fn: string): string => `    <interface type='hostdev' managed='yes'>\n      <mac address='52:54:00:aa:bb:cc'/>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x81' slot='0x00' function='${fn}'/>\n      </source>\n    </interface>\n  </devices>`;

  it('refuses what is not XML text, as a programmer error', () => {
    expect(() => planRepair(42 as unknown as string, cx5)).toThrow(/^planRepair expects/);
  });

  it.each([['a <hostdev>', gpuAt('0x3')], ["an <interface type='hostdev'>", nicAt('0x3')]])('a recorded VF the guest itself passes through in %s is not taken again', (_what, extra) => {
    const plan = planRepair(degraded.replace('  </devices>', extra), cx5);
    expect(plan.allocations[0]!.to.vf).not.toBe('0000:81:00.3');
    expect(plan.allocations.map((a) => a.to.vf)).not.toContain('0000:81:00.3');
  });

  it('a free recorded VF on another PF than the backup\'s is passed over for one on the backup\'s PF', () => {
    const host = structuredClone(cx5);
    const pool = host.pools.find((p) => p.name === 'sriov-pool')!;
    pool.pfs.push('ens1f1');
    pool.vfs.push(...host.pfs.find((p) => p.netdev === 'ens1f1')!.vfs);
    // ua-hybrid0's backup now sits on ens1f1 (it moved once); its recorded VF is on ens1f0.
    const moved = degraded.replace(/(<source dev=')ens1f0(' mode='bridge'\/>\s*<model type='virtio'\/>\s*<alias name='ua-hybrid0-backup'\/>)/, '$1ens1f1$2');
    expect(moved).not.toBe(degraded);
    const plan = planRepair(moved, host);
    expect(plan.allocations[0]).toMatchObject({ alias: 'ua-hybrid0', to: { pf: 'ens1f1', backupDev: 'ens1f1' } });
    expect(plan.allocations[1]).toMatchObject({ alias: 'ua-hybrid1', to: { vf: '0000:81:00.4', pf: 'ens1f0' } });
    expect(plan.warnings.filter((w) => w.code === 'REPAIR_OTHER_PF')).toEqual([]);
  });

  it('a backup on a device that is no PF of the host: any free VF of the pool, with a warning naming the device', () => {
    const bridged = degraded.replace(/(<source dev=')ens1f0(' mode='bridge'\/>\s*<model type='virtio'\/>\s*<alias name='ua-hybrid0-backup'\/>)/, '$1macvtap-odd$2');
    const host = holding(['0000:81:00.3']);
    const plan = planRepair(bridged, host);
    expect(plan.allocations[0]!.to.pf).toBe('ens1f0');
    const w = plan.warnings.filter((x) => x.code === 'REPAIR_OTHER_PF');
    expect(w.map((x) => x.alias)).toEqual(['ua-hybrid0']);
    expect(w[0]!.message).toContain('macvtap-odd');
  });

  it('records where each pair came from and where its backup is', () => {
    const a = planRepair(degraded, cx5).allocations[2]!;
    expect(a).toMatchObject({ alias: 'ua-backend', kind: 'pair', pool: 'sriov-pool', from: { vf: '0000:81:00.5', pf: 'ens1f0' }, to: { backupDev: 'ens1f0.100' } });
  });
});

describe('planUnplug, further', () => {
  const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');

  it('refuses what is not XML text or an alias, as a programmer error', () => {
    expect(() => planUnplug(42 as unknown as string, 'a')).toThrow(/^planUnplug expects/);
    expect(() => planUnplug(running, 42 as unknown as string)).toThrow(/^planUnplug expects/);
  });

  it('unplugs an ephemeral device by its alias: detached, waited for, dropped from the metadata', () => {
    const plan = planUnplug(app3, 'ua-ephemeral0');
    expect(plan.detach.map((d) => `${d.role} ${d.alias} ${d.file}`)).toEqual(['ephemeral ua-ephemeral0 detach/ua-ephemeral0.xml']);
    expect(plan.steps.filter((s) => s.kind === 'change').map((s) => s.action)).toEqual(['detach', 'wait-detached', 'metadata']);
    expect(plan.persistentXml).not.toContain('ua-ephemeral0');
    expect(plan.persistentXml).toContain("<hh:pair name='ua-hybrid0'");
    expect(plan.metadataXml).toContain("name='ua-legacy'");
    expect(plan.commands.at(-1)).toContain(`--key hh --set "$(cat metadata.xml)"`);
  });

  it('a pair\'s unplug keeps the ephemeral devices in the metadata; the last one gone removes it', () => {
    const plan = planUnplug(app3, 'ua-hybrid1');
    expect(plan.metadataXml).toContain('ua-ephemeral0');
    expect(plan.metadataXml).not.toContain("name='ua-hybrid1'");
    const last = planUnplug(running, 'ua-hybrid0');
    expect(last.metadataXml).toBeUndefined();
    expect(last.commands.at(-1)).toContain('--remove');
  });

  it('lists the ephemeral devices the guest has among the known ones; a detached one is not', () => {
    expect(expectHybridError(() => planUnplug(app3, 'ua-nope'), 'NOTHING_TO_DO').message).toContain('ua-ephemeral0');
    // repair-after-migration records ua-ephemeral0, but the device is not in the running guest.
    expect(expectHybridError(() => planUnplug(degraded, 'ua-nope'), 'NOTHING_TO_DO').message).not.toContain('ua-ephemeral0');
  });
});

describe('planHotplug, further', () => {
  const nic = "<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>";
  const bare = fixture('cases', 'hotplug-q35-free-port', 'input.xml');
  // unplug-pair's guest (one bond pair) with two empty root ports for the new halves.
  const roomy = running.replace('  </devices>', "    <controller type='pci' index='30' model='pcie-root-port'/>\n    <controller type='pci' index='31' model='pcie-root-port'/>\n  </devices>");

  it('refuses what is not XML text, as a programmer error', () => {
    expect(() => planHotplug(42 as unknown as string, intel, nic)).toThrow(/^planHotplug expects/);
    expect(() => planHotplug(bare, intel, 42 as unknown as string)).toThrow(/^planHotplug expects/);
  });

  it('a guest without pairs takes the style asked for (bond by default); one with pairs keeps its own', () => {
    expect(planHotplug(bare, intel, nic).style).toBe('bond');
    expect(planHotplug(bare, intel, nic, { style: 'teaming' }).style).toBe('teaming');
    expect(planHotplug(roomy, intel, nic, { style: 'teaming' }).style).toBe('bond');
  });

  it('beside an existing pair, the pieces and the allocation are the new pair\'s', () => {
    const plan = planHotplug(roomy, intel, nic);
    expect(plan.attach.map((d) => d.alias)).toEqual(['ua-hybrid1-backup', 'ua-hybrid1-vf']);
    expect(plan.allocations.map((a) => a.alias)).toEqual(['ua-hybrid1']);
    expect(plan.allocations[0]).toMatchObject({ kind: 'pair', pool: 'sriov-pool' });
  });

  it('a VLAN NIC gets its backup on the VLAN device named by the template asked for', () => {
    const vlan = "<interface type='hostdev-hybrid'><source network='sriov-pool'/><vlan><tag id='7'/></vlan></interface>";
    const a = planHotplug(bare, intel, vlan, { vlanDevice: 'vl{vlan}-{pf}' }).allocations[0]!;
    expect(a.to.backupDev).toBe(`vl7-${a.to.pf}`);
  });

  it('refuses a guest whose own XML is still dialect, whatever the NIC', () => {
    const ports = [40, 41, 42, 43].map((i) => `    <controller type='pci' index='${i}' model='pcie-root-port'/>\n`).join('');
    const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml').replace('  </devices>', `${ports}  </devices>`);
    for (const other of [nic, "<interface type='bridge'><source bridge='br0'/></interface>"]) {
      expectHybridError(() => planHotplug(dialect, intel, other), 'UNSUPPORTED_ELEMENT');
    }
  });

  it('refuses a <domain> without <devices>, and names the NIC\'s file when the NIC is bad', () => {
    expectHybridError(() => planHotplug("<domain type='kvm'><name>x</name></domain>", intel, nic), 'XML_WRONG_ROOT');
    expect(expectHybridError(() => planHotplug(bare, intel, '<interface', { deviceFile: 'nic.xml' }), 'XML_MALFORMED').file).toBe('nic.xml');
  });

  it('names the bad NIC as the file\'s device, not by a place among the guest\'s devices', () => {
    const e = expectHybridError(() => planHotplug(bare, intel, "<interface type='hostdev-hybrid'>\n  <source network='nope'/>\n</interface>", { deviceFile: 'nic.xml' }), 'POOL_UNKNOWN');
    expect(e.message).toContain("the new device <interface type='hostdev-hybrid'>: network 'nope'");
    expect(e.message).not.toContain('device #');
    expect([e.file, e.line]).toEqual(['nic.xml', 1]);
  });
});

describe('live plans, further', () => {
  it('name themselves when given something that is not a Host', () => {
    expect(() => planRepair(degraded, {} as Host)).toThrow(/^planRepair expects a Host/);
    expect(() => planHotplug(running, {} as Host, '<interface/>')).toThrow(/^planHotplug expects a Host/);
  });

  it('hot-plug refuses a root that is not <domain>, even with <devices>', () => {
    expectHybridError(() => planHotplug('<network><devices/></network>', intel, "<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>"), 'XML_WRONG_ROOT');
  });

  it('repair re-attaches at the recorded guest address, which stays reserved', () => {
    const plan = planRepair(degraded, cx5);
    const guestAddresses = plan.attach.map((d) => /<address type='pci'[^>]*\/>\s*<\/interface>/.exec(d.xml)![0]);
    expect(new Set(guestAddresses).size).toBe(4);
  });
});
