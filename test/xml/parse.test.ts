import { describe, expect, it } from 'vitest';
import { parseXml, type XmlElement } from '../../src/index.js';
import { rootElement } from '../../src/xml/tree.js';
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

  it('accepts nesting up to the limit', () => {
    const ok = '<a>'.repeat(256) + '</a>'.repeat(256);
    expect(() => parseXml(ok)).not.toThrow();
  });
});
