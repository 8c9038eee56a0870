/** The guest configuration as netplan (cloud-init network-config v2). */
import type { Style } from '../metadata.js';
import type { GuestPort, StaticAddressing } from './config.js';
import { HEADER, statikFor } from './files.js';

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

export function netplan(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
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
