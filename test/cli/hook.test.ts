// The hook command as libvirt runs it: arguments, the domain on stdin, the rewrite on stdout;
// libvirt's own running-domain files (<domstatus>) as domains/; and two arrivals at once with
// one VF left: one gets it, the other comes in degraded — never both the same VF.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('the hook under faults', () => {
  const plain = readFileSync(join(FIXTURES, 'cases', 'hook-no-metadata', 'input.xml'), 'utf8');

  it('a guest without hybrid metadata passes whatever state the snapshot and the state folder are in', () => {
    const broken = hostWith(0);
    writeFileSync(join(broken, 'nodedev', 'pci_0000_3b_02_0.xml'), '<device><name>torn');
    const cases = [['broken snapshot', broken, join(broken, 'state')], ['missing snapshot', '/nonexistent', join(broken, 'state')], ['state under /proc', broken, '/proc/hh-state']];
    for (const [what, host, state] of cases) {
      for (const event of [['restore', 'begin'], ['migrate', 'begin']]) {
        const r = hook(['--host', host!, '--state', state!, 'plain', ...event, '-'], plain);
        expect([what, r.code, r.stdout, r.stderr]).toEqual([what, 0, '', '']);
      }
    }
    // Nothing of the state folder was made for it.
    expect(existsSync(join(broken, 'state'))).toBe(false);
    // A hybrid guest on the broken snapshot is refused, with the file named.
    const r = hook(['--host', broken, '--state', join(broken, 'state'), 'web2', 'restore', 'begin', '-'], ARRIVING);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^hostdev-hybrid: error\[XML_MALFORMED\]: \S*pci_0000_3b_02_0\.xml[^\n]*\n$/);
  });

  it('a state folder that cannot be made: one error line within seconds, never a hang', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [BIN, 'hook', '--host', hostWith(0), '--state', '/proc/hh-state/deeper', 'web2', 'migrate', 'begin', '-'], { encoding: 'utf8', input: ARRIVING, timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^hostdev-hybrid: error\[FILE_UNWRITABLE\]: [^\n]*cannot create the state folder[^\n]*\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('standard input that is never closed: one error line within seconds, never a hang', async () => {
    const t = Date.now();
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'hook', '--host', hostWith(0), 'web2', 'migrate', 'begin', '-']);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.write(ARRIVING.slice(0, 200)); // and never closed
    });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^hostdev-hybrid: error\[FILE_UNREADABLE\]: cannot read the domain XML on standard input: it was not closed within 10 s\n$/);
    expect(Date.now() - t).toBeLessThan(14_000);
  }, 20_000);

  it('a lock left by a SIGKILLed hook is taken over at once; one whose pid is reused by another process too', () => {
    const host = hostWith(0);
    const state = join(host, 'state');
    mkdirSync(state);
    const victim = spawnSync('sh', ['-c', 'sleep 30 & echo $!; start=$(cut -d" " -f22 /proc/$!/stat); kill -9 $!; echo $start'], { encoding: 'utf8' });
    const [pid, start] = victim.stdout.trim().split('\n');
    writeFileSync(join(state, 'lock'), `${pid} ${start}\n`);
    let t = Date.now();
    const r = hook(['--host', host, '--state', state, 'web2', 'migrate', 'begin', '-'], ARRIVING);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(existsSync(join(state, 'lock'))).toBe(false);
    // This test's own pid runs, but it never took the lock: another start time.
    writeFileSync(join(state, 'lock'), `${process.pid} 1\n`);
    t = Date.now();
    expect(hook(['--host', host, '--state', state, 'web3', 'migrate', 'begin', '-'], ARRIVING.replace('<name>web2</name>', '<name>web3</name>')).code).toBe(0);
    expect(Date.now() - t).toBeLessThan(3_000);
  });

  it('a lock a running hook holds is waited for, then refused within seconds with one line', () => {
    const host = hostWith(0);
    const state = join(host, 'state');
    mkdirSync(state);
    const start = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(join(state, 'lock'), `${process.pid} ${start}\n`);
    const t = Date.now();
    const r = hook(['--host', host, '--state', state, 'web2', 'migrate', 'begin', '-'], ARRIVING);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^hostdev-hybrid: error\[FILE_UNWRITABLE\]: [^\n]*lock is held for over 5 s by a hook that still runs[^\n]*\n$/);
    expect(Date.now() - t).toBeLessThan(9_000);
  }, 15_000);

  it('every rewrite is recorded in the state folder: what came in, which VFs, degraded or not', () => {
    const host = hostWith(4);
    const state = join(host, 'state');
    expect(hook(['--host', host, '--state', state, 'web2', 'restore', 'begin', '-'], ARRIVING).code).toBe(0);
    const lines = readFileSync(join(state, 'arrivals.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([{ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), event: 'restore begin', domain: 'web2', vfs: [], degraded: ['ua-hybrid0'], warnings: ['PAIR_DEGRADED'] }]);
    const free = hostWith(0);
    hook(['--host', free, '--state', join(free, 'state'), 'web2', 'migrate', 'begin', '-'], ARRIVING);
    const ok = JSON.parse(readFileSync(join(free, 'state', 'arrivals.log'), 'utf8')) as Record<string, unknown>;
    expect([ok.event, ok.vfs, ok.degraded]).toEqual(['migrate begin', [{ alias: 'ua-hybrid0', vf: '0000:3b:02.0', pf: 'ens2f0' }], []]);
  });
});

