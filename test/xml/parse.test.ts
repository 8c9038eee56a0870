import { describe, expect, it } from 'vitest';
import { parseXml, type XmlElement } from '../../src/index.js';
import { rootElement } from '../../src/xml/tree.js';
import { XML_LIMITS } from '../../src/xml/parse.js';
import { firstChild, getAttribute, textContent } from '../../src/xml/edit.js';
import { expectHybridError } from '../helpers.js';

describe('parseXml reads values as an XML parser must', () => {
  it('decodes references in text and attributes', () => {
    const root = rootElement(parseXml(`<a x='&lt;&#169;&#xA9;&quot;'>&amp;&gt;&#10;</a>`));
    expect(getAttribute(root, 'x')).toBe('<©©"');
    expect(textContent(root)).toBe('&>\n');
  });

  it('normalises white space in attribute values but keeps references to it', () => {
    const root = rootElement(parseXml(`<a x='1\t2\r\n3&#10;4'/>`));
    expect(getAttribute(root, 'x')).toBe('1 2 3\n4');
  });

  it('normalises CRLF in text to LF', () => {
    expect(textContent(rootElement(parseXml('<a>1\r\n2\r3</a>')))).toBe('1\n2\n3');
  });

  it('keeps comments, CDATA and processing instructions as nodes', () => {
    const root = rootElement(parseXml('<a><!--c--><![CDATA[<x>]]><?t d?></a>'));
    expect(JSON.parse(JSON.stringify(root.children))).toEqual([ // (the parser's private origin field aside)
      { type: 'comment', value: 'c' },
      { type: 'cdata', value: '<x>' },
      { type: 'pi', target: 't', data: 'd' },
    ]);
  });

  it('reads nested elements in order', () => {
    const root = rootElement(parseXml('<d><n>g</n><devices><i type="x"/></devices></d>'));
    expect(textContent(firstChild(root, 'n')!)).toBe('g');
    expect((firstChild(root, 'devices')!.children[0] as XmlElement).attributes).toEqual([{ name: 'type', value: 'x' }]);
  });
});

