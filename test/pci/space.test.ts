// The guest PCI space at its edges: which slots libvirt's buses offer for hot-plug, the last slot
// of each bus, root ports packed eight to a slot, and running out of slots and indexes.
import { describe, expect, it } from 'vitest';
import { addedControllers, allocateHotpluggable, guestPciSpace, isHotpluggable, readGuestAddress, reserveAddress } from '../../src/pci/space.js';
import { pciAttributes, type PciAddress } from '../../src/libvirt/pci-address.js';
import { serializeXml } from '../../src/xml/serialize.js';
import { element, type XmlElement } from '../../src/xml/tree.js';
import type { MachineKind } from '../../src/libvirt/domain.js';
import { expectHybridError } from '../helpers.js';

const at = (bus: number, slot: number, fn = 0): PciAddress => ({ domain: 0, bus, slot, function: fn });
const device = (a: PciAddress): XmlElement => element('hostdev', { mode: 'subsystem', type: 'pci' }, [element('address', pciAttributes(a))]);
const controller = (model: string, index?: number, extra: XmlElement[] = []): XmlElement =>
  element('controller', { type: 'pci', ...(index !== undefined ? { index: String(index) } : {}), model }, extra);
const slots = (bus: number, from: number, to: number): XmlElement[] => Array.from({ length: to - from + 1 }, (_, i) => device(at(bus, from + i)));
const space = (machine: MachineKind, devices: XmlElement[] = [], canAddPorts = true) => guestPciSpace(machine, devices, canAddPorts);

describe('isHotpluggable', () => {
  const pc = space('pc', [controller('pci-bridge', 1), controller('pci-bridge', 2, [element('target', { hotplug: 'off' })])]);
  const q35 = space('q35', [controller('pcie-root-port', 1), controller('pcie-to-pci-bridge', 2), controller('dmi-to-pci-bridge', 3), controller('pcie-switch-downstream-port', 4)]);
  it.each([
    ['pci-root slot 2 (video)', pc, at(0, 2), false], ['pci-root slot 3', pc, at(0, 3), true], ['pci-root slot 0x1f', pc, at(0, 0x1f), true],
    ['a function other than 0', pc, at(0, 3, 1), false], ['another PCI domain', pc, { ...at(0, 3), domain: 1 }, false],
    ['pci-bridge slot 0', pc, at(1, 0), false], ['pci-bridge slot 1', pc, at(1, 1), true], ['a bridge with hotplug off', pc, at(2, 1), false],
    ['a bus no controller provides', pc, at(9, 1), false],
    ['pcie-root', q35, at(0, 3), false], ['pcie-root-port slot 0', q35, at(1, 0), true], ['pcie-root-port slot 1', q35, at(1, 1), false],
    ['pcie-to-pci-bridge slot 1', q35, at(2, 1), true], ['pcie-to-pci-bridge slot 0', q35, at(2, 0), false], ['dmi-to-pci-bridge', q35, at(3, 1), false],
    ['pcie-switch-downstream-port slot 0', q35, at(4, 0), true],
  ])('%s: %s', (_what, s, a, expected) => {
    expect(isHotpluggable(s, a)).toBe(expected);
  });
});

describe('allocateHotpluggable on pc', () => {
  it('starts at pci-root slot 3, never 0-2, and ends at 0x1f', () => {
    expect(allocateHotpluggable(space('pc'), 'x')).toEqual(at(0, 3));
    expect(allocateHotpluggable(space('pc', slots(0, 3, 0x1e)), 'x')).toEqual(at(0, 0x1f));
  });

  it('then uses the first hotpluggable pci-bridge, from slot 1', () => {
    const s = space('pc', [...slots(0, 3, 0x1f), controller('pci-bridge', 2, [element('target', { hotplug: 'off' })]), controller('pci-bridge', 3)]);
    expect(allocateHotpluggable(s, 'x')).toEqual(at(3, 1));
    expect(allocateHotpluggable(s, 'x')).toEqual(at(3, 2));
  });

  it('a bridge\'s last slot is 0x1f; then it is exhausted, saying to add a pci-bridge', () => {
    const s = space('pc', [...slots(0, 3, 0x1f), controller('pci-bridge', 1), ...slots(1, 1, 0x1e)]);
    expect(allocateHotpluggable(s, 'x')).toEqual(at(1, 0x1f));
    expect(expectHybridError(() => allocateHotpluggable(s, 'pair a'), 'PCI_SLOTS_EXHAUSTED').message).toContain("model='pci-bridge'");
  });

  it('never adds controllers on pc', () => {
    const s = space('pc', slots(0, 3, 0x1f));
    expectHybridError(() => allocateHotpluggable(s, 'x'), 'PCI_SLOTS_EXHAUSTED');
    expect(addedControllers(s)).toEqual([]);
  });
});

