/**
 * What the library knows about one host. A plain JSON value: `host.json` is exactly this shape
 * (schemas/host.schema.json), and `hostFromXml` builds the same from `virsh` output. Treat it as
 * immutable; lookups go through `hostIndex`, which is computed once per Host object.
 */
import { HybridError } from '../errors.js';
import { compact } from '../compact.js';

/** A physical function: its netdev, NUMA node and VFs. */
export interface HostPf {
  /** PCI address, `0000:04:00.0`. */
  address: string;
  /** The PF's network device, from the `net` node device whose parent is the PF. */
  netdev?: string;
  numaNode?: number;
  /** `maxCount` of the `virt_functions` capability, when libvirt printed it. */
  maxVfs?: number;
  /** The PF's VFs in VF-index order (position = the N of `ip link set PF vf N`). */
  vfs: string[];
  /** The PF's running firmware version (devlink-info.json); absent: unknown. */
  firmware?: string;
  /** The board's PSID (devlink-info.json); absent: unknown. */
  psid?: string;
}

/** A virtual function: its PF, NUMA node and driver. */
export interface HostVf {
  address: string;
  /** PCI address of the physical function, from the VF's `phys_function` capability. */
  pf?: string;
  numaNode?: number;
  /** The VF's kernel driver on the host (`<driver><name>` of its nodedev); the guest's is the same. */
  driver?: string;
  /** `vendor:device` (`15b3:101e`), from its nodedev's `<vendor id>` and `<product id>`. */
  pciId?: string;
  /** Its devlink port's `function.migratable` (devlink.json); absent: unknown, never yes. */
  migratable?: boolean;
}

/** A VFIO variant driver the host's kernel has for a device (modules.alias): `15b3:101e` → `mlx5_vfio_pci`. */
export interface HostVariantDriver {
  id: string;
  driver: string;
}

/** A PCI device of the host (any kind: a GPU, a VF, a PF): what a plan may send a device to. */
export interface HostPciDevice {
  address: string;
  /** The PCI class code as libvirt prints it, `0x030200` (absent when the nodedev had none). */
  class?: string;
}

/** A network device's MTU on the host, from `ip -j -d link show` (links.json). */
export interface HostLink {
  ifname: string;
  mtu: number;
  /** The largest MTU the device takes (`max_mtu`), when the kernel said. */
  maxMtu?: number;
}

/** A VF pool: a libvirt network of mode hostdev-hybrid or hostdev, with its VFs in allocation order. */
export interface HostPool {
  name: string;
  mode: 'hostdev-hybrid' | 'hostdev';
  ephemeral: boolean;
  managed: boolean;
  /** PF netdevs named by `<pf dev=…/>`, in the network's order. */
  pfs: string[];
  /** Every VF of the pool, in allocation order (PF order, then VF index, then listed addresses). */
  vfs: string[];
  /** The network's `<mtu size>`: the MTU of every pair of this pool that gives none itself. */
  mtu?: number;
  /** `<forward migration='unplug'>`: its pairs' VF halves are unplugged for every move. */
  migration?: 'unplug';
}

/** A domain on the host: the PCI devices and MACs it takes. */
export interface HostDomain {
  name: string;
  uuid?: string;
  /** Host PCI devices the domain passes through (VFs and others): taken. */
  pciDevices: string[];
  macs: string[];
}

/** What the library knows about one host (host.json has this shape: schemas/host.schema.json). */
export interface Host {
  version: 1;
  pfs: HostPf[];
  vfs: HostVf[];
  pools: HostPool[];
  /** libvirt networks that are not VF pools (bridge, NAT, passthrough…): left alone. */
  otherNetworks: string[];
  domains: HostDomain[];
  /**
   * Every network device the snapshot's nodedev files name (PF netdevs, VLAN sub-interfaces…),
   * sorted. Absent in a host.json that does not list them: then nothing can be confirmed.
   */
  netdevs?: string[];
  /**
   * Every PCI device the snapshot's nodedev files describe, by address. Absent in a host.json
   * that does not list them: then a plan cannot confirm a non-VF device exists there.
   */
  pciDevices?: HostPciDevice[];
  /** The MTU of each network device (links.json); absent: unknown, and MTUs cannot be checked. */
  links?: HostLink[];
  /** libvirt's and QEMU's versions there (version.txt: `virsh version --daemon`); absent: unknown. */
  versions?: { libvirt?: string; qemu?: string };
  /** The VFIO variant drivers its kernel has, by vendor:device (modules.alias); absent: unknown. */
  variantDrivers?: HostVariantDriver[];
}

/** A host with nothing on it: for reading XML that needs no host facts (unplug, retarget). */
export const EMPTY_HOST: Host = Object.freeze({ version: 1, pfs: [], vfs: [], pools: [], otherNetworks: [], domains: [] }) as Host;

/** The TypeError for an API called with something that is not a Host (a programmer error). */
export function assertHost(host: unknown, fn: string): asserts host is Host {
  if (!host || !Array.isArray((host as Host).pools)) throw new TypeError(`${fn} expects a Host (hostFromXml or readHostSnapshot)`);
}

