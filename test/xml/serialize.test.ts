import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml, serializeNode, type XmlElement } from '../../src/index.js';
import { element, rootElement, text } from '../../src/xml/tree.js';
import {
  childElements, firstChild, getAttribute, insertElement, removeAttribute, removeElement, replaceElement, setAttribute,
} from '../../src/xml/edit.js';
import { escapeAttribute, escapeText } from '../../src/xml/escape.js';
import { fixture } from '../helpers.js';

const DOMAIN = `<?xml version="1.0"?>
<domain type="kvm"  id='1'>
  <name>g</name>
  <devices>
    <disk type='file'  device='disk'>
      <source file="/a &amp; b.img"/>
    </disk>
    <interface type='network'>
      <source network='default'/>
    </interface>
  </devices>
</domain>
`;

function devices(doc: ReturnType<typeof parseXml>): XmlElement {
  return firstChild(rootElement(doc), 'devices')!;
}

describe('the one escaping helper', () => {
  it('escapes text like libvirt', () => {
    expect(escapeText(`a & b < c > d ' " \t\n\r`)).toBe(`a &amp; b &lt; c &gt; d ' " \t\n&#13;`);
  });
  it('escapes attribute values so they survive a parser', () => {
    expect(escapeAttribute(`a & b < c > d ' " \t\n\r`)).toBe('a &amp; b &lt; c &gt; d &apos; &quot; &#9;&#10;&#13;');
  });
  it('round-trips every awkward character through print and parse', () => {
    const value = `&<>'"\t\n\r ©😀`;
    const el = element('x', { v: value }, [text(value)]);
    const back = rootElement(parseXml(serializeNode(el)));
    expect(getAttribute(back, 'v')).toBe(value);
    // Text keeps \r only as a reference; a literal CR would be read back as LF.
    expect((back.children[0] as { value: string }).value).toBe(value);
  });
});

