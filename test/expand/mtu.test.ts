// A pair's MTU: read from the entry or its pool, kept in the metadata only, checked against each
// host's links.json by expand, check, every plan and the hook.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDomain, collapseDomain, expandDomain, parseXml, planHotplug, planMigration, planRepair, readHostSnapshot, rewriteArrivingDomain, type Host } from '../../src/index.js';
import { readLinks } from '../../src/host/from-xml.js';
import { readNetwork } from '../../src/host/network.js';
import { rootElement } from '../../src/xml/tree.js';
import { DEST_URI, expectHybridError, fixture, FIXTURES } from '../helpers.js';

const host = (name: string): Host => readHostSnapshot(join(FIXTURES, 'hosts', name));
// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
let cx5!: Host;
let x710!: Host;
beforeEach(() => {
  intel = host('intel-82576');
  cx5 = host('mellanox-cx5');
  x710 = host('intel-x710');
});
const jumbo = fixture('cases', 'expand-q35-jumbo', 'input.xml');
const withLinks = (h: Host, links: Host['links']): Host => ({ ...structuredClone(h), ...(links ? { links } : {}) });
const noLinks = (h: Host): Host => { const c = structuredClone(h); delete c.links; return c; };

describe('a pair\'s MTU', () => {
  it('is refused outside 68-65535 and above the PF\'s max_mtu, with INVALID_MTU', () => {
    for (const bad of ['67', '65536', '9000.5', '', 'jumbo']) {
      expect(expectHybridError(() => expandDomain(jumbo.replace("<mtu size='9000'/>", `<mtu size='${bad}'/>`), intel), 'INVALID_MTU').message).toContain('from 68 to 65535');
    }
    expect(expectHybridError(() => expandDomain(jumbo.replace("<mtu size='9000'/>", "<mtu size='9500'/>"), intel), 'INVALID_MTU').message).toContain('max_mtu 9216');
    expect(expandDomain(jumbo.replace("<mtu size='9000'/>", "<mtu size='68'/>"), intel).pairs[0]!.mtu).toBe(68);
  });

  it('is on neither half, in the metadata only; collapse puts it back', () => {
    const r = expandDomain(jumbo, intel);
    expect(r.xml.match(/<mtu /g)).toBeNull();
    expect(r.xml).toContain("mtu='9000'/>");
    expect(collapseDomain(r.xml)).toContain("<mtu size='9000'/>");
  });

  it('comes from the pool\'s network when the entry gives none; the entry wins', () => {
    const pooled = structuredClone(intel);
    pooled.pools = pooled.pools.map((p) => ({ ...p, mtu: 4000 }));
    expect(expandDomain(jumbo.replace("      <mtu size='9000'/>\n", ''), pooled).pairs[0]!.mtu).toBe(4000);
    expect(expandDomain(jumbo, pooled).pairs[0]!.mtu).toBe(9000);
    const net = (mtu: string) => readNetwork(rootElement(parseXml(`<network><name>p</name>${mtu}<forward mode='hostdev-hybrid'><pf dev='eth3'/></forward></network>`)), 'network/p.xml');
    expect(net("<mtu size='9000'/>")).toMatchObject({ kind: 'pool', mtu: 9000 });
    expect(net('')).not.toHaveProperty('mtu');
    expectHybridError(() => net("<mtu size='20'/>"), 'INVALID_MTU');
  });

  it('expand refuses a smaller PF MTU, as check, plans and hot-plug do (one rule), and says once that it is unknown without links.json', () => {
    const small = () => expandDomain(jumbo, withLinks(intel, [{ ifname: 'enp4s0f0', mtu: 1500 }, { ifname: 'enp4s0f1', mtu: 1500 }]));
    expect(expectHybridError(small, 'MTU_TOO_SMALL').message).toContain('enp4s0f0 has MTU 1500 on this host');
    const two = jumbo.replace("    <interface type='hostdev-hybrid'>", "    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n      <mtu size='9000'/>\n      <alias name='ua-second'/>\n    </interface>\n    <interface type='hostdev-hybrid'>");
    const unknown = expandDomain(two, noLinks(intel)).warnings.filter((w) => w.code === 'MTU_UNKNOWN');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message).toContain('no links.json');
    expect(expandDomain(jumbo, intel).warnings).toEqual([]);
  });

  it('check --host reports an error for a PF of smaller MTU', () => {
    const onCx5 = fixture('cases', 'check-jumbo-small-mtu', 'input.xml');
    expect(checkDomain(onCx5, cx5).filter((d) => d.code === 'MTU_TOO_SMALL').map((d) => d.severity)).toEqual(['error']);
    expect(checkDomain(onCx5, withLinks(cx5, [{ ifname: 'ens1f0', mtu: 9000 }, { ifname: 'ens1f1', mtu: 9000 }]))).toEqual([]);
    // The backup's own source device is judged (a VLAN sub-interface of smaller MTU), not the name expansion would give it.
    const onVlanDevice = onCx5.replace(/(<interface type='direct'[^>]*>[\s\S]*?<source dev=')ens1f0(')/, '$1ens1f0.7$2');
    expect(onVlanDevice).not.toBe(onCx5);
    const vlanLinks = [{ ifname: 'ens1f0', mtu: 9000 }, { ifname: 'ens1f1', mtu: 9000 }, { ifname: 'ens1f0.7', mtu: 1500 }];
    expect(checkDomain(onVlanDevice, withLinks(cx5, vlanLinks)).map((d) => d.code)).toContain('MTU_TOO_SMALL');
    expect(checkDomain(onCx5, noLinks(cx5)).map((d) => d.code)).toContain('MTU_UNKNOWN');
  });

  it('a plan to a destination of smaller MTU is refused; of unknown MTU, warned about', () => {
    const guest = fixture('cases', 'plan-migrate-jumbo', 'input.xml');
    expect(expectHybridError(() => planMigration(guest, intel, cx5, { destUri: DEST_URI }), 'MTU_TOO_SMALL').message).toContain('ens1f0 has MTU 1500 on the destination');
    expect(planMigration(guest, intel, x710, { destUri: DEST_URI }).warnings.map((w) => w.code)).not.toContain('MTU_UNKNOWN');
    expect(planMigration(guest, intel, noLinks(x710), { destUri: DEST_URI }).warnings.map((w) => w.code)).toContain('MTU_UNKNOWN');
  });

  it('the hook refuses an arriving jumbo guest on a host of smaller MTU', () => {
    const arriving = fixture('cases', 'plan-migrate-jumbo', 'expected', 'migrate.xml');
    expectHybridError(() => rewriteArrivingDomain(arriving, withLinks(x710, [{ ifname: 'ens2f0', mtu: 1500 }])), 'MTU_TOO_SMALL');
    expect(rewriteArrivingDomain(arriving, x710).degraded).toEqual([]);
  });

  it('hot-plug refuses a jumbo NIC on a PF of smaller MTU; repair refuses a VF whose PF is', () => {
    const running = fixture('cases', 'hotplug-q35-free-port', 'input.xml');
    const nic = "<interface type='hostdev-hybrid'><source network='sriov-pool'/><mtu size='9000'/><alias name='ua-jumbo'/></interface>";
    expect(planHotplug(running, intel, nic).allocations[0]!.alias).toBe('ua-jumbo');
    expectHybridError(() => planHotplug(running, withLinks(intel, [{ ifname: 'enp4s0f0', mtu: 1500 }, { ifname: 'enp4s0f1', mtu: 1500 }]), nic), 'MTU_TOO_SMALL');
    const degraded = fixture('cases', 'plan-migrate-jumbo', 'expected', 'migrate.xml');
    expect(planRepair(degraded, x710).allocations[0]!.to.vf).toBe('0000:3b:02.0');
    expectHybridError(() => planRepair(degraded, withLinks(x710, [{ ifname: 'ens2f0', mtu: 1500 }])), 'MTU_TOO_SMALL');
  });

  it('links.json is iproute2\'s JSON: other fields pass, a max_mtu of 0 is no limit, bad JSON is refused', () => {
    expect(readLinks({ xml: '[{"ifname":"lo","mtu":65536,"max_mtu":0,"flags":[]},{"ifname":"eth0","mtu":9000,"max_mtu":9216}]' }))
      .toEqual([{ ifname: 'eth0', mtu: 9000, maxMtu: 9216 }, { ifname: 'lo', mtu: 65536 }]);
    expectHybridError(() => readLinks({ xml: '[{"ifname":"eth0"}]', file: 'links.json' }), 'HOST_SNAPSHOT');
    expectHybridError(() => readLinks({ xml: 'nope' }), 'HOST_SNAPSHOT');
    // What the quick shape check passes on, the schema names: the same refusals either way.
    for (const bad of ['[{"ifname":"eth0","mtu":9000,"max_mtu":-1}]', '[{"ifname":"","mtu":1500}]', '[{"ifname":"eth0","mtu":1.5}]', '[null]', '{}', '[["eth0"]]']) {
      expect(expectHybridError(() => readLinks({ xml: bad, file: 'links.json' }), 'HOST_SNAPSHOT').message, bad).toMatch(/^links\.json does not match schemas\/links\.schema\.json/);
    }
  });
});
