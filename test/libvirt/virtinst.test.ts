// "A domain libvirt accepts, plus one hybrid NIC, expands": domains written by Debian's virtinst
// (`virt-install --print-xml`) across machine types, OS variants and device options, each with one
// hybrid entry added, expanded, validated against libvirt's RelaxNG schema and defined by the QEMU
// driver — which must put the VF half exactly where expansion did.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collapseDomain, expandDomain, parseXml, readHostSnapshot } from '../../src/index.js';
import { deviceList, domainRoot } from '../../src/libvirt/domain.js';
import { childElements, firstChild, getAttribute } from '../../src/xml/edit.js';
import { FIXTURES } from '../helpers.js';
import { requireLibvirt, run } from './env.js';

const host = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const work = mkdtempSync(join(tmpdir(), 'hh-virtinst-'));
const virsh = (...args: string[]) => run('virsh', ['-c', 'qemu:///system', ...args]);
const HYBRID = "    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n      <alias name='ua-fast'/>\n    </interface>\n";

const MACHINES = ['q35', 'pc'];
const OSES = ['debian11', 'fedora37', 'win10', 'alpinelinux3.17', 'rhel9.0'];
const DEVICES: [string, string[]][] = [
  ['minimal', ['--graphics', 'none']],
  ['desktop', ['--graphics', 'spice', '--video', 'qxl', '--sound', 'ich9', '--channel', 'spicevmc', '--serial', 'pty', '--console', 'pty']],
  ['server', ['--graphics', 'vnc', '--network', 'bridge=br0,model=virtio', '--rng', '/dev/urandom', '--watchdog', 'i6300esb', '--controller', 'type=scsi,model=virtio-scsi']],
  ['disk', ['--graphics', 'none', '--disk', 'path=/var/lib/libvirt/images/guest.qcow2,bus=virtio', '--tpm', 'none']],
];

const combos = MACHINES.flatMap((m) => OSES.flatMap((o) => DEVICES.map(([name, args]) => ({ m, o, name, args }))));

describe('domains virt-install writes, plus one hybrid NIC', () => {
  beforeAll(() => {
    requireLibvirt();
    if (run('sh', ['-c', 'command -v virt-install']).status !== 0) throw new Error("virt-install not found: install Debian's virtinst (bash .ci/run does)");
  });

  for (const c of combos) {
    it(`${c.m} ${c.o} ${c.name}`, () => {
      const name = `hh-test-vi-${c.m}-${c.o}-${c.name}`.replace(/[^a-z0-9-]/g, '-');
      const args = ['--connect', 'qemu:///system', '--print-xml', '--name', name, '--memory', '1024', '--vcpus', '2', '--machine', c.m, '--osinfo', c.o, '--import'];
      if (!c.args.includes('--disk')) args.push('--disk', 'none');
      if (!c.args.includes('--network')) args.push('--network', 'none');
      const vi = run('virt-install', [...args, ...c.args]);
      expect(vi.status, vi.stderr).toBe(0);
      const input = vi.stdout.replace('  </devices>', HYBRID + '  </devices>');
      const expanded = expandDomain(input, host);
      expect(expanded.pairs).toHaveLength(1);
      const file = join(work, `${name}.xml`);
      writeFileSync(file, expanded.xml);
      const valid = run('virt-xml-validate', [file, 'domain']);
      expect(valid.status, valid.stderr + valid.stdout).toBe(0);
      virsh('undefine', name);
      const defined = virsh('define', file);
      expect(defined.status, defined.stderr).toBe(0);
      try {
        const dumped = virsh('dumpxml', '--inactive', name).stdout;
        const root = domainRoot(parseXml(dumped));
        const vf = deviceList(root).find((d) => childElements(d, 'alias').some((a) => getAttribute(a, 'name') === 'ua-fast-vf'))!;
        const address = firstChild(vf, 'address')!;
        const bus = Number(getAttribute(address, 'bus'));
        expect(`0000:${bus.toString(16).padStart(2, '0')}:${Number(getAttribute(address, 'slot')).toString(16).padStart(2, '0')}.0`).toBe(expanded.pairs[0]!.vfGuestAddress);
        // On q35 that bus is a pcie-root-port of libvirt's numbering — the one expansion counted on.
        if (c.m === 'q35') {
          const port = deviceList(root).find((d) => d.name === 'controller' && getAttribute(d, 'type') === 'pci' && Number(getAttribute(d, 'index')) === bus);
          expect(port && getAttribute(port, 'model')).toBe('pcie-root-port');
        }
        // libvirt's dumpxml of it collapses and expands to the same choices.
        expect(expandDomain(collapseDomain(dumped), host).pairs.map((p) => [p.vf, p.mac, p.vfGuestAddress])).toEqual(expanded.pairs.map((p) => [p.vf, p.mac, p.vfGuestAddress]));
      } finally {
        virsh('undefine', name);
      }
    });
  }
});
