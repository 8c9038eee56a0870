import { HybridError } from '../errors.js';
import type { Diagnostic } from '../diagnostics.js';
import { parseXml } from '../xml/parse.js';
import { serializeXml } from '../xml/serialize.js';
import {
  childAttribute, childElements, firstChild, firstPath, getAttribute, insertElement, layOutShared, placeLaidOut, removeAttribute, removeElement, setAttribute, sharedLayout,
} from '../xml/edit.js';
import { cloneNode, leanElement, type XmlDocument, type XmlElement, type XmlNode } from '../xml/tree.js';
import { AllocationRun } from '../host/allocate.js';
import { assertHost, hostIndex, type Host, type VfTopology } from '../host/model.js';
import { hostPciSource } from '../host/domain-usage.js';
import { aliasOf, atElement, deviceList, devicesOf, domainName, domainRoot, domainUuid, guestPciAddress, inInput, machineKind, serialMirrors } from '../libvirt/domain.js';
import { parseMac, stableMac } from '../libvirt/mac.js';
import { formatPci, parsePci, pciAttributes, readPciAddress, type PciAddress } from '../libvirt/pci-address.js';
import { readVlan, vlanDeviceName } from '../libvirt/vlan.js';
import { unknownDeviceTypes } from '../libvirt/types.js';
import { readMtu } from '../libvirt/mtu.js';
import { mtuFit, mtuFix, mtuUnknownWarning } from '../host/mtu.js';
import {
  addedControllers, allocateHotpluggable, guestPciSpace, isHotpluggable, readGuestAddress, reserveAddress, type GuestPciSpace,
} from '../pci/space.js';
import { findDialect, type DialectEntry } from './dialect.js';
import { readMetadata, writeMetadata, type EphemeralRecord, type HybridMetadata, type PairRecord, type Style } from './metadata.js';
import { placeHybridChild } from './placement.js';
import { compact } from '../compact.js';

/** Options of expandDomain. */
export interface ExpandOptions {
  /** How the guest sees a pair; default `bond`. */
  style?: Style;
  /** Name of a pair's backup source when it has a VLAN: `{pf}` and `{vlan}` are replaced. Default `{pf}.{vlan}`. */
  vlanDevice?: string;
  /** Names the input in error messages. */
  file?: string;
}

/** One pair as expanded: its record plus the style and guest addresses chosen. */
export interface ExpandedPair extends PairRecord {
  style: Style;
  numaNode?: number;
  /** Guest PCI addresses, `0000:01:00.0`. */
  vfGuestAddress: string;
  backupGuestAddress: string;
  macGenerated: boolean;
}

/** One ephemeral device as expanded. */
export interface ExpandedEphemeral extends EphemeralRecord {
  guestAddress?: string;
}

/** What expandDomain returns: the XML and the choices it made. */
export interface ExpandResult {
  xml: string;
  /** False when the domain held nothing to expand: `xml` is the input, byte for byte. */
  changed: boolean;
  pairs: ExpandedPair[];
  ephemeral: ExpandedEphemeral[];
  warnings: Diagnostic[];
  /** Indexes of the pcie-root-port controllers expansion added. */
  addedControllers: number[];
}

/** What one pair entry says, read and checked before anything is chosen. */
interface PairSpec {
  entry: Extract<DialectEntry, { kind: 'pair' }>;
  explicitVf?: string;
  mac?: string;
  alias?: string;
  vfGuest?: PciAddress;
  backupGuest?: PciAddress;
  vlanEl?: XmlElement;
  vlan?: number;
  mtu?: number;
  /** Children for the VF half and for the backup half; none is the usual case, and allocates nothing. */
  toVf: XmlElement[] | undefined;
  toBackup: XmlElement[] | undefined;
  /** The backup's `<model>`; none given: virtio. */
  backupModel: XmlElement | undefined;
  managed: string;
  trustGuestRxFilters: string | undefined;
}

const HYBRID_ATTRIBUTES = new Set(['type', 'managed', 'trustGuestRxFilters']);
// libvirt's rule for user aliases (a module constant: a regex literal is a new object each time it is evaluated).
const USER_ALIAS = /^ua-[A-Za-z0-9_-]+$/;

