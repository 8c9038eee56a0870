/**
 * The guest's side of a pair: the network configuration that makes bond style work (a bond,
 * active-backup, VF primary) or keeps the network manager off teaming's lower devices. Both
 * halves share one MAC, so each port is matched by MAC *and* driver (the 2015 libvirt thread:
 * guest networking belongs to the guest, told apart by driver), and given a stable name.
 * Pure: files in, files out (docs/GUEST.md).
 */
import { HybridError } from '../errors.js';
import { devicesByAlias, requirePairHalves, readMetadata, type PairRecord, type Style } from '../expand/metadata.js';
import { hostIndex, type Host } from '../host/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { deviceList, domainName, domainRoot } from '../libvirt/domain.js';
import { childAttribute } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import { sha256Hex } from '../sha256.js';

/** The guest configuration formats (docs/GUEST.md). */
export type GuestFormat = 'netplan' | 'nm' | 'networkd' | 'ifupdown';

/** The VF drivers a port is matched by when no host snapshot names the VF's own. */
export const VF_DRIVERS = [
  'iavf',
  'i40evf',
  'ixgbevf',
  'igbvf',
  'mlx5_core',
  'mlx4_core',
  'bnxt_en',
  'qede',
  'enic',
  'hinic',
  'octeontx2-vf',
  'sfc',
] as const;

/**
 * The guest's kernel driver for each NIC model a backup half may have: the backup port is matched
 * by it (bond style). A teamed backup is always virtio.
 */
export const BACKUP_DRIVERS: Readonly<Record<string, readonly string[]>> = {
  virtio: ['virtio_net'],
  'virtio-transitional': ['virtio_net'],
  'virtio-non-transitional': ['virtio_net'],
  e1000e: ['e1000e'],
  e1000: ['e1000'],
  igb: ['igb'],
  rtl8139: ['8139cp', '8139too'],
  vmxnet3: ['vmxnet3'],
  ne2k_pci: ['ne2k-pci'],
  pcnet: ['pcnet32'],
};

/** Static IPv4 addressing for the guest, instead of DHCP. */
export interface StaticAddressing {
  /** `ADDRESS/PREFIX`, e.g. `192.0.2.10/24`. */
  address: string;
  gateway?: string;
  dns?: string[];
}

/** Options of guestNetworkConfig. */
export interface GuestConfigOptions {
  /** Default `netplan` (cloud-init network-config v2). */
  format?: GuestFormat;
  /**
   * The hosts the guest runs on and may move to: each VF port is matched by the drivers of those
   * hosts' VFs in its pool, instead of the whole list. One host alone gives that host's drivers
   * only (and a GUEST_CONFIG_ONE_HOST warning): after a move to another vendor's VFs, the guest
   * would not take the fast path.
   */
  host?: Host | Host[];
  /** Static addressing for the first pair's bond (or failover device); default DHCP. */
  static?: StaticAddressing;
}

/** One pair as the guest sees it: the MAC, the names its ports get, the drivers they are matched by. */
export interface GuestPort {
  /** The pair's name (its ua- alias). */
  pair: string;
  mac: string;
  /** The guest-side device: bond{i} (bond style) or hh{i} (the failover device, teaming). */
  device: string;
  /** Names given to the VF port and the backup port (bond style; the backup is virtio unless its model says otherwise). */
  vfPort: string;
  virtioPort: string;
  vfDrivers: string[];
  /** The guest drivers the backup port is matched by: its model's (`BACKUP_DRIVERS`). */
  backupDrivers: string[];
  /** The pair's MTU, set on the bond (or failover device) and on both ports; absent: the default. */
  mtu?: number;
}

/** What guestNetworkConfig returns: the ports it matched and the files, by their path in the guest. */
export interface GuestConfig {
  format: GuestFormat;
  style: Style;
  ports: GuestPort[];
  /** Relative path (where it goes in the guest, without the leading /) → content. */
  files: Record<string, string>;
  /** What the files cannot promise (a backup model with no known guest driver: BACKUP_DRIVER_UNKNOWN). */
  warnings: Diagnostic[];
}

