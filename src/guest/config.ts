/**
 * The guest's side of a pair: the network configuration that makes bond style work (a bond,
 * active-backup, VF primary) or keeps the network manager off teaming's lower devices. Both
 * halves share one MAC, so each port is matched by MAC *and* driver (the 2015 libvirt thread:
 * guest networking belongs to the guest, told apart by driver), and given a stable name.
 * Pure: files in, files out (docs/GUEST.md).
 */
import { HybridError } from '../errors.js';
import { devicesByAlias, requirePairHalves, readMetadata, type PairRecord, type Style } from '../metadata.js';
import { hostIndex, type Host } from '../host/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { deviceList, domainName, domainRoot } from '../libvirt/domain.js';
import { childAttribute } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import { ifupdown } from './ifupdown.js';
import { netplan } from './netplan.js';
import { networkd } from './networkd.js';
import { nm } from './networkmanager.js';

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