function readPairSpec(entry: Extract<DialectEntry, { kind: 'pair' }>): PairSpec {
  const { el, where } = entry;
  for (const a of el.attributes) {
    if (!HYBRID_ATTRIBUTES.has(a.name)) throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: attribute ${a.name}='${a.value}' is not supported on a hybrid entry`, { element: where });
  }
  const managed = getAttribute(el, 'managed') ?? 'yes';
  if (managed !== 'yes' && managed !== 'no') throw new HybridError('INVALID_ATTRIBUTE', `${where}: managed='${managed}' must be 'yes' or 'no'`, { element: where });
  const trust = getAttribute(el, 'trustGuestRxFilters');
  // A spec lives as long as the expansion: what most entries leave out is left undefined.
  const spec: PairSpec = { entry, toVf: undefined, toBackup: undefined, managed, backupModel: undefined, trustGuestRxFilters: trust };
  const setModel = (m: XmlElement): void => {
    if (spec.backupModel !== undefined) throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: the backup's <model> is given twice`, { element: where });
    spec.backupModel = m;
  };
  const source = firstChild(el, 'source');
  if (!source) {
    throw new HybridError('MISSING_ELEMENT', `${where}: a hybrid entry needs <source network='POOL'/> or <source><address type='pci' …/></source> naming its VF`, { element: where });
  }
  const vfAddress = firstChild(source, 'address');
  if (vfAddress) spec.explicitVf = formatPci(readPciAddress(vfAddress, `${where} <source><address>`));
  if (!vfAddress && entry.pool === undefined) {
    throw new HybridError('MISSING_ELEMENT', `${where}: <source> names neither a pool (network='…') nor a VF (<address type='pci' …/>)`, { element: where });
  }
  for (const child of childElements(el)) {
    switch (child.name) {
      case 'source': break;
      case 'mac': {
        const raw = getAttribute(child, 'address');
        if (raw === undefined) throw new HybridError('MISSING_ELEMENT', `${where}: <mac> needs address='…'`, { element: where });
        spec.mac = parseMac(raw, where);
        break;
      }
      case 'alias': {
        const name = getAttribute(child, 'name') ?? '';
        if (!USER_ALIAS.test(name)) {
          throw new HybridError('INVALID_ALIAS', `${where}: alias '${name}' must start with 'ua-' and use only letters, digits, '-' and '_' (libvirt's rule for user aliases)`, { element: where });
        }
        spec.alias = name;
        break;
      }
      case 'address': spec.vfGuest = readGuestAddress(child, `${where} <address>`); break;
      case 'backup':
        for (const b of childElements(child)) {
          if (b.name === 'address') spec.backupGuest = readGuestAddress(b, `${where} <backup><address>`);
          else if (b.name === 'model') setModel(b);
          else throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: <backup> may hold <address> and <model>, not <${b.name}>`, { element: where });
        }
        break;
      case 'vlan':
        spec.vlan = readVlan(child, where);
        spec.vlanEl = child;
        break;
      case 'model': setModel(child); break;
      // In the metadata only: libvirt refuses <mtu> on both halves (direct and hostdev).
      case 'mtu': spec.mtu = readMtu(child, where); break;
      default: {
        const place = placeHybridChild(child, where);
        if (place === 'vf' || place === 'both') (spec.toVf ??= []).push(child);
        // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: one element in both halves prints the same; the copy keeps a later edit of one half off the other
        if (place === 'backup' || place === 'both') (spec.toBackup ??= []).push(place === 'both' ? cloneNode(child) : child);
      }
    }
  }
  return spec;
}

export function addressElement(a: PciAddress): XmlElement {
  return leanElement('address', pciAttributes(a));
}

/**
 * Expands the hybrid dialect into plain libvirt XML (docs/EXPAND.md). Everything outside the
 * expanded devices, the added controllers and the metadata element comes back byte for byte;
 * a domain with nothing to expand comes back unchanged.
 *
 * @example
 * const { xml, pairs, warnings } = expandDomain(domainXml, readHostSnapshot('hosts/a'), { style: 'bond' });
 * pairs[0]; // { name: 'ua-hybrid0', mac: '52:54:00:…', vf: '0000:04:10.2', pfDev: 'enp4s0f0', … }
 */
export function expandDomain(domainXml: string, host: Host, options: ExpandOptions = {}): ExpandResult {
  if (typeof domainXml !== 'string') throw new TypeError('expandDomain expects the domain XML as a string');
  assertHost(host, 'expandDomain');
  return inInput(options.file, () => expand(domainXml, host, options));
}

function expand(domainXml: string, host: Host, options: ExpandOptions): ExpandResult {
  const doc = parseXml(domainXml, { file: options.file });
  const result = expandDocument(doc, host, options);
  const root = domainRoot(doc);
  const notes = [...unknownDeviceTypes(deviceList(root)), ...(result.changed ? [] : expandedElsewhere(root, host))];
  return {
    xml: result.changed ? serializeXml(doc) : domainXml, changed: result.changed,
    ...result.result, warnings: [...result.result.warnings, ...notes],
  };
}

/**
 * An expanded domain given to expand again for a host whose snapshot lacks its VFs: nothing
 * changes (there is no dialect left), which is not what a caller moving it wants to hear silently.
 */
function expandedElsewhere(root: XmlElement, host: Host): Diagnostic[] {
  const index = hostIndex(host);
  const foreign = (readMetadata(root)?.pairs ?? []).filter((p) => {
    const vf = index.vfByAddress.get(p.vf);
    return !vf || index.pfByAddress.get(vf.pf ?? '')?.netdev !== p.pfDev;
  });
  if (foreign.length === 0) return [];
  return [{
    code: 'ALREADY_EXPANDED', severity: 'warning',
    message: `domain '${domainName(root)}' is already expanded for another host: ${foreign.map((p) => `${p.name} uses VF ${p.vf} on ${p.pfDev}`).join(', ')}, which this host's snapshot does not have; expanding again changes nothing. To move the guest here, plan the move (hostdev-hybrid plan --from THAT-HOST --to THIS-HOST), which points every pair at this host's VFs`,
  }];
}

/** What expandDocument did to the tree it was given. */
export interface DocumentExpansion {
  /** False when the domain held no dialect: the tree is untouched. */
  changed: boolean;
  result: Omit<ExpandResult, 'xml' | 'changed'>;
}

/** Options only callers inside the library use (planning expands onto running domains). */
export interface DocumentExpandOptions extends ExpandOptions {
  /** False for a running guest: pcie-root-ports cannot be added live. Default true. */
  addControllers?: boolean;
}

/**
 * expandDomain on a parsed document, edited in place: the plan, hot-plug and the hook build
 * their halves with this, so no transform re-parses XML another one produced.
 */
export function expandDocument(doc: XmlDocument, host: Host, options: DocumentExpandOptions = {}): DocumentExpansion {
  const requested = options.style;
  if (requested !== undefined && requested !== 'bond' && requested !== 'teaming') throw new HybridError('INVALID_ATTRIBUTE', `style '${String(requested)}' must be 'bond' or 'teaming'`);
  const template = options.vlanDevice ?? '{pf}.{vlan}';
  const root = domainRoot(doc);
  const devices = deviceList(root);
  const entries = findDialect(devices, host);
  const existing = readMetadata(root);
  // An expanded domain asked for in the other style: its pairs change style, nothing else moves.
  const converting = requested !== undefined && existing !== undefined && existing.pairs.length > 0 && existing.style !== requested;
  const style = requested ?? existing?.style ?? 'bond';
  if (entries.length === 0 && !converting) return { changed: false, result: { pairs: [], ephemeral: [], warnings: [], addedControllers: [] } };
  if (converting) convertStyle(doc, root, existing, style);
  // Stryker disable next-line ConditionalExpression,BlockStatement: a shortcut; with no entry the steps below add nothing and write the same metadata
  if (entries.length === 0) {
    writeMetadata(doc, root, { ...existing!, style });
    return { changed: true, result: { pairs: [], ephemeral: [], warnings: [], addedControllers: [] } };
  }

  const name = domainName(root);
  const seed = domainUuid(root) ?? name;
  const meta: HybridMetadata = { style, pairs: [...(existing?.pairs ?? [])], ephemeral: [...(existing?.ephemeral ?? [])] };
  const warnings: Diagnostic[] = [];
  const pairEntries = entries.filter((e): e is Extract<DialectEntry, { kind: 'pair' }> => e.kind === 'pair');
  const specs = pairEntries.map((e) => atElement(e.el, () => readPairSpec(e)));
  const dialectEls = new Set(pairEntries.map((e) => e.el));

  // Aliases and MACs already in the domain (pair entries' own are checked as they are placed).
  const aliases = new Map<string, string>();
  const macs = new Map<string, string>();
  const mirrors = serialMirrors(devices);
  for (const dev of devices) {
    if (dialectEls.has(dev) || mirrors.has(dev)) continue;
    const alias = aliasOf(dev);
    if (alias !== undefined) {
      if (aliases.has(alias)) throw new HybridError('DUPLICATE_ALIAS', `alias '${alias}' is used by two devices`, { element: alias });
      aliases.set(alias, `<${dev.name}>`);
    }
    const macEl = firstChild(dev, 'mac'); // only interfaces have one
    const mac = macEl && getAttribute(macEl, 'address');
    if (mac !== undefined) macs.set(mac.toLowerCase(), `<interface> '${alias ?? mac}'`);
  }
  const takeAlias = (alias: string, who: string): void => {
    if (aliases.has(alias)) throw new HybridError('DUPLICATE_ALIAS', `${who}: alias '${alias}' is already used by ${aliases.get(alias)}`, { element: who });
    aliases.set(alias, who);
  };
  // Aliases are only ever added, so the lowest free number never goes down: remember it.
  const nextFree = new Map<string, number>();
  const freeAlias = (base: string): string => {
    let n = nextFree.get(base) ?? 0;
    let alias = base + n;
    while (aliases.has(alias) || aliases.has(`${alias}-vf`) || aliases.has(`${alias}-backup`)) alias = base + ++n;
    nextFree.set(base, n);
    return alias;
  };

  if (style === 'teaming' && specs.length > 0 && machineKind(root) !== 'q35') {
    throw new HybridError('TEAMING_UNSUPPORTED', `teaming needs a q35 guest: QEMU's virtio-net failover takes only a PCIe device as primary, and on a ${machineKind(root)} (i440fx) guest the VF half sits on conventional PCI, so it could never fail over; use machine q35 or style bond`);
  }

  // 1. Guest PCI space: explicit addresses first, so nothing chosen later can collide with them.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,MethodExpression: a pair is an entry that is not 'not-ephemeral' too
  const needsAddresses = specs.length > 0 || entries.some((e) => e.kind !== 'not-ephemeral');
  const space = needsAddresses ? guestPciSpace(machineKind(root), devices.filter((d) => !dialectEls.has(d)), options.addControllers) : undefined;
  for (const s of specs) atElement(s.entry.el, () => {
    if (s.vfGuest) {
      reserveAddress(space!, s.vfGuest, `${s.entry.where} (VF half)`);
      if (!isHotpluggable(space!, s.vfGuest)) throw notHotpluggable(space!, s.vfGuest, `${s.entry.where} (VF half)`);
    }
    if (s.backupGuest) reserveAddress(space!, s.backupGuest, `${s.entry.where} (backup half)`);
  });
  for (const e of entries) {
    if (e.kind !== 'ephemeral' && e.kind !== 'ephemeral-pool') continue;
    const a = atElement(e.el, () => guestPciAddress(e.el, e.where));
    if (a && !isHotpluggable(space!, a)) throw atElement(e.el, () => notHotpluggable(space!, a, e.where));
  }

  // 2. VFs: explicit ones are claimed first, then pools fill in, in document order. What the
  // domain already passes through is its own, but not free for a new pair.
  const run = new AllocationRun(host);
  for (const dev of devices) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; entries are skipped below, other devices have no VF source
    if (dialectEls.has(dev) || (dev.name !== 'interface' && dev.name !== 'hostdev')) continue;
    const pci = hostPciSource(dev, aliasOf(dev) ?? `<${dev.name}>`);
    // Stryker disable next-line ConditionalExpression: an undefined entry matches no VF
    if (pci !== undefined && !entries.some((e) => e.el === dev)) run.claim(pci);
  }
  const numaHint = numatuneNode(root);
  const vfs = new Map<PairSpec, VfTopology>();
  let preferNuma = numaHint;
  for (const s of specs) {
    if (s.explicitVf === undefined) continue;
    const topo = atElement(s.entry.el, () => run.claimVf(s.explicitVf!, name));
    if (s.entry.pool !== undefined && !hostIndex(host).poolByName.get(s.entry.pool)!.vfs.includes(s.explicitVf)) {
      throw new HybridError('VF_NOT_IN_POOL', `${s.entry.where}: VF ${s.explicitVf} is not in network '${s.entry.pool}'`, { element: s.entry.where });
    }
    vfs.set(s, topo);
    preferNuma ??= topo.numaNode;
  }
  for (const s of specs) {
    if (vfs.has(s)) continue;
    const topo = atElement(s.entry.el, () => run.allocate(s.entry.pool!, { domain: name, preferNumaNode: preferNuma }));
    vfs.set(s, topo);
    preferNuma ??= topo.numaNode;
  }

  // 3. Build each pair in document order: name, MAC, guest addresses, halves.
  const mtuUnknown: string[] = [];
  const hostMacs = hostIndex(host).macs;
  const macTaken = { has: (m: string): boolean => macs.has(m) || hostMacs.has(m) };
  const expandedPairs: ExpandedPair[] = [];
  const halves = new Map<XmlElement, XmlElement[]>();
  const devicesEl = devicesOf(root)!;
  const layout = sharedLayout(doc, devicesEl);
  for (const s of specs) atElement(s.entry.el, () => {
    const { where } = s.entry;
    const topo = vfs.get(s)!;
    const pairName = s.alias ?? freeAlias('ua-hybrid');
    const vfAlias = `${pairName}-vf`;
    const backupAlias = `${pairName}-backup`;
    takeAlias(pairName, where);
    takeAlias(vfAlias, where);
    takeAlias(backupAlias, where);
    let mac = s.mac;
    if (mac !== undefined) {
      if (macs.has(mac)) throw new HybridError('DUPLICATE_MAC', `${where}: MAC ${mac} is already used by ${macs.get(mac)}; the two halves of a pair share one MAC, other NICs need their own`, { element: where });
      if (hostMacs.has(mac)) warnings.push({ code: 'MAC_IN_USE_ON_HOST', severity: 'warning', alias: pairName, message: `${pairName}: MAC ${mac} is also used by another domain on this host` });
    } else {
      mac = stableMac(`${seed}/${pairName}`, macTaken);
      // The MAC derives from the pair's name; a name expansion chose (ua-hybridN) is positional.
      if (s.alias === undefined) {
        warnings.push({ code: 'MAC_POSITIONAL', severity: 'warning', alias: pairName,
          message: `${where}: its generated MAC ${mac} and name ${pairName} follow from its place among the unnamed hybrid NICs, so inserting or removing one before it would change them; write <mac address='${mac}'/> or <alias name='${pairName}'/> into the entry to keep them` });
      }
    }
    macs.set(mac, `pair '${pairName}'`);
    const vfGuest = s.vfGuest ?? allocateHotpluggable(space!, `${where} (VF half)`);
    const backupGuest = s.backupGuest ?? allocateHotpluggable(space!, `${where} (backup half)`);
    const backupDev = s.vlan === undefined ? topo.pfNetdev : vlanDeviceName(template, topo.pfNetdev, s.vlan, where);
    if (s.vlan !== undefined) {
      warnings.push({ code: 'VLAN_SUBINTERFACE', severity: 'warning', alias: pairName,
        message: `${pairName}: the backup half uses ${backupDev}; create that VLAN sub-interface of ${topo.pfNetdev} on every host the domain may run on (ip link add link ${topo.pfNetdev} name ${backupDev} type vlan id ${s.vlan})` });
    }
    const mtu = s.mtu ?? (s.entry.pool !== undefined ? hostIndex(host).poolByName.get(s.entry.pool)?.mtu : undefined);
    if (mtu !== undefined) {
      const fit = mtuFit(host, [topo.pfNetdev, backupDev], mtu);
      if (fit.kind === 'above-max') {
        throw new HybridError('INVALID_MTU', `${where}: MTU ${mtu} is above what ${fit.device} takes on this host (max_mtu ${fit.maxMtu})`, { element: where });
      }
      if (fit.kind === 'too-small') {
        warnings.push({ code: 'MTU_TOO_SMALL', severity: 'warning', alias: pairName,
          message: `${pairName}: its MTU is ${mtu}, but ${fit.device} has MTU ${fit.mtu} on this host: its backup (and the VF, capped by its PF) would drop larger frames; ${mtuFix(fit.device, mtu)}` });
      }
      if (fit.kind === 'unknown') mtuUnknown.push(...fit.devices);
    }
    if (style === 'teaming' && s.backupModel !== undefined && getAttribute(s.backupModel, 'type') !== 'virtio') {
      throw new HybridError('TEAMING_UNSUPPORTED', `${where}: teaming needs a virtio backup (QEMU's virtio-net failover), not model '${getAttribute(s.backupModel, 'type') ?? ''}'; use style bond or a virtio backup`, { element: where });
    }
    // One object is the metadata's record and the result's pair (the metadata reads only its own
    // fields). Written out, not spread from a record: `{ ...record, more }` cost 2.8 KB a pair.
    const pair: ExpandedPair = compact({
      name: pairName, form: s.entry.form, pool: s.entry.pool, mac,
      vf: topo.vf, pf: topo.pf, pfDev: topo.pfNetdev, vfIndex: topo.index, vlan: s.vlan,
      backupDev, backupDevTemplate: s.vlan !== undefined ? template : undefined, vfAlias, backupAlias,
      vfGuestAddress: formatPci(vfGuest), mtu, style, numaNode: topo.numaNode, backupGuestAddress: formatPci(backupGuest), macGenerated: s.mac === undefined,
    });
    const built = buildHalves(s, pair, parsePci(topo.vf), vfGuest, backupGuest, style);
    // Laid out now, while they are in the cache: not in a pass over every pair at the end.
    for (const half of built) layOutShared(half, layout);
    halves.set(s.entry.el, built);
    meta.pairs.push(pair);
    expandedPairs.push(pair);
  });
  placeLaidOut(devicesEl, halves, layout);
  if (mtuUnknown.length > 0) warnings.push(mtuUnknownWarning(host, mtuUnknown));

  // 4. Ephemeral devices: the attribute goes, the fact goes to the metadata.
  const expandedEphemeral: ExpandedEphemeral[] = [];
  for (const e of entries) {
    if (e.kind === 'not-ephemeral') {
      removeAttribute(e.el, 'ephemeral');
      continue;
    }
    if (e.kind === 'pair') continue;
    const record = atElement(e.el, () => expandEphemeral(e, { host, name, seed, run, space: space!, macs, hostMacs, freeAlias, takeAlias, doc, root }));
    meta.ephemeral.push(record.record);
    expandedEphemeral.push({ ...record.record, ...(record.guest ? { guestAddress: formatPci(record.guest) } : {}) });
  }

  // 5. Controllers the PCI space added, then the metadata.
  const controllers = space ? addedControllers(space) : [];
  let anchor: XmlElement | undefined = childElements(devicesEl, 'controller').at(-1) ?? childElements(devicesEl).filter((d) => d.name === 'emulator' || d.name === 'disk').at(-1);
  for (const c of controllers) {
    insertElement(doc, devicesEl, c, anchor ? { after: anchor } : 'start');
    anchor = c;
  }
  writeMetadata(doc, root, meta);
  return {
    changed: true,
    result: {
      pairs: expandedPairs, ephemeral: expandedEphemeral, warnings,
      addedControllers: controllers.map((c) => Number(getAttribute(c, 'index'))),
    },
  };
}

