// Small rules of libvirt's values: device types and the nearest known name, MTU sizes, URIs, and
// whether a pair's MTU fits a host's devices.
import { describe, expect, it } from 'vitest';
import { hostFromXml, parseXml } from '../../src/index.js';
import { judgeMtu, mtuUnknownWarning } from '../../src/host/mtu.js';
import { readMtu } from '../../src/libvirt/mtu.js';
import { HOSTDEV_TYPES, INTERFACE_TYPES, unknownDeviceTypes } from '../../src/libvirt/known-types.js';
import { nearest } from '../../src/nearest.js';
import { isLibvirtUri, isLocalUri, libvirtUri } from '../../src/libvirt/uri.js';
import { childElements, firstChild } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { expectHybridError } from '../helpers.js';

describe('nearest', () => {
  it('the known name with the fewest edits, the first of a tie, every character counted', () => {
    expect(nearest('hostdev-hybird', INTERFACE_TYPES)).toBe('hostdev-hybrid');
    expect(nearest('usx', ['usb', 'usx'])).toBe('usx');
    expect(nearest('pcb', ['pci', 'pcx'])).toBe('pci');
    expect(nearest('pcie', HOSTDEV_TYPES)).toBe('pci');
  });
});

describe('unknownDeviceTypes', () => {
  const devices = (xml: string) => childElements(firstChild(rootElement(parseXml(`<domain><devices>${xml}</devices></domain>`)), 'devices')!);
  it('one error per unknown type, with the alias when the device has one', () => {
    const w = unknownDeviceTypes(devices("<interface type='brige'><alias name='ua-x'/></interface><hostdev type='pcie'/><interface type='bridge'/><disk type='nope'/>"));
    expect(w.map((d) => [d.code, d.severity, d.alias])).toEqual([['UNKNOWN_TYPE', 'error', 'ua-x'], ['UNKNOWN_TYPE', 'error', undefined]]);
    expect(w[1]).not.toHaveProperty('alias');
    expect(w[0]!.message).toContain("did you mean 'bridge'?");
  });
});

describe('readMtu', () => {
  const mtu = (size: string) => readMtu(rootElement(parseXml(`<mtu size='${size}'/>`)), 'entry');
  it('takes 68 to 65535, both ends included', () => {
    expect([mtu('68'), mtu('65535'), mtu('9000')]).toEqual([68, 65535, 9000]);
    for (const bad of ['67', '65536', '-1', '9e3', ' 9000']) expectHybridError(() => mtu(bad), 'INVALID_MTU');
    expect(expectHybridError(() => readMtu(rootElement(parseXml('<mtu/>')), 'entry'), 'INVALID_MTU').message).toBe("entry: <mtu size=''/> must be a whole number from 68 to 65535");
  });
});

describe('libvirt URIs', () => {
  it('the whole string must be driver[+transport]://[host]/path', () => {
    for (const good of ['qemu:///system', 'qemu+ssh://root@b.example:22/system?keyfile=/k', 'qemu+tls://b/system']) expect(isLibvirtUri(good), good).toBe(true);
    for (const bad of ['hostb', ' qemu:///system', 'x qemu:///system', 'qemu:///system ', 'qemu+ssh://b', 'QEMU:///system', "qemu+ssh://b'/system"]) expect(isLibvirtUri(bad), bad).toBe(false);
    expect(libvirtUri('qemu:///system', 'the URI')).toBe('qemu:///system');
    expect(expectHybridError(() => libvirtUri('hostb', 'the destination URI'), 'URI_INVALID').message).toBe("the destination URI 'hostb' is not a libvirt URI: write it in full, e.g. qemu+ssh://host.example/system or qemu:///system");
  });

  it('a URI without a host is this machine', () => {
    expect([isLocalUri('qemu:///system'), isLocalUri('qemu+ssh://a/system'), isLocalUri('qemu+unix:///system')]).toEqual([true, false, true]);
  });
});

describe('judgeMtu: the one MTU rule', () => {
  const host = (links: unknown[] | undefined) => ({ ...hostFromXml({ nodedevs: [] }), ...(links ? { links } : {}) }) as ReturnType<typeof hostFromXml>;
  const judge = (h: ReturnType<typeof host>, devices: string[], mtu: number) => {
    const v = judgeMtu(h, 'ua-p', mtu, devices, 'on host X');
    return v.kind === 'refused' ? [v.code, v.message] : v;
  };
  it('fits, too small, above max_mtu (equal is fine), or unknown per device', () => {
    const h = host([{ ifname: 'eth3', mtu: 9000, maxMtu: 9216 }, { ifname: 'eth3.42', mtu: 1500 }, { ifname: 'eth4', mtu: 9216 }]);
    expect(judge(h, ['eth3'], 9000)).toEqual({ kind: 'fits' });
    expect(judge(h, ['eth4'], 9216)).toEqual({ kind: 'fits' });
    expect(judge(h, ['eth3', 'eth3.42'], 9000)).toEqual(['MTU_TOO_SMALL', expect.stringMatching(/^pair 'ua-p' has MTU 9000, but eth3\.42 has MTU 1500 on host X: .*ip link set eth3\.42 mtu 9000/)]);
    expect(judge(h, ['eth3'], 9216)).toEqual(['MTU_TOO_SMALL', expect.stringContaining('eth3 has MTU 9000 on host X')]);
    expect(judge(host([{ ifname: 'eth3', mtu: 9216, maxMtu: 9216 }]), ['eth3'], 9216)).toEqual({ kind: 'fits' });
    expect(judge(host([{ ifname: 'eth3', mtu: 9000, maxMtu: 9216 }]), ['eth3'], 9217)).toEqual(['INVALID_MTU', "pair 'ua-p' has MTU 9217, above what eth3 takes on host X (max_mtu 9216); lower the pair's <mtu>"]);
    expect(judge(h, ['eth9', 'eth3', 'eth9'], 1500)).toEqual({ kind: 'unknown', devices: ['eth9'] });
    expect(judge(host(undefined), ['eth3'], 1500)).toEqual({ kind: 'unknown', devices: ['eth3'] });
  });

  it('MTU_UNKNOWN names each device once, sorted, and says why', () => {
    expect(mtuUnknownWarning(host(undefined), ['eth4', 'eth3', 'eth4'])).toEqual({
      code: 'MTU_UNKNOWN', severity: 'warning',
      message: 'the host snapshot has no links.json, so the MTU of eth3, eth4 is unknown: a pair\'s MTU cannot be checked there (capture it: ip -j -d link show > links.json)',
    });
    expect(mtuUnknownWarning(host([]), ['eth3']).message).toBe('links.json does not list eth3: the MTU there is unknown, and a pair\'s MTU cannot be checked (capture links.json again)');
  });
});
