// The guest-side output read by its real consumers (Debian's netplan.io, cloud-init and
// network-manager), asserting on what they produce: the bond's kind, mode and primary, each
// port matched by the pair's MAC and its driver; our networkd files meaning what netplan makes of
// our netplan file; every NetworkManager keyfile accepted by `nmcli --offline`.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { guestNetworkConfig, readHostSnapshot, type GuestConfig, type StaticAddressing } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';
import { run } from './env.js';

const CASES = join(FIXTURES, 'cases');
const cases = readdirSync(CASES).filter((c) => c.startsWith('guest-')).sort();
const work = mkdtempSync(join(tmpdir(), 'hh-guest-'));

type Ini = Map<string, [string, string][]>;
/** A systemd unit file: section → key/value pairs, in order, comments dropped. */
function parseIni(text: string): Ini {
  const out: Ini = new Map();
  let section = '';
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const m = /^\[(.+)\]$/.exec(l);
    if (m) { section = m[1]!; if (!out.has(section)) out.set(section, []); continue; }
    const i = l.indexOf('=');
    out.get(section)!.push([l.slice(0, i), l.slice(i + 1)]);
  }
  return out;
}
const get = (ini: Ini, section: string, key: string): string[] => (ini.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);

/** What a networkd file means for a bond or failover setup: the keys both sides must agree on. */
const MEANING: [string, string][] = [
  ['NetDev', 'Name'], ['NetDev', 'Kind'], ['Bond', 'Mode'], ['Bond', 'MIIMonitorSec'], ['Bond', 'FailOverMACPolicy'],
  ['Match', 'Driver'], ['Match', 'PermanentMACAddress'], ['Match', 'Name'], ['Link', 'Name'], ['Link', 'RequiredForOnline'],
  ['Network', 'Bond'], ['Network', 'PrimarySlave'], ['Network', 'DHCP'], ['Network', 'Address'], ['Network', 'DNS'],
  ['Route', 'Destination'], ['Route', 'Gateway'], ['NetDev', 'MTUBytes'], ['Link', 'MTUBytes'],
];
const meaning = (ini: Ini): string[] => MEANING.flatMap(([s, k]) => get(ini, s, k).map((v) => `${s}.${k}=${v}`));

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

function configs(name: string): Record<'netplan' | 'nm' | 'networkd' | 'ifupdown', GuestConfig> {
  const spec = JSON.parse(readFileSync(join(CASES, name, 'case.json'), 'utf8')) as { host?: string; static?: StaticAddressing };
  const input = readFileSync(join(CASES, name, 'input.xml'), 'utf8');
  const host = spec.host ? readHostSnapshot(join(FIXTURES, 'hosts', spec.host)) : undefined;
  const one = (format: 'netplan' | 'nm' | 'networkd' | 'ifupdown') => guestNetworkConfig(input, { format, ...(host ? { host } : {}), ...(spec.static ? { static: spec.static } : {}) });
  return { netplan: one('netplan'), nm: one('nm'), networkd: one('networkd'), ifupdown: one('ifupdown') };
}

