/**
 * Plans that change a running guest on its own host: repair (a pair running on its backup gets a
 * VF half again), hot-plug of one new hybrid NIC, and unplug. Same plan shape as a migration.
 */
import type { Diagnostic } from '../diagnostics.js';
import { caught, HybridError } from '../errors.js';
import { expandDocument } from '../expand/expand.js';
import { readMetadata, writeMetadata, type HybridMetadata, type Style } from '../metadata.js';
import { AllocationRun } from '../host/allocate.js';
import { assertHost, EMPTY_HOST, hostIndex, vfTopology, type Host, type VfTopology } from '../host/model.js';
import { heldPciDevices } from '../host/domain-usage.js';
import { judgeMtu } from '../host/mtu.js';
import { describeDevice, deviceList, devicesOf, inInput } from '../libvirt/domain.js';
import { parsePci } from '../libvirt/pci-address.js';
import { guestPciSpace, reserveAddress } from '../pci/space.js';
import { childAttribute, insertElement, removeElement } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import { serializeXml } from '../xml/serialize.js';
import { rootElement } from '../xml/tree.js';
import { backupDevFor } from '../pair/halves.js';
import { poolOf } from './destination.js';
import { endOfRecord, endOfVf, recordAtEnd } from './ends.js';
import { Journal } from './journal.js';
import { checkBackupNetdevs, DEFAULT_SOURCE_URI, metadataXml, piece, rebuildVfHalf, spareVfs } from './pieces.js';
import { libvirtUri } from '../libvirt/uri.js';
import { readDocForPlan, readForPlan, type PlanDomain, type PlanPair } from './read.js';
import type { Allocation, LivePlan, PlanDevice } from './types.js';
import { compact } from '../compact.js';

/** Options of planRepair, planHotplug and planUnplug. */
export interface LiveOptions {
  /** libvirt URI of the guest's host; default `qemu:///system`. */
  uri?: string;
  /** Names the input in error messages. */
  file?: string;
  /** Hot-plug: names the NIC's XML in error messages. */
  deviceFile?: string;
  /** Hot-plug: the style for a guest that has no pair yet (default bond). */
  style?: Style;
  vlanDevice?: string;
}

function livePlan(
  pd: PlanDomain,
  operation: LivePlan['operation'],
  j: Journal,
  parts: {
    detach?: PlanDevice[];
    attach?: PlanDevice[];
    allocations?: Allocation[];
    warnings?: Diagnostic[];
    persistentXml?: string;
    uri: string;
    spare?: { alias: string; vfs: string[] }[];
  },
): LivePlan {
  const metadata = metadataXml(pd);
  const steps = j.steps;
  return compact({
    domain: pd.name,
    operation,
    style: pd.style,
    input: pd.input,
    sourceUri: parts.uri,
    detach: parts.detach ?? [],
    persistentXml: parts.persistentXml,
    metadataXml: metadata,
    attach: parts.attach ?? [],
    rollback: {
      attach: parts.detach ?? [],
      ...(parts.spare
        ? {
            afterSwitchover: {
              message: 'an attach failed: the guest keeps running on its backup NICs; retry with another free VF',
              spare: parts.spare,
            },
          }
        : {}),
    },
    allocations: parts.allocations ?? [],
    steps,
    commands: steps.map((s) => s.command),
    warnings: [...pd.warnings, ...(parts.warnings ?? [])],
  });
}

/**
 * For a guest running degraded (a pair whose VF half is missing from the running domain): a free
 * VF for each such pair — the one the metadata records when it is free, else one on the PF its
 * backup uses — and the attach pieces at the VF half's recorded guest address.
 *
 * @example
 * const plan = planRepair(execSync('virsh dumpxml guest1', { encoding: 'utf8' }), readHostSnapshot('/var/lib/hostdev-hybrid/host'));
 * plan.commands; // ['virsh -c qemu:///system attach-device guest1 attach/ua-hybrid0-vf.xml --live', …]
 */