function notHotpluggable(space: GuestPciSpace, a: PciAddress, who: string): HybridError {
  const model = space.controllers.get(a.bus)?.model ?? 'no controller';
  return new HybridError('GUEST_ADDRESS_NOT_HOTPLUGGABLE',
    `${who}: guest address ${formatPci(a)} (on ${model}) cannot be hot-unplugged; on pc use pci-root slot 3 or above or a pci-bridge, on q35 an empty pcie-root-port — or leave the address out`, { element: who });
}

/** `<numatune><memory nodeset='N'/>` naming one node: the allocation prefers VFs there. */
export function numatuneNode(root: XmlElement): number | undefined {
  const memory = firstPath(root, 'numatune', 'memory');
  const nodeset = memory && getAttribute(memory, 'nodeset');
  // Stryker disable next-line ConditionalExpression: no digits in 'undefined' either
  return nodeset !== undefined && /^[0-9]+$/.test(nodeset) ? Number(nodeset) : undefined;
}

function buildHalves(s: PairSpec, r: PairRecord, vf: PciAddress, vfGuest: PciAddress, backupGuest: PciAddress, style: Style): [XmlElement, XmlElement] {
  const vfHalf = vfHalfElement(r, vf, vfGuest, style, { managed: s.managed, vlan: s.vlanEl, extra: s.toVf });
  const backup = leanElement('interface', { type: 'direct', trustGuestRxFilters: s.trustGuestRxFilters }, [
    leanElement('mac', { address: r.mac }),
    leanElement('source', { dev: r.backupDev, mode: 'bridge' }),
    s.backupModel ?? leanElement('model', { type: 'virtio' }),
    ...(s.toBackup ?? []),
    ...(style === 'teaming' ? [leanElement('teaming', { type: 'persistent' })] : []),
    leanElement('alias', { name: r.backupAlias }),
    addressElement(backupGuest),
  ]);
  return [vfHalf, sortChildren(backup)];
}

