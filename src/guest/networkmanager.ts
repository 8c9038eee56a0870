/** The guest configuration as NetworkManager keyfiles, with .link files that give the ports their names. */
import type { Style } from '../metadata.js';
import { sha256Hex } from '../sha256.js';
import type { GuestPort, StaticAddressing } from './config.js';
import { HEADER, ini, linkFiles, statikFor, type Section } from './files.js';

const DIR = 'etc/NetworkManager/system-connections';
const HEAD = `# ${HEADER}\n`;

/** A UUID that is the same for the same domain and device, so files are deterministic. */
function stableUuid(...seed: string[]): string {
  const h = sha256Hex(seed.join('\0'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** NetworkManager's MTU: `ethernet.mtu`, on a bond's connection as on a port's. */
const nmMtuKey = (p: GuestPort): [string, string][] => (p.mtu === undefined ? [] : [['mtu', String(p.mtu)]]);
const nmMtu = (p: GuestPort): Section[] => (p.mtu === undefined ? [] : [['ethernet', nmMtuKey(p)]]);

function nmAddressing(s: StaticAddressing | undefined): [string, string][] {
  if (!s) return [['method', 'auto']];
  return [
    ['method', 'manual'],
    ['address1', s.gateway ? `${s.address},${s.gateway}` : s.address],
    ...(s.dns?.length ? [['dns', s.dns.map((d) => `${d};`).join('')] as [string, string]] : []),
  ];
}

const ip = (s: StaticAddressing | undefined): Section[] => [
  ['ipv4', nmAddressing(s)],
  ['ipv6', [['method', 'auto']]],
];

/** One keyfile: its `[connection]` (id `hostdev-hybrid-NAME`, a UUID stable for the domain, pair and name), then `sections`. */
function connection(
  domain: string,
  p: GuestPort,
  name: string,
  type: string,
  keys: [string, string][],
  sections: Section[],
): [string, string] {
  const id = `hostdev-hybrid-${name}`;
  return [
    `${DIR}/${id}.nmconnection`,
    HEAD + ini([['connection', [['id', id], ['uuid', stableUuid(domain, p.pair, name)], ['type', type], ...keys]], ...sections]),
  ];
}

/** A port matched by MAC and driver. */
const ethernetMatch = (p: GuestPort, drivers: readonly string[]): Section[] => [
  ['ethernet', [['mac-address', p.mac.toUpperCase()], ...nmMtuKey(p)]],
  ['match', [['driver', drivers.map((d) => `${d};`).join('')]]],
];

export function nm(ports: GuestPort[], style: Style, s: StaticAddressing | undefined, domain: string): Record<string, string> {
  const files = linkFiles(ports, style);
  ports.forEach((p, i) => {
    for (const [path, text] of style === 'bond'
      ? bondConnections(p, statikFor(i, s), domain)
      : failoverConnections(p, statikFor(i, s), domain)) {
      files[path] = text;
    }
  });
  return files;
}

/** Bond style: the bond, and its two ports enslaved to it. */
function bondConnections(p: GuestPort, s: StaticAddressing | undefined, domain: string): [string, string][] {
  const bond = connection(
    domain,
    p,
    p.device,
    'bond',
    [['interface-name', p.device]],
    [
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
      ...ip(s),
    ],
  );
  const ports = (
    [
      [p.vfPort, p.vfDrivers],
      [p.virtioPort, p.backupDrivers],
    ] as const
  ).map(([name, drivers]) =>
    connection(
      domain,
      p,
      name,
      'ethernet',
      [
        ['interface-name', name],
        ['master', p.device],
        ['slave-type', 'bond'],
      ],
      ethernetMatch(p, drivers),
    ),
  );
  return [bond, ...ports];
}

/** Teaming style: the failover device; its two lower devices come up without addresses, so NM makes no DHCP profile of its own for them. */
function failoverConnections(p: GuestPort, s: StaticAddressing | undefined, domain: string): [string, string][] {
  return [
    connection(domain, p, p.device, 'ethernet', [['interface-name', p.device]], [...ethernetMatch(p, ['net_failover']), ...ip(s)]),
    connection(
      domain,
      p,
      `${p.device}-lower`,
      'ethernet',
      [['autoconnect-priority', '-999']],
      [...ethernetMatch(p, ['virtio_net', ...p.vfDrivers]), ['ipv4', [['method', 'disabled']]], ['ipv6', [['method', 'disabled']]]],
    ),
  ];
}