// Octets without leading zeros, as inet_pton reads them (a leading zero is octal to other tools).
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}/([0-9]|[12][0-9]|3[0-2])$`);

function checkStatic(s: StaticAddressing): void {
  if (!IPV4_CIDR.test(s.address))
    throw new HybridError('INVALID_ATTRIBUTE', `static address '${s.address}' is not ADDRESS/PREFIX like 192.0.2.10/24`);
  if (s.gateway !== undefined && !IPV4.test(s.gateway))
    throw new HybridError('INVALID_ATTRIBUTE', `gateway '${s.gateway}' is not an IPv4 address`);
  for (const d of s.dns ?? []) if (!IPV4.test(d)) throw new HybridError('INVALID_ATTRIBUTE', `DNS server '${d}' is not an IPv4 address`);
}

/** A UUID that is the same for the same domain and device, so files are deterministic. */
function stableUuid(...seed: string[]): string {
  const h = sha256Hex(seed.join('\0'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The guest network configuration for an expanded domain's pairs, in one of four formats. Several
 * pairs give several bonds (bond0, bond1… in the order of the pairs).
 *
 * @example
 * guestNetworkConfig(expandedXml, { format: 'netplan', host }).files['etc/netplan/60-hostdev-hybrid.yaml'];
 */
export function guestNetworkConfig(expandedXml: string, options: GuestConfigOptions = {}): GuestConfig {
  if (typeof expandedXml !== 'string') throw new TypeError('guestNetworkConfig expects the expanded domain XML as a string');
  const format = options.format ?? 'netplan';
  if (!['netplan', 'nm', 'networkd', 'ifupdown'].includes(format))
    throw new HybridError('INVALID_ATTRIBUTE', `format '${String(format)}' must be netplan, nm, networkd or ifupdown`);
  if (options.static) checkStatic(options.static);
  const root = domainRoot(parseXml(expandedXml));
  const meta = readMetadata(root);
  if (!meta || meta.pairs.length === 0) {
    throw new HybridError(
      'NOTHING_TO_DO',
      `domain '${domainName(root)}' has no hybrid pairs (no hostdev-hybrid metadata): expand it first`,
    );
  }
  const warnings: Diagnostic[] = [];
  const hosts = options.host === undefined ? [] : Array.isArray(options.host) ? options.host : [options.host];
  if (hosts.length === 1) {
    warnings.push({
      code: 'GUEST_CONFIG_ONE_HOST',
      severity: 'warning',
      message:
        "one host given: each VF port is matched by that host's VF drivers only, so after a move to another vendor's VFs the guest stays on its backup; give every host the guest may run on (--host repeated), or none for the whole list",
    });
  }
  const byAlias = devicesByAlias(deviceList(root));
  const ports = meta.pairs.map((p, i) => {
    const { backup } = requirePairHalves(byAlias, p);
    // Expansion always writes a model; one without is virtio as far as the guest can be told.
    const model = (backup && childAttribute(backup, 'model', 'type')) ?? 'virtio';
    const drivers = BACKUP_DRIVERS[model];
    if (!drivers && meta.style === 'bond') {
      warnings.push({
        code: 'BACKUP_DRIVER_UNKNOWN',
        severity: 'warning',
        alias: p.name,
        message: `pair '${p.name}': its backup's model '${model}' has no guest driver known here; its port is matched by the driver name '${model}', which may not be the guest's: check it, or give the backup a model of ${Object.keys(BACKUP_DRIVERS).join(', ')}`,
      });
    }
    return port(p, i, meta.style, hosts, drivers ? [...drivers] : [model]);
  });
  const render = { netplan, nm, networkd, ifupdown }[format];
  return { format, style: meta.style, ports, files: render(ports, meta.style, options.static, domainName(root)), warnings };
}

/**
 * The guest drivers a pair's VF may have on `hosts`: its own VF's first, then those of each host's
 * VFs in the pair's pool (every VF of a host that has no such pool). None known: the whole list.
 */
function vfDriversOn(p: PairRecord, hosts: Host[]): string[] {
  const drivers = new Set<string>();
  for (const host of hosts) {
    const own = hostIndex(host).vfByAddress.get(p.vf)?.driver;
    if (own) drivers.add(own);
  }
  for (const host of hosts) {
    const index = hostIndex(host);
    const pool = host.pools.find((q) => q.name === p.pool);
    for (const vf of pool ? pool.vfs : host.vfs.map((v) => v.address)) {
      const driver = index.vfByAddress.get(vf)?.driver;
      if (driver) drivers.add(driver);
    }
  }
  return drivers.size > 0 ? [...drivers] : [...VF_DRIVERS];
}

function port(p: PairRecord, i: number, style: Style, hosts: Host[], backupDrivers: string[]): GuestPort {
  return {
    pair: p.name,
    mac: p.mac.toLowerCase(),
    device: style === 'bond' ? `bond${i}` : `hh${i}`,
    vfPort: `hh${i}vf`,
    virtioPort: `hh${i}virtio`,
    vfDrivers: vfDriversOn(p, hosts),
    backupDrivers,
    ...(p.mtu !== undefined ? { mtu: p.mtu } : {}),
  };
}

const HEADER = "written by hostdev-hybrid guest-config for the domain's hybrid pairs (docs/GUEST.md)";
const statikFor = (i: number, s: StaticAddressing | undefined): StaticAddressing | undefined => (i === 0 ? s : undefined);

// --- netplan (cloud-init network-config v2) ---

function yamlList(xs: string[]): string {
  return xs.length === 1 ? `"${xs[0]}"` : `[${xs.map((x) => `"${x}"`).join(', ')}]`;
}

function netplanAddressing(s: StaticAddressing | undefined, indent: string): string {
  if (!s) return `${indent}dhcp4: true\n`;
  let out = `${indent}addresses: ["${s.address}"]\n`;
  // `to: default` is newer netplan; cloud-init (Debian 12) reads only the explicit form.
  if (s.gateway) out += `${indent}routes:\n${indent}  - to: "0.0.0.0/0"\n${indent}    via: "${s.gateway}"\n`;
  if (s.dns?.length) out += `${indent}nameservers:\n${indent}  addresses: [${s.dns.map((d) => `"${d}"`).join(', ')}]\n`;
  return out;
}

function netplan(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
  let y = `# ${HEADER}\nnetwork:\n  version: 2\n  ethernets:\n`;
  const off = '      dhcp4: false\n      dhcp6: false\n      link-local: []\n';
  const mtu = (p: GuestPort): string => (p.mtu === undefined ? '' : `      mtu: ${p.mtu}\n`);
  if (style === 'bond') {
    for (const p of ports) {
      y += `    ${p.vfPort}:\n      match:\n        macaddress: "${p.mac}"\n        driver: ${yamlList(p.vfDrivers)}\n      set-name: ${p.vfPort}\n${mtu(p)}${off}`;
      y += `    ${p.virtioPort}:\n      match:\n        macaddress: "${p.mac}"\n        driver: ${yamlList(p.backupDrivers)}\n      set-name: ${p.virtioPort}\n${mtu(p)}${off}`;
    }
    y += '  bonds:\n';
    ports.forEach((p, i) => {
      y += `    ${p.device}:\n      interfaces: [${p.vfPort}, ${p.virtioPort}]\n${mtu(p)}      parameters:\n        mode: active-backup\n        primary: ${p.vfPort}\n        mii-monitor-interval: 100\n        fail-over-mac-policy: active\n`;
      y += netplanAddressing(statikFor(i, s), '      ');
    });
  } else {
    ports.forEach((p, i) => {
      // The kernel's failover device carries the address; its two lower devices (same MAC) none.
      y += `    ${p.device}:\n      match:\n        macaddress: "${p.mac}"\n        driver: "net_failover"\n      set-name: ${p.device}\n${mtu(p)}`;
      y += netplanAddressing(statikFor(i, s), '      ');
      y += `    ${p.device}-lower:\n      match:\n        macaddress: "${p.mac}"\n        driver: ${yamlList(['virtio_net', ...p.vfDrivers])}\n${mtu(p)}${off}      optional: true\n`;
    });
  }
  return { 'etc/netplan/60-hostdev-hybrid.yaml': y };
}

