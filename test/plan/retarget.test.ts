// retargetDomain: the plan's choices applied to the guest's XML at run time give the plan's own
// migrateXml, and a plan that does not fit the guest is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandDomain, planMigration, readHostSnapshot, retargetDomain, type MigrationPlan } from '../../src/index.js';
import { DEST_URI, expectHybridError, FIXTURES, fixtureNames } from '../helpers.js';

// Retarget reads a running guest's XML: the cases whose input is already expanded.
const cases = fixtureNames('cases').filter((c) => /^plan-(migrate|save-restore)-/.test(c)
  && !readFileSync(join(FIXTURES, 'cases', c, 'input.xml'), 'utf8').includes("type='hostdev-hybrid'"));
const load = (c: string): { input: string; plan: MigrationPlan } => ({
  input: readFileSync(join(FIXTURES, 'cases', c, 'input.xml'), 'utf8'),
  plan: JSON.parse(readFileSync(join(FIXTURES, 'cases', c, 'expected', 'plan.json'), 'utf8')) as MigrationPlan,
});

describe('retargetDomain', () => {
  it('has cases to check', () => expect(cases.length).toBeGreaterThanOrEqual(6));

  it.each(cases)('%s: the input retargeted is the plan\'s migrateXml', (c) => {
    const { input, plan } = load(c);
    expect(retargetDomain(input, plan)).toBe(plan.migrateXml);
  });

  it('refuses a plan for another domain, naming both', () => {
    const { input, plan } = load('plan-migrate-migratable');
    const e = expectHybridError(() => retargetDomain(input, { ...plan, domain: 'other' }), 'PLAN_INVALID');
    expect(e.message).toContain("'other'");
  });

  it('refuses a plan that chose nothing for a pair the guest has', () => {
    const { input, plan } = load('plan-migrate-migratable');
    const e = expectHybridError(() => retargetDomain(input, { ...plan, allocations: plan.allocations.slice(1) }), 'PLAN_INVALID');
    expect(e.message).toContain(`pair:${plan.allocations[0]!.alias}`);
  });

  it('refuses what is not a plan, and names the file of a bad input', () => {
    const { input, plan } = load('plan-migrate-migratable');
    expectHybridError(() => retargetDomain(input, { ...plan, steps: 'x' } as unknown as MigrationPlan), 'PLAN_INVALID');
    expect(expectHybridError(() => retargetDomain('<domain>', plan, { file: 'g.xml' }), 'XML_MALFORMED').file).toBe('g.xml');
    expect(() => retargetDomain(1 as unknown as string, plan)).toThrow(TypeError);
  });
});

describe('retargetDomain, further', () => {
  it('refuses XML that is still the dialect (not a running guest\'s), saying so rather than blaming a pool', () => {
    const { plan } = load('plan-migrate-migratable');
    const dialect = readFileSync(join(FIXTURES, 'cases', 'expand-q35-several-pairs', 'input.xml'), 'utf8');
    const e = expectHybridError(() => retargetDomain(dialect, plan), 'PLAN_INVALID');
    expect(e.message).toMatch(/^<interface type='hostdev-hybrid'>.* is still hostdev-hybrid dialect: retarget takes the running guest's XML/);
  });

  it.each([
    ['an ephemeral attribute', `<hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>`],
    ['a <backup> child', `<interface type='network'><backup/>`],
  ])('refuses %s, which only the dialect has', (_what, marker) => {
    const { input, plan } = load('plan-migrate-migratable');
    const closing = marker.startsWith('<hostdev') ? '</hostdev>' : '</interface>';
    const withMarker = input.replace('</devices>', `  ${marker}${closing}\n  </devices>`);
    expect(expectHybridError(() => retargetDomain(withMarker, plan), 'PLAN_INVALID').message).toContain('is still hostdev-hybrid dialect');
  });

  it('refuses what is not XML text, as a programmer error', () => {
    const { plan } = load('plan-migrate-migratable');
    expect(() => retargetDomain(42 as unknown as string, plan)).toThrow(/^retargetDomain expects/);
  });

  it('a guest with an ephemeral device: the plan must cover it, and the device leaves migrateXml', () => {
    const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
    const cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
    const expanded = expandDomain(readFileSync(join(FIXTURES, 'cases', 'expand-q35-several-pairs', 'input.xml'), 'utf8'), intel).xml;
    const plan = planMigration(expanded, intel, cx5, { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } });
    const out = retargetDomain(expanded, plan);
    expect(out).toBe(plan.migrateXml);
    expect(out).not.toContain("<alias name='ua-ephemeral0'/>");
    const e = expectHybridError(() => retargetDomain(expanded, { ...plan, allocations: plan.allocations.filter((a) => a.kind !== 'ephemeral') }), 'PLAN_INVALID');
    expect(e.message).toContain('ephemeral:ua-ephemeral0');
  });
});
