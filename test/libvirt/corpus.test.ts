import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { HybridError, parseXml, serializeXml } from '../../src/index.js';
import { requireLibvirt, run } from './env.js';

// Real XML written by others: libvirt's own schemas and CPU maps, and every XML file the
// Debian packages on this machine ship. libxml2 (xmllint) is the oracle for well-formedness.
function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const name of names) {
      const path = join(dir, name);
      let st;
      try { st = statSync(path); } catch { continue; }
      if (st.isDirectory()) walk(path);
      else if (/\.(xml|rng)$/.test(name) && st.size < 4 * 1024 * 1024) out.push(path);
    }
  };
  walk('/usr/share');
  return out.sort();
}

function libxml2Accepts(path: string): boolean {
  return run('xmllint', ['--noout', '--nonet', path]).status === 0;
}

describe('real-world XML round-trips byte for byte', () => {
  beforeAll(requireLibvirt);

  it('libvirt documents printed by virsh itself', () => {
    const docs = [
      run('virsh', ['-c', 'test:///default', 'dumpxml', 'test']).stdout,
      run('virsh', ['-c', 'test:///default', 'dumpxml', '--inactive', 'test']).stdout,
      run('virsh', ['-c', 'test:///default', 'net-dumpxml', 'default']).stdout,
      run('virsh', ['-c', 'test:///default', 'capabilities']).stdout,
      run('virsh', ['-c', 'test:///default', 'pool-dumpxml', 'default-pool']).stdout,
      run('virsh', ['-c', 'qemu:///system', 'capabilities']).stdout,
      run('virsh', ['-c', 'qemu:///system', 'domcapabilities', '--machine', 'q35']).stdout,
      run('virsh', ['-c', 'qemu:///system', 'domcapabilities', '--machine', 'pc']).stdout,
    ];
    for (const xml of docs) {
      expect(xml.length).toBeGreaterThan(100);
      expect(serializeXml(parseXml(xml))).toBe(xml);
    }
  });

  it('every XML file under /usr/share that libxml2 accepts (DTDs refused, never expanded)', () => {
    const files = corpusFiles();
    let roundTripped = 0;
    const problems: string[] = [];
    for (const path of files) {
      const xml = readFileSync(path, 'utf8');
      try {
        const back = serializeXml(parseXml(xml, { file: path }));
        if (back !== xml) problems.push(`${path}: round trip differs`);
        else roundTripped++;
        // The oracle, off the library's path: a second parser accepts what ours accepted.
        const second = XMLValidator.validate(xml.replace(/^\uFEFF/, ''), { allowBooleanAttributes: false });
        if (second !== true) problems.push(`${path}: accepted, but fast-xml-parser's validator says ${second.err.msg}`);
      } catch (e) {
        if (!(e instanceof HybridError)) problems.push(`${path}: ${String(e)}`);
        // Deliberate refusals (docs/SECURITY.md): DTDs are never processed; libvirt writes only UTF-8.
        else if (e.code === 'XML_DOCTYPE' || e.code === 'XML_ENCODING') continue;
        else if (libxml2Accepts(path)) problems.push(`${path}: refused (${e.code}: ${e.message}) but libxml2 accepts it`);
      }
    }
    expect(problems).toEqual([]);
    console.log(`corpus: ${roundTripped} of ${files.length} files round-tripped byte for byte`);
    // The libvirt packages alone ship over a hundred files; an empty corpus is a broken test.
    expect(roundTripped).toBeGreaterThan(100);
  });
});
