// Synthetic inputs for the benchmark, generated so their size is exact and reproducible.

const hex2 = (n) => n.toString(16).padStart(2, '0');

/** A q35 domain with `count` interfaces, of which the first `hybrid` are hostdev-hybrid entries. */
export function domainWithInterfaces(count, hybrid = 0, pool = 'sriov-pool') {
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
  <name>bench</name>
  <uuid>6f1c7d9e-1f4b-4d2e-9a43-0c1f3e0b2a11</uuid>
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
