/**
 * Planning a move of one guest: live migration, or save on one host and restore (on the same or
 * another host). The plan is data; callers execute it (docs/MIGRATION.md).
 */
import { HybridError } from '../errors.js';
import { requireTeamingMachine } from '../pair/teaming.js';
import type { Style } from '../metadata.js';
import { assertHost, hostIndex, type Host } from '../host/model.js';
import { AllocationRun } from '../host/allocate.js';
import { devicesOf, inInput, memoryKiB } from '../libvirt/domain.js';
import { isLocalUri, libvirtUri } from '../libvirt/uri.js';
import { insertElement, removeElement } from '../xml/edit.js';
import { serializeXml } from '../xml/serialize.js';
import type { XmlElement } from '../xml/tree.js';
import { vfMove, type VfMove } from './vf-move.js';
import { applyDestination, chooseDestination } from './destination.js';
import { checkBackupNetdevs, DEFAULT_SOURCE_URI, metadataXml, piece, rebuildVfHalf, setVariantDriver, spareVfs } from './pieces.js';
import { Journal } from './journal.js';
import { assertMovable, readForPlan, type PlanDomain, type PlanPair } from './read.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Allocation, InputKind, MigrationPlan, PlanDevice } from './types.js';
import { compact } from '../compact.js';

/** Options of planMigration (docs/MIGRATION.md). */
export interface MigrationOptions {
  /** `migrate` (default) or `save-restore`. */
  operation?: 'migrate' | 'save-restore';
  /** Source host PCI address → destination address, for ephemeral devices that are not VFs. */
  pciMap?: Record<string, string>;
  /**
   * The destination's libvirt URI (`qemu+ssh://b.example/system`): required for a live migration
   * (URI_INVALID without one); for save-restore the source's by default.
   */
  destUri?: string;
  /** The source's libvirt URI; default `qemu:///system`. */
  sourceUri?: string;
  /** Destination devices earlier plans took (their `allocations[].to.vf`): chains plans. */
  claimed?: Iterable<string>;
  /**
   * Where `virsh save` writes the image, an absolute path on the source host; default
   * `/var/lib/libvirt/qemu/save/NAME.hostdev-hybrid.img` in place. A save/restore to another host
   * needs one that both hosts see (SAVE_FILE_REQUIRED without it); libvirt's own managed-save
   * images (`/var/lib/libvirt/qemu/save/*.save`) are refused (SAVE_FILE_MANAGED).
   */
  saveFile?: string;
  /** For dialect input: the style to expand in (default bond). */
  style?: Style;
  /**
   * For dialect input: the name of a pair's backup source when it has a VLAN, `{pf}` and `{vlan}`
   * replaced (default `{pf}.{vlan}`, docs/EXPAND.md).
   */
  vlanDevice?: string;
  /** What the input is, when the guess (see docs/MIGRATION.md) is wrong. */
  input?: InputKind;
  /** Names the input in error messages. */
  file?: string;
}

/** libvirt's folder of managed-save images: `virsh start` of guest NAME resumes `NAME.save` there. */
const MANAGED_SAVE_DIR = '/var/lib/libvirt/qemu/save';

/**
 * Where the save image goes: the caller's file, or one beside libvirt's managed-save images that
 * is not one (no `.save`). Never a managed-save path: an image left there is resumed by the next
 * `virsh start` of that guest, whatever its disks hold by then.
 */