export function planRepair(runningXml: string, host: Host, options: LiveOptions = {}): LivePlan {
  if (typeof runningXml !== 'string') throw new TypeError('planRepair expects the running domain XML as a string');
  assertHost(host, 'planRepair');
  return inInput(options.file, () => {
    const pd = readForPlan(runningXml, host, { input: 'running' });
    const degraded = pd.pairs.filter((p) => !p.vfHalf);
    if (degraded.length === 0)
      throw new HybridError('NOTHING_TO_DO', `domain '${pd.name}' has no degraded pair: every pair's VF half is present`);
    const run = new AllocationRun(host, heldPciDevices(deviceList(pd.root)));
    // Repair only re-reserves the recorded guest addresses: no port is ever added.
    const space = guestPciSpace(pd.machine, deviceList(pd.root));
    const meta: HybridMetadata = { ...pd.meta, pairs: [...pd.meta.pairs] };
    const allocations: Allocation[] = [];
    const attach: PlanDevice[] = [];
    const warnings: Diagnostic[] = [];
    for (const p of degraded) {
      const { topo, warning } = repairVf(pd, p, host, run);
      if (warning) warnings.push(warning);
      const to = endOfVf(topo, childAttribute(p.backup, 'source', 'dev'));
      const record = recordAtEnd(p.record, to);
      attach.push(restoreVfHalf(pd, { ...p, record }, topo.vf, space));
      meta.pairs[meta.pairs.indexOf(p.record)] = record;
      allocations.push({
        alias: record.name,
        kind: 'pair',
        mac: record.mac,
        pool: poolOf(p.record, host),
        from: endOfRecord(p.record),
        to,
      });
    }
    writeMetadata(pd.doc, pd.root, meta);
    const uri = libvirtUri(options.uri ?? DEFAULT_SOURCE_URI, 'the URI');
    const j = repairJournal(pd.name, uri, degraded, allocations, attach);
    return livePlan(pd, 'repair', j, { attach, allocations, warnings, uri, spare: spareVfs(host, allocations, run.claimed, pd.name) });
  });
}

/**
 * The VF a degraded pair gets back: the one the metadata records when it is free and on the PF the
 * backup uses (the backup cannot move live), else another free VF on that PF, else any free VF of
 * the pool (`REPAIR_OTHER_PF`); its MTU judged there (host/mtu.ts). Claimed in `run`.
 */
function repairVf(pd: PlanDomain, p: PlanPair, host: Host, run: AllocationRun): { topo: VfTopology; warning?: Diagnostic } {
  const index = hostIndex(host);
  const backupDev = childAttribute(p.backup, 'source', 'dev');
  const recordedFree = index.vfByAddress.has(p.record.vf) && run.isFree(p.record.vf, pd.name);
  let topo: VfTopology | undefined = recordedFree ? vfTopology(host, p.record.vf) : undefined;
  if (topo && backupDevFor(p.record, topo.pfNetdev) !== backupDev) topo = undefined;
  const pfNetdev = [...index.pfByNetdev.keys()].find((pf) => backupDevFor(p.record, pf) === backupDev);
  // The VFs the snapshot shows this guest holding are its own to take again.
  const allocate = (onPf?: string): VfTopology => run.allocate(poolOf(p.record, host), { domain: pd.name, pfNetdev: onPf });
  if (!topo && pfNetdev !== undefined) {
    const onItsPf = caught(() => allocate(pfNetdev), 'POOL_EXHAUSTED');
    if (!(onItsPf instanceof HybridError)) topo = onItsPf;
  }
  let warning: Diagnostic | undefined;
  if (!topo) {
    topo = allocate();
    warning = {
      code: 'REPAIR_OTHER_PF',
      severity: 'warning',
      alias: p.record.name,
      message: `pair '${p.record.name}': no free VF on ${pfNetdev ?? backupDev ?? "its backup's PF"}; VF ${topo.vf} is on ${topo.pfNetdev}, so the halves leave by different PFs until the guest next moves`,
    };
  }
  if (p.record.mtu !== undefined) {
    const devices = [topo.pfNetdev, backupDev ?? backupDevFor(p.record, topo.pfNetdev)];
    const verdict = judgeMtu(host, p.record.name, p.record.mtu, devices, 'on this host');
    if (verdict.kind === 'refused') throw new HybridError(verdict.code, verdict.message, { element: p.record.name });
  }
  run.claim(topo.vf); // the recorded VF, kept
  return warning ? { topo, warning } : { topo };
}

