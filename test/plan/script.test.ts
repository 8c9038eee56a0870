// The generated script as a journal: run with a stand-in `virsh` that logs its arguments and
// fails where told, a failure undoes exactly the steps that ran, newest first — and after the
// switch-over undoes nothing (the guest runs on the destination; repair there).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { expandDomain, planFiles, planHotplug, planMigration, planRepair, planUnplug, readHostSnapshot, renderScript, scriptName, writePlanFiles, type Host } from '../../src/index.js';
import { DEST_URI, expectHybridError, fixture, FIXTURES, ROOT } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let from!: Host;
let to!: Host;
beforeEach(() => {
  from = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
  to = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
});
const input = readFileSync(join(FIXTURES, 'cases', 'plan-migrate-migratable', 'input.xml'), 'utf8');
// Two pairs and a GPU: several detach steps to undo.
let guest!: string;
beforeEach(() => {
  guest = expandDomain(readFileSync(join(ROOT, 'examples', 'guest.xml'), 'utf8'), from).xml;
});
const gpuMap = { pciMap: { '0000:65:00.0': '0000:ca:00.0' } };

/** virsh subcommands that change a guest or a host; every other one the scripts call only reads. */
const CHANGING = new Set(['detach-device', 'attach-device', 'migrate', 'save', 'restore', 'define', 'undefine', 'domif-setlink', 'metadata']);
const subcommand = (call: string): string => call.split(' ')[2]!;

/**
 * A stand-in virsh that logs its arguments (and, like the real one, writes after the line a check
 * looks for: a reader that stops early kills it with SIGPIPE), answers the preflight's queries from `world`, and
 * fails the first change whose arguments contain `failOn`. By default the world is as the plan
 * expects: the guest runs and holds what the plan detaches, the destination answers, has every
 * device and netdev, and no other domain holds any.
 */
interface World {
  unreachable?: boolean;
  /** domstate prints this (default running). */
  state?: string;
  /** The aliases the guest holds (default: the plan's detach pieces). */
  aliases?: string[];
  noNodedev?: boolean;
  noIface?: boolean;
  /** Another domain on the destination holds a device the plan takes (the last one listed; virsh reads its standard input as the real one may). */
  held?: boolean;
  noHostdevHybrid?: boolean;
  /** The guest is transient on the source (not in `list --persistent`). */
  transient?: boolean;
  /** libvirt has a managed-save image of the guest on the source. */
  managedSave?: boolean;
  /** A domain of the guest's name exists on the destination (another URI than the source's). */
  destHasDomain?: boolean;
}

