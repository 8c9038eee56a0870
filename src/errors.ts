/**
 * The one catalogue of error codes. Every `HybridError` carries one of these codes; the codes are
 * stable (callers switch on them) and each is explained in docs/ERRORS.md, which a test keeps in
 * step with this list.
 */
export const ERROR_CODES = {
  // XML layer
  XML_EMPTY: 'The input has no XML at all (empty or only white space).',
  XML_MALFORMED: 'The input is not well-formed XML; the message names the line and column.',
  XML_DOCTYPE: 'A <!DOCTYPE> with an internal subset or an external DTD; DTDs are never processed.',
  XML_ENTITY: 'An entity or character reference that is unknown or names an invalid character.',
  XML_TOO_DEEP: 'Elements nested deeper than the limit (see docs/SECURITY.md).',
  XML_TOO_LARGE: 'The document is larger than the size limit (see docs/SECURITY.md).',
  XML_ENCODING: 'A file is not valid UTF-8, or declares an encoding other than UTF-8.',
  XML_WRONG_ROOT: 'The document root is not the element the function expects (domain, network, device).',
  FILE_UNREADABLE: 'An input file does not exist, is a directory, or cannot be read.',
  FILE_UNWRITABLE: 'An output file or folder cannot be written (permissions, a full disk, a closed output).',
  USAGE: 'The command line is wrong: unknown command or option, missing argument, or a command not implemented yet.',
  // Libvirt values
  INVALID_PCI_ADDRESS: 'A PCI address attribute is missing, not hexadecimal, or out of range.',
  INVALID_MAC: 'A MAC address is malformed, multicast, or all zeros.',
  INVALID_VLAN: 'A VLAN tag is not an integer from 0 to 4095.',
  INVALID_MTU: 'An <mtu size> is not a whole number from 68 to 65535, or is above what the PF can take (max_mtu in links.json).',
  INVALID_ATTRIBUTE: 'An attribute has a value libvirt would not accept.',
  MISSING_ELEMENT: 'A required element or attribute is absent.',
  // Host snapshot
  HOST_SNAPSHOT: 'A host snapshot directory or file cannot be read, or a file is not what its folder says.',
  HOST_JSON_INVALID: 'host.json does not match schemas/host.schema.json.',
  TOPOLOGY_CONFLICT: 'Node device files contradict each other (e.g. a VF claimed by two PFs).',
  VF_WITHOUT_PF: 'A VF whose physical function is not among the node devices.',
  PF_WITHOUT_NETDEV: 'A PF that has no net device (no <net> node device names it as parent).',
  UNKNOWN_DEVICE: 'A PCI address or netdev name that the host snapshot does not know.',
  POOL_UNKNOWN: 'A hybrid entry names a network that is not in the host snapshot.',
  POOL_NOT_HYBRID: 'A hostdev-hybrid entry names a network that is not a VF pool.',
  POOL_EXHAUSTED: 'Every VF of the pool is already taken.',
  POOL_MISSING_PF: 'A pool names a PF netdev that the host snapshot does not have, or that has no VFs.',
  VF_TAKEN: 'A VF requested explicitly is already used by another domain or another pair.',
  NOT_A_VF: 'A device used as a VF is not a virtual function.',
  DUPLICATE_NAME: 'Two networks or domains in one snapshot share a name.',
  // Domains: expansion, collapse
  UNSUPPORTED_MACHINE: 'The guest machine type or architecture has no supported PCI layout (only x86 pc and q35).',
  UNSUPPORTED_ELEMENT: 'A hybrid entry holds an element or value that cannot be placed on either half.',
  DUPLICATE_ALIAS: 'Two devices share an alias.',
  INVALID_ALIAS: "A hybrid entry's alias is not a libvirt user alias (ua- and then letters, digits, - and _).",
  DUPLICATE_MAC: 'A MAC address is used by two NICs that are not halves of one pair.',
  GUEST_ADDRESS_CONFLICT: 'Two devices are given the same guest PCI slot, or an address names a bus that does not exist.',
  GUEST_ADDRESS_NOT_HOTPLUGGABLE: 'A device that must be hot-unplugged is given a guest slot that cannot be.',
  PCI_SLOTS_EXHAUSTED: 'No free hotpluggable guest PCI slot is left.',
  TEAMING_UNSUPPORTED: 'The teaming style cannot work for this pair (e.g. its backup is not virtio).',
  VF_NOT_IN_POOL: 'A hybrid entry names both a pool and a VF, and the VF is not in that pool.',
  UNKNOWN_TYPE: 'An <interface> or <hostdev> whose type neither libvirt nor the dialect knows (a typo, say): libvirt would refuse it.',
  METADATA_INVALID: 'The hostdev-hybrid metadata element is missing, malformed, or names devices the domain lacks.',
  // Plans
  MIGRATION_BLOCKED: 'A passed-through device is neither a pair half nor ephemeral: the guest cannot be migrated or saved.',
  EPHEMERAL_UNAVAILABLE:
    "An ephemeral device's host address (or its pciMap target) is not a PCI device of the destination, or is taken there.",
  EPHEMERAL_CLASS_MISMATCH: 'An ephemeral device would go to a destination device of another kind (PCI class), e.g. a GPU onto a NIC VF.',
  URI_INVALID: "A libvirt URI is missing where a plan needs one (a live migration's destination), or is not a libvirt URI.",
  MIGRATION_SAME_HOST: 'A live migration from a host onto itself, which libvirt refuses: plan a save-restore instead.',
  VF_MOVE_REFUSED:
    'A VF half arriving attached (VFIO migration) on a VF of this host that cannot take its state: the hook refuses the migration before it starts.',
  MTU_TOO_SMALL:
    "A pair's MTU is larger than what its PF (or VLAN sub-interface) has on the destination: the backup would drop larger frames there.",
  SAVE_FILE_REQUIRED:
    'A save/restore to another host without a save file: the default is on the source host alone, so give one on storage both hosts see.',
  SAVE_FILE_MANAGED:
    "A save file at libvirt's managed-save path (/var/lib/libvirt/qemu/save/NAME.save): the next virsh start of that guest would resume it.",
  NOTHING_TO_DO: 'The operation has nothing to act on (no degraded pair to repair, no such alias to unplug).',
  PLAN_INVALID: 'A plan given back to the tool (retarget, hook) does not match schemas/plan.schema.json or the domain.',
} as const;

