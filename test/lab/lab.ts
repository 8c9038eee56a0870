// The lab (docs/LAB.md): several libvirt hosts on one machine. Each host is a libvirtd in a mount
// namespace of its own, with private /run/libvirt, /var/lib/libvirt, /etc/libvirt,
// /var/cache/libvirt and /var/log/libvirt, its own host UUID and migration ports, and a host
// snapshot copied from a fixture host; the fixture's PF netdevs are veths on this machine. Guests
// run under QEMU's emulation with no disk (a kernel and a busybox initramfs), so an image one host
// saves is invisible to another unless it is in the lab's shared folder, as on two hosts without
// shared storage. The one simulated part is the VF (test/lab/virsh.mjs).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandDomain, parseXml, readHostSnapshot, type Host } from '../../src/index.js';
import { readMetadata, type HybridMetadata } from '../../src/metadata.js';
import { childElements, firstChild, getAttribute } from '../../src/xml/edit.js';
import { guestPciAddress } from '../../src/libvirt/domain.js';
import { formatPci, readPciAddress } from '../../src/libvirt/pci-address.js';
import { rootElement, type XmlElement } from '../../src/xml/tree.js';
import { FIXTURES, ROOT } from '../helpers.js';
import { guestKernel, writeInitramfs } from '../libvirt/guest-kernel.js';

const REQUIRED = ['libvirtd', 'unshare', 'nsenter', 'tini', 'qemu-system-x86_64', 'xmllint', 'ip'];
const INSTALL = 'install Debian\'s libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 tini libxml2-utils iproute2 linux-image-amd64 busybox-static, and run as root (bash .ci/run does both)';

export interface RunResult { status: number | null; stdout: string; stderr: string }

export interface LabHost {
  name: string;
  /** The fixture host it plays: its snapshot, nodedev names and PF netdevs. */
  fixture: string;
  dir: string;
  uri: string;
  /** The host snapshot the plans read: the fixture's devices, this host's running guests. */
  snapshot: string;
  /** The root its libvirtd runs in (a Debian 13 one: debian13Root()); absent: this machine's. */
  root?: string;
}

/** A guest's state on one host, read back through the lab's virsh. */
export interface Presence { running: boolean; defined: boolean; persistent: boolean; managedSave: boolean }

/**
 * A Debian 13 root (libvirt 11.3, QEMU 10.0) for a lab host of another version, built by
 * test/lab/debian13-root the first time (about a minute with a near mirror) and kept.
 */
export function debian13Root(): string {
  const root = process.env.HH_DEBIAN13_ROOT ?? '/var/cache/hostdev-hybrid/debian13';
  const r = spawnSync(join(ROOT, 'test', 'lab', 'debian13-root'), [root], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`test/lab/debian13-root ${root} failed (needs Debian's debootstrap and the Debian mirror): ${r.stderr}`);
  return root;
}

/**
 * qemu.conf lines for a host in another root. No per-guest mount namespace: libvirt would build it
 * from that root's /dev, which is this machine's. QEMU runs as this machine's libvirt-qemu, by
 * number: hosts share the guest kernel file, and libvirt refuses to give a file in use another
 * owner — on real hosts that user has one uid everywhere (Debian's 64055), here each root made its own.
 */
function otherRootQemuConf(): string {
  const id = (flag: string): string => execFileSync('id', [flag, 'libvirt-qemu'], { encoding: 'utf8' }).trim();
  return `namespaces = [ ]\nuser = "+${id('-u')}"\ngroup = "+${id('-g')}"\n`;
}

let uuidSeed = 1;
/** A host UUID of its own per lab host: libvirt refuses to migrate between hosts with the same one. */
const hostUuid = (n: number): string => `00000000-1ab0-4000-8000-${String(n).padStart(12, '0')}`;

export class Lab {
  readonly dir = mkdtempSync('/tmp/hh-lab-');
  readonly shared = join(this.dir, 'shared');
  readonly bin = join(this.dir, 'bin');
  readonly hosts = new Map<string, LabHost>();
  private readonly veths: string[] = [];
  readonly kernel: string;
  readonly initrd = join(this.dir, 'initrd.img');

  constructor() {
    for (const tool of REQUIRED) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found: ${INSTALL}`);
    }
    if (process.getuid?.() !== 0) throw new Error(`the lab starts libvirt daemons: ${INSTALL}`);
    chmodSync(this.dir, 0o755);
    mkdirSync(this.shared, { mode: 0o777 });
    mkdirSync(this.bin);
    writeFileSync(join(this.bin, 'virsh'), `#!/bin/sh\nexec ${process.execPath} ${join(ROOT, 'test', 'lab', 'virsh.mjs')} "$@"\n`, { mode: 0o755 });
    this.kernel = guestKernel();
    writeInitramfs(this.initrd);
  }