function saveImage(name: string, crossHost: boolean, saveFile: string | undefined): string {
  if (saveFile === undefined) {
    if (crossHost) {
      throw new HybridError(
        'SAVE_FILE_REQUIRED',
        `a save/restore to another host needs an image both hosts see: give saveFile (CLI --save-file) on storage shared by the two hosts (NFS, say), or migrate '${name}' live`,
      );
    }
    return `${MANAGED_SAVE_DIR}/${name}.hostdev-hybrid.img`;
  }
  if (!saveFile.startsWith('/')) {
    throw new HybridError(
      'INVALID_ATTRIBUTE',
      `the save file '${saveFile}' must be an absolute path: libvirt on the source host writes it, not this process`,
    );
  }
  const path = saveFile.replace(/\/(\.\/)+/g, '/').replace(/\/{2,}/g, '/');
  if (folderOf(path) === MANAGED_SAVE_DIR && path.endsWith('.save')) {
    throw new HybridError(
      'SAVE_FILE_MANAGED',
      `the save file '${saveFile}' is where libvirt keeps a guest's managed-save image: the next 'virsh start' of that guest would resume it instead of booting. Save elsewhere, e.g. ${MANAGED_SAVE_DIR}/${name}.hostdev-hybrid.img`,
    );
  }
  return path;
}

/** The folder of an absolute file path (saveFilePath refuses any other): where the image's room is checked. */
function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === 0 ? '/' : path.slice(0, slash);
}

/**
 * Plans a live migration (or save/restore) of one guest from `from` to `to` (docs/MIGRATION.md). The
 * input may be the dialect, an expanded definition, or `virsh dumpxml [--migratable]` of the
 * running guest. Destination VFs are chosen before anything moves; MACs, guest addresses and
 * aliases never change.
 *
 * @example
 * const plan = planMigration(virshDumpxmlMigratable, readHostSnapshot('hosts/a'), readHostSnapshot('hosts/b'),
 *   { destUri: 'qemu+ssh://b.example/system' });
 * plan.commands; // ['command -v virsh >/dev/null', …checks…, 'virsh -c qemu:///system detach-device guest1 detach/ua-hybrid0-vf.xml --live', …]
 */
export function planMigration(domainXml: string, from: Host, to: Host, options: MigrationOptions = {}): MigrationPlan {
  if (typeof domainXml !== 'string') throw new TypeError('planMigration expects the domain XML as a string');
  assertHost(from, 'planMigration');
  assertHost(to, 'planMigration');
  return inInput(options.file, () => plan(domainXml, from, to, options));
}

function plan(domainXml: string, from: Host, to: Host, options: MigrationOptions): MigrationPlan {
  const operation = options.operation ?? 'migrate';
  if (operation !== 'migrate' && operation !== 'save-restore') {
    throw new HybridError('INVALID_ATTRIBUTE', `operation '${String(operation)}' must be 'migrate' or 'save-restore'`);
  }
  const saveRestore = operation === 'save-restore';
  const uris = planUris(saveRestore, from, to, options);
  const pd = readMovable(domainXml, from, options);
  const run = new AllocationRun(to, options.claimed);
  const chosen = chooseDestination(pd, from, to, {
    run,
    ...(options.pciMap ? { pciMap: options.pciMap } : {}),
    sameDomain: saveRestore,
    keepVf: saveRestore,
  });
  const warnings = [...pd.warnings, ...chosen.warnings, ...inputWarnings(pd)];
  const verdicts = saveRestore ? { attached: new Map<PlanPair, string>(), warnings: [] } : liveVfMoves(pd, from, to, chosen.allocations);
  warnings.push(...verdicts.warnings);
  const moved = moveDevices(pd, chosen.allocations, saveRestore, verdicts.attached);
  warnings.push(...moved.warnings);
  const image = saveRestore ? saveImage(pd.name, uris.destUri !== uris.sourceUri, options.saveFile) : undefined;
  if (image !== undefined && !isLocalUri(uris.sourceUri)) warnings.push(imageLeft(image));
  const steps = journal(pd, chosen.allocations, moved, uris, image, [...verdicts.attached.keys()]).steps;
  return compact({
    domain: pd.name,
    operation,
    style: pd.style,
    input: pd.input,
    ...uris,
    detach: moved.detach,
    migrateXml: moved.migrateXml,
    persistentXml: moved.persistentXml,
    metadataXml: moved.metadataXml,
    attach: moved.attach,
    rollback: {
      attach: moved.detach,
      afterSwitchover: {
        message: `the guest runs on the destination on its backup NICs (degraded, not down); attach its VF halves there with 'hostdev-hybrid repair' and a free VF — never migrate back for this`,
        spare: spareVfs(to, chosen.allocations, run.claimed, pd.name),
      },
    },
    allocations: chosen.allocations,
    steps,
    commands: steps.map((s) => s.command),
    warnings,
  });
}

