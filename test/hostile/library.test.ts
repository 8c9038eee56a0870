// Every public function on hostile input: a HybridError with a specific code, or (for big but
// valid input) a correct result. Never a TypeError, RangeError or hang.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  allocateVf, checkDomain, claimVf, collapseDomain, expandDomain, hostFromJson, hostFromXml, HybridError, parseXml,
  readHostSnapshot, serializeXml, vfTopology, type ErrorCode,
} from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

// Read in each test, not at load: see "Static mutants" in docs/TESTING.md.
let intel!: Host;
beforeEach(() => {
  intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
});

/** Each function that takes untrusted text, called on that text. */
const TEXT_FUNCTIONS: [string, (x: string) => unknown][] = [
  ['parseXml', (x) => parseXml(x)],
  ['expandDomain', (x) => expandDomain(x, intel)],
  ['collapseDomain', (x) => collapseDomain(x)],
  ['checkDomain', (x) => checkDomain(x, intel)],
  ['hostFromXml (nodedev)', (x) => hostFromXml({ nodedevs: [x] })],
  ['hostFromXml (network)', (x) => hostFromXml({ nodedevs: [], networks: [x] })],
  ['hostFromXml (domain)', (x) => hostFromXml({ nodedevs: [], domains: [x] })],
  ['hostFromJson', (x) => hostFromJson(x)],
];

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<domain>&lol2;</domain>`;

const HOSTILE: [what: string, input: string, xmlCode: ErrorCode | null][] = [
  ['empty input', '', 'XML_EMPTY'],
  ['white space', ' \n\t ', 'XML_EMPTY'],
  ['binary garbage', '\u0000\u0001\u00ff\u00fe\ufffd\u0007PK\u0003\u0004', 'XML_MALFORMED'],
  ['an unpaired surrogate (invalid UTF-16 from a bad decode)', '<domain>\ud800</domain>', 'XML_MALFORMED'],
  ['a UTF-8 byte-order mark then nothing', '\ufeff', 'XML_EMPTY'],
  ['truncated document', "<domain type='kvm'><name>x</name><devices><interface type='hostdev-hybrid'><source network='sriov-pool'/>", 'XML_MALFORMED'],
  ['truncated inside a tag', "<domain type='kvm", 'XML_MALFORMED'],
  ['billion laughs', billionLaughs, 'XML_DOCTYPE'],
  ['external entity', '<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain>&x;</domain>', 'XML_DOCTYPE'],
  ['external DTD', '<!DOCTYPE domain SYSTEM "/etc/passwd"><domain/>', 'XML_DOCTYPE'],
  ['undeclared entity', '<domain>&xxe;</domain>', 'XML_ENTITY'],
  ['100 000-deep nesting', '<domain>' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000) + '</domain>', 'XML_TOO_DEEP'],
  ['JSON where XML belongs', '{"version":1}', 'XML_MALFORMED'],
];

describe.each(TEXT_FUNCTIONS)('%s on hostile input', (_name, fn) => {
  it.each(HOSTILE)('%s', (_what, input, code) => {
    let thrown: unknown;
    try { fn(input); } catch (e) { thrown = e; }
    expect(thrown, String(thrown)).toBeInstanceOf(HybridError);
    // host.json is JSON, so its refusals have their own code.
    if (code !== null && _name !== 'hostFromJson') expect((thrown as HybridError).code).toBe(code);
  });
});

describe('wrong roots and wrong kinds', () => {
  it.each([
    ['a network given as a domain', () => expandDomain('<network><name>n</name></network>', intel)],
    ['a domain given as a nodedev', () => hostFromXml({ nodedevs: ['<domain><name>d</name></domain>'] })],
    ['a nodedev given as a network', () => hostFromXml({ nodedevs: [], networks: ['<device><name>d</name></device>'] })],
    ['a nodedev given as a domain', () => hostFromXml({ nodedevs: [], domains: ['<device><name>d</name></device>'] })],
    ['collapse of a network', () => collapseDomain('<network/>')],
  ])('%s', (_what, fn) => {
    expect(() => fn()).toThrow(expect.objectContaining({ code: 'XML_WRONG_ROOT' }));
  });
});

describe('lookups with hostile arguments', () => {
  it.each([
    ['an address that is not one', () => vfTopology(intel, '../../etc'), 'UNKNOWN_DEVICE'],
    ['an empty pool name', () => allocateVf(intel, ''), 'POOL_UNKNOWN'],
    ['__proto__ as a pool', () => allocateVf(intel, '__proto__'), 'POOL_UNKNOWN'],
    ['a VF of another domain', () => claimVf(intel, '0000:04:10.0', { domain: 'x' }), 'VF_TAKEN'],
    ['host.json that is an array', () => hostFromJson('[]'), 'HOST_JSON_INVALID'],
    ['host.json with a huge number', () => hostFromJson('{"version":1e999}'), 'HOST_JSON_INVALID'],
    ['a snapshot path that is a file', () => readHostSnapshot(join(FIXTURES, 'hosts', 'generate.mjs')), 'HOST_SNAPSHOT'],
  ])('%s', (_what, fn, code) => {
    let thrown: unknown;
    try { fn(); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(HybridError);
    expect((thrown as HybridError).code).toBe(code);
  });
});

describe('past the size limit', () => {
  it('a document over 64 Mi characters is refused before it is scanned', () => {
    const huge = '<domain>' + ' '.repeat(64 * 1024 * 1024) + '</domain>';
    for (const fn of [parseXml, (x: string) => expandDomain(x, intel), collapseDomain, (x: string) => checkDomain(x)]) {
      expect(() => fn(huge)).toThrow(expect.objectContaining({ code: 'XML_TOO_LARGE' }));
    }
  });
});

describe('prototype keys', () => {
  it('a __proto__ key in host.json is refused by the schema and pollutes nothing', () => {
    const json = '{"__proto__":{"polluted":1},"version":1,"pfs":[],"vfs":[],"pools":[],"otherNetworks":[],"domains":[]}';
    let thrown: unknown;
    try { hostFromJson(json); } catch (e) { thrown = e; }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // JSON.parse makes __proto__ an own key, which additionalProperties: false refuses.
    expect((thrown as HybridError).code).toBe('HOST_JSON_INVALID');
  });
});
