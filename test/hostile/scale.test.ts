// Big but valid input gives a correct result, in bounded time. Kept apart from library.test.ts
// because it takes seconds: mutation testing leaves it out (vitest.stryker.config.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collapseDomain, expandDomain, parseXml, readHostSnapshot, serializeXml } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));

describe('big but valid input gives a correct result', () => {
  it('a 1 MB attribute round-trips', () => {
    const big = 'x'.repeat(1024 * 1024);
    const xml = `<domain type='kvm'><name>big</name><description note='${big}'/></domain>`;
    expect(serializeXml(parseXml(xml))).toBe(xml);
    expect(expandDomain(xml, intel).xml).toBe(xml);
  });

  it('a 20 MB domain with 50 000 devices expands (and its ten hybrid entries with it)', () => {
    const plain = Array.from({ length: 50_000 }, (_, i) => `    <interface type='bridge'>
      <mac address='52:54:${(i >> 16).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01'/>
      <source bridge='br0'/>
      <model type='virtio'/>
      <driver name='vhost' queues='8' rx_queue_size='1024' tx_queue_size='1024'/>
      <link state='up'/>
      <description>${'padding '.repeat(30)}</description>
    </interface>
`).join('');
    const hybrid = `    <interface type='hostdev-hybrid'>\n      <source network='sriov-pool'/>\n    </interface>\n`.repeat(10);
    const xml = `<domain type='kvm'>\n  <name>huge</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n${plain}${hybrid}  </devices>\n</domain>\n`;
    expect(xml.length).toBeGreaterThan(20_000_000);
    const r = expandDomain(xml, intel);
    expect(r.pairs).toHaveLength(10);
    expect(r.xml.includes(plain)).toBe(true); // the untouched devices, byte for byte
    expect(collapseDomain(r.xml).length).toBeGreaterThan(20_000_000);
  }, 120_000);
});