/**
 * A pair's VF half on the VF `vf`. Expansion, repair and the plan's destination pieces all build
 * it here. Without a given `<vlan>` element the record's VLAN is written.
 */
export function vfHalfElement(
  r: PairRecord, vf: PciAddress, guest: PciAddress, style: Style,
  parts: { managed?: string; vlan?: XmlElement | undefined; extra?: XmlElement[] } = {},
): XmlElement {
  const vlan = parts.vlan ?? (r.vlan !== undefined ? leanElement('vlan', {}, [leanElement('tag', { id: String(r.vlan) })]) : undefined);
  return sortChildren(leanElement('interface', { type: 'hostdev', managed: parts.managed ?? 'yes' }, [
    leanElement('mac', { address: r.mac }),
    leanElement('source', {}, [addressElement(vf)]),
    ...(vlan ? [vlan] : []),
    ...(parts.extra ?? []),
    ...(style === 'teaming' ? [leanElement('teaming', { type: 'transient', persistent: r.backupAlias })] : []),
    leanElement('alias', { name: r.vfAlias }),
    addressElement(guest),
  ]));
}

/**
 * Switches an expanded domain's pairs between styles in place: `<teaming>` elements added (bond →
 * teaming, with the same checks as expansion) or removed. VFs, MACs, addresses and aliases stay.
 */
