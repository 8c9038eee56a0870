/**
 * The one metadata element expansion writes (namespace HH_NS): every pair and ephemeral device,
 * enough for collapse, check and planning to work from `virsh dumpxml` output alone. libvirt
 * keeps foreign-namespace metadata as it is given.
 */
import { HybridError } from './errors.js';
import { aliasOf } from './libvirt/domain.js';
import { childAttribute, childElements, firstChild, getAttribute, insertElement, removeElement, replaceElement } from './xml/edit.js';
import { leanElement, type XmlDocument, type XmlElement } from './xml/tree.js';

/** The XML namespace of the hostdev-hybrid metadata element. */
export const HH_NS = 'https://hostdev-hybrid.dev/xmlns/1.0';

/** How the guest sees a pair: `bond` (the guest bonds two NICs) or `teaming` (QEMU failover). */
export type Style = 'bond' | 'teaming';

/** One pair as the metadata records it. */
export interface PairRecord {
  /** The pair's name: its `ua-` alias in the dialect. */
  name: string;
  /** Which dialect form it came from: `<interface type='hostdev-hybrid'>` or `type='network'`. */
  form: 'hybrid' | 'network';
  pool?: string;
  mac: string;
  vf: string;
  pf: string;
  pfDev: string;
  vfIndex: number;
  vlan?: number;
  /** The backup half's source device: the PF, or its VLAN sub-interface. */
  backupDev: string;
  /** How backupDev was derived, so a destination host can derive its own. */
  backupDevTemplate?: string;
  vfAlias: string;
  backupAlias: string;
  /**
   * The VF half's guest PCI address (`0000:01:00.0`). Recorded because a detached VF half is gone
   * from the running XML, and a repair or the destination must put the new VF exactly there.
   */
  vfGuestAddress?: string;
  /**
   * The pair's MTU (the entry's `<mtu size>`, else its pool's): in the metadata alone, since
   * libvirt refuses `<mtu>` on both halves; checked against each host, set in the guest.
   */
  mtu?: number;
  /** `unplug`: the entry said `migration='unplug'`: the VF half leaves for every move. */
  migration?: 'unplug';
}

/** One ephemeral device as the metadata records it. */
export interface EphemeralRecord {
  alias: string;
  device: 'hostdev' | 'interface';
  /** Host PCI address of the device on this host. */
  source: string;
  /** For an interface taken from a `mode='hostdev' ephemeral='yes'` pool. */
  pool?: string;
}

/** The hostdev-hybrid metadata element, read. */
export interface HybridMetadata {
  style: Style;
  pairs: PairRecord[];
  ephemeral: EphemeralRecord[];
}

/** The prefix an element of ours uses, if it declares our namespace on itself. */
function ourPrefix(el: XmlElement): string | undefined {
  for (const a of el.attributes) {
    if (a.value !== HH_NS) continue;
    if (a.name === 'xmlns') return '';
    if (a.name.startsWith('xmlns:')) return a.name.slice(6);
  }
  return undefined;
}

function local(el: XmlElement, prefix: string): string | undefined {
  if (prefix === '') return el.name.includes(':') ? undefined : el.name;
  return el.name.startsWith(prefix + ':') ? el.name.slice(prefix.length + 1) : undefined;
}

/** Our element inside `<metadata>`, whatever prefix libvirt or a user gave it. */
export function findMetadataElement(root: XmlElement): XmlElement | undefined {
  const metadata = firstChild(root, 'metadata');
  if (!metadata) return undefined;
  for (const el of childElements(metadata)) {
    const prefix = ourPrefix(el);
    if (prefix !== undefined && local(el, prefix) === 'hybrid') return el;
  }
  return undefined;
}

/** How one record field is written as an attribute of our element, and read back. */
interface Field<R> {
  key: keyof R & string;
  attr: string;
  required?: true;
  /** A count (written in decimal), a guest PCI address, or one of a few words. */
  kind?: 'count' | 'guest-pci';
  values?: readonly string[];
}

/**
 * A pair's attributes, in the order they are written (and the record's keys are read). Built per
 * document read or written, not once per process: a table made when the module loads is beyond
 * mutation testing's per-test coverage.
 */
