// Editing a parsed document: each helper's exact output, in the document's own layout, and the
// serializer reprinting exactly what was edited and nothing else.
import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml } from '../../src/index.js';
import {
  childIndent, firstChild, getAttribute, indentUnit, insertElement, lineBreak, removeAttribute, ReplacementBatch, removeElement, replaceElement, replaceElements,
  setAttribute, textContent,
} from '../../src/xml/edit.js';
import { cloneNode, element, leanElement, rootElement, text, type XmlDocument, type XmlElement, type XmlText } from '../../src/xml/tree.js';

const edit = (xml: string, change: (doc: XmlDocument, root: XmlElement) => void): string => {
  const doc = parseXml(xml);
  change(doc, rootElement(doc));
  return serializeXml(doc);
};
const child = (root: XmlElement, name: string): XmlElement => firstChild(root, name)!;

describe('element', () => {
  it('keeps the attributes in the order given and leaves out undefined ones', () => {
    expect(element('a', { z: '1', b: undefined, c: '' }).attributes).toEqual([{ name: 'z', value: '1' }, { name: 'c', value: '' }]);
    expect(element('a')).toEqual({ type: 'element', name: 'a', attributes: [], children: [] });
  });

  it('gives every element its own attributes and children, free to edit', () => {
    const [a, b] = [element('address', { slot: '0x05' }), element('address', { slot: '0x05' })];
    expect(a.attributes[0]).not.toBe(b.attributes[0]);
    expect(a.children).not.toBe(b.children);
    a.attributes[0]!.value = '0x06';
    a.children.push(text('x'));
    expect([b.attributes[0]!.value, b.children]).toEqual(['0x05', []]);
  });

  it('leanElement shares short attributes and empty children, frozen, and the edit helpers replace them', () => {
    const [a, b] = [leanElement('address', { slot: '0x05', alias: 'a value longer than eight' }), leanElement('address', { slot: '0x05', alias: 'a value longer than eight' })];
    expect(a.attributes[0]).toBe(b.attributes[0]);
    expect(Object.isFrozen(a.attributes[0])).toBe(true);
    expect(a.attributes[1]).not.toBe(b.attributes[1]); // long values are not kept
    expect(a.children).toBe(b.children);
    expect(() => a.children.push(text('x'))).toThrow(TypeError);
    setAttribute(a, 'slot', '0x06');
    expect(getAttribute(a, 'slot')).toBe('0x06');
    expect(getAttribute(b, 'slot')).toBe('0x05');
    const doc = parseXml('<r>\n  <b/>\n</r>');
    insertElement(doc, rootElement(doc), a);
    insertElement(doc, a, leanElement('n'));
    expect(serializeXml(doc)).toBe("<r>\n  <b/>\n  <address slot='0x06' alias='a value longer than eight'>\n    <n/>\n  </address>\n</r>");
    expect(b.children).toEqual([]);
  });
});

describe('attributes', () => {
  it('removeAttribute of an absent name changes nothing; of a present one, only it', () => {
    expect(edit("<a x='1' y='2'/>", (_, r) => removeAttribute(r, 'z'))).toBe("<a x='1' y='2'/>");
    expect(edit("<a x='1' y='2'/>", (_, r) => removeAttribute(r, 'x'))).toBe("<a y='2'/>");
  });

  it('setAttribute replaces in place, in the quotes it had, and appends a new one', () => {
    expect(edit(`<a x="1" y='2'/>`, (_, r) => setAttribute(r, 'x', '3'))).toBe(`<a x="3" y='2'/>`);
    expect(edit(`<a x="1" y='2'/>`, (_, r) => setAttribute(r, 'y', 'a long value & more'))).toBe(`<a x="1" y='a long value &amp; more'/>`);
    expect(edit(`<a x="1"/>`, (_, r) => setAttribute(r, 'z', 'a long value & more'))).toBe(`<a x="1" z='a long value &amp; more'/>`);
    expect(edit(`<a x="1"/>`, (_, r) => setAttribute(r, 'z', "it's"))).toBe(`<a x="1" z='it&apos;s'/>`);
  });
});

describe('reading', () => {
  it('textContent joins text and CDATA, not comments or PIs', () => {
    const r = rootElement(parseXml('<a>x<!--c-->y<![CDATA[<z>]]><?p q?><b>no</b></a>'));
    expect(textContent(r)).toBe('xy<z>');
  });

  it('firstChild finds elements only, by name', () => {
    const r = rootElement(parseXml('<a><!--b--><?b x?>b<c/><b n="1"/><b n="2"/></a>'));
    expect(getAttribute(firstChild(r, 'b')!, 'n')).toBe('1');
    expect(firstChild(r, 'x')).toBeUndefined();
  });
});

