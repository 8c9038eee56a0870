import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { expandDomain, readHostSnapshot } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

const HOST = join(FIXTURES, 'hosts', 'intel-82576');
const INPUT = join(FIXTURES, 'cases', 'expand-q35-several-pairs', 'input.xml');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = run(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

/** An error: exit 2, nothing on stdout, exactly one line on stderr naming the code. */
function expectError(r: ReturnType<typeof cli>, code: string): void {
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`^hostdev-hybrid: error\\[${code}\\]: [^\\n]+\\n$`));
}

describe('hostdev-hybrid expand / collapse / check', () => {
  it('expand prints what expandDomain returns, warnings on stderr', () => {
    const r = cli('expand', INPUT, '--host', HOST);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expandDomain(readFileSync(INPUT, 'utf8'), readHostSnapshot(HOST)).xml);
    expect(r.stderr).toMatch(/^hostdev-hybrid: warning\[VLAN_SUBINTERFACE\]/m);
  });

  it('expand --style teaming and --vlan-device are passed through', () => {
    const r = cli('expand', INPUT, '--host', HOST, '--style', 'teaming', '--vlan-device', '{pf}v{vlan}');
    expect(r.code).toBe(2); // the e1000e backup cannot team
    expect(r.stderr).toContain('TEAMING_UNSUPPORTED');
    const ok = cli('expand', join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'input.xml'), '--host', HOST, '--style', 'teaming');
    expect(ok.stdout).toContain("<teaming type='persistent'/>");
  });

  it('-o writes the file whole, and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-cli-'));
    const out = join(dir, 'out.xml');
    const r = cli('expand', INPUT, '--host', HOST, '-o', out);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(readFileSync(out, 'utf8')).toBe(cli('expand', INPUT, '--host', HOST).stdout);
    expect(readdirSync(dir)).toEqual(['out.xml']);
  });

  it('an error leaves an existing -o file untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-cli-'));
    const out = join(dir, 'out.xml');
    writeFileSync(out, 'precious');
    expectError(cli('expand', join(FIXTURES, 'cases', 'expand-error-vf-taken', 'input.xml'), '--host', HOST, '-o', out), 'VF_TAKEN');
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['out.xml']);
  });

  it('refuses -o naming the input, and leaves the input as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-cli-'));
    const input = join(dir, 'in.xml');
    copyFileSync(INPUT, input);
    expectError(cli('expand', input, '--host', HOST, '-o', input), 'USAGE');
    expect(readFileSync(input, 'utf8')).toBe(readFileSync(INPUT, 'utf8'));
  });

  it('collapse undoes expand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hh-cli-'));
    const expanded = join(dir, 'e.xml');
    cli('expand', join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'input.xml'), '--host', HOST, '-o', expanded);
    const r = cli('collapse', expanded);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'expected-collapsed.xml'), 'utf8'));
  });

  it('check exits 1 on errors, 0 when clean', () => {
    const bad = cli('check', join(FIXTURES, 'cases', 'check-problems', 'input.xml'), '--host', HOST);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toHaveLength(4);
    const good = cli('check', join(FIXTURES, 'cases', 'check-clean', 'input.xml'), '--host', HOST);
    expect([good.code, good.stdout]).toEqual([0, `${join(FIXTURES, 'cases', 'check-clean', 'input.xml')}: no problems found\n`]);
  });

  it('demo expands the built-in example, then shows its move to the second shipped host, step by step', () => {
    const r = cli('demo');
    expect(r.code).toBe(0);
    const [xml, move] = r.stdout.split('\n</domain>\n');
    expect(xml).toContain("<interface type='direct'>");
    expect(move).toMatch(/^\n# The live migration of demo-guest to fixtures\/hosts\/mellanox-cx5/);
    expect(move).toContain('#   ua-ephemeral0: 0000:65:00.0 -> 0000:ca:00.0');
    expect(move).toMatch(/^virsh -c qemu:\/\/\/system migrate --live .* demo-guest qemu\+ssh:\/\/cx5\.example\/system$/m);
    expect(move).toMatch(/^# 1\. \[source\] check: /m);
    expect(r.stderr).toContain('# pair ua-backend');
    // -o: the XML into the file, the move on standard output.
    const out = join(mkdtempSync(join(tmpdir(), 'hh-demo-')), 'demo.xml');
    const o = cli('demo', '-o', out);
    expect(readFileSync(out, 'utf8')).toBe(xml + '\n</domain>\n');
    expect(o.stdout).toBe(move);
  });
});