/** The source's and the destination's URIs; a live migration needs a real, other destination. */
function planUris(saveRestore: boolean, from: Host, to: Host, options: MigrationOptions): { sourceUri: string; destUri: string } {
  const sourceUri = libvirtUri(options.sourceUri ?? DEFAULT_SOURCE_URI, 'the source URI');
  if (!saveRestore && options.destUri === undefined) {
    throw new HybridError(
      'URI_INVALID',
      "a live migration needs the destination's libvirt URI: give destUri (CLI --dest-uri), e.g. qemu+ssh://host.example/system",
    );
  }
  const destUri = libvirtUri(options.destUri ?? sourceUri, 'the destination URI');
  if (!saveRestore && (from === to || destUri === sourceUri)) {
    throw new HybridError(
      'MIGRATION_SAME_HOST',
      `a live migration from a host onto itself (${from === to ? 'the same host snapshot' : `both URIs are ${destUri}`}) is refused by libvirt: to move the guest's devices on this host, plan --operation save-restore`,
    );
  }
  return { sourceUri, destUri };
}

/** The domain, read for a plan and refused when it cannot move from the source as it is. */
function readMovable(domainXml: string, from: Host, options: MigrationOptions): PlanDomain {
  const pd = readForPlan(domainXml, from, options);
  assertMovable(pd);
  if (pd.style === 'teaming' && pd.pairs.length > 0)
    requireTeamingMachine(pd.machine, 'move it to q35 or use bond style', `domain '${pd.name}'`);
  for (const p of pd.pairs) {
    if (p.vfHalf && !hostIndex(from).vfByAddress.has(p.record.vf)) {
      throw new HybridError(
        'UNKNOWN_DEVICE',
        `pair '${p.record.name}' uses VF ${p.record.vf}, which the source host snapshot does not have: is the source snapshot the host the guest runs on?`,
        { element: p.record.name },
      );
    }
  }
  return pd;
}

/** A remote source's image is on another machine than the script: it cannot remove it. */
function imageLeft(image: string): Diagnostic {
  return {
    code: 'SAVE_IMAGE_LEFT',
    severity: 'warning',
    message: `the save image ${image} is on the source host, not where the script runs: remove it there once the restore has succeeded`,
  };
}

function inputWarnings(pd: PlanDomain): Diagnostic[] {
  if (pd.input === 'migratable') return [];
  return [
    {
      code: 'PLAN_INPUT_NOT_MIGRATABLE',
      severity: 'warning',
      message: `the input is ${pd.input === 'running' ? 'live XML printed without --migratable' : pd.input === 'dialect' ? 'the dialect, expanded here' : 'an inactive definition'}: libvirt checks migrateXml against the running guest's migratable XML, so the script rebuilds migrate.xml from 'virsh dumpxml --migratable' when it runs`,
    },
  ];
}

/**
 * Each pair's verdict for a live migration (plan/vf-move.ts): the pairs whose VF moves attached,
 * with its variant driver, and a warning with its reason for every other pair that has a VF half.
 */
