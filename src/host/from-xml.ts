import { HybridError } from '../errors.js';
import { parseXml } from '../xml/parse.js';
import { rootElement } from '../xml/tree.js';
import { checkHost } from './check.js';
import { readDomainUsage } from './domain-usage.js';
import type { Host, HostDomain, HostLink, HostPciDevice, HostPf, HostPool, HostVf } from './model.js';
import { validateJson } from '../schemas.js';
import { readNetwork, type NetworkDef } from './network.js';
import { readNodedev, type Nodedev } from './nodedev.js';
import { readDevlinkInfo, readDevlinkPorts, readModulesAlias, readVersions } from './vfio-evidence.js';
import { compact } from '../compact.js';

/** One file of a snapshot, its text in `xml` (JSON and plain text files too); `file` names it in errors. */
export interface SnapshotSource {
  xml: string;
  file?: string;
}

/** The documents of a host snapshot, each with the file it came from. */
export interface SnapshotSources {
  nodedevs: SnapshotSource[];
  networks?: SnapshotSource[];
  domains?: SnapshotSource[];
  /** links.json: `ip -j -d link show` of the host, as text. */
  links?: SnapshotSource;
  /** version.txt, modules.alias, devlink.json, devlink-info.json: VFIO migration's evidence (host/vfio-evidence.ts). */
  version?: SnapshotSource;
  modulesAlias?: SnapshotSource;
  devlink?: SnapshotSource;
  devlinkInfo?: SnapshotSource;
}

const byString =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number => {
    const [x, y] = [key(a), key(b)];
    // Stryker disable next-line EqualityOperator: keys are unique (checkHost refuses duplicates), so equality never decides
    if (x < y) return -1;
    // Stryker disable next-line EqualityOperator,ConditionalExpression: as above
    return x > y ? 1 : 0;
  };

function read<T>(sources: SnapshotSource[], folder: string, reader: (root: ReturnType<typeof rootElement>, where: string) => T): T[] {
  return sources.map((s, i) => {
    const where = s.file ?? `${folder}[${i}]`;
    try {
      return reader(rootElement(parseXml(s.xml, { file: s.file })), where);
    } catch (e) {
      throw e instanceof HybridError ? e.inFile(s.file) : e;
    }
  });
}

/**
 * Builds a Host from plain `virsh` output (see docs/HOST-SNAPSHOT.md for how to capture it).
 *
 * @example
 * const host = hostFromXml({ nodedevs: [pfXml, vfXml, netXml], networks: [poolXml], domains: [] });
 * host.pools[0]?.vfs; // ['0000:04:10.0', …]
 */
export function hostFromXml(parts: { nodedevs: string[]; networks?: string[]; domains?: string[] }): Host {
  const wrap = (xs: string[] | undefined): SnapshotSource[] => (xs ?? []).map((xml) => ({ xml }));
  if (!parts || !Array.isArray(parts.nodedevs)) throw new TypeError('hostFromXml expects { nodedevs: string[], networks?, domains? }');
  return hostFromSources({ nodedevs: wrap(parts.nodedevs), networks: wrap(parts.networks), domains: wrap(parts.domains) });
}

/**
 * hostFromXml with each document named by its file, so errors point at it (what readHostSnapshot uses).
 *
 * @example
 * const host = hostFromSources({ nodedevs: [{ xml: pfXml, file: 'nodedev/pci_0000_04_00_0.xml' }] });
 */
export function hostFromSources(parts: SnapshotSources): Host {
  const nodedevs = read(parts.nodedevs, 'nodedevs', readNodedev);
  const networks = read(parts.networks ?? [], 'networks', readNetwork);
  const domains = read(parts.domains ?? [], 'domains', readDomainUsage);
  const { pfs, vfs } = topology(nodedevs);
  addVfioEvidence(pfs, vfs, parts);
  const pci = nodedevs.filter((d): d is Extract<Nodedev, { kind: 'pci' }> => d.kind === 'pci');
  return checkHost({
    version: 1,
    pfs,
    vfs,
    pools: pools(networks, pfs),
    otherNetworks: networks
      .filter((n) => n.kind === 'other')
      .map((n) => n.name)
      .sort(),
    domains: domains.sort(byString<HostDomain>((d) => d.name)),
    netdevs: [...new Set(nodedevs.flatMap((d) => (d.kind === 'net' ? [d.netdev] : [])))].sort(),
    pciDevices: pci.map((d) => compact({ address: d.address, class: d.pciClass })).sort(byString<HostPciDevice>((d) => d.address)),
    ...(parts.links ? { links: readLinks(parts.links) } : {}),
    ...(parts.version ? { versions: readVersions(parts.version) } : {}),
    ...(parts.modulesAlias ? { variantDrivers: readModulesAlias(parts.modulesAlias) } : {}),
  });
}

