import { execFileSync, spawnSync } from 'node:child_process';

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

export function run(cmd: string, args: string[], input?: string): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
}