describe('version', () => {
  it('--version and -V print package.json\'s version; the overview names it too', () => {
    const { version } = JSON.parse(readFileSync(join(FIXTURES, '..', 'package.json'), 'utf8')) as { version: string };
    expect(cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(cli('-V').stdout).toBe(`${version}\n`);
    expect(cli().stderr).toContain(`hostdev-hybrid ${version}:`);
  });
});

describe('usage errors', () => {
  it.each([
    [[]],
    [['frobnicate']],
    [['expand', INPUT]],
    [['expand', INPUT, '--host', HOST, '--style', 'mesh']],
    [['expand', INPUT, '--host', HOST, '--colour']],
    [['collapse']],
    [['collapse', INPUT, 'extra']],
    [['check', INPUT, '-o', '/tmp/x']],
    [['plan', INPUT]],
    [['guest-config', INPUT, '--format', 'yaml']],
    [['demo', 'x']],
  ])('%j', (args) => {
    const r = cli(...args);
    if (args.length === 0) {
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain('usage:');
    } else expectError(r, 'USAGE');
  });

  it('--help prints the usage and succeeds', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: hostdev-hybrid COMMAND');
    for (const c of ['expand', 'collapse', 'check', 'plan', 'repair', 'hotplug', 'unplug', 'retarget', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${c} +[A-Z]`, 'm'));
  });
});

describe('hostile input through the CLI', () => {
  const hostile: [string, string | Buffer, string][] = [
    ['empty.xml', '', 'XML_EMPTY'],
    ['garbage.xml', Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37]), 'XML_ENCODING'],
    ['latin1.xml', Buffer.from("<domain><name>caf\xe9</name></domain>", 'latin1'), 'XML_ENCODING'],
    ['bom-only.xml', Buffer.from([0xef, 0xbb, 0xbf]), 'XML_EMPTY'],
    ['truncated.xml', "<domain type='kvm'><devices><interface type='hostdev-hybrid'>", 'XML_MALFORMED'],
    ['network.xml', '<network><name>n</name></network>', 'XML_WRONG_ROOT'],
    ['lol.xml', '<!DOCTYPE d [<!ENTITY a "aaaa">]><domain>&a;</domain>', 'XML_DOCTYPE'],
    ['xxe.xml', '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/shadow">]><domain>&x;</domain>', 'XML_DOCTYPE'],
    ['deep.xml', '<domain>' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000) + '</domain>', 'XML_TOO_DEEP'],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'hh-hostile-'));
  for (const [name, content] of hostile) writeFileSync(join(dir, name), content);

  for (const command of ['expand', 'collapse', 'check']) {
    it.each(hostile)(`${command} %s`, (name, content, code) => {
      const file = join(dir, name);
      const out = join(dir, `${command}-${name}.out`);
      const args = command === 'check' ? [command, file, '--host', HOST] : [command, file, '--host', HOST, '-o', out].filter((a, i) => command !== 'collapse' || (i !== 2 && i !== 3));
      const r = cli(...args);
      // collapse takes no host: a domain it cannot read is its only failure here
      expectError(r, code);
      // Buffer.equals, not toEqual: a deep comparison of a 700 KB buffer takes seconds.
      expect(readFileSync(file).equals(Buffer.isBuffer(content) ? content : Buffer.from(content)), 'the input is unchanged').toBe(true);
      expect(readdirSync(dir).filter((f) => f.includes('.out') || f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('a snapshot directory with a file that is not XML', () => {
    const snap = mkdtempSync(join(tmpdir(), 'hh-snap-'));
    for (const sub of ['nodedev', 'network', 'domains']) {
      const from = join(HOST, sub);
      const to = join(snap, sub);
      mkdirSync(to);
      for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
    }
    writeFileSync(join(snap, 'network', 'notes.xml'), 'these are my notes');
    expectError(cli('expand', INPUT, '--host', snap), 'XML_MALFORMED');
    expectError(cli('expand', INPUT, '--host', join(snap, 'missing')), 'HOST_SNAPSHOT');
  });
});

describe('plan refuses what would put a placeholder or a wrong host into a script', () => {
  const CX5 = join(FIXTURES, 'hosts', 'mellanox-cx5');
  const EXPANDED = join(FIXTURES, 'cases', 'expand-q35-pool-bond', 'expected.xml');
  it('a live migration without --dest-uri, or with one that is not a libvirt URI: the library\'s URI_INVALID', () => {
    const none = cli('plan', EXPANDED, '--from', HOST, '--to', CX5);
    expectError(none, 'URI_INVALID');
    expect(none.stderr).toContain('(CLI --dest-uri)');
    const bare = cli('plan', EXPANDED, '--from', HOST, '--to', CX5, '--dest-uri', 'hostb');
    expectError(bare, 'URI_INVALID');
    expect(bare.stderr).toContain("the destination URI 'hostb' is not a libvirt URI");
    expectError(cli('plan', EXPANDED, '--from', HOST, '--to', CX5, '--dest-uri', 'qemu+ssh://b/system', '--source-uri', 'a'), 'URI_INVALID');
    expect(cli('plan', EXPANDED, '--from', HOST, '--to', CX5, '--dest-uri', 'qemu+ssh://b/system').code).toBe(0);
  });

  it('--from and --to the same snapshot: MIGRATION_SAME_HOST, pointing at save-restore; a save-restore there is fine', () => {
    const same = cli('plan', EXPANDED, '--from', HOST, '--to', join(HOST, '.', ''), '--dest-uri', 'qemu+ssh://b/system');
    expectError(same, 'MIGRATION_SAME_HOST');
    expect(same.stderr).toContain('--operation save-restore');
    expect(cli('plan', EXPANDED, '--from', HOST, '--to', HOST, '--operation', 'save-restore').code).toBe(0);
  });

  it('repair, hotplug and unplug refuse a --uri that is not a libvirt URI', () => {
    const r = cli('unplug', EXPANDED, 'ua-hybrid0', '--uri', 'localhost');
    expectError(r, 'URI_INVALID');
  });
});

describe('host', () => {
  it('labels the VF counts (enabled/max, free/all) and says what to do on a host without SR-IOV', () => {
    const r = cli('host', HOST);
    expect(r.stdout).toMatch(/^PF +NETDEV +NUMA +VFS\/MAX +MTU$/m);
    expect(r.stdout).toMatch(/^0000:04:00\.1 +enp4s0f1 +0 +7\/- +9000$/m);
    expect(r.stdout).toMatch(/^POOL +KIND +PFS +FREE\/VFS +USED BY$/m);
    const bare = mkdtempSync(join(tmpdir(), 'hh-bare-'));
    mkdirSync(join(bare, 'nodedev'));
    writeFileSync(join(bare, 'nodedev', 'gpu.xml'), readFileSync(join(HOST, 'nodedev', 'pci_0000_65_00_0.xml'), 'utf8'));
    const none = cli('host', bare);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no SR-IOV physical function');
    expect(none.stdout).toMatch(/warning\[NO_SRIOV_PF\]: .*sriov_numvfs/);
  });
});