describe('layout', () => {
  it('indentUnit is the first indented element child\'s, else two spaces', () => {
    expect(indentUnit(parseXml('<a>\n\t<b/>\n</a>'))).toBe('\t');
    expect(indentUnit(parseXml('<a>text\n    <b/>\n</a>'))).toBe('  '); // text before it: not an indentation
    expect(indentUnit(parseXml('<a>\n<!-- c -->\n   <b/></a>'))).toBe('   ');
    expect(indentUnit(parseXml('<a><b/></a>'))).toBe('  ');
    expect(indentUnit(parseXml('<a/>'))).toBe('  ');
    expect(indentUnit({ type: 'document', bom: false, children: [] })).toBe('  '); // made by code, no root yet
  });

  it('lineBreak is CRLF only when the first line ends so', () => {
    expect(lineBreak(parseXml('<a>\r\n  <b/>\n</a>'))).toBe('\r\n');
    expect(lineBreak(parseXml('<a>\n  <b/>\r\n</a>'))).toBe('\n');
    expect(lineBreak(parseXml('<a/>'))).toBe('\n');
    expect(lineBreak(parseXml('\n<a>\r\n</a>'))).toBe('\n'); // the first line break starts the document
    expect(lineBreak({ type: 'document', bom: false, children: [element('a')] })).toBe('\n');
    expect(lineBreak({ type: 'document', bom: false, children: [element('a')] })).toBe('\n');
  });

  it('childIndent is an existing child\'s, else the parent\'s plus one unit', () => {
    const doc = parseXml('<a>\n   <b>\n      <c/>\n   </b>\n   <d/>\n</a>');
    const r = rootElement(doc);
    expect(childIndent(doc, r)).toBe('   ');
    expect(childIndent(doc, child(r, 'd'))).toBe('      ');
    expect(childIndent(doc, child(r, 'b'))).toBe('      ');
  });
});

describe('insertElement', () => {
  const doc = '<a>\n  <b/>\n  <c/>\n</a>';
  it.each([
    ['end', 'end' as const, '<a>\n  <b/>\n  <c/>\n  <n/>\n</a>'],
    ['start', 'start' as const, '<a>\n  <n/>\n  <b/>\n  <c/>\n</a>'],
  ])('at %s', (_what, position, out) => {
    expect(edit(doc, (d, r) => insertElement(d, r, element('n'), position))).toBe(out);
  });

  it('before and after a sibling', () => {
    expect(edit(doc, (d, r) => insertElement(d, r, element('n'), { after: child(r, 'b') }))).toBe('<a>\n  <b/>\n  <n/>\n  <c/>\n</a>');
    expect(edit(doc, (d, r) => insertElement(d, r, element('n'), { before: child(r, 'c') }))).toBe('<a>\n  <b/>\n  <n/>\n  <c/>\n</a>');
  });

  it('into an empty element, or one holding only white space, at the right depth', () => {
    expect(edit('<a>\n  <b/>\n</a>', (d, r) => insertElement(d, child(r, 'b'), element('n')))).toBe('<a>\n  <b>\n    <n/>\n  </b>\n</a>');
    expect(edit('<a>\n  <b>  </b>\n</a>', (d, r) => insertElement(d, child(r, 'b'), element('n')))).toBe('<a>\n  <b>\n    <n/>\n  </b>\n</a>');
    expect(edit('<a/>', (d, r) => insertElement(d, r, element('n')))).toBe('<a>\n  <n/>\n</a>');
  });

  it('at the end of an element whose last child is not white space', () => {
    expect(edit('<a>\n  <b/></a>', (d, r) => insertElement(d, r, element('n')))).toBe('<a>\n  <b/>\n  <n/></a>');
  });

  it('gives each line of the subtree it lays out its own white space node', () => {
    const doc = parseXml('<a>\n  <b/>\n</a>');
    const made = element('n', {}, [element('p'), element('q')]);
    insertElement(doc, rootElement(doc), made);
    expect(made.children[0]).not.toBe(made.children[2]);
    expect(made.children[0]).toEqual(made.children[2]);
  });

  it('lays out a subtree made by code, with the document\'s unit and line break', () => {
    const made = element('n', { k: 'v' }, [element('m', {}, [element('l')]), element('o', {}, [text('t')])]);
    expect(edit('<a>\r\n\t<b/>\r\n</a>', (d, r) => insertElement(d, r, made))).toBe("<a>\r\n\t<b/>\r\n\t<n k='v'>\r\n\t\t<m>\r\n\t\t\t<l/>\r\n\t\t</m>\r\n\t\t<o>t</o>\r\n\t</n>\r\n</a>");
  });

  it('refuses a reference node that is not a child, as a programmer error', () => {
    const d = parseXml(doc);
    const stranger = element('x');
    expect(() => insertElement(d, rootElement(d), element('n'), { after: stranger })).toThrow(TypeError);
    expect(() => insertElement(d, rootElement(d), element('n'), { before: stranger })).toThrow(TypeError);
    expect(() => removeElement(rootElement(d), stranger)).toThrow(TypeError);
    expect(() => insertElement(d, stranger, element('n'))).toThrow(TypeError); // not in the document
  });
});

