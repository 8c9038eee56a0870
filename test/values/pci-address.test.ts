// PCI addresses: libvirt's two unambiguous number forms, its defaults, its limits, and refusals
// that name the field and the element.
import { describe, expect, it } from 'vitest';
import { formatPci, parsePci, pciAttributes, pciNumber, readPciAddress, slotNumber } from '../../src/libvirt/pci-address.js';
import { element } from '../../src/xml/tree.js';
import { expectHybridError } from '../helpers.js';

const address = (attributes: Record<string, string>) => readPciAddress(element('address', attributes), 'hostdev #1');

describe('readPciAddress', () => {
  it('reads hexadecimal and decimal, and a decimal 10 is ten', () => {
    expect(address({ type: 'pci', domain: '0x0001', bus: '0x04', slot: '0x1f', function: '0x7' }))
      .toEqual({ domain: 1, bus: 4, slot: 31, function: 7 });
    expect(address({ domain: '100', bus: '4', slot: '10', function: '0' })).toEqual({ domain: 100, bus: 4, slot: 10, function: 0 });
    expect(address({ bus: '0X0A', slot: '0' })).toEqual({ domain: 0, bus: 10, slot: 0, function: 0 });
  });

  it('takes a missing domain and function as 0, as libvirt does', () => {
    expect(address({ bus: '0x01', slot: '0x02' })).toEqual({ domain: 0, bus: 1, slot: 2, function: 0 });
  });

  it.each([
    ['bus', { slot: '0x01' }],
    ['slot', { bus: '0x01' }],
  ])('refuses an address without a %s', (field, attributes) => {
    const e = expectHybridError(() => address(attributes), 'INVALID_PCI_ADDRESS');
    expect(e.message).toContain(`no ${field}`);
    expect(e.element).toBe('hostdev #1');
  });

  it('refuses an address of another type', () => {
    const e = expectHybridError(() => address({ type: 'drive', bus: '0', slot: '0' }), 'INVALID_PCI_ADDRESS');
    expect(e.message).toContain("type='drive'");
  });

  it.each([
    ['a slot past 0x1f', { bus: '0', slot: '0x20' }, 'slot'],
    ['a function past 7', { bus: '0', slot: '0', function: '8' }, 'function'],
    ['a bus past 0xff', { bus: '256', slot: '0' }, 'bus'],
    ['a domain past 0xffff', { domain: '0x10000', bus: '0', slot: '0' }, 'domain'],
    ['a negative number', { bus: '-1', slot: '0' }, 'bus'],
    ['a decimal with a leading zero (octal to libvirt)', { bus: '010', slot: '0' }, 'bus'],
    ['trailing junk after hexadecimal', { bus: '0', slot: '0x1fz' }, 'slot'],
    ['leading junk before hexadecimal', { bus: '000x4', slot: '0' }, 'bus'],
    ['trailing junk after decimal', { bus: '4 ', slot: '0' }, 'bus'],
    ['an empty value', { bus: '', slot: '0' }, 'bus'],
  ])('refuses %s, naming the field', (_what, attributes, field) => {
    const e = expectHybridError(() => address(attributes), 'INVALID_PCI_ADDRESS');
    expect(e.message).toContain(`${field}=`);
  });

  it('accepts each limit itself', () => {
    expect(address({ domain: '0xffff', bus: '255', slot: '31', function: '7' })).toEqual({ domain: 0xffff, bus: 255, slot: 31, function: 7 });
  });
});

describe('parsePci and formatPci', () => {
  it('read and write the sysfs form', () => {
    expect(parsePci('0000:04:1f.7')).toEqual({ domain: 0, bus: 4, slot: 31, function: 7 });
    expect(parsePci('ABCD:FF:00.0')).toEqual({ domain: 0xabcd, bus: 255, slot: 0, function: 0 });
    expect(formatPci({ domain: 1, bus: 4, slot: 16, function: 1 })).toBe('0001:04:10.1');
  });

  it.each(['0000:04:20.0', ' 0000:04:10.1', '0000:04:10.1 ', '0000:04:10.8', '04:10.1', 'pci_0000_04_10_1'])('refuses %j', (text) => {
    const e = expectHybridError(() => parsePci(text), 'INVALID_PCI_ADDRESS');
    expect(e.element).toBe('PCI address');
    expect(e.message).toContain(`'${text}'`);
  });
});

describe('pciNumber and slotNumber', () => {
  it('pack an address as the kernel does: domain 16 bits, bus 8, slot 5, function 3', () => {
    expect(pciNumber(parsePci('0000:04:10.1'))).toBe(0x481);
    expect(pciNumber(parsePci('0001:00:00.0'))).toBe(0x10000);
    expect(pciNumber(parsePci('ffff:ff:1f.7'))).toBe(0xffffffff);
    expect(slotNumber(0x12, 0x34, 0x05)).toBe(0x123428);
  });

  it('number every function of every slot apart, and a slot as its function 0', () => {
    const numbers = new Set<number>();
    for (const domain of [0, 1, 0xffff])
      for (let bus = 0; bus <= 0xff; bus += 0x55)
        for (let slot = 0; slot <= 0x1f; slot++)
          for (let fn = 0; fn <= 7; fn++) numbers.add(pciNumber({ domain, bus, slot, function: fn }));
    expect(numbers.size).toBe(3 * 4 * 32 * 8);
    expect(slotNumber(1, 2, 3)).toBe(pciNumber({ domain: 1, bus: 2, slot: 3, function: 0 }));
  });
});

describe('pciAttributes', () => {
  it('writes libvirt\'s attributes in its order, with or without type', () => {
    const a = { domain: 0, bus: 1, slot: 2, function: 3 };
    expect(Object.entries(pciAttributes(a))).toEqual([['type', 'pci'], ['domain', '0x0000'], ['bus', '0x01'], ['slot', '0x02'], ['function', '0x3']]);
    expect(Object.keys(pciAttributes(a, false))).toEqual(['domain', 'bus', 'slot', 'function']);
  });

  it('writes a PCI domain other than 0 in four hex digits, and buses and slots up to their limits', () => {
    expect(pciAttributes({ domain: 0x1a, bus: 0xff, slot: 0x1f, function: 7 })).toEqual({ type: 'pci', domain: '0x001a', bus: '0xff', slot: '0x1f', function: '0x7' });
  });
});
