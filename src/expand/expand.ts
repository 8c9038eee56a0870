/**
 * Expansion: the hybrid dialect of a domain into plain libvirt XML for one host. This file reads
 * as the steps; each concept has its own module (pair-spec, halves, teaming, ephemeral, names).
 */
import { HybridError } from '../errors.js';
import type { Diagnostic } from '../diagnostics.js';
import { parseXml } from '../xml/parse.js';
import { serializeXml } from '../xml/serialize.js';
import { childElements, getAttribute, insertElement, removeAttribute, ReplacementBatch } from '../xml/edit.js';
import type { XmlDocument, XmlElement } from '../xml/tree.js';
import { AllocationRun } from '../host/allocate.js';
import { assertHost, hostIndex, type Host, type VfTopology } from '../host/model.js';
import { heldPciDevices } from '../host/domain-usage.js';
import { judgeMtu, mtuUnknownWarning } from '../host/mtu.js';
import {
  atElement,
  deviceList,
  devicesOf,
  domainName,
  domainRoot,
  domainUuid,
  guestPciAddress,
  inInput,
  machineKind,
  numatuneNode,
  serialMirrors,
} from '../libvirt/domain.js';
import { formatPci, parsePci, type PciAddress } from '../libvirt/pci-address.js';
import { refuseUnknownTypes } from '../libvirt/known-types.js';
import { addedControllers, allocateHotpluggable, guestPciSpace, isHotpluggable, reserveAddress, type GuestPciSpace } from '../pci/space.js';
import { compact } from '../compact.js';
import { findDialect, type DialectEntry } from '../pair/dialect.js';
import { expandEphemeral } from './ephemeral.js';
import { backupDevice, backupHalfElement, DEFAULT_VLAN_DEVICE, vfHalfElement } from '../pair/halves.js';
import { readMetadata, writeMetadata, type EphemeralRecord, type HybridMetadata, type PairRecord, type Style } from '../metadata.js';
import { DomainNames } from './names.js';
import { readPairSpec, type PairSpec } from '../pair/pair-spec.js';
import { convertStyle, requireTeamingMachine, requireTeamingModel } from '../pair/teaming.js';

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
  const root = domainRoot(doc);
  refuseUnknownTypes(deviceList(root));
  const result = expandDocument(doc, host, options);
  const notes = result.changed ? [] : expandedElsewhere(root, host);
  return {
    xml: result.changed ? serializeXml(doc) : domainXml,
    changed: result.changed,
    ...result.result,
    warnings: [...result.result.warnings, ...notes],
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
  return [
    {
      code: 'ALREADY_EXPANDED',
      severity: 'warning',
      message: `domain '${domainName(root)}' is already expanded for another host: ${foreign.map((p) => `${p.name} uses VF ${p.vf} on ${p.pfDev}`).join(', ')}, which this host's snapshot does not have; expanding again changes nothing. To move the guest here, plan the move (hostdev-hybrid plan --from THAT-HOST --to THIS-HOST), which points every pair at this host's VFs`,
    },
  ];
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
  /**
   * How errors name a dialect entry; default its place among the domain's devices. Hot-plug names
   * the device of its own file, whose place in the guest means nothing to the reader.
   */
  describeEntry?: (el: XmlElement, position: number) => string;
}

/**
 * expandDomain on a parsed document, edited in place: the plan, hot-plug and the hook build
 * their halves with this, so no transform re-parses XML another one produced.
 */
export function expandDocument(doc: XmlDocument, host: Host, options: DocumentExpandOptions = {}): DocumentExpansion {
  const requested = options.style;
  if (requested !== undefined && requested !== 'bond' && requested !== 'teaming')
    throw new HybridError('INVALID_ATTRIBUTE', `style '${String(requested)}' must be 'bond' or 'teaming'`);
  const root = domainRoot(doc);
  const devices = deviceList(root);
  const entries = findDialect(devices, host, options.describeEntry);
  const existing = readMetadata(root);
  // An expanded domain asked for in the other style: its pairs change style, nothing else moves.
  const converting = requested !== undefined && existing !== undefined && existing.pairs.length > 0 && existing.style !== requested;
  const style = requested ?? existing?.style ?? 'bond';
  if (entries.length === 0 && !converting)
    return { changed: false, result: { pairs: [], ephemeral: [], warnings: [], addedControllers: [] } };
  if (converting) convertStyle(doc, root, existing, style);

  const specs = entries.filter(isPairEntry).map((e) => atElement(e.el, () => readPairSpec(e)));
  const x = newExpansion(doc, root, devices, host, style, specs, entries, options);
  reserveGivenAddresses(x, specs, entries);
  const vfs = chooseVfs(x, specs, entries);
  const pairs = buildPairs(x, specs, vfs);
  const ephemeral = expandEphemeralDevices(x, entries);
  const controllers = insertAddedControllers(x);
  const meta: HybridMetadata = {
    style,
    pairs: [...(existing?.pairs ?? []), ...pairs],
    ephemeral: [...(existing?.ephemeral ?? []), ...ephemeral.map((e) => e.record)],
  };
  writeMetadata(doc, root, meta);
  return {
    changed: true,
    result: { pairs, ephemeral: ephemeral.map((e) => e.expanded), warnings: x.warnings, addedControllers: controllers },
  };
}