// --- systemd-networkd (what netplan generates from the netplan output, written directly) ---

function ini(sections: [string, [string, string][]][]): string {
  return sections.map(([name, kv]) => `[${name}]\n${kv.map(([k, v]) => `${k}=${v}\n`).join('')}`).join('\n');
}

/** The [Network] addressing and, with a gateway, a default [Route], as netplan writes them. */
function networkdAddressing(s: StaticAddressing | undefined): [string, [string, string][]][] {
  if (!s) return [['Network', [['DHCP', 'ipv4']]]];
  return [
    ['Network', [['Address', s.address], ...(s.dns ?? []).map((d) => ['DNS', d] as [string, string])]],
    ...(s.gateway
      ? [
          [
            'Route',
            [
              ['Destination', '0.0.0.0/0'],
              ['Gateway', s.gateway],
            ],
          ] as [string, [string, string][]],
        ]
      : []),
  ];
}

function networkd(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
  const files: Record<string, string> = {};
  const dir = 'etc/systemd/network';
  const head = `# ${HEADER}\n`;
  // What netplan writes for an `mtu:`: MTUBytes in the .link and the .network's [Link], the bond's [NetDev].
  const mtuBytes = (p: GuestPort): [string, string][] => (p.mtu === undefined ? [] : [['MTUBytes', String(p.mtu)]]);
  const link = (name: string | undefined, drivers: string[], p: GuestPort): void => {
    files[`${dir}/10-hostdev-hybrid-${name ?? `${p.device}-lower`}.link`] =
      head +
      ini([
        [
          'Match',
          [
            ['Driver', drivers.join(' ')],
            ['PermanentMACAddress', p.mac],
          ],
        ],
        ['Link', [...(name ? [['Name', name] as [string, string]] : []), ...mtuBytes(p)]],
      ]);
  };
  const linkSection = (p: GuestPort, more: [string, string][] = []): [string, [string, string][]][] =>
    more.length + mtuBytes(p).length === 0 ? [] : [['Link', [...more, ...mtuBytes(p)]]];
  ports.forEach((p, i) => {
    if (style === 'bond') {
      files[`${dir}/10-hostdev-hybrid-${p.device}.netdev`] =
        head +
        ini([
          ['NetDev', [['Name', p.device], ['Kind', 'bond'], ...mtuBytes(p)]],
          [
            'Bond',
            [
              ['Mode', 'active-backup'],
              ['MIIMonitorSec', '100ms'],
              ['FailOverMACPolicy', 'active'],
            ],
          ],
        ]);
      files[`${dir}/10-hostdev-hybrid-${p.device}.network`] =
        head + ini([['Match', [['Name', p.device]]], ...linkSection(p), ...networkdAddressing(statikFor(i, s))]);
      for (const [name, drivers, primary] of [
        [p.vfPort, p.vfDrivers, true],
        [p.virtioPort, p.backupDrivers, false],
      ] as const) {
        link(name, [...drivers], p);
        files[`${dir}/10-hostdev-hybrid-${name}.network`] =
          head +
          ini([
            [
              'Match',
              [
                ['Driver', drivers.join(' ')],
                ['PermanentMACAddress', p.mac],
                ['Name', name],
              ],
            ],
            ...linkSection(p),
            [
              'Network',
              [['LinkLocalAddressing', 'no'], ['Bond', p.device], ...(primary ? [['PrimarySlave', 'true'] as [string, string]] : [])],
            ],
          ]);
      }
    } else {
      link(p.device, ['net_failover'], p);
      files[`${dir}/10-hostdev-hybrid-${p.device}.network`] =
        head +
        ini([
          [
            'Match',
            [
              ['Driver', 'net_failover'],
              ['PermanentMACAddress', p.mac],
              ['Name', p.device],
            ],
          ],
          ...linkSection(p),
          ...networkdAddressing(statikFor(i, s)),
        ]);
      // The lower devices: up, but no address of their own (no DHCP, no link-local); with an MTU, netplan names them a .link too.
      if (p.mtu !== undefined) link(undefined, ['virtio_net', ...p.vfDrivers], p);
      files[`${dir}/10-hostdev-hybrid-${p.device}-lower.network`] =
        head +
        ini([
          [
            'Match',
            [
              ['Driver', ['virtio_net', ...p.vfDrivers].join(' ')],
              ['PermanentMACAddress', p.mac],
            ],
          ],
          ...linkSection(p, [['RequiredForOnline', 'no']]),
          ['Network', [['LinkLocalAddressing', 'no']]],
        ]);
    }
  });
  return files;
}

