/** The guest configuration as Debian's ifupdown (/etc/network/interfaces.d), with .link files naming the ports. */
import type { Style } from '../metadata.js';
import type { GuestPort, StaticAddressing } from './config.js';
import { HEADER, linkFiles, statikFor } from './files.js';

export function ifupdown(ports: GuestPort[], style: Style, s: StaticAddressing | undefined): Record<string, string> {
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