describe('allocateHotpluggable on q35', () => {
  it('takes an empty root port first, in index order, skipping ports with hotplug off', () => {
    const s = space('q35', [controller('pcie-root-port', 3), controller('pcie-root-port', 2, [element('target', { hotplug: 'off' })]), controller('pcie-root-port', 1), device(at(1, 0))]);
    expect(allocateHotpluggable(s, 'x')).toEqual(at(3, 0));
  });

  it('adds ports eight to a bus-0 slot, the first marked multifunction once it has company', () => {
    const s = space('q35');
    const buses = Array.from({ length: 9 }, () => allocateHotpluggable(s, 'x').bus);
    expect(buses).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const printed = addedControllers(s).map((c) => serializeXml({ type: 'document', children: [c] } as never));
    expect(printed[0]).toContain("slot='0x01' function='0x0' multifunction='on'");
    expect(printed[7]).toContain("slot='0x01' function='0x7'/>");
    expect(printed[8]).toContain("slot='0x02' function='0x0'/>"); // alone on its slot so far
    expect(printed[8]).toContain("<target chassis='9' port='0x10'/>");
    expect(printed[1]).toContain("<target chassis='2' port='0x9'/>");
  });

  it('a single added port is not multifunction', () => {
    const s = space('q35');
    allocateHotpluggable(s, 'x');
    expect(JSON.stringify(addedControllers(s)[0])).not.toContain('multifunction');
  });

  it('numbers a new port past every index and every bus in use', () => {
    expect(allocateHotpluggable(space('q35', [controller('pcie-root-port', 4), device(at(4, 0))]), 'x').bus).toBe(5);
    expect(allocateHotpluggable(space('q35', [device(at(7, 0))]), 'x').bus).toBe(8);
  });

  it('puts a new port in pcie-root\'s last slot, 0x1e, then runs out', () => {
    const s = space('q35', slots(0, 1, 0x1d));
    allocateHotpluggable(s, 'x');
    expect(JSON.stringify(addedControllers(s)[0])).toContain('"0x1e"');
    const full = space('q35', slots(0, 1, 0x1e));
    expect(expectHybridError(() => allocateHotpluggable(full, 'x'), 'PCI_SLOTS_EXHAUSTED').message).toMatch(/pcie-root has no free slot.*PCIe switch.*pcie-expander-bus.*fewer hybrid NICs/);
  });

  it('runs out of controller indexes past 255', () => {
    const s = space('q35', [controller('pcie-root-port', 255), device(at(255, 0))]);
    expect(expectHybridError(() => allocateHotpluggable(s, 'x'), 'PCI_SLOTS_EXHAUSTED').message).toContain('index');
    expect(allocateHotpluggable(space('q35', [controller('pcie-root-port', 254), device(at(254, 0))]), 'x').bus).toBe(255);
  });

  it('adds no port to a running guest, and says how to get one', () => {
    const e = expectHybridError(() => allocateHotpluggable(space('q35', [], false), 'pair a'), 'PCI_SLOTS_EXHAUSTED');
    expect(e.message).toContain('restart');
  });
});