/** The pair's VF half rebuilt on `vf` at its recorded guest address, before its backup; its attach piece. */
function restoreVfHalf(pd: PlanDomain, p: PlanPair, vf: string, space: ReturnType<typeof guestPciSpace>): PlanDevice {
  const el = rebuildVfHalf(p, vf, pd.style);
  reserveAddress(space, parsePci(p.record.vfGuestAddress!), `VF half '${p.record.vfAlias}'`);
  insertElement(pd.doc, devicesOf(pd.root)!, el, { before: p.backup });
  return piece(el, 'vf-half', 'attach', p);
}

/** A repair's script: the guest runs and holds each backup and not its VF half; the VFs are free; attach; metadata. */
function repairJournal(domain: string, uri: string, degraded: PlanPair[], allocations: Allocation[], attach: PlanDevice[]): Journal {
  const j = new Journal(domain, { source: uri, destination: uri });
  j.checkRunning('source');
  for (const p of degraded) {
    j.checkDevice('source', p.record.backupAlias, p.record.mac);
    j.checkDevice('source', p.record.vfAlias, p.record.mac, false);
  }
  j.checkPciDevices(
    'source',
    allocations.map((a) => a.to.vf),
  );
  for (const a of attach) j.attach('source', a.alias, a.file);
  j.metadata('source', 'metadata.xml', ['--live']);
  return j;
}

/**
 * Expands one hybrid `<interface>` against a running guest: both halves at guest addresses free
 * in it (pcie-root-ports cannot be added live), the backup attached first, and the new
 * configuration.
 *
 * @example
 * const plan = planHotplug(runningXml, host, "<interface type='hostdev-hybrid'><source network='sriov-pool'/></interface>");
 * plan.attach.map((d) => d.role); // ['backup-half', 'vf-half']
 */
export function planHotplug(runningXml: string, host: Host, interfaceXml: string, options: LiveOptions = {}): LivePlan {
  if (typeof runningXml !== 'string' || typeof interfaceXml !== 'string')
    throw new TypeError('planHotplug expects the running domain XML and the interface XML as strings');
  assertHost(host, 'planHotplug');
  return inInput(options.file, () => {
    const nic = rootElement(parseXml(interfaceXml, { file: options.deviceFile }));
    if (nic.name !== 'interface') throw new HybridError('XML_WRONG_ROOT', `expected one hybrid <interface>, found <${nic.name}>`);
    const doc = parseXml(runningXml);
    const root = rootElement(doc);
    const devices = devicesOf(root);
    if (root.name !== 'domain' || !devices) throw new HybridError('XML_WRONG_ROOT', 'expected a running <domain> with <devices>');
    const before = new Set(deviceList(root));
    insertElement(doc, devices, nic, 'end');
    const existing = readMetadata(root)?.style;
    // What goes wrong here is about the new NIC: errors point into its file.
    const expanded = inInput(options.deviceFile, () =>
      expandDocument(doc, host, {
        style: existing ?? options.style ?? 'bond',
        addControllers: false,
        vlanDevice: options.vlanDevice,
        describeEntry: (el) => `the new device ${describeDevice(el)}`,
      }),
    );
    const added = deviceList(root).filter((d) => !before.has(d));
    // Only a pair's two halves in the NIC's place, nothing else: the guest's own XML held no dialect.
    if (added.length !== 2) {
      throw new HybridError(
        'UNSUPPORTED_ELEMENT',
        "the device is not one hybrid NIC (<interface type='hostdev-hybrid'>, or type='network' on a hostdev-hybrid pool)",
      );
    }
    const pair = expanded.result.pairs[0]!;
    const pd = readDocForPlan(doc, host, { input: 'running' });
    const persistentXml = serializeXml(doc);
    const p = pd.pairs.find((x) => x.record.name === pair.name)!;
    const attach = [piece(p.backup, 'backup-half', 'attach', p), piece(p.vfHalf!, 'vf-half', 'attach', p)];
    const allocations: Allocation[] = [
      compact({
        alias: pair.name,
        kind: 'pair' as const,
        mac: pair.mac,
        pool: pair.pool,
        to: endOfRecord(pair),
      }),
    ];
    const uri = libvirtUri(options.uri ?? DEFAULT_SOURCE_URI, 'the URI');
    const j = new Journal(pd.name, { source: uri, destination: uri });
    j.checkRunning('source');
    for (const a of attach) j.checkDevice('source', a.alias, undefined, false);
    j.checkPciDevices('source', [pair.vf]);
    checkBackupNetdevs(j, 'source', allocations, () => pair.mtu);
    for (const a of attach) j.attach('source', a.alias, a.file, ['--live', '--config']);
    j.metadata('source', 'metadata.xml', ['--live', '--config']);
    return livePlan(pd, 'hotplug', j, { attach, allocations, warnings: expanded.result.warnings, persistentXml, uri });
  });
}

