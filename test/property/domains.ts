// Random domains in the dialect and random hosts, shared by the expansion and plan properties.
import fc from 'fast-check';
import { hostFromXml, type ErrorCode, type Host } from '../../src/index.js';
import { hostSnapshotXml } from '../../bench/workloads.js';

export interface EntryDesc { explicit: number | null; mac: string | null; alias: boolean; vlan: number | null; guest: boolean }
export interface DomainDesc { machine: 'pc' | 'q35'; plainNics: number; entries: EntryDesc[]; gpu: boolean; style: 'bond' | 'teaming' }

export const hostArb = fc.record({ pfs: fc.integer({ min: 1, max: 3 }), vfs: fc.integer({ min: 2, max: 12 }), domains: fc.integer({ min: 0, max: 6 }) });
const entryArb = fc.record({
  explicit: fc.option(fc.nat(), { nil: null }),
  mac: fc.option(fc.integer({ min: 1, max: 0xffff }).map((n) => `02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`), { nil: null }),
  alias: fc.boolean(),
  vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: null }),
  guest: fc.boolean(),
});
export const domainArb = fc.record({
  machine: fc.constantFrom('pc' as const, 'q35' as const),
  plainNics: fc.integer({ min: 0, max: 3 }),
  entries: fc.uniqueArray(entryArb, { maxLength: 5, selector: (e) => e.mac ?? Math.random() }),
  gpu: fc.boolean(),
  style: fc.constantFrom('bond' as const, 'teaming' as const),
// Teaming on pc is refused by design (QEMU fails over only PCIe primaries): generate it on q35.
}).map((d) => (d.machine === 'pc' && d.style === 'teaming' ? { ...d, style: 'bond' as const } : d));

const hex = (n: number, w = 2): string => '0x' + n.toString(16).padStart(w, '0');
const guestAddr = (slot: number): string => `<address type='pci' domain='0x0000' bus='0x00' slot='${hex(slot)}' function='0x0'/>`;

/**
 * Renders a domain; with `chosen`, each entry is written as collapse writes it back (the values
 * expansion chose filled in), which is what `collapseDomain(expandDomain(x))` must equal.
 */
export function render(d: DomainDesc, freeVfs: string[], chosen?: { pairs: { mac: string; vf: string; name: string; vfGuestAddress: string; backupGuestAddress: string }[]; ephemeral: { alias: string; guestAddress?: string }[] }): string {
  const toAddr = (pci: string): string => {
    const [dom, bus, rest] = pci.split(':');
    const [slot, fn] = rest!.split('.');
    return `domain='0x${dom}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'`;
  };
  const guestOf = (pci: string): string => `<address type='pci' ${toAddr(pci)}/>`;
  let devices = '';
  for (let i = 0; i < d.plainNics; i++) devices += `    <interface type='bridge'>\n      <mac address='52:54:00:00:aa:${hex(i).slice(2)}'/>\n      <source bridge='br0'/>\n      <model type='virtio'/>\n    </interface>\n`;
  d.entries.forEach((e, i) => {
    const c = chosen?.pairs[i];
    const vf = e.explicit !== null ? freeVfs[e.explicit % freeVfs.length]! : c?.vf;
    const pool = e.explicit === null;
    let s = `    <interface type='hostdev-hybrid' managed='yes'>\n`;
    const mac = e.mac ?? c?.mac;
    if (mac) s += `      <mac address='${mac}'/>\n`;
    if (vf && (!pool || c)) s += `      <source${pool ? " network='sriov-pool'" : ''}>\n        <address type='pci' ${toAddr(vf)}/>\n      </source>\n`;
    else s += `      <source network='sriov-pool'/>\n`;
    if (e.vlan !== null) s += `      <vlan>\n        <tag id='${e.vlan}'/>\n      </vlan>\n`;
    const alias = e.alias ? `ua-net${i}` : c?.name;
    if (alias) s += `      <alias name='${alias}'/>\n`;
    // Explicit guest addresses only on pc, on slots that nothing else uses (10 + 2i, 11 + 2i).
    const vfGuest = e.guest && d.machine === 'pc' ? guestAddr(10 + 2 * i) : c && guestOf(c.vfGuestAddress);
    const backupGuest = e.guest && d.machine === 'pc' ? guestAddr(11 + 2 * i) : c && guestOf(c.backupGuestAddress);
    if (vfGuest) s += `      ${vfGuest}\n`;
    if (backupGuest) s += `      <backup>\n        ${backupGuest}\n      </backup>\n`;
    devices += s + `    </interface>\n`;
  });
  if (d.gpu) {
    const eph = chosen?.ephemeral[0];
    devices += `    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>\n      <source>\n        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>\n      </source>\n`;
    if (eph) devices += `      <alias name='${eph.alias}'/>\n      ${guestOf(eph.guestAddress!)}\n`;
    devices += `    </hostdev>\n`;
  }
  return `<domain type='kvm'>\n  <name>prop</name>\n  <uuid>5b0c2d3e-0000-4000-8000-000000000001</uuid>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='x86_64' machine='${d.machine}'>hvm</type>\n  </os>\n  <devices>\n${devices}  </devices>\n</domain>\n`;
}

/** The GPU every generated host has at the address generated guests pass through (plans check it is there). */
const GPU = "<device>\n  <name>pci_0000_65_00_0</name>\n  <capability type='pci'>\n    <class>0x030200</class>\n    <domain>0</domain>\n    <bus>101</bus>\n    <slot>0</slot>\n    <function>0</function>\n  </capability>\n</device>\n";

export function hostFor(h: { pfs: number; vfs: number; domains: number }): { host: Host; free: string[] } {
  const parts = hostSnapshotXml(h.pfs, h.vfs, h.domains);
  const host = hostFromXml({ ...parts, nodedevs: [...parts.nodedevs, GPU] });
  const taken = new Set(host.domains.flatMap((d) => d.pciDevices));
  return { host, free: host.pools[0]!.vfs.filter((vf) => !taken.has(vf)) };
}

// Generated inputs are valid; the only refusals allowed are the honest "no room" ones.
export const ROOM: ErrorCode[] = ['POOL_EXHAUSTED', 'PCI_SLOTS_EXHAUSTED', 'VF_TAKEN'];