  /** Environment for a generated script or a CLI call: the lab's virsh first on PATH. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, PATH: `${this.bin}:${process.env.PATH}`, HH_LAB: this.dir, HOSTDEV_HYBRID: `${process.execPath} ${join(ROOT, 'dist', 'cli.js')}`, ...extra };
  }

  /** `virsh -c HOST …` through the lab's virsh (VF halves as a caller sees them). */
  virsh(host: string, ...args: string[]): RunResult {
    const r = spawnSync(join(this.bin, 'virsh'), ['-c', this.host(host).uri, ...args], { encoding: 'utf8', env: this.env() });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  ok(host: string, ...args: string[]): string {
    const r = this.virsh(host, ...args);
    if (r.status !== 0) throw new Error(`virsh -c ${host} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    return h;
  }

  snapshot(name: string): Host {
    return readHostSnapshot(this.host(name).snapshot);
  }

  /**
   * Starts a libvirtd playing fixture host `fixture`; `hook`: with hostdev-hybrid's libvirt hook
   * installed as docs/HOOK.md says (the shipped wrapper, calling this clone's CLI).
   */
  addHost(name: string, fixture: string, options: { hook?: boolean; root?: string } = {}): LabHost {
    // The hook calls this clone's CLI, which needs this machine's Node, absent from another root.
    if (options.hook && options.root) throw new Error('a lab host in another root cannot run the hook');
    const n = this.hosts.size + 1;
    const dir = join(this.dir, 'hosts', name);
    for (const d of ['run', 'lib/qemu/save', 'etc/hooks/qemu.d', 'cache', 'log/qemu']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'etc', 'libvirtd.conf'), `host_uuid = "${hostUuid(n)}"\n`);
    // No cgroups or virtlogd in here; migration ports of its own, so two hosts never collide.
    writeFileSync(join(dir, 'etc', 'qemu.conf'), `cgroup_controllers = [ ]\nstdio_handler = "file"\nmigration_port_min = ${49200 + 100 * n}\nmigration_port_max = ${49263 + 100 * n}\n${options.root ? otherRootQemuConf() : ''}`);
    const snapshot = join(dir, 'snapshot');
    mkdirSync(snapshot);
    for (const part of ['nodedev', 'network', 'links.json', 'version.txt', 'modules.alias', 'devlink.json', 'devlink-info.json']) {
      const from = join(FIXTURES, 'hosts', fixture, part);
      if (existsSync(from)) cpSync(from, join(snapshot, part), { recursive: true });
    }
    // The host's running guests, live, as on a real host (docs/HOOK.md).
    symlinkSync(join(dir, 'run', 'qemu'), join(snapshot, 'domains'));
    if (options.hook) {
      const wrapper = readFileSync(join(ROOT, 'examples', 'libvirt-hook', 'hostdev-hybrid'), 'utf8')
        .replace('exec hostdev-hybrid hook --host /var/lib/hostdev-hybrid/host --state /run/hostdev-hybrid', `exec ${process.execPath} ${join(ROOT, 'dist', 'cli.js')} hook --host ${snapshot} --state ${join(dir, 'hook-state')}`);
      if (!wrapper.includes(snapshot)) throw new Error('examples/libvirt-hook/hostdev-hybrid changed: the lab cannot point it at its host');
      writeFileSync(join(dir, 'etc', 'hooks', 'qemu.d', 'hostdev-hybrid'), wrapper, { mode: 0o755 });
    }
    const host: LabHost = { name, fixture, dir, uri: `qemu+unix:///system?socket=${dir}/run/libvirt-sock`, snapshot, ...(options.root ? { root: options.root } : {}) };
    this.hosts.set(name, host);
    this.writeHosts();
    this.ensureVeths(fixture);
    this.startDaemon(host);
    // Another root's evidence is its own daemon's: what a snapshot of that host would say.
    if (options.root) writeFileSync(join(snapshot, 'version.txt'), this.ok(name, 'version', '--daemon'));
    return host;
  }

  private writeHosts(): void {
    writeFileSync(join(this.dir, 'hosts.json'), JSON.stringify(Object.fromEntries([...this.hosts].map(([k, h]) => [k, { uri: h.uri, snapshot: h.snapshot, dir: h.dir }])), null, 2));
  }

  /** libvirtd in a mount namespace of its own; tini reaps the processes it daemonizes. */
  startDaemon(host: LabHost): void {
    rmSync(join(this.dir, `stopped-${host.name}`), { force: true });
    const r = host.root ?? '';
    const mounts = [['run', '/run/libvirt'], ['lib', '/var/lib/libvirt'], ['etc', '/etc/libvirt'], ['cache', '/var/cache/libvirt'], ['log', '/var/log/libvirt']]
      .map(([from, to]) => [`${host.dir}/${from}`, `${r}${to}`]);
    // Another root sees this machine's kernel interfaces, and the lab's folder and /boot (the
    // guest kernel) at the same paths, so one guest XML serves every host.
    if (host.root) mounts.push(...['/proc', '/sys', '/dev', '/dev/pts', '/boot', this.dir].map((p) => [p, `${r}${p}`]));
    for (const [, target] of mounts) mkdirSync(target!, { recursive: true });
    const script = `${mounts.map(([from, to]) => `mount --bind ${from} ${to}`).join('\n')}
exec tini -s -- ${host.root ? `chroot ${host.root} ` : ''}libvirtd -p /run/libvirt/libvirtd.pid --timeout 0`;
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-ec', script], { detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
    child.unref();
    const until = Date.now() + 60_000;
    while (spawnSync('/usr/bin/virsh', ['-c', host.uri, 'uri'], { encoding: 'utf8' }).status !== 0) {
      if (Date.now() > until) throw new Error(`lab host ${host.name}: libvirtd did not answer within 60 s`);
      execFileSync('sleep', ['0.3']);
    }
  }

  /** Stops that host's libvirtd (its guests keep running, as when a daemon dies). */
  stopDaemon(name: string): void {
    const host = this.host(name);
    const pidFile = join(host.dir, 'run', 'libvirtd.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const until = Date.now() + 20_000;
    while (Date.now() < until && spawnSync('kill', ['-0', String(pid)]).status === 0) execFileSync('sleep', ['0.2']);
  }

  /** Is that host's libvirtd answering? */
  answers(name: string): boolean {
    return spawnSync('/usr/bin/virsh', ['-c', this.host(name).uri, 'uri']).status === 0;
  }

  private ensureVeths(fixture: string): void {
    const dir = join(FIXTURES, 'hosts', fixture, 'nodedev');
    const names = readdirSync(dir).map((f) => /<interface>([^<]+)<\/interface>/.exec(readFileSync(join(dir, f), 'utf8'))?.[1]);
    for (const name of names.filter((n): n is string => n !== undefined).sort()) {
      if (spawnSync('ip', ['link', 'show', name]).status === 0) continue;
      const peer = `hhlab${this.veths.length}`;
      // A VLAN sub-interface is a veth too: this sandbox may lack the 8021q module, and macvtap
      // needs only a netdev of that name.
      const add = spawnSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer], { encoding: 'utf8' });
      if (add.status !== 0) throw new Error(`ip link add ${name}: ${add.stderr}`);
      this.veths.push(name);
      spawnSync('ip', ['link', 'set', name, 'up']);
      spawnSync('ip', ['link', 'set', peer, 'up']);
    }
  }

  /**
   * A hybrid guest in the dialect, expanded on host `on` (the library's own expansion): q35,
   * `pairs` hybrid NICs from the fixture's pool, a kernel and an initramfs, no disk.
   */
  guestXml(name: string, on: string, pairs = 1, pool = 'sriov-pool'): string {
    const uuid = `5ab0${String(uuidSeed++).padStart(4, '0')}-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`;
    const nics = Array.from({ length: pairs }, () => `    <interface type='hostdev-hybrid'>\n      <source network='${pool}'/>\n    </interface>\n`).join('');
    const dialect = `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='KiB'>196608</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${this.kernel}</kernel>
    <initrd>${this.initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='custom' match='exact'>
    <model fallback='allow'>qemu64</model>
  </cpu>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
${nics}    <serial type='file'>
      <source path='${this.consoleLog(name)}'>
        <seclabel model='dac' relabel='no'/>
      </source>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
    return expandDomain(dialect, this.snapshot(on)).xml;
  }

  /** Defines `xml` on `host` and starts it; waits until its kernel has booted (it answers hot-unplug then). */
  startGuest(host: string, name: string, xml: string): void {
    const file = join(this.dir, `${name}.xml`);
    writeFileSync(file, xml);
    this.ok(host, 'define', file);
    this.ok(host, 'start', name);
    this.waitBooted(host, name);
  }

  /**
   * Where a lab guest's serial console goes: a file every host sees, so it follows the guest. Not
   * relabelled: both hosts' QEMU hold it during a migration, and libvirt refuses to give a file in
   * use another owner.
   */
  consoleLog(name: string): string {
    return join(this.shared, `${name}.console`);
  }

  /**
   * The guest kernel's init on the serial console: ACPI hot-plug answers from then on. Under TCG a
   * boot takes ~15 s, but took over 120 s in CI on a busy 2-core machine.
   */
  waitBooted(host: string, name: string, seconds = 200): void {
    const log = this.consoleLog(name);
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (text.includes('Run /init as init process')) return;
      if (Date.now() > until) throw new Error(`${name} on ${host} did not boot within ${seconds} s`);
      execFileSync('sleep', ['1']);
    }
  }

  /** Where the guest runs, is defined, is persistent, has a managed-save image — on `host`. */
  presence(host: string, name: string): Presence {
    const list = (...flags: string[]): string[] => this.ok(host, 'list', '--name', ...flags).split('\n').filter(Boolean);
    return {
      running: list().includes(name),
      defined: list('--all').includes(name),
      persistent: list('--all', '--persistent').includes(name),
      managedSave: this.virsh(host, 'managedsave-dumpxml', name).status === 0,
    };
  }

  /** Every host's presence of the guest, by host name. */
  where(name: string): Record<string, Presence> {
    return Object.fromEntries([...this.hosts.keys()].filter((h) => this.answers(h)).map((h) => [h, this.presence(h, name)]));
  }

  /**
   * A generated script, run as an operator runs it on host `on`: in that host's mount namespace
   * (its /var/lib/libvirt is the one `rm` and `df` see), the lab's virsh on PATH.
   */
  runScript(on: string, script: string, env: Record<string, string> = {}, args: string[] = []): RunResult {
    for (const f of ['changes', ...readdirSync(this.dir).filter((f) => f.startsWith('failed-'))]) rmSync(join(this.dir, f), { force: true });
    const pid = readFileSync(join(this.host(on).dir, 'run', 'libvirtd.pid'), 'utf8').trim();
    const r = spawnSync('nsenter', [`--mount=/proc/${pid}/ns/mnt`, 'bash', script, ...args], { encoding: 'utf8', env: this.env(env), timeout: 300_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr + (r.signal ? `\n(killed by ${r.signal})` : '') };
  }

  /** The CLI, as an operator calls it (`hostdev-hybrid …`), the lab's virsh on PATH. */
  cli(args: string[], input?: string): RunResult {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', input, env: this.env() });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** The guest gone from every host that answers: destroyed, undefined, no image left. */
  remove(name: string): void {
    for (const h of this.hosts.keys()) {
      if (!this.answers(h)) continue;
      this.virsh(h, 'destroy', name);
      this.virsh(h, 'undefine', name, '--managed-save');
    }
  }

  /** Stops every guest and daemon the lab started and removes what it made; never throws. */
  stop(): void {
    for (const [name, host] of this.hosts) {
      if (!this.answers(name)) continue;
      for (const dom of (spawnSync('/usr/bin/virsh', ['-c', host.uri, 'list', '--all', '--name'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean)) {
        spawnSync('/usr/bin/virsh', ['-c', host.uri, 'destroy', dom]);
        spawnSync('/usr/bin/virsh', ['-c', host.uri, 'undefine', dom, '--managed-save']);
      }
    }
    for (const name of this.hosts.keys()) this.stopDaemon(name);
    // A guest whose daemon was killed mid-move keeps running: its QEMU names our folder.
    spawnSync('pkill', ['-KILL', '-f', `guest=hh-lab-`]);
    for (const v of [...this.veths].reverse()) spawnSync('ip', ['link', 'del', v]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The hybrid metadata and the devices of a domain's XML, by alias. */
export function readGuest(xml: string): { meta: HybridMetadata; devices: Map<string, XmlElement> } {
  const root = rootElement(parseXml(xml));
  const meta = readMetadata(root);
  if (!meta) throw new Error('the guest has no hostdev-hybrid metadata');
  const devices = new Map<string, XmlElement>();
  for (const d of childElements(firstChild(root, 'devices')!)) {
    const alias = childElements(d, 'alias').map((a) => getAttribute(a, 'name'))[0];
    if (alias) devices.set(alias, d);
  }
  return { meta, devices };
}

/** A device's guest PCI address, `0000:01:00.0`. */
export function guestAddress(device: XmlElement): string | undefined {
  const a = guestPciAddress(device, 'a lab guest');
  return a && formatPci(a);
}

/** A VF half's host PCI address (`<source><address>`). */
export function vfSource(device: XmlElement): string | undefined {
  const a = firstChild(firstChild(device, 'source') ?? device, 'address');
  return a && firstChild(device, 'source') ? formatPci(readPciAddress(a, 'a VF half\'s source')) : undefined;
}