function liveVfMoves(
  pd: PlanDomain,
  from: Host,
  to: Host,
  allocations: Allocation[],
): { attached: Map<PlanPair, string>; warnings: Diagnostic[] } {
  const attached = new Map<PlanPair, string>();
  const warnings: Diagnostic[] = [];
  const byPair = new Map(allocations.map((a) => [a.alias, a]));
  const poolSaysUnplug = (host: Host, pool: string | undefined): boolean =>
    pool !== undefined && hostIndex(host).poolByName.get(pool)?.migration === 'unplug';
  for (const p of pd.pairs) {
    if (!p.vfHalf) continue; // degraded: there is no VF to carry
    const name = p.record.name;
    const verdict: VfMove =
      pd.style === 'teaming'
        ? {
            attached: false,
            code: 'VF_UNPLUG_STYLE',
            reason: `pair '${name}' is unplugged for the move by QEMU's failover (teaming style), and plugged again on the destination`,
          }
        : vfMove(from, to, {
            pair: name,
            sourceVf: p.record.vf,
            destVf: byPair.get(name)!.to.vf,
            forcedUnplug: p.record.migration === 'unplug' || poolSaysUnplug(from, p.record.pool) || poolSaysUnplug(to, p.record.pool),
          });
    if (verdict.attached) attached.set(p, verdict.driver);
    else warnings.push({ code: verdict.code, severity: 'warning', alias: name, message: verdict.reason });
  }
  return { attached, warnings };
}

/** What leaves the source, what arrives, and the destination's XML with and without them. */
interface MovedDevices {
  detach: PlanDevice[];
  attach: PlanDevice[];
  persistentXml: string;
  migrateXml: string;
  metadataXml: string | undefined;
  warnings: Diagnostic[];
}

/**
 * Points the tree at the destination and works out the devices that move: a bond guest's VF
 * halves and every ephemeral device leave before the move and are attached after it (QEMU's
 * failover unplugs a teamed VF half by itself, but only for migration: save fails with it).
 */
function moveDevices(pd: PlanDomain, allocations: Allocation[], saveRestore: boolean, attached: Map<PlanPair, string>): MovedDevices {
  // A VF half leaves the guest for a save, and for a bond-style migration unless it moves attached.
  const leaves = (p: PlanPair): boolean => saveRestore || (pd.style === 'bond' && !attached.has(p));
  const detach: PlanDevice[] = [];
  for (const p of pd.pairs) if (leaves(p) && p.vfHalf) detach.push(piece(p.vfHalf, 'vf-half', 'detach', p));
  for (const e of pd.ephemeral) if (e.el) detach.push(piece(e.el, 'ephemeral', 'detach'));

  // Pair names and device aliases are one namespace (expansion reserves both), so no kind check.
  const byPair = new Map(allocations.map((a) => [a.alias, a]));
  applyDestination(pd, allocations);
  // A pair already running on its backup gets its VF half back on the destination.
  const devices = devicesOf(pd.root)!;
  const vfHalves = new Map<PlanPair, XmlElement>();
  for (const p of pd.pairs) {
    let el = p.vfHalf;
    if (!el) {
      el = rebuildVfHalf(p, byPair.get(p.record.name)!.to.vf, pd.style);
      insertElement(pd.doc, devices, el, { before: p.backup });
    }
    vfHalves.set(p, el);
  }
  for (const [p, driver] of attached) {
    setVariantDriver(pd.doc, vfHalves.get(p)!, driver);
    byPair.get(p.record.name)!.to.variantDriver = driver;
  }
  const moving = pd.pairs.filter((p) => leaves(p) || !p.vfHalf);
  const attach: PlanDevice[] = [
    ...moving.map((p) => piece(vfHalves.get(p)!, 'vf-half', 'attach', p)),
    ...pd.ephemeral.filter((e) => e.el).map((e) => piece(e.el!, 'ephemeral', 'attach')),
  ];
  const warnings: Diagnostic[] = [];
  for (const e of pd.ephemeral) {
    if (!e.el)
      warnings.push({
        code: 'PAIR_DEVICE_MISSING',
        severity: 'warning',
        alias: e.record.alias,
        message: `ephemeral device '${e.record.alias}' is not in the domain: nothing to detach or attach for it`,
      });
  }
  const persistentXml = serializeXml(pd.doc);
  const metadata = metadataXml(pd);
  for (const p of moving) removeElement(devices, vfHalves.get(p)!);
  for (const e of pd.ephemeral) if (e.el) removeElement(devices, e.el);
  return { detach, attach, persistentXml, migrateXml: serializeXml(pd.doc), metadataXml: metadata, warnings };
}