/**
 * The reverse of hot-plug: detach a pair (named by its `ua-` alias or either half's) or an
 * ephemeral device from the running guest and drop it from the metadata.
 *
 * @example
 * planUnplug(runningXml, 'ua-hybrid0').commands[0]; // 'virsh -c qemu:///system detach-device guest1 detach/ua-hybrid0-vf.xml --live --config'
 */
export function planUnplug(runningXml: string, alias: string, options: LiveOptions = {}): LivePlan {
  if (typeof runningXml !== 'string' || typeof alias !== 'string')
    throw new TypeError('planUnplug expects the running domain XML and an alias as strings');
  return inInput(options.file, () => {
    const pd = readForPlan(runningXml, EMPTY_HOST, { input: 'running' });
    const pair = pd.pairs.find((p) => [p.record.name, p.record.vfAlias, p.record.backupAlias].includes(alias));
    const eph = pd.ephemeral.find((e) => e.record.alias === alias);
    if (!pair && !eph?.el) {
      const known = [...pd.pairs.map((p) => p.record.name), ...pd.ephemeral.filter((e) => e.el).map((e) => e.record.alias)];
      throw new HybridError(
        'NOTHING_TO_DO',
        `domain '${pd.name}' has no pair or ephemeral device '${alias}' (known: ${known.join(', ') || 'none'})`,
        { element: alias },
      );
    }
    const detach: PlanDevice[] = pair
      ? [...(pair.vfHalf ? [piece(pair.vfHalf, 'vf-half', 'detach', pair)] : []), piece(pair.backup, 'backup-half', 'detach', pair)]
      : [piece(eph!.el!, 'ephemeral', 'detach')];
    const devices = devicesOf(pd.root)!;
    if (pair) {
      if (pair.vfHalf) removeElement(devices, pair.vfHalf);
      removeElement(devices, pair.backup);
    } else removeElement(devices, eph!.el!);
    writeMetadata(pd.doc, pd.root, {
      style: pd.meta.style,
      pairs: pd.meta.pairs.filter((r) => r !== pair?.record),
      ephemeral: pd.meta.ephemeral.filter((r) => r !== eph?.record),
    });
    const uri = libvirtUri(options.uri ?? DEFAULT_SOURCE_URI, 'the URI');
    const j = new Journal(pd.name, { source: uri, destination: uri });
    j.checkRunning('source');
    for (const d of detach) j.checkDevice('source', d.alias, d.mac);
    for (const d of detach) {
      j.detach('source', d.alias, d.file, ['--live', '--config']);
      // The VF must be gone before its backup goes, or the guest is without network for a while.
      if (d.role !== 'backup-half') j.waitDetached('source', d.alias);
    }
    const metadata = metadataXml(pd);
    j.metadata('source', metadata === undefined ? undefined : 'metadata.xml', ['--live', '--config']);
    return livePlan(pd, 'unplug', j, { detach, persistentXml: serializeXml(pd.doc), uri });
  });
}
