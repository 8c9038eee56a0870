import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDomain, collapseDomain, expandDomain, type ExpandResult, type Style } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';
import { caseHost, type CaseSpec } from '../golden/operations.js';
import { requireLibvirt, run } from './env.js';

const CASES = join(FIXTURES, 'cases');
const work = mkdtempSync(join(tmpdir(), 'hh-libvirt-'));

/** Every golden case whose output is a domain libvirt must accept. */
const domainCases = readdirSync(CASES).sort().filter((name) => {
  const spec = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as CaseSpec;
  return spec.run === 'expand' && existsSync(join(CASES, name, 'expected.xml'));
});

const virsh = (...args: string[]) => run('virsh', ['-c', 'qemu:///system', ...args]);

describe('every golden expansion is accepted by real libvirt', () => {
  beforeAll(requireLibvirt);

  it('there are golden domains to check', () => expect(domainCases.length).toBeGreaterThan(5));

  for (const name of domainCases) {
    it(name, () => {
      const dir = join(CASES, name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
      // Our own name space of test domains, so a developer's real domains are never touched.
      const testName = `hh-test-${name}`;
      const xml = readFileSync(join(dir, 'expected.xml'), 'utf8').replace(/<name>[^<]*<\/name>/, `<name>${testName}</name>`);
      const file = join(work, `${name}.xml`);
      writeFileSync(file, xml);

      const valid = run('virt-xml-validate', [file, 'domain']);
      expect(valid.status, `RelaxNG: ${valid.stderr}${valid.stdout}`).toBe(0);

      virsh('undefine', testName);
      const defined = virsh('define', file);
      expect(defined.status, `virsh define: ${defined.stderr}`).toBe(0);
      let dumped: string;
      try {
        const dump = virsh('dumpxml', '--inactive', testName);
        expect(dump.status, dump.stderr).toBe(0);
        dumped = dump.stdout;
      } finally {
        virsh('undefine', testName);
      }

      // libvirt kept our metadata: collapse and check work on its dumpxml alone, and expanding
      // the collapsed domain again chooses exactly what the golden expansion chose.
      const host = caseHost(spec);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Omit<ExpandResult, 'xml'>;
      // (A domain with nothing hybrid may rightly have migration blockers.)
      if (expected.pairs.length + expected.ephemeral.length > 0) {
        expect(checkDomain(dumped, host).filter((d) => d.severity === 'error')).toEqual([]);
      }
      const again = expandDomain(collapseDomain(dumped), host, spec.style !== undefined ? { style: spec.style as Style } : {});
      const chosen = (r: Pick<ExpandResult, 'pairs'>) => r.pairs.map((p) => [p.name, p.mac, p.vf, p.backupDev, p.vfGuestAddress, p.backupGuestAddress]);
      expect(chosen(again)).toEqual(chosen(expected));
      // libvirt's dumpxml lists hostdevs after interfaces, so compare ephemeral devices by alias.
      const ephemeral = (r: Pick<ExpandResult, 'ephemeral'>) => r.ephemeral.map((e) => [e.alias, e.source, e.guestAddress]).sort();
      expect(ephemeral(again)).toEqual(ephemeral(expected));
    });
  }
});