/** Each VF's devlink `migratable` and each PF's firmware and PSID, onto the topology being built. */
function addVfioEvidence(pfs: HostPf[], vfs: HostVf[], parts: SnapshotSources): void {
  const pfAt = new Map(pfs.map((p) => [p.address, p]));
  if (parts.devlink) {
    const file = parts.devlink.file ?? 'devlink.json';
    const vfAt = new Map(vfs.map((v) => [v.address, v]));
    for (const port of readDevlinkPorts(parts.devlink)) {
      const pf = pfAt.get(port.pf);
      if (!pf) continue; // a NIC without VFs in nodedev/: nothing of ours
      const vf = pf.vfs[port.vfIndex];
      if (vf === undefined) {
        throw new HybridError(
          'HOST_SNAPSHOT',
          `${file} names VF ${port.vfIndex} of PF ${port.pf}, which has ${pf.vfs.length} VFs in nodedev/: capture both again, at the same time`,
          { file, fileInReason: true },
        );
      }
      vfAt.get(vf)!.migratable = port.migratable;
    }
  }
  if (parts.devlinkInfo) {
    for (const info of readDevlinkInfo(parts.devlinkInfo)) {
      const pf = pfAt.get(info.pf);
      if (pf) Object.assign(pf, compact({ firmware: info.firmware, psid: info.psid }));
    }
  }
}

type RawLink = { ifname: string; mtu: number; max_mtu?: number };
/** links.json (iproute2's JSON, validated by schemas/links.schema.json): each device's MTU, sorted by name. */
export function readLinks(source: SnapshotSource): HostLink[] {
  const file = source.file ?? 'links.json';
  let value: unknown;
  try {
    value = JSON.parse(source.xml);
  } catch (e) {
    throw new HybridError('HOST_SNAPSHOT', `${file} is not JSON (ip -j -d link show > links.json): ${(e as Error).message}`, {
      file,
      fileInReason: true,
    });
  }
  const links = validateJson<RawLink[]>('links', value, 'HOST_SNAPSHOT', file, file);
  // max_mtu 0 (the loopback, some virtual devices) means no limit is known.
  return links
    .map((l) => compact({ ifname: l.ifname, mtu: l.mtu, maxMtu: l.max_mtu || undefined }))
    .sort(byString<HostLink>((l) => l.ifname));
}

function topology(devices: Nodedev[]): { pfs: HostPf[]; vfs: HostVf[] } {
  const pci = devices.filter((d): d is Extract<Nodedev, { kind: 'pci' }> => d.kind === 'pci');
  const seen = new Map<string, string>();
  for (const d of pci) {
    const other = seen.get(d.address);
    if (other !== undefined)
      throw new HybridError('TOPOLOGY_CONFLICT', `PCI device ${d.address} is described twice (${other} and ${d.name})`);
    seen.set(d.address, d.name);
  }
  // libvirt's own rule: a PF's netdev is the net device whose <parent> is the PF. When a PF has
  // several (multi-port functions), the first by name is used.
  const netdevsOf = new Map<string, string[]>();
  for (const d of devices) {
    if (d.kind !== 'net' || d.parent === undefined) continue;
    netdevsOf.set(d.parent, [...(netdevsOf.get(d.parent) ?? []), d.netdev].sort());
  }
  const pfs: HostPf[] = pci
    .filter((d) => d.virtFunctions)
    .map((d) => {
      const netdev = netdevsOf.get(d.name)?.[0];
      return compact({ address: d.address, netdev, numaNode: d.numaNode, maxVfs: d.virtFunctions!.maxCount, vfs: d.virtFunctions!.vfs });
    });
  // Contradictions between PF lists and VF claims are checkHost's to report.
  const vfs = new Map<string, HostVf>();
  for (const pf of pfs) for (const vf of pf.vfs) vfs.set(vf, { address: vf, pf: pf.address });
  for (const d of pci) {
    if (d.physFunction === undefined) continue;
    // vfio-pci is the host's stand-in while the VF is passed through, not the guest's driver.
    const driver = d.driver === 'vfio-pci' ? undefined : d.driver;
    vfs.set(d.address, compact({ address: d.address, pf: d.physFunction, numaNode: d.numaNode, driver, pciId: d.pciId }));
  }
  return {
    pfs: pfs.sort(byString<HostPf>((p) => p.address)),
    vfs: [...vfs.values()].sort(byString<HostVf>((v) => v.address)),
  };
}

function pools(networks: NetworkDef[], pfs: HostPf[]): HostPool[] {
  const out: HostPool[] = [];
  for (const n of networks) {
    if (n.kind !== 'pool') continue;
    // A PF that is missing contributes nothing here; checkHost refuses the pool.
    const vfs = n.pfs.flatMap((dev) => pfs.filter((p) => p.netdev === dev).flatMap((p) => p.vfs));
    for (const a of n.addresses) if (!vfs.includes(a)) vfs.push(a);
    out.push(
      compact({
        name: n.name,
        mode: n.mode,
        ephemeral: n.ephemeral,
        managed: n.managed,
        pfs: n.pfs,
        vfs,
        mtu: n.mtu,
        migration: n.migration,
      }),
    );
  }
  return out.sort(byString<HostPool>((p) => p.name));
}
