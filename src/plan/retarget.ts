/**
 * A plan applied to the guest's migratable XML at run time: a plan made ahead of time (from an
 * inactive definition, say) keeps its choices, and libvirt gets the XML it checks against.
 */
import { HybridError } from '../errors.js';
import { EMPTY_HOST } from '../host/model.js';
import { isDialectOnly } from '../pair/dialect.js';
import { describeDevice, deviceList, devicesOf, domainRoot, inInput } from '../libvirt/domain.js';
import { validateJson } from '../schemas.js';
import { removeElement } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import { serializeXml } from '../xml/serialize.js';
import { applyDestination } from './destination.js';
import { setVariantDriver } from './pieces.js';
import { readDocForPlan } from './read.js';
import type { MigrationPlan } from './types.js';

/**
 * `virsh dumpxml --migratable` of the running guest → the plan's migrateXml for it now: backups
 * and teamed VF halves on the plan's destination devices, what the destination attaches left out.
 *
 * @example
 * retargetDomain(execSync('virsh dumpxml --migratable guest1', { encoding: 'utf8' }), JSON.parse(readFileSync('plan.json', 'utf8')));
 */
export function retargetDomain(migratableXml: string, plan: MigrationPlan, options: { file?: string } = {}): string {
  if (typeof migratableXml !== 'string') throw new TypeError('retargetDomain expects the domain XML as a string');
  const checked = validateJson<MigrationPlan>('plan', plan, 'PLAN_INVALID', 'the plan');
  return inInput(options.file, () => {
    const doc = parseXml(migratableXml);
    // A running guest is expanded. Dialect here would be expanded against no host and fail with
    // a pool "not in the host snapshot", which is not the mistake.
    const all = deviceList(domainRoot(doc));
    const at = all.findIndex(isDialectOnly);
    if (at !== -1) {
      const where = describeDevice(all[at]!, at);
      throw new HybridError(
        'PLAN_INVALID',
        `${where} is still hostdev-hybrid dialect: retarget takes the running guest's XML (virsh dumpxml --migratable), which is expanded`,
        { element: where },
      );
    }
    const pd = readDocForPlan(doc, EMPTY_HOST);
    if (pd.name !== checked.domain)
      throw new HybridError('PLAN_INVALID', `the plan is for domain '${checked.domain}', the XML is domain '${pd.name}'`);
    const wanted = new Set([...pd.pairs.map((p) => `pair:${p.record.name}`), ...pd.ephemeral.map((e) => `ephemeral:${e.record.alias}`)]);
    const planned = new Set(checked.allocations.map((a) => `${a.kind}:${a.alias}`));
    const missing = [...wanted].filter((k) => !planned.has(k));
    if (missing.length > 0)
      throw new HybridError(
        'PLAN_INVALID',
        `the plan chose nothing for ${missing.join(', ')}: the guest changed since it was planned; plan again`,
      );
    applyDestination(pd, checked.allocations);
    for (const p of pd.pairs) {
      const driver = checked.allocations.find((a) => a.kind === 'pair' && a.alias === p.record.name)?.to.variantDriver;
      if (p.vfHalf && driver !== undefined) setVariantDriver(pd.doc, p.vfHalf, driver);
    }
    const devices = devicesOf(pd.root)!;
    const leaving = new Set(checked.attach.map((a) => a.alias));
    for (const p of pd.pairs) if (p.vfHalf && leaving.has(p.record.vfAlias)) removeElement(devices, p.vfHalf);
    for (const e of pd.ephemeral) if (e.el && leaving.has(e.record.alias)) removeElement(devices, e.el);
    return serializeXml(pd.doc);
  });
}
