// net-dumpxml and dumpxml documents of a host snapshot, read one at a time.
import { describe, expect, it } from 'vitest';
import { readNetwork } from '../../src/host/network.js';
import { heldPciDevices, hostPciSource, readDomainUsage } from '../../src/host/domain-usage.js';
import { parseXml } from '../../src/index.js';
import { rootElement, type XmlElement } from '../../src/xml/tree.js';
import { expectHybridError, fixture } from '../helpers.js';

const root = (xml: string): XmlElement => rootElement(parseXml(xml));
const net = (forward: string) => readNetwork(root(`<network><name> pool </name>${forward}</network>`), 'network/p.xml');

describe('readNetwork', () => {
  it('a hostdev-hybrid pool is ephemeral and managed unless it says otherwise', () => {
    expect(net("<forward mode='hostdev-hybrid'><pf dev='enp1'/><pf dev='enp2'/></forward>"))
      .toStrictEqual({ kind: 'pool', name: 'pool', mode: 'hostdev-hybrid', ephemeral: true, managed: true, pfs: ['enp1', 'enp2'], addresses: [] });
    expect(net("<forward mode='hostdev-hybrid' managed='no' ephemeral='no'><pf dev='enp1'/></forward>")).toMatchObject({ ephemeral: true, managed: false });
  });

  it('a hostdev pool is neither unless it says so, as in libvirt', () => {
    expect(net("<forward mode='hostdev'><address type='pci' domain='0' bus='4' slot='16' function='1'/></forward>"))
      .toMatchObject({ mode: 'hostdev', ephemeral: false, managed: false, addresses: ['0000:04:10.1'] });
    expect(net("<forward mode='hostdev' managed='yes' ephemeral='yes'/>")).toMatchObject({ ephemeral: true, managed: true });
  });

  it('other networks are only names', () => {
    expect(net("<forward mode='nat'/>")).toStrictEqual({ kind: 'other', name: 'pool' });
    expect(net('')).toStrictEqual({ kind: 'other', name: 'pool' });
  });

  it('refuses yes/no junk, a <pf> without dev, no name, a wrong root', () => {
    expect(expectHybridError(() => net("<forward mode='hostdev' managed='true'/>"), 'INVALID_ATTRIBUTE').message).toContain("managed='true'");
    expectHybridError(() => net("<forward mode='hostdev' ephemeral='1'/>"), 'INVALID_ATTRIBUTE');
    expectHybridError(() => net("<forward mode='hostdev-hybrid'><pf/></forward>"), 'MISSING_ELEMENT');
    expectHybridError(() => readNetwork(root('<network><name> </name></network>'), 'n'), 'MISSING_ELEMENT');
    expectHybridError(() => readNetwork(root('<domain/>'), 'n'), 'XML_WRONG_ROOT');
  });
});

describe('readDomainUsage', () => {
  const domain = (devices: string, head = '<name> web1 </name><uuid> u </uuid>') => readDomainUsage(root(`<domain>${head}<devices>${devices}</devices></domain>`), 'domains/web1.xml');
  const vf = (a: string) => `<interface type='hostdev'><mac address='52:54:00:AA:00:01'/><source><address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='${a}'/></source></interface>`;

  it('takes passed-through PCI devices once each and MACs in lower case', () => {
    const gpu = "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source></hostdev>";
    expect(domain(vf('0x1') + vf('0x1') + gpu)).toStrictEqual({ name: 'web1', uuid: 'u', pciDevices: ['0000:04:10.1', '0000:65:00.0'], macs: ['52:54:00:aa:00:01', '52:54:00:aa:00:01'] });
  });

  it('leaves out USB hostdevs, non-PCI sources, and devices other than interfaces and hostdevs', () => {
    const usb = "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>";
    const bridge = "<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/></interface>";
    const disk = "<disk type='file'><source file='/x'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>";
    expect(domain(usb + bridge + disk, '<name>a</name>')).toStrictEqual({ name: 'a', pciDevices: [], macs: ['52:54:00:00:00:02'] });
  });

  it('an NVMe disk\'s PCI source is no device the domain passes through; a domain without devices holds nothing', () => {
    const nvme = "<disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='1'><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source><target dev='vde' bus='virtio'/></disk>";
    expect(domain(nvme + vf('0x1')).pciDevices).toEqual(['0000:04:10.1']);
    expect(heldPciDevices([root(nvme)])).toEqual([]);
    expect(readDomainUsage(root('<domain><name>bare</name></domain>'), 'x')).toStrictEqual({ name: 'bare', pciDevices: [], macs: [] });
  });

  it('a bad source address is named by file, domain and device; alone, by alias or element', () => {
    const bad = "<interface type='hostdev'><source><address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x9'/></source><alias name='ua-x'/></interface>";
    expect(expectHybridError(() => domain(bad), 'INVALID_PCI_ADDRESS').message).toContain("domains/web1.xml (domain 'web1') <interface>");
    expect(expectHybridError(() => heldPciDevices([root(bad)]), 'INVALID_PCI_ADDRESS').message).toContain('ua-x');
    expect(expectHybridError(() => heldPciDevices([root(bad.replace("<alias name='ua-x'/>", ''))]), 'INVALID_PCI_ADDRESS').message).toContain('<interface>');
  });

  it('reads the domain inside a <domstatus> status file', () => {
    expect(readDomainUsage(root(`<domstatus state='running'><domain><name>s</name><devices>${vf('0x3')}</devices></domain></domstatus>`), 'x').pciDevices).toEqual(['0000:04:10.3']);
    expectHybridError(() => readDomainUsage(root("<domstatus state='running'/>"), 'x'), 'MISSING_ELEMENT');
  });

  it('refuses a wrong root or a domain without a name', () => {
    expectHybridError(() => readDomainUsage(root('<network/>'), 'x'), 'XML_WRONG_ROOT');
    expectHybridError(() => domain('', '<name/>'), 'MISSING_ELEMENT');
  });

  it('hostPciSource: a PCI source address or nothing', () => {
    expect(hostPciSource(root(vf('0x2')), 'x')).toBe('0000:04:10.2');
    expect(hostPciSource(root("<interface type='direct'><source dev='eth0'/></interface>"), 'x')).toBeUndefined();
    expect(hostPciSource(root("<hostdev type='pci'><source><address type='usb' bus='1' device='2'/></source></hostdev>"), 'x')).toBeUndefined();
  });
});

describe('readDomainUsage and hybrid metadata', () => {
  it('a running hybrid guest whose VF half is away still holds the VF its metadata records (repair attaches exactly that one)', () => {
    const away = fixture('cases', 'hook-migrate-bond', 'input.xml');
    expect(away).not.toContain("<interface type='hostdev'");
    expect(readDomainUsage(root(away), 'domains/web2.xml').pciDevices).toEqual(['0000:81:00.3']);
    // Unreadable metadata reserves nothing, and breaks nothing.
    const bad = away.replace("vf='0000:81:00.3'", "vf='nope'");
    expect(readDomainUsage(root(bad), 'domains/web2.xml').pciDevices).toEqual([]);
  });
});
