/**
 * What a hybrid `<interface>` entry says, read and checked before anything is chosen: its VF
 * (named or from a pool), MAC, alias, guest addresses, VLAN, MTU, and which children go to which
 * half (placement.ts).
 */
import { HybridError } from '../errors.js';
import { childElements, firstChild, getAttribute } from '../xml/edit.js';
import { readMigration } from '../host/network.js';
import { cloneNode, type XmlElement } from '../xml/tree.js';
import { parseMac } from '../libvirt/mac.js';
import { readMtu } from '../libvirt/mtu.js';
import { formatPci, readPciAddress, type PciAddress } from '../libvirt/pci-address.js';
import { readVlan } from '../libvirt/vlan.js';
import { readGuestAddress } from '../pci/space.js';
import type { DialectEntry } from './dialect.js';
import { placeHybridChild } from './placement.js';

/** What one pair entry says, read and checked before anything is chosen. */
export interface PairSpec {
  entry: Extract<DialectEntry, { kind: 'pair' }>;
  explicitVf?: string;
  mac?: string;
  alias?: string;
  vfGuest?: PciAddress;
  backupGuest?: PciAddress;
  vlanEl?: XmlElement;
  vlan?: number;
  mtu?: number;
  /** Children for the VF half and for the backup half (placement.ts's table says which). */
  toVf: XmlElement[];
  toBackup: XmlElement[];
  /** The backup's `<model>`; none given: virtio. */
  backupModel: XmlElement | undefined;
  managed: string;
  trustGuestRxFilters: string | undefined;
  /** `migration='unplug'`: the VF half leaves for every move (recorded in the metadata). */
  migration: 'unplug' | 'auto';
}

/** Reads and checks one hybrid entry; nothing is chosen or changed yet. */
export function readPairSpec(entry: Extract<DialectEntry, { kind: 'pair' }>): PairSpec {
  const { el, where } = entry;
  for (const a of el.attributes) {
    if (!['type', 'managed', 'trustGuestRxFilters', 'migration'].includes(a.name))
      throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: attribute ${a.name}='${a.value}' is not supported on a hybrid entry`, {
        element: where,
      });
  }
  const managed = getAttribute(el, 'managed') ?? 'yes';
  if (managed !== 'yes' && managed !== 'no')
    throw new HybridError('INVALID_ATTRIBUTE', `${where}: managed='${managed}' must be 'yes' or 'no'`, { element: where });
  const spec: PairSpec = {
    entry,
    toVf: [],
    toBackup: [],
    managed,
    backupModel: undefined,
    trustGuestRxFilters: getAttribute(el, 'trustGuestRxFilters'),
    migration: readMigration(el, where),
  };
  readEntrySource(spec);
  for (const child of childElements(el)) readEntryChild(spec, child);
  return spec;
}

/** `<source>`: a pool, a VF, or both; at least one. */
function readEntrySource(spec: PairSpec): void {
  const { el, where, pool } = spec.entry;
  const source = firstChild(el, 'source');
  if (!source) {
    throw new HybridError(
      'MISSING_ELEMENT',
      `${where}: a hybrid entry needs <source network='POOL'/> or <source><address type='pci' …/></source> naming its VF`,
      { element: where },
    );
  }
  const vfAddress = firstChild(source, 'address');
  if (vfAddress) spec.explicitVf = formatPci(readPciAddress(vfAddress, `${where} <source><address>`));
  if (!vfAddress && pool === undefined) {
    throw new HybridError('MISSING_ELEMENT', `${where}: <source> names neither a pool (network='…') nor a VF (<address type='pci' …/>)`, {
      element: where,
    });
  }
}

/** One child of the entry: what expansion reads itself, else copied to the half placement says (placement.ts's table). */
function readEntryChild(spec: PairSpec, child: XmlElement): void {
  const { where } = spec.entry;
  switch (child.name) {
    case 'source':
      return;
    case 'mac': {
      const raw = getAttribute(child, 'address');
      if (raw === undefined) throw new HybridError('MISSING_ELEMENT', `${where}: <mac> needs address='…'`, { element: where });
      spec.mac = parseMac(raw, where);
      return;
    }
    case 'alias':
      spec.alias = readUserAlias(child, where);
      return;
    case 'address':
      spec.vfGuest = readGuestAddress(child, `${where} <address>`);
      return;
    case 'backup':
      for (const b of childElements(child)) {
        if (b.name === 'address') spec.backupGuest = readGuestAddress(b, `${where} <backup><address>`);
        else if (b.name === 'model') setBackupModel(spec, b);
        else
          throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: <backup> may hold <address> and <model>, not <${b.name}>`, {
            element: where,
          });
      }
      return;
    case 'vlan':
      spec.vlan = readVlan(child, where);
      spec.vlanEl = child;
      return;
    case 'model':
      setBackupModel(spec, child);
      return;
    case 'mtu':
      spec.mtu = readMtu(child, where);
      return;
    default: {
      const place = placeHybridChild(child, where);
      // One element in both halves: each half gets its own copy, so a later edit of one keeps off the other.
      if (place === 'vf' || place === 'both') spec.toVf.push(child);
      if (place === 'backup' || place === 'both') spec.toBackup.push(place === 'both' ? cloneNode(child) : child);
    }
  }
}

/** The backup's `<model>`, from the entry or its `<backup>`: once. */
function setBackupModel(spec: PairSpec, model: XmlElement): void {
  if (spec.backupModel !== undefined)
    throw new HybridError('UNSUPPORTED_ELEMENT', `${spec.entry.where}: the backup's <model> is given twice`, { element: spec.entry.where });
  spec.backupModel = model;
}

/** `<alias name>`: a libvirt user alias. */
function readUserAlias(child: XmlElement, where: string): string {
  const name = getAttribute(child, 'name') ?? '';
  if (!/^ua-[A-Za-z0-9_-]+$/.test(name)) {
    // libvirt's rule for user aliases
    throw new HybridError(
      'INVALID_ALIAS',
      `${where}: alias '${name}' must start with 'ua-' and use only letters, digits, '-' and '_' (libvirt's rule for user aliases)`,
      { element: where },
    );
  }
  return name;
}