function pairFields(): readonly Field<PairRecord>[] {
  return [
    { key: 'name', attr: 'name', required: true },
    { key: 'form', attr: 'form', required: true, values: ['hybrid', 'network'] },
    { key: 'pool', attr: 'pool' },
    { key: 'mac', attr: 'mac', required: true },
    { key: 'vf', attr: 'vf', required: true },
    { key: 'pf', attr: 'pf', required: true },
    { key: 'pfDev', attr: 'pf-dev', required: true },
    { key: 'vfIndex', attr: 'vf-index', required: true, kind: 'count' },
    { key: 'vlan', attr: 'vlan', kind: 'count' },
    { key: 'backupDev', attr: 'backup-dev', required: true },
    { key: 'backupDevTemplate', attr: 'backup-dev-template' },
    { key: 'vfAlias', attr: 'vf-alias', required: true },
    { key: 'backupAlias', attr: 'backup-alias', required: true },
    { key: 'vfGuestAddress', attr: 'vf-guest', kind: 'guest-pci' },
    { key: 'mtu', attr: 'mtu', kind: 'count' },
    { key: 'migration', attr: 'migration', values: ['unplug'] },
  ];
}

function ephemeralFields(): readonly Field<EphemeralRecord>[] {
  return [
    { key: 'alias', attr: 'alias', required: true },
    { key: 'device', attr: 'device', required: true, values: ['hostdev', 'interface'] },
    { key: 'source', attr: 'source', required: true },
    { key: 'pool', attr: 'pool' },
  ];
}

function readFields<R>(el: XmlElement, fields: readonly Field<R>[]): R {
  const record: Record<string, string | number> = {};
  for (const f of fields) {
    const v = getAttribute(el, f.attr);
    if (v === undefined || (f.required && v === '')) {
      if (f.required) throw new HybridError('METADATA_INVALID', `hostdev-hybrid metadata: <${el.name}> lacks ${f.attr}='…'`);
      continue;
    }
    if (f.values && !f.values.includes(v))
      throw new HybridError('METADATA_INVALID', `hostdev-hybrid metadata: ${f.attr}='${v}' is unknown (${f.values.join(' or ')})`);
    if (f.kind === 'count' && !/^[0-9]+$/.test(v))
      throw new HybridError('METADATA_INVALID', `hostdev-hybrid metadata: ${f.attr}='${v}' must be a number`);
    if (f.kind === 'guest-pci' && !/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(v)) {
      throw new HybridError('METADATA_INVALID', `hostdev-hybrid metadata: ${f.attr}='${v}' is not a PCI address like 0000:01:00.0`);
    }
    record[f.key] = f.kind === 'count' ? Number(v) : v;
  }
  return record as R;
}

function writeFields<R>(record: R, fields: readonly Field<R>[]): Record<string, string | undefined> {
  const attrs: Record<string, string | undefined> = {};
  for (const f of fields) attrs[f.attr] = (record[f.key] as string | number | undefined)?.toString();
  return attrs;
}

/** Reads our element from a domain root: undefined when it has none; METADATA_INVALID when it is broken. */
export function readMetadata(root: XmlElement): HybridMetadata | undefined {
  const el = findMetadataElement(root);
  if (!el) return undefined;
  const prefix = ourPrefix(el)!;
  const style = getAttribute(el, 'style') ?? 'bond';
  if (style !== 'bond' && style !== 'teaming')
    throw new HybridError('METADATA_INVALID', `hostdev-hybrid metadata: style='${style}' is neither bond nor teaming`);
  const meta: HybridMetadata = { style, pairs: [], ephemeral: [] };
  const [pairFieldList, ephemeralFieldList] = [pairFields(), ephemeralFields()];
  for (const child of childElements(el)) {
    const kind = local(child, prefix);
    if (kind === 'pair') meta.pairs.push(readFields(child, pairFieldList));
    else if (kind === 'ephemeral') meta.ephemeral.push(readFields(child, ephemeralFieldList));
  }
  return meta;
}

/**
 * Our element as `virsh metadata --uri HH_NS --key hh --set` takes it: without prefix or
 * namespace declaration (libvirt puts both on; given them, it fails "failed to create a new XML
 * namespace").
 */
export function metadataForVirsh(meta: HybridMetadata): XmlElement {
  return metadataElement(meta, '');
}

