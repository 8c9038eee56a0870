// expandDomain at its edges: NUMA hints, the guest's own passthrough devices, ephemeral devices
// and their refusals, the hybrid entry's attributes and children, style conversion, where added
// controllers go, and MACs other domains use.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, hostFromJson, readHostSnapshot, type Host } from '../../src/index.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});

function domain(devices: string, head = '', machine = 'q35'): string {
  return `<domain type='kvm'>\n  <name>g1</name>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n${head}  <os>\n    <type arch='x86_64' machine='${machine}'>hvm</type>\n  </os>\n  <devices>\n${devices}  </devices>\n</domain>\n`;
}
const POOL = `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n`;
const vfAt = (fn: number, slot = 0x10): string => `<address type='pci' domain='0x0000' bus='0x04' slot='0x${slot.toString(16)}' function='0x${fn}'/>`;
const hostdev = (address: string, attrs = ''): string => `    <hostdev mode='subsystem' type='pci' managed='yes'${attrs}>\n      <source>\n        ${address}\n      </source>\n    </hostdev>\n`;

/** Two PFs (NUMA 0 and 1), two VFs each, one pool over both. */
function numaHost(): Host {
  const pf = (n: number) => ({ address: `0000:0${n}:00.0`, netdev: `enp${n}`, numaNode: n - 1, vfs: [`0000:0${n}:10.0`, `0000:0${n}:10.1`] });
  const pfs = [pf(1), pf(2)];
  return hostFromJson({
    version: 1, pfs, vfs: pfs.flatMap((p) => p.vfs.map((address) => ({ address, pf: p.address }))),
    pools: [{ name: 'sriov-pool', mode: 'hostdev-hybrid', ephemeral: false, managed: true, pfs: ['enp1', 'enp2'], vfs: pfs.flatMap((p) => p.vfs) }],
    otherNetworks: [], domains: [],
  });
}

describe('NUMA', () => {
  it('<numatune> naming one node steers the VFs there; a node set does not', () => {
    const vfs = (head: string): string[] => expandDomain(domain(POOL + POOL, head), numaHost()).pairs.map((p) => p.vf);
    // Without a hint the first pair's node becomes the hint for the rest.
    expect(vfs('')).toEqual(['0000:01:10.0', '0000:01:10.1']);
    expect(vfs("  <numatune>\n    <memory mode='strict' nodeset='1'/>\n  </numatune>\n")).toEqual(['0000:02:10.0', '0000:02:10.1']);
    for (const nodeset of ['0-1', '1,0', 'x1', '1x']) {
      expect(vfs(`  <numatune>\n    <memory nodeset='${nodeset}'/>\n  </numatune>\n`), nodeset).toEqual(['0000:01:10.0', '0000:01:10.1']);
    }
    expect(vfs("  <numatune>\n    <memnode cellid='0' nodeset='1'/>\n  </numatune>\n")).toEqual(['0000:01:10.0', '0000:01:10.1']);
  });

  it('without <numatune>, later pairs follow the first pair\'s node', () => {
    const explicit = `    <interface type='hostdev-hybrid'>\n      <source>\n        <address type='pci' domain='0x0000' bus='0x02' slot='0x10' function='0x1'/>\n      </source>\n    </interface>\n`;
    expect(expandDomain(domain(explicit + POOL), numaHost()).pairs.map((p) => p.vf)).toEqual(['0000:02:10.1', '0000:02:10.0']);
  });
});

