import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { requireLibvirt, run } from './env.js';

describe('the installed command, end to end', () => {
  beforeAll(requireLibvirt);

  it('hostdev-hybrid demo writes a domain the QEMU driver defines', () => {
    const demo = run('node', [join(ROOT, 'dist', 'cli', 'main.js'), 'demo']);
    expect(demo.status, demo.stderr).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'hh-demo-')), 'demo.xml');
    writeFileSync(file, demo.stdout.replace('<name>demo-guest</name>', '<name>hh-test-demo</name>'));
    const virsh = (...a: string[]) => run('virsh', ['-c', 'qemu:///system', ...a]);
    virsh('undefine', 'hh-test-demo');
    const defined = virsh('define', file);
    virsh('undefine', 'hh-test-demo');
    expect(defined.status, defined.stderr).toBe(0);
  });
});
