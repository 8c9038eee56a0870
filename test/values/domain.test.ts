// Reading a domain's basic facts: the machine, VLAN tags and device names as libvirt allows them,
// the serial console libvirt prints twice, and where an error in an element points.
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../src/index.js';
import { atElement, domainName, domainUuid, inInput, machineKind, serialMirrors } from '../../src/libvirt/domain.js';
import { readVlan, vlanDeviceName } from '../../src/libvirt/vlan.js';
import { HybridError } from '../../src/errors.js';
import { childElements, firstChild } from '../../src/xml/edit.js';
import { element, rootElement, type XmlElement } from '../../src/xml/tree.js';
import { expectHybridError } from '../helpers.js';

const root = (xml: string): XmlElement => rootElement(parseXml(xml));
const withOs = (type: string): XmlElement => root(`<domain><os>${type}</os></domain>`);

describe('machineKind', () => {
  it.each([
    ["<type arch='x86_64' machine='q35'>hvm</type>", 'q35'], ["<type arch='x86_64' machine='pc-q35-7.2'>hvm</type>", 'q35'],
    ["<type arch='x86_64' machine='pc'>hvm</type>", 'pc'], ["<type arch='i686' machine='pc-i440fx-7.2'>hvm</type>", 'pc'],
    ["<type arch='x86_64' machine='pc-1.0'>hvm</type>", 'pc'], ['<type>hvm</type>', 'pc'], ['', 'pc'],
  ])('%s is %s', (type, kind) => {
    expect(machineKind(withOs(type))).toBe(kind);
  });

  it.each([
    "<type arch='aarch64' machine='virt'>hvm</type>", "<type arch='x86_64' machine='microvm'>hvm</type>",
    "<type arch='x86_64' machine='pcx'>hvm</type>", "<type arch='x86_64' machine='xpc'>hvm</type>", "<type arch='x86_64' machine='pc-x'>hvm</type>",
    "<type arch='ppc64le' machine='pc'>hvm</type>",
  ])('refuses %s', (type) => {
    expectHybridError(() => machineKind(withOs(type)), 'UNSUPPORTED_MACHINE');
  });
});

describe('names', () => {
  it('name and uuid are trimmed; a missing name is empty, a missing uuid undefined', () => {
    const r = root('<domain><name> web1 </name><uuid>\n  u-1\n</uuid></domain>');
    expect([domainName(r), domainUuid(r)]).toEqual(['web1', 'u-1']);
    expect([domainName(root('<domain/>')), domainUuid(root('<domain/>'))]).toEqual(['', undefined]);
  });
});

describe('readVlan', () => {
  const vlan = (inner: string, attrs = ''): XmlElement => root(`<vlan${attrs}>${inner}</vlan>`);
  it('reads one tag from 0 to 4095', () => {
    expect(readVlan(vlan("<tag id='0'/>"), 'p')).toBe(0);
    expect(readVlan(vlan("<tag id='4095'/>"), 'p')).toBe(4095);
    expect(readVlan(vlan("<tag id='100'/>", " trunk='no'"), 'p')).toBe(100);
  });

  it.each([
    ['a trunk', "<tag id='1'/>", " trunk='yes'"], ['two tags', "<tag id='1'/><tag id='2'/>", ''], ['no tag', '', ''],
    ['4096', "<tag id='4096'/>", ''], ['a leading zero', "<tag id='0100'/>", ''], ['junk', "<tag id='10x'/>", ''],
    ['no id', '<tag/>', ''], ['nativeMode', "<tag id='5' nativeMode='tagged'/>", ''],
  ])('refuses %s', (_what, inner, attrs) => {
    expect(expectHybridError(() => readVlan(vlan(inner, attrs), 'pair a'), 'INVALID_VLAN').element).toBe('pair a');
  });
});

