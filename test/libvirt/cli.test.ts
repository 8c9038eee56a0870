import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { requireLibvirt, run } from './env.js';

describe('the installed command, end to end', () => {
  beforeAll(requireLibvirt);

  it.each(['bond', 'teaming'])('hostdev-hybrid demo --style %s writes a domain the QEMU driver defines', (style) => {
    // -o: the XML into the file (standard output then has the planned move's steps).
    const file = join(mkdtempSync(join(tmpdir(), 'hh-demo-')), 'demo.xml');
    const demo = run('node', [join(ROOT, 'dist', 'cli.js'), 'demo', '--style', style, '-o', file]);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toContain(' migrate --live ');
    const xml = readFileSync(file, 'utf8');
    expect(xml.includes('<teaming'), 'teaming elements').toBe(style === 'teaming');
    writeFileSync(file, xml.replace(/<name>demo-[a-z]+<\/name>/, '<name>hh-test-demo</name>'));
    const virsh = (...a: string[]) => run('virsh', ['-c', 'qemu:///system', ...a]);
    virsh('undefine', 'hh-test-demo');
    const defined = virsh('define', file);
    virsh('undefine', 'hh-test-demo');
    expect(defined.status, defined.stderr).toBe(0);
  });
});
