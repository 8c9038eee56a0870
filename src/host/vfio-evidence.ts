/**
 * What a host snapshot says about VFIO migration of its VFs (docs/HOST-SNAPSHOT.md), each from an
 * optional file: libvirt's and QEMU's versions (version.txt), the kernel's VFIO variant drivers
 * (modules.alias), each VF port's `migratable` (devlink.json) and each PF's firmware and PSID
 * (devlink-info.json). A file that is missing leaves its facts unknown — never "yes"; a file that
 * is there but broken is refused whole, naming the file.
 */
import { HybridError } from '../errors.js';
import { validateJson } from '../schemas.js';
import { formatPci, parsePci } from '../libvirt/pci-address.js';
import { compact } from '../compact.js';
import type { HostVariantDriver } from './model.js';
import type { SnapshotSource } from './from-xml.js';

const broken = (file: string, why: string, capture: string): HybridError =>
  new HybridError('HOST_SNAPSHOT', `${file} ${why}: capture it again (${capture}) or remove it`, { file, fileInReason: true });

const VERSION = /^[0-9]+(\.[0-9]+)*$/;

/**
 * version.txt, `virsh version --daemon`: libvirt's version from "Running against daemon" (else
 * "Using library") and QEMU's from "Running hypervisor: QEMU".
 *
 * @example
 * readVersions({ xml: 'Running hypervisor: QEMU 8.2.2\nRunning against daemon: 10.0.0\n' }); // { libvirt: '10.0.0', qemu: '8.2.2' }
 */
export function readVersions(source: SnapshotSource): { libvirt?: string; qemu?: string } {
  const file = source.file ?? 'version.txt';
  const line = (label: RegExp): string | undefined => {
    const m = label.exec(source.xml);
    if (m && !VERSION.test(m[1]!))
      throw broken(file, `says version '${m[1]}', which is not a version number`, 'virsh version --daemon > version.txt');
    return m?.[1];
  };
  const libvirt = line(/^Running against daemon: +(\S+)\s*$/m) ?? line(/^Using library: +libvirt +(\S+)\s*$/m);
  const qemu = line(/^Running hypervisor: +QEMU +(\S+)\s*$/m);
  if (libvirt === undefined && qemu === undefined)
    throw broken(file, "names neither libvirt's nor QEMU's version", 'virsh version --daemon > version.txt');
  return compact({ libvirt, qemu });
}

/**
 * modules.alias, the kernel's `alias vfio_pci:v…d…` lines: the VFIO variant driver for each
 * vendor:device it names exactly (wildcard ids are passed over). Other lines are passed over too,
 * so the whole modules.alias may be given.
 *
 * @example
 * readModulesAlias({ xml: 'alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n' }); // [{ id: '15b3:101e', driver: 'mlx5_vfio_pci' }]
 */
export function readModulesAlias(source: SnapshotSource): HostVariantDriver[] {
  const file = source.file ?? 'modules.alias';
  const out = new Map<string, string>();
  let vfio = 0;
  for (const line of source.xml.split('\n')) {
    if (!line.startsWith('alias vfio_pci:')) continue;
    vfio++;
    const m = /v(\*|0000[0-9A-Fa-f]{4})d(\*|0000[0-9A-Fa-f]{4})\S*\s+(\S+)\s*$/.exec(line.slice('alias vfio_pci:'.length));
    if (!m) {
      throw broken(
        file,
        `has a vfio_pci alias line that is not 'alias vfio_pci:vVENDORdDEVICE… DRIVER': ${line.slice(0, 80)}`,
        "grep '^alias vfio_pci:' /lib/modules/$(uname -r)/modules.alias > modules.alias",
      );
    }
    // A wildcard vendor or device (vfio_pci's own catch-all) names no one device.
    if (m[1] === '*' || m[2] === '*') continue;
    const id = `${m[1]!.slice(4)}:${m[2]!.slice(4)}`.toLowerCase();
    if (!out.has(id)) out.set(id, m[3]!);
  }
  if (vfio === 0 && source.xml.trim() !== '')
    throw broken(file, "has no 'alias vfio_pci:' line", "grep '^alias vfio_pci:' /lib/modules/$(uname -r)/modules.alias > modules.alias");
  return [...out.keys()].sort().map((id) => ({ id, driver: out.get(id)! }));
}

