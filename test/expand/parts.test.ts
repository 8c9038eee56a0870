// The modules expansion is built from, one rule at a time: teaming's prerequisites and elements,
// the halves and the backup's device name, a domain's names, libvirt's child order, a plan's ends.
import { describe, expect, it } from 'vitest';
import { backupDevFor, backupDevice, DEFAULT_VLAN_DEVICE } from '../../src/pair/halves.js';
import { DomainNames } from '../../src/expand/names.js';
import { isTeamed, requireTeamingMachine, requireTeamingModel, teamingElement, teamingMachineProblem, teamingModelProblem } from '../../src/pair/teaming.js';
import { insertInterfaceChild, sortInterfaceChildren } from '../../src/libvirt/interface.js';
import { endOfRecord, endOfVf, recordAtEnd } from '../../src/plan/ends.js';
import { parseXml, serializeXml } from '../../src/index.js';
import { childElements, firstChild, getAttribute } from '../../src/xml/edit.js';
import { element, rootElement, type XmlElement } from '../../src/xml/tree.js';
import type { PairRecord } from '../../src/metadata.js';
import { expectHybridError } from '../helpers.js';

const el = (xml: string): XmlElement => rootElement(parseXml(xml));
const names = (e: XmlElement): string[] => childElements(e).map((c) => c.name);

describe('teaming', () => {
  it('needs q35 and a virtio backup, and says why otherwise', () => {
    expect(teamingMachineProblem('q35')).toBeUndefined();
    expect(teamingMachineProblem('pc')).toContain('on a pc (i440fx) guest');
    expect(teamingModelProblem('virtio')).toBeUndefined();
    expect(teamingModelProblem('e1000e')).toContain("not model 'e1000e'");
    expect(teamingModelProblem(undefined)).toContain("not model ''");
    expect(() => requireTeamingMachine('q35', 'fix')).not.toThrow();
    expect(expectHybridError(() => requireTeamingMachine('pc', 'use q35', "domain 'g'"), 'TEAMING_UNSUPPORTED').message).toMatch(/^domain 'g': teaming needs a q35 guest.*; use q35$/);
    expect(expectHybridError(() => requireTeamingMachine('pc', 'use q35'), 'TEAMING_UNSUPPORTED').message).toMatch(/^teaming needs/);
    expect(() => requireTeamingModel('virtio', 'fix', 'x')).not.toThrow();
    const e = expectHybridError(() => requireTeamingModel('rtl8139', 'use bond', "pair 'p'"), 'TEAMING_UNSUPPORTED');
    expect(e.message).toMatch(/^pair 'p': teaming needs a virtio backup.*; use bond$/);
    expect(e.element).toBe("pair 'p'");
  });

  it('the VF half is transient, naming the backup; the backup persistent', () => {
    expect(serializeXml({ type: 'document', bom: false, children: [teamingElement('vf', 'ua-x-backup')] })).toBe("<teaming type='transient' persistent='ua-x-backup'/>");
    expect(serializeXml({ type: 'document', bom: false, children: [teamingElement('backup', 'ua-x-backup')] })).toBe("<teaming type='persistent'/>");
  });

  it('isTeamed wants all three attributes right', () => {
    const vf = (t: string) => el(`<interface>${t}</interface>`);
    const good = vf("<teaming type='transient' persistent='b'/>");
    const backup = vf("<teaming type='persistent'/>");
    expect(isTeamed(good, backup, 'b')).toBe(true);
    expect(isTeamed(vf("<teaming type='persistent' persistent='b'/>"), backup, 'b')).toBe(false);
    expect(isTeamed(vf("<teaming type='transient' persistent='c'/>"), backup, 'b')).toBe(false);
    expect(isTeamed(good, vf("<teaming type='transient'/>"), 'b')).toBe(false);
    expect(isTeamed(good, vf(''), 'b')).toBe(false);
  });
});

describe('the backup\'s device', () => {
  it('is the PF without a VLAN, else the template filled in ({pf}.{vlan} by default)', () => {
    expect(DEFAULT_VLAN_DEVICE).toBe('{pf}.{vlan}');
    expect(backupDevice('enp4s0f0', undefined, 'x{vlan}', 'w')).toBe('enp4s0f0');
    expect(backupDevice('enp4s0f0', 100, undefined, 'w')).toBe('enp4s0f0.100');
    expect(backupDevice('enp4s0f0', 100, 'v{vlan}{pf}', 'w')).toBe('v100enp4s0f0');
    expect(backupDevFor({ name: 'ua-p', vlan: 7, backupDevTemplate: 'v{vlan}-{pf}' }, 'eth3')).toBe('v7-eth3');
    expect(backupDevFor({ name: 'ua-p' }, 'eth3')).toBe('eth3');
  });
});

