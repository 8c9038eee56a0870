/** Consistency rules every Host must meet, whether built from XML or read from host.json. */
import { HybridError } from '../errors.js';
import type { Host } from './model.js';

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

export function checkHost(host: Host): Host {
  const [dupPf] = duplicates(host.pfs.map((p) => p.address));
  if (dupPf) throw new HybridError('TOPOLOGY_CONFLICT', `PF ${dupPf} is described twice in the host snapshot`);
  const [dupNetdev] = duplicates(host.pfs.flatMap((p) => (p.netdev === undefined ? [] : [p.netdev])));
  if (dupNetdev) throw new HybridError('TOPOLOGY_CONFLICT', `two PFs have the same netdev '${dupNetdev}'`);

  const pfOfVf = new Map<string, string>();
  for (const pf of host.pfs) {
    for (const vf of pf.vfs) {
      const other = pfOfVf.get(vf);
      if (other !== undefined) throw new HybridError('TOPOLOGY_CONFLICT', `VF ${vf} is claimed by two PFs, ${other} and ${pf.address}: the nodedev files contradict each other`);
      pfOfVf.set(vf, pf.address);
    }
  }
  const pfAddresses = new Set(host.pfs.map((p) => p.address));
  const [dupVf] = duplicates(host.vfs.map((v) => v.address));
  if (dupVf) throw new HybridError('TOPOLOGY_CONFLICT', `VF ${dupVf} is described twice in the host snapshot`);
  for (const vf of host.vfs) {
    const listedBy = pfOfVf.get(vf.address);
    if (listedBy !== undefined && vf.pf !== undefined && vf.pf !== listedBy) {
      throw new HybridError('TOPOLOGY_CONFLICT', `VF ${vf.address} names ${vf.pf} as its physical function, but PF ${listedBy} lists it among its virt_functions`);
    }
    if (vf.pf !== undefined && pfAddresses.has(vf.pf) && listedBy === undefined) {
      throw new HybridError('TOPOLOGY_CONFLICT', `VF ${vf.address} names ${vf.pf} as its physical function, but that PF does not list it among its virt_functions`);
    }
  }
  const vfAddresses = new Set(host.vfs.map((v) => v.address));

  const [dupNet] = duplicates([...host.pools.map((p) => p.name), ...host.otherNetworks]);
  if (dupNet) throw new HybridError('DUPLICATE_NAME', `two networks in the host snapshot are named '${dupNet}'`);
  const poolOfVf = new Map<string, string>();
  for (const pool of host.pools) {
    const netdevs = new Set(host.pfs.map((p) => p.netdev));
    for (const pf of pool.pfs) {
      if (!netdevs.has(pf)) throw new HybridError('POOL_MISSING_PF', `network '${pool.name}' names <pf dev='${pf}'/>, but no PF in the host snapshot has that netdev (add the PF's pci and net nodedev XML)`);
    }
    for (const vf of pool.vfs) {
      if (!vfAddresses.has(vf)) {
        throw new HybridError(pfAddresses.has(vf) ? 'NOT_A_VF' : 'UNKNOWN_DEVICE', pfAddresses.has(vf)
          ? `network '${pool.name}' lists ${vf}, which is a PF, not a VF`
          : `network '${pool.name}' lists ${vf}, which is not a VF in the host snapshot`);
      }
      const other = poolOfVf.get(vf);
      if (other !== undefined && other !== pool.name) {
        throw new HybridError('POOL_OVERLAP', `VF ${vf} is in two pools, '${other}' and '${pool.name}': a VF may belong to one network only`);
      }
      poolOfVf.set(vf, pool.name);
    }
  }
  const [dupDomain] = duplicates(host.domains.map((d) => d.name));
  if (dupDomain) throw new HybridError('DUPLICATE_NAME', `two domains in the host snapshot are named '${dupDomain}'`);
  return host;
}