function runScript(plan: ReturnType<typeof planMigration>, failOn: string | undefined, world: World = {}, args: string[] = []): { code: number | null; calls: string[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hh-script-'));
  for (const [f, content] of Object.entries(planFiles(plan))) {
    const path = join(dir, f);
    spawnSync('mkdir', ['-p', join(path, '..')]);
    writeFileSync(path, content);
  }
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  const log = join(dir, 'calls.log');
  writeFileSync(join(dir, 'aliases'), (world.aliases ?? plan.detach.map((d) => d.alias)).join('\n') + '\n');
  writeFileSync(join(bin, 'virsh'), `#!/bin/sh
echo "$*" >> ${log}
xpath=''; prev=''
for a in "$@"; do [ "$prev" = --xpath ] && xpath=$a; prev=$a; done
case " $* " in
  *" uri "*) ${world.unreachable ? 'echo "error: failed to connect" >&2; exit 1' : 'echo qemu:///fake; exit 0'} ;;
${plan.destUri !== plan.sourceUri ? `  *" -c ${plan.destUri} domstate "*) ${world.destHasDomain ? 'echo running; exit 0' : 'echo "error: failed to get domain" >&2; exit 1'} ;;\n` : ''}  *" domstate "*) echo ${world.state ?? 'running'}; sleep 0.1; echo; exit 0 ;;
  *" managedsave-dumpxml "*) ${world.managedSave ? 'echo "<domain/>"; exit 0' : 'echo "error: no managed save image" >&2; exit 1'} ;;
  *" list --all --persistent "*) printf 'alpha\n${world.transient ? '' : plan.domain}\n\n'; exit 0 ;;
  *" list "*) printf 'alpha\nbeta\nother\n\n'; exit 0 ;;
  *" nodedev-dumpxml "*) ${world.noNodedev ? 'exit 1' : 'echo "<device/>"; exit 0'} ;;
  *" iface-dumpxml "*) ${world.noIface ? 'exit 1' : 'echo "<interface/>"; exit 0'} ;;
  *" --domain alpha "*|*" --domain beta "*) cat >/dev/null; exit 0 ;;
  *" --domain other "*) ${world.held ? 'echo "<hostdev/>"' : ':'}; exit 0 ;;
esac
if [ -n "$xpath" ]; then
  alias=$(echo "$xpath" | sed -n 's/.*alias\\/@name="\\([^"]*\\)".*/\\1/p')
  grep -qx "$alias" ${join(dir, 'aliases')} && echo "<interface/>"
  exit 0
fi
case " $* " in *" dumpxml "*) exit 0 ;; esac
${failOn ? `case "$*" in *"${failOn}"*) exit 1 ;; esac\n` : ''}exit 0
`);
  chmodSync(join(bin, 'virsh'), 0o755);
  writeFileSync(join(bin, 'hostdev-hybrid'), world.noHostdevHybrid ? '#!/bin/sh\nexit 127\n' : '#!/bin/sh\n[ "$1" = --version ] && exit 0\ncat >/dev/null\n');
  chmodSync(join(bin, 'hostdev-hybrid'), 0o755);
  const r = spawnSync('bash', [join(dir, scriptName(plan)), ...args], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  let calls: string[] = [];
  try { calls = readFileSync(log, 'utf8').trim().split('\n'); } catch { /* no call */ }
  return { code: r.status, calls, stderr: r.stderr };
}

/** The calls that change something, in order. */
const changes = (calls: string[]): string[] => calls.filter((c) => CHANGING.has(subcommand(c)));

describe('migrate.sh, run against a stand-in virsh', () => {
  it('succeeds step by step when every step does', () => {
    const plan = planMigration(input, from, to, { destUri: DEST_URI });
    const r = runScript(plan, undefined);
    expect(r.code, r.stderr).toBe(0);
    expect(changes(r.calls).map(subcommand)).toEqual(['detach-device', 'domif-setlink', 'migrate', 'attach-device']);
  });

  it('a failed migrate re-attaches on the source exactly what was detached, newest first (exit 1)', () => {
    const plan = planMigration(guest, from, to, { destUri: DEST_URI, ...gpuMap });
    const detached = plan.detach.map((d) => d.file);
    expect(detached.length).toBeGreaterThan(2);
    const r = runScript(plan, ' migrate ');
    expect(r.code).toBe(1);
    const undone = changes(r.calls).filter((c) => c.includes('attach-device')).map((c) => c.split(' ')[4]);
    expect(undone).toEqual([...detached].reverse());
    expect(changes(r.calls).some((c) => c.startsWith('-c qemu+ssh'))).toBe(false); // nothing changed on the destination
  });

  it('a failed detach undoes only the detaches before it — never one that did not run', () => {
    const plan = planMigration(guest, from, to, { destUri: DEST_URI, ...gpuMap });
    const second = plan.detach[1]!.file;
    const r = runScript(plan, `detach-device demo-guest ${second}`);
    expect(r.code).toBe(1);
    expect(changes(r.calls).filter((c) => c.includes('attach-device')).map((c) => c.split(' ')[4])).toEqual([plan.detach[0]!.file]);
  });

  it('a failed attach after the switch-over undoes nothing on the source (exit 2)', () => {
    const plan = planMigration(input, from, to, { destUri: DEST_URI });
    const r = runScript(plan, 'attach-device web2 attach/');
    expect(r.code).toBe(2);
    expect(r.calls.filter((c) => c.includes('attach-device') && c.includes('detach/'))).toEqual([]);
  });
});