function metadataElement(meta: HybridMetadata, prefix = 'hh'): XmlElement {
  const name = (local: string): string => (prefix ? `${prefix}:${local}` : local);
  const [pairFieldList, ephemeralFieldList] = [pairFields(), ephemeralFields()];
  return leanElement(name('hybrid'), { ...(prefix ? { [`xmlns:${prefix}`]: HH_NS } : {}), version: '1', style: meta.style }, [
    ...meta.pairs.map((p) => leanElement(name('pair'), writeFields(p, pairFieldList))),
    ...meta.ephemeral.map((e) => leanElement(name('ephemeral'), writeFields(e, ephemeralFieldList))),
  ]);
}

/** Writes (or rewrites) our element; an empty record removes it. */
export function writeMetadata(doc: XmlDocument, root: XmlElement, meta: HybridMetadata): void {
  const existing = findMetadataElement(root);
  let metadata = firstChild(root, 'metadata');
  if (meta.pairs.length === 0 && meta.ephemeral.length === 0) {
    // Our element is found inside <metadata>: when there is one, there is the other.
    if (existing) {
      removeElement(metadata!, existing);
      // Leave an emptied <metadata> out altogether.
      if (childElements(metadata!).length === 0) removeElement(root, metadata!);
    }
    return;
  }
  const fresh = metadataElement(meta);
  if (existing && metadata) return replaceElement(doc, metadata, existing, [fresh]);
  if (!metadata) {
    metadata = leanElement('metadata');
    const anchor = childElements(root)
      // libvirt's order of the elements that may precede <metadata>.
      .filter((c) => ['name', 'uuid', 'genid', 'title', 'description'].includes(c.name))
      .at(-1);
    insertElement(doc, root, metadata, anchor ? { after: anchor } : 'start');
  }
  insertElement(doc, metadata, fresh);
}

/**
 * A domain's devices by alias, the first of each (libvirt keeps aliases unique: a later copy is
 * not the one the metadata means). Built once per domain; pairHalves reads it.
 */
export function devicesByAlias(devices: readonly XmlElement[]): Map<string, XmlElement> {
  const byAlias = new Map<string, XmlElement>();
  for (const d of devices) {
    const alias = aliasOf(d);
    if (alias !== undefined && !byAlias.has(alias)) byAlias.set(alias, d);
  }
  return byAlias;
}

/** A pair's halves as pairHalves finds them. */
export interface PairHalves {
  vf?: XmlElement;
  backup?: XmlElement;
  /** Why a device with a half's alias is not the pair's: its MAC is not the pair's. */
  wrongMac?: string;
}

/**
 * A pair's two halves, the one lookup every reader uses (plans, collapse, style changes, check,
 * guest config): by alias *and* MAC — a device that merely took a pair's alias is not its half.
 * A half the domain lacks is absent; what either means is the caller's (requirePairHalves refuses).
 */
export function pairHalves(
  byAlias: ReadonlyMap<string, XmlElement>,
  pair: Pick<PairRecord, 'name' | 'mac' | 'vfAlias' | 'backupAlias'>,
): PairHalves {
  const vf = byAlias.get(pair.vfAlias);
  const backup = byAlias.get(pair.backupAlias);
  const halves: PairHalves = { ...(vf ? { vf } : {}), ...(backup ? { backup } : {}) };
  for (const [what, el] of [
    ['VF half', vf],
    ['backup half', backup],
  ] as const) {
    const mac = el && childAttribute(el, 'mac', 'address')?.toLowerCase();
    if (el && mac !== pair.mac.toLowerCase()) {
      return {
        ...halves,
        wrongMac: `pair '${pair.name}': the ${what} '${aliasOf(el)}' has MAC ${mac ?? '(none)'}, the metadata says ${pair.mac}`,
      };
    }
  }
  return halves;
}

/** pairHalves, refusing a half that is not the pair's (`METADATA_INVALID`). */
export function requirePairHalves(
  byAlias: ReadonlyMap<string, XmlElement>,
  pair: Pick<PairRecord, 'name' | 'mac' | 'vfAlias' | 'backupAlias'>,
): { vf?: XmlElement; backup?: XmlElement } {
  const { wrongMac, ...halves } = pairHalves(byAlias, pair);
  if (wrongMac !== undefined) throw new HybridError('METADATA_INVALID', wrongMac, { element: pair.name });
  return halves;
}
