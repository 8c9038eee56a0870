#!/usr/bin/env node
// The lab's `virsh` (docs/LAB.md): the real /usr/bin/virsh, but for the one part this machine
// cannot have — a passed-through VF. Put first on PATH, it swaps each VF half for a stand-in, an
// emulated NIC with the same MAC, alias and guest address, in every file handed to libvirt
// (define, create, attach-device, detach-device, restore --xml, migrate --xml/--persistent-xml),
// and swaps it back in what libvirt prints (dumpxml, with --xpath evaluated on the swapped XML).
// A VF's node device is answered from the lab host's snapshot. Everything else is the real virsh
// talking to a real libvirtd: QEMU's migration, save and restore, the macvtap backups, libvirt's
// checks, the guest kernel's hot-plug.
//
// Environment: HH_LAB (the lab folder: hosts.json, stand-ins/), and for fault injection
// HH_LAB_KILL_AFTER=N (SIGKILL the calling script after its Nth change succeeded) and
// HH_LAB_STOP_BEFORE=SUBCOMMAND:HOST (stop that host's libvirtd before the first such call),
// HH_LAB_FAIL_ON=SUBCOMMAND:HOST (the first such call on that host fails, as libvirt would).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REAL = '/usr/bin/virsh';
const LAB = process.env.HH_LAB;
const CHANGES = new Set(['define', 'undefine', 'create', 'attach-device', 'detach-device', 'save', 'restore', 'migrate', 'domif-setlink', 'metadata', 'start', 'destroy', 'shutdown']);

const argv = process.argv.slice(2);
const hosts = LAB ? JSON.parse(readFileSync(join(LAB, 'hosts.json'), 'utf8')) : {};
const hostOfUri = (uri) => Object.keys(hosts).find((h) => hosts[h].uri === uri);

// Global options come before the subcommand; the scripts pass only -c URI.
let i = 0;
let uri = process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';
while (i < argv.length && argv[i].startsWith('-')) {
  if (argv[i] === '-c' || argv[i] === '--connect') { uri = argv[i + 1]; i += 2; } else i += 1;
}
const sub = argv[i];
const args = argv.slice(i + 1);
const host = hostOfUri(uri);

