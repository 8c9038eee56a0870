import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml, serializeNode, type XmlElement, type XmlNode } from '../../src/index.js';
import { element, rootElement, text } from '../../src/xml/tree.js';
import {
  childElements, firstChild, getAttribute, insertElement, removeAttribute, removeElement, replaceElement, setAttribute,
} from '../../src/xml/edit.js';
import { escapeAttribute, escapeText } from '../../src/xml/escape.js';
import { fixture } from '../helpers.js';
import { ORIGIN } from '../../src/xml/origin.js';
import { isUnchanged } from '../../src/xml/serialize.js';

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

describe('leaves edited in place are reprinted; untouched ones are copied', () => {
  const SOURCE = `<?xml version="1.0"?>\n<!DOCTYPE domain>\n<?app  run fast?>\n<a><!--c&amp;--><![CDATA[x<y]]><?bare?>t&#65;</a>\n`;
  const leaves = (doc: ReturnType<typeof parseXml>) => {
    const a = rootElement(doc);
    return { doctype: doc.children[2]!, pi: doc.children[4]!, comment: a.children[0]!, cdata: a.children[1]!, bare: a.children[2]!, text: a.children[3]! };
  };

  it('copies every kind of leaf byte for byte while it is as parsed', () => {
    expect(serializeXml(parseXml(SOURCE))).toBe(SOURCE);
  });

  it.each([
    ['comment', (n: any) => { n.value = 'new'; }, '<!--new-->'],
    ['cdata', (n: any) => { n.value = 'a]b'; }, '<![CDATA[a]b]]>'],
    ['pi', (n: any) => { n.target = 'other'; }, '<?other run fast?>'],
    ['pi', (n: any) => { n.data = 'slow'; }, '<?app slow?>'],
    ['bare', (n: any) => { n.data = 'now'; }, '<?bare now?>'],
    ['doctype', (n: any) => { n.raw = '<!DOCTYPE network>'; }, '<!DOCTYPE network>'],
    ['text', (n: any) => { n.value = 'u&v'; }, 'u&amp;v</a>'],
  ] as const)('a %s whose fields change is printed from its fields', (kind, change, printed) => {
    const doc = parseXml(SOURCE);
    change(leaves(doc)[kind]);
    const out = serializeXml(doc);
    expect(out).toContain(printed);
    // Everything else is as it was.
    const untouched = serializeXml(parseXml(SOURCE)).split('\n').filter((line) => !out.includes(line));
    expect(untouched.length).toBe(1);
  });

  it('a leaf that becomes another kind of node is printed as that kind', () => {
    const doc = parseXml(SOURCE);
    const comment = leaves(doc).comment as any;
    comment.type = 'text';
    expect(serializeXml(doc)).toContain('<a>c&amp;amp;<![CDATA[');
  });

  it('prints leaves made by code', () => {
    const doc = parseXml('<a/>');
    rootElement(doc).children.push(
      { type: 'comment', value: ' made ' }, { type: 'cdata', value: '<raw>' }, { type: 'pi', target: 'p', data: '' },
      { type: 'pi', target: 'q', data: 'd' }, text('&'),
    );
    expect(serializeXml(doc)).toBe(`<a><!-- made --><![CDATA[<raw>]]><?p?><?q d?>&amp;</a>`);
    const fresh = parseXml('<?xml version="1.0"?><a/>');
    fresh.children.unshift({ type: 'doctype', raw: '<!DOCTYPE a>' });
    expect(serializeXml(fresh)).toBe('<!DOCTYPE a><?xml version="1.0"?><a/>');
  });
});

