import { mkdtempSync, mkdirSync, writeFileSync, cpSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { hostWarnings } from '../../src/host/check.js';
import { summarizeHost } from '../../src/host/summary.js';
import { hostFromSources } from '../../src/host/from-xml.js';
import { assertHost } from '../../src/host/model.js';
import { readNodedev } from '../../src/host/nodedev.js';
import { allocateVf, hostFromJson, hostFromXml, parseXml, readHostSnapshot, vfTopology, type Host } from '../../src/index.js';
import { rootElement } from '../../src/xml/tree.js';
import { readUtf8File } from '../../src/io.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

const INTEL = join(FIXTURES, 'hosts', 'intel-82576');
const CX5 = join(FIXTURES, 'hosts', 'mellanox-cx5');

/** The XML parts of a fixture host, as strings, for hostFromXml with edits. */
function parts(dir: string): { nodedevs: Map<string, string>; networks: Map<string, string>; domains: Map<string, string> } {
  const load = (sub: string) => new Map(readdirSync(join(dir, sub)).sort().map((f) => [f, readFileSync(join(dir, sub, f), 'utf8')]));
  return { nodedevs: load('nodedev'), networks: load('network'), domains: load('domains') };
}
function build(p: ReturnType<typeof parts>): Host {
  return hostFromXml({ nodedevs: [...p.nodedevs.values()], networks: [...p.networks.values()], domains: [...p.domains.values()] });
}

describe('topology from nodedev-dumpxml', () => {
  let intel!: Host;
  let cx5!: Host;
  beforeEach(() => {
    intel = readHostSnapshot(INTEL);
    cx5 = readHostSnapshot(CX5);
  });

  it('finds each VF\'s PF, the PF\'s netdev and the VF index (82576 interleaves its VFs)', () => {
    expect(vfTopology(intel, '0000:04:10.0')).toEqual({ vf: '0000:04:10.0', pf: '0000:04:00.0', pfNetdev: 'enp4s0f0', index: 0, numaNode: 0 });
    expect(vfTopology(intel, '0000:04:10.1')).toEqual({ vf: '0000:04:10.1', pf: '0000:04:00.1', pfNetdev: 'enp4s0f1', index: 0, numaNode: 0 });
    expect(vfTopology(intel, '0000:04:11.4')).toMatchObject({ pfNetdev: 'enp4s0f0', index: 6 });
    expect(vfTopology(cx5, '0000:81:04.1')).toEqual({ vf: '0000:81:04.1', pf: '0000:81:00.0', pfNetdev: 'ens1f0', index: 31, numaNode: 1 });
    expect(vfTopology(cx5, '0000:81:04.2')).toMatchObject({ pfNetdev: 'ens1f1', index: 0 });
  });

  it('reads virt_functions with and without maxCount', () => {
    expect(intel.pfs.map((p) => [p.address, p.maxVfs, p.vfs.length])).toEqual([['0000:04:00.0', 7, 7], ['0000:04:00.1', undefined, 7]]);
    expect(cx5.pfs.map((p) => [p.netdev, p.maxVfs, p.vfs.length])).toEqual([['ens1f0', 64, 32], ['ens1f1', 64, 32]]);
  });

  it('reads pools by <pf dev> (several PFs) and by an explicit address list; other networks are kept by name', () => {
    expect(intel.pools.map((p) => [p.name, p.mode, p.ephemeral, p.pfs, p.vfs.length])).toEqual([['sriov-pool', 'hostdev-hybrid', true, ['enp4s0f0', 'enp4s0f1'], 14]]);
    expect(cx5.pools.map((p) => [p.name, p.mode, p.ephemeral, p.vfs.length])).toEqual([['fast-lane', 'hostdev', true, 4], ['sriov-pool', 'hostdev-hybrid', true, 32]]);
    expect(cx5.otherNetworks).toEqual(['br-ext', 'default']);
  });

  it('marks the PCI devices of the host\'s domains as taken, from <interface type=hostdev> and <hostdev>', () => {
    expect(intel.domains).toEqual([
      { name: 'db1', uuid: '0b6c1f0e-2a4f-4c7e-8d1a-5e9f3b2c4d02', pciDevices: ['0000:04:10.1'], macs: [] },
      { name: 'web1', uuid: '0b6c1f0e-2a4f-4c7e-8d1a-5e9f3b2c4d01', pciDevices: ['0000:04:10.0'], macs: ['52:54:00:aa:00:01'] },
    ]);
  });

  it('an already-expanded hybrid domain (virsh dumpxml of it) takes its pairs\' VFs and its ephemeral GPU', () => {
    const p = parts(INTEL);
    p.domains.set('app3.xml', readFileSync(join(FIXTURES, 'cases', 'collapse-virsh-dumpxml', 'input.xml'), 'utf8'));
    const host = build(p);
    expect(host.domains.find((d) => d.name === 'app3')!.pciDevices.sort()).toEqual(['0000:04:10.2', '0000:04:10.3', '0000:04:10.4', '0000:04:10.5', '0000:65:00.0']);
    expect(allocateVf(host, 'sriov-pool').vf).toBe('0000:04:10.6');
  });

  it('host.json carries the same facts and is validated by its schema', () => {
    const json = JSON.parse(JSON.stringify(intel)) as Host;
    expect(hostFromJson(JSON.stringify(json))).toEqual(intel);
    const dir = mkdtempSync(join(tmpdir(), 'hh-json-'));
    writeFileSync(join(dir, 'host.json'), JSON.stringify(json));
    expect(readHostSnapshot(dir)).toEqual(intel);
  });
});

describe('host snapshot errors, each with its own code', () => {
  it('a VF whose PF is not in the snapshot', () => {
    const p = parts(INTEL);
    p.nodedevs.delete('pci_0000_04_00_0.xml');
    p.networks.delete('sriov-pool.xml'); // it names the PF's netdev, which is gone too
    const host = build(p);
    expect(expectHybridError(() => vfTopology(host, '0000:04:10.0'), 'VF_WITHOUT_PF').message).toContain('0000:04:10.0');
  });

  it('a PF without a net device', () => {
    const p = parts(INTEL);
    p.nodedevs.delete('net_enp4s0f1_00_1b_21_3c_9d_a1.xml');
    p.networks.delete('sriov-pool.xml');
    const host = build(p);
    expect(expectHybridError(() => vfTopology(host, '0000:04:10.1'), 'PF_WITHOUT_NETDEV').message).toContain('0000:04:10.1');
  });

  it('a VF claimed by two PFs', () => {
    const p = parts(INTEL);
    const pf1 = p.nodedevs.get('pci_0000_04_00_1.xml')!;
    p.nodedevs.set('pci_0000_04_00_1.xml', pf1.replace("<capability type='virt_functions'>\n", "<capability type='virt_functions'>\n      <address domain='0x0000' bus='0x04' slot='0x10' function='0x0'/>\n"));
    expect(expectHybridError(() => build(p), 'TOPOLOGY_CONFLICT').message).toMatch(/0000:04:10\.0 .*two PFs/);
  });

  it('a VF that names a PF which does not list it', () => {
    const p = parts(INTEL);
    const vf = p.nodedevs.get('pci_0000_04_10_0.xml')!;
    p.nodedevs.set('pci_0000_04_10_0.xml', vf.replace("<address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n    </capability>", "<address domain='0x0000' bus='0x04' slot='0x00' function='0x1'/>\n    </capability>"));
    expectHybridError(() => build(p), 'TOPOLOGY_CONFLICT');
  });

  it('a pool naming a PF the host does not have', () => {
    const p = parts(INTEL);
    p.networks.set('sriov-pool.xml', p.networks.get('sriov-pool.xml')!.replace('enp4s0f1', 'eth9'));
    expect(expectHybridError(() => build(p), 'POOL_MISSING_PF').message).toContain('eth9');
  });

  it('a pool naming a plain NIC (a netdev that is no SR-IOV PF) says so, and how VFs are enabled', () => {
    const p = parts(INTEL);
    p.nodedevs.set('net_eth0_52_54_00_00_00_01.xml', "<device>\n  <name>net_eth0_52_54_00_00_00_01</name>\n  <parent>pci_0000_65_00_0</parent>\n  <capability type='net'>\n    <interface>eth0</interface>\n  </capability>\n</device>\n");
    p.networks.set('sriov-pool.xml', p.networks.get('sriov-pool.xml')!.replace('enp4s0f1', 'eth0'));
    const e = expectHybridError(() => build(p), 'POOL_MISSING_PF');
    expect(e.message).toContain('eth0 is not an SR-IOV physical function');
    expect(e.message).toContain('/sys/class/net/eth0/device/sriov_numvfs');
    expect(e.message).not.toContain("add the PF's");
  });

  it('a PF whose PCI node device file is missing while its VFs name it: says the file is missing, not to enable VFs', () => {
    const p = parts(INTEL);
    p.nodedevs.delete('pci_0000_04_00_0.xml');
    const e = expectHybridError(() => build(p), 'POOL_MISSING_PF');
    expect(e.message).toContain('no pci_0000_04_00_0.xml');
    expect(e.message).toContain('Capture nodedev/ again');
    expect(e.message).not.toContain('sriov_numvfs');
  });

  it('a host without any SR-IOV PF: a NO_SRIOV_PF warning that says how VFs are enabled and captured', () => {
    const gpuOnly = hostFromXml({ nodedevs: [parts(INTEL).nodedevs.get('pci_0000_65_00_0.xml')!] });
    const w = summarizeHost(gpuOnly).warnings;
    expect(w.map((x) => x.code)).toEqual(['NO_SRIOV_PF']);
    expect(w[0]!.message).toMatch(/sriov_numvfs.*capture nodedev\/ again/);
    expect(summarizeHost(readHostSnapshot(INTEL)).warnings.map((x) => x.code)).not.toContain('NO_SRIOV_PF');
  });

  it('a VF in two pools is taken as libvirt takes it: loaded, with a POOL_OVERLAP warning', () => {
    const p = parts(INTEL);
    p.networks.set('second.xml', p.networks.get('sriov-pool.xml')!.replace('sriov-pool', 'second').replace("    <pf dev='enp4s0f0'/>\n", ''));
    const host = build(p);
    expect(host.pools.map((x) => x.name)).toEqual(['second', 'sriov-pool']);
    expect(hostWarnings(host).map((w) => w.code)).toEqual(['POOL_OVERLAP']);
    expect(hostWarnings(build(parts(INTEL)))).toEqual([]);
  });

  it('a pool listing a PF or an unknown device as a VF', () => {
    const p = parts(CX5);
    const lane = p.networks.get('fast-lane.xml')!;
    p.networks.set('fast-lane.xml', lane.replace("slot='0x04' function='0x2'", "slot='0x00' function='0x1'"));
    expectHybridError(() => build(p), 'NOT_A_VF');
    p.networks.set('fast-lane.xml', lane.replace("bus='0x81' slot='0x04' function='0x2'", "bus='0x99' slot='0x04' function='0x2'"));
    expectHybridError(() => build(p), 'UNKNOWN_DEVICE');
  });

  it('a VF listed twice: an address repeated in network XML counts once, a repeated <pf dev> or host.json entry is refused', () => {
    const p = parts(CX5);
    const lane = p.networks.get('fast-lane.xml')!;
    const first = "    <address type='pci' domain='0x0000' bus='0x81' slot='0x04' function='0x2'/>\n";
    p.networks.set('fast-lane.xml', lane.replace(first, first + first));
    expect(build(p).pools.find((x) => x.name === 'fast-lane')!.vfs).toHaveLength(4);
    const q = parts(INTEL);
    q.networks.set('sriov-pool.xml', q.networks.get('sriov-pool.xml')!.replace("    <pf dev='enp4s0f0'/>\n", "    <pf dev='enp4s0f0'/>\n    <pf dev='enp4s0f0'/>\n"));
    expect(expectHybridError(() => build(q), 'TOPOLOGY_CONFLICT').message).toContain("network 'sriov-pool' lists VF 0000:04:10.0 twice");
    const host = build(parts(INTEL));
    const json = { ...host, pools: host.pools.map((x) => ({ ...x, vfs: [...x.vfs, x.vfs[3]!] })) };
    expect(expectHybridError(() => hostFromJson(json), 'TOPOLOGY_CONFLICT').message).toContain(`lists VF ${host.pools[0]!.vfs[3]} twice`);
  });

  it('two networks or two domains with one name', () => {
    const p = parts(INTEL);
    p.networks.set('again.xml', p.networks.get('default.xml')!);
    expectHybridError(() => build(p), 'DUPLICATE_NAME');
    const q = parts(INTEL);
    q.domains.set('again.xml', q.domains.get('web1.xml')!);
    expectHybridError(() => build(q), 'DUPLICATE_NAME');
  });

  it('a file of the wrong kind in a folder', () => {
    const p = parts(INTEL);
    p.nodedevs.set('oops.xml', p.networks.get('default.xml')!);
    expectHybridError(() => build(p), 'XML_WRONG_ROOT');
  });

  it.each([
    ['a network without a name', 'network', 'sriov-pool.xml', (x: string) => x.replace('<name>sriov-pool</name>', ''), 'MISSING_ELEMENT'],
    ['a <pf> without dev', 'network', 'sriov-pool.xml', (x: string) => x.replace("<pf dev='enp4s0f1'/>", '<pf/>'), 'MISSING_ELEMENT'],
    ["managed='maybe' on a pool", 'network', 'sriov-pool.xml', (x: string) => x.replace("managed='yes'", "managed='maybe'"), 'INVALID_ATTRIBUTE'],
    ['a net device without <interface>', 'nodedev', 'net_enp4s0f0_00_1b_21_3c_9d_a0.xml', (x: string) => x.replace(/<interface>.*<\/interface>/, ''), 'MISSING_ELEMENT'],
    ['a phys_function without <address>', 'nodedev', 'pci_0000_04_10_0.xml', (x: string) => x.replace(/(<capability type='phys_function'>)\s*<address[^>]*\/>/, '$1'), 'MISSING_ELEMENT'],
    ['a node device without <name>', 'nodedev', 'pci_0000_04_10_0.xml', (x: string) => x.replace(/<name>pci_0000_04_10_0<\/name>/, ''), 'MISSING_ELEMENT'],
    ['maxCount that is not a number', 'nodedev', 'pci_0000_04_00_0.xml', (x: string) => x.replace("maxCount='7'", "maxCount='seven'"), 'INVALID_ATTRIBUTE'],
    ['a NUMA node that is not a number', 'nodedev', 'pci_0000_04_10_0.xml', (x: string) => x.replace("<numa node='0'/>", "<numa node='zero'/>"), 'INVALID_ATTRIBUTE'],
    ['a domain without a name', 'domains', 'web1.xml', (x: string) => x.replace('<name>web1</name>', ''), 'MISSING_ELEMENT'],
  ] as const)('%s', (_what, folder, file, edit, code) => {
    const p = parts(INTEL);
    const map = folder === 'network' ? p.networks : folder === 'nodedev' ? p.nodedevs : p.domains;
    const before = map.get(file)!;
    map.set(file, edit(before));
    expect(map.get(file)).not.toBe(before); // the edit applied
    expectHybridError(() => build(p), code);
  });

  it('invalid numbers in nodedev XML', () => {
    const p = parts(INTEL);
    p.nodedevs.set('pci_0000_04_10_0.xml', p.nodedevs.get('pci_0000_04_10_0.xml')!.replace('<slot>16</slot>', '<slot>-1</slot>'));
    expectHybridError(() => build(p), 'INVALID_PCI_ADDRESS');
  });

  it('directories that are missing, mixed, or hold files that are not UTF-8 XML', () => {
    expectHybridError(() => readHostSnapshot('/nonexistent/host'), 'HOST_SNAPSHOT');
    const dir = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    expectHybridError(() => readHostSnapshot(dir), 'HOST_SNAPSHOT'); // empty
    cpSync(INTEL, dir, { recursive: true });
    writeFileSync(join(dir, 'nodedev', 'notes.txt'), 'x');
    const notXml = expectHybridError(() => readHostSnapshot(dir), 'HOST_SNAPSHOT');
    expect([notXml.file, notXml.where]).toEqual([join(dir, 'nodedev', 'notes.txt'), '']); // the message names it
    const bad = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    cpSync(INTEL, bad, { recursive: true });
    writeFileSync(join(bad, 'nodedev', 'latin1.xml'), Buffer.from([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e]));
    const latin1 = expectHybridError(() => readHostSnapshot(bad), 'XML_ENCODING');
    expect([latin1.file, latin1.where]).toEqual([join(bad, 'nodedev', 'latin1.xml'), '']);
    const garbage = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    cpSync(INTEL, garbage, { recursive: true });
    writeFileSync(join(garbage, 'network', 'zz.xml'), 'not xml at all');
    const e = expectHybridError(() => readHostSnapshot(garbage), 'XML_MALFORMED');
    expect([e.file, e.line]).toEqual([join(garbage, 'network', 'zz.xml'), 1]);
    const dirAsFile = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    cpSync(INTEL, dirAsFile, { recursive: true });
    // network/ and domains/ may be libvirt's own folders: subfolders and pid files are passed over.
    const before = readHostSnapshot(dirAsFile);
    mkdirSync(join(dirAsFile, 'domains', 'sub.xml'));
    mkdirSync(join(dirAsFile, 'network', 'autostart'));
    writeFileSync(join(dirAsFile, 'domains', 'web1.pid'), '4242');
    expect(readHostSnapshot(dirAsFile)).toEqual(before);
    unlinkSync(join(dir, 'nodedev', 'notes.txt'));
    writeFileSync(join(dir, 'host.json'), '{}');
    expect(expectHybridError(() => readHostSnapshot(dir), 'HOST_SNAPSHOT').message).toContain('both host.json and XML');
  });

  it('host.json whose facts contradict each other', () => {
    const intel = readHostSnapshot(INTEL);
    const edit = (f: (h: Host) => void): Host => { const h = JSON.parse(JSON.stringify(intel)) as Host; f(h); return h; };
    expectHybridError(() => hostFromJson(edit((h) => { h.vfs[0]!.pf = '0000:04:00.1'; })), 'TOPOLOGY_CONFLICT');
    expectHybridError(() => hostFromJson(edit((h) => { h.pfs[0]!.vfs.shift(); h.pools[0]!.vfs.shift(); })), 'TOPOLOGY_CONFLICT');
    expectHybridError(() => hostFromJson(edit((h) => { h.pfs[1]!.address = h.pfs[0]!.address; })), 'TOPOLOGY_CONFLICT');
    expectHybridError(() => hostFromJson(edit((h) => { h.pfs[1]!.netdev = h.pfs[0]!.netdev; })), 'TOPOLOGY_CONFLICT');
    expectHybridError(() => hostFromJson(edit((h) => { h.vfs.push({ ...h.vfs[0]! }); })), 'TOPOLOGY_CONFLICT');
  });

  it('host.json that is not JSON or not the schema', () => {
    expectHybridError(() => hostFromJson('{'), 'HOST_JSON_INVALID');
    expect(expectHybridError(() => hostFromJson({ version: 1, pfs: [], vfs: [], pools: [], otherNetworks: [], domains: [], extra: 1 }), 'HOST_JSON_INVALID').message).toContain('extra');
    expectHybridError(() => hostFromJson({ version: 1, pfs: [{ address: '04:00.0', vfs: [] }], vfs: [], pools: [], otherNetworks: [], domains: [] }), 'HOST_JSON_INVALID');
  });
});

describe('hostFromXml gives one Host for one host, whatever the order and form of its files', () => {
  it.each(['intel-82576', 'mellanox-cx5'])('%s: files in reverse order give exactly the golden host.json (sorted, no undefined keys)', (name) => {
    const p = parts(join(FIXTURES, 'hosts', name));
    const reversed = hostFromXml({ nodedevs: [...p.nodedevs.values()].reverse(), networks: [...p.networks.values()].reverse(), domains: [...p.domains.values()].reverse() });
    // links.json is read with the folders: the golden host has its MTUs, the XML alone has none.
    const { links, ...golden } = JSON.parse(readFileSync(join(FIXTURES, 'cases', `host-${name}`, 'expected.json'), 'utf8'));
    expect(links.length).toBeGreaterThan(1);
    expect(reversed).toStrictEqual(golden);
    expect(build(p)).toStrictEqual(golden);
  });

  it('a VF bound to vfio-pci records no driver (vfio-pci is not the guest\'s); another driver is recorded', () => {
    const host = readHostSnapshot(INTEL);
    expect(host.vfs.every((v) => v.driver === undefined || v.driver !== 'vfio-pci')).toBe(true);
    const p = parts(INTEL);
    const [file, xml] = [...p.nodedevs].find(([, x]) => x.includes('<capability type=\'phys_function\'>') && x.includes('<driver>'))!;
    p.nodedevs.set(file, xml.replace(/<driver>\s*<name>[^<]*<\/name>/, '<driver>\n    <name>vfio-pci</name>'));
    const vfio = build(p).vfs.find((v) => file.includes(v.address.replace(/[:.]/g, '_')))!;
    expect(vfio).not.toHaveProperty('driver');
  });

  it('the same PCI device described twice is refused', () => {
    const p = parts(INTEL);
    const first = [...p.nodedevs.values()].find((x) => x.includes("type='virt_functions'"))!;
    expect(() => hostFromXml({ nodedevs: [...p.nodedevs.values(), first] })).toThrow(expect.objectContaining({ code: 'TOPOLOGY_CONFLICT' }));
  });

  it('an error in a named file names it; in an unnamed one, its folder and position', () => {
    expect(expectHybridError(() => hostFromSources({ nodedevs: [{ xml: '<device>', file: 'nodedev/x.xml' }] }), 'XML_MALFORMED').file).toBe('nodedev/x.xml');
    const e = expectHybridError(() => hostFromXml({ nodedevs: ['<device><name>x</name><capability type=\'pci\'><domain>z</domain></capability></device>'] }), 'INVALID_PCI_ADDRESS');
    expect(e.file).toBeUndefined();
    expect(e.message).toContain('nodedevs[0]');
    expect(() => hostFromXml({} as never)).toThrow(/^hostFromXml expects/);
  });
});

describe('readHostSnapshot names what it cannot read', () => {
  it('a missing directory, a file, both forms, neither: each error names the directory', () => {
    const missing = expectHybridError(() => readHostSnapshot('/nonexistent/host'), 'HOST_SNAPSHOT');
    expect([missing.file, missing.message]).toEqual(['/nonexistent/host', 'host snapshot /nonexistent/host does not exist']);
    const file = join(mkdtempSync(join(tmpdir(), 'hh-snap-')), 'plain');
    writeFileSync(file, 'x');
    const notDir = expectHybridError(() => readHostSnapshot(file), 'HOST_SNAPSHOT');
    expect([notDir.file, notDir.message]).toEqual([file, `host snapshot ${file} is not a directory`]);
    const empty = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    const neither = expectHybridError(() => readHostSnapshot(empty), 'HOST_SNAPSHOT');
    expect([neither.file, neither.where, neither.message.startsWith(`${empty} has neither`)]).toEqual([empty, '', true]);
    for (const folder of ['network', 'domains']) {
      const one = mkdtempSync(join(tmpdir(), 'hh-snap-'));
      cpSync(join(INTEL, folder), join(one, folder), { recursive: true });
      writeFileSync(join(one, 'host.json'), '{}');
      const both = expectHybridError(() => readHostSnapshot(one), 'HOST_SNAPSHOT');
      expect([both.file, both.where, both.message.includes('both host.json and XML')]).toEqual([one, '', true]);
    }
  });

  it('host.json alone is read, and its errors name it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    writeFileSync(join(dir, 'host.json'), '{"version": 2}');
    expect(expectHybridError(() => readHostSnapshot(dir), 'HOST_JSON_INVALID').file).toBe(join(dir, 'host.json'));
  });

  it('dot files are passed over in every folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    cpSync(INTEL, dir, { recursive: true });
    const before = readHostSnapshot(dir);
    writeFileSync(join(dir, 'nodedev', '.swp'), 'junk');
    writeFileSync(join(dir, 'nodedev', '.hidden.xml'), 'junk');
    expect(readHostSnapshot(dir)).toEqual(before);
  });

  it('a file it cannot read says why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-read-'));
    const gone = expectHybridError(() => readUtf8File(join(dir, 'none.xml')), 'FILE_UNREADABLE');
    expect([gone.file, gone.where, gone.message]).toEqual([join(dir, 'none.xml'), '', `${join(dir, 'none.xml')}: cannot read it: no such file`]);
    expect(expectHybridError(() => readUtf8File(dir), 'FILE_UNREADABLE').message).toBe(`${dir}: cannot read it: it is a directory`);
    const unlisted = join(dir, 'sub');
    mkdirSync(unlisted);
    writeFileSync(join(unlisted, 'x'), '');
    expect(expectHybridError(() => readUtf8File(join(unlisted, 'x', 'y')), 'FILE_UNREADABLE').message).toMatch(/cannot read it: ENOTDIR/);
  });
});