describe('a domain\'s names during expansion', () => {
  const devices = [el("<interface type='direct'><mac address='52:54:00:AA:00:01'/><alias name='ua-net0'/></interface>"), el("<disk><alias name='ua-hybrid0-vf'/></disk>")];

  it('knows the aliases and MACs the domain has, and refuses an alias used twice', () => {
    const n = new DomainNames(devices, new Set(['52:54:00:00:00:09']));
    expect(n.macHolder('52:54:00:aa:00:01')).toBe("<interface> 'ua-net0'");
    expect(n.macHolder('52:54:00:aa:00:02')).toBeUndefined();
    expect(n.macOnHost('52:54:00:00:00:09')).toBe(true);
    expect(n.macOnHost('52:54:00:aa:00:01')).toBe(false);
    expect(expectHybridError(() => n.takeAlias('ua-net0', 'entry #3'), 'DUPLICATE_ALIAS').message).toBe("entry #3: alias 'ua-net0' is already used by <interface>");
    expectHybridError(() => new DomainNames([...devices, devices[0]!], new Set()), 'DUPLICATE_ALIAS');
  });

  it('a free alias is free with -vf and -backup after it too, and numbers only go up', () => {
    const n = new DomainNames(devices, new Set());
    expect(n.freeAlias('ua-hybrid')).toBe('ua-hybrid1'); // ua-hybrid0-vf is the disk's
    n.takeAlias('ua-hybrid1', 'x');
    expect(n.freeAlias('ua-hybrid')).toBe('ua-hybrid2');
    n.takeAlias('ua-hybrid3-backup', 'y');
    n.takeAlias('ua-hybrid2', 'z');
    expect(n.freeAlias('ua-hybrid')).toBe('ua-hybrid4');
  });

  it('a new MAC is neither the domain\'s nor the host\'s, and is taken', () => {
    const n = new DomainNames([], new Set());
    const first = n.newMac('seed', 'a');
    expect(first).toMatch(/^52:54:00:/);
    expect(n.macHolder(first)).toBe('a');
    const again = new DomainNames([], new Set([first]));
    expect(again.newMac('seed', 'b')).not.toBe(first);
    n.takeMac('52:54:00:00:00:01', 'c');
    expect(n.macHolder('52:54:00:00:00:01')).toBe('c');
  });
});

describe('libvirt\'s child order', () => {
  it('sorts what is out of order, unknown children first, and leaves the rest', () => {
    const e = el("<interface><alias name='a'/><mac address='m'/><unknown/><address type='pci'/><source dev='d'/></interface>");
    expect(names(sortInterfaceChildren(e))).toEqual(['unknown', 'mac', 'source', 'alias', 'address']);
    const sorted = el("<interface><mac address='m'/><source dev='d'/></interface>");
    const kids = sorted.children;
    expect(sortInterfaceChildren(sorted).children).toBe(kids);
  });

  it('inserts before the first child that comes after, else at the end', () => {
    const doc = parseXml("<interface>\n  <mac address='m'/>\n  <alias name='a'/>\n</interface>");
    const root = rootElement(doc);
    insertInterfaceChild(doc, root, element('teaming', { type: 'persistent' }));
    insertInterfaceChild(doc, root, element('address', { type: 'pci' }));
    insertInterfaceChild(doc, root, element('source', { dev: 'd' }));
    expect(names(root)).toEqual(['mac', 'source', 'teaming', 'alias', 'address']);
    expect(getAttribute(firstChild(root, 'source')!, 'dev')).toBe('d');
  });
});

describe('a plan\'s ends', () => {
  const record: PairRecord = {
    name: 'ua-p', form: 'hybrid', mac: '52:54:00:00:00:01', vf: '0000:04:10.0', pf: '0000:04:00.0', pfDev: 'enp4', vfIndex: 0,
    backupDev: 'enp4', vfAlias: 'ua-p-vf', backupAlias: 'ua-p-backup',
  };
  const topo = { vf: '0000:81:00.3', pf: '0000:81:00.0', pfNetdev: 'ens1f0', index: 1, numaNode: 1 };

  it('name the PF by netdev in pf and by address in pfAddress', () => {
    expect(endOfVf(topo, 'ens1f0.7')).toEqual({ vf: '0000:81:00.3', pf: 'ens1f0', pfAddress: '0000:81:00.0', vfIndex: 1, backupDev: 'ens1f0.7', numaNode: 1 });
    expect(endOfVf(topo)).not.toHaveProperty('backupDev');
    expect(endOfRecord(record)).toEqual({ vf: '0000:04:10.0', pf: 'enp4', pfAddress: '0000:04:00.0', vfIndex: 0, backupDev: 'enp4' });
    expect(endOfRecord({ ...record, numaNode: 0 })).toHaveProperty('numaNode', 0);
  });

  it('a record moved to an end takes its VF, PF, index and backup device, and keeps the rest', () => {
    expect(recordAtEnd(record, endOfVf(topo, 'ens1f0'))).toEqual({ ...record, vf: '0000:81:00.3', pf: '0000:81:00.0', pfDev: 'ens1f0', vfIndex: 1, backupDev: 'ens1f0' });
    expect(recordAtEnd(record, endOfVf(topo)).backupDev).toBe('enp4');
  });
});
