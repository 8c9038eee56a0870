import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDomain, expandDomain, planMigration, readHostSnapshot, type DiagnosticCode, type Host } from '../../src/index.js';
import { DEST_URI, expectHybridError, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});
const domain = (style: 'bond' | 'teaming'): string => expandDomain(`<domain type='kvm'>
  <name>c1</name>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <interface type='hostdev-hybrid'>
      <source network='sriov-pool'/>
    </interface>
    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>
      <source>
        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
  </devices>
</domain>
`, intel, { style }).xml;

const codes = (xml: string, host = intel): DiagnosticCode[] => checkDomain(xml, host).map((d) => d.code);

describe('checkDomain finds each problem it names', () => {
  it('a clean expansion, in both styles, has none', () => {
    expect(codes(domain('bond'))).toEqual([]);
    expect(codes(domain('teaming'))).toEqual([]);
  });

  it.each<[DiagnosticCode, 'bond' | 'teaming', (x: string) => string]>([
    ['TEAMING_MISSING', 'teaming', (x) => x.replace("      <teaming type='persistent'/>\n", '')],
    ['BACKUP_NOT_VIRTIO', 'teaming', (x) => x.replace("<model type='virtio'/>", "<model type='e1000e'/>")],
    ['PAIR_SAME_SLOT', 'bond', (x) => x.replace(/(<alias name='ua-hybrid0-backup'\/>\n\s*<address type='pci' domain='0x0000' bus=)'0x02' slot='0x00' function='0x0'/, "$1'0x01' slot='0x00' function='0x1'")],
    ['PAIR_DEVICE_MISSING', 'bond', (x) => x.replace("<alias name='ua-hybrid0-backup'/>", "<alias name='ua-renamed'/>")],
    ['PAIR_DEVICE_MISSING', 'bond', (x) => x.replace("<alias name='ua-ephemeral0'/>", "<alias name='ua-renamed'/>")],
    ['NO_GUEST_ADDRESS', 'bond', (x) => x.replace(/(<alias name='ua-ephemeral0'\/>\n)\s*<address[^>]*\/>\n/, '$1')],
    ['VF_NOT_ON_HOST', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x04' slot='0x10' function='0x0'")],
    ['VF_NOT_ON_HOST', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x09' slot='0x10' function='0x0'")],
    ['DIALECT_LEFT', 'bond', (x) => x.replace("<hostdev mode='subsystem' type='pci' managed='yes'>", "<hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>")],
    ['MIGRATION_BLOCKER', 'bond', (x) => x.replace(/\s*<hh:ephemeral [^>]*\/>/, '')],
  ])('%s', (code, style, breakIt) => {
    const broken = breakIt(domain(style));
    expect(broken).not.toBe(domain(style)); // the edit must have applied
    expect(codes(broken)).toContain(code);
  });

  it('reports dialect still present in an unexpanded domain, pools included when a host is given', () => {
    const raw = `<domain><name>r</name><devices><interface type='network'><source network='sriov-pool'/></interface><interface type='hostdev-hybrid'><source network='sriov-pool'/><backup/></interface></devices></domain>`;
    expect(codes(raw)).toEqual(['DIALECT_LEFT', 'DIALECT_LEFT']);
    expect(checkDomain(raw).map((d) => d.code)).toEqual(['DIALECT_LEFT']);
  });
});

describe('programmer errors', () => {
  it('checkDomain and readHostSnapshot refuse what is not a string, naming themselves', () => {
    expect(() => checkDomain(42 as unknown as string)).toThrow(/^checkDomain expects/);
    expect(() => readHostSnapshot(42 as unknown as string)).toThrow(/^readHostSnapshot expects/);
  });
});

describe('each diagnostic: its severity, the device it names and where it starts', () => {
  type Row = [string, 'bond' | 'teaming', (x: string) => string, [string, string, string | undefined][]];
  const vfHalf = /    <interface type='hostdev'[\s\S]*?<\/interface>\n/;
  const rows: Row[] = [
    ['teaming without <teaming>', 'teaming', (x) => x.replace("      <teaming type='persistent'/>\n", ''), [['error', 'TEAMING_MISSING', 'ua-hybrid0']]],
    ['a VF half teamed to another backup', 'teaming', (x) => x.replace("persistent='ua-hybrid0-backup'", "persistent='ua-other'"), [['error', 'TEAMING_MISSING', 'ua-hybrid0']]],
    ['teaming with an e1000e backup', 'teaming', (x) => x.replace("<model type='virtio'/>", "<model type='e1000e'/>"), [['error', 'BACKUP_NOT_VIRTIO', 'ua-hybrid0']]],
    ['teaming on pc', 'teaming', (x) => x.replace("machine='q35'", "machine='pc'"), [['error', 'TEAMING_ON_PC', 'ua-hybrid0']]],
    ['halves in one slot', 'bond', (x) => x.replace(/(<alias name='ua-hybrid0-backup'\/>\n\s*<address type='pci' domain='0x0000' bus=)'0x02' slot='0x00' function='0x0'/, "$1'0x01' slot='0x00' function='0x1'"), [['error', 'PAIR_SAME_SLOT', 'ua-hybrid0']]],
    ['a missing backup', 'bond', (x) => x.replace("<alias name='ua-hybrid0-backup'/>", "<alias name='ua-renamed'/>"), [['error', 'PAIR_DEVICE_MISSING', 'ua-hybrid0'], ['error', 'MIGRATION_BLOCKER', 'ua-hybrid0-vf']]],
    ['a missing ephemeral device', 'bond', (x) => x.replace("<alias name='ua-ephemeral0'/>", "<alias name='ua-renamed'/>"), [['error', 'PAIR_DEVICE_MISSING', 'ua-ephemeral0'], ['error', 'MIGRATION_BLOCKER', 'ua-renamed']]],
    ['a degraded pair', 'bond', (x) => x.replace(vfHalf, ''), [['warning', 'PAIR_DEGRADED', 'ua-hybrid0']]],
    ['halves with two MACs', 'bond', (x) => x.replace(/(<interface type='hostdev'[^>]*>\n\s*<mac address=')[^']+/, '$152:54:00:00:00:01'), [['error', 'PAIR_MAC_MISMATCH', 'ua-hybrid0']]],
    ['halves with two MACs that differ only in case', 'bond', (x) => x.replace(/(<interface type='hostdev'[^>]*>\n\s*<mac address=')([^']+)/, (_m, a: string, mac: string) => a + mac.toUpperCase()), []],
    ['both halves on one MAC that is not the pair\'s (plans refuse it)', 'bond', (x) => x.replace(/(<mac address=')52:54:00:[0-9a-f:]+(')/g, '$152:54:00:00:00:01$2'), [['error', 'PAIR_MAC_MISMATCH', 'ua-hybrid0']]],
    ['a VF half without a MAC', 'bond', (x) => x.replace(/(<interface type='hostdev'[^>]*>\n)\s*<mac [^>]*\/>\n/, '$1'), [['error', 'PAIR_MAC_MISMATCH', 'ua-hybrid0']]],
    ['a backup on the other PF', 'bond', (x) => x.replace("<source dev='enp4s0f0' mode='bridge'/>", "<source dev='enp4s0f1' mode='bridge'/>"), [['error', 'BACKUP_PF_MISMATCH', 'ua-hybrid0']]],
    ['a VF half on pcie-root', 'bond', (x) => x.replace(/(<alias name='ua-hybrid0-vf'\/>\n\s*<address type='pci' domain='0x0000') bus='0x01' slot='0x00'/, "$1 bus='0x00' slot='0x03'"), [['error', 'NOT_HOTPLUGGABLE', 'ua-hybrid0-vf']]],
    ['an ephemeral device without a guest address', 'bond', (x) => x.replace(/(<alias name='ua-ephemeral0'\/>\n)\s*<address[^>]*\/>\n/, '$1'), [['warning', 'NO_GUEST_ADDRESS', 'ua-ephemeral0']]],
    ['dialect left', 'bond', (x) => x.replace("<hostdev mode='subsystem' type='pci' managed='yes'>", "<hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>"), [['error', 'DIALECT_LEFT', 'ua-ephemeral0']]],
    ['a passthrough device that is neither', 'bond', (x) => x.replace(/\s*<hh:ephemeral [^>]*\/>/, ''), [['error', 'MIGRATION_BLOCKER', 'ua-ephemeral0']]],
    ['a VF another domain holds', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x04' slot='0x10' function='0x0'"), [['error', 'VF_NOT_ON_HOST', 'ua-hybrid0']]],
    ['a VF the host does not have', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x09' slot='0x10' function='0x0'"), [['error', 'VF_NOT_ON_HOST', 'ua-hybrid0']]],
    ['a VF the host does not have, in the metadata and on the device: said once', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x09' slot='0x10' function='0x0'").replace("vf='0000:04:10.2'", "vf='0000:09:10.0'"), [['error', 'VF_NOT_ON_HOST', 'ua-hybrid0']]],
    ['a VF half without a guest address (no slot to compare)', 'bond', (x) => x.replace(/(<alias name='ua-hybrid0-vf'\/>\n)\s*<address[^>]*\/>\n/, '$1'), [['warning', 'NO_GUEST_ADDRESS', 'ua-hybrid0-vf']]],
  ];
  it.each(rows)('%s', (_what, style, breakIt, expected) => {
    const broken = breakIt(domain(style));
    expect(broken).not.toBe(domain(style));
    const got = checkDomain(broken, intel);
    expect(got.map((d) => [d.severity, d.code, d.alias])).toEqual(expected);
    for (const d of got) expect(d.line === undefined || d.line > 1).toBe(true);
  });

  it('points a pair\'s diagnostic at its VF half, else its backup', () => {
    const x = domain('bond');
    const line = (alias: string): number => x.slice(0, x.indexOf(`<alias name='${alias}'/>`)).split('\n').findLastIndex((l) => l.startsWith('    <interface')) + 1;
    const mismatch = x.replace(/(<interface type='hostdev'[^>]*>\n\s*<mac address=')[^']+/, '$152:54:00:00:00:01');
    expect(checkDomain(mismatch, intel)[0]!.line).toBe(line('ua-hybrid0-vf'));
    expect(checkDomain(x.replace(vfHalfRe, ''), intel)[0]!.line).toBe(line('ua-hybrid0-vf'));
    expect(checkDomain(domain('bond').replace(/(<alias name='ua-ephemeral0'\/>\n)\s*<address[^>]*\/>\n/, '$1'), intel)[0]).toMatchObject({ alias: 'ua-ephemeral0', line: expect.any(Number), column: 5 });
  });

  it('without a host, a backup off the PF its metadata records is caught all the same', () => {
    const broken = domain('bond').replace("<source dev='enp4s0f0' mode='bridge'/>", "<source dev='enp4s0f1' mode='bridge'/>");
    expect(checkDomain(broken).map((d) => d.code)).toEqual(['BACKUP_PF_MISMATCH']);
    expect(checkDomain(domain('bond'))).toEqual([]);
  });

  it('with a host, reports what plan would refuse from the same domain and host: a recorded VF the host lacks', () => {
    const xml = domain('bond');
    const vf = /vf='([^']+)'/.exec(xml)![1]!;
    const elsewhere = xml.replace(`vf='${vf}'`, "vf='0000:99:10.0'");
    expect(codes(elsewhere)).toContain('VF_NOT_ON_HOST');
    expectHybridError(() => planMigration(elsewhere, intel, readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5')), { destUri: DEST_URI }), 'UNKNOWN_DEVICE');
  });

  it('with a host, a pair\'s MAC another domain uses there is warned, as expand warns', () => {
    const xml = domain('bond');
    const mac = /mac='([^']+)'/.exec(xml)![1]!;
    const owner = intel.domains[0]!;
    const taken = { ...intel, domains: [...intel.domains.slice(1), { ...owner, macs: [...(owner.macs ?? []), mac] }] };
    const found = checkDomain(xml, taken).filter((d) => d.code === 'MAC_IN_USE_ON_HOST');
    expect(found.map((d) => d.severity)).toEqual(['warning']);
    expect(found[0]!.message).toContain(`used by domain '${owner.name}'`);
  });

  it('a domain whose VF half has no host address is not checked against the host', () => {
    const noSource = domain('bond').replace(/(<interface type='hostdev'[^>]*>\n\s*<mac [^>]*\/>\n)\s*<source>[\s\S]*?<\/source>\n/, '$1');
    expect(noSource).not.toBe(domain('bond'));
    expect(codes(noSource)).toEqual([]);
  });

  it('the host\'s warnings are reported where they touch the domain\'s pools', () => {
    const withPools = (...pools: [string, string[]][]): typeof intel => {
      const h = structuredClone(intel);
      for (const [name, vfs] of pools) h.pools.push({ name, mode: 'hostdev-hybrid', ephemeral: false, managed: true, pfs: [], vfs });
      return h;
    };
    const touching = checkDomain(domain('bond'), withPools(['another-pool', ['0000:04:11.5']]));
    expect(touching.map((d) => [d.severity, d.code])).toEqual([['warning', 'POOL_OVERLAP']]);
    expect(checkDomain(domain('bond'), withPools(['p1', ['0000:09:00.0']], ['p2', ['0000:09:00.0']]))).toEqual([]);
  });
});
const vfHalfRe = /    <interface type='hostdev'[\s\S]*?<\/interface>\n/;

describe('check, last edges', () => {
  const plain = (devices: string): string => `<domain type='kvm'>\n  <name>p</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n${devices}  </devices>\n</domain>\n`;
  it.each([
    ["<interface type='hostdev-hybrid'>", "    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n", 'intel', ['DIALECT_LEFT']],
    ['ephemeral= on a hostdev outside the metadata', "    <hostdev mode='subsystem' type='pci' ephemeral='yes'>\n      <source>\n        <address domain='0x0000' bus='0x04' slot='0x10' function='0x6'/>\n      </source>\n    </hostdev>\n", 'intel', ['DIALECT_LEFT']],
    ['a network interface on a hybrid pool, with the host', "    <interface type='network'>\n      <source network='sriov-pool'/>\n    </interface>\n", 'intel', ['DIALECT_LEFT']],
    ['the same without a host', "    <interface type='network'>\n      <source network='sriov-pool'/>\n    </interface>\n", undefined, []],
    ['a network interface on another network', "    <interface type='network'>\n      <source network='default'/>\n    </interface>\n", 'intel', []],
    ['an <interface type=\'hostdev\'> that is neither', "    <interface type='hostdev'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x6'/>\n      </source>\n    </interface>\n", 'intel', ['MIGRATION_BLOCKER']],
  ] as const)('%s', (_what, devices, host, expected) => {
    expect(checkDomain(plain(devices), host && intel).map((d) => d.code)).toEqual(expected);
  });

  it('halves with no MAC at all do not match; halves without guest addresses are not in one slot', () => {
    const x = domain('bond');
    const noMacs = x.replace(/\n\s*<mac address='[^']+'\/>/g, '');
    expect(codes(noMacs)).toContain('PAIR_MAC_MISMATCH');
    const noAddresses = x.replace(/(<alias name='ua-hybrid0-(vf|backup)'\/>)\n\s*<address [^>]*\/>/g, '$1');
    expect(codes(noAddresses)).toEqual(['NO_GUEST_ADDRESS']);
  });

  it('bond on pc is no teaming problem; a VF half teamed with the wrong type is', () => {
    const pcBond = expandDomain(`<domain type='kvm'>\n  <name>c2</name>\n  <os>\n    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>\n  </os>\n  <devices>\n    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n  </devices>\n</domain>\n`, intel).xml;
    expect(codes(pcBond)).toEqual([]);
    const wrong = domain('teaming').replace("<teaming type='transient'", "<teaming type='persistent'");
    expect(wrong).not.toBe(domain('teaming'));
    expect(codes(wrong)).toEqual(['TEAMING_MISSING']);
  });

  it('a VF the host lists as this domain\'s own is no conflict', () => {
    const h = structuredClone(intel);
    h.domains.push({ name: 'c1', pciDevices: ['0000:04:10.2'], macs: [] });
    expect(codes(domain('bond'), h)).toEqual([]);
  });
});
