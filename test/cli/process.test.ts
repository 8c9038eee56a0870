// The real binary in a shell pipeline: stdin, stdout, -o, --json, help, --version, refused
// options, atomic writes (mode, symlink, failure), /dev/full and a reader that goes away.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { expandDomain, planMigration, readHostSnapshot } from '../../src/index.js';
import { FIXTURES, ROOT } from '../helpers.js';

const BIN = join(ROOT, 'dist', 'cli.js');
const INTEL = join(FIXTURES, 'hosts', 'intel-82576');
const CX5 = join(FIXTURES, 'hosts', 'mellanox-cx5');
const INPUT = join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'input.xml');
const EXPANDED = join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'expected.xml');

function hh(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input: input ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function sh(script: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, HH: `${process.execPath} ${BIN}` } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const oneError = (stderr: string, code: string): void => expect(stderr).toMatch(new RegExp(`^hostdev-hybrid: error\\[${code}\\]: [^\\n]+\\n$`));

describe('the hostdev-hybrid process', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error('dist/cli.js is missing: npm test builds it first (npm run build)');
  });

  it('reads the domain from stdin with -, and writes to stdout (also with -o -)', () => {
    const want = expandDomain(readFileSync(INPUT, 'utf8'), readHostSnapshot(INTEL)).xml;
    const a = hh(['expand', '-', '--host', INTEL], readFileSync(INPUT, 'utf8'));
    expect([a.code, a.stdout]).toEqual([0, want]);
    const b = hh(['expand', INPUT, '--host', INTEL, '-o', '-']);
    expect([b.code, b.stdout]).toEqual([0, want]);
    const dir = mkdtempSync(join(tmpdir(), 'hh-'));
    expect(readdirSync(dir)).toEqual([]); // no file named '-' anywhere we write
  });

  it('errors on stdin input name <stdin> with line and column', () => {
    const r = hh(['check', '-'], '<domain>\n  <devices>\n</domain>\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneError(r.stderr, 'XML_MALFORMED');
    expect(r.stderr).toContain('<stdin>:3:');
  });

  it('expand --json lists the choices; with -o the XML goes to the file', () => {
    const r = hh(['expand', INPUT, '--host', INTEL, '--json']);
    const j = JSON.parse(r.stdout) as { xml: string; pairs: { name: string; mac: string; vf: string; pfDev: string; vfGuestAddress: string }[] };
    expect(j.pairs.map((p) => [p.name, p.vf, p.pfDev, p.vfGuestAddress])).toEqual([['ua-hybrid0', '0000:04:10.2', 'enp4s0f0', '0000:01:00.0']]);
    expect(j.xml).toContain("<interface type='direct'>");
    const out = join(mkdtempSync(join(tmpdir(), 'hh-')), 'x.xml');
    const f = JSON.parse(hh(['expand', INPUT, '--host', INTEL, '--json', '-o', out]).stdout) as Record<string, unknown>;
    expect(f.xml).toBeUndefined();
    expect(readFileSync(out, 'utf8')).toBe(j.xml);
  });

  it('check prints file:line:column: severity[CODE] lines, --json an array, exit 1 on errors', () => {
    const bad = join(FIXTURES, 'cases', 'check-problems', 'input.xml');
    const r = hh(['check', bad, '--host', INTEL]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${bad.replace(/[/.]/g, '\\$&')}:97:5: error\\[BACKUP_PF_MISMATCH\\]: `));
    const j = JSON.parse(hh(['check', bad, '--host', INTEL, '--json']).stdout) as { code: string; line: number }[];
    expect(j[0]).toMatchObject({ code: 'BACKUP_PF_MISMATCH', line: 97 });
    expect(hh(['check', EXPANDED]).code).toBe(0);
  });

  it('help: per command, from --help and from help COMMAND, with every option and an example', () => {
    for (const c of ['expand', 'collapse', 'check', 'plan', 'repair', 'hotplug', 'unplug', 'retarget', 'demo']) {
      const a = hh([c, '--help']);
      const b = hh(['help', c]);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toMatch(new RegExp(`^usage: hostdev-hybrid ${c}`, 'm'));
      expect(a.stdout).toContain('example:');
    }
    expect(hh(['plan', '--help']).stdout).toMatch(/--pci-map SRC=DST +.*repeatable/);
    expect(hh(['expand', '--help']).stdout).toMatch(/--style bond\|teaming +.*\(default: bond\)/);
  }, 60_000);

  it('--version prints the package version', () => {
    const r = hh(['--version']);
    expect(r.stdout).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version + '\n');
  });

  it('an option the command does not take is a usage error, like an unknown one', () => {
    for (const args of [['collapse', EXPANDED, '--host', INTEL], ['expand', INPUT, '--bogus'], ['unplug', EXPANDED], ['help', 'nope']]) {
      const r = hh(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      oneError(r.stderr, 'USAGE');
    }
  });

  it('-o keeps the mode of an existing file and writes through a symlink to its target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-'));
    const target = join(dir, 'real.xml');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    symlinkSync(target, join(dir, 'link.xml'));
    expect(hh(['collapse', EXPANDED, '-o', join(dir, 'link.xml')]).code).toBe(0);
    expect(lstatSync(join(dir, 'link.xml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain("<interface type='hostdev-hybrid'");
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['link.xml', 'real.xml']);
  });

  it('a failed -o write has its own code and names the file the user gave', () => {
    const out = join(tmpdir(), 'no-such-folder-hh', 'x.xml');
    const r = hh(['collapse', EXPANDED, '-o', out]);
    expect(r.code).toBe(2);
    oneError(r.stderr, 'FILE_UNWRITABLE');
    expect(r.stderr).toContain(out);
  });

  it('stdout on /dev/full: one line, exit 2; a reader that goes away (| head): quiet', () => {
    const full = sh(`$HH collapse ${EXPANDED} > /dev/full`);
    expect(full.code).toBe(2);
    oneError(full.stderr, 'FILE_UNWRITABLE');
    const big = join(mkdtempSync(join(tmpdir(), 'hh-')), 'big.xml');
    const xml = readFileSync(EXPANDED, 'utf8');
    writeFileSync(big, xml.replace('</devices>', `${'    <!-- padding to fill a pipe buffer -->\n'.repeat(20000)}  </devices>`));
    const pipe = sh(`set -o pipefail; $HH collapse ${big} | head -c 10 >/dev/null; echo "status \${PIPESTATUS[0]}"`);
    expect(pipe.stderr).toBe('');
    expect(pipe.stdout).toBe('status 0\n');
  });

  it('plan --out-dir writes every piece and an executable migrate.sh; plan JSON validates', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hh-')), 'move');
    const r = hh(['plan', EXPANDED, '--from', INTEL, '--to', CX5, '--out-dir', dir, '--dest-uri', 'qemu+ssh://b/system']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['attach', 'detach', 'metadata.xml', 'migrate.sh', 'migrate.xml', 'persistent.xml', 'plan.json']);
    expect(statSync(join(dir, 'migrate.sh')).mode & 0o111).not.toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    expect(plan).toEqual(JSON.parse(JSON.stringify(planMigration(readFileSync(EXPANDED, 'utf8'), readHostSnapshot(INTEL), readHostSnapshot(CX5), { destUri: 'qemu+ssh://b/system', file: EXPANDED }))));
    const validate = new Ajv({ strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8')));
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(readFileSync(join(dir, 'migrate.xml'), 'utf8')).toBe(plan.migrateXml);
    const both = hh(['plan', EXPANDED, '--from', INTEL, '--to', CX5, '--dest-uri', 'qemu+ssh://b/system', '--out-dir', dir, '-o', join(dir, 'x')]);
    oneError(both.stderr, 'USAGE');
  });

  it('retarget rebuilds migrateXml from the plan; the pipeline of migrate.sh works', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hh-')), 'move');
    hh(['plan', EXPANDED, '--from', INTEL, '--to', CX5, '--dest-uri', 'qemu+ssh://cx5.example/system', '--out-dir', dir]);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    const r = sh(`cat ${EXPANDED} | $HH retarget - --plan ${join(dir, 'plan.json')}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plan.migrateXml);
    const wrong = hh(['retarget', join(FIXTURES, 'cases', 'expand-pc-explicit-vlan', 'expected.xml'), '--plan', join(dir, 'plan.json')]);
    oneError(wrong.stderr, 'PLAN_INVALID');
  });
});
