import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDomain, expandDomain, readHostSnapshot, type DiagnosticCode } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const domain = (style: 'bond' | 'teaming'): string => expandDomain(`<domain type='kvm'>
  <name>c1</name>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <interface type='hostdev-hybrid'>
      <source network='sriov-pool'/>
    </interface>
    <hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>
      <source>
        <address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
  </devices>
</domain>
`, intel, { style }).xml;

const codes = (xml: string, host = intel): DiagnosticCode[] => checkDomain(xml, host).map((d) => d.code);

describe('checkDomain finds each problem it names', () => {
  it('a clean expansion, in both styles, has none', () => {
    expect(codes(domain('bond'))).toEqual([]);
    expect(codes(domain('teaming'))).toEqual([]);
  });

  it.each<[DiagnosticCode, 'bond' | 'teaming', (x: string) => string]>([
    ['TEAMING_MISSING', 'teaming', (x) => x.replace("      <teaming type='persistent'/>\n", '')],
    ['BACKUP_NOT_VIRTIO', 'teaming', (x) => x.replace("<model type='virtio'/>", "<model type='e1000e'/>")],
    ['PAIR_SAME_SLOT', 'bond', (x) => x.replace(/(<alias name='ua-hybrid0-backup'\/>\n\s*<address type='pci' domain='0x0000' bus=)'0x02' slot='0x00' function='0x0'/, "$1'0x01' slot='0x00' function='0x1'")],
    ['PAIR_DEVICE_MISSING', 'bond', (x) => x.replace("<alias name='ua-hybrid0-backup'/>", "<alias name='ua-renamed'/>")],
    ['PAIR_DEVICE_MISSING', 'bond', (x) => x.replace("<alias name='ua-ephemeral0'/>", "<alias name='ua-renamed'/>")],
    ['NO_GUEST_ADDRESS', 'bond', (x) => x.replace(/(<alias name='ua-ephemeral0'\/>\n)\s*<address[^>]*\/>\n/, '$1')],
    ['VF_NOT_ON_HOST', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x04' slot='0x10' function='0x0'")],
    ['VF_NOT_ON_HOST', 'bond', (x) => x.replace("bus='0x04' slot='0x10' function='0x2'", "bus='0x09' slot='0x10' function='0x0'")],
    ['DIALECT_LEFT', 'bond', (x) => x.replace("<hostdev mode='subsystem' type='pci' managed='yes'>", "<hostdev mode='subsystem' type='pci' managed='yes' ephemeral='yes'>")],
    ['MIGRATION_BLOCKER', 'bond', (x) => x.replace(/\s*<hh:ephemeral [^>]*\/>/, '')],
  ])('%s', (code, style, breakIt) => {
    const broken = breakIt(domain(style));
    expect(broken).not.toBe(domain(style)); // the edit must have applied
    expect(codes(broken)).toContain(code);
  });

  it('reports dialect still present in an unexpanded domain, pools included when a host is given', () => {
    const raw = `<domain><name>r</name><devices><interface type='network'><source network='sriov-pool'/></interface><interface type='hostdev-hybrid'><source network='sriov-pool'/><backup/></interface></devices></domain>`;
    expect(codes(raw)).toEqual(['DIALECT_LEFT', 'DIALECT_LEFT']);
    expect(checkDomain(raw).map((d) => d.code)).toEqual(['DIALECT_LEFT']);
  });
});

describe('programmer errors', () => {
  it('checkDomain and readHostSnapshot refuse what is not a string, naming themselves', async () => {
    const { checkDomain, readHostSnapshot } = await import('../../src/index.js');
    expect(() => checkDomain(42 as unknown as string)).toThrow(/^checkDomain expects/);
    expect(() => readHostSnapshot(42 as unknown as string)).toThrow(/^readHostSnapshot expects/);
  });
});
