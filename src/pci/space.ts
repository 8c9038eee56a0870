/**
 * The guest's PCI address space, as far as explicit addresses and controllers tell it. Devices
 * without an address are placed by libvirt *after* every explicit one, so claiming explicit
 * slots here can never collide with them.
 *
 * What is supported (docs/EXPAND.md): x86 `pc` — pci-root and pci-bridge slots; `q35` — one
 * device per pcie-root-port or pcie-switch-downstream-port, pcie-to-pci-bridge and pci-bridge
 * slots for what is already there; new pcie-root-ports are added when no empty one is left.
 * Expander buses and dmi-to-pci-bridge slots are respected but never chosen.
 */
import { HybridError } from '../errors.js';
import { leanElement, type XmlElement } from '../xml/tree.js';
import { firstChild, getAttribute } from '../xml/edit.js';
import { formatPci, pciAttributes, pciNumber, readPciAddress, slotNumber, type PciAddress } from '../libvirt/pci-address.js';
import { describeDevice, serialMirrors, type MachineKind } from '../libvirt/domain.js';

export interface PciController {
  index: number;
  model: string;
  hotplug: boolean;
  /** Added by this expansion: printed into the domain at the end. */
  added?: { chassis: number; port: number; address: PciAddress; multifunction: boolean };
}

export interface GuestPciSpace {
  machine: MachineKind;
  controllers: Map<number, PciController>;
  /** pciNumber(address) → who holds it (a device's description, for messages). */
  functions: Map<number, string>;
  /** slotNumber of every slot with at least one function in use. */
  slots: Set<number>;
  /** The highest bus any address names: libvirt adds controllers for buses nobody listed. */
  maxBus: number;
  /** False for a running guest: controllers cannot be added live. */
  canAddPorts: boolean;
  /**
   * The controllers by index, and how many of them, in that order, are known full: slots only
   * ever fill during one expansion, so each search starts where the last one stopped.
   */
  search?: { order: PciController[]; full: number };
  /** The last pcie-root-port this expansion added (the next one packs in beside it). */
  lastAdded?: NonNullable<PciController['added']>;
  /** The added port at function 0 of the slot being packed (multifunction once it has company). */
  slotLead?: NonNullable<PciController['added']>;
}

const slotKey = (a: PciAddress): number => slotNumber(a.domain, a.bus, a.slot);

/** libvirt's own limit on PCI controller indexes (one bus each). */
const MAX_INDEX = 255;
const CONTROLLER_INDEX = /^[0-9]{1,3}$/;

export function guestPciSpace(machine: MachineKind, devices: XmlElement[], canAddPorts = true): GuestPciSpace {
  const space: GuestPciSpace = { machine, controllers: new Map(), functions: new Map(), slots: new Set(), maxBus: 0, canAddPorts };
  const mirrors = serialMirrors(devices);
  // (pcie-root takes no hot-plug whatever this says: isHotpluggable goes by the model.)
  space.controllers.set(0, { index: 0, model: machine === 'q35' ? 'pcie-root' : 'pci-root', hotplug: true });
  // libvirt gives a PCI controller without index= the lowest index no other one uses, in document
  // order (virt-install writes its pcie-root-ports so): do the same, after the explicit ones.
  const explicit = new Set<number>();
  const pci = devices.filter((d) => d.name === 'controller' && getAttribute(d, 'type') === 'pci');
  for (const dev of pci) {
    const raw = getAttribute(dev, 'index');
    if (raw === undefined) continue;
    if (!CONTROLLER_INDEX.test(raw) || Number(raw) > MAX_INDEX) {
      const where = describeDevice(dev, devices.indexOf(dev));
      throw new HybridError('INVALID_ATTRIBUTE', `${where}: index='${raw}' is not a PCI controller index from 0 to ${MAX_INDEX}`, {
        element: where,
      });
    }
    explicit.add(Number(raw));
  }
  let next = 0;
  for (const dev of pci) {
    const raw = getAttribute(dev, 'index');
    let index: number;
    if (raw !== undefined) index = Number(raw);
    else {
      while (explicit.has(next)) next++;
      index = next;
      explicit.add(index);
    }
    const target = firstChild(dev, 'target');
    space.controllers.set(index, {
      index,
      model: getAttribute(dev, 'model') ?? (index === 0 ? (machine === 'q35' ? 'pcie-root' : 'pci-root') : 'pci-bridge'),
      hotplug: (target ? getAttribute(target, 'hotplug') : undefined) !== 'off',
    });
  }
  devices.forEach((dev, i) => {
    // A console that mirrors a serial port shares its address: one device.
    const a = firstChild(dev, 'address');
    if (!a || getAttribute(a, 'type') !== 'pci' || mirrors.has(dev)) return;
    const who = describeDevice(dev, i);
    occupy(space, readPciAddress(a, who), who);
  });
  return space;
}

