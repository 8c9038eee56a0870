// Which devices are dialect, and which dialect is refused where it stands.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { findDialect } from '../../src/pair/dialect.js';
import { parseXml, readHostSnapshot, type Host } from '../../src/index.js';
import { childElements, firstChild } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let cx5!: Host;
beforeEach(() => {
  cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
});
const find = (devices: string) => findDialect(childElements(firstChild(rootElement(parseXml(`<domain><devices>${devices}</devices></domain>`)), 'devices')!), cx5)
  .map((e) => `${e.kind}${'form' in e ? ` ${e.form}` : ''}${'pool' in e && e.pool !== undefined ? ` ${e.pool}` : ''}`);
const PCI = "<source><address domain='0x0000' bus='0xca' slot='0x00' function='0x0'/></source>";

describe('findDialect', () => {
  it('finds each form, in document order, and nothing in plain devices', () => {
    expect(find([
      "<interface type='bridge'><source bridge='br0'/></interface>",
      "<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>",
      "<interface type='hostdev-hybrid'/>",
      "<interface type='network'><source network='sriov-pool'/></interface>",
      "<interface type='network'><source network='fast-lane'/></interface>",
      "<interface type='network'><source network='default'/></interface>",
      `<hostdev mode='subsystem' type='pci' ephemeral='yes'>${PCI}</hostdev>`,
      `<interface type='hostdev' ephemeral='no'>${PCI}</interface>`,
      '<disk/>',
    ].join(''))).toEqual(['pair hybrid sriov-pool', 'pair hybrid', 'pair network sriov-pool', 'ephemeral-pool fast-lane', 'ephemeral', 'not-ephemeral']);
  });

  it.each([
    ['a hybrid entry on an unknown network', "<interface type='hostdev-hybrid'><source network='nope'/></interface>", 'POOL_UNKNOWN'],
    ['a hybrid entry on a network that is no pool', "<interface type='hostdev-hybrid'><source network='default'/></interface>", 'POOL_NOT_HYBRID'],
    ['ephemeral= on a hybrid entry', "<interface type='hostdev-hybrid' ephemeral='yes'/>", 'UNSUPPORTED_ELEMENT'],
    ['<backup> outside a hybrid entry', "<interface type='bridge'><backup/></interface>", 'UNSUPPORTED_ELEMENT'],
    ['<backup> on a network interface that is no hybrid pool', "<interface type='network'><source network='default'/><backup/></interface>", 'UNSUPPORTED_ELEMENT'],
    ['ephemeral= on a device that is not passed through', "<interface type='bridge' ephemeral='yes'/>", 'UNSUPPORTED_ELEMENT'],
    ['ephemeral= on a disk', "<disk type='file' device='disk' ephemeral='yes'><source file='/x'/></disk>", 'UNSUPPORTED_ELEMENT'],
    ['ephemeral= neither yes nor no', `<hostdev mode='subsystem' type='pci' ephemeral='true'>${PCI}</hostdev>`, 'INVALID_ATTRIBUTE'],
  ] as const)('refuses %s', (_what, device, code) => {
    const e = expectHybridError(() => find(device), code);
    expect(e.element).toMatch(/\(device #1\)$/);
    expect(e.line).toBe(1);
  });

  it('names the device it refuses by element, type, alias and position', () => {
    const e = expectHybridError(() => find("<interface type='bridge' ephemeral='yes'><alias name='ua-x'/></interface>"), 'UNSUPPORTED_ELEMENT');
    expect(e.element).toBe("<interface type='bridge'> 'ua-x' (device #1)");
    expect(expectHybridError(() => find("<disk ephemeral='yes'/>"), 'UNSUPPORTED_ELEMENT').element).toBe('<disk> (device #1)');
  });

  it('asks describe() of the dialect\'s devices alone (most devices are none of its)', () => {
    const asked: string[] = [];
    const devices = childElements(firstChild(rootElement(parseXml(`<domain><devices>${[
      "<interface type='bridge'><source bridge='br0'/></interface>",
      '<disk/>',
      `<hostdev mode='subsystem' type='pci'>${PCI}</hostdev>`,
      "<interface type='network'><source network='default'/></interface>",
      `<hostdev mode='subsystem' type='pci' ephemeral='yes'>${PCI}</hostdev>`,
      "<interface type='hostdev-hybrid'/>",
      "<hostdev mode='subsystem' type='network'><source network='sriov-pool'/></hostdev>",
      "<interface type='bridge'><backup/></interface>",
    ].join('')}</devices></domain>`)), 'devices')!);
    expectHybridError(() => findDialect(devices, cx5, (el, position) => (asked.push(`${el.name}#${position}`), 'x')), 'UNSUPPORTED_ELEMENT');
    expect(asked).toEqual(['interface#3', 'hostdev#4', 'interface#5', 'interface#7']);
  });

  it('only an interface is an entry: a hostdev of those types is not, and may not hold <backup>', () => {
    expect(find(`<hostdev mode='subsystem' type='hostdev-hybrid' ephemeral='yes'>${PCI}</hostdev>`)).toEqual(['ephemeral']);
    expectHybridError(() => find("<hostdev mode='subsystem' type='network'><source network='sriov-pool'/><backup/></hostdev>"), 'UNSUPPORTED_ELEMENT');
    expect(find("<interface type='network'><source network='sriov-pool'/><backup><model type='e1000e'/></backup></interface>")).toEqual(['pair network sriov-pool']);
  });

  it('a network source on anything but an interface is no pair', () => {
    expect(find(`<hostdev mode='subsystem' type='network' ephemeral='yes'><source network='sriov-pool'/>${PCI}</hostdev>`)).toEqual(['ephemeral']);
  });
});