describe('the preflight: nothing changes before every check has passed', () => {
  let plan!: ReturnType<typeof planMigration>;
  beforeEach(() => {
    plan = planMigration(guest, from, to, { destUri: DEST_URI, ...gpuMap });
  });

  it('plan.commands holds the checks first, then the changes, as the steps say', () => {
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds.indexOf('change')).toBe(kinds.lastIndexOf('check') + 1);
    expect(plan.commands).toEqual(plan.steps.map((s) => s.command));
    expect(plan.steps.filter((s) => s.kind === 'check').every((s) => ['check', 'connect'].includes(s.action) && s.fix !== undefined && s.undo === undefined)).toBe(true);
  });

  it('--check runs every check and never a change (exit 0)', () => {
    const r = runScript(plan, undefined, {}, ['--check']);
    expect(r.code, r.stderr).toBe(0);
    expect(changes(r.calls)).toEqual([]);
    expect(r.stderr).toContain('checks passed; nothing was changed (--check)');
  });

  it('any other argument, or one more after --check, is a usage error: exit 64, not one call', () => {
    for (const args of [['--check', 'extra'], ['--dry-run'], ['', '']]) {
      const r = runScript(plan, undefined, {}, args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.calls).toEqual([]);
    }
  });

  it('a destination that does not answer: exit 3, not one change', () => {
    const r = runScript(plan, undefined, { unreachable: true });
    expect(r.code).toBe(3);
    expect(changes(r.calls)).toEqual([]);
    expect(r.stderr).toContain(`check failed: the destination answers (${DEST_URI}); check the URI`);
    // Its other checks are skipped, not run and failed one by one.
    expect(r.calls.filter((c) => c.startsWith(`-c ${DEST_URI}`)).map(subcommand)).toEqual(['uri']);
    const skipped = plan.steps.filter((s) => s.kind === 'check' && s.host === 'destination' && s.action === 'check').length;
    expect(r.stderr.split('\n').filter((l) => l === 'hostdev-hybrid: skipped: the destination does not answer')).toHaveLength(skipped);
    expect(r.stderr).toContain('1 of ');
  });

  it('every query answered and nothing found: exit 3, every failed check named, not one change', () => {
    const r = runScript(plan, undefined, { state: 'shut off', aliases: [], noNodedev: true, noIface: true, held: true });
    expect(r.code).toBe(3);
    expect(changes(r.calls)).toEqual([]);
    const failed = r.stderr.split('\n').filter((l) => l.startsWith('hostdev-hybrid: check failed: '));
    const checks = plan.steps.filter((s) => s.kind === 'check' && !/on PATH|runs here|answers/.test(s.description));
    expect(failed.length).toBe(checks.length);
    expect(r.stderr).toContain(`${failed.length} of ${plan.steps.filter((s) => s.kind === 'check').length} check(s) failed; nothing was changed`);
  });

  it.each([
    ['the guest does not run', { state: 'shut off' }, 'demo-guest runs on the source (qemu:///system)', 'start it'],
    ['the guest lacks a device the plan detaches', { aliases: ['ua-hybrid0-vf'] }, 'demo-guest holds ua-hybrid1-vf (MAC ', 'plan again from its XML as it is now'],
    ['a destination device is gone', { noNodedev: true }, 'the destination has PCI device 0000:81:00.', 'capture it again and plan again'],
    ['another domain took a destination device', { held: true }, 'no other domain on the destination holds 0000:81:00.', 'capture the snapshot again'],
    ['a backup netdev is missing there', { noIface: true }, 'the destination has network device ens1f0 (the backup of ua-hybrid0', 'create it there'],
    ['hostdev-hybrid does not run here', { noHostdevHybrid: true }, 'hostdev-hybrid runs here', 'HOSTDEV_HYBRID'],
  ] as [string, World, string, string][])('%s: its own message, exit 3, not one change', (_, world, what, fix) => {
    const r = runScript(plan, undefined, world);
    expect(r.code).toBe(3);
    expect(changes(r.calls)).toEqual([]);
    const line = r.stderr.split('\n').find((l) => l.startsWith(`hostdev-hybrid: check failed: ${what}`));
    expect(line, r.stderr).toBeDefined();
    expect(line).toContain(fix);
  });

  it('a pair the plan saw degraded must still be: a VF half back since is caught', () => {
    const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
    const back = planMigration(degraded, to, from, { destUri: DEST_URI });
    const missing = back.steps.find((s) => s.description.includes('does not hold'))!;
    const alias = /does not hold (\S+)/.exec(missing.description)![1]!;
    const r = runScript(back, undefined, { aliases: [...back.detach.map((d) => d.alias), alias] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`check failed: ${missing.description}`);
    expect(runScript(back, undefined).code).toBe(0);
  });

  it('save-restore: the save folder must exist and have room for the guest\'s memory', () => {
    const folder = mkdtempSync(join(tmpdir(), 'hh-save-'));
    const ok = planMigration(input, from, from, { operation: 'save-restore', saveFile: `${folder}/web2.save` });
    expect(runScript(ok, undefined, {}, ['--check']).code).toBe(0);
    const gone = planMigration(input, from, from, { operation: 'save-restore', saveFile: `${folder}/nope/web2.save` });
    const r = runScript(gone, undefined);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/check failed: \S+\/nope exists and has \d+ MiB free for the guest's memory; create the folder/);
    const huge = planMigration(input.replace(/<memory unit='KiB'>\d+<\/memory>/, "<memory unit='TiB'>64</memory>").replace(/<currentMemory[^>]*>\d+<\/currentMemory>/, ''), from, from, { operation: 'save-restore', saveFile: `${folder}/web2.save` });
    expect(huge.steps.find((s) => s.description.includes('MiB free'))!.description).toContain(`${64 * 1024 * 1024} MiB free`);
    expect(runScript(huge, undefined).code).toBe(3);
  });
});

