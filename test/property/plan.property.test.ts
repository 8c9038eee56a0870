// Applying a plan lands where expanding the original on the destination would: take the
// source's expansion, plan its migration, then on the "destination" take migrateXml and add every
// attach piece. The devices and the metadata must be what expandDomain on the destination gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandDomain, HybridError, parseXml, planMigration, vfTopology, type XmlElement } from '../../src/index.js';
import { readMetadata } from '../../src/metadata.js';
import { deviceList, domainRoot } from '../../src/libvirt/domain.js';
import { childElements, firstChild, getAttribute } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { domainArb, hostArb, hostFor, render, ROOM } from './domains.js';
import { fcOptions, TIMEOUT } from './runs.js';
import { DEST_URI } from '../helpers.js';

/** An element as name, sorted attributes and element children: layout and quotes aside. */
function canon(el: XmlElement): string {
  const attrs = el.attributes.map((a) => `${a.name}=${a.value}`).sort().join(' ');
  return `<${el.name} ${attrs}>${childElements(el).map(canon).join('')}</${el.name}>`;
}

describe('plans on random domains and hosts', () => {
  it('migrateXml plus the attach pieces is the original expanded on the destination', () => {
    fc.assert(fc.property(hostArb, hostArb, domainArb, (hf, ht, d) => {
      const from = hostFor(hf);
      const to = hostFor(ht);
      if (from.free.length === 0) return;
      // Pool entries only: an explicit VF names a device of the source host.
      const dialect = render({ ...d, entries: d.entries.map((e) => ({ ...e, explicit: null })) }, from.free);
      let source: string;
      try {
        source = expandDomain(dialect, from.host, { style: d.style }).xml;
      } catch (e) {
        if (e instanceof HybridError && ROOM.includes(e.code)) return;
        throw e;
      }
      let expected: string | undefined;
      let plan;
      try {
        expected = expandDomain(dialect, to.host, { style: d.style }).xml;
      } catch (e) {
        if (!(e instanceof HybridError) || !ROOM.includes(e.code)) throw e;
      }
      try {
        plan = planMigration(source, from.host, to.host, { destUri: DEST_URI });
      } catch (e) {
        if (!(e instanceof HybridError) || !ROOM.includes(e.code)) throw e;
        // The plan refuses exactly when the destination has no room for the domain.
        expect(expected, `plan refused (${e.code}) but expansion on the destination fits`).toBeUndefined();
        return;
      }
      expect(expected, 'the plan fits where expansion on the destination does not').toBeDefined();
      const landed = domainRoot(parseXml(plan.migrateXml!));
      const attached = plan.attach.map((a) => rootElement(parseXml(a.xml)));
      const want = domainRoot(parseXml(expected!));
      const devices = (els: XmlElement[]): string[] => els.map(canon).sort();
      expect(devices([...deviceList(landed), ...attached])).toEqual(devices(deviceList(want)));
      expect(readMetadata(landed)).toEqual(readMetadata(want));
      // MACs, guest addresses and aliases never change; each backup sits on its new VF's PF.
      for (const a of plan.allocations.filter((x) => x.kind === 'pair')) {
        expect(a.to.pf).toBe(vfTopology(to.host, a.to.vf).pfNetdev);
        const backup = deviceList(landed).find((el) => childElements(el, 'alias').some((x) => getAttribute(x, 'name') === `${a.alias}-backup`))!;
        expect(getAttribute(firstChild(backup, 'source')!, 'dev')).toBe(a.to.backupDev);
      }
    }), fcOptions);
  }, TIMEOUT);
});
