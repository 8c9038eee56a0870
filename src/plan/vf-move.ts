/**
 * Whether a pair's VF can move attached, with its device state (VFIO migration, docs/MIGRATION.md),
 * instead of being unplugged before a live migration and a new one plugged after it. Linux's VFIO
 * migration (v2), QEMU ≥ 8.1 and libvirt ≥ 10.0 (which binds a variant driver such as
 * mlx5_vfio_pci, named by `<driver model>`) move such a VF; everything must be known and good on
 * both hosts, and a missing fact is "no". The first condition that fails is the pair's reason.
 */
import type { DiagnosticCode } from '../diagnostics.js';
import { hostIndex, type Host } from '../host/model.js';

/** The answer for one pair: move attached, on that variant driver — or unplug, and why. */
export type VfMove =
  | { attached: true; driver: string }
  | { attached: false; code: DiagnosticCode; reason: string };

/** The oldest libvirt and QEMU that migrate a VF with its state. */
export const VFIO_MIGRATION_MINIMUM = { libvirt: '10.0', qemu: '8.1' } as const;

/** `a` ≥ `b`, dotted version numbers. */
function atLeast(a: string, b: string): boolean {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** What a pair asks of the move: its VF on each host, and whether the dialect forces the unplug. */
export interface VfMoveQuestion {
  pair: string;
  sourceVf: string;
  destVf: string;
  /** The entry's or a pool's `migration='unplug'`. */
  forcedUnplug: boolean;
}

/**
 * The verdict for one pair of a bond-style live migration from `from` to `to`.
 *
 * @example
 * vfMove(cx7a, cx7b, { pair: 'ua-net0', sourceVf: '0000:82:00.2', destVf: '0000:83:00.2', forcedUnplug: false });
 * // { attached: true, driver: 'mlx5_vfio_pci' }
 */
export function vfMove(from: Host, to: Host, q: VfMoveQuestion): VfMove {
  const no = (code: DiagnosticCode, why: string): VfMove => ({ attached: false, code, reason: `pair '${q.pair}' is unplugged for the move: ${why}` });
  if (q.forcedUnplug) return no('VF_UNPLUG_FORCED', 'its entry or pool says migration=\'unplug\'');
  for (const [host, where] of [[from, 'source'], [to, 'destination']] as const) {
    for (const part of ['libvirt', 'qemu'] as const) {
      const version = host.versions?.[part];
      const name = part === 'libvirt' ? 'libvirt' : 'QEMU';
      if (version === undefined) return no('VF_UNPLUG_VERSION', `${name}'s version on the ${where} is unknown (its snapshot has no version.txt)`);
      if (!atLeast(version, VFIO_MIGRATION_MINIMUM[part])) return no('VF_UNPLUG_VERSION', `${name} ${version} on the ${where} cannot migrate a VF's state (${VFIO_MIGRATION_MINIMUM[part]} or later can)`);
    }
  }
  // Both are VFs of their host: the plan read the source's from it and chose the destination's there.
  const [src, dst] = [hostIndex(from).vfByAddress.get(q.sourceVf)!, hostIndex(to).vfByAddress.get(q.destVf)!];
  if (src.pciId === undefined || dst.pciId === undefined) return no('VF_UNPLUG_DEVICE', 'a VF\'s vendor:device is unknown (its nodedev has no <vendor id> or <product id>)');
  if (src.pciId !== dst.pciId) return no('VF_UNPLUG_DEVICE', `the VFs are different devices (${src.pciId} on the source, ${dst.pciId} on the destination)`);
  const drivers = [from, to].map((h) => h.variantDrivers?.find((d) => d.id === dst.pciId)?.driver);
  for (const [i, where] of ['source', 'destination'].entries()) {
    if (drivers[i] === undefined) {
      return no('VF_UNPLUG_DRIVER', [from, to][i]!.variantDrivers === undefined
        ? `the ${where}'s VFIO variant drivers are unknown (its snapshot has no modules.alias)`
        : `the ${where}'s kernel has no VFIO variant driver for ${dst.pciId}`);
    }
  }
  for (const [vf, where] of [[src, 'source'], [dst, 'destination']] as const) {
    if (vf.migratable === undefined) return no('VF_UNPLUG_NOT_MIGRATABLE', `whether VF ${vf.address} on the ${where} is migratable is unknown (its snapshot's devlink.json does not say)`);
    if (!vf.migratable) return no('VF_UNPLUG_NOT_MIGRATABLE', `VF ${vf.address} on the ${where} has migratable disabled (devlink port function set … migratable enable)`);
  }
  const pfs = [from, to].map((h, i) => hostIndex(h).pfByAddress.get([src, dst][i]!.pf ?? ''));
  for (const key of ['firmware', 'psid'] as const) {
    const [a, b] = pfs.map((p) => p?.[key]);
    if (a !== undefined && b !== undefined && a !== b) return no('VF_UNPLUG_FIRMWARE', `the NICs' ${key === 'psid' ? 'PSIDs' : 'firmware versions'} differ (${a} on the source, ${b} on the destination)`);
  }
  return { attached: true, driver: drivers[1]! };
}