describe('vlanDeviceName', () => {
  it('fills {pf} and {vlan}, every time they occur', () => {
    expect(vlanDeviceName('{pf}.{vlan}', 'enp4s0f0', 100, 'p')).toBe('enp4s0f0.100');
    expect(vlanDeviceName('v{vlan}{pf}{vlan}', 'e', 7, 'p')).toBe('v7e7');
  });

  it('needs both placeholders', () => {
    expectHybridError(() => vlanDeviceName('{pf}', 'e', 1, 'p'), 'INVALID_ATTRIBUTE');
    expectHybridError(() => vlanDeviceName('vlan{vlan}', 'e', 1, 'p'), 'INVALID_ATTRIBUTE');
  });

  it('allows 15 characters, not 16, and no space or slash', () => {
    expect(vlanDeviceName('{pf}.{vlan}', 'enp129s0f1', 4095, 'p')).toBe('enp129s0f1.4095');
    expectHybridError(() => vlanDeviceName('{pf}.{vlan}', 'enp129s0f10', 4095, 'p'), 'INVALID_ATTRIBUTE');
    expectHybridError(() => vlanDeviceName('{pf} {vlan}', 'e', 1, 'p'), 'INVALID_ATTRIBUTE');
    expectHybridError(() => vlanDeviceName('{pf}/{vlan}', 'e', 1, 'p'), 'INVALID_ATTRIBUTE');
  });
});

describe('serialMirrors', () => {
  const devices = (xml: string): XmlElement[] => childElements(firstChild(root(`<domain><devices>${xml}</devices></domain>`), 'devices')!);
  it('the console libvirt prints again for the first serial (same alias, or none) is a mirror', () => {
    const list = devices("<serial type='pty'><alias name='serial0'/></serial><console type='pty'><target type='serial'/><alias name='serial0'/></console>");
    expect([...serialMirrors(list)]).toEqual([list[1]]);
    const bare = devices("<serial type='pty'/><console type='pty'><target type='serial'/></console>");
    expect([...serialMirrors(bare)]).toEqual([bare[1]]);
  });

  it('a virtio console, a console with another alias, or a console without a serial is not', () => {
    expect(serialMirrors(devices("<serial type='pty'><alias name='serial0'/></serial><console type='pty'><target type='virtio'/><alias name='serial0'/></console>")).size).toBe(0);
    expect(serialMirrors(devices("<serial type='pty'><alias name='serial0'/></serial><console type='pty'><alias name='console1'/></console>")).size).toBe(0);
    expect(serialMirrors(devices("<console type='pty'><target type='serial'/></console>")).size).toBe(0);
    expect(serialMirrors(devices("<serial type='pty'/><serial type='pty'/>")).size).toBe(0);
  });
});

describe('error positions', () => {
  const r = root('<domain>\n  <devices>\n    <interface/>\n  </devices>\n</domain>');
  const iface = firstChild(firstChild(r, 'devices')!, 'interface')!;
  it('atElement gives an error without a position the element\'s line and column, and keeps one that has a position', () => {
    const e = expectHybridError(() => atElement(iface, () => { throw new HybridError('INVALID_MAC', 'x'); }), 'INVALID_MAC');
    expect([e.line, e.column]).toEqual([3, 5]);
    const kept = expectHybridError(() => atElement(iface, () => { throw new HybridError('INVALID_MAC', 'x', { line: 9, column: 9 }); }), 'INVALID_MAC');
    expect([kept.line, kept.column]).toEqual([9, 9]);
    expect(() => atElement(iface, () => { throw new RangeError('bug'); })).toThrow(RangeError);
    expect(atElement(iface, () => 7)).toBe(7);
    const made = expectHybridError(() => atElement(element('interface'), () => { throw new HybridError('INVALID_MAC', 'x'); }), 'INVALID_MAC');
    expect([made.line, made.column]).toEqual([undefined, undefined]);
  });

  it('inInput names the file, once, and only on HybridErrors', () => {
    expect(expectHybridError(() => inInput('a.xml', () => { throw new HybridError('INVALID_MAC', 'x'); }), 'INVALID_MAC').file).toBe('a.xml');
    expect(expectHybridError(() => inInput('a.xml', () => { throw new HybridError('INVALID_MAC', 'x', { file: 'b.xml' }); }), 'INVALID_MAC').file).toBe('b.xml');
    expect(expectHybridError(() => inInput(undefined, () => { throw new HybridError('INVALID_MAC', 'x'); }), 'INVALID_MAC').file).toBeUndefined();
    const plain = new RangeError('bug');
    expect(() => inInput('a.xml', () => { throw plain; })).toThrow(plain);
    expect((plain as unknown as { file?: string }).file).toBeUndefined();
  });
});
