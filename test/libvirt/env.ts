import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const INSTALL = 'install Debian\'s libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 libxml2-utils ' +
  'and start libvirtd (bash .ci/run does both; see README, "Tests against real libvirt")';

/** Fails loudly, never skips, when the real libvirt this suite needs is missing. */
export function requireLibvirt(): void {
  for (const tool of ['virsh', 'virt-xml-validate', 'xmllint']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found: ${INSTALL}`);
  }
  const version = spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`libvirtd with the QEMU driver is not answering (${version.stderr.trim()}): ${INSTALL}`);
}

export interface RunResult { status: number | null; stdout: string; stderr: string }

/** Whether QEMU can use KVM here; without it libvirt refuses every domain of type='kvm'. */
export const HAS_KVM = existsSync('/dev/kvm');
const copies = mkdtempSync(join(tmpdir(), 'hh-tcg-'));

/**
 * The XML files a virsh call hands libvirt, as this machine can run them: without /dev/kvm, a
 * domain of type='kvm' becomes type='qemu' (QEMU's own emulation, TCG) in a copy, and its CPU
 * features are not verified at start (check='none': TCG lacks some a KVM guest's CPU requires,
 * x2apic say). Everything the tests judge — devices, addresses, the ABI check between a saved
 * guest and its migrateXml — is the same under either.
 */
export function forThisMachine(cmd: string, args: string[]): string[] {
  if (HAS_KVM || cmd !== 'virsh') return args;
  return args.map((a, i) => {
    if (!a.endsWith('.xml') || !existsSync(a)) return a;
    const xml = readFileSync(a, 'utf8');
    if (!/<domain type=(['"])kvm\1/.test(xml)) return a;
    const copy = join(copies, `${i}-${Date.now()}-${basename(a)}`);
    writeFileSync(copy, xml.replace(/<domain type=(['"])kvm\1/g, "<domain type='qemu'").replace(/(<cpu [^>]*check=)(['"])(full|partial)\2/g, "$1'none'"));
    return copy;
  });
}

export function run(cmd: string, args: string[], input?: string): RunResult {
  const r = spawnSync(cmd, forThisMachine(cmd, args), { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function virsh(...args: string[]): string {
  return execFileSync('virsh', forThisMachine('virsh', ['-c', 'qemu:///system', ...args]), { encoding: 'utf8' });
}
