// A guest that answers PCI hot-unplug: Debian's kernel (linux-image-amd64) with an initramfs of
// busybox (busybox-static) that only sleeps. The kernel's own ACPI/PCIe hotplug drivers release a
// device on `virsh detach-device --live`; a guest without an OS never does (QEMU waits for it).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUSYBOX = '/bin/busybox';

/** The newest /boot/vmlinuz-*, or a message saying what to install. */
export function guestKernel(): string {
  const kernels = existsSync('/boot') ? readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).sort() : [];
  if (kernels.length === 0) throw new Error('no /boot/vmlinuz-*: install Debian\'s linux-image-amd64 (bash .ci/run does)');
  return `/boot/${kernels.at(-1)}`;
}

/** A gzip'd newc cpio archive: /init (a shell script that sleeps) and a static busybox. */
export function writeInitramfs(path: string): void {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (bash .ci/run does)`);
  const busybox = readFileSync(BUSYBOX);
  const init = Buffer.from('#!/bin/busybox sh\nwhile :; do /bin/busybox sleep 3600; done\n');
  const parts: Buffer[] = [];
  let ino = 1;
  const pad = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (name: string, mode: number, data = Buffer.alloc(0)): void => {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    const head = Buffer.concat([Buffer.from(header + name + '\0')]);
    parts.push(head, pad(head.length), data, pad(data.length));
  };
  entry('bin', 0o40755);
  entry('dev', 0o40755);
  entry('proc', 0o40755);
  entry('bin/busybox', 0o100755, busybox);
  entry('init', 0o100755, init);
  entry('TRAILER!!!', 0);
  writeFileSync(path, gzipSync(Buffer.concat(parts)), { mode: 0o644 });
}

/**
 * Direct kernel boot for a test domain's <os>: the kernel and our initramfs. Under QEMU's own
 * emulation (type='qemu'): this sandbox's KVM starts guests but cannot run a kernel in them (the
 * vCPU spins, or stops on an emulation failure). The guest needs <acpi/> for PCI hot-unplug.
 */
export function directBoot(xml: string, kernel: string, initrd: string): string {
  return xml.replace("<domain type='kvm'>", "<domain type='qemu'>").replace(/(<type [^>]*>hvm<\/type>)/, `$1\n    <kernel>${kernel}</kernel>\n    <initrd>${initrd}</initrd>\n    <cmdline>console=ttyS0 panic=-1</cmdline>`)
    .replace(/\n *<boot dev='[^']*'\/>/g, '');
}
