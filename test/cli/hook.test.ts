// The hook command as libvirt runs it: arguments, the domain on stdin, the rewrite on stdout;
// libvirt's own running-domain files (<domstatus>) as domains/; and two arrivals at once with
// one VF left: one gets it, the other comes in degraded — never both the same VF.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers.js';

const BIN = join(ROOT, 'dist', 'cli.js');
const ARRIVING = readFileSync(join(FIXTURES, 'cases', 'hook-migrate-bond', 'input.xml'), 'utf8');

function hook(args: string[], input: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'hook', ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hookAsync(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'hook', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The x710 host (4 VFs) with `used` of them held by running domains, as libvirt's status files. */
function hostWith(used: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hh-hook-'));
  cpSync(join(FIXTURES, 'hosts', 'intel-x710'), dir, { recursive: true });
  mkdirSync(join(dir, 'domains'), { recursive: true });
  for (let i = 0; i < used; i++) {
    writeFileSync(join(dir, 'domains', `busy${i}.xml`), `<domstatus state='running' reason='booted' pid='${4000 + i}'>
  <monitor path='/var/lib/libvirt/qemu/domain-${i}-busy${i}/monitor.sock' type='unix'/>
  <domain type='kvm' id='${i + 1}'>
    <name>busy${i}</name>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <driver name='vfio'/>
        <source>
          <address domain='0x0000' bus='0x3b' slot='0x02' function='0x${i}'/>
        </source>
        <alias name='hostdev0'/>
      </hostdev>
    </devices>
  </domain>
</domstatus>
`);
    writeFileSync(join(dir, 'domains', `busy${i}.pid`), String(4000 + i));
  }
  return dir;
}

describe('hostdev-hybrid hook', () => {
  it('acts on migrate begin and restore begin only; other calls exit 0 with no output', () => {
    const host = hostWith(0);
    for (const args of [['web2', 'prepare', 'begin', '-'], ['web2', 'started', 'begin', '-'], ['web2', 'migrate', 'end', '-']]) {
      const r = hook(['--host', host, '--state', join(host, 'state'), ...args], ARRIVING);
      expect([r.code, r.stdout]).toEqual([0, '']);
    }
    const r = hook(['--host', host, '--state', join(host, 'state'), 'web2', 'restore', 'begin', '-'], ARRIVING);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("<source dev='ens2f0' mode='bridge'/>");
    expect(r.stderr).toContain('ua-hybrid0 takes 0000:3b:02.0');
  });

  it('a domain without hostdev-hybrid metadata passes unchanged (no output)', () => {
    const host = hostWith(0);
    const plain = readFileSync(join(FIXTURES, 'cases', 'hook-no-metadata', 'input.xml'), 'utf8');
    const r = hook(['--host', host, '--state', join(host, 'state'), 'plain', 'migrate', 'begin', '-'], plain);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
  });

  it('VFs held by running domains (libvirt status files) are taken; --strict refuses with one error line', () => {
    const host = hostWith(4);
    const soft = hook(['--host', host, '--state', join(host, 'state'), 'web2', 'migrate', 'begin', '-'], ARRIVING);
    expect(soft.code).toBe(0);
    expect(soft.stderr).toContain('warning[PAIR_DEGRADED]');
    const strict = hook(['--host', host, '--state', join(host, 'state'), '--strict', 'web2', 'migrate', 'begin', '-'], ARRIVING);
    expect([strict.code, strict.stdout]).toEqual([2, '']);
    expect(strict.stderr).toMatch(/^hostdev-hybrid: error\[POOL_EXHAUSTED\]: [^\n]+\n$/);
  });

  it('a missing snapshot fails cleanly: exit 2, one error line, nothing on stdout', () => {
    const r = hook(['--host', '/nonexistent', '--state', mkdtempSync(join(tmpdir(), 'hh-st-')), 'web2', 'migrate', 'begin', '-'], ARRIVING);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^hostdev-hybrid: error\[HOST_SNAPSHOT\]: [^\n]+\n$/);
  });

  it('two arrivals at once with one VF left never get the same VF', async () => {
    const host = hostWith(3);
    const state = join(host, 'state');
    const second = ARRIVING.replace('<name>web2</name>', '<name>web3</name>');
    const [a, b] = await Promise.all([
      hookAsync(['--host', host, '--state', state, 'web2', 'migrate', 'begin', '-'], ARRIVING),
      hookAsync(['--host', host, '--state', state, 'web3', 'migrate', 'begin', '-'], second),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const took = [a, b].filter((r) => r.stderr.includes('takes 0000:3b:02.3'));
    const degraded = [a, b].filter((r) => r.stderr.includes('warning[PAIR_DEGRADED]'));
    expect([took.length, degraded.length]).toEqual([1, 1]);
    const claims = JSON.parse(readFileSync(join(state, 'claims.json'), 'utf8')) as { vf: string }[];
    expect(claims.map((c) => c.vf)).toEqual(['0000:3b:02.3']);
  });
});