/** A devlink handle's PCI address: `pci/0000:82:00.0` → `0000:82:00.0`; other buses: undefined. */
function handlePci(handle: string, file: string, capture: string): string | undefined {
  if (!handle.startsWith('pci/')) return undefined;
  try {
    return formatPci(parsePci(handle.slice(4)));
  } catch {
    throw broken(file, `names device '${handle}', whose PCI address is not one`, capture);
  }
}

type RawPorts = { port: Record<string, { flavour?: string; vfnum?: number; function?: { migratable?: 'enable' | 'disable' } }> };

/**
 * devlink.json, `devlink -j port show`: for each VF port (flavour `pcivf`) that says, whether its
 * function is migratable, by its PF's address and VF number.
 *
 * @example
 * readDevlinkPorts({ xml: '{"port":{"pci/0000:82:00.0/2":{"flavour":"pcivf","pfnum":0,"vfnum":1,"function":{"migratable":"enable"}}}}' });
 * // [{ pf: '0000:82:00.0', vfIndex: 1, migratable: true }]
 */
export function readDevlinkPorts(source: SnapshotSource): { pf: string; vfIndex: number; migratable: boolean }[] {
  const file = source.file ?? 'devlink.json';
  const capture = 'devlink -j port show > devlink.json';
  const raw = validateJson<RawPorts>('devlink', parseJson(source.xml, file, capture), 'HOST_SNAPSHOT', file, file);
  const out: { pf: string; vfIndex: number; migratable: boolean }[] = [];
  for (const [name, port] of Object.entries(raw.port)) {
    const migratable = port.function?.migratable;
    if (port.flavour !== 'pcivf' || port.vfnum === undefined || migratable === undefined) continue;
    const pf = handlePci(name.slice(0, name.lastIndexOf('/')), file, capture);
    if (pf !== undefined) out.push({ pf, vfIndex: port.vfnum, migratable: migratable === 'enable' });
  }
  return out;
}

type RawInfo = { info: Record<string, { versions?: { fixed?: Record<string, string>; running?: Record<string, string> } }> };

/**
 * devlink-info.json, `devlink -j dev info`: each PCI device's running firmware version and PSID.
 *
 * @example
 * readDevlinkInfo({ xml: '{"info":{"pci/0000:82:00.0":{"versions":{"fixed":{"fw.psid":"MT_0000000359"},"running":{"fw.version":"28.39.1002"}}}}}' });
 * // [{ pf: '0000:82:00.0', firmware: '28.39.1002', psid: 'MT_0000000359' }]
 */
export function readDevlinkInfo(source: SnapshotSource): { pf: string; firmware?: string; psid?: string }[] {
  const file = source.file ?? 'devlink-info.json';
  const capture = 'devlink -j dev info > devlink-info.json';
  const raw = validateJson<RawInfo>('devlink-info', parseJson(source.xml, file, capture), 'HOST_SNAPSHOT', file, file);
  const out: { pf: string; firmware?: string; psid?: string }[] = [];
  for (const [handle, info] of Object.entries(raw.info)) {
    const pf = handlePci(handle, file, capture);
    if (pf === undefined) continue;
    const running = info.versions?.running ?? {};
    out.push(compact({ pf, firmware: running['fw.version'] ?? running.fw, psid: info.versions?.fixed?.['fw.psid'] }));
  }
  return out;
}

function parseJson(text: string, file: string, capture: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw broken(file, `is not JSON (${(e as Error).message})`, capture);
  }
}