describe('elements edited in place', () => {
  it('a renamed element gets new start and end tags; its attributes keep their source text', () => {
    const doc = parseXml(`<a>\n  <b  x="1"\n     y='2'>t</b>\n</a>`);
    (rootElement(doc).children[1] as XmlElement).name = 'c';
    expect(serializeXml(doc)).toBe(`<a>\n  <c  x="1"\n     y='2'>t</c>\n</a>`);
  });

  it('a renamed empty element stays self-closing', () => {
    const doc = parseXml(`<a><b x="1"/></a>`);
    (rootElement(doc).children[0] as XmlElement).name = 'c';
    expect(serializeXml(doc)).toBe(`<a><c x="1"/></a>`);
  });

  it('an attribute renamed in place (same count of attributes) is reprinted', () => {
    const doc = parseXml(`<a><b x="1" y="2"/></a>`);
    (rootElement(doc).children[0] as XmlElement).attributes[1]!.name = 'z';
    expect(serializeXml(doc)).toBe(`<a><b x="1" z='2'/></a>`);
  });

  it('a changed value keeps its attribute\'s leading white space and quote', () => {
    const doc = parseXml(`<a><b\n   x="1"\tz='3'/></a>`);
    const b = rootElement(doc).children[0] as XmlElement;
    setAttribute(b, 'x', 'one');
    setAttribute(b, 'z', 'three');
    expect(serializeXml(doc)).toBe(`<a><b\n   x="one"\tz='three'/></a>`);
  });

  it('a child swapped for another parsed node is noticed even when the count stays', () => {
    const doc = parseXml(`<a><b/><c/></a>`);
    const a = rootElement(doc);
    a.children.reverse();
    expect(serializeXml(doc)).toBe(`<a><c/><b/></a>`);
  });

  it('children that no longer tile the element as parsed are printed one by one', () => {
    const print = (change: (a: XmlElement) => void, xml = '<r><a><b/>t<c/></a><d/></r>'): string => {
      const doc = parseXml(xml);
      change(rootElement(doc).children[0] as XmlElement);
      return serializeXml(doc);
    };
    expect(print(() => undefined)).toBe('<r><a><b/>t<c/></a><d/></r>');
    expect(print((a) => { a.children.splice(1, 1); })).toBe('<r><a><b/><c/></a><d/></r>'); // a gap
    expect(print((a) => { a.children.pop(); })).toBe('<r><a><b/>t</a><d/></r>'); // short of the end tag
    expect(print((a) => { a.children.push(a.children[2]!); })).toBe('<r><a><b/>t<c/><c/></a><d/></r>'); // past it
    expect(print((a) => { a.children.unshift(a.children[0]!); })).toBe('<r><a><b/><b/>t<c/></a><d/></r>');
    expect(print((a) => { a.children.shift(); })).toBe('<r><a>t<c/></a><d/></r>'); // starts late
    expect(print((a) => { a.children = [a.children[2]!]; })).toBe('<r><a><c/></a><d/></r>'); // late, though it ends at the end tag
    // The next sibling moved into an empty element starts where that element ends: still a change.
    expect(print((a) => {
      const b = a.children[0] as XmlElement;
      b.children.push(a.children.splice(1, 1)[0]!);
    })).toBe('<r><a><b>t</b><c/></a><d/></r>');
  });

  it('a child from another parse at the same offsets is printed from its own source', () => {
    const doc = parseXml('<r><a>x</a></r>');
    const other = parseXml('<r><a>y</a></r>');
    (rootElement(doc).children[0] as XmlElement).children = [...(rootElement(other).children[0] as XmlElement).children];
    expect(serializeXml(doc)).toBe('<r><a>y</a></r>');
  });

  it('an element whose children change keeps its end tag as written', () => {
    const doc = parseXml(`<a><b x='1'>t</b  ></a>`);
    const b = rootElement(doc).children[0] as XmlElement;
    b.children.push(text('u'));
    expect(serializeXml(doc)).toBe(`<a><b x='1'>tu</b  ></a>`);
  });

  it('a change deep down reprints only the path to it, printed twice the same', () => {
    const doc = parseXml(`<a>\n  <b>\n    <c  k="v"/>\n  </b>\n  <d  k="v"/>\n</a>`);
    const c = (rootElement(doc).children[1] as XmlElement).children[1] as XmlElement;
    setAttribute(c, 'k', 'w');
    const once = serializeXml(doc);
    expect(once).toBe(`<a>\n  <b>\n    <c  k="w"/>\n  </b>\n  <d  k="v"/>\n</a>`);
    expect(serializeXml(doc)).toBe(once);
    setAttribute(c, 'k', 'v');
    expect(serializeXml(doc)).toBe(`<a>\n  <b>\n    <c  k="v"/>\n  </b>\n  <d  k="v"/>\n</a>`);
  });
});

