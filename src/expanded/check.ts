import { unknownDeviceTypes } from '../libvirt/known-types.js';
import { judgeMtu, mtuUnknownWarning } from '../host/mtu.js';
import type { Diagnostic } from '../diagnostics.js';
import { parseXml } from '../xml/parse.js';
import { childAttribute, firstChild, getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { hostIndex, vfTopology, type Host } from '../host/model.js';
import { poolOverlaps } from '../host/check.js';
import { hostPciSource } from '../host/domain-usage.js';
import { caught, HybridError } from '../errors.js';
import {
  aliasOf,
  describeDevice,
  deviceList,
  domainName,
  domainRoot,
  guestPciAddress,
  isPassthrough,
  machineKind,
} from '../libvirt/domain.js';
import { formatPci, type PciAddress } from '../libvirt/pci-address.js';
import { backupDevFor } from '../pair/halves.js';
import { isTeamed, teamingMachineProblem, teamingModelProblem } from '../pair/teaming.js';
import { guestPciSpace, isHotpluggable, type GuestPciSpace } from '../pci/space.js';
import {
  devicesByAlias,
  pairHalves,
  type PairHalves,
  readMetadata,
  type EphemeralRecord,
  type PairRecord,
  type Style,
} from '../metadata.js';
import { sourceOffset } from '../xml/origin.js';
import { lineColumn } from '../xml/position.js';
import { compact } from '../compact.js';

/** Options of checkDomain. */
export interface CheckOptions {
  file?: string;
}

/**
 * Diagnostics for a domain (expanded or not): what would break a migration or a pair. With a
 * host snapshot it also checks the pairs against the host. Returns an empty list when all is
 * well; bad input (not a domain, malformed metadata) still throws HybridError.
 *
 * @example
 * for (const d of checkDomain(xml, host)) console.log(`${d.line}:${d.column}: ${d.severity}[${d.code}]: ${d.message}`);
 */
export function checkDomain(domainXml: string, host?: Host, options: CheckOptions = {}): Diagnostic[] {
  if (typeof domainXml !== 'string') throw new TypeError('checkDomain expects the domain XML as a string');
  const root = domainRoot(parseXml(domainXml, { file: options.file }));
  const c: Check = { root, devices: deviceList(root), host, out: [], movable: new Set(), mtuUnknown: [] };
  dialectLeft(c);
  c.out.push(...unknownDeviceTypes(c.devices));
  const meta = readMetadata(root);
  const byAlias = devicesByAlias(c.devices);
  for (const pair of meta?.pairs ?? []) checkPair(c, pair, meta!.style, pairHalves(byAlias, pair));
  if (host && c.mtuUnknown.length > 0) c.out.push(mtuUnknownWarning(host, c.mtuUnknown));
  for (const e of meta?.ephemeral ?? []) checkEphemeral(c, e, byAlias.get(e.alias));
  migrationBlockers(c);
  // The host's own oddities, where they touch this domain's pools.
  if (host) {
    const pools = new Set((meta?.pairs ?? []).map((p) => p.pool).filter((p) => p !== undefined));
    for (const o of poolOverlaps(host)) if (o.pools.some((p) => pools.has(p))) c.out.push(o.diagnostic);
  }
  return c.out;
}

/** One check under way. */
interface Check {
  root: XmlElement;
  devices: XmlElement[];
  host: Host | undefined;
  out: Diagnostic[];
  /** The pair halves and ephemeral devices found: passthrough devices that may move. */
  movable: Set<XmlElement>;
  /** Devices whose MTU the host snapshot does not know, said once at the end. */
  mtuUnknown: string[];
  /** The guest's PCI space, made when a device's address is first judged. */
  space?: GuestPciSpace;
}

/** Dialect that expansion should have turned into libvirt XML. */
function dialectLeft(c: Check): void {
  const { host } = c;
  c.devices.forEach((dev, i) => {
    const dialect =
      getAttribute(dev, 'type') === 'hostdev-hybrid' ||
      getAttribute(dev, 'ephemeral') !== undefined ||
      firstChild(dev, 'backup') !== undefined ||
      (host !== undefined &&
        dev.name === 'interface' &&
        getAttribute(dev, 'type') === 'network' &&
        hostIndex(host).poolByName.has(childAttribute(dev, 'source', 'network') ?? ''));
    if (dialect)
      c.out.push({
        code: 'DIALECT_LEFT',
        severity: 'error',
        message: `${describeDevice(dev, i)} is hybrid dialect: run expand before virsh define`,
        ...alias(dev),
      });
  });
}

/** A device that must be detached for a move: it needs a guest address it can be unplugged from. */
function checkHotplug(c: Check, dev: XmlElement, who: string): void {
  const a = guestPciAddress(dev, who);
  if (!a) {
    c.out.push({
      code: 'NO_GUEST_ADDRESS',
      severity: 'warning',
      message: `${who} has no explicit guest PCI address: libvirt may put it where it cannot be hot-unplugged`,
      ...alias(dev),
    });
    return;
  }
  c.space ??= guestPciSpace(machineKind(c.root), c.devices);
  if (!isHotpluggable(c.space, a)) {
    c.out.push({
      code: 'NOT_HOTPLUGGABLE',
      severity: 'error',
      message: `${who} is at guest address ${formatPci(a)}, which cannot be hot-unplugged: it cannot be detached for migration`,
      ...alias(dev),
    });
  }
}

/** One pair: both halves there, one MAC, two slots, an unpluggable VF half, its style's needs, the host. */
function checkPair(c: Check, pair: PairRecord, style: Style, { vf, backup, wrongMac }: PairHalves): void {
  // (Keys in the order check's JSON has always had them.)
  const report: Report = ({ code, severity, message }) => {
    c.out.push({ code, severity, alias: pair.name, ...at(vf, backup), message });
  };
  if (!vf && backup) {
    report({
      code: 'PAIR_DEGRADED',
      severity: 'warning',
      message: `pair '${pair.name}' runs on its backup alone: the domain has no VF half '${pair.vfAlias}' (after a migration or restore); 'hostdev-hybrid repair' attaches one`,
    });
    return;
  }
  if (!vf || !backup) {
    report({
      code: 'PAIR_DEVICE_MISSING',
      severity: 'error',
      message: `pair '${pair.name}': the domain has no device '${!vf ? pair.vfAlias : pair.backupAlias}'`,
    });
    return;
  }
  c.movable.add(vf);
  const macOf = (d: XmlElement): string | undefined => childAttribute(d, 'mac', 'address')?.toLowerCase();
  if (macOf(vf) !== macOf(backup) || macOf(vf) === undefined) {
    report({
      code: 'PAIR_MAC_MISMATCH',
      severity: 'error',
      message: `pair '${pair.name}': the VF half has MAC ${macOf(vf) ?? '(none)'}, the backup ${macOf(backup) ?? '(none)'}; the guest can only bond them with one MAC`,
    });
  } else if (wrongMac !== undefined) {
    // Plans refuse it (METADATA_INVALID): one MAC on both halves, but not the pair's.
    report({ code: 'PAIR_MAC_MISMATCH', severity: 'error', message: wrongMac });
  }
  const [va, ba] = [guestPciAddress(vf, pair.vfAlias), guestPciAddress(backup, pair.backupAlias)];
  if (va && ba && slotOf(va) === slotOf(ba)) {
    report({
      code: 'PAIR_SAME_SLOT',
      severity: 'error',
      message: `pair '${pair.name}': both halves are in guest slot ${slotOf(va)}; QEMU failover needs them in different slots`,
    });
  }
  checkHotplug(c, vf, `VF half '${pair.vfAlias}'`);
  if (style === 'teaming') checkTeamedPair(c, pair, vf, backup, report);
  if (c.host) checkPairOnHost(c.host, domainName(c.root), pair, vf, backup, (d) => c.out.push(d), c.mtuUnknown);
  else checkBackupPf(pair, backup, pair.pfDev, report);
}

type Report = (d: Omit<Diagnostic, 'alias' | 'line' | 'column'>) => void;

/** A teamed pair: a q35 guest, the two <teaming> elements, a virtio backup. */
function checkTeamedPair(c: Check, pair: PairRecord, vf: XmlElement, backup: XmlElement, report: Report): void {
  const machine = machineKind(c.root);
  if (teamingMachineProblem(machine) !== undefined) {
    report({
      code: 'TEAMING_ON_PC',
      severity: 'error',
      message: `pair '${pair.name}' is teamed on a ${machine} (i440fx) guest: QEMU fails over only PCIe primaries, so it never can; move the guest to q35 or use bond style`,
    });
  }
  if (!isTeamed(vf, backup, pair.backupAlias)) {
    report({
      code: 'TEAMING_MISSING',
      severity: 'error',
      message: `pair '${pair.name}': teaming style needs <teaming type='persistent'/> on '${pair.backupAlias}' and <teaming type='transient' persistent='${pair.backupAlias}'/> on '${pair.vfAlias}'`,
    });
  }
  const modelProblem = teamingModelProblem(childAttribute(backup, 'model', 'type'));
  if (modelProblem !== undefined) report({ code: 'BACKUP_NOT_VIRTIO', severity: 'error', message: `pair '${pair.name}': ${modelProblem}` });
}

/**
 * The backup half is on the PF (or its VLAN sub-interface) of its pair's VF: the host's PF for
 * that VF when a host is given, else the one the metadata records. One rule, with or without a host.
 */
function checkBackupPf(
  pair: PairRecord,
  backup: XmlElement,
  pfNetdev: string,
  report: (d: Omit<Diagnostic, 'alias' | 'line' | 'column'>) => void,
  vf = pair.vf,
): void {
  const expected = backupDevFor(pair, pfNetdev);
  const actual = childAttribute(backup, 'source', 'dev');
  if (actual !== expected) {
    report({
      code: 'BACKUP_PF_MISMATCH',
      severity: 'error',
      message: `pair '${pair.name}': the backup half is on '${actual ?? '(none)'}', but VF ${vf} belongs to PF ${pfNetdev} (expected '${expected}')`,
    });
  }
}

/** One ephemeral device: there, and unpluggable. */
function checkEphemeral(c: Check, e: EphemeralRecord, dev: XmlElement | undefined): void {
  if (!dev) {
    c.out.push({
      code: 'PAIR_DEVICE_MISSING',
      severity: 'error',
      alias: e.alias,
      message: `ephemeral device '${e.alias}' is in the metadata but not in the domain`,
    });
    return;
  }
  c.movable.add(dev);
  checkHotplug(c, dev, `ephemeral device '${e.alias}'`);
}

/** Passthrough devices that are neither a pair's half nor ephemeral: the guest cannot move. */
function migrationBlockers(c: Check): void {
  c.devices.forEach((dev, i) => {
    if (isPassthrough(dev) && !c.movable.has(dev) && getAttribute(dev, 'ephemeral') !== 'yes') {
      c.out.push({
        code: 'MIGRATION_BLOCKER',
        severity: 'error',
        ...alias(dev),
        message: `${describeDevice(dev, i)} is passed through but neither a hybrid pair nor ephemeral='yes': it blocks live migration`,
      });
    }
  });
}

/** The device's alias and where it starts in the input, for a diagnostic about it. */
function alias(dev: XmlElement): { alias?: string; line?: number; column?: number } {
  const origin = sourceOffset(dev);
  return compact({ alias: aliasOf(dev), ...(origin ? lineColumn(origin.source, origin.offset) : {}) });
}

/** A pair's diagnostic points at the half that exists, the VF half first. */
function at(...devs: (XmlElement | undefined)[]): { line?: number; column?: number } {
  const dev = devs.find((d) => d !== undefined);
  const origin = dev && sourceOffset(dev);
  return origin ? lineColumn(origin.source, origin.offset) : {};
}

/** `0000:01:00`: a guest slot, as messages name it. */
const slotOf = (a: PciAddress): string => formatPci(a).slice(0, -2);

function checkPairOnHost(
  host: Host,
  domain: string,
  pair: PairRecord,
  vf: XmlElement,
  backup: XmlElement,
  report: (d: Diagnostic) => void,
  mtuUnknown: string[],
): void {
  const where = { alias: pair.name, ...at(vf, backup) };
  const say = ({ code, severity, message }: Omit<Diagnostic, 'alias' | 'line' | 'column'>): void =>
    report({ code, severity, ...where, message });
  const index = hostIndex(host);
  // What plan refuses from the same domain and host (UNKNOWN_DEVICE): the recorded VF is not here.
  if (!index.vfByAddress.has(pair.vf)) {
    say({
      code: 'VF_NOT_ON_HOST',
      severity: 'error',
      message: `pair '${pair.name}': its metadata names VF ${pair.vf}, which the host snapshot does not have: is this the host the guest runs on? (plan refuses it)`,
    });
  }
  const user = index.macOwner.get(pair.mac.toLowerCase());
  if (user !== undefined && user !== domain) {
    say({
      code: 'MAC_IN_USE_ON_HOST',
      severity: 'warning',
      message: `pair '${pair.name}': MAC ${pair.mac.toLowerCase()} is also used by domain '${user}' on this host`,
    });
  }
  const source = hostPciSource(vf, pair.name);
  if (source === undefined) return;
  const topo = caught(() => vfTopology(host, source));
  if (topo instanceof HybridError) {
    if (source !== pair.vf) say({ code: 'VF_NOT_ON_HOST', severity: 'error', message: `pair '${pair.name}': ${topo.message}` });
    return;
  }
  const pfNetdev = topo.pfNetdev;
  const taker = index.takenBy.get(source);
  if (taker !== undefined && taker !== domain) {
    say({
      code: 'VF_NOT_ON_HOST',
      severity: 'error',
      message: `pair '${pair.name}': VF ${source} is used by domain '${taker}' on this host`,
    });
  }
  const actual = childAttribute(backup, 'source', 'dev');
  checkBackupPf(pair, backup, pfNetdev, say, source);
  if (pair.mtu === undefined) return;
  const verdict = judgeMtu(host, pair.name, pair.mtu, [pfNetdev, actual ?? backupDevFor(pair, pfNetdev)], 'on this host');
  if (verdict.kind === 'refused') say({ code: verdict.code, severity: 'error', message: verdict.message });
  if (verdict.kind === 'unknown') mtuUnknown.push(...verdict.devices);
}
