import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml } from '../../src/index.js';
import { fixture, fixtureNames } from '../helpers.js';

const DIR = ['xml', 'roundtrip'];

describe('byte-identical round trip', () => {
  for (const name of fixtureNames(...DIR)) {
    it(name, () => {
      const xml = fixture(...DIR, name);
      expect(serializeXml(parseXml(xml))).toBe(xml);
    });
  }
});

// Each hard case the layer promises is pinned to its own fixture, so deleting or "simplifying" a
// fixture makes this fail instead of silently dropping coverage.
const COVERAGE: [feature: string, file: string, holds: (xml: string) => boolean][] = [
  ['real virsh dumpxml (QEMU driver)', 'domain-q35-dumpxml.xml', (x) => x.includes("<emulator>") && x.includes('pcie-root-port')],
  ['network document', 'network-declaration-double-quotes.xml', (x) => x.includes('<network')],
  ['nodedev document', 'nodedev-vf-no-final-newline.xml', (x) => x.startsWith('<device>')],
  ['capabilities document', 'capabilities.xml', (x) => x.startsWith('<capabilities>')],
  ['XML declaration', 'network-declaration-double-quotes.xml', (x) => x.startsWith('<?xml ')],
  ['no XML declaration', 'domain-tabs.xml', (x) => x.startsWith('<domain')],
  ['comments', 'domain-comments-pi-cdata.xml', (x) => x.includes('<!--')],
  ['processing instructions', 'domain-comments-pi-cdata.xml', (x) => x.includes('<?xml-stylesheet') && x.includes('<?app-hint')],
  ['CDATA', 'domain-comments-pi-cdata.xml', (x) => x.includes('<![CDATA[')],
  ['predefined entities', 'domain-entities.xml', (x) => ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;'].every((e) => x.includes(e))],
  ['numeric character references', 'domain-entities.xml', (x) => ['&#10;', '&#169;', '&#xA9;', '&#9;', '&#13;'].every((e) => x.includes(e))],
  ['single quotes', 'domain-q35-dumpxml.xml', (x) => x.includes("type='kvm'")],
  ['double quotes', 'network-declaration-double-quotes.xml', (x) => x.includes('mode="nat"')],
  ['both quote styles with the other quote inside', 'domain-entities.xml', (x) => x.includes(`other='say "hi"'`)],
  ['tabs', 'domain-tabs.xml', (x) => x.includes('\t')],
  ['CRLF line ends', 'domain-crlf.xml', (x) => x.includes('\r\n')],
  ['missing final newline', 'nodedev-vf-no-final-newline.xml', (x) => !x.endsWith('\n')],
  ['byte-order mark', 'domain-bom.xml', (x) => x.charCodeAt(0) === 0xfeff],
  ['odd white space inside tags', 'domain-odd-spacing.xml', (x) => x.includes('</domain   >') && x.includes("type = \"kvm\"")],
  ['newlines and tabs inside attribute values', 'domain-attribute-newlines.xml', (x) => x.includes("note='a\nb\tc'")],
  ['bare DOCTYPE', 'domain-bare-doctype.xml', (x) => x.startsWith('<!DOCTYPE domain>')],
  ['non-ASCII and astral characters', 'domain-unicode-one-line.xml', (x) => x.includes('😀')],
  ['empty element written as start and end tag', 'domain-odd-spacing.xml', (x) => x.includes('<empty></empty>')],
];

describe('the round-trip corpus covers every promised hard case', () => {
  it.each(COVERAGE)('%s (%s)', (_feature, file, holds) => {
    expect(holds(fixture(...DIR, file))).toBe(true);
  });
});
