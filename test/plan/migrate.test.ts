// planMigration beyond its golden cases: the pieces' text, degraded and ephemeral-only guests,
// teaming on the wrong machine, and save-restore moving the configuration along.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, planMigration, planRepair, readHostSnapshot, type Host } from '../../src/index.js';
import { DEST_URI, expectHybridError, fixture, FIXTURES } from '../helpers.js';

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
const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
const app3 = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');

describe('planMigration', () => {
  it('refuses what is not XML text or not a host, as a programmer error', () => {
    expect(() => planMigration(42 as unknown as string, intel, x710, { destUri: DEST_URI })).toThrow(/^planMigration expects/);
    expect(() => planMigration(guest, {} as Host, x710, { destUri: DEST_URI })).toThrow(/planMigration/);
    expect(() => planMigration(guest, intel, {} as Host, { destUri: DEST_URI })).toThrow(/planMigration/);
  });

  it('a piece is its device shifted left as a file of its own; odd indentation is left as it is', () => {
    const vf = planMigration(guest, intel, x710, { destUri: DEST_URI }).detach[0]!.xml;
    expect(vf.split('\n').at(-1)).toBe('</interface>');
    expect(vf.split('\n')[1]).toMatch(/^ {2}<mac /);
    const odd = guest.replace(/(<interface type='hostdev'[^>]*>\n)\s*(<mac )/, '$1$2');
    expect(odd).not.toBe(guest);
    const piece = planMigration(odd, intel, x710, { destUri: DEST_URI }).detach[0]!.xml;
    expect(piece.split('\n')[1]).toMatch(/^<mac /);
    expect(piece.split('\n').at(-1)).toBe('    </interface>');
    const flat = guest.replace(/>\n\s*</g, '><');
    expect(planMigration(flat, intel, x710, { destUri: DEST_URI }).detach[0]!.xml).not.toContain('\n');
  });

  it('a degraded pair whose metadata lacks its guest address cannot get its VF half back', () => {
    const lost = degraded.replace(/ vf-guest='0000:01:00.0'/, '');
    expect(lost).not.toBe(degraded);
    expect(expectHybridError(() => planMigration(lost, cx5, intel, { destUri: DEST_URI }), 'METADATA_INVALID').message).toContain('vf-guest');
    expectHybridError(() => planRepair(lost, cx5), 'METADATA_INVALID');
  });

  it('a rebuilt VF half takes an 802.1Qbh profile from its backup, never an 802.1Qbg one', () => {
    const half = (xml: string): string => planMigration(xml, cx5, intel, { destUri: DEST_URI }).attach.find((d) => d.alias === 'ua-backend-vf')!.xml;
    expect(half(degraded)).toContain("<virtualport type='802.1Qbh'>");
    const qbg = degraded.replace("<virtualport type='802.1Qbh'>\n        <parameters profileid='finance'/>", "<virtualport type='802.1Qbg'>\n        <parameters managerid='1' typeid='2' typeidversion='3' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>");
    expect(qbg).not.toBe(degraded);
    expect(half(qbg)).not.toContain('virtualport');
  });

  it('an ephemeral device the metadata records but the guest lacks is warned about, not moved', () => {
    const plan = planMigration(degraded, cx5, intel, { destUri: DEST_URI });
    expect(plan.warnings.filter((w) => w.code === 'PAIR_DEVICE_MISSING').map((w) => w.alias)).toEqual(['ua-ephemeral0']);
    expect(plan.attach.map((d) => d.alias)).not.toContain('ua-ephemeral0');
  });

  it('a guest with only an ephemeral device still records it in the metadata', () => {
    const dialect = `<domain type='kvm'>\n  <name>eph</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>\n      <source>\n        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n    </hostdev>\n  </devices>\n</domain>\n`;
    const plan = planMigration(expandDomain(dialect, intel).xml, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } });
    expect(plan.metadataXml).toContain("<ephemeral alias='ua-ephemeral0' device='hostdev' source='0000:ca:00.0'/>");
    expect(plan.attach.map((d) => d.role)).toEqual(['ephemeral']);
  });

  it('an empty metadata element gives no metadata to set', () => {
    const empty = "<metadata>\n    <hh:hybrid xmlns:hh='https://hostdev-hybrid.dev/xmlns/1.0' version='1' style='bond'/>\n  </metadata>";
    const plain = guest.replace(/<metadata>[\s\S]*<\/metadata>/, empty).replace(/    <interface type='hostdev'[\s\S]*?<\/interface>\n/g, '');
    expect(planMigration(plain, intel, x710, { destUri: DEST_URI }).metadataXml).toBeUndefined();
  });

  it('refuses a teamed guest on a pc machine, but not one without pairs', () => {
    const teamed = fixture('cases', 'plan-migrate-teaming-q35', 'input.xml');
    const onPc = teamed.replace(/machine='[^']*q35[^']*'/, "machine='pc-i440fx-7.2'");
    expect(onPc).not.toBe(teamed);
    const e = expectHybridError(() => planMigration(onPc, intel, cx5, { destUri: DEST_URI }), 'TEAMING_UNSUPPORTED');
    expect(e.message).toMatch(/^domain '[^']+': teaming needs a q35 guest: .*; move it to q35 or use bond style$/);
  });

  it('checks room for the save image only when the guest says how much memory it has', () => {
    const withMemory = planMigration(app3, intel, intel, { operation: 'save-restore' });
    expect(withMemory.steps.filter((s) => s.description.includes('free for the guest'))).toHaveLength(1);
    const noMemory = app3.replace(/ *<memory[^>]*>[^<]*<\/memory>\n/, '').replace(/ *<currentMemory[^>]*>[^<]*<\/currentMemory>\n/, '');
    expect(noMemory).not.toContain('<memory');
    expect(planMigration(noMemory, intel, intel, { operation: 'save-restore' }).steps.filter((s) => s.description.includes('free for the guest'))).toHaveLength(0);
  });

  it('checks room in the save file\'s folder, the root folder included', () => {
    const room = (saveFile: string): string[] =>
      planMigration(app3, intel, intel, { operation: 'save-restore', saveFile }).steps.filter((s) => s.description.includes('free for the guest')).map((s) => s.description.split(' ')[0]!);
    expect(room('/srv/images/app3.img')).toEqual(['/srv/images']);
    expect(room('/app3.img')).toEqual(['/']);
  });

  it('save-restore moves the configuration along when any device changed, and only then', () => {
    const stays = planMigration(app3, intel, intel, { operation: 'save-restore' });
    expect(stays.commands.some((c) => c.includes('--config'))).toBe(false);
    const one = planMigration(app3, intel, intel, { operation: 'save-restore', claimed: ['0000:04:10.2'] });
    expect(one.allocations.filter((a) => a.from?.vf !== a.to.vf).map((a) => a.alias)).toEqual(['ua-hybrid0']);
    const config = one.steps.filter((s) => s.command.includes('--config'));
    expect(config.map((s) => s.action)).toEqual(['detach', 'detach', 'detach', 'detach', 'detach', 'attach', 'attach', 'attach', 'attach', 'attach', 'metadata']);
    expect(config.every((s) => s.host === 'destination')).toBe(true);
    expect(config.at(-1)!.command).toContain(`--key hh --set "$(cat metadata.xml)" --config`);
  });

  it('a teamed pc guest without pairs plans', () => {
    const dialect = `<domain type='kvm'>\n  <name>t</name>\n  <os>\n    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>\n  </os>\n  <devices>\n    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>\n      <source>\n        <address domain='0x0000' bus='0x04' slot='0x10' function='0x6'/>\n      </source>\n    </hostdev>\n  </devices>\n</domain>\n`;
    const teamed = expandDomain(dialect, intel, { style: 'teaming' }).xml;
    expect(teamed).toContain("style='teaming'");
    expect(planMigration(teamed, intel, x710, { destUri: DEST_URI, pciMap: { '0000:04:10.6': x710.pools[0]!.vfs[0]! } }).style).toBe('teaming');
  });

  it('a pair half without a MAC is refused as the metadata not matching', () => {
    const noMac = guest.replace(/(<interface type='direct'>\n)\s*<mac [^>]*\/>\n/, '$1');
    expect(noMac).not.toBe(guest);
    expect(expectHybridError(() => planMigration(noMac, intel, x710, { destUri: DEST_URI }), 'METADATA_INVALID').message).toContain('(none)');
  });
});
