// The table-driven golden test: every folder of fixtures/cases/ is one case. Set
// UPDATE_GOLDEN=1 to rewrite the expected files, then read the diff before committing it.
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.js';
import { runCase, type CaseSpec } from './golden/operations.js';

const CASES = join(FIXTURES, 'cases');
const update = process.env.UPDATE_GOLDEN === '1';
const names = readdirSync(CASES).filter((n) => existsSync(join(CASES, n, 'case.json'))).sort();

describe('golden cases', () => {
  it('exist', () => expect(names.length).toBeGreaterThan(0));

  for (const name of names) {
    it(name, () => {
      const dir = join(CASES, name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
      const outputs = runCase(spec, dir);
      const expectedFiles = readdirSync(dir).filter((f) => f.startsWith('expected')).sort();
      if (update) {
        for (const f of expectedFiles) if (!(f in outputs)) unlinkSync(join(dir, f));
        for (const [f, content] of Object.entries(outputs)) writeFileSync(join(dir, f), content);
        return;
      }
      expect(Object.keys(outputs).sort(), `${name}: produced files vs expected files (UPDATE_GOLDEN=1 rewrites)`).toEqual(expectedFiles);
      for (const f of expectedFiles) expect(outputs[f], `${name}/${f}`).toBe(readFileSync(join(dir, f), 'utf8'));
    });
  }
});