function convertStyle(doc: XmlDocument, root: XmlElement, meta: HybridMetadata, style: Style): void {
  const byAlias = new Map(deviceList(root).map((d) => [aliasOf(d), d]));
  if (style === 'teaming' && machineKind(root) !== 'q35') {
    throw new HybridError('TEAMING_UNSUPPORTED', `teaming needs a q35 guest: QEMU's virtio-net failover takes only a PCIe device as primary, and this is a ${machineKind(root)} (i440fx) guest; keep style bond`);
  }
  for (const pair of meta.pairs) {
    const halves: [XmlElement | undefined, XmlElement][] = [
      [byAlias.get(pair.vfAlias), leanElement('teaming', { type: 'transient', persistent: pair.backupAlias })],
      [byAlias.get(pair.backupAlias), leanElement('teaming', { type: 'persistent' })],
    ];
    const backup = byAlias.get(pair.backupAlias);
    if (style === 'teaming' && backup && childAttribute(backup, 'model', 'type') !== 'virtio') {
      throw new HybridError('TEAMING_UNSUPPORTED', `pair '${pair.name}': teaming needs a virtio backup (QEMU's virtio-net failover), not model '${childAttribute(backup, 'model', 'type') ?? ''}'; keep style bond`, { element: pair.name });
    }
    for (const [half, teaming] of halves) {
      if (!half) continue;
      for (const old of childElements(half, 'teaming')) removeElement(half, old);
      if (style === 'teaming') insertInOrder(doc, half, teaming);
    }
  }
}

