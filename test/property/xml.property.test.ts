import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { HybridError, parseXml, serializeXml } from '../../src/index.js';
import { rootElement, element, type XmlElement } from '../../src/xml/tree.js';
import { childElements, insertElement, removeElement, setAttribute } from '../../src/xml/edit.js';
import { fcOptions, TIMEOUT } from './runs.js';

const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9._-]{0,8}(:[a-zA-Z][a-zA-Z0-9]{0,4})?$/);
const ws = fc.constantFrom('', ' ', '  ', '\t', '\n', '\r\n', '\n  ', '\n\t\t');
const ref = fc.constantFrom('&amp;', '&lt;', '&gt;', '&apos;', '&quot;', '&#10;', '&#169;', '&#xA9;', '&#x1F600;', '&#9;');
const plain = fc.stringMatching(/^[^<&\]\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]{0,12}$/);
// (']]>' may not appear in text: a run that would spell it is dropped.)
const textRun = fc.array(fc.oneof(plain, ref, fc.constantFrom('\r\n', 'ü€😀', ']')), { maxLength: 4 }).map((p) => p.join('')).filter((t) => !t.includes(']]>'));
const attrValue = (q: string) => fc.array(fc.oneof(plain.map((s) => s.replaceAll(q, '')), ref), { maxLength: 3 }).map((p) => p.join(''));
const attribute = fc.tuple(name, fc.constantFrom("'", '"'), ws, ws).chain(([n, q, a, b]) => attrValue(q).map((v) => `${n}${a}=${b}${q}${v}${q}`));

/** A random well-formed element as text (unique attribute names, matching tags). */
const elementText: fc.Memo<string> = fc.memo((depth) => {
  const children = depth <= 1 ? fc.constant([] as string[]) : fc.array(fc.oneof(
    { arbitrary: elementText(depth - 1), weight: 3 },
    { arbitrary: textRun, weight: 2 },
    { arbitrary: fc.stringMatching(/^[a-z ]{0,8}$/).map((c) => `<!--${c}-->`), weight: 1 },
    { arbitrary: fc.stringMatching(/^[a-z <>&]{0,8}$/).map((c) => `<![CDATA[${c}]]>`), weight: 1 },
    { arbitrary: fc.stringMatching(/^[a-z ]{0,8}$/).map((c) => `<?pi ${c}?>`), weight: 1 },
  ), { maxLength: 5 });
  return fc.tuple(name, fc.uniqueArray(attribute, { maxLength: 4, selector: (a) => a.split('=')[0]!.trim() }), ws, children, fc.boolean())
    .map(([n, attrs, tail, kids, selfClose]) => {
      const start = `<${n}${attrs.map((a) => ' ' + a).join('')}${tail}`;
      return kids.length === 0 && selfClose ? `${start}/>` : `${start}>${kids.join('')}</${n}${tail.replace(/\r?\n.*/, '')}>`;
    });
});

const document = fc.tuple(
  fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", '\ufeff'),
  fc.constantFrom('', '<!-- lead -->\n', '\n'),
  elementText(4),
  fc.constantFrom('', '\n', '\r\n', '\n<!-- tail -->\n'),
).map(([decl, lead, body, tail]) => decl + lead + body + tail);

describe('XML properties', () => {
  it('random well-formed documents round-trip byte for byte', () => {
    fc.assert(fc.property(document, (xml) => {
      expect(serializeXml(parseXml(xml))).toBe(xml);
    }), fcOptions);
  }, TIMEOUT);

  it('random edits read back exactly as edited, and no edit means no change', () => {
    fc.assert(fc.property(document, fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'insert', 'remove'), fc.string({ maxLength: 6 })), { maxLength: 4 }), (xml, edits) => {
      const doc = parseXml(xml);
      for (const [pick, op, value] of edits) {
        const live: XmlElement[] = [];
        const walk = (el: XmlElement): void => { live.push(el); childElements(el).forEach(walk); };
        walk(rootElement(doc));
        const el = live[pick % live.length]!;
        const clean = value.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]/g, '');
        if (op === 'set') setAttribute(el, 'hh-edit', clean);
        if (op === 'insert') insertElement(doc, el, element('hh-new', { v: clean }, [element('hh-child')]));
        if (op === 'remove' && el !== live[0]) removeElement(live.find((p) => p.children.includes(el))!, el);
      }
      const out = serializeXml(doc);
      if (edits.length === 0) expect(out).toBe(xml);
      expect(shape(rootElement(parseXml(out)))).toEqual(shape(rootElement(doc)));
    }), fcOptions);
  }, TIMEOUT);

  it('random bytes and random cuts of documents are refused with HybridError, never anything else', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 60 }), document.chain((x) => fc.nat(x.length).map((n) => x.slice(0, n)))), (junk) => {
      let accepted = false;
      try {
        parseXml(junk);
        accepted = true;
      } catch (e) {
        expect(e).toBeInstanceOf(HybridError);
      }
      // The oracle: what our scanner accepts, fast-xml-parser's validator (more lenient) accepts too.
      if (accepted) expect(XMLValidator.validate(junk.replace(/^\uFEFF/, ''), { allowBooleanAttributes: false }), junk).toBe(true);
    }), fcOptions);
  }, TIMEOUT);

  it('fast-xml-parser\'s validator, the oracle, accepts every document the scanner accepts', () => {
    fc.assert(fc.property(document, (xml) => {
      parseXml(xml);
      expect(XMLValidator.validate(xml, { allowBooleanAttributes: false })).toBe(true);
    }), fcOptions);
  }, TIMEOUT);
});

/**
 * What a parser reports for an element: names, attributes, and content with adjacent text merged
 * and line ends normalised (layout white space made by code may hold the document's CRLF).
 */
function shape(el: XmlElement): unknown {
  const content: unknown[] = [];
  for (const c of el.children) {
    const value = c.type === 'text' ? c.value.replace(/\r\n?/g, '\n') : '';
    if (c.type === 'text' && typeof content.at(-1) === 'string') content[content.length - 1] += value;
    else if (c.type === 'text') content.push(value);
    else if (c.type === 'element') content.push(shape(c));
    else content.push(JSON.parse(JSON.stringify(c))); // the fields, not the parser's private origin
  }
  return { name: el.name, attributes: el.attributes.map((a) => [a.name, a.value]), content };
}