describe('indentation of new children follows the document, not a rule', () => {
  it('a child goes where its siblings are, however deep that is', () => {
    expect(edit('<a>\n  <b>\n      <c/>\n  </b>\n</a>', (d, r) => insertElement(d, child(r, 'b'), element('n')))).toBe('<a>\n  <b>\n      <c/>\n      <n/>\n  </b>\n</a>');
  });

  it('a first child goes one unit deeper than its parent, wherever the parent sits', () => {
    expect(edit('<a>\n  <x>\n      <b/>\n  </x>\n</a>', (d, r) => insertElement(d, child(child(r, 'x'), 'b'), element('n')))).toBe('<a>\n  <x>\n      <b>\n        <n/>\n      </b>\n  </x>\n</a>');
  });
});

describe('removeElement and replaceElement', () => {
  it('remove the element and the line it stood on; on a shared line, only the element', () => {
    expect(edit('<a>\n  <b/>\n  <c/>\n</a>', (_, r) => removeElement(r, child(r, 'b')))).toBe('<a>\n  <c/>\n</a>');
    expect(edit('<a>\n  <b/><c/>\n</a>', (_, r) => removeElement(r, child(r, 'c')))).toBe('<a>\n  <b/>\n</a>');
    expect(edit('<a><b/>  <c/></a>', (_, r) => removeElement(r, child(r, 'c')))).toBe('<a><b/>  </a>');
  });

  it('replace one element by several, each on its own line', () => {
    expect(edit('<a>\n  <b/>\n  <c/>\n</a>', (d, r) => replaceElement(d, r, child(r, 'b'), [element('x'), element('y')]))).toBe('<a>\n  <x/>\n  <y/>\n  <c/>\n</a>');
  });

  it('replace many: each old element\'s own line goes with it, a shared line keeps its neighbours\' spacing', () => {
    const many = (xml: string): string => edit(xml, (d, r) => replaceElements(d, r, new Map([[child(r, 'b'), [element('x'), element('y')]], [child(r, 'c'), [element('z')]]])));
    expect(many('<a>\n  <b/>\n  <c/>\n  <d/>\n</a>')).toBe('<a>\n  <x/>\n  <y/>\n  <z/>\n  <d/>\n</a>');
    expect(many('<a><b/>  <c/><d/></a>')).toBe('<a>\n  <x/>\n  <y/>  \n  <z/><d/></a>');
  });

  it('give each new line its own white space node; the library\'s own variant shares one per depth', () => {
    const laidOut = (replace: typeof replaceElements): [XmlDocument, XmlElement, XmlElement] => {
      const doc = parseXml('<a>\n  <b/>\n</a>');
      const r = rootElement(doc);
      const [x, y] = [element('x', {}, [element('p'), element('q', {}, [element('s')])]), element('y', {}, [element('p')])];
      replace(doc, r, new Map([[child(r, 'b'), [x, y]]]));
      return [doc, x, y];
    };
    const printed = '<a>\n  <x>\n    <p/>\n    <q>\n      <s/>\n    </q>\n  </x>\n  <y>\n    <p/>\n  </y>\n</a>';
    const [own, x1, y1] = laidOut(replaceElements);
    expect(x1.children[0]).not.toBe(y1.children[0]);
    expect(x1.children[0]).toEqual(y1.children[0]);
    (x1.children[0] as XmlText).value = '\n\t';
    expect(serializeXml(own)).toBe(printed.replace('\n    <p/>', '\n\t<p/>'));
    // The library's variant: laid out one by one (as expansion does, each pair as it is built), then placed.
    const [shared, x2, y2] = laidOut((doc, parent, replacements) => {
      const batch = new ReplacementBatch(doc, parent);
      for (const [old, news] of replacements) batch.replace(old, news);
      batch.apply();
    });
    expect(serializeXml(shared)).toBe(printed);
    expect(x2.children[0]).toBe(y2.children[0]); // the line break before each child at depth 2
    expect(x2.children[0]).toBe(x2.children[2]);
    removeElement(x2, child(x2, 'p'));
    expect(serializeXml(shared)).toBe(printed.replace('\n    <p/>', ''));
  });

  it('leave the parent as it was when one of the elements is not its child', () => {
    const doc = parseXml('<a>\n  <b/>\n  <c/>\n</a>');
    const r = rootElement(doc);
    const before = [...r.children];
    expect(() => replaceElements(doc, r, new Map([[child(r, 'b'), [element('x')]], [element('stranger'), [element('y')]]]))).toThrow(TypeError);
    expect(r.children).toEqual(before);
    expect(serializeXml(doc)).toBe('<a>\n  <b/>\n  <c/>\n</a>');
  });
});