/** A VF with everything expansion and planning need about it. */
export interface VfTopology {
  vf: string;
  pf: string;
  pfNetdev: string;
  /** VF index on its PF. */
  index: number;
  numaNode?: number;
}

export interface HostIndex {
  pfByAddress: Map<string, HostPf>;
  pfByNetdev: Map<string, HostPf>;
  vfByAddress: Map<string, HostVf>;
  poolByName: Map<string, HostPool>;
  poolOfVf: Map<string, HostPool>;
  /** Host PCI address → name of the domain using it. */
  takenBy: Map<string, string>;
  macs: Set<string>;
  /** MAC → name of the domain using it. */
  macOwner: Map<string, string>;
  /** VF → its topology, for every VF that has a complete one (others throw in vfTopology). */
  topology: Map<string, VfTopology>;
  /** Pool → VF → position in the pool's order. */
  poolOrder: Map<string, Map<string, number>>;
  /** Host PCI address → the device (undefined when the snapshot does not list PCI devices). */
  pciDevices: Map<string, HostPciDevice> | undefined;
  /** Network device → its link (undefined when the snapshot has no links.json). */
  links: Map<string, HostLink> | undefined;
}

const indexes = new WeakMap<Host, HostIndex>();

export function hostIndex(host: Host): HostIndex {
  let index = indexes.get(host);
  if (index) return index;
  index = {
    pfByAddress: new Map(host.pfs.map((pf) => [pf.address, pf])),
    pfByNetdev: new Map(host.pfs.filter((pf) => pf.netdev !== undefined).map((pf) => [pf.netdev!, pf])),
    vfByAddress: new Map(host.vfs.map((vf) => [vf.address, vf])),
    poolByName: new Map(host.pools.map((p) => [p.name, p])),
    // A VF two networks name belongs to the first (by name) for lookups; taken is per VF anyway.
    poolOfVf: new Map(host.pools.flatMap((p) => p.vfs.map((vf) => [vf, p] as const)).reverse()),
    takenBy: new Map(host.domains.flatMap((d) => d.pciDevices.map((a) => [a, d.name] as const))),
    macs: new Set(host.domains.flatMap((d) => d.macs)),
    macOwner: new Map(host.domains.flatMap((d) => d.macs.map((m) => [m, d.name] as const))),
    topology: new Map(),
    poolOrder: new Map(host.pools.map((p) => [p.name, new Map(p.vfs.map((vf, i) => [vf, i] as const))])),
    pciDevices: host.pciDevices && new Map(host.pciDevices.map((d) => [d.address, d])),
    links: host.links && new Map(host.links.map((l) => [l.ifname, l])),
  };
  indexes.set(host, index);
  return index;
}

/**
 * VF → PF → PF netdev and VF index; an error naming the VF when any link is missing.
 *
 * @example
 * vfTopology(host, '0000:04:10.2'); // { vf, pf: '0000:04:00.0', pfNetdev: 'enp4s0f0', index: 1, numaNode: 0 }
 */
export function vfTopology(host: Host, vfAddress: string): VfTopology {
  const index = hostIndex(host);
  const known = index.topology.get(vfAddress);
  if (known) return known;
  const vf = index.vfByAddress.get(vfAddress);
  if (!vf) {
    const isPf = index.pfByAddress.has(vfAddress);
    throw new HybridError(
      isPf ? 'NOT_A_VF' : 'UNKNOWN_DEVICE',
      isPf
        ? `${vfAddress} is a physical function, not a VF: name one of its VFs`
        : `${vfAddress} is not a VF in the host snapshot: add its nodedev (virsh nodedev-dumpxml) or pick another VF`,
    );
  }
  const pf = index.pfByAddress.get(vf.pf ?? '');
  if (!pf) {
    throw new HybridError(
      'VF_WITHOUT_PF',
      `VF ${vfAddress}: its physical function ${vf.pf ?? '(unknown)'} is not in the host snapshot; add the PF's nodedev XML`,
    );
  }
  if (pf.netdev === undefined) {
    throw new HybridError(
      'PF_WITHOUT_NETDEV',
      `VF ${vfAddress}: its PF ${pf.address} has no network device in the snapshot; add the nodedev XML of the PF's net device (virsh nodedev-list --cap net)`,
    );
  }
  const position = pf.vfs.indexOf(vfAddress);
  if (position === -1) {
    throw new HybridError(
      'TOPOLOGY_CONFLICT',
      `VF ${vfAddress} names PF ${pf.address} as its physical function, but that PF does not list it among its virt_functions`,
    );
  }
  const numaNode = vf.numaNode ?? pf.numaNode;
  const topo: VfTopology = compact({ vf: vfAddress, pf: pf.address, pfNetdev: pf.netdev, index: position, numaNode });
  index.topology.set(vfAddress, topo);
  return topo;
}