describe('save-restore leaves one definition and no image behind', () => {
  const SHARED = join(mkdtempSync(join(tmpdir(), 'hh-shared-')), 'web2.img');
  const away = () => planMigration(input, from, to, { operation: 'save-restore', destUri: DEST_URI, saveFile: SHARED });

  it('to another host: saved, restored, defined there, undefined here, the image removed — in that order', () => {
    const plan = away();
    const r = runScript(plan, undefined);
    expect(r.code, r.stderr).toBe(0);
    const moves = r.calls.filter((c) => CHANGING.has(subcommand(c))).map((c) => `${c.startsWith(`-c ${DEST_URI} `) ? 'dest' : 'src'} ${subcommand(c)}`);
    expect(moves).toEqual(['src detach-device', 'src domif-setlink', 'src save', 'dest restore', 'dest define', 'src undefine', 'dest attach-device']);
    expect(plan.steps.find((s) => s.action === 'define')!.command).toBe(`virsh -c ${DEST_URI} define persistent.xml`);
    const order = plan.steps.filter((s) => s.kind === 'change').map((s) => s.action);
    expect(order.indexOf('remove-image')).toBe(order.indexOf('undefine') + 1);
    expect(plan.commands).toContain(`rm -f ${SHARED}`);
    // The definition moved whole: no --config step after it.
    expect(plan.commands.filter((c) => c.includes('--config'))).toEqual([]);
  });

  it('in place: no define or undefine, the image removed after the restore, never at libvirt\'s managed-save path', () => {
    const plan = planMigration(input, from, from, { operation: 'save-restore' });
    const image = '/var/lib/libvirt/qemu/save/web2.hostdev-hybrid.img';
    expect(plan.commands).toContain(`virsh -c qemu:///system save web2 ${image}`);
    const actions = plan.steps.filter((s) => s.kind === 'change').map((s) => s.action);
    expect(actions).not.toContain('define');
    expect(actions).not.toContain('undefine');
    expect(actions.indexOf('remove-image')).toBe(actions.indexOf('restore') + 1);
    expect(plan.steps.find((s) => s.action === 'save')!.undo).toBe(`virsh -c qemu:///system restore ${image} && rm -f ${image}`);
  });

  it('refuses at plan time what would leave an image to be resumed, or one the destination cannot see', () => {
    expectHybridError(() => planMigration(input, from, to, { operation: 'save-restore', destUri: DEST_URI }), 'SAVE_FILE_REQUIRED');
    for (const saveFile of ['/var/lib/libvirt/qemu/save/web2.save', '/var/lib/libvirt/qemu//save/./other.save', '/var/lib/libvirt/qemu/save/././other.save']) {
      expectHybridError(() => planMigration(input, from, from, { operation: 'save-restore', saveFile }), 'SAVE_FILE_MANAGED');
    }
    expectHybridError(() => planMigration(input, from, from, { operation: 'save-restore', saveFile: 'web2.img' }), 'INVALID_ATTRIBUTE');
    expect(planMigration(input, from, from, { operation: 'save-restore', saveFile: '/var/lib/libvirt/qemu/save/web2.img' }).commands.join('\n')).toContain('save web2 /var/lib/libvirt/qemu/save/web2.img');
  });

  it('the preflight stops a guest with a managed-save image, a transient guest, and a name taken on the destination', () => {
    for (const [world, what] of [
      [{ managedSave: true }, 'web2 has no managed-save image on the source'],
      [{ transient: true }, 'web2 is defined (persistent) on the source'],
      [{ destHasDomain: true }, 'the destination has no domain named web2'],
    ] as const) {
      const r = runScript(away(), undefined, world);
      expect(r.code, what).toBe(3);
      expect(r.stderr).toContain(`check failed: ${what}`);
      expect(r.calls.filter((c) => CHANGING.has(subcommand(c)))).toEqual([]);
    }
  });

  it('a restore that fails on the destination restores the guest on the source and removes the image there (exit 1)', () => {
    const r = runScript(away(), `${DEST_URI} restore`);
    expect(r.code).toBe(1);
    const changed = r.calls.filter((c) => CHANGING.has(subcommand(c)));
    expect(changed.map(subcommand)).toEqual(['detach-device', 'domif-setlink', 'save', 'restore', 'restore', 'attach-device']);
    expect(changed[4]).toBe(`-c qemu:///system restore ${SHARED}`);
    expect(r.stderr).toContain(`+ virsh -c qemu:///system restore ${SHARED} && rm -f ${SHARED}`);
  });

  it('a remote source: the script cannot remove the image, and the plan says so', () => {
    const plan = planMigration(input, from, to, { operation: 'save-restore', sourceUri: 'qemu+ssh://a.example/system', destUri: DEST_URI, saveFile: SHARED });
    expect(plan.warnings.map((w) => w.code)).toContain('SAVE_IMAGE_LEFT');
    expect(plan.steps.some((s) => s.action === 'remove-image')).toBe(false);
    expect(plan.steps.find((s) => s.action === 'save')!.undo).toBe(`virsh -c qemu+ssh://a.example/system restore ${SHARED}`);
    // A live migration from the same source leaves no image to speak of.
    const live = planMigration(input, from, to, { sourceUri: 'qemu+ssh://a.example/system', destUri: DEST_URI });
    expect(live.warnings.map((w) => w.code)).not.toContain('SAVE_IMAGE_LEFT');
  });
});

