/** Reads `virsh net-dumpxml` documents: VF pools (our dialect and libvirt's hostdev mode) and the rest. */
import { HybridError } from '../errors.js';
import { childElements, firstChild, getAttribute, textContent } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { formatPci, readPciAddress } from '../libvirt/pci-address.js';
import { FORWARD_MODES } from '../libvirt/known-types.js';
import { nearest } from '../nearest.js';
import { readMtu } from '../libvirt/mtu.js';

export type NetworkDef =
  | {
      kind: 'pool';
      name: string;
      mode: 'hostdev-hybrid' | 'hostdev';
      ephemeral: boolean;
      managed: boolean;
      pfs: string[];
      addresses: string[];
      mtu?: number;
      migration?: 'unplug';
    }
  | { kind: 'other'; name: string };

function yesNo(el: XmlElement, attr: string, where: string, fallback: boolean): boolean {
  const v = getAttribute(el, attr);
  if (v === undefined) return fallback;
  if (v !== 'yes' && v !== 'no')
    throw new HybridError('INVALID_ATTRIBUTE', `${where}: ${attr}='${v}' must be 'yes' or 'no'`, { element: where });
  return v === 'yes';
}

/**
 * The dialect's `migration` switch (on a pool's `<forward>` or a hybrid entry): `unplug` forces a
 * pair's VF half out for every move, even where both hosts could move it attached; `auto`, the
 * default, lets the evidence decide (docs/DIALECT.md).
 */
export function readMigration(el: XmlElement, where: string): 'unplug' | 'auto' {
  const v = getAttribute(el, 'migration') ?? 'auto';
  if (v !== 'unplug' && v !== 'auto')
    throw new HybridError('INVALID_ATTRIBUTE', `${where}: migration='${v}' must be 'unplug' or 'auto'`, { element: where });
  return v;
}

export function readNetwork(root: XmlElement, where: string): NetworkDef {
  if (root.name !== 'network') {
    throw new HybridError('XML_WRONG_ROOT', `${where}: expected a <network> from virsh net-dumpxml, found <${root.name}>`, {
      element: where,
    });
  }
  const nameEl = firstChild(root, 'name');
  const name = nameEl ? textContent(nameEl).trim() : '';
  if (!name) throw new HybridError('MISSING_ELEMENT', `${where}: the network has no <name>`, { element: where });
  const here = `${where} (network '${name}')`;
  const forward = firstChild(root, 'forward');
  const mode = forward && getAttribute(forward, 'mode');
  if (mode !== undefined && !(FORWARD_MODES as readonly string[]).includes(mode)) {
    throw new HybridError(
      'INVALID_ATTRIBUTE',
      `${here}: <forward mode='${mode}'> is neither libvirt's nor the dialect's (did you mean '${nearest(mode, FORWARD_MODES)}'?)`,
      { element: here },
    );
  }
  if (!forward || (mode !== 'hostdev-hybrid' && mode !== 'hostdev')) return { kind: 'other', name };
  const pfs = childElements(forward, 'pf').map((pf) => {
    const dev = getAttribute(pf, 'dev');
    if (!dev) throw new HybridError('MISSING_ELEMENT', `${here}: <pf> needs a dev='…' attribute naming the PF's netdev`, { element: here });
    return dev;
  });
  const addresses = childElements(forward, 'address').map((a) => formatPci(readPciAddress(a, `${here} <forward><address>`)));
  const mtuEl = firstChild(root, 'mtu');
  const mtu = mtuEl ? readMtu(mtuEl, here) : undefined;
  const migration = readMigration(forward, here);
  return {
    ...(mtu !== undefined ? { mtu } : {}),
    ...(migration === 'unplug' ? { migration } : {}),
    kind: 'pool',
    name,
    mode,
    // A hostdev-hybrid pool's VFs are ephemeral by definition.
    ephemeral: mode === 'hostdev-hybrid' || yesNo(forward, 'ephemeral', here, false),
    managed: yesNo(forward, 'managed', here, mode === 'hostdev-hybrid'),
    pfs,
    addresses,
  };
}
