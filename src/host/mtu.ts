/**
 * Whether a pair's MTU fits a host: the VF is capped by its PF, and the macvtap backup takes the
 * MTU of its source device (the PF, or the VLAN sub-interface). libvirt sets no MTU on either half,
 * so the host's devices decide; links.json (ip -j -d link show) says what they are.
 */
import type { Diagnostic } from '../diagnostics.js';
import { hostIndex, type Host } from './model.js';

export type MtuFit =
  | { kind: 'fits' }
  /** The snapshot has no links.json, or does not list these devices. */
  | { kind: 'unknown'; devices: string[] }
  | { kind: 'too-small'; device: string; mtu: number }
  | { kind: 'above-max'; device: string; maxMtu: number };

/**
 * How `mtu` fits the devices a pair uses on `host` (its PF netdev, and the backup's source).
 *
 * @example
 * mtuFit(host, ['ens1f0'], 9000); // { kind: 'too-small', device: 'ens1f0', mtu: 1500 }
 */
export function mtuFit(host: Host, devices: string[], mtu: number): MtuFit {
  const links = hostIndex(host).links;
  const unknown: string[] = [];
  for (const device of new Set(devices)) {
    const link = links?.get(device);
    if (!link) {
      unknown.push(device);
      continue;
    }
    if (mtu > (link.maxMtu ?? Infinity)) return { kind: 'above-max', device, maxMtu: link.maxMtu! };
    if (link.mtu < mtu) return { kind: 'too-small', device, mtu: link.mtu };
  }
  return unknown.length > 0 ? { kind: 'unknown', devices: unknown } : { kind: 'fits' };
}

/** What a device that does not fit has, for messages: `MTU 1500` or `max_mtu 9216`. */
export function mtuHas(fit: Extract<MtuFit, { kind: 'too-small' | 'above-max' }>): string {
  return fit.kind === 'too-small' ? `MTU ${fit.mtu}` : `max_mtu ${fit.maxMtu}`;
}

/** What to do about a device whose MTU is smaller than a pair's, for messages. */
export function mtuFix(device: string, mtu: number): string {
  return `raise it there (ip link set ${device} mtu ${mtu}, and in the host's network configuration) or lower the pair's <mtu>`;
}

/** One MTU_UNKNOWN warning for every device whose MTU the snapshot does not know: said once. */
export function mtuUnknownWarning(host: Host, devices: string[]): Diagnostic {
  const names = [...new Set(devices)].sort().join(', ');
  return {
    code: 'MTU_UNKNOWN', severity: 'warning',
    message: hostIndex(host).links === undefined
      ? `the host snapshot has no links.json, so the MTU of ${names} is unknown: a pair's MTU cannot be checked there (capture it: ip -j -d link show > links.json)`
      : `links.json does not list ${names}: the MTU there is unknown, and a pair's MTU cannot be checked (capture links.json again)`,
  };
}