describe('repair.sh, hotplug.sh and unplug.sh have the same preflight', () => {
  const degraded = fixture('cases', 'repair-after-migration', 'input.xml');
  const running = fixture('cases', 'unplug-pair', 'input.xml');
  const hotplugCase = fixture('cases', 'hotplug-q35-free-port', 'input.xml');
  const nic = fixture('cases', 'hotplug-q35-free-port', 'device.xml');
  const plans = {
    repair: () => planRepair(degraded, to),
    hotplug: () => planHotplug(hotplugCase, from, nic),
    unplug: () => planUnplug(running, 'ua-hybrid0'),
  };

  it.each(Object.keys(plans))('%s: passes its checks against the world it expects, and changes nothing when the guest is not running', (op) => {
    const plan = plans[op as keyof typeof plans]();
    // What the guest holds: repair, its backups (not its VF halves); hot-plug, none of the new aliases.
    const aliases = op === 'repair' ? plan.allocations.map((a) => `${a.alias}-backup`) : op === 'hotplug' ? [] : plan.detach.map((d) => d.alias);
    const ok = runScript(plan, undefined, { aliases });
    expect(ok.code, ok.stderr).toBe(0);
    expect(changes(ok.calls).length).toBeGreaterThan(0);
    const off = runScript(plan, undefined, { aliases, state: 'shut off' });
    expect(off.code).toBe(3);
    expect(changes(off.calls)).toEqual([]);
    expect(off.stderr).toMatch(/check failed: \S+ runs on the source \(qemu:\/\/\/system\); the plan is for a running guest: start it/);
  });

  it('repair refuses to run when a VF half it would attach is already back; hot-plug when an alias is taken', () => {
    const [repairPlan, hotplugPlan] = [plans.repair(), plans.hotplug()];
    const repair = runScript(repairPlan, undefined, { aliases: repairPlan.allocations.flatMap((a) => [`${a.alias}-backup`, `${a.alias}-vf`]) });
    expect([repair.code, changes(repair.calls)]).toEqual([3, []]);
    const hot = runScript(hotplugPlan, undefined, { aliases: [hotplugPlan.attach[0]!.alias] });
    expect([hot.code, changes(hot.calls)]).toEqual([3, []]);
  });
});

