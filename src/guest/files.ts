/** What every guest format's files share: the header, INI sections, the .link files that name ports. */
import type { Style } from '../metadata.js';
import type { GuestPort, StaticAddressing } from './config.js';

export const HEADER = "written by hostdev-hybrid guest-config for the domain's hybrid pairs (docs/GUEST.md)";

/** The static addressing goes to the first pair's device; the others use DHCP. */
export const statikFor = (i: number, s: StaticAddressing | undefined): StaticAddressing | undefined => (i === 0 ? s : undefined);

/** An INI section (systemd units, NetworkManager keyfiles): its name and its keys in order. */
export type Section = [string, [string, string][]];

export function ini(sections: Section[]): string {
  return sections.map(([name, kv]) => `[${name}]\n${kv.map(([k, v]) => `${k}=${v}\n`).join('')}`).join('\n');
}

/** What netplan writes for an `mtu:`: MTUBytes (in a .link, a .network's [Link], a bond's [NetDev]). */
export const mtuBytes = (p: GuestPort): [string, string][] => (p.mtu === undefined ? [] : [['MTUBytes', String(p.mtu)]]);

/**
 * A systemd .link file matching a port by driver and MAC: it names the port `name` and sets the
 * pair's MTU (without a name, teaming's lower devices: only the MTU). Path and content.
 */
export function linkFile(name: string | undefined, drivers: readonly string[], p: GuestPort): [string, string] {
  return [
    `etc/systemd/network/10-hostdev-hybrid-${name ?? `${p.device}-lower`}.link`,
    `# ${HEADER}\n` +
      ini([
        [
          'Match',
          [
            ['Driver', drivers.join(' ')],
            ['PermanentMACAddress', p.mac],
          ],
        ],
        ['Link', [...(name ? [['Name', name] as [string, string]] : []), ...mtuBytes(p)]],
      ]),
  ];
}

/** The .link files that name the ports (bond) or the failover device (teaming), for formats that cannot. */
export function linkFiles(ports: GuestPort[], style: Style): Record<string, string> {
  return Object.fromEntries(
    ports.flatMap((p) =>
      style === 'bond'
        ? [linkFile(p.vfPort, p.vfDrivers, p), linkFile(p.virtioPort, p.backupDrivers, p)]
        : [linkFile(p.device, ['net_failover'], p)],
    ),
  );
}
