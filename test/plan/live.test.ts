// Repair, hot-plug and unplug beyond their golden cases: which VF a repair takes as the host
// fills up, and which devices an unplug finds by which alias.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planHotplug, planRepair, planUnplug, readHostSnapshot, type Host } from '../../src/index.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';

const cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
const running = fixture('cases', 'unplug-pair', 'input.xml');

/** cx5 with one more domain holding these VFs. */
function holding(vfs: string[]): Host {
  const host = structuredClone(cx5);
  host.domains.push({ name: 'other', pciDevices: vfs, macs: [] });
  return host;
}
const ens1f0 = cx5.pfs.find((p) => p.netdev === 'ens1f0')!.vfs;
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
    const host = holding(ens1f0);
    const pool = host.pools.find((p) => p.name === 'sriov-pool')!;
    pool.pfs.push('ens1f1');
    pool.vfs.push(...host.pfs.find((p) => p.netdev === 'ens1f1')!.vfs);
    const plan = planRepair(degraded, host);
    expect(plan.allocations.every((a) => a.to.pf === 'ens1f1')).toBe(true);
    const w = plan.warnings.filter((x) => x.code === 'REPAIR_OTHER_PF');
    expect(w).toHaveLength(4);
    expect(w[0]!.message).toContain('ens1f0');
    expect(w[0]!.alias).toBe('ua-hybrid0');
  });

  it('with the pool full, refuses', () => {
    expectHybridError(() => planRepair(degraded, holding(ens1f0)), 'POOL_EXHAUSTED');
  });

  it('attaches each new VF half at its recorded guest address, then sets the metadata', () => {
    const plan = planRepair(degraded, cx5);
    expect(plan.steps.map((s) => s.action)).toEqual(['attach', 'attach', 'attach', 'attach', 'metadata']);
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
    expect(plan.steps.map((s) => s.action)).toEqual(['detach', 'wait-detached', 'detach', 'metadata']);
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
    expect(plan.commands.slice(0, 2).every((c) => c.endsWith('--live --config'))).toBe(true);
  });

  it('refuses what is not one hybrid interface', () => {
    expectHybridError(() => planHotplug(guest, intel, "<hostdev mode='subsystem' type='pci'/>"), 'XML_WRONG_ROOT');
    expectHybridError(() => planHotplug(guest, intel, "<interface type='bridge'><source bridge='br0'/></interface>"), 'UNSUPPORTED_ELEMENT');
    expectHybridError(() => planHotplug('<network><name>n</name></network>', intel, nic), 'XML_WRONG_ROOT');
    expect(() => planHotplug(guest, {} as Host, nic)).toThrow(TypeError);
  });
});