describe('parseXml refuses what is not well-formed XML, with line and column', () => {
  const cases: [string, string, Parameters<typeof expectHybridError>[1], number, number][] = [
    ['empty', '', 'XML_EMPTY', 1, 1],
    ['white space only', ' \n ', 'XML_EMPTY', 1, 1],
    ['mismatched end tag', '<a>\n  <b></a>', 'XML_MALFORMED', 2, 6],
    ['end tag shorter than its start tag', '<ab></a>', 'XML_MALFORMED', 1, 5],
    ['end tag longer than its start tag', '<a></ab>', 'XML_MALFORMED', 1, 4],
    ['end tag as long as its start tag, another name', '<ab></ac>', 'XML_MALFORMED', 1, 5],
    ['end tag without a name', '<a></ >', 'XML_MALFORMED', 1, 6],
    ['start tag without a name', '<a>< b/></a>', 'XML_MALFORMED', 1, 5],
    ['processing instruction without a target', '<a><? x?></a>', 'XML_MALFORMED', 1, 6],
    ['attribute without a name', "<a ='1'/>", 'XML_MALFORMED', 1, 4],
    ['attribute value not closed', "<a x='1/>", 'XML_MALFORMED', 1, 4],
    ['duplicate attribute, not next to the first', "<a x='1' y='2' x='3'/>", 'XML_MALFORMED', 1, 16],
    ['truncated', '<a>\n<b>', 'XML_MALFORMED', 2, 1],
    ['truncated start tag', "<a x='1'", 'XML_MALFORMED', 1, 1],
    ['two roots', '<a/><b/>', 'XML_MALFORMED', 1, 5],
    ['text before the root', 'x<a/>', 'XML_MALFORMED', 1, 1],
    ['text after the root', '<a/>\nx', 'XML_MALFORMED', 2, 1],
    ['duplicate attribute', "<a x='1' x='2'/>", 'XML_MALFORMED', 1, 10],
    ['unquoted attribute', '<a x=1/>', 'XML_MALFORMED', 1, 6],
    ['attribute without value', '<a x/>', 'XML_MALFORMED', 1, 4],
    ['< in an attribute', "<a x='<'/>", 'XML_MALFORMED', 1, 7],
    ['bare ampersand', '<a>a & b</a>', 'XML_MALFORMED', 1, 6],
    ['undeclared entity', '<a>&nbsp;</a>', 'XML_ENTITY', 1, 4],
    ['reference to NUL', '<a>&#0;</a>', 'XML_ENTITY', 1, 4],
    ['reference past Unicode', '<a x="&#x110000;"/>', 'XML_ENTITY', 1, 7],
    ['control character', '<a>\u0001</a>', 'XML_MALFORMED', 1, 4],
    ['declaration not first', ' <?xml version="1.0"?><a/>', 'XML_MALFORMED', 1, 2],
    ['double hyphen in comment', '<a><!-- a -- b --></a>', 'XML_MALFORMED', 1, 4],
    ['unclosed comment', '<a><!-- x</a>', 'XML_MALFORMED', 1, 4],
    ['no white space between attributes', `<a x='1'y='2'/>`, 'XML_MALFORMED', 1, 9],
    ['non-UTF-8 encoding declared', `<?xml version='1.0' encoding='ISO-8859-1'?><a/>`, 'XML_ENCODING', 1, 1],
    ['internal DTD subset', `<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>`, 'XML_DOCTYPE', 1, 1],
    ['external DTD', `<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>`, 'XML_DOCTYPE', 1, 1],
    ['public DTD', `<!DOCTYPE a PUBLIC "-//x//y" "y.dtd"><a/>`, 'XML_DOCTYPE', 1, 1],
    ['unclosed DOCTYPE', `<!DOCTYPE a`, 'XML_DOCTYPE', 1, 1],
    ['two DOCTYPEs', `<!DOCTYPE a>\n<!DOCTYPE a><a/>`, 'XML_MALFORMED', 2, 1],
    ['DOCTYPE after the root', `<a/><!DOCTYPE a>`, 'XML_MALFORMED', 1, 5],
    ['bare ampersand on line 2', '<a>\n  x &amp; y & z</a>', 'XML_MALFORMED', 2, 13],
    ['ampersand without semicolon', '<a>&amp</a>', 'XML_MALFORMED', 1, 4],
    ['empty reference', '<a>x&;</a>', 'XML_MALFORMED', 1, 5],
    ['reference with junk after the number', '<a>ab&#65abc;</a>', 'XML_ENTITY', 1, 6],
    ['reference with a space', '<a>&a b;</a>', 'XML_MALFORMED', 1, 4],
    ['entity after a good one', '<a>&amp;&nbsp;</a>', 'XML_ENTITY', 1, 9],
    [']]> in text', '<a>\n x ]]> y</a>', 'XML_MALFORMED', 2, 4],
    ['CDATA outside the root', '<![CDATA[x]]><a/>', 'XML_MALFORMED', 1, 1],
    ['unclosed CDATA', '<a><![CDATA[x</a>', 'XML_MALFORMED', 1, 4],
    ['comment ending in a hyphen', '<a><!-- x ---></a>', 'XML_MALFORMED', 1, 4],
    ['unclosed processing instruction', '<a><?pi x</a>', 'XML_MALFORMED', 1, 4],
    ['processing instruction target run into its data', '<a><?pi"x"?></a>', 'XML_MALFORMED', 1, 8],
    ['lone high surrogate', '<a>x\uD800y</a>', 'XML_MALFORMED', 1, 5],
    ['lone low surrogate', '<a>xy\uDC00</a>', 'XML_MALFORMED', 1, 6],
    ['end tag without a start tag', '<a></a></b>', 'XML_MALFORMED', 1, 8],
    ['end tag not closed', '<a></a x>', 'XML_MALFORMED', 1, 4],
    ['no root element', '<!-- only a comment -->', 'XML_MALFORMED', 1, 24],
    ['< in an attribute, past its start', "<a x='ab<'/>", 'XML_MALFORMED', 1, 9],
    ['encoding latin1 in double quotes', `<?xml version="1.0" encoding="latin1"?><a/>`, 'XML_ENCODING', 1, 1],
    ['encoding utf-16', `<?xml version="1.0" encoding="UTF-16"?><a/>`, 'XML_ENCODING', 1, 1],
    ['encoding utf-8 with junk after it', `<?xml version="1.0" encoding="utf-8x"?><a/>`, 'XML_ENCODING', 1, 1],
    ['encoding with junk before utf-8', `<?xml version="1.0" encoding="xutf-8"?><a/>`, 'XML_ENCODING', 1, 1],
  ];
  it.each(cases)('%s', (_name, xml, code, line, column) => {
    const err = expectHybridError(() => parseXml(xml, { file: 'in.xml' }), code);
    expect({ line: err.line, column: err.column, file: err.file }).toEqual({ line, column, file: 'in.xml' });
  });

  it('refuses billion laughs without expanding anything', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>`;
    expect(expectHybridError(() => parseXml(lol), 'XML_DOCTYPE').line).toBe(2);
  });

  it('limits nesting depth without exhausting the stack', () => {
    const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    expectHybridError(() => parseXml(deep), 'XML_TOO_DEEP');
  });

  it('accepts what XML allows at the edges of those rules', () => {
    for (const ok of [
      `<?xml version="1.0" encoding="UTF8"?><a/>`, `<?xml version='1.0' encoding = 'utf-8'?><a/>`, '\uFEFF<?xml version="1.0"?><a/>',
      '<!DOCTYPE a><a/>', '<a><?pi?></a>', '<a><?pi   data ?></a>', '<a>\uD83D\uDE00</a>', '<a><![CDATA[ & < ]]></a>', ' \n<a/>\n ',
      '<a>&#x41;&#65;&amp;&lt;&gt;&apos;&quot;</a>', '<a><!-- - --></a>',
    ]) expect(() => parseXml(ok), JSON.stringify(ok)).not.toThrow();
    const pi = parseXml('<a><?pi   data ?></a>').children[0] as XmlElement;
    expect(pi.children[0]).toMatchObject({ type: 'pi', target: 'pi', data: 'data ' });
    expect((parseXml('<a><?pi?></a>').children[0] as XmlElement).children[0]).toMatchObject({ type: 'pi', target: 'pi', data: '' });
  });

  it('a document at the size limit is read; one character more is refused', () => {
    const limit = XML_LIMITS.maxLength;
    const at = '<a>' + ' '.repeat(limit - 7) + '</a>';
    expect(at.length).toBe(limit);
    expect(() => parseXml(at)).not.toThrow();
    expectHybridError(() => parseXml(at + ' '), 'XML_TOO_LARGE');
  });

  it('refuses a non-string, as a programmer error', () => {
    expect(() => parseXml(42 as unknown as string)).toThrow(/^parseXml expects/);
  });

  it('accepts nesting up to the limit, and refuses one level more, where it starts', () => {
    const depth = XML_LIMITS.maxDepth;
    expect(() => parseXml('<a>'.repeat(depth) + '</a>'.repeat(depth))).not.toThrow();
    const e = expectHybridError(() => parseXml('<a>'.repeat(depth + 1) + '</a>'.repeat(depth + 1), { file: 'deep.xml' }), 'XML_TOO_DEEP');
    expect([e.file, e.line, e.column]).toEqual(['deep.xml', 1, 3 * depth + 1]);
  });

  it('names the file of a document over the size limit', () => {
    const big = '<a>' + ' '.repeat(XML_LIMITS.maxLength) + '</a>';
    expect(expectHybridError(() => parseXml(big, { file: 'big.xml' }), 'XML_TOO_LARGE').file).toBe('big.xml');
  });
});
