// The generated script as a journal: run with a stand-in `virsh` that logs its arguments and
// fails where told, a failure undoes exactly the steps that ran, newest first — and after the
// switch-over undoes nothing (the guest runs on the destination; repair there).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandDomain, planFiles, planMigration, readHostSnapshot, renderScript, scriptName } from '../../src/index.js';
import { FIXTURES, ROOT } from '../helpers.js';

const from = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const to = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
const input = readFileSync(join(FIXTURES, 'cases', 'plan-migrate-migratable', 'input.xml'), 'utf8');
// Two pairs and a GPU: several detach steps to undo.
const guest = expandDomain(readFileSync(join(ROOT, 'examples', 'guest.xml'), 'utf8'), from).xml;
const gpuMap = { pciMap: { '0000:65:00.0': '0000:ca:00.0' } };

/** Runs migrate.sh with a fake virsh failing on the first call whose arguments contain `failOn`. */
function runScript(plan: ReturnType<typeof planMigration>, failOn: string | undefined): { code: number | null; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hh-script-'));
  for (const [f, content] of Object.entries(planFiles(plan))) {
    const path = join(dir, f);
    spawnSync('mkdir', ['-p', join(path, '..')]);
    writeFileSync(path, content);
  }
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  const log = join(dir, 'calls.log');
  // dumpxml prints nothing, so every wait ends at once.
  writeFileSync(join(bin, 'virsh'), `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in *dumpxml*) exit 0 ;; esac\n${failOn ? `case "$*" in *"${failOn}"*) exit 1 ;; esac\n` : ''}exit 0\n`);
  chmodSync(join(bin, 'virsh'), 0o755);
  writeFileSync(join(bin, 'hostdev-hybrid'), '#!/bin/sh\ncat >/dev/null\n');
  chmodSync(join(bin, 'hostdev-hybrid'), 0o755);
  const r = spawnSync('bash', [join(dir, 'migrate.sh')], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  let calls: string[] = [];
  try { calls = readFileSync(log, 'utf8').trim().split('\n').filter((l) => !l.includes('dumpxml')); } catch { /* no call */ }
  return { code: r.status, calls };
}

describe('migrate.sh, run against a stand-in virsh', () => {
  it('succeeds step by step when every step does', () => {
    const plan = planMigration(input, from, to);
    const r = runScript(plan, undefined);
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.split(' ')[2])).toEqual(['detach-device', 'domif-setlink', 'migrate', 'attach-device']);
  });

  it('a failed migrate re-attaches on the source exactly what was detached, newest first', () => {
    const plan = planMigration(guest, from, to, gpuMap);
    const detached = plan.detach.map((d) => d.file);
    expect(detached.length).toBeGreaterThan(2);
    const r = runScript(plan, ' migrate ');
    expect(r.code).not.toBe(0);
    const undone = r.calls.filter((c) => c.includes('attach-device')).map((c) => c.split(' ')[4]);
    expect(undone).toEqual([...detached].reverse());
    expect(r.calls.some((c) => c.startsWith('-c qemu+ssh'))).toBe(false); // nothing ran on the destination
  });

  it('a failed detach undoes only the detaches before it — never one that did not run', () => {
    const plan = planMigration(guest, from, to, gpuMap);
    const second = plan.detach[1]!.file;
    const r = runScript(plan, `detach-device demo-guest ${second}`);
    expect(r.code).not.toBe(0);
    expect(r.calls.filter((c) => c.includes('attach-device')).map((c) => c.split(' ')[4])).toEqual([plan.detach[0]!.file]);
  });

  it('a failed attach after the switch-over undoes nothing on the source', () => {
    const plan = planMigration(input, from, to);
    const r = runScript(plan, 'attach-device web2 attach/');
    expect(r.code).not.toBe(0);
    expect(r.calls.filter((c) => c.includes('attach-device') && c.includes('detach/'))).toEqual([]);
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