const isPairEntry = (e: DialectEntry): e is Extract<DialectEntry, { kind: 'pair' }> => e.kind === 'pair';

/** One expansion under way: what its steps share. */
interface Expansion {
  doc: XmlDocument;
  root: XmlElement;
  host: Host;
  style: Style;
  /** The domain's name (its own devices on the host are not another's) and its MAC seed. */
  name: string;
  seed: string;
  /** The VLAN device template of new pairs. */
  template: string;
  names: DomainNames;
  /** The guest's PCI space; none when nothing needs an address. */
  space: GuestPciSpace | undefined;
  run: AllocationRun;
  /** The devices that stay as they are (all but the pair entries). */
  kept: XmlElement[];
  warnings: Diagnostic[];
}

function newExpansion(
  doc: XmlDocument,
  root: XmlElement,
  devices: XmlElement[],
  host: Host,
  style: Style,
  specs: PairSpec[],
  entries: DialectEntry[],
  options: DocumentExpandOptions,
): Expansion {
  const entryEls = new Set(specs.map((s) => s.entry.el));
  const kept = devices.filter((d) => !entryEls.has(d));
  const mirrors = serialMirrors(devices);
  const name = domainName(root);
  // Pairs and ephemeral devices take guest addresses; `ephemeral='no'` is only dropped.
  const needsAddresses = entries.some((e) => e.kind !== 'not-ephemeral');
  // Aliases and MACs already in the domain (pair entries' own are checked as they are placed).
  const names = new DomainNames(
    kept.filter((d) => !mirrors.has(d)),
    hostIndex(host).macs,
  );
  if (style === 'teaming' && specs.length > 0) requireTeamingMachine(machineKind(root), 'use machine q35 or style bond');
  return {
    doc,
    root,
    host,
    style,
    name,
    seed: domainUuid(root) ?? name,
    template: options.vlanDevice ?? DEFAULT_VLAN_DEVICE,
    names,
    space: needsAddresses ? guestPciSpace(machineKind(root), kept, options.addControllers) : undefined,
    run: new AllocationRun(host),
    kept,
    warnings: [],
  };
}

/** Explicit guest addresses first, so nothing chosen later can collide with them. */
function reserveGivenAddresses(x: Expansion, specs: PairSpec[], entries: DialectEntry[]): void {
  for (const s of specs)
    atElement(s.entry.el, () => {
      if (s.vfGuest) {
        reserveAddress(x.space!, s.vfGuest, `${s.entry.where} (VF half)`);
        if (!isHotpluggable(x.space!, s.vfGuest)) throw notHotpluggable(x.space!, s.vfGuest, `${s.entry.where} (VF half)`);
      }
      if (s.backupGuest) reserveAddress(x.space!, s.backupGuest, `${s.entry.where} (backup half)`);
    });
  for (const e of entries) {
    if (e.kind !== 'ephemeral' && e.kind !== 'ephemeral-pool') continue;
    const a = atElement(e.el, () => guestPciAddress(e.el, e.where));
    if (a && !isHotpluggable(x.space!, a)) throw atElement(e.el, () => notHotpluggable(x.space!, a, e.where));
  }
}

function notHotpluggable(space: GuestPciSpace, a: PciAddress, who: string): HybridError {
  const model = space.controllers.get(a.bus)?.model ?? 'no controller';
  return new HybridError(
    'GUEST_ADDRESS_NOT_HOTPLUGGABLE',
    `${who}: guest address ${formatPci(a)} (on ${model}) cannot be hot-unplugged; on pc use pci-root slot 3 or above or a pci-bridge, on q35 an empty pcie-root-port — or leave the address out`,
    { element: who },
  );
}