/** Inserts a child where libvirt's order of an <interface>'s children puts it. */
function insertInOrder(doc: XmlDocument, el: XmlElement, child: XmlElement): void {
  const rank = INTERFACE_ORDER.indexOf(child.name);
  // Stryker disable next-line EqualityOperator: no other child has the new one's rank (old <teaming> is removed first)
  const next = childElements(el).find((c) => INTERFACE_ORDER.indexOf(c.name) > rank);
  insertElement(doc, el, child, next ? { before: next } : 'end');
}

// libvirt's order of an <interface>'s children, so the halves read like virsh dumpxml.
const INTERFACE_ORDER = ['mac', 'source', 'vlan', 'virtualport', 'target', 'model', 'driver', 'bandwidth', 'tune', 'teaming', 'link', 'coalesce', 'boot', 'alias', 'rom', 'address'];

const INTERFACE_RANK = new Map(INTERFACE_ORDER.map((name, i) => [name, i]));

/** Children in libvirt's order; the sort is stable, so unknown ones keep theirs, first. */
function sortChildren(el: XmlElement): XmlElement {
  // Stryker disable next-line ConditionalExpression: a text node's (absent) name has no rank either
  const rank = (n: XmlNode): number => (n.type === 'element' ? INTERFACE_RANK.get(n.name) ?? -1 : -1);
  const kids = el.children;
  // Usually in order already (a sort copies the array).
  for (let i = 1; i < kids.length; i++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: a shortcut; sorting what is in order changes nothing (the sort is stable)
    if (rank(kids[i - 1]!) > rank(kids[i]!)) {
      kids.sort((a, b) => rank(a) - rank(b));
      break;
    }
  }
  return el;
}