/** Takes an address some device of the input holds; a second holder is refused. */
function occupy(space: GuestPciSpace, a: PciAddress, by: string): void {
  refuseHeld(space, a, by);
  mark(space, a, by);
}

function refuseHeld(space: GuestPciSpace, a: PciAddress, by: string): void {
  const held = space.functions.get(pciNumber(a));
  if (held !== undefined) {
    // libvirt itself refuses duplicates in the input; we report the first we see either way.
    throw new HybridError('GUEST_ADDRESS_CONFLICT', `${by}: guest PCI address ${formatPci(a)} is already used by ${held}`, {
      element: by,
    });
  }
}

function mark(space: GuestPciSpace, a: PciAddress, by: string): void {
  space.functions.set(pciNumber(a), by);
  space.slots.add(slotKey(a));
  space.maxBus = Math.max(space.maxBus, a.bus);
}

/** Claims an address the input gave explicitly: on a bus that exists, in a slot of its own. */
export function reserveAddress(space: GuestPciSpace, a: PciAddress, who: string): void {
  refuseHeld(space, a, who);
  if (!space.controllers.has(a.bus)) {
    throw new HybridError(
      'GUEST_ADDRESS_CONFLICT',
      `${who}: guest PCI address ${formatPci(a)} is on bus ${a.bus}, which no PCI controller provides`,
      { element: who },
    );
  }
  if (space.slots.has(slotKey(a))) {
    throw new HybridError(
      'GUEST_ADDRESS_CONFLICT',
      `${who}: guest PCI slot ${formatPci(a).slice(0, -2)} is already used by another device (hybrid halves need a slot of their own)`,
      { element: who },
    );
  }
  mark(space, a, who);
}

/** Whether a device at `a` can be hot-unplugged (and a new one hot-plugged there). */
export function isHotpluggable(space: GuestPciSpace, a: PciAddress): boolean {
  if (a.domain !== 0 || a.function !== 0) return false;
  const c = space.controllers.get(a.bus);
  if (!c || !c.hotplug) return false;
  switch (c.model) {
    case 'pci-root':
      return a.slot >= 3; // 0 host bridge, 1 PIIX3, 2 primary video
    case 'pci-bridge':
    case 'pcie-to-pci-bridge':
      return a.slot >= 1;
    case 'pcie-root-port':
    case 'pcie-switch-downstream-port':
      return a.slot === 0;
    default:
      return false; // pcie-root, dmi-to-pci-bridge, expander buses, upstream ports
  }
}

