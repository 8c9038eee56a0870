import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collapseDomain, expandDomain, HybridError, parseXml, vfTopology,
} from '../../src/index.js';
import { firstChild, getAttribute } from '../../src/xml/edit.js';
import { aliasOf, deviceList, domainRoot } from '../../src/libvirt/domain.js';
import { assertNoDialect } from '../golden/operations.js';
import { fcOptions, TIMEOUT } from './runs.js';
import { domainArb, hostArb, hostFor, render, ROOM } from './domains.js';

describe('expansion properties on random domains and hosts', () => {
  it('hold the contract\'s invariants, and collapse undoes expansion', () => {
    fc.assert(fc.property(hostArb, domainArb, (h, d) => {
      const { host, free } = hostFor(h);
      if (free.length === 0) return;
      const input = render(d, free);
      let result;
      try {
        result = expandDomain(input, host, { style: d.style });
      } catch (e) {
        if (e instanceof HybridError && ROOM.includes(e.code)) return;
        throw e;
      }
      const { xml, pairs } = result;
      assertNoDialect(xml, 'property');
      const root = domainRoot(parseXml(xml));
      const byAlias = new Map(deviceList(root).map((dev) => [aliasOf(dev), dev]));
      const pool = new Set(host.pools[0]!.vfs);
      const takenByOthers = new Set(host.domains.flatMap((x) => x.pciDevices));
      expect(new Set(pairs.map((p) => p.vf)).size).toBe(pairs.length);
      for (const p of pairs) {
        const vf = byAlias.get(p.vfAlias)!;
        const backup = byAlias.get(p.backupAlias)!;
        const macOf = (el: typeof vf) => getAttribute(firstChild(el, 'mac')!, 'address');
        expect(macOf(vf)).toBe(macOf(backup));
        expect(pool.has(p.vf) && !takenByOthers.has(p.vf)).toBe(true);
        const topo = vfTopology(host, p.vf);
        expect(getAttribute(firstChild(backup, 'source')!, 'dev')).toBe(p.vlan === undefined ? topo.pfNetdev : `${topo.pfNetdev}.${p.vlan}`);
        expect(p.vfGuestAddress.slice(0, -2)).not.toBe(p.backupGuestAddress.slice(0, -2));
      }
      // No two devices (controllers included) share a guest PCI function.
      const addresses = deviceList(root).map((dev) => firstChild(dev, 'address')).filter((a) => a && getAttribute(a, 'type') === 'pci')
        .map((a) => ['domain', 'bus', 'slot', 'function'].map((f) => Number(getAttribute(a!, f))).join(':'));
      expect(new Set(addresses).size).toBe(addresses.length);

      const collapsed = collapseDomain(xml);
      if (d.machine === 'pc') expect(collapsed).toBe(render(d, free, result));
      expect(expandDomain(collapsed, host, { style: d.style }).xml).toBe(xml);
    }), fcOptions);
  }, TIMEOUT);

  it('random mutations of valid inputs either expand validly or fail with HybridError', () => {
    const mutation = fc.tuple(fc.nat(), fc.nat(20), fc.constantFrom('', '<', '>', "'", '&', 'x', '0x', '-1', '<a>', '</devices>', 'hostdev-hybrid', '\u0000'));
    fc.assert(fc.property(hostArb, domainArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (h, d, cuts) => {
      const { host, free } = hostFor(h);
      if (free.length === 0) return;
      let input = render(d, free);
      for (const [at, len, insert] of cuts) {
        const i = at % input.length;
        input = input.slice(0, i) + insert + input.slice(i + len);
      }
      try {
        assertNoDialect(expandDomain(input, host, { style: d.style }).xml, 'mutation');
      } catch (e) {
        if (!(e instanceof HybridError)) throw e;
      }
    }), fcOptions);
  }, TIMEOUT);
});
