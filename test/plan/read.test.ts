// How planning reads a domain: what kind of XML it is, how pair halves are found, and which
// passed-through devices pin the guest.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { planMigration, readHostSnapshot, type Host } from '../../src/index.js';
import { DEST_URI, expectHybridError, fixture, FIXTURES } from '../helpers.js';

const host = (name: string): Host => readHostSnapshot(join(FIXTURES, 'hosts', name));
// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
let x710!: Host;
beforeEach(() => {
  intel = host('intel-82576');
  x710 = host('intel-x710');
});
// An expanded inactive definition (no <cpu>): one bond pair, ua-hybrid0.
const guest = fixture('cases', 'expand-q35-pool-bond', 'expected.xml');
const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml');
const withCpu = (cpu: string): string => guest.replace('  <devices>', `  ${cpu}\n  <devices>`);

describe('what the input is', () => {
  it.each([
    ['no <cpu>: a definition', guest, 'inactive'],
    ["<cpu mode='host-model'>: a definition libvirt has not expanded", withCpu("<cpu mode='host-model'/>"), 'inactive'],
    ['<cpu> without a mode (custom): migratable XML', withCpu("<cpu><model>Skylake-Server</model></cpu>"), 'migratable'],
    ["<cpu mode='host-passthrough'>: migratable XML", withCpu("<cpu mode='host-passthrough'/>"), 'migratable'],
    ["id=: live XML", guest.replace("<domain type='kvm'>", "<domain type='kvm' id='7'>"), 'running'],
    ['the dialect', dialect, 'dialect'],
  ])('%s', (_what, xml, kind) => {
    expect(planMigration(xml, intel, x710, { destUri: DEST_URI }).input).toBe(kind);
  });

  it('the caller can say what it is', () => {
    expect(planMigration(guest, intel, x710, { destUri: DEST_URI, input: 'migratable' }).input).toBe('migratable');
  });

  it('dialect input is expanded in the style asked for', () => {
    expect(planMigration(dialect, intel, x710, { destUri: DEST_URI }).style).toBe('bond');
    const q35 = host('mellanox-cx5');
    expect(planMigration(dialect, intel, q35, { destUri: DEST_URI, style: 'teaming' }).style).toBe('teaming');
  });

  it('a VLAN pair in the dialect gets its backup on the VLAN device named by the template asked for', () => {
    const vlan = dialect.replace("<source network='sriov-pool'/>", "<source network='sriov-pool'/>\n      <vlan>\n        <tag id='42'/>\n      </vlan>");
    expect(vlan).not.toBe(dialect);
    const plan = planMigration(vlan, intel, x710, { destUri: DEST_URI, vlanDevice: 'v{vlan}-{pf}' });
    expect(plan.allocations[0]!.to.backupDev).toBe(`v42-${plan.allocations[0]!.to.pf}`);
  });

  it('a domain without our metadata plans nothing, in the style asked for', () => {
    const plain = guest.replace(/  <metadata>[\s\S]*<\/metadata>\n/, '').replace(/    <interface type='hostdev'[\s\S]*?<\/interface>\n/g, '');
    expect(plain).not.toContain('hh:');
    const plan = planMigration(plain, intel, x710, { destUri: DEST_URI, style: 'teaming' });
    expect(plan.allocations).toEqual([]);
    expect(plan.style).toBe('teaming');
    expect(planMigration(plain, intel, x710, { destUri: DEST_URI }).style).toBe('bond');
  });
});

describe('finding the halves', () => {
  it('matches MACs whatever their case', () => {
    const upper = guest.replaceAll(/<mac address='([^']+)'/g, (_m, mac: string) => `<mac address='${mac.toUpperCase()}'`);
    expect(upper).not.toBe(guest);
    expect(planMigration(upper, intel, x710, { destUri: DEST_URI }).allocations).toHaveLength(1);
  });

  it('the first device with an alias is the one: a later namesake changes nothing', () => {
    const twin = "    <interface type='network'>\n      <mac address='52:54:00:00:00:99'/>\n      <source network='default'/>\n      <alias name='ua-hybrid0-backup'/>\n    </interface>\n  </devices>";
    expect(planMigration(guest.replace('  </devices>', twin), intel, x710, { destUri: DEST_URI }).allocations).toHaveLength(1);
    // First in the document, the namesake is taken for the half, and its MAC gives it away.
    const first = guest.replace('  <devices>\n', `  <devices>\n${twin.replace('  </devices>', '')}`);
    expectHybridError(() => planMigration(first, intel, x710, { destUri: DEST_URI }), 'METADATA_INVALID');
  });

  it('an <interface type=\'hostdev\'> that is no pair half pins the guest; other interfaces do not', () => {
    const vf = "    <interface type='hostdev' managed='yes'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x04' slot='0x11' function='0x5'/>\n      </source>\n    </interface>\n  </devices>";
    expect(expectHybridError(() => planMigration(guest.replace('  </devices>', vf), intel, x710, { destUri: DEST_URI }), 'MIGRATION_BLOCKED').message).toContain("<interface type='hostdev'>");
    const net = "    <interface type='network'>\n      <source network='default'/>\n    </interface>\n  </devices>";
    expect(() => planMigration(guest.replace('  </devices>', net), intel, x710, { destUri: DEST_URI })).not.toThrow();
  });
});
