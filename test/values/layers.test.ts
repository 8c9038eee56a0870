// The layers of src/ (docs/ARCHITECTURE.md, "The shape"): a module imports only from its own
// layer or those below it, so that data flows one way and a lower layer never knows a higher one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const SRC = join(ROOT, 'src');
/** Lowest first. A file not named here takes its folder's rank. */
const RANK: Record<string, number> = {
  'errors.ts': 0, 'diagnostics.ts': 0, 'compact.ts': 0, 'sha256.ts': 0, 'nearest.ts': 0, 'schemas.ts': 0, 'schema-validators.ts': 0,
  xml: 1, libvirt: 2, 'metadata.ts': 3, host: 4, pci: 5, pair: 6, expand: 7, expanded: 7, plan: 8, guest: 8, 'io.ts': 9, cli: 10, 'core.ts': 11, 'index.ts': 11,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
}
const rank = (file: string): number => RANK[relative(SRC, file).split('/')[0]!]!;

describe('the layers of src/', () => {
  it('every module has a layer, and imports nothing from a higher one', () => {
    const upward: string[] = [];
    for (const file of files(SRC)) {
      expect(rank(file), relative(SRC, file)).toBeTypeOf('number');
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)\.js'/g)) {
        const target = join(dirname(file), `${spec}.ts`);
        if (rank(target) > rank(file)) upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('would see an upward import', () => {
    expect(rank(join(SRC, 'host', 'model.ts'))).toBeLessThan(rank(join(SRC, 'expand', 'expand.ts')));
    expect(rank(join(SRC, 'metadata.ts'))).toBeLessThan(rank(join(SRC, 'host', 'domain-usage.ts')));
    expect(rank(join(SRC, 'pair', 'halves.ts'))).toBeLessThan(rank(join(SRC, 'expanded', 'check.ts')));
  });
});
