/**
 * Whether a pair's MTU fits a host: the VF is capped by its PF, and the macvtap backup takes the
 * MTU of its source device (the PF, or the VLAN sub-interface). libvirt sets no MTU on either half,
 * so the host's devices decide; links.json (ip -j -d link show) says what they are.
 */
import type { Diagnostic } from '../diagnostics.js';
import { hostIndex, type Host } from './model.js';

type MtuFit =
  | { kind: 'fits' }
  /** The snapshot has no links.json, or does not list these devices. */
  | { kind: 'unknown'; devices: string[] }
  | { kind: 'too-small'; device: string; mtu: number }
  | { kind: 'above-max'; device: string; maxMtu: number };

function mtuFit(host: Host, devices: string[], mtu: number): MtuFit {
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

/** The verdict on a pair's MTU on one host: it fits, is unknown there, or is refused, and why. */
export type MtuVerdict =
  { kind: 'fits' } | { kind: 'unknown'; devices: string[] } | { kind: 'refused'; code: 'INVALID_MTU' | 'MTU_TOO_SMALL'; message: string };

/**
 * The one MTU rule, which expansion, check, plans, hot-plug, repair and the hook all ask: a pair's
 * MTU must fit the devices it uses on the host — its VF's PF (the VF is capped by it) and its
 * backup's source device (macvtap takes that device's MTU) — or the pair is refused there:
 * above a device's max_mtu (`INVALID_MTU`), above its MTU (`MTU_TOO_SMALL`). A device the snapshot
 * does not know is "unknown", which callers say once (mtuUnknownWarning). `where`: "on this host",
 * "on the destination".
 *
 * @example
 * judgeMtu(host, 'ua-net0', 9000, ['ens1f0'], 'on the destination');
 * // { kind: 'refused', code: 'MTU_TOO_SMALL', message: "pair 'ua-net0' has MTU 9000, but ens1f0 has MTU 1500 on the destination: …" }
 */
export function judgeMtu(host: Host, pair: string, mtu: number, devices: string[], where: string): MtuVerdict {
  const fit = mtuFit(host, devices, mtu);
  if (fit.kind === 'above-max') {
    return {
      kind: 'refused',
      code: 'INVALID_MTU',
      message: `pair '${pair}' has MTU ${mtu}, above what ${fit.device} takes ${where} (max_mtu ${fit.maxMtu}); lower the pair's <mtu>`,
    };
  }
  if (fit.kind === 'too-small') {
    return {
      kind: 'refused',
      code: 'MTU_TOO_SMALL',
      message: `pair '${pair}' has MTU ${mtu}, but ${fit.device} has MTU ${fit.mtu} ${where}: the VF (capped by its PF) and its backup would drop larger frames; raise it there (ip link set ${fit.device} mtu ${mtu}, and in the host's network configuration) or lower the pair's <mtu>`,
    };
  }
  return fit;
}

/** One MTU_UNKNOWN warning for every device whose MTU the snapshot does not know: said once. */
export function mtuUnknownWarning(host: Host, devices: string[]): Diagnostic {
  const names = [...new Set(devices)].sort().join(', ');
  return {
    code: 'MTU_UNKNOWN',
    severity: 'warning',
    message:
      hostIndex(host).links === undefined
        ? `the host snapshot has no links.json, so the MTU of ${names} is unknown: a pair's MTU cannot be checked there (capture it: ip -j -d link show > links.json)`
        : `links.json does not list ${names}: the MTU there is unknown, and a pair's MTU cannot be checked (capture links.json again)`,
  };
}
