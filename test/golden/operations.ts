/**
 * What a golden case runs. `fixtures/cases/NAME/case.json` names the operation and its options;
 * the operation returns the files it produces (`expected.xml`, `expected.json`, …). A HybridError
 * becomes `expected-error.json`, so refusals are golden cases too.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkDomain, collapseDomain, expandDomain, HybridError, parseXml, planEvacuation, planFiles, planHotplug, planMigration, planRepair,
  planUnplug, readHostSnapshot, rewriteArrivingDomain, summarizeHost, guestNetworkConfig, type StaticAddressing, type Host, type MigrationPlan, type Style, type XmlElement,
} from '../../src/index.js';
import { validateJson } from '../../src/schemas.js';
import { childElements, firstChild, getAttribute } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { FIXTURES } from '../helpers.js';

export interface CaseSpec {
  run: string;
  /** Folder name under fixtures/hosts/. */
  host?: string;
  [option: string]: unknown;
}

export type Outputs = Record<string, string>;
export type Operation = (spec: CaseSpec, dir: string) => Outputs;

export const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** A plan's --out-dir, under expected/, after checking it against schemas/plan.schema.json. */
function planOutputs(plan: MigrationPlan): Outputs {
  validateJson('plan', JSON.parse(JSON.stringify(plan)), 'PLAN_INVALID', 'the plan');
  return Object.fromEntries(Object.entries(planFiles(plan)).map(([f, c]) => [`expected/${f}`, c]));
}

const option = <K extends string>(spec: CaseSpec, key: K): Record<K, unknown> | Record<string, never> =>
  (spec[key] !== undefined ? { [key]: spec[key] } as Record<K, unknown> : {});

export function caseHost(spec: CaseSpec, key: 'host' | 'from' | 'to' = 'host'): Host {
  const name = spec[key];
  if (typeof name !== 'string') throw new Error(`case.json needs "${key}": the name of a folder in fixtures/hosts/`);
  return readHostSnapshot(join(FIXTURES, 'hosts', name));
}

export function caseInput(dir: string): string {
  const path = join(dir, 'input.xml');
  if (!existsSync(path)) throw new Error(`${dir} has no input.xml`);
  return readFileSync(path, 'utf8');
}

