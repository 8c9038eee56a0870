/** What the tool sees on a host, for people (`hostdev-hybrid host`) and tools (`--json`). */
import type { Diagnostic } from '../diagnostics.js';
import { hostWarnings } from './check.js';
import { assertHost, hostIndex, type Host } from './model.js';
import { compact } from '../compact.js';

/** What summarizeHost returns (schemas/host-summary.schema.json). */
export interface HostSummary {
  /** Each PF; `mtu` is its netdev's MTU (links.json), absent when unknown. */
  pfs: { address: string; netdev?: string; numaNode?: number; vfs: number; maxVfs?: number; mtu?: number }[];
  pools: {
    name: string;
    mode: 'hostdev-hybrid' | 'hostdev';
    ephemeral: boolean;
    pfs: string[];
    vfs: number;
    free: number;
    /** Each VF in use, and by which domain. */
    used: { vf: string; domain: string }[];
  }[];
  domains: number;
  warnings: Diagnostic[];
}

/**
 * PFs with netdev, VF count and NUMA node; pools with kind, PFs, free and used VFs and who uses
 * them; and the host's warnings (docs/CHECK.md). schemas/host-summary.schema.json describes it.
 *
 * @example
 * summarizeHost(readHostSnapshot('/var/lib/hostdev-hybrid/host')).pools[0]; // { name: 'sriov-pool', free: 12, … }
 */
export function summarizeHost(host: Host): HostSummary {
  assertHost(host, 'summarizeHost');
  const index = hostIndex(host);
  return {
    pfs: host.pfs.map((pf) =>
      compact({
        address: pf.address,
        netdev: pf.netdev,
        numaNode: pf.numaNode,
        vfs: pf.vfs.length,
        maxVfs: pf.maxVfs,
        mtu: index.links?.get(pf.netdev ?? '')?.mtu,
      }),
    ),
    pools: host.pools.map((pool) => {
      const used = pool.vfs.flatMap((vf) => {
        const domain = index.takenBy.get(vf);
        return domain === undefined ? [] : [{ vf, domain }];
      });
      return {
        name: pool.name,
        mode: pool.mode,
        ephemeral: pool.ephemeral,
        pfs: pool.pfs,
        vfs: pool.vfs.length,
        free: pool.vfs.length - used.length,
        used,
      };
    }),
    domains: host.domains.length,
    warnings: hostWarnings(host),
  };
}
