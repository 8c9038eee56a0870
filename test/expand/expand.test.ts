import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDomain, collapseDomain, expandDomain, hostFromXml, readHostSnapshot, serializeXml, parseXml, type Host } from '../../src/index.js';
import { readdirSync, readFileSync } from 'node:fs';
import { stableMac } from '../../src/libvirt/mac.js';
import { deviceList, domainRoot } from '../../src/libvirt/domain.js';
import { firstChild, getAttribute } from '../../src/xml/edit.js';
import { readNetwork } from '../../src/host/network.js';
import { rootElement } from '../../src/xml/tree.js';
import { expectHybridError, fixture, fixtureNames, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});

function q35(devices: string, name = 'g1', uuid = '11111111-2222-3333-4444-555555555555'): string {
  return `<domain type='kvm'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
${devices}  </devices>
</domain>
`;
}
const POOL = `    <interface type='hostdev-hybrid'>
      <source network='sriov-pool'/>
    </interface>
`;

describe('expandDomain', () => {
  it('returns a domain with nothing to expand byte for byte, whatever its layout', () => {
    for (const name of fixtureNames('xml', 'roundtrip').filter((n) => n.startsWith('domain-'))) {
      const xml = fixture('xml', 'roundtrip', name);
      expect(expandDomain(xml, intel).xml).toBe(xml);
    }
  });

  it('gives the same MAC every time, and another to another domain', () => {
    const a = expandDomain(q35(POOL), intel).pairs[0]!.mac;
    expect(expandDomain(q35(POOL), intel).pairs[0]!.mac).toBe(a);
    expect(expandDomain(q35(POOL, 'g2', '99999999-2222-3333-4444-555555555555'), intel).pairs[0]!.mac).not.toBe(a);
    // An unrelated device added before the entry does not move the MAC.
    const nic = `    <interface type='bridge'>\n      <source bridge='br0'/>\n    </interface>\n`;
    expect(expandDomain(q35(nic + POOL), intel).pairs[0]!.mac).toBe(a);
  });

  it('generated MACs skip taken ones and stay in 52:54:00', () => {
    const first = stableMac('seed', new Set());
    expect(first).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    const second = stableMac('seed', new Set([first]));
    expect(second).not.toBe(first);
    expect(stableMac('seed', new Set([first]))).toBe(second);
  });

  it('is a fixed point: expanding its own output changes nothing, and collapse then expand gives the same bytes', () => {
    const once = expandDomain(q35(POOL + POOL), intel).xml;
    expect(expandDomain(once, intel).xml).toBe(once);
    expect(expandDomain(collapseDomain(once), intel).xml).toBe(once);
  });

  it('never changes its inputs', () => {
    const before = JSON.stringify(intel);
    const xml = q35(POOL);
    expandDomain(xml, intel);
    expect(JSON.stringify(intel)).toBe(before);
  });

  it('names pairs uniquely around existing aliases', () => {
    const taken = `    <interface type='bridge'>\n      <source bridge='br0'/>\n      <alias name='ua-hybrid0-vf'/>\n    </interface>\n`;
    expect(expandDomain(q35(taken + POOL), intel).pairs[0]!.name).toBe('ua-hybrid1');
  });

  it('uses a VLAN device template', () => {
    const vlan = POOL.replace('    </interface>', "      <vlan>\n        <tag id='7'/>\n      </vlan>\n    </interface>");
    expect(expandDomain(q35(vlan), intel, { vlanDevice: 'v{vlan}-{pf}' }).pairs[0]!.backupDev).toBe('v7-enp4s0f0');
    expectHybridError(() => expandDomain(q35(vlan), intel, { vlanDevice: 'averyveryverylong-{pf}.{vlan}' }), 'INVALID_ATTRIBUTE');
    expectHybridError(() => expandDomain(q35(vlan), intel, { vlanDevice: 'novlan' }), 'INVALID_ATTRIBUTE');
  });

  const entry = (inner: string, attrs = ''): string => `    <interface type='hostdev-hybrid'${attrs}>\n      <source network='sriov-pool'/>\n${inner}    </interface>\n`;
  it.each([
    ['an alias without ua-', entry("      <alias name='wan'/>\n"), 'INVALID_ALIAS'],
    ['two entries with one alias', entry("      <alias name='ua-x'/>\n") + entry("      <alias name='ua-x'/>\n"), 'DUPLICATE_ALIAS'],
    ['a multicast MAC', entry("      <mac address='01:00:5e:00:00:01'/>\n"), 'INVALID_MAC'],
    ['a malformed MAC', entry("      <mac address='52:54:00:zz:00:01'/>\n"), 'INVALID_MAC'],
    ['two entries with one MAC', entry("      <mac address='52:54:00:00:00:01'/>\n") + entry("      <mac address='52:54:00:00:00:01'/>\n"), 'DUPLICATE_MAC'],
    ['a VLAN out of range', entry("      <vlan>\n        <tag id='4096'/>\n      </vlan>\n"), 'INVALID_VLAN'],
    ['a negative VLAN', entry("      <vlan>\n        <tag id='-1'/>\n      </vlan>\n"), 'INVALID_VLAN'],
    ['a VLAN trunk', entry("      <vlan trunk='yes'>\n        <tag id='1'/>\n        <tag id='2'/>\n      </vlan>\n"), 'INVALID_VLAN'],
    ['an openvswitch virtualport', entry("      <virtualport type='openvswitch'/>\n"), 'UNSUPPORTED_ELEMENT'],
    ['an unknown child', entry("      <filterref filter='clean-traffic'/>\n"), 'UNSUPPORTED_ELEMENT'],
    ['a teaming element', entry("      <teaming type='persistent'/>\n"), 'UNSUPPORTED_ELEMENT'],
    ['an unknown attribute', entry('', " trust='yes'"), 'UNSUPPORTED_ELEMENT'],
    ['managed=maybe', entry('', " managed='maybe'"), 'INVALID_ATTRIBUTE'],
    ['a guest address on another device\'s slot', entry("      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n") +
      `    <controller type='pci' index='1' model='pcie-root-port'/>\n    <disk type='file' device='disk'>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n    </disk>\n`, 'GUEST_ADDRESS_CONFLICT'],
    ['a guest address on a bus without controller', entry("      <address type='pci' domain='0x0000' bus='0x09' slot='0x00' function='0x0'/>\n"), 'GUEST_ADDRESS_CONFLICT'],
    ['a guest PCI slot out of range', entry("      <address type='pci' domain='0x0000' bus='0x01' slot='0x20' function='0x0'/>\n"), 'INVALID_PCI_ADDRESS'],
    ['a guest address that is not PCI', entry("      <address type='drive' controller='0' bus='0' unit='0'/>\n"), 'INVALID_PCI_ADDRESS'],
    ['a VF address without a slot', `    <interface type='hostdev-hybrid'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x04' function='0x2'/>\n      </source>\n    </interface>\n`, 'INVALID_PCI_ADDRESS'],
    ['a PCI controller index out of range', `    <controller type='pci' index='999' model='pcie-root-port'/>\n` + POOL, 'INVALID_ATTRIBUTE'],
    ['a VLAN with nativeMode', entry("      <vlan>\n        <tag id='5' nativeMode='tagged'/>\n      </vlan>\n"), 'INVALID_VLAN'],
    ['a backup on its VF half\'s slot', entry("      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n      <backup>\n        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>\n      </backup>\n") +
      `    <controller type='pci' index='1' model='pcie-root-port'/>\n`, 'GUEST_ADDRESS_CONFLICT'],
    ['a negative guest PCI bus', entry("      <address type='pci' domain='0x0000' bus='-1' slot='0x00' function='0x0'/>\n"), 'INVALID_PCI_ADDRESS'],
    ['a PCI function out of range', entry("      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x8'/>\n"), 'INVALID_PCI_ADDRESS'],
    ['a guest address in octal-looking decimal', entry("      <address type='pci' domain='0x0000' bus='01' slot='0x00' function='0x0'/>\n"), 'INVALID_PCI_ADDRESS'],
    ['a VF outside the named pool', `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'>\n        <address type='pci' domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n    </interface>\n`, 'UNKNOWN_DEVICE'],
    ['<backup> outside a hybrid entry', `    <interface type='bridge'>\n      <source bridge='br0'/>\n      <backup/>\n    </interface>\n`, 'UNSUPPORTED_ELEMENT'],
    ['ephemeral on a bridge interface', `    <interface type='bridge' ephemeral='yes'>\n      <source bridge='br0'/>\n    </interface>\n`, 'UNSUPPORTED_ELEMENT'],
    ['ephemeral=maybe', `    <hostdev mode='subsystem' type='pci' ephemeral='maybe'>\n      <source>\n        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n    </hostdev>\n`, 'INVALID_ATTRIBUTE'],
    ['an unknown pool', `    <interface type='hostdev-hybrid'>\n      <source network='nope'/>\n    </interface>\n`, 'POOL_UNKNOWN'],
  ])('refuses %s', (_what, devices, code) => {
    expectHybridError(() => expandDomain(q35(devices as string), intel), code as Parameters<typeof expectHybridError>[1]);
  });

  it('refuses a VF that is in the host but not in the named pool', () => {
    const cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
    const outside = `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'>\n        <address type='pci' domain='0x0000' bus='0x81' slot='0x05' function='0x0'/>\n      </source>\n    </interface>\n`;
    expectHybridError(() => expandDomain(q35(outside), cx5), 'VF_NOT_IN_POOL');
  });

  it('converts an expanded domain to the other style and back, VFs, MACs and addresses kept', () => {
    const bond = expandDomain(q35(POOL), intel).xml;
    const teamed = expandDomain(bond, intel, { style: 'teaming' });
    expect(teamed.xml).toBe(expandDomain(q35(POOL), intel, { style: 'teaming' }).xml);
    expect(expandDomain(teamed.xml, intel, { style: 'bond' }).xml).toBe(bond);
    expect(expandDomain(bond, intel).xml).toBe(bond); // no style asked: nothing to do
    // New entries join the domain's own style unless another is asked for.
    const more = teamed.xml.replace('  </devices>', POOL + '  </devices>');
    expect(expandDomain(more, intel).xml).toContain("<teaming type='transient' persistent='ua-hybrid1-backup'/>");
    expectHybridError(() => expandDomain(expandDomain(q35(POOL).replace("machine='q35'", "machine='pc'"), intel).xml, intel, { style: 'teaming' }), 'TEAMING_UNSUPPORTED');
  });

  it('gives an ephemeral interface without a MAC a stable one, an alias and a hotpluggable address', () => {
    const dev = `    <interface type='hostdev' managed='yes' ephemeral='yes'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x04' slot='0x11' function='0x4'/>\n      </source>\n    </interface>\n`;
    const a = expandDomain(q35(dev), intel);
    expect(a.ephemeral).toEqual([{ alias: 'ua-ephemeral0', device: 'interface', source: '0000:04:11.4', guestAddress: '0000:01:00.0' }]);
    const mac = /<mac address='([^']+)'\/>/.exec(a.xml)![1];
    expect(mac).toMatch(/^52:54:00:/);
    expect(expandDomain(q35(dev), intel).xml).toBe(a.xml);
    expect(collapseDomain(a.xml)).toContain(`<mac address='${mac}'/>`);
  });

  it('drops ephemeral=\'no\' and leaves the device as it is', () => {
    const dev = `    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='no'>\n      <source>\n        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n    </hostdev>\n`;
    expect(expandDomain(q35(dev), intel).xml).toBe(q35(dev.replace(" ephemeral='no'", '')));
  });

  it('refuses an unknown style, a wrong root and arguments of the wrong type', () => {
    expectHybridError(() => expandDomain(q35(POOL), intel, { style: 'mesh' as 'bond' }), 'INVALID_ATTRIBUTE');
    expectHybridError(() => expandDomain('<network><name>n</name></network>', intel), 'XML_WRONG_ROOT');
    expect(() => expandDomain(42 as unknown as string, intel)).toThrow(/^expandDomain expects/);
  });
});

