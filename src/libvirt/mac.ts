import { HybridError } from '../errors.js';
import { digits } from './pci-address.js';
import { sha256 } from '../sha256.js';

const MAC_TEXT = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/;

/** Normalises a MAC to libvirt's form (lower case, colons) or throws INVALID_MAC. */
export function parseMac(raw: string, where: string): string {
  const m = MAC_TEXT.exec(raw);
  if (!m) throw new HybridError('INVALID_MAC', `${where}: '${raw}' is not a MAC address like 52:54:00:6d:90:02`, { element: where });
  const mac = [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
  if (parseInt(m[1]!, 16) & 1)
    throw new HybridError('INVALID_MAC', `${where}: ${mac} is a multicast address; a NIC needs a unicast MAC (first byte even)`, {
      element: where,
    });
  if (mac === '00:00:00:00:00:00')
    throw new HybridError('INVALID_MAC', `${where}: 00:00:00:00:00:00 is not a usable MAC`, { element: where });
  return mac;
}

/**
 * A MAC in libvirt's own 52:54:00 range derived from `seed` (domain UUID or name, and the pair's
 * name), so expanding the same domain again gives the same MAC; `taken` MACs are skipped.
 */
export function stableMac(seed: string, taken: { has(mac: string): boolean }): string {
  for (let attempt = 0; ; attempt++) {
    const h = sha256(`${seed}#${attempt}`);
    const mac = `52:54:00:${digits(h[0]!, 2)}:${digits(h[1]!, 2)}:${digits(h[2]!, 2)}`;
    if (!taken.has(mac)) return mac;
  }
}
