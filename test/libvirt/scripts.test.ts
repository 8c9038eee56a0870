// Every script the golden plans write is valid bash and passes shellcheck (Debian's shellcheck,
// installed by .ci/run). A broken rollback is found here, not mid-migration.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers.js';
import { run } from './env.js';

const CASES = join(FIXTURES, 'cases');
const scripts = readdirSync(CASES).sort().flatMap((c) => {
  const dir = join(CASES, c, 'expected');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sh')).map((f) => join(dir, f)) : [];
});

describe('the plans\' scripts', () => {
  it('there are scripts to check, and shellcheck is installed', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(8);
    expect(run('shellcheck', ['--version']).status, 'install Debian\'s shellcheck (bash .ci/run does)').toBe(0);
  });
  for (const script of scripts) {
    it(script.slice(CASES.length + 1), () => {
      const syntax = run('bash', ['-n', script]);
      expect(syntax.status, syntax.stderr).toBe(0);
      const lint = run('shellcheck', ['--shell=bash', script]);
      expect(lint.status, lint.stdout).toBe(0);
    });
  }
});
