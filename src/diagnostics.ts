/**
 * Warning and diagnostic codes: what `expandDomain` warns about and what `checkDomain` reports.
 * Unlike HybridError codes these do not stop anything. Documented in docs/CHECK.md (kept in step
 * by a test).
 */
export const DIAGNOSTIC_CODES = {
  VLAN_SUBINTERFACE: "A pair with a VLAN: its backup half uses the PF's VLAN sub-interface, which must exist on every host.",
  MAC_IN_USE_ON_HOST: 'A MAC given in the input is also used by another domain on the host.',
  DIALECT_LEFT: 'The domain still holds hybrid dialect: expand it before defining it.',
  PAIR_DEVICE_MISSING: 'The metadata names a pair half or ephemeral device that the domain lacks.',
  PAIR_MAC_MISMATCH: 'The two halves of a pair have different MACs.',
  PAIR_SAME_SLOT: 'The two halves of a pair share a guest PCI slot (QEMU failover forbids it).',
  BACKUP_PF_MISMATCH: 'A backup half is not attached to the PF of its VF.',
  BACKUP_NOT_VIRTIO: 'A teaming-style backup half is not virtio.',
  TEAMING_MISSING: 'A teaming-style pair lacks its <teaming> elements.',
  NOT_HOTPLUGGABLE: 'A device that must be detached for migration sits on a guest slot that cannot be hot-unplugged.',
  NO_GUEST_ADDRESS: 'A device that must be detached for migration has no explicit guest PCI address.',
  MIGRATION_BLOCKER: 'A passed-through device is neither a pair half nor ephemeral: it blocks migration.',
  VF_NOT_ON_HOST: 'A VF the domain uses is not in the host snapshot, or is used by another domain there.',
  PAIR_DEGRADED: 'A pair runs on its backup alone: its VF half is not in the running domain (hostdev-hybrid repair attaches one).',
  TEAMING_ON_PC: 'A teamed pair on a pc (i440fx) guest: QEMU fails over only PCIe primaries, so it can never fail over.',
  PLAN_INPUT_NOT_MIGRATABLE: 'A plan made from XML other than `virsh dumpxml --migratable`: the script rebuilds migrate.xml at run time.',
  BACKUP_DRIVER_UNKNOWN:
    "guest-config: a bond-style backup's NIC model has no guest driver the library knows, so its port cannot be matched by driver with confidence.",
  GUEST_CONFIG_ONE_HOST:
    "guest-config with one host: VF ports are matched by that host's VF drivers only, so a move to another vendor's VFs loses the fast path.",
  MAC_POSITIONAL:
    'expand: a pair with neither <mac> nor an alias got a MAC and name from its place among unnamed hybrid NICs; inserting one before it would change them.',
  MTU_TOO_SMALL: "A pair's MTU is larger than its PF's (or VLAN sub-interface's) MTU on the host: its backup would drop larger frames.",
  INVALID_MTU: "A pair's MTU is above what its PF (or VLAN sub-interface) can take on the host (max_mtu in links.json).",
  MTU_UNKNOWN: "A pair has an MTU but the host snapshot does not know its devices' MTU (no links.json, or the device is not in it).",
  UNKNOWN_TYPE: 'An <interface> or <hostdev> whose type neither libvirt nor the dialect knows (a typo, say): libvirt refuses it at define.',
  ALREADY_EXPANDED: 'expand of a domain already expanded for another host: nothing changes; plan the move instead.',
  EPHEMERAL_MISSING:
    'An ephemeral device the guest does not hold now (detached, or away during a move) is not on this host: attaching it here will fail.',
  VLAN_DEVICE_UNKNOWN: 'The destination snapshot lacks the VLAN sub-interface a backup half will use there.',
  NO_SRIOV_PF:
    'The host snapshot has no SR-IOV physical function: no VF can be had there until VFs are enabled and the snapshot captured again.',
  POOL_OVERLAP: 'Two networks of the host name the same VF (allowed, as libvirt allows it).',
  SAVE_IMAGE_LEFT:
    'A save/restore from a remote source URI: the image is on that host, where the script cannot remove it; remove it there after the restore.',
  VF_UNPLUG_FORCED: "A pair unplugged for a live migration because its entry or pool says migration='unplug'.",
  VF_UNPLUG_STYLE: "A teaming-style pair is unplugged by QEMU's failover for a live migration: it cannot move attached.",
  VF_UNPLUG_VERSION:
    'A pair unplugged for a live migration: libvirt (10.0 or later) or QEMU (8.1 or later) is older, or unknown, on one of the hosts.',
  VF_UNPLUG_DEVICE:
    'A pair unplugged for a live migration: its VFs on the two hosts are different devices (vendor:device), or one is unknown.',
  VF_UNPLUG_DRIVER:
    "A pair unplugged for a live migration: a host's kernel has no VFIO variant driver for the VF, or the snapshot does not say.",
  VF_UNPLUG_NOT_MIGRATABLE:
    "A pair unplugged for a live migration: a VF's devlink port has migratable disabled, or the snapshot does not say.",
  VF_UNPLUG_FIRMWARE: "A pair unplugged for a live migration: the two NICs' firmware versions or PSIDs differ.",
  REPAIR_OTHER_PF: "No free VF is left on the PF a degraded pair's backup uses; the repair takes one on another PF.",
} as const;

/** One of the codes of DIAGNOSTIC_CODES (docs/CHECK.md). */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A finding of checkDomain or a warning of expansion and planning (docs/CHECK.md). */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  message: string;
  /** The alias of the device concerned, when it has one. */
  alias?: string;
  /** Where the device concerned starts in the input (1-based), when it came from the input. */
  line?: number;
  column?: number;
}