describe('the input\'s own addresses and controllers', () => {
  it('refuses two devices at one guest address', () => {
    const e = expectHybridError(() => space('pc', [device(at(0, 5)), device(at(0, 5))]), 'GUEST_ADDRESS_CONFLICT');
    expect(e.message).toContain('0000:00:05.0');
  });

  it('lets two functions of one slot be, but gives a hybrid half a slot of its own and a bus that exists', () => {
    const s = space('pc', [device(at(0, 5)), device(at(0, 5, 1))]);
    expectHybridError(() => reserveAddress(s, at(0, 5, 2), 'half'), 'GUEST_ADDRESS_CONFLICT');
    expectHybridError(() => reserveAddress(s, at(3, 1), 'half'), 'GUEST_ADDRESS_CONFLICT');
    reserveAddress(s, at(0, 6), 'half');
    expect(allocateHotpluggable(s, 'x')).toEqual(at(0, 3));
  });

  it('numbers controllers without index= as libvirt does: the lowest index nobody uses, in order', () => {
    const s = space('q35', [controller('pcie-root', 0), controller('pcie-root-port'), controller('pcie-root-port', 1), controller('pcie-root-port')]);
    expect([...s.controllers.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    expect(s.controllers.get(0)!.model).toBe('pcie-root');
  });

  it.each(['256', 'x', '-1', '1000'])('refuses index=%j', (index) => {
    expectHybridError(() => space('q35', [element('controller', { type: 'pci', index, model: 'pcie-root-port' })]), 'INVALID_ATTRIBUTE');
  });
});

describe('the PCI space, further', () => {
  it('adds root ports by default', () => {
    expect(allocateHotpluggable(guestPciSpace('q35', []), 'x').bus).toBe(1);
  });

  it.each(['1x', 'x1', '01a'])('refuses index=%j, a number with junk', (index) => {
    expectHybridError(() => space('q35', [element('controller', { type: 'pci', index, model: 'pcie-root-port' })]), 'INVALID_ATTRIBUTE');
  });

  it('a PCI controller without model= is the root at index 0, a pci-bridge elsewhere', () => {
    const pc = space('pc', [element('controller', { type: 'pci', index: '0' }), element('controller', { type: 'pci', index: '1' }), ...slots(0, 3, 0x1f)]);
    expect(pc.controllers.get(0)!.model).toBe('pci-root');
    expect(pc.controllers.get(1)!.model).toBe('pci-bridge');
    expect(allocateHotpluggable(pc, 'x')).toEqual(at(1, 1));
    expect(space('q35', [element('controller', { type: 'pci', index: '0' })]).controllers.get(0)!.model).toBe('pcie-root');
  });

  it('searches bridges in index order, whatever order the document lists them in', () => {
    const s = space('pc', [...slots(0, 3, 0x1f), controller('pci-bridge', 2), controller('pci-bridge', 1)]);
    expect(allocateHotpluggable(s, 'x')).toEqual(at(1, 1));
  });

  it('takes an empty switch downstream port as it takes a root port', () => {
    expect(allocateHotpluggable(space('q35', [controller('pcie-switch-downstream-port', 3)]), 'x')).toEqual(at(3, 0));
  });

  it('a new port\'s index passes a controller index no bus is used on yet', () => {
    const s = space('q35', [controller('pcie-root-port', 1, [element('target', { hotplug: 'off' })])]);
    expect(allocateHotpluggable(s, 'x').bus).toBe(2);
  });

  it('names both devices when two share an address', () => {
    const a = element('hostdev', { mode: 'subsystem', type: 'pci' }, [element('alias', { name: 'first' }), element('address', pciAttributes(at(0, 5)))]);
    const b = element('interface', { type: 'network' }, [element('alias', { name: 'second' }), element('address', pciAttributes(at(0, 5)))]);
    const e = expectHybridError(() => space('pc', [a, b]), 'GUEST_ADDRESS_CONFLICT');
    expect(e.message).toMatch(/^<interface type='network'> 'second' \(device #2\): .* already used by <hostdev type='pci'> 'first' \(device #1\)$/);
    expect(expectHybridError(() => reserveAddress(space('pc', [a]), at(0, 5), 'the VF half'), 'GUEST_ADDRESS_CONFLICT').message).toMatch(/^the VF half: .*'first'/);
  });
});

describe('guest addresses in the dialect', () => {
  it('must say type=\'pci\'', () => {
    expect(readGuestAddress(element('address', { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x0' }), 'x')).toEqual(at(1, 0));
    expectHybridError(() => readGuestAddress(element('address', { domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x0' }), 'x'), 'INVALID_PCI_ADDRESS');
  });
});

describe('an added root port in the space', () => {
  it('is a hotpluggable pcie-root-port under its index, on bus 0', () => {
    const s = space('q35');
    const bus = allocateHotpluggable(s, 'x').bus;
    expect(s.controllers.get(bus)).toMatchObject({ index: bus, model: 'pcie-root-port', hotplug: true });
  });
});

describe('guestPciSpace reads PCI addresses only', () => {
  it('passes over a disk\'s drive address and a device without one, and takes the slot of a PCI one', () => {
    const disk = element('disk', { type: 'file', device: 'disk' }, [element('address', { type: 'drive', controller: '0', bus: '0', target: '0', unit: '0' })]);
    const s = space('pc', [disk, element('input', { type: 'tablet', bus: 'usb' }), device(at(0, 3))]);
    expect([...s.slots]).toHaveLength(1);
    expect(s.functions.get(0x18)).toBe("<hostdev type='pci'> (device #3)");
  });
});
