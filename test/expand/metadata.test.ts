// Our metadata element lives beside other applications' (virt-install writes libosinfo's into
// every domain): found only by our namespace, written after libvirt's leading elements, and
// removed alone.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDomain, collapseDomain, expandDomain, parseXml, readHostSnapshot } from '../../src/index.js';
import { findMetadataElement, HH_NS, readMetadata } from '../../src/expand/metadata.js';
import { rootElement } from '../../src/xml/tree.js';
import { fixture, FIXTURES } from '../helpers.js';

const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const LIBOSINFO = `  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>
`;
const PAIR = `    <interface type='hostdev-hybrid'>
      <source network='sriov-pool'/>
    </interface>
`;

function domain(head: string, devices = PAIR): string {
  return `<domain type='kvm'>
  <name>g1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <title>t</title>
${head}  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
${devices}  </devices>
</domain>
`;
}

const metadataOf = (xml: string) => readMetadata(rootElement(parseXml(xml)));

describe('metadata beside libosinfo\'s', () => {
  const input = domain(LIBOSINFO);
  const expanded = expandDomain(input, intel).xml;

  it('expand adds ours after libosinfo\'s, in the same <metadata>', () => {
    expect(expanded.match(/<metadata>/g)).toHaveLength(1);
    expect(expanded.indexOf('<libosinfo:libosinfo')).toBeLessThan(expanded.indexOf('<hh:hybrid'));
    expect(expanded).toContain(LIBOSINFO.split('  </metadata>')[0]);
    expect(metadataOf(expanded)!.pairs.map((p) => p.vf)).toEqual(['0000:04:10.2']);
  });

  it('collapse removes ours alone, leaving libosinfo\'s as it was', () => {
    const collapsed = collapseDomain(expanded);
    expect(collapsed).toContain(`<title>t</title>\n${LIBOSINFO}  <memory`);
    expect(collapsed).not.toContain('hh:');
    expect(checkDomain(expanded, intel)).toEqual([]);
  });

  it('expanding again rewrites ours in place', () => {
    const again = expandDomain(expanded, intel).xml;
    expect(again.match(/<hh:hybrid/g)).toHaveLength(1);
    expect(again.match(/<metadata>/g)).toHaveLength(1);
  });

  it('a foreign element first, or one with our local name in another namespace, is not ours', () => {
    const impostor = `<hh:hybrid xmlns:hh="https://example.org/other" style="teaming"><hh:pair name="x"/></hh:hybrid>`;
    const xml = expanded.replace('  </metadata>', `    ${impostor}\n  </metadata>`);
    expect(metadataOf(xml)!.style).toBe('bond');
    expect(metadataOf(domain(LIBOSINFO.replace('  </metadata>', `    ${impostor}\n  </metadata>`)))).toBeUndefined();
    expect(collapseDomain(xml)).toContain(impostor);
  });

  it('our element under a default namespace declaration is ours', () => {
    const xml = expanded.replace('<hh:hybrid xmlns:hh=', '<hybrid xmlns=').replace('</hh:hybrid>', '</hybrid>').replaceAll('<hh:pair', '<pair');
    expect(findMetadataElement(rootElement(parseXml(xml)))!.name).toBe('hybrid');
    expect(metadataOf(xml)!.pairs).toHaveLength(1);
    // Prefixed children under a default-namespace element are someone else's.
    expect(metadataOf(expanded.replace('<hh:hybrid xmlns:hh=', '<hybrid xmlns=').replace('</hh:hybrid>', '</hybrid>'))!.pairs).toEqual([]);
  });
});

describe('metadata created and removed', () => {
  it('a domain without <metadata> gets one after name, uuid and title; collapse removes it again', () => {
    const expanded = expandDomain(domain(''), intel).xml;
    expect(expanded).toMatch(/<title>t<\/title>\n  <metadata>\n    <hh:hybrid xmlns:hh='https:\/\/hostdev-hybrid.dev\/xmlns\/1.0' version='1' style='bond'>/);
    expect(collapseDomain(expanded)).toContain('<title>t</title>\n  <memory');
  });

  it('a domain with nothing before <metadata>\'s place gets it first', () => {
    const input = `<domain type='kvm'>\n  <memory unit='KiB'>1</memory>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n${PAIR}  </devices>\n</domain>\n`;
    expect(expandDomain(input, intel, { seed: 'x' }).xml).toMatch(/^<domain type='kvm'>\n  <metadata>\n/);
  });

  it('an empty <metadata/> of the input takes ours: one <metadata>, gone again after collapse', () => {
    const expanded = expandDomain(domain('  <metadata/>\n'), intel).xml;
    expect(expanded.match(/<metadata/g)).toHaveLength(1);
    expect(metadataOf(expanded)!.pairs).toHaveLength(1);
    expect(collapseDomain(expanded)).not.toContain('<metadata');
  });
});

describe('what the metadata records, read back', () => {
  it('a VLAN pair keeps its backup device template, its guest VF address and its pool', () => {
    const meta = metadataOf(fixture('cases', 'expand-q35-several-pairs', 'expected.xml'))!;
    const backend = meta.pairs.find((p) => p.name === 'ua-backend')!;
    expect(backend).toEqual({
      name: 'ua-backend', form: 'hybrid', pool: 'sriov-pool', mac: '52:54:00:7c:85:65', vf: '0000:04:10.4', pf: '0000:04:00.0',
      pfDev: 'enp4s0f0', vfIndex: 2, vlan: 100, backupDev: 'enp4s0f0.100', backupDevTemplate: '{pf}.{vlan}',
      vfAlias: 'ua-backend-vf', backupAlias: 'ua-backend-backup', vfGuestAddress: '0000:08:00.0',
    });
    expect(HH_NS).toBe('https://hostdev-hybrid.dev/xmlns/1.0');
  });
});