export const OPERATIONS: Record<string, Operation> = {
  /** What `hostdev-hybrid host --json` prints, checked against its schema. */
  'host-summary': (spec) => {
    const summary = summarizeHost(caseHost(spec));
    validateJson('host-summary', JSON.parse(JSON.stringify(summary)), 'HOST_JSON_INVALID', 'the host summary');
    return { 'expected.json': json(summary) };
  },

  /** The Host a snapshot folder reads as. */
  host: (spec) => ({ 'expected.json': json(caseHost(spec)) }),

  /** expected.xml, the result's other fields, and what collapse makes of the output. */
  expand: (spec, dir) => {
    const input = caseInput(dir);
    const result = expandDomain(input, caseHost(spec), {
      ...(spec.style !== undefined ? { style: spec.style as Style } : {}),
      ...(typeof spec.vlanDevice === 'string' ? { vlanDevice: spec.vlanDevice } : {}),
    });
    assertNoDialect(result.xml, dir);
    const { xml, ...rest } = result;
    const out: Outputs = { 'expected.xml': xml, 'expected.json': json(rest) };
    if (xml !== input) out['expected-collapsed.xml'] = collapseDomain(xml);
    return out;
  },

  collapse: (_spec, dir) => ({ 'expected.xml': collapseDomain(caseInput(dir)) }),

  check: (spec, dir) => ({ 'expected.json': json(checkDomain(caseInput(dir), spec.host !== undefined ? caseHost(spec) : undefined)) }),

  /** planMigration: options operation, pciMap, claimed, destUri, style. */
  plan: (spec, dir) => planOutputs(planMigration(caseInput(dir), caseHost(spec, 'from'), caseHost(spec, 'to'), {
    ...option(spec, 'operation'), ...option(spec, 'pciMap'), ...option(spec, 'claimed'), ...option(spec, 'destUri'), ...option(spec, 'style'),
  } as Parameters<typeof planMigration>[3])),

  repair: (spec, dir) => planOutputs(planRepair(caseInput(dir), caseHost(spec))),

  /** planHotplug with the NIC in device.xml. */
  hotplug: (spec, dir) => planOutputs(planHotplug(caseInput(dir), caseHost(spec), readFileSync(join(dir, 'device.xml'), 'utf8'))),

  unplug: (spec, dir) => planOutputs(planUnplug(caseInput(dir), String(spec.alias))),

  /** guestNetworkConfig in every format, under expected/FORMAT/…; options static, host. */
  guest: (spec, dir) => {
    const input = caseInput(dir);
    const out: Outputs = {};
    for (const format of ['netplan', 'nm', 'networkd', 'ifupdown'] as const) {
      const config = guestNetworkConfig(input, { format, ...(spec.host !== undefined ? { host: caseHost(spec) } : {}), ...(spec.static ? { static: spec.static as StaticAddressing } : {}) });
      for (const [path, content] of Object.entries(config.files)) out[`expected/${format}/${path}`] = content;
    }
    return out;
  },

  /** The hook's rewrite of an arriving guest: expected.xml (absent = unchanged) and the choices. */
  hook: (spec, dir) => {
    const r = rewriteArrivingDomain(caseInput(dir), caseHost(spec), {
      ...(spec.claimed !== undefined ? { claimed: new Set(spec.claimed as string[]) } : {}), strict: spec.strict === true,
    });
    const { xml, ...rest } = r;
    return { 'expected.json': json(rest), ...(xml !== undefined ? { 'expected.xml': xml } : {}) };
  },

  /** planEvacuation of inputs/*.xml (in name order) from "from" onto "destinations". */
  evacuate: (spec, dir) => {
    const inputs = readdirSync(join(dir, 'inputs')).sort().map((f) => readFileSync(join(dir, 'inputs', f), 'utf8'));
    const to = (spec.destinations as string[]).map((h) => readHostSnapshot(join(FIXTURES, 'hosts', h)));
    const result = planEvacuation(inputs, caseHost(spec, 'from'), to, { destUris: (spec.destinations as string[]).map((h) => `qemu+ssh://${h}.example/system`) });
    const out: Outputs = {
      'expected.json': json({
        placed: result.plans.map((p) => ({ domain: p.domain, destination: p.destination, allocations: p.plan.allocations, commands: p.plan.commands })),
        unplaced: result.unplaced,
      }),
    };
    for (const p of result.plans) {
      validateJson('plan', JSON.parse(JSON.stringify(p.plan)), 'PLAN_INVALID', 'the plan');
      out[`expected/${p.domain}/migrate.xml`] = p.plan.migrateXml!;
    }
    return out;
  },
};

/** Contract §3: no dialect survives expansion — checked on the parsed tree, not on the text. */
export function assertNoDialect(xml: string, where: string): void {
  const walk = (el: XmlElement): void => {
    const type = getAttribute(el, 'type');
    if (el.name === 'interface' && type === 'hostdev-hybrid') throw new Error(`${where}: expanded XML still has <interface type='hostdev-hybrid'>`);
    if (getAttribute(el, 'ephemeral') !== undefined) throw new Error(`${where}: expanded XML still has ephemeral= on <${el.name}>`);
    if (el.name === 'interface' && firstChild(el, 'backup')) throw new Error(`${where}: expanded XML still has <backup>`);
    childElements(el).forEach(walk);
  };
  walk(rootElement(parseXml(xml)));
}

export function runCase(spec: CaseSpec, dir: string): Outputs {
  const op = OPERATIONS[spec.run];
  if (!op) throw new Error(`case.json: unknown "run": "${spec.run}" (known: ${Object.keys(OPERATIONS).join(', ')})`);
  try {
    return op(spec, dir);
  } catch (e) {
    if (!(e instanceof HybridError)) throw e;
    const { code, message, line, column, element } = e;
    return { 'expected-error.json': json({ code, message, line, column, element }) };
  }
}