function freeOn(space: GuestPciSpace, bus: number, slots: number[]): PciAddress | undefined {
  for (const slot of slots) {
    if (!space.slots.has(slotNumber(0, bus, slot))) return { domain: 0, bus, slot, function: 0 };
  }
  return undefined;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const PCI_ROOT_SLOTS = range(3, 31);
const BRIDGE_SLOTS = range(1, 31);

/**
 * A free hotpluggable slot for `who`, claimed. On q35 a new pcie-root-port is added when no
 * empty port is left; elsewhere running out is an error.
 */
export function allocateHotpluggable(space: GuestPciSpace, who: string): PciAddress {
  space.search ??= { order: [...space.controllers.values()].sort((a, b) => a.index - b.index), full: 0 };
  const search = space.search;
  const scan = (slotsOf: (c: PciController) => number[] | undefined): PciAddress | undefined => {
    for (let i = search.full; i < search.order.length; i++) {
      const c = search.order[i]!;
      const slots = slotsOf(c);
      const a = slots && freeOn(space, c.index, slots);
      if (a) return a;
      // Every controller before i was full too (the scan stops at the first free slot).
      search.full = i + 1;
    }
    return undefined;
  };
  let found: PciAddress | undefined;
  if (space.machine === 'pc') {
    found = freeOn(space, 0, PCI_ROOT_SLOTS) ?? scan((c) => (c.model === 'pci-bridge' && c.hotplug ? BRIDGE_SLOTS : undefined));
  } else {
    found = scan((c) => ((c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port') && c.hotplug ? [0] : undefined));
    if (!found && !space.canAddPorts) {
      throw new HybridError(
        'PCI_SLOTS_EXHAUSTED',
        `${who}: the running guest has no empty hotpluggable pcie-root-port, and ports cannot be added to a running guest; add <controller type='pci' model='pcie-root-port'/> to its definition and restart it once`,
        { element: who },
      );
    }
    if (!found) found = { domain: 0, bus: addRootPort(space, who), slot: 0, function: 0 };
  }
  if (!found) {
    throw new HybridError(
      'PCI_SLOTS_EXHAUSTED',
      `${who}: no free hotpluggable guest PCI slot is left; add a <controller type='pci' model='pci-bridge'/> with a free index`,
      { element: who },
    );
  }
  mark(space, found, who);
  return found;
}

/** Adds a pcie-root-port the way libvirt would: chassis = index, port = slot << 3 | function. */
function addRootPort(space: GuestPciSpace, who: string): number {
  let index = space.maxBus + 1;
  for (const k of space.controllers.keys()) if (k >= index) index = k + 1;
  if (index > MAX_INDEX)
    throw new HybridError(
      'PCI_SLOTS_EXHAUSTED',
      `${who}: no PCI controller index is left for another pcie-root-port (256 buses at most): give the guest fewer hybrid NICs, each takes two ports`,
      { element: who },
    );
  // Pack new ports into the functions of one bus-0 slot, as libvirt does, then move on.
  const last = space.lastAdded;
  let address: PciAddress | undefined;
  // The last port's slot was empty when it was taken: its other functions are free.
  if (last && last.address.function < 7) address = { ...last.address, function: last.address.function + 1 };
  if (!address) {
    const slot = range(1, 0x1e).find((s) => !space.slots.has(slotNumber(0, 0, s)));
    if (slot === undefined)
      throw new HybridError(
        'PCI_SLOTS_EXHAUSTED',
        `${who}: pcie-root has no free slot for another pcie-root-port: add ports behind a PCIe switch (a pcie-root-port, a pcie-switch-upstream-port and pcie-switch-downstream-port controllers under it) or a pcie-expander-bus with its own root ports, with explicit addresses; or give the guest fewer hybrid NICs (each takes two ports)`,
        { element: who },
      );
    address = { domain: 0, bus: 0, slot, function: 0 };
  } else {
    space.slotLead!.multifunction = true;
  }
  const added = { chassis: index, port: (address.slot << 3) | address.function, address, multifunction: false };
  if (address.function === 0) space.slotLead = added;
  space.lastAdded = added;
  const controller: PciController = { index, model: 'pcie-root-port', hotplug: true, added };
  space.controllers.set(index, controller);
  space.search!.order.push(controller); // the highest index: the order stays sorted
  mark(space, address, `pcie-root-port index ${index}`);
  return index;
}

/** The controllers this expansion added, as libvirt would print them. */
export function addedControllers(space: GuestPciSpace): XmlElement[] {
  // Added ports come after every index in use, so they are in index order already.
  return [...space.controllers.values()]
    .filter((c) => c.added)
    .map((c) => {
      const { chassis, port, address, multifunction } = c.added!;
      return leanElement('controller', { type: 'pci', index: String(c.index), model: 'pcie-root-port' }, [
        leanElement('model', { name: 'pcie-root-port' }),
        leanElement('target', { chassis: String(chassis), port: '0x' + port.toString(16) }),
        leanElement('address', { ...pciAttributes(address), ...(multifunction ? { multifunction: 'on' } : {}) }),
      ]);
    });
}

/** Reads a guest `<address>` element of a dialect entry (must be PCI). */
export function readGuestAddress(el: XmlElement, where: string): PciAddress {
  const type = getAttribute(el, 'type');
  if (type !== 'pci')
    throw new HybridError('INVALID_PCI_ADDRESS', `${where}: the guest address must be type='pci', not '${type ?? ''}'`, { element: where });
  return readPciAddress(el, where);
}
