/** The guest configuration as systemd-networkd files: what netplan generates from its own output, written directly. */
import type { Style } from '../metadata.js';
import type { GuestPort, StaticAddressing } from './config.js';
import { HEADER, ini, linkFile, mtuBytes, statikFor, type Section } from './files.js';

const DIR = 'etc/systemd/network';
const HEAD = `# ${HEADER}\n`;

/** The [Network] addressing and, with a gateway, a default [Route], as netplan writes them. */
function networkdAddressing(s: StaticAddressing | undefined): Section[] {
  if (!s) return [['Network', [['DHCP', 'ipv4']]]];
  const network: Section = ['Network', [['Address', s.address], ...(s.dns ?? []).map((d) => ['DNS', d] as [string, string])]];
  if (!s.gateway) return [network];
  return [
    network,
    [
      'Route',
      [
        ['Destination', '0.0.0.0/0'],
        ['Gateway', s.gateway],
      ],
    ],
  ];
}

/** A .network's [Link] section: the pair's MTU and `more`, when there is any. */
const linkSection = (p: GuestPort, more: [string, string][] = []): Section[] =>
  more.length + mtuBytes(p).length === 0 ? [] : [['Link', [...more, ...mtuBytes(p)]]];

export function networkd(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
  const files: Record<string, string> = {};
  ports.forEach((p, i) => Object.assign(files, style === 'bond' ? bondFiles(p, statikFor(i, s)) : failoverFiles(p, statikFor(i, s))));
  return files;
}

/** Bond style: the bond (.netdev, .network) and each port (.link naming it, .network enslaving it). */
function bondFiles(p: GuestPort, s: StaticAddressing | undefined): Record<string, string> {
  const files: Record<string, string> = {
    [`${DIR}/10-hostdev-hybrid-${p.device}.netdev`]:
      HEAD +
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
      ]),
    [`${DIR}/10-hostdev-hybrid-${p.device}.network`]:
      HEAD + ini([['Match', [['Name', p.device]]], ...linkSection(p), ...networkdAddressing(s)]),
  };
  for (const [name, drivers, primary] of [
    [p.vfPort, p.vfDrivers, true],
    [p.virtioPort, p.backupDrivers, false],
  ] as const) {
    const [path, link] = linkFile(name, drivers, p);
    files[path] = link;
    files[`${DIR}/10-hostdev-hybrid-${name}.network`] =
      HEAD +
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
  return files;
}

/** Teaming style: the failover device carries the address; its lower devices come up without one. */
function failoverFiles(p: GuestPort, s: StaticAddressing | undefined): Record<string, string> {
  const lowerDrivers = ['virtio_net', ...p.vfDrivers];
  const files: Record<string, string> = Object.fromEntries([linkFile(p.device, ['net_failover'], p)]);
  files[`${DIR}/10-hostdev-hybrid-${p.device}.network`] =
    HEAD +
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
      ...networkdAddressing(s),
    ]);
  // No DHCP, no link-local on the lower devices; with an MTU, netplan names them a .link too.
  if (p.mtu !== undefined) {
    const [path, link] = linkFile(undefined, lowerDrivers, p);
    files[path] = link;
  }
  files[`${DIR}/10-hostdev-hybrid-${p.device}-lower.network`] =
    HEAD +
    ini([
      [
        'Match',
        [
          ['Driver', lowerDrivers.join(' ')],
          ['PermanentMACAddress', p.mac],
        ],
      ],
      ...linkSection(p, [['RequiredForOnline', 'no']]),
      ['Network', [['LinkLocalAddressing', 'no']]],
    ]);
  return files;
}