describe('guest configuration, read by its real consumers', () => {
  beforeAll(() => {
    for (const tool of ['netplan', 'cloud-init', 'nmcli']) {
      if (run('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found: install Debian's netplan.io cloud-init network-manager (bash .ci/run does)`);
    }
  });

  it('there are guest cases in every style', () => {
    expect(cases.filter((c) => c.includes('-bond-')).length).toBeGreaterThanOrEqual(4);
    expect(cases.filter((c) => c.includes('-teaming-')).length).toBeGreaterThanOrEqual(4);
  });

  for (const name of cases) {
    it(name, () => {
      const c = configs(name);
      const ports = c.netplan.ports;
      // netplan generate: what systemd-networkd would be given.
      const root = join(work, name, 'netplan');
      writeTree(root, c.netplan.files);
      for (const f of Object.keys(c.netplan.files)) chmodSync(join(root, f), 0o600);
      const gen = run('netplan', ['generate', '--root-dir', root]);
      expect(gen.status, gen.stderr).toBe(0);
      const outDir = join(root, 'run', 'systemd', 'network');
      const produced = new Map(readdirSync(outDir).map((f) => [f.replace(/^10-netplan-/, ''), parseIni(readFileSync(join(outDir, f), 'utf8'))]));
      for (const p of ports) {
        // netplan puts a jumbo pair's MTU on every device of it.
        if (p.mtu !== undefined) {
          const names = c.netplan.style === 'bond' ? [`${p.device}.netdev`, `${p.vfPort}.link`, `${p.virtioPort}.link`] : [`${p.device}.link`, `${p.device}-lower.link`];
          for (const n of names) expect([n, get(produced.get(n)!, n.endsWith('.netdev') ? 'NetDev' : 'Link', 'MTUBytes')]).toEqual([n, [String(p.mtu)]]);
        }
        if (c.netplan.style === 'bond') {
          const netdev = produced.get(`${p.device}.netdev`)!;
          expect([get(netdev, 'NetDev', 'Kind'), get(netdev, 'Bond', 'Mode'), get(netdev, 'Bond', 'FailOverMACPolicy')]).toEqual([['bond'], ['active-backup'], ['active']]);
          const vf = produced.get(`${p.vfPort}.network`)!;
          expect([get(vf, 'Match', 'Driver'), get(vf, 'Match', 'PermanentMACAddress'), get(vf, 'Network', 'Bond'), get(vf, 'Network', 'PrimarySlave')])
            .toEqual([[p.vfDrivers.join(' ')], [p.mac], [p.device], ['true']]);
          const virtio = produced.get(`${p.virtioPort}.network`)!;
          expect([get(virtio, 'Match', 'Driver'), get(virtio, 'Match', 'PermanentMACAddress'), get(virtio, 'Network', 'Bond'), get(virtio, 'Network', 'PrimarySlave')])
            .toEqual([[p.backupDrivers.join(' ')], [p.mac], [p.device], []]);
        } else {
          const master = produced.get(`${p.device}.network`)!;
          expect([get(master, 'Match', 'Driver'), get(master, 'Match', 'PermanentMACAddress')]).toEqual([['net_failover'], [p.mac]]);
          const lower = produced.get(`${p.device}-lower.network`)!;
          expect([get(lower, 'Network', 'DHCP'), get(lower, 'Network', 'LinkLocalAddressing')]).toEqual([[], ['no']]);
        }
      }
      // Our networkd output means, file by file, what netplan made of our netplan output.
      for (const [path, content] of Object.entries(c.networkd.files)) {
        const key = path.split('/').pop()!.replace(/^10-hostdev-hybrid-/, '');
        expect(produced.has(key), `netplan made no ${key}`).toBe(true);
        expect(meaning(parseIni(content)), key).toEqual(meaning(produced.get(key)!));
      }
      expect(Object.keys(c.networkd.files).length).toBe([...produced.keys()].filter((k) => !k.endsWith('.rules')).length);

      // cloud-init reads the netplan file as network-config v2 and renders Debian's ifupdown.
      const eni = join(work, name, 'eni');
      const conv = run('cloud-init', ['devel', 'net-convert', '-p', join(root, Object.keys(c.netplan.files)[0]!), '-k', 'yaml', '-O', 'eni', '-D', 'debian', '-d', eni]);
      expect(conv.status, conv.stderr).toBe(0);
      const interfaces = readFileSync(join(eni, 'etc', 'network', 'interfaces.d', '50-cloud-init'), 'utf8');
      for (const p of ports) {
        if (c.netplan.style === 'bond') {
          expect(interfaces).toMatch(new RegExp(`auto ${p.device}\\niface ${p.device} inet (dhcp|static)`));
          expect(interfaces).toContain('bond-mode active-backup');
          expect(interfaces).toContain(`bond-primary ${p.vfPort}`);
        } else {
          expect(interfaces).toMatch(new RegExp(`iface ${p.device} inet (dhcp|static)`));
        }
      }

      // Every NetworkManager keyfile: parsed, normalised and validated by nmcli without a daemon.
      for (const [path, content] of Object.entries(c.nm.files)) {
        if (!path.endsWith('.nmconnection')) continue;
        const r = run('nmcli', ['--offline', 'connection', 'modify', 'connection.autoconnect', 'yes'], content);
        expect(r.status, `${path}: ${r.stderr}`).toBe(0);
        const port = ports.find((p) => path.endsWith(`-${p.device}.nmconnection`));
        if (c.nm.style === 'bond' && port) {
          expect(r.stdout).toContain('mode=active-backup');
          expect(r.stdout).toContain(`primary=${port.vfPort}`);
        }
        const slave = ports.find((p) => path.endsWith(`-${p.vfPort}.nmconnection`) || path.endsWith(`-${p.virtioPort}.nmconnection`));
        if (slave) expect(r.stdout).toContain(`master=${slave.device}`);
        // A jumbo pair: NetworkManager keeps the MTU on every connection of it.
        const mine = ports.find((p) => path.includes(`-${p.device}`) || path.includes(`-hh${ports.indexOf(p)}`));
        if (mine?.mtu !== undefined) expect(r.stdout, path).toMatch(new RegExp(`^\\[ethernet\\][^[]*\\nmtu=${mine.mtu}\\n`, 'm'));
      }
      // A keyfile NetworkManager refuses makes nmcli fail: the check above can fail.
      const bogus = run('nmcli', ['--offline', 'connection', 'modify', 'connection.autoconnect', 'yes'], '[connection]\ntype=bond\n[bond]\nmode=bogus\n');
      expect(bogus.status).not.toBe(0);
      expect(existsSync(eni)).toBe(true);
    });
  }
});
