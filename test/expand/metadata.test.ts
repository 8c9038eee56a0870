// Our metadata element lives beside other applications' (virt-install writes libosinfo's into
// every domain): found only by our namespace, written after libvirt's leading elements, and
// removed alone.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkDomain, collapseDomain, expandDomain, parseXml, readHostSnapshot, serializeXml, type Host } from '../../src/index.js';
import { devicesByAlias, findMetadataElement, HH_NS, readMetadata, writeMetadata } from '../../src/metadata.js';
import { rootElement, type XmlElement } from '../../src/xml/tree.js';
import { expectHybridError, fixture, FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});
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
  let expanded!: string;
  beforeEach(() => {
    expanded = expandDomain(input, intel).xml;
  });

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

  it('an element without our namespace is not ours, whatever its prefix spells', () => {
    expect(metadataOf(domain(LIBOSINFO.replace('  </metadata>', '    <undefined:hybrid style="teaming"/>\n  </metadata>')))).toBeUndefined();
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

describe('reading our metadata back refuses what it cannot trust', () => {
  let expanded!: string;
  let pairLine!: string;
  beforeEach(() => {
    expanded = expandDomain(domain(''), intel).xml;
    pairLine = /<hh:pair [^>]*\/>/.exec(expanded)![0];
  });
  const withPair = (edit: (pair: string) => string): string => expanded.replace(pairLine, edit(pairLine));
  const dropAttr = (name: string) => (p: string): string => p.replace(new RegExp(` ${name}='[^']*'`), '');
  const setAttr = (name: string, value: string) => (p: string): string => p.replace(new RegExp(` ${name}='[^']*'`), ` ${name}='${value}'`);

  it('reads what expansion wrote', () => {
    expect(metadataOf(expanded)!.pairs[0]).toMatchObject({ name: 'ua-hybrid0', form: 'hybrid', pool: 'sriov-pool', vfIndex: expect.any(Number) });
  });

  it.each(['name', 'form', 'mac', 'vf', 'pf', 'pf-dev', 'vf-index', 'backup-dev', 'vf-alias', 'backup-alias'])('a pair without %s=, or with it empty', (attr) => {
    for (const xml of [withPair(dropAttr(attr)), withPair(setAttr(attr, ''))]) {
      expect(xml).not.toBe(expanded);
      expect(expectHybridError(() => metadataOf(xml), 'METADATA_INVALID').message).toContain(`lacks ${attr}=`);
    }
  });

  it.each([
    ['form', 'bridge'], ['vf-index', '1a'], ['vf-index', 'a1'], ['vf-index', '-1'],
    ['vf-guest', '0000:01:00.0x'], ['vf-guest', 'x0000:01:00.0'], ['vf-guest', '0000:01:00.8'],
  ])('a pair with %s=%s', (attr, value) => {
    const xml = withPair((p) => (p.includes(` ${attr}=`) ? setAttr(attr, value)(p) : p.replace('/>', ` ${attr}='${value}'/>`)));
    expect(expectHybridError(() => metadataOf(xml), 'METADATA_INVALID').message).toContain(attr === 'vf-index' ? 'vf-index' : value);
  });

  it('a VLAN that is not a number; a number is read as one', () => {
    expectHybridError(() => metadataOf(withPair((p) => p.replace('/>', " vlan='1x'/>"))), 'METADATA_INVALID');
    expectHybridError(() => metadataOf(withPair((p) => p.replace('/>', " vlan='x1'/>"))), 'METADATA_INVALID');
    expect(metadataOf(withPair((p) => p.replace('/>', " vlan='42'/>")))!.pairs[0]!.vlan).toBe(42);
  });

  it('an unknown style, and an ephemeral record without what it needs or with an unknown device', () => {
    expectHybridError(() => metadataOf(expanded.replace("style='bond'", "style='mesh'")), 'METADATA_INVALID');
    const eph = (attrs: string): string => expanded.replace(pairLine, `${pairLine}\n      <hh:ephemeral ${attrs}/>`);
    expect(metadataOf(eph("alias='e' device='hostdev' source='0000:65:00.0'"))!.ephemeral).toEqual([{ alias: 'e', device: 'hostdev', source: '0000:65:00.0' }]);
    for (const missing of ['alias', 'device', 'source']) {
      const attrs = "alias='e' device='hostdev' source='0000:65:00.0'".replace(new RegExp(`${missing}='[^']*' ?`), '');
      expect(expectHybridError(() => metadataOf(eph(attrs)), 'METADATA_INVALID').message).toContain(`lacks ${missing}=`);
    }
    expectHybridError(() => metadataOf(eph("alias='e' device='disk' source='0000:65:00.0'")), 'METADATA_INVALID');
  });

  it('an element carrying our namespace in an attribute that is no declaration is not ours', () => {
    const foreign = `  <metadata>\n    <hybrid data='${HH_NS}' style='bond'><pair name='x'/></hybrid>\n  </metadata>\n`;
    expect(metadataOf(domain(foreign, ''))).toBeUndefined();
    const prefixed = `  <metadata>\n    <other:hybrid xmlns:hh='${HH_NS}' xmlns:other='urn:x'/>\n  </metadata>\n`;
    expect(metadataOf(domain(prefixed, ''))).toBeUndefined();
  });

  it('goes after genid and description too, when the domain has them', () => {
    const input = domain('').replace('  <title>t</title>\n', "  <genid>43dc0cf8-809b-4adb-9bea-a9abb5f3d90d</genid>\n  <title>t</title>\n  <description>d</description>\n");
    expect(expandDomain(input, intel).xml).toMatch(/<description>d<\/description>\n {2}<metadata>/);
    const genidOnly = domain('').replace('  <title>t</title>\n', '').replace('</uuid>\n', '</uuid>\n  <genid>43dc0cf8-809b-4adb-9bea-a9abb5f3d90d</genid>\n');
    expect(expandDomain(genidOnly, intel).xml).toMatch(/<\/genid>\n {2}<metadata>/);
    expect(expandDomain(domain('').replace('  <title>t</title>\n', ''), intel).xml).toMatch(/<\/uuid>\n {2}<metadata>/);
  });
});

describe('metadata, further', () => {
  let expanded!: string;
  beforeEach(() => {
    expanded = expandDomain(domain(''), intel).xml;
  });
  it('takes only our prefix followed by a colon, a VF index of several digits, and bond when no style is written', () => {
    const squeezed = expanded.replace('<hh:hybrid ', '<hhxhybrid ').replace('</hh:hybrid>', '</hhxhybrid>');
    expect(squeezed).not.toBe(expanded);
    expect(metadataOf(squeezed)).toBeUndefined();
    expect(metadataOf(expanded.replace(/vf-index='[0-9]+'/, "vf-index='12'"))!.pairs[0]!.vfIndex).toBe(12);
    expect(metadataOf(expanded.replace(" style='bond'", ''))!.style).toBe('bond');
  });

  it('goes right after <name> when that is all that precedes it', () => {
    const input = domain('').replace(/  <uuid>[^<]*<\/uuid>\n  <title>t<\/title>\n/, '');
    expect(expandDomain(input, intel).xml).toMatch(/<name>g1<\/name>\n {2}<metadata>/);
  });
});

describe('the metadata\'s attribute table', () => {
  it('every field of a pair and of an ephemeral device survives writing and reading, in the same key order', () => {
    const doc = parseXml(domain(''));
    const root = rootElement(doc);
    const pair = {
      name: 'ua-p', form: 'network' as const, pool: 'sriov-pool', mac: '52:54:00:00:00:01', vf: '0000:04:10.0', pf: '0000:04:00.0', pfDev: 'enp4',
      vfIndex: 3, vlan: 7, backupDev: 'enp4.7', backupDevTemplate: '{pf}.{vlan}', vfAlias: 'ua-p-vf', backupAlias: 'ua-p-backup',
      vfGuestAddress: '0000:01:00.0', mtu: 9000,
    };
    const eph = { alias: 'ua-e', device: 'interface' as const, source: '0000:04:10.1', pool: 'hostdev-pool' };
    writeMetadata(doc, root, { style: 'teaming', pairs: [pair], ephemeral: [eph] });
    const back = metadataOf(serializeXml(doc))!;
    expect(back).toEqual({ style: 'teaming', pairs: [pair], ephemeral: [eph] });
    expect(Object.keys(back.pairs[0]!)).toEqual(Object.keys(pair));
    expect(serializeXml(doc)).toContain("vf-index='3' vlan='7' backup-dev='enp4.7'");
  });

  it('an MTU that is not a number is refused by its name', () => {
    const xml = expandDomain(domain(''), intel).xml.replace(/(<hh:pair [^>]*)\/>/, "$1 mtu='9k'/>");
    expect(expectHybridError(() => metadataOf(xml), 'METADATA_INVALID').message).toBe("hostdev-hybrid metadata: mtu='9k' must be a number");
  });
});

describe('devicesByAlias', () => {
  it('keys each alias once, the first device that has it; a device without one is not keyed', () => {
    const devices = [...rootElement(parseXml("<devices><disk><alias name='a'/></disk><disk/><interface><alias name='a'/></interface><hostdev><alias name='b'/></hostdev></devices>")).children].filter((c) => c.type === 'element') as XmlElement[];
    const byAlias = devicesByAlias(devices);
    expect([...byAlias.keys()]).toEqual(['a', 'b']);
    expect(byAlias.get('a')!.name).toBe('disk');
  });
});
