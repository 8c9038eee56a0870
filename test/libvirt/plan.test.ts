// Plans proven on real libvirt and QEMU. No VF can be passed through here, but everything else
// is real: every PF netdev of the fixture hosts is a veth, the guests run under QEMU with their
// passthrough devices removed, and libvirt's own checks judge what the plans produce:
//  1. save + restore --xml of migrateXml: the ABI check `virsh migrate --xml` runs;
//  2. detach --config of every detach piece, attach --config of every rollback piece: back to start;
//  3. persistentXml less the attached devices takes every attach piece at the same guest address;
//  4. hot-plug: backups go in and out of the running guest, the metadata command is accepted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandDomain, parseXml, planFiles, planHotplug, planMigration, planUnplug, serializeXml, type Host, type MigrationPlan, type Style, type XmlElement,
} from '../../src/index.js';
import { childElements, firstChild, getAttribute, insertElement, removeElement } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { DEST_URI, FIXTURES } from '../helpers.js';
import { caseHost, type CaseSpec } from '../golden/operations.js';
import { requireLibvirt, run } from './env.js';
import { directBoot, guestKernel, writeInitramfs } from './guest-kernel.js';

function waitFor(cond: () => boolean, seconds: number, what: string): void {
  const until = Date.now() + seconds * 1000;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    execFileSync('sleep', ['0.5']);
  }
}