interface EphemeralContext {
  host: Host;
  name: string;
  seed: string;
  run: AllocationRun;
  space: GuestPciSpace;
  macs: Map<string, string>;
  hostMacs: ReadonlySet<string>;
  freeAlias: (base: string) => string;
  takeAlias: (alias: string, who: string) => void;
  doc: ReturnType<typeof parseXml>;
  root: XmlElement;
}

function expandEphemeral(e: Extract<DialectEntry, { kind: 'ephemeral' | 'ephemeral-pool' }>, ctx: EphemeralContext): { record: EphemeralRecord; guest?: PciAddress } {
  const { el, where } = e;
  removeAttribute(el, 'ephemeral');
  let source: string;
  if (e.kind === 'ephemeral-pool') {
    const explicit = firstChild(firstChild(el, 'source')!, 'address');
    const topo = explicit
      ? ctx.run.claimVf(formatPci(readPciAddress(explicit, `${where} <source><address>`)), ctx.name)
      : ctx.run.allocate(e.pool, { domain: ctx.name });
    source = topo.vf;
    // A VF picked by us, not by libvirt at start time: the plan must know which one moves.
    setAttribute(el, 'type', 'hostdev');
    if (getAttribute(el, 'managed') === undefined) setAttribute(el, 'managed', 'yes');
    const src = firstChild(el, 'source')!;
    src.attributes = [];
    src.children = [];
    insertElement(ctx.doc, src, addressElement(parsePci(topo.vf)));
  } else {
    if (el.name === 'hostdev' && getAttribute(el, 'type') !== 'pci') {
      throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: only PCI host devices can be ephemeral`, { element: where });
    }
    const pci = hostPciSource(el, where);
    if (pci === undefined) throw new HybridError('MISSING_ELEMENT', `${where}: an ephemeral device needs <source><address type='pci' …/></source>`, { element: where });
    const user = hostIndex(ctx.host).takenBy.get(pci);
    if (user !== undefined && user !== ctx.name) throw new HybridError('VF_TAKEN', `${where}: host device ${pci} is already used by domain '${user}'`, { element: where });
    if (ctx.run.claimed.has(pci)) throw new HybridError('VF_TAKEN', `${where}: host device ${pci} is used twice in this domain`, { element: where });
    source = pci;
  }
  ctx.run.claim(source);
  let alias = aliasOf(el);
  if (alias === undefined) {
    alias = ctx.freeAlias('ua-ephemeral');
    ctx.takeAlias(alias, where);
    insertBefore(ctx, el, leanElement('alias', { name: alias }), ['rom', 'address']);
  }
  if (el.name === 'interface' && !firstChild(el, 'mac')) {
    const mac = stableMac(`${ctx.seed}/${alias}`, { has: (m) => ctx.macs.has(m) || ctx.hostMacs.has(m) });
    ctx.macs.set(mac, alias);
    insertElement(ctx.doc, el, leanElement('mac', { address: mac }), 'start');
  }
  let guest = guestPciAddress(el, where);
  if (!guest) {
    guest = allocateHotpluggable(ctx.space, where);
    insertElement(ctx.doc, el, addressElement(guest), 'end');
  }
  const record: EphemeralRecord = compact({ alias, device: el.name === 'hostdev' ? 'hostdev' as const : 'interface' as const, source, pool: e.kind === 'ephemeral-pool' ? e.pool : undefined });
  return { record, guest };
}

/** Inserts `child` before the first of `before` present in `el`, else at the end. */
function insertBefore(ctx: EphemeralContext, el: XmlElement, child: XmlElement, before: string[]): void {
  const ref = childElements(el).find((c) => before.includes(c.name));
  insertElement(ctx.doc, el, child, ref ? { before: ref } : 'end');
}