describe('printing long documents and repeated strings', () => {
  it('a document of many thousand pieces prints every piece once, in order', () => {
    // Well past the printer's chunk of pieces, with a parsed part after the new ones.
    const doc = parseXml('<a><kept x="1"/></a>');
    const a = rootElement(doc);
    const kept = a.children[0]!;
    a.children = [...Array.from({ length: 3000 }, (_, i) => element('n', { i: String(i) })), kept];
    const expected = `<a>${Array.from({ length: 3000 }, (_, i) => `<n i='${i}'/>`).join('')}<kept x="1"/></a>`;
    expect(serializeXml(doc)).toBe(expected);
    expect(serializeNode(a)).toBe(expected);
  });

  it('a short value printed again is escaped again, under its own attribute name', () => {
    const once = serializeNode(element('x', { a: 'p&q', b: 'p&q' }));
    expect(once).toBe(`<x a='p&amp;q' b='p&amp;q'/>`);
    expect(serializeNode(element('x', { b: 'p&q', a: 'p&q' }))).toBe(`<x b='p&amp;q' a='p&amp;q'/>`);
    expect(serializeNode(element('y', { a: `it's` }))).toBe(`<y a='it&apos;s'/>`);
    expect(serializeNode(element('y', { a: `a long value & more` }))).toBe(`<y a='a long value &amp; more'/>`);
  });

  it('prints right past the number of strings it keeps (thousands of distinct values and names)', () => {
    const many = element('m', {}, Array.from({ length: 6000 }, (_, i) => element(`e${i % 700}`, { [`k${i % 900}`]: `v${i}` })));
    const printed = serializeNode(many);
    expect(printed).toBe(`<m>${Array.from({ length: 6000 }, (_, i) => `<e${i % 700} k${i % 900}='v${i}'/>`).join('')}</m>`);
    // And again, now that the memo is full.
    expect(serializeNode(many)).toBe(printed);
    expect(serializeNode(element('e1', { k1: '<&>' }, [text('t')]))).toBe(`<e1 k1='&lt;&amp;&gt;'>t</e1>`);
  });
});