/**
 * Each pair's VF: explicit ones are claimed first, then pools fill in, in document order, near
 * the NUMA node of `<numatune>` or else of the first VF. What the domain already passes through
 * is its own, but not free for a new pair.
 */
function chooseVfs(x: Expansion, specs: PairSpec[], entries: DialectEntry[]): Map<PairSpec, VfTopology> {
  const entryEls = new Set(entries.map((e) => e.el));
  const held = heldPciDevices(x.kept.filter((dev) => !entryEls.has(dev)));
  for (const pci of held) x.run.claim(pci);
  const vfs = new Map<PairSpec, VfTopology>();
  let preferNuma = numatuneNode(x.root);
  for (const s of specs) {
    if (s.explicitVf === undefined) continue;
    const pool = s.entry.pool === undefined ? undefined : { name: s.entry.pool, where: s.entry.where };
    const topo = atElement(s.entry.el, () => x.run.claimVf(s.explicitVf!, x.name, pool));
    vfs.set(s, topo);
    preferNuma ??= topo.numaNode;
  }
  for (const s of specs) {
    if (vfs.has(s)) continue;
    const topo = atElement(s.entry.el, () => x.run.allocate(s.entry.pool!, { domain: x.name, preferNumaNode: preferNuma }));
    vfs.set(s, topo);
    preferNuma ??= topo.numaNode;
  }
  return vfs;
}

/** Each pair in document order: its halves in place of its entry. */
function buildPairs(x: Expansion, specs: PairSpec[], vfs: Map<PairSpec, VfTopology>): ExpandedPair[] {
  const pairs: ExpandedPair[] = [];
  const mtuUnknown: string[] = [];
  const batch = new ReplacementBatch(x.doc, devicesOf(x.root)!);
  for (const s of specs)
    atElement(s.entry.el, () => {
      const topo = vfs.get(s)!;
      const { pair, vfGuest, backupGuest } = pairFor(x, s, topo, mtuUnknown);
      batch.replace(s.entry.el, [
        vfHalfElement(pair, parsePci(topo.vf), vfGuest, x.style, { managed: s.managed, vlan: s.vlanEl, extra: s.toVf }),
        backupHalfElement(pair, backupGuest, x.style, {
          trustGuestRxFilters: s.trustGuestRxFilters,
          model: s.backupModel,
          extra: s.toBackup,
        }),
      ]);
      pairs.push(pair);
    });
  batch.apply();
  if (mtuUnknown.length > 0) x.warnings.push(mtuUnknownWarning(x.host, mtuUnknown));
  return pairs;
}

/** One pair's choices: name, aliases, MAC, guest addresses, backup device, MTU; warnings said. */
function pairFor(
  x: Expansion,
  s: PairSpec,
  topo: VfTopology,
  mtuUnknown: string[],
): { pair: ExpandedPair; vfGuest: PciAddress; backupGuest: PciAddress } {
  const { where } = s.entry;
  const pairName = s.alias ?? x.names.freeAlias('ua-hybrid');
  const vfAlias = `${pairName}-vf`;
  const backupAlias = `${pairName}-backup`;
  x.names.takeAlias(pairName, where);
  x.names.takeAlias(vfAlias, where);
  x.names.takeAlias(backupAlias, where);
  const mac = pairMac(x, s, pairName);
  const vfGuest = s.vfGuest ?? allocateHotpluggable(x.space!, `${where} (VF half)`);
  const backupGuest = s.backupGuest ?? allocateHotpluggable(x.space!, `${where} (backup half)`);
  const backupDev = backupDevice(topo.pfNetdev, s.vlan, x.template, where);
  if (s.vlan !== undefined) {
    x.warnings.push({
      code: 'VLAN_SUBINTERFACE',
      severity: 'warning',
      alias: pairName,
      message: `${pairName}: the backup half uses ${backupDev}; create that VLAN sub-interface of ${topo.pfNetdev} on every host the domain may run on (ip link add link ${topo.pfNetdev} name ${backupDev} type vlan id ${s.vlan})`,
    });
  }
  const mtu = s.mtu ?? (s.entry.pool !== undefined ? hostIndex(x.host).poolByName.get(s.entry.pool)?.mtu : undefined);
  if (mtu !== undefined) checkMtu(x, s, pairName, [topo.pfNetdev, backupDev], mtu, mtuUnknown);
  if (x.style === 'teaming' && s.backupModel !== undefined)
    requireTeamingModel(getAttribute(s.backupModel, 'type'), 'use style bond or a virtio backup', where);
  // One object is the metadata's record and the result's pair (the metadata reads only its own fields).
  const pair: ExpandedPair = compact({
    name: pairName,
    form: s.entry.form,
    pool: s.entry.pool,
    mac,
    vf: topo.vf,
    pf: topo.pf,
    pfDev: topo.pfNetdev,
    vfIndex: topo.index,
    vlan: s.vlan,
    backupDev,
    backupDevTemplate: s.vlan !== undefined ? x.template : undefined,
    vfAlias,
    backupAlias,
    vfGuestAddress: formatPci(vfGuest),
    mtu,
    migration: s.migration === 'unplug' ? 'unplug' : undefined,
    style: x.style,
    numaNode: topo.numaNode,
    backupGuestAddress: formatPci(backupGuest),
    macGenerated: s.mac === undefined,
  });
  return { pair, vfGuest, backupGuest };
}

