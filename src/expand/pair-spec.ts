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
  /** Children for the VF half and for the backup half; none is the usual case, and allocates nothing. */
  toVf: XmlElement[] | undefined;
  toBackup: XmlElement[] | undefined;
  /** The backup's `<model>`; none given: virtio. */
  backupModel: XmlElement | undefined;
  managed: string;
  trustGuestRxFilters: string | undefined;
  /** `migration='unplug'`: the VF half leaves for every move (recorded in the metadata). */
  migration: 'unplug' | 'auto';
}

const HYBRID_ATTRIBUTES = new Set(['type', 'managed', 'trustGuestRxFilters', 'migration']);
// libvirt's rule for user aliases.
const USER_ALIAS = /^ua-[A-Za-z0-9_-]+$/;

/** Reads and checks one hybrid entry; nothing is chosen or changed yet. */
export function readPairSpec(entry: Extract<DialectEntry, { kind: 'pair' }>): PairSpec {
  const { el, where } = entry;
  for (const a of el.attributes) {
    if (!HYBRID_ATTRIBUTES.has(a.name))
      throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: attribute ${a.name}='${a.value}' is not supported on a hybrid entry`, {
        element: where,
      });
  }
  const managed = getAttribute(el, 'managed') ?? 'yes';
  if (managed !== 'yes' && managed !== 'no')
    throw new HybridError('INVALID_ATTRIBUTE', `${where}: managed='${managed}' must be 'yes' or 'no'`, { element: where });
  const trust = getAttribute(el, 'trustGuestRxFilters');
  // A spec lives as long as the expansion: what most entries leave out is left undefined.
  const spec: PairSpec = {
    entry,
    toVf: undefined,
    toBackup: undefined,
    managed,
    backupModel: undefined,
    trustGuestRxFilters: trust,
    migration: readMigration(el, where),
  };
  const setModel = (m: XmlElement): void => {
    if (spec.backupModel !== undefined)
      throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: the backup's <model> is given twice`, { element: where });
    spec.backupModel = m;
  };
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
  if (!vfAddress && entry.pool === undefined) {
    throw new HybridError('MISSING_ELEMENT', `${where}: <source> names neither a pool (network='…') nor a VF (<address type='pci' …/>)`, {
      element: where,
    });
  }
  for (const child of childElements(el)) {
    switch (child.name) {
      case 'source':
        break;
      case 'mac': {
        const raw = getAttribute(child, 'address');
        if (raw === undefined) throw new HybridError('MISSING_ELEMENT', `${where}: <mac> needs address='…'`, { element: where });
        spec.mac = parseMac(raw, where);
        break;
      }
      case 'alias': {
        const name = getAttribute(child, 'name') ?? '';
        if (!USER_ALIAS.test(name)) {
          throw new HybridError(
            'INVALID_ALIAS',
            `${where}: alias '${name}' must start with 'ua-' and use only letters, digits, '-' and '_' (libvirt's rule for user aliases)`,
            { element: where },
          );
        }
        spec.alias = name;
        break;
      }
      case 'address':
        spec.vfGuest = readGuestAddress(child, `${where} <address>`);
        break;
      case 'backup':
        for (const b of childElements(child)) {
          if (b.name === 'address') spec.backupGuest = readGuestAddress(b, `${where} <backup><address>`);
          else if (b.name === 'model') setModel(b);
          else
            throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: <backup> may hold <address> and <model>, not <${b.name}>`, {
              element: where,
            });
        }
        break;
      case 'vlan':
        spec.vlan = readVlan(child, where);
        spec.vlanEl = child;
        break;
      case 'model':
        setModel(child);
        break;
      // In the metadata only: libvirt refuses <mtu> on both halves (direct and hostdev).
      case 'mtu':
        spec.mtu = readMtu(child, where);
        break;
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
