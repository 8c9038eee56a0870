// The table-driven golden test: every folder of fixtures/cases/ is one case. Set
// UPDATE_GOLDEN=1 to rewrite the expected files, then read the diff before committing it.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.js';
import { runCase, type CaseSpec } from './golden/operations.js';

const CASES = join(FIXTURES, 'cases');
const update = process.env.UPDATE_GOLDEN === '1';
const names = readdirSync(CASES).filter((n) => existsSync(join(CASES, n, 'case.json'))).sort();

/** The expected files of a case: `expected*` beside case.json, and everything under `expected/`. */
function expectedFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const path = join(d, f);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('expected')) continue;
    if (statSync(join(dir, f)).isDirectory()) walk(join(dir, f));
    else out.push(f);
  }
  return out.sort();
}

describe('golden cases', () => {
  it('exist', () => expect(names.length).toBeGreaterThan(0));

  for (const name of names) {
    it(name, () => {
      const dir = join(CASES, name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
      const outputs = runCase(spec, dir);
      const expected = expectedFiles(dir);
      if (update) {
        for (const f of expected) if (!(f in outputs)) rmSync(join(dir, f));
        for (const [f, content] of Object.entries(outputs)) {
          mkdirSync(dirname(join(dir, f)), { recursive: true });
          writeFileSync(join(dir, f), content);
        }
        return;
      }
      expect(Object.keys(outputs).sort(), `${name}: produced files vs expected files (UPDATE_GOLDEN=1 rewrites)`).toEqual(expected);
      for (const f of expected) expect(outputs[f], `${name}/${f}`).toBe(readFileSync(join(dir, f), 'utf8'));
    });
  }
});
