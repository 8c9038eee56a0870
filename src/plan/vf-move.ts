/**
 * Whether a pair's VF can move attached, with its device state (VFIO migration, docs/MIGRATION.md),
 * instead of being unplugged before a live migration and a new one plugged after it. Linux's VFIO
 * migration (v2), QEMU ≥ 8.1 and libvirt ≥ 10.0 (which binds a variant driver such as
 * mlx5_vfio_pci, named by `<driver model>`) move such a VF; everything must be known and good on
 * both hosts, and a missing fact is "no". The first condition that fails is the pair's reason.
 */
import type { DiagnosticCode } from '../diagnostics.js';
import { hostIndex, type Host, type HostVf } from '../host/model.js';

/** The answer for one pair: move attached, on that variant driver — or unplug, and why. */
export type VfMove = { attached: true; driver: string } | { attached: false; code: DiagnosticCode; reason: string };

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

type Refusal = { code: DiagnosticCode; why: string };

/** libvirt and QEMU on `host` (`where`: the source, the destination, this host) migrate a VF's state. */
function versionsRefusal(host: Host, where: string): Refusal | undefined {
  for (const part of ['libvirt', 'qemu'] as const) {
    const version = host.versions?.[part];
    const name = part === 'libvirt' ? 'libvirt' : 'QEMU';
    if (version === undefined)
      return { code: 'VF_UNPLUG_VERSION', why: `${name}'s version on ${where} is unknown (its snapshot has no version.txt)` };
    if (!atLeast(version, VFIO_MIGRATION_MINIMUM[part]))
      return {
        code: 'VF_UNPLUG_VERSION',
        why: `${name} ${version} on ${where} cannot migrate a VF's state (${VFIO_MIGRATION_MINIMUM[part]} or later can)`,
      };
  }
  return undefined;
}

/** The variant driver `host`'s kernel has for `pciId`, or why there is none. */
function variantDriver(host: Host, pciId: string, where: string): { driver: string } | Refusal {
  const driver = host.variantDrivers?.find((d) => d.id === pciId)?.driver;
  if (driver !== undefined) return { driver };
  return {
    code: 'VF_UNPLUG_DRIVER',
    why:
      host.variantDrivers === undefined
        ? `${where}'s VFIO variant drivers are unknown (its snapshot has no modules.alias)`
        : `${where}'s kernel has no VFIO variant driver for ${pciId}`,
  };
}

function migratableRefusal(vf: HostVf, where: string): Refusal | undefined {
  if (vf.migratable === undefined)
    return {
      code: 'VF_UNPLUG_NOT_MIGRATABLE',
      why: `whether VF ${vf.address} on ${where} is migratable is unknown (its snapshot's devlink.json does not say)`,
    };
  if (!vf.migratable)
    return {
      code: 'VF_UNPLUG_NOT_MIGRATABLE',
      why: `VF ${vf.address} on ${where} has migratable disabled (devlink port function set … migratable enable)`,
    };
  return undefined;
}

/**
 * The verdict for one pair of a bond-style live migration from `from` to `to`.
 *
 * @example
 * vfMove(cx7a, cx7b, { pair: 'ua-net0', sourceVf: '0000:82:00.2', destVf: '0000:83:00.2', forcedUnplug: false });
 * // { attached: true, driver: 'mlx5_vfio_pci' }
 */
export function vfMove(from: Host, to: Host, q: VfMoveQuestion): VfMove {
  const no = (r: Refusal): VfMove => ({ attached: false, code: r.code, reason: `pair '${q.pair}' is unplugged for the move: ${r.why}` });
  if (q.forcedUnplug) return no({ code: 'VF_UNPLUG_FORCED', why: "its entry or pool says migration='unplug'" });
  const versions = versionsRefusal(from, 'the source') ?? versionsRefusal(to, 'the destination');
  if (versions) return no(versions);
  // Both are VFs of their host: the plan read the source's from it and chose the destination's there.
  const [src, dst] = [hostIndex(from).vfByAddress.get(q.sourceVf)!, hostIndex(to).vfByAddress.get(q.destVf)!];
  if (src.pciId === undefined || dst.pciId === undefined)
    return no({ code: 'VF_UNPLUG_DEVICE', why: "a VF's vendor:device is unknown (its nodedev has no <vendor id> or <product id>)" });
  if (src.pciId !== dst.pciId)
    return no({
      code: 'VF_UNPLUG_DEVICE',
      why: `the VFs are different devices (${src.pciId} on the source, ${dst.pciId} on the destination)`,
    });
  const srcDriver = variantDriver(from, dst.pciId, 'the source');
  if ('code' in srcDriver) return no(srcDriver);
  const dstDriver = variantDriver(to, dst.pciId, 'the destination');
  if ('code' in dstDriver) return no(dstDriver);
  const migratable = migratableRefusal(src, 'the source') ?? migratableRefusal(dst, 'the destination');
  if (migratable) return no(migratable);
  const pfs = [from, to].map((h, i) => hostIndex(h).pfByAddress.get([src, dst][i]!.pf ?? ''));
  for (const key of ['firmware', 'psid'] as const) {
    const [a, b] = pfs.map((p) => p?.[key]);
    if (a !== undefined && b !== undefined && a !== b)
      return no({
        code: 'VF_UNPLUG_FIRMWARE',
        why: `the NICs' ${key === 'psid' ? 'PSIDs' : 'firmware versions'} differ (${a} on the source, ${b} on the destination)`,
      });
  }
  return { attached: true, driver: dstDriver.driver };
}

/**
 * This host's half of the rule, for a VF half that arrives attached (the hook, at `migrate begin`
 * on the destination): the VF chosen here can take a VF's state — its libvirt and QEMU, a variant
 * driver for it, `migratable` enabled on its port — judged on this host's snapshot as it is now.
 * The source's half and the firmware were judged by the plan.
 *
 * @example
 * vfArrival(cx7b, '0000:83:00.2'); // { attached: true, driver: 'mlx5_vfio_pci' }
 */
export function vfArrival(host: Host, vf: string): VfMove {
  const refuse = (r: Refusal): VfMove => ({ attached: false, code: r.code, reason: r.why });
  const versions = versionsRefusal(host, 'this host');
  if (versions) return refuse(versions);
  const v = hostIndex(host).vfByAddress.get(vf);
  if (v?.pciId === undefined)
    return refuse({
      code: 'VF_UNPLUG_DEVICE',
      why: `VF ${vf}'s vendor:device is unknown here (its nodedev has no <vendor id> or <product id>)`,
    });
  const driver = variantDriver(host, v.pciId, 'this host');
  if ('code' in driver) return refuse(driver);
  const migratable = migratableRefusal(v, 'this host');
  return migratable ? refuse(migratable) : { attached: true, driver: driver.driver };
}