describe('serializeXml reprints only what changed', () => {
  it('changing one attribute changes only that attribute', () => {
    const doc = parseXml(DOMAIN);
    const disk = firstChild(devices(doc), 'disk')!;
    setAttribute(disk, 'device', 'cdrom');
    expect(serializeXml(doc)).toBe(DOMAIN.replace("device='disk'", "device='cdrom'"));
  });

  it('keeps the quote style and spacing of an edited attribute and of its neighbours', () => {
    const doc = parseXml(DOMAIN);
    setAttribute(rootElement(doc), 'type', 'qemu');
    expect(serializeXml(doc)).toBe(DOMAIN.replace('type="kvm"', 'type="qemu"'));
  });

  it('adds and removes attributes in libvirt style', () => {
    const doc = parseXml(DOMAIN);
    const iface = firstChild(devices(doc), 'interface')!;
    setAttribute(iface, 'trustGuestRxFilters', "y'es");
    removeAttribute(rootElement(doc), 'id');
    expect(serializeXml(doc)).toBe(
      DOMAIN.replace(`<domain type="kvm"  id='1'>`, '<domain type="kvm">')
        .replace("<interface type='network'>", "<interface type='network' trustGuestRxFilters='y&apos;es'>"),
    );
  });

  it('inserts a new element indented like its siblings, with its children laid out', () => {
    const doc = parseXml(DOMAIN);
    const devs = devices(doc);
    insertElement(doc, devs, element('interface', { type: 'direct' }, [
      element('source', { dev: 'eth3', mode: 'bridge' }),
      element('model', { type: 'virtio' }),
    ]), { after: firstChild(devs, 'disk')! });
    expect(serializeXml(doc)).toBe(DOMAIN.replace('    </disk>\n', `    </disk>
    <interface type='direct'>
      <source dev='eth3' mode='bridge'/>
      <model type='virtio'/>
    </interface>
`));
  });

  it('appends at the end, before the closing tag, and into an empty element', () => {
    const doc = parseXml(`<domain>\n  <metadata/>\n  <devices>\n    <a/>\n  </devices>\n</domain>\n`);
    const root = rootElement(doc);
    insertElement(doc, firstChild(root, 'devices')!, element('b'));
    insertElement(doc, firstChild(root, 'metadata')!, element('hh:x', { 'xmlns:hh': 'urn:x' }));
    expect(serializeXml(doc)).toBe(`<domain>\n  <metadata>\n    <hh:x xmlns:hh='urn:x'/>\n  </metadata>\n  <devices>\n    <a/>\n    <b/>\n  </devices>\n</domain>\n`);
  });

  it('follows the document\'s own indentation unit (tabs)', () => {
    const xml = fixture('xml', 'roundtrip', 'domain-tabs.xml');
    const doc = parseXml(xml);
    insertElement(doc, devices(doc), element('controller', { type: 'pci' }, [element('model', { name: 'x' })]));
    expect(serializeXml(doc)).toBe(xml.replace('\t\t</disk>\n', "\t\t</disk>\n\t\t<controller type='pci'>\n\t\t\t<model name='x'/>\n\t\t</controller>\n"));
  });

  it('lays out new elements with the document\'s own CRLF line breaks', () => {
    const xml = fixture('xml', 'roundtrip', 'domain-crlf.xml');
    const doc = parseXml(xml);
    insertElement(doc, rootElement(doc), element('devices', {}, [element('a')]));
    const out = serializeXml(doc);
    expect(out).toBe(xml.replace('</description>\r\n', "</description>\r\n  <devices>\r\n    <a/>\r\n  </devices>\r\n"));
    expect(out).not.toMatch(/[^\r]\n/);
  });

  it('removes an element together with its line', () => {
    const doc = parseXml(DOMAIN);
    removeElement(devices(doc), firstChild(devices(doc), 'disk')!);
    expect(serializeXml(doc)).toBe(DOMAIN.replace(/    <disk[\s\S]*?<\/disk>\n/, ''));
  });

  it('replaces an element by several, keeping the rest byte for byte', () => {
    const doc = parseXml(DOMAIN);
    const devs = devices(doc);
    replaceElement(doc, devs, firstChild(devs, 'interface')!, [element('a'), element('b')]);
    expect(serializeXml(doc)).toBe(DOMAIN.replace(/    <interface[\s\S]*?<\/interface>\n/, '    <a/>\n    <b/>\n'));
  });

  it('keeps untouched CRLF, entities and comments when a sibling changes', () => {
    const xml = fixture('xml', 'roundtrip', 'domain-entities.xml');
    const doc = parseXml(xml);
    setAttribute(firstChild(rootElement(doc), 'name')!, 'x', '1');
    expect(serializeXml(doc)).toBe(xml.replace('<name>', "<name x='1'>"));
  });

  it('reprints an edited text node with escaping', () => {
    const doc = parseXml(DOMAIN);
    const name = firstChild(rootElement(doc), 'name')!;
    name.children = [text('a<b&c')];
    expect(serializeXml(doc)).toBe(DOMAIN.replace('<name>g</name>', '<name>a&lt;b&amp;c</name>'));
  });

  it('opens a self-closing element when it gains children', () => {
    const doc = parseXml(`<a>\n  <b x="1" />\n</a>`);
    const b = childElements(rootElement(doc), 'b')[0]!;
    b.children.push(text('t'));
    expect(serializeXml(doc)).toBe(`<a>\n  <b x="1" >t</b>\n</a>`);
  });

  it('closes an element that loses its children with start and end tags kept', () => {
    const doc = parseXml(`<a><b k='v'>t</b></a>`);
    firstChild(rootElement(doc), 'b')!.children = [];
    expect(serializeXml(doc)).toBe(`<a><b k='v'></b></a>`);
  });

  it('can move a parsed element into another document', () => {
    const from = parseXml(`<x><moved a="1">&#169;</moved></x>`);
    const to = parseXml(`<y>\n  <z/>\n</y>\n`);
    insertElement(to, rootElement(to), firstChild(rootElement(from), 'moved')!);
    expect(serializeXml(to)).toBe(`<y>\n  <z/>\n  <moved a="1">&#169;</moved>\n</y>\n`);
  });
});

describe('copies of parsed nodes', () => {
  it('a {...node} copy is a node made by code: printed fresh, not copied from the source', () => {
    const doc = parseXml('<a><b x="1"/></a>');
    const a = rootElement(doc);
    const b = a.children[0] as XmlElement;
    a.children.push({ ...b });
    expect(serializeXml(doc)).toBe(`<a><b x="1"/><b x='1'/></a>`);
  });
});
