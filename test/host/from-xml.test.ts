// hostFromXml / hostFromSources: the same Host whatever order the documents come in, errors that
// name the document, and the facts taken from each kind of nodedev.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostFromSources, hostFromXml, type SnapshotSource } from '../../src/index.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

const DIR = join(FIXTURES, 'hosts', 'intel-82576');
const sources = (folder: string): SnapshotSource[] => readdirSync(join(DIR, folder)).sort().map((f) => ({ xml: readFileSync(join(DIR, folder, f), 'utf8'), file: `${folder}/${f}` }));
const all = { nodedevs: sources('nodedev'), networks: sources('network'), domains: sources('domains') };
const texts = (s: SnapshotSource[]): string[] => s.map((x) => x.xml);
const netdev = (name: string, parent: string): string => `<device>\n  <name>net_${name}</name>\n  <parent>${parent}</parent>\n  <capability type='net'>\n    <interface>${name}</interface>\n  </capability>\n</device>\n`;

describe('hostFromSources', () => {
  it('gives the same Host whatever order the documents come in', () => {
    const reversed = { nodedevs: [...all.nodedevs].reverse(), networks: [...all.networks].reverse(), domains: [...all.domains].reverse() };
    const host = hostFromSources(all);
    expect(hostFromSources(reversed)).toEqual(host);
    expect(host.domains.map((d) => d.name)).toEqual(['db1', 'web1']);
    expect(host.pfs.map((p) => p.address)).toEqual(['0000:04:00.0', '0000:04:00.1']);
    expect(host.vfs.map((v) => v.address)).toEqual([...host.vfs.map((v) => v.address)].sort());
    expect(host.otherNetworks).toEqual(['default']);
    expect(host.netdevs).toEqual(['enp4s0f0', 'enp4s0f1']);
  });

  it('sorts pools, other networks and net devices by name, and lists each net device once', () => {
    const pool = (name: string): string => all.networks.find((n) => n.file!.endsWith('sriov-pool.xml'))!.xml.replace('<name>sriov-pool</name>', `<name>${name}</name>`).replace(/<uuid>[^<]*<\/uuid>/, '');
    const plain = (name: string): string => `<network>\n  <name>${name}</name>\n</network>\n`;
    const host = hostFromXml({
      nodedevs: [...texts(all.nodedevs), netdev('zz9', 'pci_0000_65_00_0'), netdev('aa1', 'pci_0000_65_00_0'), netdev('aa1', 'pci_0000_65_00_0')],
      networks: [pool('zeta'), pool('alpha'), plain('zulu'), plain('bravo')],
    });
    expect(host.pools.map((p) => p.name)).toEqual(['alpha', 'zeta']);
    expect(host.otherNetworks).toEqual(['bravo', 'zulu']);
    expect(host.netdevs).toEqual(['aa1', 'enp4s0f0', 'enp4s0f1', 'zz9']);
  });

  it('a PF with two net devices gets the first by name; a net device without a parent belongs to none', () => {
    const nodedevs = [...texts(all.nodedevs).filter((x) => !x.includes('<interface>enp4s0f0</interface>')), netdev('p2', 'pci_0000_04_00_0'), netdev('p1', 'pci_0000_04_00_0'),
      '<device>\n  <name>net_lo</name>\n  <capability type=\'net\'>\n    <interface>lo</interface>\n  </capability>\n</device>\n'];
    const networks = [texts(all.networks)[1]!.replace("<pf dev='enp4s0f0'/>", "<pf dev='p1'/>")];
    const host = hostFromXml({ nodedevs, networks });
    expect(host.pfs.find((p) => p.address === '0000:04:00.0')!.netdev).toBe('p1');
    expect(host.netdevs).toContain('lo');
  });

  it('keeps a VF\'s own driver, but not vfio-pci, which only stands in while it is passed through', () => {
    const vf = (driver?: string): string[] => texts(all.nodedevs).map((x) => (x.includes('<name>pci_0000_04_10_0</name>')
      ? x.replace(/<driver>[\s\S]*?<\/driver>\n/, driver === undefined ? '' : `<driver>\n    <name>${driver}</name>\n  </driver>\n`)
      : x));
    const driverOf = (nodedevs: string[]): string | undefined => hostFromXml({ nodedevs }).vfs.find((v) => v.address === '0000:04:10.0')!.driver;
    expect(driverOf(vf('igbvf'))).toBe('igbvf');
    expect(driverOf(vf('vfio-pci'))).toBeUndefined();
    const none = hostFromXml({ nodedevs: vf() }).vfs.find((v) => v.address === '0000:04:10.0')!;
    expect('driver' in none).toBe(false);
  });

  it('refuses one PCI device described twice, naming both', () => {
    const twice = [...texts(all.nodedevs), texts(all.nodedevs).find((x) => x.includes('pci_0000_04_10_3'))!.replace('<name>pci_0000_04_10_3</name>', '<name>pci_again</name>')];
    const e = expectHybridError(() => hostFromXml({ nodedevs: twice }), 'TOPOLOGY_CONFLICT');
    expect(e.message).toContain('pci_0000_04_10_3');
    expect(e.message).toContain('pci_again');
  });

  it('names the document of an error: its file, else its place in the list', () => {
    const bad = { xml: '<device><name>x</name><capability type=\'pci\'><domain>z</domain></capability></device>' };
    const withFile = expectHybridError(() => hostFromSources({ nodedevs: [...all.nodedevs, { ...bad, file: 'nodedev/bad.xml' }] }), 'INVALID_PCI_ADDRESS');
    expect(withFile.file).toBe('nodedev/bad.xml');
    const without = expectHybridError(() => hostFromSources({ nodedevs: [...all.nodedevs, bad] }), 'INVALID_PCI_ADDRESS');
    expect(without.file).toBeUndefined();
    expect(without.message).toContain(`nodedevs[${all.nodedevs.length}]`);
    expect(expectHybridError(() => hostFromSources({ nodedevs: all.nodedevs, networks: [{ xml: '<network/>' }] }), 'MISSING_ELEMENT').message).toContain('networks[0]');
    expect(expectHybridError(() => hostFromSources({ nodedevs: all.nodedevs, domains: [{ xml: '<domain/>' }] }), 'MISSING_ELEMENT').message).toContain('domains[0]');
  });

  it('hostFromXml refuses what is not { nodedevs: [...] }, as a programmer error', () => {
    expect(() => hostFromXml(undefined as never)).toThrow(/^hostFromXml expects/);
    expect(() => hostFromXml({} as never)).toThrow(/^hostFromXml expects/);
    expect(hostFromXml({ nodedevs: texts(all.nodedevs) }).pools).toEqual([]);
  });
});