describe('what the parser remembers: one table per document', () => {
  it('a document denser than the room made for it at first comes back byte for byte, and edits keep the rest', () => {
    // Four characters a node: well past a node every 16 characters.
    const source = `<r>${'<b/>'.repeat(3000)}<c  k="v"  /></r>`;
    const doc = parseXml(source);
    expect(serializeXml(doc)).toBe(source);
    const c = rootElement(doc).children.at(-1) as XmlElement;
    setAttribute(c, 'k', 'w');
    expect(serializeXml(doc)).toBe(`<r>${'<b/>'.repeat(3000)}<c  k="w"  /></r>`);
  });

  it('so does a start tag with more attributes than that room, each keeping its quotes when another is edited', () => {
    // Nine characters an attribute, in a document of nothing else.
    const attrs = Array.from({ length: 400 }, (_, i) => ` a${i}="${i % 10}"`).join('');
    const doc = parseXml(`<r${attrs}/>`);
    expect(serializeXml(doc)).toBe(`<r${attrs}/>`);
    setAttribute(rootElement(doc), 'a399', 'x');
    expect(serializeXml(doc)).toBe(`<r${attrs.replace(' a399="9"', ' a399="x"')}/>`);
  });

  it("an attribute added to an element is new, even when the next element's first attribute has its name and value", () => {
    const doc = parseXml(`<r><a x="1"/><b y="2"/></r>`);
    setAttribute(rootElement(doc).children[0] as XmlElement, 'y', '2');
    expect(serializeXml(doc)).toBe(`<r><a x="1" y='2'/><b y="2"/></r>`);
  });

  it('a verdict of one print is not trusted by the next: an edit between two prints shows', () => {
    const doc = parseXml(`<a>\n  <b  k="v"/>\n</a>`);
    expect(serializeXml(doc)).toBe(`<a>\n  <b  k="v"/>\n</a>`);
    setAttribute(firstChild(rootElement(doc), 'b')!, 'k', 'w');
    expect(serializeXml(doc)).toBe(`<a>\n  <b  k="w"/>\n</a>`);
  });

  it('a repeated attribute is refused past the room made at first too', () => {
    const attrs = Array.from({ length: 400 }, (_, i) => ` a${i}='1'`).join('');
    expect(() => parseXml(`<r${attrs} a0='2'/>`)).toThrow(/attribute 'a0' appears twice/);
    expect(() => parseXml(`<r${attrs}><s a0='1' a0='2'/></r>`)).toThrow(/attribute 'a0' appears twice in <s>/);
    expect(serializeXml(parseXml(`<r${attrs}><s a0='1' b='2'/></r>`))).toBe(`<r${attrs}><s a0='1' b='2'/></r>`);
  });

  it('a tree with nodes of two documents prints each part right, again after an edit', () => {
    const from = parseXml(`<x>\n  <m  a="1"><n  b="2"/></m>\n</x>`);
    const to = parseXml(`<y>\n  <z  c="3"/>\n</y>`);
    const m = firstChild(rootElement(from), 'm')!;
    rootElement(to).children.splice(2, 0, text('\n  '), m); // the same node in both trees
    const z = firstChild(rootElement(to), 'z')!;
    expect(serializeXml(to)).toBe(`<y>\n  <z  c="3"/>\n  <m  a="1"><n  b="2"/></m>\n</y>`);
    setAttribute(m.children[0] as XmlElement, 'b', '5');
    setAttribute(z, 'c', '4');
    expect(serializeXml(to)).toBe(`<y>\n  <z  c="4"/>\n  <m  a="1"><n  b="5"/></m>\n</y>`);
    expect(serializeXml(from)).toBe(`<x>\n  <m  a="1"><n  b="5"/></m>\n</x>`);
  });

  it('after half a billion prints of a document, its numbering starts again and forgets every verdict', () => {
    const doc = parseXml(`<a>\n  <b  k="v"/>\n</a>`);
    expect(serializeXml(doc)).toBe(`<a>\n  <b  k="v"/>\n</a>`); // print 1: every node judged pristine
    const origins = (rootElement(doc) as unknown as Record<symbol, { prints: number }>)[ORIGIN]!;
    origins.prints = 2 ** 29; // as if that many prints had happened since
    const b = firstChild(rootElement(doc), 'b')!;
    setAttribute(b, 'k', 'w');
    expect(serializeXml(doc)).toBe(`<a>\n  <b  k="w"/>\n</a>`); // print 1 again: nothing from the first may be trusted
    expect(origins.prints).toBe(1);
  });
});

describe('isUnchanged: the verdict that lets printing copy a subtree from its source', () => {
  const doc = (): ReturnType<typeof parseXml> => parseXml('<?xml version="1.0"?>\n<!DOCTYPE domain>\n<domain a="1" b=\'2\'>\n  <!-- c -->\n  <e/>\n  <f x="y">t &amp; u<![CDATA[<z>]]><?pi data?></f>\n</domain>\n');
  const all = (root: XmlElement): XmlNode[] => [root, ...root.children.flatMap((c) => (c.type === 'element' ? all(c) : [c]))];

  it('holds for every node as parsed: elements with and without children, text, comment, CDATA, PI, doctype, declaration', () => {
    const d = doc();
    for (const node of [...d.children, ...all(rootElement(d))]) expect(isUnchanged(node), JSON.stringify(node)).toBe(true);
  });

  it('fails for an edited node and every element above it, not for its siblings', () => {
    const d = doc();
    const root = rootElement(d);
    const f = firstChild(root, 'f')!;
    setAttribute(f, 'x', 'z');
    expect([isUnchanged(f), isUnchanged(root), isUnchanged(firstChild(root, 'e')!)]).toEqual([false, false, true]);
    const e = parseXml('<a><b>t</b><c/></a>');
    (rootElement(e).children[0] as XmlElement).children[0] = text('t');
    expect([isUnchanged(rootElement(e)), isUnchanged(rootElement(e).children[1]!)]).toEqual([false, true]);
    expect(isUnchanged(element('made'))).toBe(false);
  });
});
