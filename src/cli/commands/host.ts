import { summarizeHost } from '../../host/summary.js';
import { readHostSnapshot } from '../../io.js';
import { positionals, type Command } from '../command.js';

export const host: Command = {
  name: 'host',
  summary: 'Show what the tool sees on a host: PFs, pools, free and used VFs, warnings.',
  args: ['DIR'],
  options: { json: { type: 'boolean', help: 'print it as JSON (schemas/host-summary.schema.json)' } },
  description:
    'The first thing to run on a new host snapshot (docs/HOST-SNAPSHOT.md): each PF with its netdev,\nVF count and NUMA node; each pool with its kind, PFs, and its free and used VFs (and who uses\nthem); and warnings such as two networks naming one VF (POOL_OVERLAP).',
  example: 'hostdev-hybrid host /var/lib/hostdev-hybrid/host',
  run(parsed, io) {
    const [dir] = positionals(this, parsed);
    const s = summarizeHost(readHostSnapshot(dir!));
    if (parsed.values.json) {
      io.stdout(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    const table = (rows: string[][]): string => {
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      return (
        rows
          .map((r) =>
            r
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          )
          .join('\n') + '\n'
      );
    };
    // VFS/MAX: the VFs enabled, of the most the PF can have (maxCount; '-' when libvirt did not say).
    // MTU: the PF netdev's, from links.json ('-' without one).
    if (s.pfs.length > 0)
      io.stdout(
        table([
          ['PF', 'NETDEV', 'NUMA', 'VFS/MAX', 'MTU'],
          ...s.pfs.map((p) => [
            p.address,
            p.netdev ?? '-',
            p.numaNode === undefined ? '-' : String(p.numaNode),
            `${p.vfs}/${p.maxVfs ?? '-'}`,
            p.mtu === undefined ? '-' : String(p.mtu),
          ]),
        ]),
      );
    else io.stdout('no SR-IOV physical function (see the warning below)\n');
    io.stdout('\n');
    if (s.pools.length === 0) io.stdout('no VF pool: write one into network/ (docs/HOST-SNAPSHOT.md)\n');
    else
      io.stdout(
        table([
          ['POOL', 'KIND', 'PFS', 'FREE/VFS', 'USED BY'],
          ...s.pools.map((p) => [
            p.name,
            p.mode + (p.mode === 'hostdev' && p.ephemeral ? ' (ephemeral)' : ''),
            p.pfs.join(',') || '(addresses)',
            `${p.free}/${p.vfs}`,
            p.used.map((u) => `${u.vf}=${u.domain}`).join(' ') || '-',
          ]),
        ]),
      );
    for (const w of s.warnings) io.stdout(`\n${w.severity}[${w.code}]: ${w.message}`);
    if (s.warnings.length > 0) io.stdout('\n');
    return 0;
  },
};
