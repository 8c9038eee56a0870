import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/index.js';
import * as api from '../src/index.js';
import { ROOT } from './helpers.js';

describe('documentation stays in step with the code', () => {
  it('docs/ERRORS.md documents exactly the codes of ERROR_CODES', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ERRORS.md'), 'utf8');
    const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });
});

describe('the public API', () => {
  it('exports exactly these runtime names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ERROR_CODES', 'HybridError', 'XML_LIMITS', 'allocateVf', 'claimVf', 'hostFromJson', 'hostFromSources',
      'hostFromXml', 'parseXml', 'readHostSnapshot', 'serializeNode', 'serializeXml', 'vfTopology',
    ]);
  });
});