describe('host facts that are incomplete but not contradictory', () => {
  const intel = (): Host => JSON.parse(JSON.stringify(readHostSnapshot(INTEL))) as Host;

  it('two PFs without a net device are no conflict; using one of their VFs says what is missing', () => {
    const h = intel();
    for (const pf of h.pfs) delete pf.netdev;
    h.pools = [];
    const host = hostFromJson(h);
    expect(expectHybridError(() => vfTopology(host, host.vfs[0]!.address), 'PF_WITHOUT_NETDEV').message).toContain('net device');
  });

  it('a VF that names no PF but is listed by one belongs to that one', () => {
    const h = intel();
    delete h.vfs[0]!.pf;
    expect(() => hostFromJson(h)).not.toThrow();
  });

  it('refuses host.json that is not JSON', () => {
    expect(expectHybridError(() => hostFromJson('{"version": 1,'), 'HOST_JSON_INVALID').message).toContain('not valid JSON');
  });

  it('assertHost refuses what is not a Host, naming the function', () => {
    for (const bad of [undefined, null, {}, { pools: 'x' }]) expect(() => assertHost(bad, 'someApi')).toThrow(/^someApi expects a Host/);
    expect(() => assertHost({ pools: [] }, 'someApi')).not.toThrow();
  });
});