describe('the shipped wrapper and refresh script', () => {
  const WRAPPER = join(ROOT, 'examples', 'libvirt-hook', 'hostdev-hybrid');
  const REFRESH = join(ROOT, 'examples', 'libvirt-hook', 'hostdev-hybrid-refresh');

  it('the wrapper starts hostdev-hybrid only for migrate begin and restore begin, and never reads other events\' input', () => {
    const bin = mkdtempSync(join(tmpdir(), 'hh-bin-'));
    const log = join(bin, 'calls');
    writeFileSync(join(bin, 'hostdev-hybrid'), `#!/bin/sh\necho "$*" >> ${log}\n`);
    spawnSync('chmod', ['755', join(bin, 'hostdev-hybrid')]);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    for (const [op, sub] of [['prepare', 'begin'], ['start', 'begin'], ['started', 'begin'], ['stopped', 'end'], ['release', 'end'], ['migrate', 'end'], ['restore', 'end'], ['reconnect', 'begin'], ['attach', 'begin']]) {
      // No standard input at all: the wrapper must not wait for it.
      const r = spawnSync('sh', [WRAPPER, 'g1', op!, sub!, '-'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 5_000 });
      expect([op, sub, r.status, r.stdout]).toEqual([op, sub, 0, '']);
    }
    expect(existsSync(log)).toBe(false);
    for (const op of ['migrate', 'restore']) expect(spawnSync('sh', [WRAPPER, 'g1', op, 'begin', '-'], { encoding: 'utf8', env, input: '' }).status).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('hook --host /var/lib/hostdev-hybrid/host --state /run/hostdev-hybrid g1 migrate begin -\nhook --host /var/lib/hostdev-hybrid/host --state /run/hostdev-hybrid g1 restore begin -\n');
  });

  it('a refresh captures the VFIO evidence, and removes what it can no longer capture rather than keep it stale', () => {
    const snap = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    const bin = mkdtempSync(join(tmpdir(), 'hh-bin-'));
    const devlinkOut = join(bin, 'devlink.out');
    writeFileSync(join(bin, 'virsh'), '#!/bin/sh\ncase "$3" in\n  version) printf \'Running against daemon: 11.3.0\\nRunning hypervisor: QEMU 10.0.0\\n\' ;;\nesac\n');
    writeFileSync(join(bin, 'devlink'), `#!/bin/sh\n[ -e ${devlinkOut} ] || exit 1\ncase "$2 $3" in\n  'port show') cat ${devlinkOut} ;;\n  'dev info') echo '{"info":{}}' ;;\nesac\n`);
    spawnSync('chmod', ['755', join(bin, 'virsh'), join(bin, 'devlink')]);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const port = '{"port":{"pci/0000:83:00.0/1":{"flavour":"pcivf","pfnum":0,"vfnum":0,"function":{"migratable":"enable"}}}}\n';
    writeFileSync(devlinkOut, port);
    expect(spawnSync('sh', [REFRESH, snap], { env, encoding: 'utf8' }).status).toBe(0);
    expect(readFileSync(join(snap, 'version.txt'), 'utf8')).toContain('Running against daemon: 11.3.0');
    expect(readFileSync(join(snap, 'devlink.json'), 'utf8')).toBe(port);
    expect(readFileSync(join(snap, 'devlink-info.json'), 'utf8')).toBe('{"info":{}}\n');
    rmSync(devlinkOut);
    expect(spawnSync('sh', [REFRESH, snap], { env, encoding: 'utf8' }).status).toBe(0);
    expect(existsSync(join(snap, 'devlink.json'))).toBe(false);
    expect(existsSync(join(snap, 'devlink-info.json'))).toBe(false);
    expect(existsSync(join(snap, 'version.txt'))).toBe(true);
    expect(readdirSync(snap).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refreshes swap the snapshot atomically: arrivals during a loop of refreshes always see a whole snapshot', async () => {
    const host = hostWith(0);
    const source = join(host, 'nodedev');
    const snap = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    cpSync(join(host, 'network'), join(snap, 'network'), { recursive: true });
    mkdirSync(join(snap, 'domains'));
    // A stand-in virsh that prints the fixture's node devices, slowly enough to interleave.
    const bin = mkdtempSync(join(tmpdir(), 'hh-bin-'));
    writeFileSync(join(bin, 'virsh'), `#!/bin/sh\ncase "$3" in\n  nodedev-list) [ "$5" = pci ] && ls ${source} | grep '^pci_' | sed 's/\\.xml$//'; [ "$5" = net ] && ls ${source} | grep '^net_' | sed 's/\\.xml$//'; exit 0 ;;\n  nodedev-dumpxml) cat ${source}/$4.xml ;;\nesac\n`);
    spawnSync('chmod', ['755', join(bin, 'virsh')]);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    expect(spawnSync('sh', [REFRESH, snap], { env, encoding: 'utf8' }).status).toBe(0);
    // Refreshes run back to back until the arrivals are done: every arrival meets a swap in flight.
    const stop = join(snap, 'stop');
    const loop = spawn('sh', ['-c', `n=0; while [ ! -e ${stop} ]; do sh ${REFRESH} ${snap} || exit 1; n=$((n + 1)); done; echo $n`], { env });
    let refreshes = '';
    loop.stdout.on('data', (d) => { refreshes += d; });
    const done = new Promise<number | null>((resolve) => loop.on('close', resolve));
    const results: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await hookAsync(['--host', snap, '--state', join(snap, 'state'), 'web2', 'migrate', 'begin', '-'], ARRIVING);
      expect(r.stderr).not.toContain('error');
      results.push(r.code ?? -1);
    }
    writeFileSync(stop, '');
    expect(await done).toBe(0);
    expect(Number(refreshes.trim())).toBeGreaterThan(3);
    expect(results).toEqual(results.map(() => 0));
    // Generations: the current one and the one before it, nothing else left behind.
    const generations = readdirSync(snap).filter((f) => f.startsWith('.nodedev.'));
    expect(generations.length).toBeLessThanOrEqual(2);
    expect(lstatSync(join(snap, 'nodedev')).isSymbolicLink()).toBe(true);
  }, 60_000);
});