// --- NetworkManager keyfiles (+ .link files that give the ports their names) ---

/** NetworkManager's MTU: `ethernet.mtu`, on a bond's connection as on a port's. */
const nmMtuKey = (p: GuestPort): [string, string][] => (p.mtu === undefined ? [] : [['mtu', String(p.mtu)]]);
const nmMtu = (p: GuestPort): [string, [string, string][]][] => (p.mtu === undefined ? [] : [['ethernet', nmMtuKey(p)]]);

function nmAddressing(s: StaticAddressing | undefined): [string, string][] {
  if (!s) return [['method', 'auto']];
  return [
    ['method', 'manual'],
    ['address1', s.gateway ? `${s.address},${s.gateway}` : s.address],
    ...(s.dns?.length ? [['dns', s.dns.map((d) => `${d};`).join('')] as [string, string]] : []),
  ];
}

function nm(ports: GuestPort[], style: Style, s: StaticAddressing | undefined, domain: string): Record<string, string> {
  const files = linkFiles(ports, style);
  const dir = 'etc/NetworkManager/system-connections';
  const head = `# ${HEADER}\n`;
  ports.forEach((p, i) => {
    const ip = (st: StaticAddressing | undefined): [string, [string, string][]][] => [
      ['ipv4', nmAddressing(st)],
      ['ipv6', [['method', 'auto']]],
    ];
    if (style === 'bond') {
      files[`${dir}/hostdev-hybrid-${p.device}.nmconnection`] =
        head +
        ini([
          [
            'connection',
            [
              ['id', `hostdev-hybrid-${p.device}`],
              ['uuid', stableUuid(domain, p.pair, p.device)],
              ['type', 'bond'],
              ['interface-name', p.device],
            ],
          ],
          ...nmMtu(p),
          [
            'bond',
            [
              ['mode', 'active-backup'],
              ['primary', p.vfPort],
              ['miimon', '100'],
              ['fail_over_mac', 'active'],
            ],
          ],
          ...ip(statikFor(i, s)),
        ]);
      for (const [name, drivers] of [
        [p.vfPort, p.vfDrivers],
        [p.virtioPort, p.backupDrivers],
      ] as const) {
        files[`${dir}/hostdev-hybrid-${name}.nmconnection`] =
          head +
          ini([
            [
              'connection',
              [
                ['id', `hostdev-hybrid-${name}`],
                ['uuid', stableUuid(domain, p.pair, name)],
                ['type', 'ethernet'],
                ['interface-name', name],
                ['master', p.device],
                ['slave-type', 'bond'],
              ],
            ],
            ['ethernet', [['mac-address', p.mac.toUpperCase()], ...nmMtuKey(p)]],
            ['match', [['driver', drivers.map((d) => `${d};`).join('')]]],
          ]);
      }
    } else {
      files[`${dir}/hostdev-hybrid-${p.device}.nmconnection`] =
        head +
        ini([
          [
            'connection',
            [
              ['id', `hostdev-hybrid-${p.device}`],
              ['uuid', stableUuid(domain, p.pair, p.device)],
              ['type', 'ethernet'],
              ['interface-name', p.device],
            ],
          ],
          ['ethernet', [['mac-address', p.mac.toUpperCase()], ...nmMtuKey(p)]],
          ['match', [['driver', 'net_failover;']]],
          ...ip(statikFor(i, s)),
        ]);
      // The two lower devices come up without addresses, so NM makes no DHCP profile of its own for them.
      files[`${dir}/hostdev-hybrid-${p.device}-lower.nmconnection`] =
        head +
        ini([
          [
            'connection',
            [
              ['id', `hostdev-hybrid-${p.device}-lower`],
              ['uuid', stableUuid(domain, p.pair, `${p.device}-lower`)],
              ['type', 'ethernet'],
              ['autoconnect-priority', '-999'],
            ],
          ],
          ['ethernet', [['mac-address', p.mac.toUpperCase()], ...nmMtuKey(p)]],
          ['match', [['driver', ['virtio_net', ...p.vfDrivers].map((d) => `${d};`).join('')]]],
          ['ipv4', [['method', 'disabled']]],
          ['ipv6', [['method', 'disabled']]],
        ]);
    }
  });
  return files;
}

