// Collapse gives back each hybrid entry's own children once: what expansion put on one half
// comes back from that half, what it put on both comes back once, and nothing is invented.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { collapseDomain, expandDomain, HYBRID_CHILD_ORDER, readHostSnapshot, type Host } from '../../src/index.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});

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

describe('collapse of what the halves carry, and of halves that lack something', () => {
  const expanded = (entry = `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n`): string => expandDomain(q35(entry), intel).xml;
  const vfHalf = /<interface type='hostdev' managed='yes'>[\s\S]*?<\/interface>/;
  const entryOf = (out: string): string => out.slice(out.indexOf("<interface type='hostdev-hybrid'"), out.indexOf('</interface>'));

  it('refuses what is not XML text, and names the file of a bad input', () => {
    expect(() => collapseDomain(42 as unknown as string)).toThrow(/^collapseDomain expects/);
    expect(expectHybridError(() => collapseDomain('<domain>', { file: 'g.xml' }), 'XML_MALFORMED').file).toBe('g.xml');
  });

  it('the VF half\'s managed= comes back; without one, managed=\'yes\'', () => {
    const x = expanded();
    expect(collapseDomain(x.replace("<interface type='hostdev' managed='yes'>", "<interface type='hostdev' managed='no'>"))).toContain("<interface type='hostdev-hybrid' managed='no'>");
    expect(collapseDomain(x.replace("<interface type='hostdev' managed='yes'>", "<interface type='hostdev'>"))).toContain("<interface type='hostdev-hybrid' managed='yes'>");
  });

  it('the VF\'s host address comes back with type=\'pci\' first, whether the half had it or not', () => {
    const x = expanded();
    const half = vfHalf.exec(x)![0];
    expect(half).toMatch(/<source>\s*<address type='pci' domain=/);
    const untyped = half.replace(/(<source>\s*<address) type='pci'/, '$1');
    const late = half.replace(/(<source>\s*<address) type='pci'( domain='0x0000')/, "$1$2 type='pci'");
    for (const h of [half, untyped, late]) {
      const entry = entryOf(collapseDomain(x.replace(half, h)));
      expect(entry, h).toMatch(/<source network='sriov-pool'>\s*<address type='pci' domain='0x0000' bus='0x04'/);
    }
  });

  it('a VF half without a guest address gives an entry without one', () => {
    const x = expanded();
    const half = vfHalf.exec(x)![0];
    const noGuest = half.replace(/\n\s*<address type='pci'[^>]*\/>(\n\s*<\/interface>)/, '$1');
    expect(noGuest).not.toBe(half);
    const entry = entryOf(collapseDomain(x.replace(half, noGuest)));
    expect(entry).not.toMatch(/<alias name='ua-hybrid0'\/>\s*<address/);
    expect(entry).toContain('<backup>');
  });

  it('a VF half without <mac> or without its host address is refused, naming it', () => {
    const x = expanded();
    const half = vfHalf.exec(x)![0];
    for (const broken of [half.replace(/\n\s*<mac [^>]*\/>/, ''), half.replace(/<source>[\s\S]*?<\/source>/, '<source/>')]) {
      expect(broken).not.toBe(half);
      expect(expectHybridError(() => collapseDomain(x.replace(half, broken)), 'METADATA_INVALID').message).toContain('ua-hybrid0-vf');
    }
  });

  it('a half whose MAC is not the pair\'s is not its half: refused, as plans refuse it', () => {
    const x = expanded();
    const half = vfHalf.exec(x)![0];
    const other = half.replace(/<mac address='[^']+'/, "<mac address='52:54:00:00:00:01'");
    expect(other).not.toBe(half);
    expect(expectHybridError(() => collapseDomain(x.replace(half, other)), 'METADATA_INVALID').message).toContain("the VF half 'ua-hybrid0-vf' has MAC 52:54:00:00:00:01");
  });

  it('an ephemeral pool interface without its <source><address> is refused', () => {
    const meta = "<hh:ephemeral alias='ua-eph' device='interface' source='0000:04:10.6' pool='sriov-pool'/>";
    const x = expanded().replace('</hh:hybrid>', `  ${meta}\n    </hh:hybrid>`).replace('  </devices>', "    <interface type='hostdev' managed='yes'>\n      <source/>\n      <alias name='ua-eph'/>\n    </interface>\n  </devices>");
    expect(expectHybridError(() => collapseDomain(x), 'METADATA_INVALID').message).toContain('ua-eph');
  });

  it('writes an entry\'s children in the dialect\'s order, wherever the halves had them', () => {
    const children = "      <boot order='1'/>\n      <tune>\n        <sndbuf>1600</sndbuf>\n      </tune>\n      <vlan>\n        <tag id='5'/>\n      </vlan>\n      <driver name='vhost' queues='2'/>\n      <coalesce>\n        <rx>\n          <frames max='7'/>\n        </rx>\n      </coalesce>\n      <target dev='hh0'/>\n      <rom bar='off'/>\n      <link state='up'/>\n";
    const entry = collapsedEntry(children);
    const order = [...entry.matchAll(/<(\w+)[ >/]/g)].map((m) => m[1]).filter((n) => !['interface', 'address', 'tag', 'sndbuf', 'rx', 'frames'].includes(n!));
    expect(order).toEqual(['mac', 'source', 'vlan', 'driver', 'tune', 'link', 'coalesce', 'target', 'boot', 'alias', 'rom', 'backup']);
  });
});

describe('collapse, further', () => {
  it('names which recorded device the domain lacks: a half of a pair, or an ephemeral device', () => {
    const expanded = fixture('cases', 'expand-q35-several-pairs', 'expected.xml');
    for (const [alias, what] of [['ua-hybrid0-vf', 'the VF half'], ['ua-hybrid0-backup', 'the backup half'], ['ua-ephemeral0', 'the ephemeral device']]) {
      const e = expectHybridError(() => collapseDomain(expanded.replace(`<alias name='${alias}'/>`, "<alias name='ua-renamed'/>")), 'METADATA_INVALID');
      expect(e.message).toBe(`the metadata names ${what} '${alias}', but the domain has no device with that alias`);
    }
  });

  it('keeps the documented order of an entry\'s children', () => {
    expect(HYBRID_CHILD_ORDER).toEqual(['mac', 'source', 'vlan', 'virtualport', 'model', 'driver', 'bandwidth', 'tune', 'link', 'mtu', 'coalesce', 'target', 'boot', 'alias', 'rom', 'address', 'backup']);
  });

  it('a backup child it has no placement for comes back as it is, not refused', () => {
    const x = expandDomain(q35(`    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n`), intel).xml;
    const added = x.replace("<alias name='ua-hybrid0-backup'/>", "<filterref filter='clean-traffic'/>\n      <alias name='ua-hybrid0-backup'/>");
    expect(added).not.toBe(x);
    expect(collapseDomain(added)).toContain("<filterref filter='clean-traffic'/>");
  });
});