function real(list, input) {
  return spawnSync(REAL, list, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
}
function passThrough() {
  const r = spawnSync(REAL, argv, { stdio: 'inherit' });
  return r.status ?? 1;
}

if (!LAB || host === undefined) process.exit(passThrough());

// --- VF halves and their stand-ins -------------------------------------------------------------

const VF_HALF = /<interface type=(['"])hostdev\1[^>]*>[\s\S]*?<\/interface>/g;
const STAND_IN = /<interface type=(['"])user\1[^>]*>[\s\S]*?<\/interface>/g;
const aliasOf = (el) => /<alias name=(['"])([^'"]+)\1/.exec(el)?.[2];
const domainName = (xml) => /<name>([^<]+)<\/name>/.exec(xml)?.[1];
const store = (h, domain) => join(LAB, 'stand-ins', h, domain);

/** An emulated NIC in a VF half's place: same MAC, alias and guest address. */
function standIn(vfHalf) {
  const body = vfHalf.replace(/<source>[\s\S]*?<\/source>/, '');
  const indent = /\n( *)<\/interface>$/.exec(vfHalf)?.[1] ?? '';
  const inner = `${indent}  `;
  const pick = (re) => re.exec(body)?.[0];
  const parts = [pick(/<mac [^>]*\/>/), "<model type='e1000e'/>", pick(/<alias [^>]*\/>/), pick(/<address [^>]*\/>/)].filter(Boolean);
  return `<interface type='user'>\n${parts.map((p) => inner + p).join('\n')}\n${indent}</interface>`;
}

/** Swaps the VF halves of `xml` for stand-ins, remembering each one under (host, domain). */
function toLibvirt(xml, h, domain) {
  return xml.replace(VF_HALF, (el) => {
    const alias = aliasOf(el);
    if (alias && domain) {
      mkdirSync(store(h, domain), { recursive: true });
      writeFileSync(join(store(h, domain), `${alias}.xml`), el);
    }
    return standIn(el);
  });
}

/** Swaps the stand-ins of `xml` back for the VF halves they stand for. */
function fromLibvirt(xml, h, domain) {
  return xml.replace(STAND_IN, (el) => {
    const alias = aliasOf(el);
    const file = alias && domain && join(store(h, domain), `${alias}.xml`);
    if (!file || !existsSync(file)) return el;
    const vf = readFileSync(file, 'utf8');
    const address = /<address [^>]*\/>/.exec(el.replace(/<source>[\s\S]*?<\/source>/, ''))?.[0];
    const kept = vf.replace(/(<\/source>[\s\S]*?)<address [^>]*\/>/, (m, before) => address ? `${before}${address}` : m);
    return kept;
  });
}

const tmp = mkdtempSync(join(LAB, 'call-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** A copy of `file` with its VF halves swapped, for `h`'s domain `domain` (or the file's own). */
function swapped(file, h, domain) {
  const xml = readFileSync(file, 'utf8');
  const out = join(tmp, `${n++}.xml`);
  writeFileSync(out, toLibvirt(xml, h, domain ?? domainName(xml)));
  return out;
}

// --- fault injection ---------------------------------------------------------------------------

function stopHost(name) {
  const pidFile = join(hosts[name].dir, 'run', 'libvirtd.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  writeFileSync(join(LAB, `stopped-${name}`), '');
}

const stopBefore = process.env.HH_LAB_STOP_BEFORE?.split(':');
if (stopBefore && stopBefore[0] === sub && !existsSync(join(LAB, `stopped-${stopBefore[1]}`))) stopHost(stopBefore[1]);

const failOn = process.env.HH_LAB_FAIL_ON?.split(':');
if (failOn && failOn[0] === sub && failOn[1] === host && !existsSync(join(LAB, `failed-${sub}`))) {
  writeFileSync(join(LAB, `failed-${sub}`), '');
  process.stderr.write(`error: internal error: the lab failed this ${sub} on ${host} (HH_LAB_FAIL_ON)\n`);
  process.exit(1);
}

function counted(status) {
  const limit = Number(process.env.HH_LAB_KILL_AFTER ?? 0);
  if (status !== 0 || !limit || !CHANGES.has(sub)) return status;
  const counter = join(LAB, 'changes');
  const count = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
  writeFileSync(counter, String(count));
  // The script called us: it dies here, as under a power cut, with no trap run.
  if (count === limit) process.kill(process.ppid, 'SIGKILL');
  return status;
}

// --- the subcommands -----------------------------------------------------------------------------

function nodedevDumpxml() {
  const name = args.find((a) => !a.startsWith('-'));
  const file = join(hosts[host].snapshot, 'nodedev', `${name}.xml`);
  if (name && existsSync(file)) { process.stdout.write(readFileSync(file, 'utf8')); return 0; }
  process.stderr.write(`error: Could not find matching device '${name}'\nerror: Node device not found: no node device with matching name '${name}'\n`);
  return 1;
}

function dumpxml() {
  const list = [...args];
  let xpath;
  const at = list.indexOf('--xpath');
  if (at !== -1) { xpath = list[at + 1]; list.splice(at, 2); }
  const d = list.indexOf('--domain');
  const domain = d !== -1 ? list[d + 1] : list.find((a) => !a.startsWith('-'));
  const r = real(['-c', uri, 'dumpxml', ...list]);
  if (r.status !== 0) { process.stderr.write(r.stderr); return r.status ?? 1; }
  const xml = fromLibvirt(r.stdout, host, domain);
  if (xpath === undefined) { process.stdout.write(xml); return 0; }
  // virsh prints each matching node and exits 0, matches or none.
  const x = spawnSync('xmllint', ['--xpath', xpath, '-'], { input: xml, encoding: 'utf8' });
  if (x.status === 0) process.stdout.write(x.stdout.endsWith('\n') ? x.stdout : `${x.stdout}\n`);
  return 0;
}

/** Runs the real virsh with the files at `positions` (indexes into args) swapped. */
function withFiles(positions, h, domain) {
  const list = [...args];
  for (const p of positions) if (p >= 0 && p < list.length) list[p] = swapped(list[p], h, domain);
  const r = spawnSync(REAL, ['-c', uri, sub, ...list], { stdio: 'inherit' });
  return r.status ?? 1;
}

const positional = () => args.map((a, k) => [a, k]).filter(([a, k]) => !a.startsWith('-') && !(k > 0 && ['--xml', '--persistent-xml', '--file', '--domain'].includes(args[k - 1])));

function run() {
  switch (sub) {
    case 'nodedev-dumpxml': return nodedevDumpxml();
    case 'dumpxml': return dumpxml();
    case 'define': case 'create': return withFiles([positional()[0]?.[1]], host);
    case 'attach-device': case 'detach-device': {
      const [dom, file] = positional();
      return withFiles([file?.[1]], host, dom?.[0]);
    }
    case 'restore': return withFiles([args.indexOf('--xml') + 1].filter((p) => p > 0), host);
    case 'migrate': {
      const pos = positional();
      const dest = hostOfUri(pos[1]?.[0]);
      const files = ['--xml', '--persistent-xml'].map((o) => args.indexOf(o)).filter((p) => p !== -1).map((p) => p + 1);
      return withFiles(files, dest ?? host, pos[0]?.[0]);
    }
    default: return passThrough();
  }
}

process.exitCode = counted(run());