/** systemd .link files naming the ports (bond) or the failover device (teaming) by MAC + driver. */
function linkFiles(ports: GuestPort[], style: Style): Record<string, string> {
  const files: Record<string, string> = {};
  const head = `# ${HEADER}\n`;
  const link = (name: string, drivers: readonly string[], p: GuestPort): void => {
    files[`etc/systemd/network/10-hostdev-hybrid-${name}.link`] =
      head +
      ini([
        [
          'Match',
          [
            ['Driver', drivers.join(' ')],
            ['PermanentMACAddress', p.mac],
          ],
        ],
        ['Link', [['Name', name], ...(p.mtu === undefined ? [] : [['MTUBytes', String(p.mtu)] as [string, string]])]],
      ]);
  };
  for (const p of ports) {
    if (style === 'bond') {
      link(p.vfPort, p.vfDrivers, p);
      link(p.virtioPort, p.backupDrivers, p);
    } else link(p.device, ['net_failover'], p);
  }
  return files;
}

// --- ifupdown (Debian's /etc/network/interfaces) ---

function ifupdown(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
  const files = linkFiles(ports, style);
  let out = `# ${HEADER}\n`;
  ports.forEach((p, i) => {
    const st = statikFor(i, s);
    // The bond (or failover device) passes its MTU to its ports.
    const mtu = p.mtu === undefined ? '' : `    mtu ${p.mtu}\n`;
    const addressing = st
      ? `iface ${p.device} inet static\n    address ${st.address}\n${st.gateway ? `    gateway ${st.gateway}\n` : ''}${st.dns?.length ? `    dns-nameservers ${st.dns.join(' ')}\n` : ''}${mtu}`
      : `iface ${p.device} inet dhcp\n${mtu}`;
    if (style === 'bond') {
      out += `\nauto ${p.device}\n${addressing}    bond-slaves ${p.vfPort} ${p.virtioPort}\n    bond-mode active-backup\n    bond-primary ${p.vfPort}\n    bond-miimon 100\n    bond-fail-over-mac active\n`;
    } else {
      // Only the failover device: ifupdown leaves the lower devices, which it is not told about, alone.
      out += `\nauto ${p.device}\n${addressing}`;
    }
  });
  files['etc/network/interfaces.d/hostdev-hybrid'] = out;
  return files;
}