describe('the files of a plan', () => {
  it('names the script after the operation; a save-restore is a move, migrate.sh', () => {
    const base = { operation: 'migrate' } as Parameters<typeof scriptName>[0];
    expect(scriptName(base)).toBe('migrate.sh');
    expect(scriptName({ ...base, operation: 'save-restore' })).toBe('migrate.sh');
    expect(scriptName({ ...base, operation: 'repair' })).toBe('repair.sh');
    expect(scriptName({ ...base, operation: 'unplug' })).toBe('unplug.sh');
  });
});

describe('renderScript puts text into the script safely', () => {
  it('warnings on one comment line each; messages and names escaped inside double quotes', () => {
    const plan = {
      domain: 'g$1"x', operation: 'migrate', style: 'bond', input: 'migratable', sourceUri: 'qemu:///system', detach: [], attach: [],
      rollback: { attach: [], afterSwitchover: { message: 'say "hi" to $HOME `now` \\ later', spare: [] } }, allocations: [], steps: [], commands: [],
      warnings: [{ code: 'X', severity: 'warning', message: 'first\nsecond' }],
    } as unknown as Parameters<typeof renderScript>[0];
    const script = renderScript(plan);
    expect(script).toContain('# warning[X]: first second\n');
    expect(script).toContain('after the switch-over failed: say \\"hi\\" to \\$HOME \\`now\\` \\\\ later" >&2');
    expect(script).toContain('echo "hostdev-hybrid: migrate of g\\$1\\"x done" >&2');
  });
});

describe('writePlanFiles', () => {
  it('writes every file of the plan into a folder it makes, subfolders too, the script executable', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hh-write-')), 'deeper', 'move');
    const plan = planMigration(guest, from, to, { destUri: DEST_URI, ...gpuMap });
    const written = writePlanFiles(dir, plan);
    expect(written.sort()).toEqual(Object.keys(planFiles(plan)).sort());
    expect(written.some((f) => f.startsWith('detach/')) && written.some((f) => f.startsWith('attach/'))).toBe(true);
    for (const f of written) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(planFiles(plan)[f]);
    expect(statSync(join(dir, 'migrate.sh')).mode & 0o111).toBe(0o111);
    expect(statSync(join(dir, 'plan.json')).mode & 0o111).toBe(0);
  });

  it('a folder that cannot be made: FILE_UNWRITABLE, never a hang', () => {
    const plan = planMigration(input, from, to, { destUri: DEST_URI });
    expect(expectHybridError(() => writePlanFiles('/proc/hh-plan/move', plan), 'FILE_UNWRITABLE').message).toContain('/proc/hh-plan');
  });
});
