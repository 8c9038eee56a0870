/** Finds the dialect in a domain's devices: hybrid entries, pool interfaces, ephemeral devices. */
import { HybridError } from '../errors.js';
import { firstChild, getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { hostIndex, type Host, type HostIndex } from '../host/model.js';
import { atElement, describeDevice, isPassthrough } from '../libvirt/domain.js';
import { compact } from '../compact.js';

export type DialectEntry =
  /** A pair: `<interface type='hostdev-hybrid'>`, or `type='network'` on a hostdev-hybrid pool. */
  | { kind: 'pair'; el: XmlElement; where: string; form: 'hybrid' | 'network'; pool?: string }
  /** `<hostdev ephemeral='yes'>` or `<interface type='hostdev' ephemeral='yes'>`. */
  | { kind: 'ephemeral'; el: XmlElement; where: string }
  /** `<interface type='network'>` on a `mode='hostdev' ephemeral='yes'` pool. */
  | { kind: 'ephemeral-pool'; el: XmlElement; where: string; pool: string }
  /** `ephemeral='no'`: plain libvirt once the attribute is gone. */
  | { kind: 'not-ephemeral'; el: XmlElement; where: string };

function sourceNetwork(el: XmlElement): string | undefined {
  const source = firstChild(el, 'source');
  return source ? getAttribute(source, 'network') : undefined;
}

/**
 * Whether `el` is dialect whatever the host says: libvirt has no device of type hostdev-hybrid,
 * no `ephemeral` attribute and no `<backup>` child, so expanded XML never holds one.
 */
export function isDialectOnly(el: XmlElement): boolean {
  return (
    getAttribute(el, 'type') === 'hostdev-hybrid' || getAttribute(el, 'ephemeral') !== undefined || firstChild(el, 'backup') !== undefined
  );
}

export function findDialect(
  devices: XmlElement[],
  host: Host,
  describe: (el: XmlElement, position: number) => string = describeDevice,
): DialectEntry[] {
  const index = hostIndex(host);
  const entries: DialectEntry[] = [];
  devices.forEach((el, position) => {
    // Most devices are none of the dialect's: they are skipped before `describe` is asked.
    const type = el.name === 'interface' ? getAttribute(el, 'type') : undefined;
    if (getAttribute(el, 'ephemeral') === undefined && !firstChild(el, 'backup') && type !== 'hostdev-hybrid' && type !== 'network') return;
    const entry = atElement(el, () => dialectEntry(el, describe(el, position), host, index));
    if (entry) entries.push(entry);
  });
  return entries;
}

/** What one device is in the dialect, if anything; dialect where it does not belong is refused. */
function dialectEntry(el: XmlElement, where: string, host: Host, index: HostIndex): DialectEntry | undefined {
  const type = getAttribute(el, 'type');
  const ephemeral = getAttribute(el, 'ephemeral');
  if (el.name === 'interface' && type === 'hostdev-hybrid') return hybridEntry(el, where, host, index);
  let entry: DialectEntry | undefined;
  if (el.name === 'interface' && type === 'network') {
    const p = index.poolByName.get(sourceNetwork(el) ?? '');
    if (p?.mode === 'hostdev-hybrid') entry = { kind: 'pair', el, where, form: 'network', pool: p.name };
    else if (p?.mode === 'hostdev' && p.ephemeral) entry = { kind: 'ephemeral-pool', el, where, pool: p.name };
  }
  // Dialect that only a hybrid entry may hold must not slip through as plain libvirt.
  if (entry?.kind !== 'pair' && firstChild(el, 'backup')) {
    throw new HybridError(
      'UNSUPPORTED_ELEMENT',
      `${where}: <backup> belongs only in a hybrid entry (type='hostdev-hybrid', or type='network' on a hostdev-hybrid pool)`,
      { element: where },
    );
  }
  if (ephemeral === undefined) return entry;
  if (!isPassthrough(el)) {
    throw new HybridError(
      'UNSUPPORTED_ELEMENT',
      `${where}: ephemeral='${ephemeral}' only applies to <hostdev> and <interface type='hostdev'>`,
      { element: where },
    );
  }
  if (ephemeral === 'yes') return { kind: 'ephemeral', el, where };
  if (ephemeral === 'no') return { kind: 'not-ephemeral', el, where };
  throw new HybridError('INVALID_ATTRIBUTE', `${where}: ephemeral='${ephemeral}' must be 'yes' or 'no'`, { element: where });
}

/** `<interface type='hostdev-hybrid'>`: on a pool of this host when it names one. */
function hybridEntry(el: XmlElement, where: string, host: Host, index: HostIndex): DialectEntry {
  const ephemeral = getAttribute(el, 'ephemeral');
  if (ephemeral !== undefined)
    throw new HybridError('UNSUPPORTED_ELEMENT', `${where}: a hybrid entry is ephemeral by nature; drop ephemeral='${ephemeral}'`, {
      element: where,
    });
  const pool = sourceNetwork(el);
  if (pool !== undefined && !index.poolByName.has(pool)) {
    if (host.otherNetworks.includes(pool))
      throw new HybridError(
        'POOL_NOT_HYBRID',
        `${where}: network '${pool}' is not a VF pool (its forward mode is not hostdev-hybrid or hostdev)`,
        { element: where },
      );
    throw new HybridError('POOL_UNKNOWN', `${where}: network '${pool}' is not in the host snapshot; add its XML to network/`, {
      element: where,
    });
  }
  return compact({ kind: 'pair' as const, el, where, form: 'hybrid' as const, pool });
}