describe('nodedev numbers', () => {
  const vfXml = readFileSync(join(INTEL, 'nodedev', 'pci_0000_04_10_0.xml'), 'utf8');
  const read = (xml: string) => readNodedev(rootElement(parseXml(xml)), 'x.xml');

  it('takes numbers with white space around them, decimal or hex, and refuses junk around them', () => {
    expect(read(vfXml.replace('<bus>4</bus>', '<bus> 4 </bus>'))).toMatchObject({ address: '0000:04:10.0' });
    expect(read(vfXml.replace('<bus>4</bus>', '<bus>0x4</bus>'))).toMatchObject({ address: '0000:04:10.0' });
    for (const bad of ['4x', 'x4', '0x', '256']) expectHybridError(() => read(vfXml.replace('<bus>4</bus>', `<bus>${bad}</bus>`)), 'INVALID_PCI_ADDRESS');
  });

  it('reads a NUMA node of several digits; -1 means none', () => {
    expect(read(vfXml.replace("<numa node='0'/>", "<numa node='12'/>"))).toMatchObject({ numaNode: 12 });
    expect('numaNode' in read(vfXml.replace("<numa node='0'/>", "<numa node='-1'/>"))).toBe(false);
  });

  it('passes over sub-capabilities it has no use for', () => {
    const extra = vfXml.replace("<capability type='phys_function'>", "<capability type='pci-bridge'/>\n    <capability type='phys_function'>");
    expect(read(extra)).toMatchObject({ physFunction: '0000:04:00.0' });
  });
});
