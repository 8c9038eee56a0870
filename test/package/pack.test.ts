// The package as a user gets it: `npm pack` in a fresh clone of the committed tree (its prepack
// script builds dist/, which git does not hold), installed into an empty project; the API by
// import and by require (ESM, Node >= 20.19), the ./xml subpath, a schema through exports, and
// the command through npx. (A clone, not this tree: packing here would rebuild dist/ under the
// feet of the tests that run it.)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const project = mkdtempSync(join(tmpdir(), 'hh-pack-'));
let files: string[] = [];

const inProject = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });

describe('the packed package', () => {
  beforeAll(() => {
    const clone = join(project, 'clone');
    execFileSync('git', ['clone', '--quiet', ROOT, clone]);
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clone });
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: clone, encoding: 'utf8' });
    const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = info[0]!.files.map((f) => f.path);
    writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "version": "1.0.0", "private": true }\n');
    const install = inProject('npm', ['install', '--no-audit', '--no-fund', join(project, info[0]!.filename)]);
    if (install.status !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`);
  }, 240_000);

  it('ships the code, docs, schemas and LICENSE; not the fixture generator, not source maps', () => {
    for (const f of ['dist/index.js', 'dist/cli.js', 'dist/cli/main.js', 'dist/xml/index.js', 'LICENSE', 'README.md', 'docs/MIGRATION.md', 'schemas/plan.schema.json', 'examples/guest.xml', 'fixtures/hosts/intel-82576/network/sriov-pool.xml']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map') || f.includes('generate.mjs') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });

  it('runs nothing when installed: no install-time script (npm 11 warns about each, prepare included)', () => {
    const manifest = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("hostdev-hybrid/package.json"))'], { cwd: project, encoding: 'utf8' })) as { scripts?: Record<string, string> };
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
  });

  it('import and require both load the API; ./xml and ./schemas/* resolve', () => {
    const esm = inProject('node', ['--input-type=module', '-e', `
      import { expandDomain, planMigration } from 'hostdev-hybrid';
      import { parseXml, serializeXml } from 'hostdev-hybrid/xml';
      import { createRequire } from 'node:module';
      const schema = createRequire(import.meta.url)('hostdev-hybrid/schemas/plan.schema.json');
      const x = "<domain><name>a</name></domain>";
      console.log(typeof expandDomain, typeof planMigration, serializeXml(parseXml(x)) === x, schema.title);`]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function function true hostdev-hybrid plan');
    const cjs = inProject('node', ['-e', "const h = require('hostdev-hybrid'); console.log(typeof h.planRepair, typeof require('hostdev-hybrid/xml').parseXml)"]);
    expect(cjs.stdout.trim(), cjs.stderr).toBe('function function');
  });

  it('a strict TypeScript consumer compiles against the declarations, skipLibCheck off: no third-party type leaks', () => {
    writeFileSync(join(project, 'consumer.ts'), `
      import { expandDomain, planMigration, writePlanFiles, HybridError, type Allocation, type MigrationPlan } from 'hostdev-hybrid';
      import { parseXml, serializeXml } from 'hostdev-hybrid/xml';
      export const use = [expandDomain, planMigration, writePlanFiles, HybridError, parseXml, serializeXml];
      export const vf = (a: Allocation): string => a.to.vf;
      export const steps = (p: MigrationPlan): number => p.steps.length;
    `);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022',
        typeRoots: [join(project, 'clone', 'node_modules', '@types')], types: ['node'] },
      files: ['consumer.ts'],
    }));
    const tsc = inProject('node', [join(project, 'clone', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  it('npx hostdev-hybrid --version and demo work', () => {
    const version = inProject('npx', ['--no-install', 'hostdev-hybrid', '--version']);
    expect(version.stdout.trim(), version.stderr).toMatch(/^\d+\.\d+\.\d+$/);
    const demo = inProject('npx', ['--no-install', 'hostdev-hybrid', 'demo']);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toContain("<interface type='direct'>");
    expect(demo.stdout).toContain('# The live migration of demo-guest');
    expect(readdirSync(join(project, 'node_modules', '.bin'))).toContain('hostdev-hybrid');
  });
});