describe('the guest\'s own devices', () => {
  it('a VF the guest already passes through is never given to a pair', () => {
    for (const own of [hostdev(vfAt(2)), `    <interface type='hostdev'>\n      <mac address='52:54:00:00:00:01'/>\n      <source>\n        ${vfAt(2)}\n      </source>\n    </interface>\n`]) {
      const r = expandDomain(domain(own + POOL + POOL + POOL), intel);
      expect(r.pairs.map((p) => p.vf)).not.toContain('0000:04:10.2');
    }
  });

  it('an alias like a pair half\'s makes the next pair take the next number', () => {
    const taken = `    <interface type='network'>\n      <source network='default'/>\n      <alias name='ua-hybrid0-backup'/>\n    </interface>\n`;
    expect(expandDomain(domain(taken + POOL), intel).pairs[0]!.name).toBe('ua-hybrid1');
  });

  it('a MAC another domain on the host uses is avoided when generated, and warned about when given', () => {
    const first = expandDomain(domain(POOL), intel).pairs[0]!.mac;
    const h = structuredClone(intel);
    h.domains.push({ name: 'twin', pciDevices: [], macs: [first] });
    const again = expandDomain(domain(POOL), h);
    expect(again.pairs[0]!.mac).not.toBe(first);
    expect(again.warnings.map((w) => w.code)).toEqual(['MAC_POSITIONAL']);
    const given = expandDomain(domain(POOL.replace("<source network='sriov-pool'/>", `<mac address='${first}'/>\n      <source network='sriov-pool'/>`)), h);
    expect(given.pairs[0]!.mac).toBe(first);
    expect(given.warnings).toEqual([{
      code: 'MAC_IN_USE_ON_HOST', severity: 'warning', alias: 'ua-hybrid0', message: `ua-hybrid0: MAC ${first} is also used by another domain on this host`,
    }]);
  });

  it('a second entry with a pair\'s MAC is refused, naming the pair', () => {
    const mac = "      <mac address='52:54:00:00:00:01'/>\n";
    const twice = POOL.replace("<source network='sriov-pool'/>", `${mac.trim()}\n      <source network='sriov-pool'/>`);
    expect(expectHybridError(() => expandDomain(domain(twice + twice), intel), 'DUPLICATE_MAC').message).toContain("already used by pair 'ua-hybrid0'");
  });

  it('an expanded domain with a new entry keeps its earlier pairs in the metadata', () => {
    const once = expandDomain(domain(POOL), intel).xml;
    const twice = expandDomain(once.replace('  </devices>', `${POOL}  </devices>`), intel);
    expect(twice.pairs.map((p) => p.name)).toEqual(['ua-hybrid1']);
    expect([...twice.xml.matchAll(/<hh:pair name='([^']+)'/g)].map((m) => m[1])).toEqual(['ua-hybrid0', 'ua-hybrid1']);
  });
});

describe('ephemeral devices', () => {
  it('a plain VF: claimed once, aliased and addressed; the same VF twice or one another domain holds is refused', () => {
    const r = expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'")), intel);
    expect(r.ephemeral).toEqual([expect.objectContaining({ alias: 'ua-ephemeral0', device: 'hostdev', source: '0000:04:10.6' })]);
    expect(expectHybridError(() => expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'").repeat(2)), intel), 'VF_TAKEN').message).toContain('twice');
    expect(expectHybridError(() => expandDomain(domain(hostdev(vfAt(0), " ephemeral='yes'")), intel), 'VF_TAKEN').message).toContain("'web1'");
  });

  it('refuses a USB hostdev and a PCI one without a source address', () => {
    const usb = "    <hostdev mode='subsystem' type='usb' ephemeral='yes'>\n      <source>\n        <vendor id='0x1234'/>\n        <product id='0x5678'/>\n      </source>\n    </hostdev>\n";
    expectHybridError(() => expandDomain(domain(usb), intel), 'UNSUPPORTED_ELEMENT');
    expectHybridError(() => expandDomain(domain("    <hostdev mode='subsystem' type='pci' ephemeral='yes'>\n      <source/>\n    </hostdev>\n"), intel), 'MISSING_ELEMENT');
  });

  it('refuses a guest address that cannot be hot-unplugged; takes one that can', () => {
    const at = (slot: string): string => hostdev(vfAt(6), " ephemeral='yes'").replace('    </hostdev>', `      <address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>\n    </hostdev>`);
    expectHybridError(() => expandDomain(domain(at('0x02'), '', 'pc-i440fx-7.2'), intel), 'GUEST_ADDRESS_NOT_HOTPLUGGABLE');
    expect(expandDomain(domain(at('0x05'), '', 'pc-i440fx-7.2'), intel).ephemeral[0]!.guestAddress).toBe('0000:00:05.0');
  });

  it('an ephemeral interface on a hostdev pool gets a VF, managed=\'yes\' unless it says otherwise', () => {
    const h = structuredClone(intel);
    h.pools.push({ name: 'vf-pool', mode: 'hostdev', ephemeral: true, managed: true, pfs: [], vfs: ['0000:04:11.4', '0000:04:11.5'] });
    const iface = (attrs = ''): string => `    <interface type='network'${attrs}>\n      <source network='vf-pool'/>\n    </interface>\n`;
    const r = expandDomain(domain(iface()), h);
    expect(r.ephemeral).toEqual([expect.objectContaining({ device: 'interface', pool: 'vf-pool', source: '0000:04:11.4' })]);
    expect(r.xml).toContain("<interface type='hostdev' managed='yes'>");
    expect(expandDomain(domain(iface(" managed='no'")), h).xml).toContain("<interface type='hostdev' managed='no'>");
    const explicit = iface().replace("<source network='vf-pool'/>", `<source network='vf-pool'>\n        ${vfAt(5, 0x11)}\n      </source>`);
    expect(expandDomain(domain(explicit), h).ephemeral[0]!.source).toBe('0000:04:11.5');
  });

  it('only ephemeral=\'no\' entries: the attribute goes and nothing else is looked at, not even clashing addresses', () => {
    const clash = `    <interface type='network'>\n      <source network='default'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n    </interface>\n`;
    const r = expandDomain(domain(clash + clash + hostdev(vfAt(6), " ephemeral='no'")), intel);
    expect(r.xml).not.toContain('ephemeral');
    expect(r.ephemeral).toEqual([]);
    expectHybridError(() => expandDomain(domain(clash + clash + hostdev(vfAt(6), " ephemeral='yes'")), intel), 'GUEST_ADDRESS_CONFLICT');
  });
});

describe('the hybrid entry', () => {
  const entry = (attrs: string, children = ''): string => `    <interface type='hostdev-hybrid'${attrs}>\n      <source network='sriov-pool'/>\n${children}    </interface>\n`;

  it('managed= is yes or no, and goes to the VF half', () => {
    expectHybridError(() => expandDomain(domain(entry(" managed='maybe'")), intel), 'INVALID_ATTRIBUTE');
    expect(expandDomain(domain(entry(" managed='no'")), intel).xml).toContain("<interface type='hostdev' managed='no'>");
  });

  it('refuses a <source> that names nothing, a <mac> without address, an alias libvirt would refuse, a model given twice', () => {
    expectHybridError(() => expandDomain(domain("    <interface type='hostdev-hybrid'>\n      <source/>\n    </interface>\n"), intel), 'MISSING_ELEMENT');
    expectHybridError(() => expandDomain(domain(entry('', '      <mac/>\n')), intel), 'MISSING_ELEMENT');
    for (const alias of ['xua-a', 'ua-a!', 'ua-']) expectHybridError(() => expandDomain(domain(entry('', `      <alias name='${alias}'/>\n`)), intel), 'INVALID_ALIAS');
    expectHybridError(() => expandDomain(domain(entry('', "      <model type='e1000e'/>\n      <backup>\n        <model type='rtl8139'/>\n      </backup>\n")), intel), 'UNSUPPORTED_ELEMENT');
  });

  it('lays out each half\'s children in libvirt\'s order; what goes to both is a copy of its own', () => {
    const children = "      <rom bar='off'/>\n      <boot order='1'/>\n      <link state='up'/>\n      <driver name='vfio'/>\n      <tune>\n        <sndbuf>1600</sndbuf>\n      </tune>\n      <coalesce>\n        <rx>\n          <frames max='7'/>\n        </rx>\n      </coalesce>\n      <target dev='hh0'/>\n      <bandwidth>\n        <inbound average='1000'/>\n      </bandwidth>\n      <virtualport type='802.1Qbh'>\n        <parameters profileid='p'/>\n      </virtualport>\n      <vlan>\n        <tag id='7'/>\n      </vlan>\n";
    const xml = expandDomain(domain(entry('', children)), intel).xml;
    const halves = [...xml.matchAll(/    <interface type='(hostdev|direct)'[\s\S]*?\n    <\/interface>/g)].map((m) => m[0]);
    const order = (half: string): string[] => [...half.matchAll(/^ {6}<(\w+)/gm)].map((m) => m[1]!);
    expect(order(halves[0]!)).toEqual(['mac', 'source', 'vlan', 'virtualport', 'driver', 'alias', 'rom', 'address']);
    expect(order(halves[1]!)).toEqual(['mac', 'source', 'virtualport', 'target', 'model', 'bandwidth', 'tune', 'link', 'coalesce', 'boot', 'alias', 'address']);
    for (const half of halves) expect(half).toContain("      <virtualport type='802.1Qbh'>\n        <parameters profileid='p'/>\n      </virtualport>\n");
  });
});

describe('style conversion and added controllers', () => {
  it('an expanded domain asked for the other style converts and reports nothing new', () => {
    const bond = expandDomain(domain(POOL), intel).xml;
    const r = expandDomain(bond, intel, { style: 'teaming' });
    expect(r).toMatchObject({ pairs: [], ephemeral: [], warnings: [], addedControllers: [] });
    expect(r.xml).toContain("<teaming type='persistent'/>");
    expect(r.xml).toContain("style='teaming'");
    expect(expandDomain(bond, intel, { style: 'bond' }).xml).toBe(bond);
    expect(expandDomain(r.xml, intel, { style: 'bond' }).xml).toBe(bond);
  });

  it('refuses to team on pc or with a backup that is not virtio; a degraded pair converts on its backup', () => {
    const pcBond = expandDomain(domain(POOL, '', 'pc-i440fx-7.2'), intel).xml;
    expectHybridError(() => expandDomain(pcBond, intel, { style: 'teaming' }), 'TEAMING_UNSUPPORTED');
    const e1000 = expandDomain(domain(POOL.replace("<source network='sriov-pool'/>", "<source network='sriov-pool'/>\n      <model type='e1000e'/>")), intel).xml;
    expectHybridError(() => expandDomain(e1000, intel, { style: 'teaming' }), 'TEAMING_UNSUPPORTED');
    // The same checks when the entry is expanded straight into teaming: a given model must be virtio.
    const withModel = (model: string): string => domain(POOL.replace("<source network='sriov-pool'/>", `<source network='sriov-pool'/>\n      <model type='${model}'/>`));
    expectHybridError(() => expandDomain(withModel('e1000e'), intel, { style: 'teaming' }), 'TEAMING_UNSUPPORTED');
    expect(expandDomain(withModel('virtio'), intel, { style: 'teaming' }).xml).toContain("<teaming type='persistent'/>");
    expect(expandDomain(withModel('e1000e'), intel, { style: 'bond' }).xml).toContain("<model type='e1000e'/>");
    const degraded = expandDomain(domain(POOL), intel).xml.replace(/    <interface type='hostdev'[\s\S]*?<\/interface>\n/, '');
    expect(expandDomain(degraded, intel, { style: 'teaming' }).xml).toContain("<teaming type='persistent'/>");
  });

  it('teaming a pc guest with no pairs is no error', () => {
    expect(() => expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'"), '', 'pc-i440fx-7.2'), intel, { style: 'teaming' })).not.toThrow();
  });

  it('added root ports go after the last controller, else after the disks, else first', () => {
    const where = (devices: string): string[] => {
      const xml = expandDomain(domain(devices), intel).xml;
      return [...xml.slice(xml.indexOf('<devices>')).matchAll(/^ {4}<(\w+)/gm)].map((m) => m[1]!);
    };
    const disk = "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n    <disk type='file' device='disk'>\n      <source file='/x.img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n";
    const usb = "    <controller type='usb' index='0' model='qemu-xhci'/>\n";
    const net = "    <interface type='network'>\n      <source network='default'/>\n    </interface>\n";
    expect(where(net + POOL)).toEqual(['controller', 'controller', 'interface', 'interface', 'interface']);
    expect(where(disk + net + POOL)).toEqual(['emulator', 'disk', 'controller', 'controller', 'interface', 'interface', 'interface']);
    expect(where(disk.replace('    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n', '') + net + POOL)).toEqual(['disk', 'controller', 'controller', 'interface', 'interface', 'interface']);
    expect(where(net + usb + POOL)).toEqual(['interface', 'controller', 'controller', 'controller', 'interface', 'interface']);
  });
});

describe('further edges', () => {
  it('<backup> holds only <address> and <model>', () => {
    const entry = POOL.replace("<source network='sriov-pool'/>", "<source network='sriov-pool'/>\n      <backup>\n        <target dev='x'/>\n      </backup>");
    expectHybridError(() => expandDomain(domain(entry), intel), 'UNSUPPORTED_ELEMENT');
  });

  it('a domain with only ephemeral devices in its metadata is not restyled', () => {
    const once = expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'")), intel).xml;
    expect(expandDomain(once, intel, { style: 'teaming' }).xml).toBe(once);
  });

  it('two ephemeral interfaces on one pool get two VFs', () => {
    const h = structuredClone(intel);
    h.pools.push({ name: 'vf-pool', mode: 'hostdev', ephemeral: true, managed: true, pfs: [], vfs: ['0000:04:11.4', '0000:04:11.5'] });
    const iface = "    <interface type='network'>\n      <source network='vf-pool'/>\n    </interface>\n";
    expect(expandDomain(domain(iface + iface), h).ephemeral.map((e) => e.source)).toEqual(['0000:04:11.4', '0000:04:11.5']);
  });

  it('an ephemeral device gets its alias before <rom> and <address>, and an interface a MAC no one uses', () => {
    const withRom = hostdev(vfAt(6), " ephemeral='yes'").replace('    </hostdev>', "      <rom bar='off'/>\n    </hostdev>");
    expect(expandDomain(domain(withRom), intel).xml).toMatch(/<alias name='ua-ephemeral0'\/>\n\s*<rom bar='off'\/>/);
    const nic = `    <interface type='hostdev' ephemeral='yes'>\n      <source>\n        ${vfAt(6)}\n      </source>\n    </interface>\n`;
    const first = /<mac address='([^']+)'/.exec(expandDomain(domain(nic), intel).xml)![1]!;
    const h = structuredClone(intel);
    h.domains.push({ name: 'twin', pciDevices: [], macs: [first] });
    expect(expandDomain(domain(nic), h).xml).not.toContain(first);
    const taken = expandDomain(domain(POOL + nic), intel);
    expect(new Set([...taken.xml.matchAll(/<mac address='([^']+)'/g)].map((m) => m[1])).size).toBe(2);
  });
});

describe('last edges', () => {
  it('a NUMA node of two digits is a node (here one with no VF: the pairs spread)', () => {
    const vfs = expandDomain(domain(POOL + POOL, "  <numatune>\n    <memory nodeset='10'/>\n  </numatune>\n"), numaHost()).pairs.map((p) => p.vf);
    expect(vfs).toEqual(['0000:01:10.0', '0000:02:10.0']);
  });

  it('an expanded domain with a new entry keeps its ephemeral records', () => {
    const once = expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'")), intel).xml;
    const twice = expandDomain(once.replace('  </devices>', `${POOL}  </devices>`), intel).xml;
    expect(twice).toContain("<hh:ephemeral alias='ua-ephemeral0' device='hostdev' source='0000:04:10.6'/>");
  });

  it('ephemeral=\'no\' devices are not held to hot-plug rules; a pool interface\'s own address is', () => {
    const fixed = hostdev(vfAt(6), " ephemeral='no'").replace('    </hostdev>', "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n    </hostdev>");
    expect(() => expandDomain(domain(POOL + fixed, '', 'pc-i440fx-7.2'), intel)).not.toThrow();
    const h = structuredClone(intel);
    h.pools.push({ name: 'vf-pool', mode: 'hostdev', ephemeral: true, managed: true, pfs: [], vfs: ['0000:04:11.4'] });
    const iface = "    <interface type='network'>\n      <source network='vf-pool'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n    </interface>\n";
    expectHybridError(() => expandDomain(domain(iface, '', 'pc-i440fx-7.2'), h), 'GUEST_ADDRESS_NOT_HOTPLUGGABLE');
  });

  it('added ports go after the emulator when there is no controller and no disk', () => {
    const xml = expandDomain(domain("    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n" + POOL), intel).xml;
    expect([...xml.slice(xml.indexOf('<devices>')).matchAll(/^ {4}<(\w+)/gm)].map((m) => m[1])).toEqual(['emulator', 'controller', 'controller', 'interface', 'interface']);
  });

  it('a teamed guest converts to bond on pc and with a non-virtio backup', () => {
    const teamed = expandDomain(domain(POOL), intel, { style: 'teaming' }).xml;
    for (const odd of [teamed.replace("machine='q35'", "machine='pc-i440fx-7.2'"), teamed.replace("<model type='virtio'/>", "<model type='e1000e'/>")]) {
      expect(odd).not.toBe(teamed);
      expect(expandDomain(odd, intel, { style: 'bond' }).xml).not.toContain('<teaming');
    }
  });

  it('an ephemeral VF the host lists as this domain\'s own is its own; one pool VF asked for twice is refused', () => {
    const h = structuredClone(intel);
    h.domains.push({ name: 'g1', pciDevices: ['0000:04:10.6'], macs: [] });
    // (A host is read once: its pools are all there before its first use.)
    h.pools.push({ name: 'vf-pool', mode: 'hostdev', ephemeral: true, managed: true, pfs: [], vfs: ['0000:04:11.4', '0000:04:11.5'] });
    expect(expandDomain(domain(hostdev(vfAt(6), " ephemeral='yes'")), h).ephemeral[0]!.source).toBe('0000:04:10.6');
    const explicit = `    <interface type='network'>\n      <source network='vf-pool'>\n        ${vfAt(4, 0x11)}\n      </source>\n    </interface>\n`;
    expectHybridError(() => expandDomain(domain(explicit + explicit), h), 'VF_TAKEN');
  });
});

describe('a tab-indented input', () => {
  const tabbed = (entry: string): string => `<domain type='kvm'>\n\t<name>t</name>\n\t<metadata>\n\t\t<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n\t\t\t<libosinfo:os id='http://debian.org/debian/12'/>\n\t\t</libosinfo:libosinfo>\n\t</metadata>\n\t<os>\n\t\t<type arch='x86_64' machine='q35'>hvm</type>\n\t</os>\n\t<devices>\n${entry}\t</devices>\n</domain>\n`;
  const mixed = (xml: string): string[] => xml.split('\n').filter((l) => /^\t* +/.test(l) || / \t/.test(l.slice(0, l.length - l.trimStart().length)));

  it.each([
    ['an entry over several lines', "\t\t<interface type='hostdev-hybrid'>\n\t\t\t<source network='sriov-pool'/>\n\t\t\t<vlan>\n\t\t\t\t<tag id='42'/>\n\t\t\t</vlan>\n\t\t</interface>\n"],
    ['an entry on one line', "\t\t<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>\n"],
  ])('gets what expansion inserts indented with tabs alone: %s', (_, entry) => {
    for (const style of ['bond', 'teaming'] as const) {
      const out = expandDomain(tabbed(entry), readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576')), { style }).xml;
      expect(out).toContain('\t\t\t<hh:pair ');
      expect(mixed(out), style).toEqual([]);
    }
  });
});
