// One nodedev-dumpxml document read: PCI fields in libvirt's forms and limits, NUMA -1, the
// driver, and PF/VF capabilities, each refused with its code when malformed.
import { describe, expect, it } from 'vitest';
import { readNodedev } from '../../src/host/nodedev.js';
import { parseXml } from '../../src/index.js';
import { rootElement } from '../../src/xml/tree.js';
import { expectHybridError } from '../helpers.js';

const read = (xml: string) => readNodedev(rootElement(parseXml(xml)), 'nodedev/x.xml');
const pci = (fields: string, extra = '', outer = '') => read(`<device>
  <name> pci_0000_04_10_1 </name>
  <parent> pci_0000_00_01_0 </parent>${outer}
  <capability type='pci'>
    ${fields}${extra}
  </capability>
</device>`);
const FIELDS = '<domain>0</domain><bus>4</bus><slot>16</slot><function>1</function>';

describe('readNodedev, pci', () => {
  it('reads decimal fields (libvirt prints decimal) and hexadecimal ones, names trimmed', () => {
    expect(pci(FIELDS)).toStrictEqual({ kind: 'pci', name: 'pci_0000_04_10_1', parent: 'pci_0000_00_01_0', address: '0000:04:10.1' });
    expect(pci('<domain>0x1</domain><bus>0x81</bus><slot>0x1f</slot><function>7</function>').address).toBe('0001:81:1f.7');
  });

  it.each([
    ['a slot past 31', '<domain>0</domain><bus>4</bus><slot>32</slot><function>0</function>'],
    ['a function past 7', '<domain>0</domain><bus>4</bus><slot>1</slot><function>8</function>'],
    ['a bus past 255', '<domain>0</domain><bus>256</bus><slot>1</slot><function>0</function>'],
    ['a missing bus', '<domain>0</domain><slot>1</slot><function>0</function>'],
    ['junk', '<domain>0</domain><bus>4x</bus><slot>1</slot><function>0</function>'],
    ['a bare 0x', '<domain>0</domain><bus>0x</bus><slot>1</slot><function>0</function>'],
    ['junk before', '<domain>0</domain><bus>x4</bus><slot>1</slot><function>0</function>'],
    ['a negative', '<domain>0</domain><bus>-1</bus><slot>1</slot><function>0</function>'],
    ['a sign, which Number() would take', '<domain>0</domain><bus>+4</bus><slot>1</slot><function>0</function>'],
    ['a fraction, which Number() would take', '<domain>0</domain><bus>4.5</bus><slot>1</slot><function>0</function>'],
  ])('refuses %s', (_what, fields) => {
    expect(expectHybridError(() => pci(fields), 'INVALID_PCI_ADDRESS').element).toBe('nodedev/x.xml (pci_0000_04_10_1)');
  });

  it('takes the NUMA node, treats -1 as unknown, and refuses junk', () => {
    expect(pci(FIELDS, "<numa node='1'/>").numaNode).toBe(1);
    expect(pci(FIELDS, "<numa node='0'/>").numaNode).toBe(0);
    expect(pci(FIELDS, "<numa node='-1'/>")).not.toHaveProperty('numaNode');
    for (const bad of ['x', '1x', 'x1', '']) expectHybridError(() => pci(FIELDS, `<numa node='${bad}'/>`), 'INVALID_ATTRIBUTE');
  });

  it('takes vendor:device from <vendor id> and <product id>, lower-case, and refuses one that is no PCI id', () => {
    expect(pci(FIELDS, "<product id='0x101E'>VF</product><vendor id='0x15b3'>Mellanox</vendor>")).toMatchObject({ pciId: '15b3:101e' });
    expect(pci(FIELDS, "<vendor id='0x15b3'>Mellanox</vendor>")).not.toHaveProperty('pciId');
    for (const bad of ['0x15b', '15b3', '0xzzzz']) expectHybridError(() => pci(FIELDS, `<product id='0x101e'/><vendor id='${bad}'/>`), 'INVALID_ATTRIBUTE');
  });

  it('takes the bound driver, trimmed', () => {
    expect(pci(FIELDS, '', '\n  <driver>\n    <name> iavf </name>\n  </driver>')).toMatchObject({ driver: 'iavf' });
    expect(pci(FIELDS)).not.toHaveProperty('driver');
  });

  it('reads a PF\'s VFs and maxCount, and a VF\'s PF', () => {
    const pf = pci(FIELDS, "<capability type='virt_functions' maxCount='7'><address domain='0x0000' bus='0x04' slot='0x10' function='0x1'/></capability>");
    expect(pf).toMatchObject({ virtFunctions: { vfs: ['0000:04:10.1'], maxCount: 7 } });
    const noMax = pci(FIELDS, "<capability type='virt_functions'/>");
    expect(noMax).toMatchObject({ virtFunctions: { vfs: [] } });
    expect((noMax as { virtFunctions: object }).virtFunctions).not.toHaveProperty('maxCount');
    for (const bad of ['x', '7x', 'x7', '-1']) expectHybridError(() => pci(FIELDS, `<capability type='virt_functions' maxCount='${bad}'/>`), 'INVALID_ATTRIBUTE');
    const vf = pci(FIELDS, "<capability type='phys_function'><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></capability>");
    expect(vf).toMatchObject({ physFunction: '0000:04:00.0' });
    expectHybridError(() => pci(FIELDS, "<capability type='phys_function'/>"), 'MISSING_ELEMENT');
  });
});

describe('readNodedev, net and others', () => {
  it('a net device gives its interface name and parent', () => {
    expect(read("<device><name>net_enp4s0f0</name><parent>pci_0000_04_00_0</parent><capability type='net'><interface> enp4s0f0 </interface></capability></device>"))
      .toStrictEqual({ kind: 'net', name: 'net_enp4s0f0', parent: 'pci_0000_04_00_0', netdev: 'enp4s0f0' });
    expect(read("<device><name>net_x</name><capability type='net'><interface>x</interface></capability></device>")).not.toHaveProperty('parent');
    expectHybridError(() => read("<device><name>n</name><capability type='net'/></device>"), 'MISSING_ELEMENT');
  });

  it('anything else is another device; a wrong root or no name is refused', () => {
    expect(read("<device><name>usb_1</name><capability type='usb_device'/></device>")).toStrictEqual({ kind: 'other', name: 'usb_1' });
    expectHybridError(() => read('<domain/>'), 'XML_WRONG_ROOT');
    expectHybridError(() => read('<device/>'), 'MISSING_ELEMENT');
  });
});

describe('readNodedev, the PCI class', () => {
  it('is read lower-cased, and refused when it is no class code', () => {
    expect(pci(FIELDS + '<class>0x03020A</class>')).toMatchObject({ pciClass: '0x03020a' });
    expect(pci(FIELDS + '<class>\n      0x020000\n    </class>')).toMatchObject({ pciClass: '0x020000' }); // white space around it, as in a hand-edited file
    expect(pci(FIELDS)).not.toHaveProperty('pciClass');
    for (const bad of ['0x0302', '030200', '0x03020g', '']) {
      expect(expectHybridError(() => pci(FIELDS + `<class>${bad}</class>`), 'INVALID_ATTRIBUTE').message).toContain('is not a PCI class code');
    }
  });
});
