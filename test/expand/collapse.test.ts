// Collapse gives back each hybrid entry's own children once: what expansion put on one half
// comes back from that half, what it put on both comes back once, and nothing is invented.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collapseDomain, expandDomain, readHostSnapshot } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));

function q35(entry: string): string {
  return `<domain type='kvm'>\n  <name>g1</name>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n${entry}  </devices>\n</domain>\n`;
}

/** The hybrid entry collapse writes, as one string. */
function collapsedEntry(entryChildren: string, style: 'bond' | 'teaming' = 'bond'): string {
  const entry = `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n${entryChildren}    </interface>\n`;
  const out = collapseDomain(expandDomain(q35(entry), intel, { style }).xml);
  return out.slice(out.indexOf("<interface type='hostdev-hybrid'"), out.indexOf('</interface>'));
}

describe('collapse of a hybrid entry\'s children', () => {
  it('an 802.1Qbg virtualport (backup half only) comes back once, with its parameters', () => {
    const vp = "      <virtualport type='802.1Qbg'>\n        <parameters managerid='11' typeid='1193047' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>\n      </virtualport>\n";
    const entry = collapsedEntry(vp);
    expect(entry.match(/<virtualport/g)).toHaveLength(1);
    expect(entry).toContain("<virtualport type='802.1Qbg'>");
    expect(entry).toContain("managerid='11'");
  });

  it('an 802.1Qbh virtualport (on both halves) comes back once', () => {
    const entry = collapsedEntry("      <virtualport type='802.1Qbh'>\n        <parameters profileid='finance'/>\n      </virtualport>\n");
    expect(entry.match(/<virtualport/g)).toHaveLength(1);
    expect(entry).toContain("profileid='finance'");
  });

  it('the backup\'s own model comes back in <backup>; virtio, the default, does not', () => {
    expect(collapsedEntry("      <backup>\n        <model type='e1000e'/>\n      </backup>\n")).toMatch(/<backup>\s*<address [^>]*\/>\s*<model type='e1000e'\/>\s*<\/backup>/);
    expect(collapsedEntry('')).not.toContain('<model');
  });

  it('a backup half without a guest address and a virtio model gives no <backup> at all, never an empty one', () => {
    const expanded = expandDomain(q35(`    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n`), intel).xml;
    const backupAddress = /(<alias name='ua-hybrid0-backup'\/>\n)\s*<address [^>]*\/>\n/;
    expect(expanded).toMatch(backupAddress);
    const out = collapseDomain(expanded.replace(backupAddress, '$1'));
    expect(out).not.toContain('<backup');
    expect(out).toContain("<alias name='ua-hybrid0'/>");
  });

  it('children placed on one half come back from it, in the dialect\'s order', () => {
    const entry = collapsedEntry("      <link state='down'/>\n      <boot order='2'/>\n      <rom bar='off'/>\n      <driver name='vfio'/>\n      <bandwidth>\n        <inbound average='1000'/>\n      </bandwidth>\n");
    const order = [...entry.matchAll(/<(\w+)[ >/]/g)].map((m) => m[1]).filter((n) => n !== 'interface' && n !== 'address' && n !== 'inbound');
    expect(order).toEqual(['mac', 'source', 'driver', 'bandwidth', 'link', 'boot', 'alias', 'rom', 'backup']);
  });

  it('trustGuestRxFilters of the backup comes back on the entry', () => {
    const entry = `    <interface type='hostdev-hybrid' trustGuestRxFilters='yes'>\n      <source network='sriov-pool'/>\n    </interface>\n`;
    const out = collapseDomain(expandDomain(q35(entry), intel).xml);
    expect(out).toContain("<interface type='hostdev-hybrid' managed='yes' trustGuestRxFilters='yes'>");
  });
});