/** The entry's MAC, checked against the domain and the host, or one derived from the pair's name. */
function pairMac(x: Expansion, s: PairSpec, pairName: string): string {
  const { where } = s.entry;
  const who = `pair '${pairName}'`;
  if (s.mac !== undefined) {
    const holder = x.names.macHolder(s.mac);
    if (holder !== undefined)
      throw new HybridError(
        'DUPLICATE_MAC',
        `${where}: MAC ${s.mac} is already used by ${holder}; the two halves of a pair share one MAC, other NICs need their own`,
        { element: where },
      );
    if (x.names.macOnHost(s.mac))
      x.warnings.push({
        code: 'MAC_IN_USE_ON_HOST',
        severity: 'warning',
        alias: pairName,
        message: `${pairName}: MAC ${s.mac} is also used by another domain on this host`,
      });
    x.names.takeMac(s.mac, who);
    return s.mac;
  }
  const mac = x.names.newMac(`${x.seed}/${pairName}`, who);
  // The MAC derives from the pair's name; a name expansion chose (ua-hybridN) is positional.
  if (s.alias === undefined) {
    x.warnings.push({
      code: 'MAC_POSITIONAL',
      severity: 'warning',
      alias: pairName,
      message: `${where}: its generated MAC ${mac} and name ${pairName} follow from its place among the unnamed hybrid NICs, so inserting or removing one before it would change them; write <mac address='${mac}'/> or <alias name='${pairName}'/> into the entry to keep them`,
    });
  }
  return mac;
}

/** A pair's MTU on this host (host/mtu.ts's rule): refused, or unknown and said once at the end. */
function checkMtu(x: Expansion, s: PairSpec, pairName: string, devices: string[], mtu: number, mtuUnknown: string[]): void {
  const verdict = judgeMtu(x.host, pairName, mtu, devices, 'on this host');
  if (verdict.kind === 'refused') throw new HybridError(verdict.code, verdict.message, { element: s.entry.where });
  if (verdict.kind === 'unknown') mtuUnknown.push(...verdict.devices);
}

/** Ephemeral devices: the attribute goes, the fact goes to the metadata. */
function expandEphemeralDevices(x: Expansion, entries: DialectEntry[]): { record: EphemeralRecord; expanded: ExpandedEphemeral }[] {
  const out: { record: EphemeralRecord; expanded: ExpandedEphemeral }[] = [];
  for (const e of entries) {
    if (e.kind === 'not-ephemeral') {
      removeAttribute(e.el, 'ephemeral');
      continue;
    }
    if (e.kind === 'pair') continue;
    const { record, guest } = atElement(e.el, () =>
      expandEphemeral(e, { doc: x.doc, host: x.host, name: x.name, seed: x.seed, run: x.run, space: x.space!, names: x.names }),
    );
    out.push({ record, expanded: { ...record, guestAddress: formatPci(guest) } });
  }
  return out;
}

/** The controllers the PCI space added, after the last controller (else the emulator or disks). */
function insertAddedControllers(x: Expansion): number[] {
  const controllers = x.space ? addedControllers(x.space) : [];
  const devicesEl = devicesOf(x.root)!;
  let anchor: XmlElement | undefined =
    childElements(devicesEl, 'controller').at(-1) ??
    childElements(devicesEl)
      .filter((d) => d.name === 'emulator' || d.name === 'disk')
      .at(-1);
  for (const c of controllers) {
    insertElement(x.doc, devicesEl, c, anchor ? { after: anchor } : 'start');
    anchor = c;
  }
  return controllers.map((c) => Number(getAttribute(c, 'index')));
}
