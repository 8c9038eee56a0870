/** Consistency rules every Host must meet, whether built from XML or read from host.json. */
import { HybridError } from '../errors.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Host } from './model.js';

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** How VFs are enabled on a PF, for messages. */
const SRIOV_HOWTO = 'echo N > /sys/class/net/PF/device/sriov_numvfs, N at most sriov_totalvfs';

export function checkHost(host: Host): Host {
  checkTopology(host);
  const [dupNet] = duplicates([...host.pools.map((p) => p.name), ...host.otherNetworks]);
  if (dupNet) throw new HybridError('DUPLICATE_NAME', `two networks in the host snapshot are named '${dupNet}'`);
  for (const pool of host.pools) checkPool(host, pool);
  const [dupDomain] = duplicates(host.domains.map((d) => d.name));
  if (dupDomain) throw new HybridError('DUPLICATE_NAME', `two domains in the host snapshot are named '${dupDomain}'`);
  return host;
}

/** Each PF and VF once, each VF on one PF, and PFs and VFs agreeing on which. */
function checkTopology(host: Host): void {
  const [dupPf] = duplicates(host.pfs.map((p) => p.address));
  if (dupPf) throw new HybridError('TOPOLOGY_CONFLICT', `PF ${dupPf} is described twice in the host snapshot`);
  const [dupNetdev] = duplicates(host.pfs.flatMap((p) => (p.netdev === undefined ? [] : [p.netdev])));
  if (dupNetdev) throw new HybridError('TOPOLOGY_CONFLICT', `two PFs have the same netdev '${dupNetdev}'`);

  const pfOfVf = new Map<string, string>();
  for (const pf of host.pfs) {
    for (const vf of pf.vfs) {
      const other = pfOfVf.get(vf);
      if (other !== undefined)
        throw new HybridError(
          'TOPOLOGY_CONFLICT',
          `VF ${vf} is claimed by two PFs, ${other} and ${pf.address}: the nodedev files contradict each other`,
        );
      pfOfVf.set(vf, pf.address);
    }
  }
  const pfAddresses = new Set(host.pfs.map((p) => p.address));
  const [dupVf] = duplicates(host.vfs.map((v) => v.address));
  if (dupVf) throw new HybridError('TOPOLOGY_CONFLICT', `VF ${dupVf} is described twice in the host snapshot`);
  for (const vf of host.vfs) {
    const listedBy = pfOfVf.get(vf.address);
    if (listedBy !== undefined && vf.pf !== undefined && vf.pf !== listedBy) {
      throw new HybridError(
        'TOPOLOGY_CONFLICT',
        `VF ${vf.address} names ${vf.pf} as its physical function, but PF ${listedBy} lists it among its virt_functions`,
      );
    }
    if (listedBy === undefined && pfAddresses.has(vf.pf ?? '')) {
      throw new HybridError(
        'TOPOLOGY_CONFLICT',
        `VF ${vf.address} names ${vf.pf} as its physical function, but that PF does not list it among its virt_functions`,
      );
    }
  }
}

/** A pool's PFs are SR-IOV PFs of the snapshot, and its VFs VFs of it, each once. */
function checkPool(host: Host, pool: Host['pools'][number]): void {
  const pfAddresses = new Set(host.pfs.map((p) => p.address));
  const netdevs = new Set(host.pfs.map((p) => p.netdev));
  for (const pf of pool.pfs) if (!netdevs.has(pf)) refuseMissingPf(host, pool.name, pf, pfAddresses);
  const [dupPoolVf] = duplicates(pool.vfs);
  if (dupPoolVf)
    throw new HybridError(
      'TOPOLOGY_CONFLICT',
      `network '${pool.name}' lists VF ${dupPoolVf} twice (a <pf dev> named twice, or an address listed twice): list each once`,
    );
  const vfAddresses = new Set(host.vfs.map((v) => v.address));
  for (const vf of pool.vfs) {
    if (!vfAddresses.has(vf)) {
      throw new HybridError(
        pfAddresses.has(vf) ? 'NOT_A_VF' : 'UNKNOWN_DEVICE',
        pfAddresses.has(vf)
          ? `network '${pool.name}' lists ${vf}, which is a PF, not a VF`
          : `network '${pool.name}' lists ${vf}, which is not a VF in the host snapshot`,
      );
    }
  }
}

