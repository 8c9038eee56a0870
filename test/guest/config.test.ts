// guestNetworkConfig beyond the golden cases: what it refuses, static addressing without a
// gateway or DNS in every format, and ports matched by the VF's own driver when the host knows it.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { guestNetworkConfig, readHostSnapshot, type GuestFormat, type Host } from '../../src/index.js';
import { VF_DRIVERS } from '../../src/guest/config.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';

const expanded = fixture('cases', 'guest-bond-one-static', 'input.xml');
// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});
const FORMATS: GuestFormat[] = ['netplan', 'nm', 'networkd', 'ifupdown'];
const all = (files: Record<string, string>): string => Object.values(files).join('\n');

describe('static addressing', () => {
  it.each(['192.0.2.10', '192.0.2.10/33', '256.0.2.10/24', '192.0.2/24', '192.0.2.10/24 ', ' 192.0.2.10/24', '192.0.02.10/24', '1.2.3.4.5/8'])('refuses the address %j', (address) => {
    expectHybridError(() => guestNetworkConfig(expanded, { static: { address } }), 'INVALID_ATTRIBUTE');
  });

  it.each(['0.0.0.0/0', '255.255.255.255/32', '10.0.0.1/8', '192.0.2.10/24', '1.2.3.4/9', '199.249.250.251/30'])('accepts the address %j', (address) => {
    expect(() => guestNetworkConfig(expanded, { static: { address } })).not.toThrow();
  });

  it.each([['gateway', { gateway: '192.0.2.256' }], ['gateway', { gateway: '192.0.2.1/24' }], ['DNS server', { dns: ['192.0.2.53', 'ns1'] }]])('refuses a bad %s', (what, extra) => {
    const e = expectHybridError(() => guestNetworkConfig(expanded, { static: { address: '192.0.2.10/24', ...extra } }), 'INVALID_ATTRIBUTE');
    expect(e.message).toContain(what);
  });

  it.each(FORMATS)('%s: an address alone gives no route and no DNS, and no DHCP', (format) => {
    const text = all(guestNetworkConfig(expanded, { format, static: { address: '192.0.2.10/24' } }).files);
    expect(text).toContain('192.0.2.10/24');
    expect(text).not.toMatch(/gateway|Gateway|via|0\.0\.0\.0\/0|dns|DNS|nameservers|dhcp4: true|DHCP=|method=auto\n\[ipv6/i);
  });
});

describe('ports', () => {
  it('are matched by the VF\'s own driver when the host knows it, else by the list', () => {
    const known = guestNetworkConfig(expanded, { host: intel }).ports[0]!;
    expect(known.vfDrivers).toEqual(['igbvf']);
    expect(guestNetworkConfig(expanded).ports[0]!.vfDrivers).toEqual([...VF_DRIVERS]);
  });

  it('every host given: the union of their VF drivers in the pair\'s pool, the own VF\'s first — a move to another vendor keeps the fast path', () => {
    const cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
    const both = guestNetworkConfig(expanded, { host: [cx5, intel] });
    expect(both.ports[0]!.vfDrivers).toEqual(['igbvf', 'mlx5_core']);
    expect(both.warnings.map((w) => w.code)).not.toContain('GUEST_CONFIG_ONE_HOST');
    expect(both.files['etc/netplan/60-hostdev-hybrid.yaml']).toContain('driver: ["igbvf", "mlx5_core"]');
    const one = guestNetworkConfig(expanded, { host: cx5 });
    expect(one.ports[0]!.vfDrivers).toEqual(['mlx5_core']);
    expect(one.warnings.map((w) => w.code)).toEqual(['GUEST_CONFIG_ONE_HOST']);
  });

  it('take the MAC in lower case and the names of their pair\'s position', () => {
    const p = guestNetworkConfig(expanded.replaceAll(/mac='([0-9a-f:]+)'/g, (_, m: string) => `mac='${m.toUpperCase()}'`)).ports[0]!;
    expect(p).toMatchObject({ device: 'bond0', vfPort: 'hh0vf', virtioPort: 'hh0virtio' });
    expect(p.mac).toBe(p.mac.toLowerCase());
  });
});

describe('refusals', () => {
  it('an unknown format, a domain without pairs, a non-string', () => {
    expectHybridError(() => guestNetworkConfig(expanded, { format: 'yaml' as GuestFormat }), 'INVALID_ATTRIBUTE');
    expectHybridError(() => guestNetworkConfig("<domain><name>x</name></domain>"), 'NOTHING_TO_DO');
    expect(() => guestNetworkConfig(7 as unknown as string)).toThrow(/^guestNetworkConfig expects/);
  });

  it('the default format is netplan', () => {
    expect(guestNetworkConfig(expanded).format).toBe('netplan');
    expect(Object.keys(guestNetworkConfig(expanded).files)).toEqual(['etc/netplan/60-hostdev-hybrid.yaml']);
  });
});

describe('further', () => {
  it('an address alone: exactly the method and the address, in nm and ifupdown', () => {
    const nm = guestNetworkConfig(expanded, { format: 'nm', static: { address: '192.0.2.10/24' } }).files['etc/NetworkManager/system-connections/hostdev-hybrid-bond0.nmconnection']!;
    expect(nm).toContain('[ipv4]\nmethod=manual\naddress1=192.0.2.10/24\n\n[ipv6]');
    const ifupdown = guestNetworkConfig(expanded, { format: 'ifupdown', static: { address: '192.0.2.10/24' } }).files['etc/network/interfaces.d/hostdev-hybrid']!;
    expect(ifupdown).toContain('iface bond0 inet static\n    address 192.0.2.10/24\n    bond-slaves hh0vf hh0virtio\n');
  });

  it('a domain whose metadata holds only ephemeral devices has no pairs to configure', () => {
    const onlyEphemeral = expanded.replace(/<hh:pair [^>]*\/>/, "<hh:ephemeral alias='e' device='hostdev' source='0000:65:00.0'/>");
    expect(onlyEphemeral).not.toBe(expanded);
    expectHybridError(() => guestNetworkConfig(onlyEphemeral), 'NOTHING_TO_DO');
  });

  it('hosts whose VFs name no driver leave the driver list', () => {
    const noDrivers = { ...intel, vfs: intel.vfs.map(({ driver: _, ...vf }) => vf) };
    expect(guestNetworkConfig(expanded, { host: noDrivers }).ports[0]!.vfDrivers).toEqual([...VF_DRIVERS]);
  });
});

describe('the backup port is matched by its own model\'s guest driver (bond style)', () => {
  const withModel = (model: string | undefined): string => {
    const m = /<model type='virtio'\/>/;
    expect(expanded).toMatch(m);
    return model === undefined ? expanded.replace(/\n *<model type='virtio'\/>/, '') : expanded.replace(m, `<model type='${model}'/>`);
  };

  it.each([['virtio', ['virtio_net']], ['e1000e', ['e1000e']], ['e1000', ['e1000']], ['rtl8139', ['8139cp', '8139too']], [undefined, ['virtio_net']]] as const)('model %s: %j, in every format', (model, drivers) => {
    for (const format of FORMATS) {
      const config = guestNetworkConfig(withModel(model), { format });
      expect(config.ports[0]!.backupDrivers).toEqual(drivers);
      expect(config.warnings).toEqual([]);
      const text = all(config.files);
      for (const d of drivers) expect(text, format).toContain(d);
      if (model !== undefined && model !== 'virtio') expect(text, format).not.toContain('virtio_net');
    }
  });

  it('a model without a known guest driver is reported, and its name is matched', () => {
    const config = guestNetworkConfig(withModel('ne2k_isa'), { format: 'netplan' });
    expect(config.warnings.map((w) => [w.code, w.alias])).toEqual([['BACKUP_DRIVER_UNKNOWN', config.ports[0]!.pair]]);
    expect(config.warnings[0]!.message).toContain("model 'ne2k_isa' has no guest driver known here");
    expect(config.ports[0]!.backupDrivers).toEqual(['ne2k_isa']);
  });
});
