// validateJson's refusals say where in the document and what: the path, or "(top level)", and an
// unexpected property by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHostSnapshot, summarizeHost } from '../../src/index.js';
import { validateJson } from '../../src/schemas.js';
import { expectHybridError, FIXTURES } from '../helpers.js';
import { validatorsSource } from '../../scripts/validators.mjs';

describe('validateJson', () => {
  it('names the schema, the path and the rule', () => {
    const e = expectHybridError(() => validateJson('host', { version: 1, pfs: 'x', vfs: [], pools: [], otherNetworks: [], domains: [] }, 'HOST_JSON_INVALID', 'host.json'), 'HOST_JSON_INVALID');
    expect(e.message).toBe('host.json does not match schemas/host.schema.json: /pfs must be array');
  });

  it('says "(top level)" for the document itself, and names a property it does not know', () => {
    expect(expectHybridError(() => validateJson('host', 7, 'HOST_JSON_INVALID', 'host.json'), 'HOST_JSON_INVALID').message).toBe('host.json does not match schemas/host.schema.json: (top level) must be object');
    const extra = { version: 1, pfs: [], vfs: [], pools: [], otherNetworks: [], domains: [], colour: 'blue' };
    expect(expectHybridError(() => validateJson('host', extra, 'HOST_JSON_INVALID', 'host.json'), 'HOST_JSON_INVALID').message).toBe("host.json does not match schemas/host.schema.json: (top level) must NOT have additional properties ('colour')");
  });

  it('returns what it was given when it matches', () => {
    const ok = { version: 1, pfs: [], vfs: [], pools: [], otherNetworks: [], domains: [] };
    expect(validateJson('host', ok, 'HOST_JSON_INVALID', 'host.json')).toBe(ok);
  });
});

describe('every schema compiles under ajv\'s strict mode and takes what the library writes', () => {
  it('plan and host-summary too', () => {
    const plan = JSON.parse(readFileSync(join(FIXTURES, 'cases', 'plan-migrate-migratable', 'expected', 'plan.json'), 'utf8')) as unknown;
    expect(validateJson('plan', plan, 'PLAN_INVALID', 'plan')).toBe(plan);
    const summary = JSON.parse(JSON.stringify(summarizeHost(readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'))))) as unknown;
    expect(validateJson('host-summary', summary, 'HOST_JSON_INVALID', 'summary')).toBe(summary);
  });
});

describe('the compiled validators', () => {
  // Generating compiles every schema under ajv's strict mode, so this also fails on a bad schema.
  it('are what scripts/validators.mjs makes of schemas/ now (run npm run schemas after editing one)', () => {
    expect(readFileSync(join(FIXTURES, '..', 'src', 'schema-validators.ts'), 'utf8')).toBe(validatorsSource());
  });
});