/** One of the stable error codes of ERROR_CODES (docs/ERRORS.md). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in the input an error was found; every field is optional. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** A short description of the element, e.g. `<interface type='hostdev-hybrid'> #2`. */
  element?: string;
  /** The reason already names the file (a whole-file error): `where` does not repeat it. */
  fileInReason?: boolean;
}

/** What an error was met in, besides the input position: a host, a device. */
export interface ErrorContext {
  /** The host it was met on, e.g. `the destination`. */
  host?: string;
  /** The device (alias) it concerns there. */
  device?: string;
}

/**
 * The only error the library throws for bad input. `code` is stable; `message` says what to fix.
 * A programmer error (calling an API with the wrong types) is a plain `TypeError` instead.
 * Position and context are fields; `message` is built from the context and the `reason`.
 */
export class HybridError extends Error {
  readonly code: ErrorCode;
  /** What is wrong and what to fix, without the context. */
  readonly reason: string;
  file?: string;
  line?: number;
  column?: number;
  element?: string;
  readonly context: ErrorContext;
  readonly #fileInReason: boolean;

  constructor(code: ErrorCode, reason: string, where: ErrorLocation = {}, context: ErrorContext = {}) {
    super(composeMessage(reason, context));
    this.name = 'HybridError';
    this.code = code;
    this.reason = reason;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.element = where.element;
    this.context = context;
    this.#fileInReason = where.fileInReason === true;
  }

  /** `file:line:column: ` as far as known, for one-line reports (not the file a whole-file reason names). */
  get where(): string {
    let s = '';
    if (this.file !== undefined && !(this.#fileInReason && this.line === undefined)) s += this.file + ':';
    if (this.line !== undefined) s += this.line + ':';
    if (this.column !== undefined) s += this.column + ':';
    return s ? s + ' ' : '';
  }

  /** The same error, met on `host` (and about `device` there): position and reason kept. */
  on(host: string, device?: string): HybridError {
    const { file, line, column, element } = this;
    return new HybridError(
      this.code,
      this.reason,
      { file, line, column, element: element ?? device, fileInReason: this.#fileInReason },
      { host, ...(device === undefined ? {} : { device }) },
    );
  }

  /** The same error, attributed to a file (used when reading snapshots and by the CLI); undefined changes nothing. */
  inFile(file: string | undefined): HybridError {
    if (this.file === undefined) this.file = file;
    return this;
  }
}

/**
 * Runs `fn`: a HybridError of one of `codes` (any code when none is named) is returned instead of
 * thrown, for a caller that goes on another way; anything else is thrown as it is.
 */
export function caught<T>(fn: () => T, ...codes: ErrorCode[]): T | HybridError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HybridError && (codes.length === 0 || codes.includes(e.code))) return e;
    throw e;
  }
}

function composeMessage(reason: string, { host, device }: ErrorContext): string {
  return `${host === undefined ? '' : `on ${host}: `}${device === undefined ? '' : `'${device}': `}${reason}`;
}