const CASES = join(FIXTURES, 'cases');
const work = mkdtempSync(join(tmpdir(), 'hh-plan-'));
const virsh = (...args: string[]) => run('virsh', ['-c', 'qemu:///system', ...args]);
const ok = (r: ReturnType<typeof virsh>, what: string): string => {
  expect(r.status, `${what}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

/** Every netdev a backup can name in the fixtures: PFs and VLAN sub-interfaces, as veths. */
function fixtureNetdevs(): string[] {
  const names = new Set<string>();
  for (const host of readdirSync(join(FIXTURES, 'hosts'))) {
    const dir = join(FIXTURES, 'hosts', host, 'nodedev');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const m = /<interface>([^<]+)<\/interface>/.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) names.add(m[1]!);
    }
  }
  for (const pf of [...names]) for (const vlan of [42, 100]) names.add(`${pf}.${vlan}`);
  return [...names].sort();
}

/** Bridges the fixtures' plain NICs name (`<source bridge='br0'/>`). */
const BRIDGES = ['br0', 'virbr0'];

function ensureVeths(): void {
  fixtureNetdevs().forEach((name, i) => {
    if (run('ip', ['link', 'show', name]).status === 0) return;
    const peer = `hhpeer${i}`;
    const add = run('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
    if (add.status !== 0) throw new Error(`ip link add ${name}: ${add.stderr} (the libvirt suite runs as root, as .ci/run does)`);
    run('ip', ['link', 'set', name, 'up']);
    run('ip', ['link', 'set', peer, 'up']);
  });
  for (const br of BRIDGES) {
    if (run('ip', ['link', 'show', br]).status === 0) continue;
    run('ip', ['link', 'add', br, 'type', 'bridge']);
    run('ip', ['link', 'set', br, 'up']);
  }
}

const isPassthrough = (d: XmlElement): boolean => d.name === 'hostdev' || (d.name === 'interface' && getAttribute(d, 'type') === 'hostdev');
const aliasOf = (d: XmlElement): string | undefined => childElements(d, 'alias').map((a) => getAttribute(a, 'name'))[0];

/** Edits a domain with our own lossless layer: drop devices, rename, point disks at a test image. */
function edit(xml: string, fn: (root: XmlElement, doc: ReturnType<typeof parseXml>) => void): string {
  const doc = parseXml(xml);
  fn(rootElement(doc), doc);
  return serializeXml(doc);
}
const devicesOf = (root: XmlElement): XmlElement => firstChild(root, 'devices')!;
const without = (xml: string, drop: (d: XmlElement) => boolean): string => edit(xml, (root) => {
  for (const d of childElements(devicesOf(root))) if (drop(d)) removeElement(devicesOf(root), d);
});

const IMAGE = '/var/lib/libvirt/images/guest.qcow2';

/**
 * Our own test name; and the fixtures' NIC on libvirt's NAT network 'default' (which this
 * libvirtd, without the network driver, lacks) becomes a plain tap NIC at the same guest address.
 */
function testDomain(xml: string, name: string): string {
  return xml.replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
    .replace(/<interface type='network'>(\s*<mac [^>]*>)\s*<source network='default'\/>/g, "<interface type='ethernet'>$1");
}

/**
 * What this sandbox cannot start, and the plan does not touch: an 802.1Qbh port profile needs a
 * switch to accept it (lldpad), and an inbound <bandwidth> needs tc's police action module.
 */
const withoutHostOnlyExtras = (xml: string): string => xml
  .replace(/\n *<virtualport type='802\.1Qbh'>[\s\S]*?<\/virtualport>/g, '')
  .replace(/\n *<bandwidth>[\s\S]*?<\/bandwidth>/g, '');

function liveSource(xml: string, alias: string): string | undefined {
  const dev = childElements(devicesOf(rootElement(parseXml(xml)))).find((d) => aliasOf(d) === alias);
  return dev && getAttribute(firstChild(dev, 'source')!, 'dev');
}

function guestAddressOf(xml: string, alias: string): string | undefined {
  const dev = childElements(devicesOf(rootElement(parseXml(xml)))).find((d) => aliasOf(d) === alias);
  const a = dev && firstChild(dev, 'address');
  return a && ['domain', 'bus', 'slot', 'function'].map((k) => getAttribute(a, k)).join(':');
}

/**
 * Defines the full domain (libvirt defines passthrough devices without the hardware), then the
 * same without them, and starts it: libvirt adds nothing of its own into a VF's slot. Returns the
 * full domain's inactive XML.
 */
function startWithoutPassthrough(file: string, full: string, name: string): string {
  writeFileSync(file, full);
  ok(virsh('define', file), 'define the full domain');
  const inactive = ok(virsh('dumpxml', '--inactive', name), 'dumpxml --inactive');
  writeFileSync(file, without(inactive, isPassthrough));
  ok(virsh('define', file), 'define without passthrough');
  ok(virsh('start', name), 'start');
  return inactive;
}

function cleanup(name: string): void {
  virsh('destroy', name);
  virsh('undefine', name, '--managed-save');
}

/**
 * Plans whose VF moves attached (VFIO migration) keep a passed-through VF half in migrateXml and
 * name its variant driver, which libvirt 9.0 drops: they need a libvirt 10.0 host and a VF, which
 * this machine has neither of; test/plan/vf-move.test.ts checks them as data.
 */
const movesVfAttached = (n: string): boolean =>
  (JSON.parse(readFileSync(join(CASES, n, 'expected', 'plan.json'), 'utf8')) as MigrationPlan).allocations.some((a) => a.to.variantDriver !== undefined);

const planCases = readdirSync(CASES).sort().filter((n) => {
  const spec = JSON.parse(readFileSync(join(CASES, n, 'case.json'), 'utf8')) as CaseSpec;
  return spec.run === 'plan' && existsSync(join(CASES, n, 'expected', 'plan.json')) && !movesVfAttached(n);
});

describe('plans on real libvirt and QEMU', () => {
  beforeAll(() => {
    requireLibvirt();
    ensureVeths();
    if (!existsSync(IMAGE)) {
      mkdirSync('/var/lib/libvirt/images', { recursive: true });
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', IMAGE, '64M']);
    }
  });
  afterAll(() => { if (!process.env.HH_KEEP) rmSync(work, { recursive: true, force: true }); });

  it('there are golden plans to prove', () => expect(planCases.length).toBeGreaterThanOrEqual(5));

  for (const name of planCases) {
    it(name, () => {
      const spec = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as CaseSpec;
      const from = caseHost(spec, 'from');
      const to = caseHost(spec, 'to');
      const testName = `hh-test-${name}`.slice(0, 50);
      cleanup(testName);
      let full = testDomain(readFileSync(join(CASES, name, 'input.xml'), 'utf8'), testName);
      const expanded = expandDomain(full, from, spec.style !== undefined ? { style: spec.style as Style } : {});
      full = withoutHostOnlyExtras(expanded.xml);
      const file = join(work, `${name}.xml`);
      try {
        // The full domain first (libvirt defines passthrough devices without the hardware), then
        // the same without them: so libvirt adds nothing of its own into a VF's slot.
        writeFileSync(file, full);
        ok(virsh('define', file), 'define the full domain');
        const inactive = ok(virsh('dumpxml', '--inactive', testName), 'dumpxml --inactive');
        const passthrough = childElements(devicesOf(rootElement(parseXml(inactive)))).filter(isPassthrough).map(aliasOf);

        // 2. rollback pieces undo detach pieces on the definition.
        const planInactive = planMigration(inactive, from, to, options(spec));
        for (const d of planInactive.detach) ok(virsh('detach-device', testName, pieceFile(d.alias, d.xml, 'detach'), '--config'), `detach --config ${d.alias}`);
        for (const d of planInactive.rollback.attach) ok(virsh('attach-device', testName, pieceFile(d.alias, d.xml, 'rollback'), '--config'), `attach --config ${d.alias}`);
        const back = ok(virsh('dumpxml', '--inactive', testName), 'dumpxml after rollback');
        for (const alias of passthrough) expect(guestAddressOf(back, alias!), `${alias} back at its address`).toBe(guestAddressOf(inactive, alias!));

        // 1. start without passthrough, save, restore --xml migrateXml (libvirt's ABI check).
        writeFileSync(file, without(inactive, isPassthrough));
        ok(virsh('define', file), 'define without passthrough');
        ok(virsh('start', testName), 'start');
        const migratable = ok(virsh('dumpxml', '--migratable', testName), 'dumpxml --migratable');
        // The plan sees the guest as it would run on real hardware: its passthrough devices back in.
        const live = edit(migratable, (root, doc) => {
          for (const d of childElements(devicesOf(rootElement(parseXml(inactive)))).filter(isPassthrough)) insertElement(doc, devicesOf(root), d, 'end');
        });
        const plan = planMigration(live, from, to, options(spec));
        expect(plan.input).toBe('migratable');
        expect(plan.warnings.map((w) => w.code)).not.toContain('PLAN_INPUT_NOT_MIGRATABLE');
        const image = join(work, `${name}.save`);
        ok(virsh('save', testName, image), 'save');
        const restoreXml = join(work, `${name}.migrate.xml`);
        writeFileSync(restoreXml, without(plan.migrateXml!, isPassthrough));
        ok(virsh('restore', image, '--xml', restoreXml), 'restore --xml migrateXml (the ABI check)');
        const restored = ok(virsh('dumpxml', testName), 'dumpxml of the restored guest');
        for (const a of plan.allocations.filter((x) => x.kind === 'pair')) {
          const pair = plan.detach.concat(plan.attach).find((d) => d.pair === a.alias);
          const backupAlias = `${a.alias}-backup`;
          expect(liveSource(restored, backupAlias), `${backupAlias} on the destination's PF`).toBe(a.to.backupDev);
          void pair;
        }
        cleanup(testName);

        // 3. persistentXml less what the destination attaches takes every attach piece.
        const attached = new Set(plan.attach.map((d) => d.alias));
        writeFileSync(file, without(plan.persistentXml!, (d) => attached.has(aliasOf(d) ?? '')));
        ok(virsh('define', file), 'define persistentXml less the attach pieces');
        for (const d of plan.attach) ok(virsh('attach-device', testName, pieceFile(d.alias, d.xml, 'attach'), '--config'), `attach --config ${d.alias}`);
        const dest = ok(virsh('dumpxml', '--inactive', testName), 'dumpxml of the destination config');
        for (const d of plan.attach) expect(guestAddressOf(dest, d.alias), d.alias).toBe(guestAddressOf(plan.persistentXml!, d.alias));
      } finally {
        cleanup(testName);
      }
    });
  }

  it('the preflight on real libvirt: fails for devices this host lacks, each virsh call accepted, the guest untouched', () => {
    const name = 'plan-migrate-migratable';
    const spec = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as CaseSpec;
    const from = caseHost(spec, 'from');
    const to = caseHost(spec, 'to');
    const testName = 'hh-test-preflight';
    cleanup(testName);
    const full = withoutHostOnlyExtras(expandDomain(testDomain(readFileSync(join(CASES, name, 'input.xml'), 'utf8'), testName), from).xml);
    const file = join(work, 'preflight.xml');
    try {
      const inactive = startWithoutPassthrough(file, full, testName);
      const migratable = ok(virsh('dumpxml', '--migratable', testName), 'dumpxml --migratable');
      const live = edit(migratable, (root, doc) => {
        for (const d of childElements(devicesOf(rootElement(parseXml(inactive)))).filter(isPassthrough)) insertElement(doc, devicesOf(root), d, 'end');
      });
      // The destination is this machine under another URI form: libvirt answers, the VFs are not there.
      const plan = planMigration(live, from, to, { destUri: 'qemu+unix:///system' });
      const dir = join(work, 'preflight');
      for (const [f, text] of Object.entries(planFiles(plan))) {
        mkdirSync(join(dir, f, '..'), { recursive: true });
        writeFileSync(join(dir, f), text);
      }
      const before = ok(virsh('dumpxml', testName), 'dumpxml before');
      const r = run('bash', [join(dir, 'migrate.sh')]);
      expect(r.status, r.stderr).toBe(3);
      expect(ok(virsh('dumpxml', testName), 'dumpxml after')).toBe(before);
      expect(r.stderr).toContain('nothing was changed');

      // Each check run on its own: which pass and which fail is what this host is; a call libvirt
      // did not accept would fail with a usage error instead.
      const checks = plan.steps.filter((st) => st.kind === 'check');
      const outcome = checks.map((st) => {
        const c = run('bash', ['-c', `set -o pipefail; cd ${dir} && ${st.command}`]);
        expect(c.stderr, st.command).not.toMatch(/unknown option|doesn't support|unexpected data|command not found|expected syntax/i);
        return `${c.status === 0 ? 'pass' : 'fail'} ${st.description.replace(/ \(MAC [^)]*\)/, '').replace(/\d{4}:\d\d:\d\d\.\d/g, 'PCI')}`;
      });
      expect(outcome).toEqual([
        'pass virsh is on PATH here',
        'pass timeout is on PATH here',
        'pass hh-test-preflight runs on the source (qemu:///system)',
        'fail hh-test-preflight holds ua-hybrid0-vf',
        'pass the destination answers (qemu+unix:///system)',
        'fail the destination has PCI device PCI',
        'pass no other domain on the destination holds PCI',
        'pass the destination has network device ens1f0 (the backup of ua-hybrid0)',
      ]);
      // The failing calls were answered, not rejected: no such device, and no such alias.
      const nodedev = checks.find((st) => st.description.includes('has PCI device'))!;
      expect(run('bash', ['-c', nodedev.command]).stderr).toMatch(/Node device not found|Could not find matching device/);
      const backup = ok(virsh('dumpxml', '--domain', testName, '--xpath', '//devices/*[alias/@name="ua-hybrid0-backup"]'), 'dumpxml --xpath');
      expect(backup).toContain('ua-hybrid0-backup');
      // A domain that does hold a device is found by the free check's own command.
      const vf = plan.allocations[0]!.to.vf;
      const holder = full.replace(/<name>[^<]*<\/name>/, '<name>hh-test-holder</name>').replace(/<uuid>[^<]*<\/uuid>\n\s*/, '');
      const [bus, slot, fn] = [vf.slice(5, 7), vf.slice(8, 10), vf.slice(11)];
      const onVf = holder.replace(/(<source>\s*<address type='pci' domain='0x0000' )bus='0x04' slot='0x10' function='0x2'/, (_, head: string) => `${head}bus='0x${bus}' slot='0x${slot}' function='0x${fn}'`);
      expect(onVf).not.toBe(holder);
      writeFileSync(join(work, 'holder.xml'), onVf);
      ok(virsh('define', join(work, 'holder.xml')), 'define a domain holding the planned VF');
      // Another domain listed before it: the check must read every name (virsh reads standard input).
      writeFileSync(join(work, 'decoy.xml'), holder.replace('<name>hh-test-holder</name>', '<name>hh-test-aaa-decoy</name>'));
      ok(virsh('define', join(work, 'decoy.xml')), 'define a domain listed first');
      const free = checks.find((st) => st.description.startsWith('no other domain'))!;
      const held = run('bash', ['-c', `set -o pipefail; ${free.command}`]);
      expect([held.status, held.stderr.trim()]).toEqual([1, 'held by: hh-test-holder']);
      expect(ok(virsh('list', '--all', '--name'), 'list').indexOf('hh-test-aaa-decoy')).toBeLessThan(ok(virsh('list', '--all', '--name'), 'list').indexOf('hh-test-holder'));
    } finally {
      cleanup(testName);
      cleanup('hh-test-holder');
      cleanup('hh-test-aaa-decoy');
    }
  }, 120_000);

  it('a jumbo pair starts with its backup on a PF of MTU 9000, and the macvtap libvirt makes has MTU 9000', () => {
    const testName = 'hh-test-jumbo';
    cleanup(testName);
    const host: Host = caseHost({ run: 'expand', host: 'intel-82576' });
    const full = withoutHostOnlyExtras(expandDomain(testDomain(readFileSync(join(CASES, 'expand-q35-jumbo', 'input.xml'), 'utf8'), testName), host).xml);
    expect(full).not.toMatch(/<mtu /);
    const pf = 'enp4s0f0';
    const file = join(work, 'jumbo.xml');
    try {
      expect(run('ip', ['link', 'set', pf, 'mtu', '9000']).status).toBe(0);
      startWithoutPassthrough(file, full, testName);
      const live = ok(virsh('dumpxml', testName), 'dumpxml');
      const backup = childElements(devicesOf(rootElement(parseXml(live)))).find((d) => aliasOf(d) === 'ua-storage-backup')!;
      expect(getAttribute(firstChild(backup, 'source')!, 'dev')).toBe(pf);
      const macvtap = getAttribute(firstChild(backup, 'target')!, 'dev')!;
      const link = JSON.parse(ok(run('ip', ['-j', 'link', 'show', macvtap]), `ip link show ${macvtap}`)) as { mtu: number }[];
      expect([macvtap.startsWith('macvtap'), link[0]!.mtu]).toEqual([true, 9000]);
      // The preflight's MTU check, run for real against this PF.
      expect(run('bash', ['-c', `set -o pipefail; virsh -c qemu:///system iface-dumpxml ${pf} | sed -n 's/.*<mtu size=.\\([0-9]*\\).*/\\1/p' | { read -r m || m=1500; [ "$m" -ge 9000 ]; }`]).status).toBe(0);
    } finally {
      cleanup(testName);
      run('ip', ['link', 'set', pf, 'mtu', '1500']);
    }
  });

  it('hot-plug and unplug: backups go in and out of the running guest; the metadata step is accepted', () => {
    const dir = join(CASES, 'hotplug-q35-free-port');
    const host: Host = caseHost({ run: 'hotplug', host: 'intel-82576' });
    const testName = 'hh-test-hotplug';
    cleanup(testName);
    const file = join(work, 'hotplug.xml');
    // A guest that answers hot-unplug (the kernel's own hotplug drivers); its console in a file
    // to see it booted.
    const initrd = '/var/lib/libvirt/images/hh-test-initramfs.cpio.gz';
    writeInitramfs(initrd);
    const consoleLog = join(work, 'console.log');
    const guest = directBoot(testDomain(readFileSync(join(dir, 'input.xml'), 'utf8'), testName), guestKernel(), initrd)
      .replace('</devices>', `  <serial type='file'>\n      <source path='${consoleLog}'/>\n      <target port='0'/>\n    </serial>\n  </devices>`);
    writeFileSync(file, guest);
    try {
      ok(virsh('define', file), 'define');
      ok(virsh('start', testName), 'start');
      // Under TCG a boot takes ~15 s, but once took over 120 s in CI on a busy 2-core machine.
      waitFor(() => existsSync(consoleLog) && readFileSync(consoleLog, 'utf8').includes('Run /init as init process'), 200, 'the guest kernel to boot');
      const running = ok(virsh('dumpxml', testName), 'dumpxml');
      const plan: MigrationPlan = planHotplug(running, host, readFileSync(join(dir, 'device.xml'), 'utf8'));
      const backup = plan.attach.find((d) => d.role === 'backup-half')!;
      ok(virsh('attach-device', testName, pieceFile(backup.alias, backup.xml, 'hotplug'), '--live'), 'attach the backup live');
      const metadataStep = plan.steps.find((s) => s.action === 'metadata')!;
      writeFileSync(join(work, 'metadata.xml'), plan.metadataXml!);
      const meta = run('bash', ['-c', `cd ${work} && ${metadataStep.command.replace('--live --config', '--live')}`]);
      expect(meta.status, meta.stderr).toBe(0);
      const after = ok(virsh('dumpxml', testName), 'dumpxml after hot-plug');
      expect(guestAddressOf(after, backup.alias)).toBe(guestAddressOf(plan.persistentXml!, backup.alias));
      // The backup is the only NIC with its MAC now: the set-link step's form works.
      ok(virsh('domif-setlink', testName, backup.mac!, 'up'), 'domif-setlink by MAC');
      // Unplug plans from what libvirt now prints, metadata included.
      const unplug = planUnplug(after, plan.allocations[0]!.alias);
      const piece = unplug.detach.find((d) => d.role === 'backup-half')!;
      ok(virsh('detach-device', testName, pieceFile(piece.alias, piece.xml, 'unplug'), '--live'), 'detach the backup live');
      // The wait step's own command, run for real: it returns once the alias is gone.
      const wait = run('bash', ['-c', `timeout 90 sh -c 'while virsh -c qemu:///system dumpxml ${testName} | grep -qE "<alias name=.${piece.alias}./>"; do sleep 1; done'`]);
      expect(wait.status, wait.stderr).toBe(0);
      expect(guestAddressOf(ok(virsh('dumpxml', testName), 'dumpxml after unplug'), piece.alias)).toBeUndefined();
    } finally {
      cleanup(testName);
    }
  }, 330_000);
});

/** The case's options; a live migration's destination URI (a save/restore in place has none). */
function options(spec: CaseSpec): Parameters<typeof planMigration>[3] {
  return {
    ...(spec.operation === 'save-restore' ? {} : { destUri: DEST_URI }),
    ...(spec.operation !== undefined ? { operation: spec.operation as 'migrate' | 'save-restore' } : {}),
    ...(spec.pciMap !== undefined ? { pciMap: spec.pciMap as Record<string, string> } : {}),
    ...(spec.claimed !== undefined ? { claimed: spec.claimed as string[] } : {}),
    ...(spec.style !== undefined ? { style: spec.style as Style } : {}),
  };
}

function pieceFile(alias: string, xml: string, kind: string): string {
  const f = join(work, `${kind}-${alias}.xml`);
  writeFileSync(f, xml + '\n');
  return f;
}
