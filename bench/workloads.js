// Synthetic inputs for the benchmark, generated so their size is exact and reproducible.

const hex2 = (n) => n.toString(16).padStart(2, '0');

/** A q35 domain with `count` interfaces, of which the first `hybrid` are hostdev-hybrid entries. */
export function domainWithInterfaces(count, hybrid = 0, pool = 'sriov-pool', name = 'bench') {
  let devices = '';
  for (let i = 0; i < count; i++) {
    if (i < hybrid) {
      devices += `    <interface type='hostdev-hybrid'>\n      <source network='${pool}'/>\n    </interface>\n`;
    } else {
      devices += `    <interface type='bridge'>
      <mac address='52:54:00:10:${hex2(i >> 8)}:${hex2(i & 255)}'/>
      <source bridge='br${i % 4}'/>
      <target dev='vnet${i}'/>
      <model type='virtio'/>
      <driver name='vhost' queues='4'/>
      <bandwidth>
        <inbound average='1000' peak='5000' burst='1024'/>
        <outbound average='128' peak='256' burst='256'/>
      </bandwidth>
      <alias name='net${i}'/>
      <address type='pci' domain='0x0000' bus='0x${hex2(1 + i)}' slot='0x00' function='0x0'/>
    </interface>\n`;
    }
  }
  return `<domain type='kvm'>
  <name>${name}</name>
  <uuid>6f1c7d9e-1f4b-4d2e-9a43-${(0x0c1f3e0b2a11 + name.length * 7919 + [...name].reduce((n, c) => n * 31 + c.charCodeAt(0), 0) % 65536).toString(16).padStart(12, '0').slice(-12)}</uuid>
  <memory unit='KiB'>8388608</memory>
  <vcpu placement='static'>8</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/bench.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
${devices}  </devices>
</domain>
`;
}

const addr = (bus, devfn) => `domain='0x0000' bus='0x${hex2(bus)}' slot='0x${hex2(devfn >> 3)}' function='0x${devfn & 7}'`;

/** virsh output for a host with `pfCount` PFs of `vfsPerPf` VFs each and `domainCount` domains using one VF each. */
export function hostSnapshotXml(pfCount = 4, vfsPerPf = 64, domainCount = 100) {
  const nodedevs = [];
  const vfAddresses = [];
  for (let p = 0; p < pfCount; p++) {
    const bus = 0x40 + p;
    const vfs = Array.from({ length: vfsPerPf }, (_, n) => 2 + n);
    nodedevs.push(`<device>
  <name>pci_0000_${hex2(bus)}_00_0</name>
  <parent>pci_0000_00_01_0</parent>
  <capability type='pci'>
    <domain>0</domain>
    <bus>${bus}</bus>
    <slot>0</slot>
    <function>0</function>
    <capability type='virt_functions' maxCount='${vfsPerPf}'>
${vfs.map((d) => `      <address ${addr(bus, d)}/>`).join('\n')}
    </capability>
    <numa node='${p % 2}'/>
  </capability>
</device>
`);
    nodedevs.push(`<device>
  <name>net_eth${p}</name>
  <parent>pci_0000_${hex2(bus)}_00_0</parent>
  <capability type='net'>
    <interface>eth${p}</interface>
  </capability>
</device>
`);
    for (const d of vfs) {
      vfAddresses.push(addr(bus, d));
      nodedevs.push(`<device>
  <name>pci_0000_${hex2(bus)}_${hex2(d >> 3)}_${d & 7}</name>
  <parent>pci_0000_00_01_0</parent>
  <capability type='pci'>
    <domain>0</domain>
    <bus>${bus}</bus>
    <slot>${d >> 3}</slot>
    <function>${d & 7}</function>
    <capability type='phys_function'>
      <address ${addr(bus, 0)}/>
    </capability>
  </capability>
</device>
`);
    }
  }
  const networks = [`<network>
  <name>sriov-pool</name>
  <forward mode='hostdev-hybrid' managed='yes'>
${Array.from({ length: pfCount }, (_, p) => `    <pf dev='eth${p}'/>`).join('\n')}
  </forward>
</network>
`];
  const domains = Array.from({ length: domainCount }, (_, i) => domainWithInterfaces(4).replace('<name>bench</name>', `<name>vm${i}</name>`)
    .replace('  </devices>', `    <interface type='hostdev' managed='yes'>
      <mac address='52:54:00:20:${hex2(i >> 8)}:${hex2(i & 255)}'/>
      <source>
        <address type='pci' ${vfAddresses[i % vfAddresses.length]}/>
      </source>
    </interface>
  </devices>`));
  return { nodedevs, networks, domains };
}

/**
 * A pc (i440fx) domain with `pairs` hostdev-hybrid entries and pci-bridges enough for both halves
 * of each (31 hotpluggable slots a bridge): the machine type that holds a thousand pairs, where
 * q35's one-device-per-root-port runs out of controller indexes at about 120.
 */
export function pcDomainWithPairs(pairs, pool = 'sriov-pool') {
  const bridges = Math.ceil(Math.max(0, 2 * pairs - 29) / 30) + 1; // each bridge takes a slot itself
  let controllers = `    <controller type='pci' index='0' model='pci-root'/>\n`;
  for (let i = 1; i <= bridges; i++) {
    controllers += `    <controller type='pci' index='${i}' model='pci-bridge'>\n      <model name='pci-bridge'/>\n      <target chassisNr='${i}'/>\n      <address type='pci' domain='0x0000' bus='0x${hex2(i <= 29 ? 0 : Math.floor((i - 30) / 31) + 1)}' slot='0x${hex2(i <= 29 ? i + 2 : ((i - 30) % 31) + 1)}' function='0x0'/>\n    </controller>\n`;
  }
  return `<domain type='kvm'>
  <name>bench-pc-${pairs}</name>
  <uuid>0b9d2c1e-3f4a-4b5c-8d6e-${pairs.toString(16).padStart(12, '0')}</uuid>
  <memory unit='KiB'>8388608</memory>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
  </os>
  <devices>
${controllers}${`    <interface type='hostdev-hybrid'>\n      <source network='${pool}'/>\n    </interface>\n`.repeat(pairs)}  </devices>
</domain>
`;
}