describe('collapseDomain', () => {
  it('returns a domain without our metadata unchanged', () => {
    const xml = fixture('xml', 'roundtrip', 'domain-q35-dumpxml.xml');
    expect(collapseDomain(xml)).toBe(xml);
  });

  it('finds the metadata under any prefix, with double quotes as libvirt writes it', () => {
    const out = expandDomain(q35(POOL), intel).xml;
    const relabelled = out.replaceAll('hh:', 'x:').replace('xmlns:hh=', 'xmlns:x=').replaceAll("'", '"');
    expect(collapseDomain(relabelled)).toContain("<interface type='hostdev-hybrid' managed='yes'>");
    expect(checkDomain(relabelled)).toEqual([]);
  });

  it('refuses metadata that names a device the domain lacks', () => {
    const out = expandDomain(q35(POOL), intel).xml;
    const doc = parseXml(out.replace("<alias name='ua-hybrid0-backup'/>", "<alias name='ua-gone'/>"));
    expectHybridError(() => collapseDomain(serializeXml(doc)), 'METADATA_INVALID');
  });

  it('refuses malformed metadata', () => {
    const out = expandDomain(q35(POOL), intel).xml;
    expectHybridError(() => collapseDomain(out.replace(/ vf-index='\d+'/, " vf-index='x'")), 'METADATA_INVALID');
    expectHybridError(() => collapseDomain(out.replace(" style='bond'", " style='mesh'")), 'METADATA_INVALID');
    expectHybridError(() => collapseDomain(out.replace(/ mac='[^']*'/, '')), 'METADATA_INVALID');
  });
});

describe('running XML', () => {
  it('a console that mirrors the first serial (same alias, same address) is one device: collapse then expand works', () => {
    const running = fixture('cases', 'plan-migrate-running-dumpxml', 'input.xml');
    expect(running).toContain("<console type='pty' tty='/dev/pts/3'>");
    const collapsed = collapseDomain(running);
    const again = expandDomain(collapsed, intel);
    expect(again.pairs.map((p) => [p.name, p.vf, p.mac])).toEqual([['ua-hybrid0', '0000:04:10.2', '52:54:00:97:2f:17']]);
    // A virtio console is a device of its own: sharing the serial's alias is a real duplicate.
    const virtio = collapsed.replace("<target type='serial' port='0'/>", "<target type='virtio' port='0'/>");
    expect(virtio).not.toBe(collapsed);
    expectHybridError(() => expandDomain(virtio, intel), 'DUPLICATE_ALIAS');
  });
});

describe('teaming placement (QEMU fails over only PCIe primaries)', () => {
  it('puts each VF half alone on a pcie-root-port, never on pcie-root, never beside its backup', () => {
    const three = POOL + POOL + POOL;
    const r = expandDomain(q35(three), intel, { style: 'teaming' });
    const root = domainRoot(parseXml(r.xml));
    const controllers = new Map(deviceList(root).filter((d) => d.name === 'controller' && getAttribute(d, 'type') === 'pci').map((d) => [Number(getAttribute(d, 'index')), getAttribute(d, 'model')]));
    const buses = r.pairs.map((p) => Number.parseInt(p.vfGuestAddress.slice(5, 7), 16));
    for (const [i, p] of r.pairs.entries()) {
      expect(controllers.get(buses[i]!), `${p.name}'s VF half bus`).toBe('pcie-root-port');
      expect(p.vfGuestAddress.endsWith(':00.0')).toBe(true);
      expect(p.vfGuestAddress.slice(0, 7)).not.toBe(p.backupGuestAddress.slice(0, 7));
    }
    // No two devices share a VF half's port.
    const onPorts = deviceList(root).filter((d) => {
      const a = firstChild(d, 'address');
      return d.name !== 'controller' && a && getAttribute(a, 'type') === 'pci' && buses.includes(Number(getAttribute(a, 'bus')));
    });
    expect(onPorts).toHaveLength(r.pairs.length);
    expectHybridError(() => expandDomain(q35(POOL.replace('</interface>', "  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n    </interface>")), intel, { style: 'teaming' }), 'GUEST_ADDRESS_NOT_HOTPLUGGABLE');
  });
});

describe('guest PCI space', () => {
  it('adds root ports past every bus an explicit address names, even one no controller lists', () => {
    const nic = `    <interface type='bridge'>\n      <source bridge='br0'/>\n      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>\n    </interface>\n`;
    const r = expandDomain(q35(nic + POOL), intel);
    expect(r.addedControllers).toEqual([4, 5]);
    expect(r.pairs[0]!.vfGuestAddress).toBe('0000:04:00.0');
  });
});

describe('what expand says about what it did not do', () => {
  let x710!: Host;
  beforeEach(() => {
    x710 = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-x710'));
  });
  const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml');

  it('a type neither libvirt nor the dialect knows is refused by expand and an error of check, with the nearest name', () => {
    const typo = dialect.replace("<interface type='hostdev-hybrid'>", "<interface type='hostdev-hybird'>");
    expect(typo).not.toBe(dialect);
    const e = expectHybridError(() => expandDomain(typo, intel), 'UNKNOWN_TYPE');
    expect(e.message).toContain("type 'hostdev-hybird' is neither libvirt's nor the dialect's (did you mean 'hostdev-hybrid'?)");
    expect(e.line).toBe(typo.slice(0, typo.indexOf('hostdev-hybird')).split('\n').length);
    const found = checkDomain(typo, intel).filter((d) => d.code === 'UNKNOWN_TYPE');
    expect(found.map((d) => [d.severity, d.message])).toEqual([['error', e.message.replace(/^.*?: (?=<interface)/, '')]]);
    const hostdev = dialect.replace('</devices>', "  <hostdev mode='subsystem' type='pcie' managed='yes'><source><address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source></hostdev>\n  </devices>");
    expect(expectHybridError(() => expandDomain(hostdev, intel), 'UNKNOWN_TYPE').message).toContain("did you mean 'pci'?");
    // Every type libvirt knows passes without a word.
    expect(expandDomain(dialect, intel).warnings.map((w) => w.code)).not.toContain('UNKNOWN_TYPE');
  });

  it('a pool whose forward mode is misspelt is refused when the snapshot is read', () => {
    const e = expectHybridError(() => readNetwork(rootElement(parseXml("<network><name>p</name><forward mode='hostdev-hybird'><pf dev='eth3'/></forward></network>")), 'network/p.xml'), 'INVALID_ATTRIBUTE');
    expect(e.message).toContain("did you mean 'hostdev-hybrid'?");
  });

  it('an expanded domain expanded again for another host changes nothing, and says so; on its own host it says nothing', () => {
    const expanded = expandDomain(dialect, intel);
    expect(expanded.changed).toBe(true);
    const again = expandDomain(expanded.xml, x710);
    expect([again.changed, again.xml === expanded.xml]).toEqual([false, true]);
    expect(again.warnings.map((w) => w.code)).toEqual(['ALREADY_EXPANDED']);
    expect(again.warnings[0]!.message).toMatch(/ua-hybrid0 uses VF 0000:04:1\d\.\d on enp4s0f\d, which this host's snapshot does not have; .*hostdev-hybrid plan/);
    const home = expandDomain(expanded.xml, intel);
    expect([home.changed, home.warnings]).toEqual([false, []]);
  });
});

describe('generated MACs and names of unnamed hybrid NICs', () => {
  const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml');
  const entry = /    <interface type='hostdev-hybrid'>[\s\S]*?<\/interface>\n/.exec(dialect)![0];

  it('follow from the place among unnamed NICs, and each such pair is reported with the fix', () => {
    const one = expandDomain(dialect, intel);
    const two = expandDomain(dialect.replace(entry, entry + entry), intel);
    const inserted = two.pairs[1]!;
    // The first pair's MAC is what the single NIC had: a newcomer before it would have taken it.
    expect(two.pairs[0]!.mac).toBe(one.pairs[0]!.mac);
    const w = two.warnings.filter((x) => x.code === 'MAC_POSITIONAL');
    expect(w.map((x) => x.alias)).toEqual(['ua-hybrid0', 'ua-hybrid1']);
    expect(w[1]!.message).toContain(`write <mac address='${inserted.mac}'/> or <alias name='ua-hybrid1'/> into the entry`);
  });

  it('an alias makes the MAC its own, wherever the entry is: no report', () => {
    const named = entry.replace('</interface>', "  <alias name='ua-web'/>\n    </interface>");
    const alone = expandDomain(dialect.replace(entry, named), intel);
    const after = expandDomain(dialect.replace(entry, entry + named), intel);
    expect(after.pairs.find((p) => p.name === 'ua-web')!.mac).toBe(alone.pairs[0]!.mac);
    expect(alone.warnings.filter((x) => x.code === 'MAC_POSITIONAL')).toEqual([]);
    expect(after.warnings.filter((x) => x.code === 'MAC_POSITIONAL').map((x) => x.alias)).toEqual(['ua-hybrid0']);
  });
});

describe('an entry that names a pool and a VF outside it', () => {
  let cx5!: Host;
  beforeEach(() => {
    cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
  });
  const guest = (nic: string): string => `<domain type='kvm'><name>g</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${nic}</devices></domain>`;
  const sriovVf = "<address type='pci' domain='0x0000' bus='0x81' slot='0x00' function='0x3'/>";

  it('is refused alike for a hybrid pair and an ephemeral pool interface (VF_NOT_IN_POOL)', () => {
    const e = expectHybridError(() => expandDomain(guest(`<interface type='network'><source network='fast-lane'>${sriovVf}</source></interface>`), cx5), 'VF_NOT_IN_POOL');
    expect(e.message).toContain("VF 0000:81:00.3 is not in network 'fast-lane'");
    const inPool = "<address type='pci' domain='0x0000' bus='0x81' slot='0x04' function='0x3'/>";
    expect(expandDomain(guest(`<interface type='network'><source network='fast-lane'>${inPool}</source></interface>`), cx5).xml).toContain("pool='fast-lane'");
  });
});

describe('a pool libvirt stores: a mode=\'hostdev\' network (docs/HOOK.md)', () => {
  it('serves the hybrid entries that name it as a hostdev-hybrid pool would: the same pairs', () => {
    const network = (mode: string): string => `<network>\n  <name>sriov-pool</name>\n  <forward mode='${mode}' managed='yes'>\n    <pf dev='enp4s0f0'/>\n  </forward>\n</network>\n`;
    const nodedevs = readdirSync(join(FIXTURES, 'hosts', 'intel-82576', 'nodedev')).map((f) => readFileSync(join(FIXTURES, 'hosts', 'intel-82576', 'nodedev', f), 'utf8'));
    const dialect = fixture('cases', 'expand-q35-pool-bond', 'input.xml');
    const pairs = (mode: string) => expandDomain(dialect, hostFromXml({ nodedevs, networks: [network(mode)] })).pairs.map(({ vf, pfDev, backupDev }) => ({ vf, pfDev, backupDev }));
    expect(pairs('hostdev')).toEqual(pairs('hostdev-hybrid'));
    expect(pairs('hostdev')).toHaveLength(1);
  });
});