/**
 * A move's preflight: the guest runs (and, for save/restore, is persistent with no managed save),
 * holds what is detached and moves attached, the image fits, the destination answers and has
 * the devices and netdevs the plan takes there.
 */
function moveChecks(
  j: Journal,
  pd: PlanDomain,
  allocations: Allocation[],
  detach: PlanDevice[],
  image: string | undefined,
  crossHost: boolean,
  attached: PlanPair[],
): void {
  j.checkRunning('source');
  if (image !== undefined) {
    j.checkPersistent('source');
    j.checkNoManagedSave('source');
  }
  for (const d of detach) j.checkDevice('source', d.alias, d.mac);
  // A VF half that moves attached must be there to move.
  for (const p of attached) j.checkDevice('source', p.record.vfAlias, p.record.mac);
  // The plan saw these pairs without a VF half: it detaches none, so none may be back.
  for (const p of pd.pairs) if (!p.vfHalf) j.checkDevice('source', p.record.vfAlias, p.record.mac, false);
  const memory = memoryKiB(pd.root);
  if (image !== undefined && memory !== undefined) j.checkRoom(folderOf(image), memory);
  j.checkAnswers('destination');
  if (image !== undefined && crossHost) j.checkAbsent('destination');
  const taken = allocations.filter((a) => a.kind === 'pair' || pd.ephemeral.find((e) => e.record.alias === a.alias)?.el);
  j.checkPciDevices(
    'destination',
    taken.map((a) => a.to.vf),
  );
  checkBackupNetdevs(j, 'destination', allocations, (name) => pd.pairs.find((p) => p.record.name === name)?.record.mtu);
}

/**
 * The steps: the preflight, then detach, save and restore (`image`) or migrate, attach. A move
 * leaves the guest defined on exactly one host, and no image where anything would take it again.
 */
function journal(
  pd: PlanDomain,
  allocations: Allocation[],
  moved: MovedDevices,
  uris: { sourceUri: string; destUri: string },
  image: string | undefined,
  attached: PlanPair[] = [],
): Journal {
  const { detach, attach } = moved;
  const crossHost = uris.destUri !== uris.sourceUri;
  const localImage = isLocalUri(uris.sourceUri);
  const j = new Journal(pd.name, { source: uris.sourceUri, destination: uris.destUri });
  moveChecks(j, pd, allocations, detach, image, crossHost, attached);
  for (const d of detach) j.detach('source', d.alias, d.file);
  for (const d of detach) j.waitDetached('source', d.alias);
  for (const d of detach)
    if (d.role === 'vf-half') j.linkUp('source', pd.pairs.find((p) => p.record.name === d.pair)!.record.backupAlias, d.mac!);
  if (pd.input !== 'migratable') j.rebuildMigrateXml('migrate.xml', 'plan.json');
  if (image === undefined) {
    j.migrate(uris.destUri, 'migrate.xml', 'persistent.xml', attached.length > 0);
    for (const a of attach) j.attach('destination', a.alias, a.file);
    return j;
  }
  j.save(image, localImage);
  j.restore(image, 'migrate.xml');
  // The restored guest is transient on another host: its definition moves there, then leaves
  // the source — never two definitions, and none lost before the restore succeeded.
  if (crossHost) {
    j.define('destination', 'persistent.xml');
    j.undefine('source');
  }
  if (localImage) j.removeImage(image);
  for (const a of attach) j.attach('destination', a.alias, a.file);
  // In place, the guest's definition still names the old devices: move it along.
  const changed = allocations.some((a) => a.from!.vf !== a.to.vf);
  if (!crossHost && changed) {
    for (const d of detach) j.detach('destination', d.alias, d.file, ['--config']);
    for (const a of attach) j.attach('destination', a.alias, a.file, ['--config']);
    j.metadata('destination', 'metadata.xml', ['--config']);
  }
  return j;
}