describe('serializeXml reprints what changed, byte for byte elsewhere', () => {
  it('a renamed element gets its new name in both tags', () => {
    expect(edit(`<a>\n  <b x="1">t</b>\n</a>`, (_, r) => { child(r, 'b').name = 'c'; })).toBe(`<a>\n  <c x="1">t</c>\n</a>`);
    expect(edit(`<a>\n  <b x="1"/>\n</a>`, (_, r) => { child(r, 'b').name = 'c'; })).toBe(`<a>\n  <c x="1"/>\n</a>`);
  });

  it('an attribute changed back to its value keeps its original spelling', () => {
    expect(edit(`<a x = "&#65;" y="2"/>`, (_, r) => { setAttribute(r, 'y', '3'); })).toBe(`<a x = "&#65;" y="3"/>`);
  });

  it('changed comments, CDATA, PIs and text are reprinted; unchanged ones are not', () => {
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE a>\n<a><!--c--><![CDATA[d]]><?p q?>&#65;</a>`;
    expect(edit(xml, () => undefined)).toBe(xml);
    const out = edit(xml, (doc, r) => {
      for (const n of r.children) {
        if (n.type === 'comment' || n.type === 'cdata' || n.type === 'text') n.value += '!';
        if (n.type === 'pi') { n.target = 'z'; n.data = ''; }
      }
      const dt = doc.children.find((n) => n.type === 'doctype');
      if (dt && dt.type === 'doctype') dt.raw = '<!DOCTYPE b>';
    });
    expect(out).toBe(`<?xml version="1.0"?>\n<!DOCTYPE b>\n<a><!--c!--><![CDATA[d!]]><?z?>A!</a>`);
    expect(edit(xml, (_, r) => { const pi = r.children[2]!; if (pi.type === 'pi') pi.data = 'r'; })).toContain('<?p r?>');
  });

  it('a node moved elsewhere is printed where it now is', () => {
    expect(edit('<a>\n  <b>\n    <c/>\n  </b>\n  <d/>\n</a>', (_, r) => {
      const b = child(r, 'b');
      const c = child(b, 'c');
      b.children = b.children.filter((n) => n !== c);
      child(r, 'd').children.push(c);
    })).toBe('<a>\n  <b>\n    \n  </b>\n  <d><c/></d>\n</a>');
  });

  it('cloneNode copies deeply: editing the copy leaves the original', () => {
    const doc = parseXml(`<a><b x="1"><c>t</c></b></a>`);
    const b = child(rootElement(doc), 'b');
    const copy = cloneNode(b);
    setAttribute(child(copy, 'c'), 'y', '2');
    (child(copy, 'c').children[0] as { value: string }).value = 'u';
    expect(serializeXml(doc)).toBe(`<a><b x="1"><c>t</c></b></a>`);
    const t = text('v');
    expect(cloneNode(t)).not.toBe(t);
    expect(cloneNode(t)).toEqual(t);
  });

  it('two serializations of one document give the same bytes, also after an edit between them', () => {
    const doc = parseXml(`<a>\n  <b y="1"/>\n</a>`);
    const first = serializeXml(doc);
    expect(serializeXml(doc)).toBe(first);
    setAttribute(child(rootElement(doc), 'b'), 'y', '2');
    expect(serializeXml(doc)).toBe(`<a>\n  <b y="2"/>\n</a>`);
    setAttribute(child(rootElement(doc), 'b'), 'y', '1');
    expect(serializeXml(doc)).toBe(first);
  });
});