/** A pool's `<pf dev>` that no PF of the snapshot has: why, as far as the snapshot tells. */
function refuseMissingPf(host: Host, pool: string, pf: string, pfAddresses: ReadonlySet<string>): never {
  if (host.netdevs?.includes(pf)) {
    // VFs that name a PF the snapshot has no PCI device for: its file was not captured.
    const orphan = host.vfs.find((v) => v.pf !== undefined && !pfAddresses.has(v.pf))?.pf;
    if (orphan !== undefined) {
      throw new HybridError(
        'POOL_MISSING_PF',
        `network '${pool}' names <pf dev='${pf}'/>, but the PCI node device of its PF is missing from nodedev/: VFs name PF ${orphan}, and there is no pci_${orphan.replace(/[:.]/g, '_')}.xml. Capture nodedev/ again, every PCI and net device (docs/HOST-SNAPSHOT.md)`,
      );
    }
    throw new HybridError(
      'POOL_MISSING_PF',
      `network '${pool}' names <pf dev='${pf}'/>, but ${pf} is not an SR-IOV physical function (its PCI device has no virt_functions capability): name a PF, or enable VFs on it (${SRIOV_HOWTO.replace('PF', pf)}) and capture nodedev/ again`,
    );
  }
  throw new HybridError(
    'POOL_MISSING_PF',
    `network '${pool}' names <pf dev='${pf}'/>, but no PF in the host snapshot has that netdev (add the PF's pci and net nodedev XML)`,
  );
}

/** Networks that name the same VFs, each set with its POOL_OVERLAP warning. */
export function poolOverlaps(host: Host): { pools: string[]; diagnostic: Diagnostic }[] {
  const pools = new Map<string, string[]>();
  for (const pool of host.pools) for (const vf of pool.vfs) pools.set(vf, [...(pools.get(vf) ?? []), pool.name]);
  const shared = new Map<string, { pools: string[]; vfs: string[] }>();
  for (const [vf, names] of pools) {
    if (names.length < 2) continue;
    const key = names.join('\0');
    const entry = shared.get(key) ?? { pools: names, vfs: [] };
    entry.vfs.push(vf);
    shared.set(key, entry);
  }
  return [...shared.values()].map(({ pools: names, vfs }) => ({
    pools: names,
    diagnostic: {
      code: 'POOL_OVERLAP',
      severity: 'warning',
      message: `networks '${names.join("' and '")}' share ${vfs.length} VF${vfs.length > 1 ? 's' : ''} (${vfs.join(', ')}): a VF a domain holds through one is taken for the other too`,
    },
  }));
}

/**
 * What is odd about a host but allowed, as libvirt allows it: two networks naming one VF (libvirt
 * builds each pool alone and refuses a VF only at start, when a domain already holds it). Such a
 * VF is taken whichever pool a domain got it through.
 *
 * @example
 * hostWarnings(host); // [{ code: 'POOL_OVERLAP', severity: 'warning', message: "networks 'a' and 'b' share 2 VFs …" }]
 */
export function hostWarnings(host: Host): Diagnostic[] {
  const out = poolOverlaps(host).map((o) => o.diagnostic);
  if (host.pfs.length === 0) {
    out.push({
      code: 'NO_SRIOV_PF',
      severity: 'warning',
      message: `no SR-IOV physical function in the snapshot: no PCI device has VFs (a virt_functions capability). Enable VFs on the NIC's PF (${SRIOV_HOWTO}; or the NIC's own tool), then capture nodedev/ again (docs/HOST-SNAPSHOT.md)`,
    });
  }
  return out;
}
