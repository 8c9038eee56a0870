/**
 * A domain as planning sees it: parsed once, expanded on its host when it is still dialect, its
 * metadata read and each pair's halves found by alias and checked by MAC.
 */
import type { Diagnostic } from '../diagnostics.js';
import { HybridError } from '../errors.js';
import { expandDocument } from '../expand/expand.js';
import {
  devicesByAlias,
  requirePairHalves,
  readMetadata,
  type EphemeralRecord,
  type HybridMetadata,
  type PairRecord,
  type Style,
} from '../metadata.js';
import type { Host } from '../host/model.js';
import { describeDevice, deviceList, domainName, domainRoot, isPassthrough, machineKind, type MachineKind } from '../libvirt/domain.js';
import { firstChild, getAttribute } from '../xml/edit.js';
import { parseXml } from '../xml/parse.js';
import type { XmlDocument, XmlElement } from '../xml/tree.js';
import type { InputKind } from './types.js';

export interface PlanPair {
  record: PairRecord;
  /** Absent when the pair runs degraded (its VF half already detached). */
  vfHalf?: XmlElement;
  backup: XmlElement;
}

export interface PlanEphemeral {
  record: EphemeralRecord;
  /** Absent when the device is already detached. */
  el?: XmlElement;
}

export interface PlanDomain {
  doc: XmlDocument;
  root: XmlElement;
  name: string;
  machine: MachineKind;
  style: Style;
  input: InputKind;
  meta: HybridMetadata;
  pairs: PlanPair[];
  ephemeral: PlanEphemeral[];
  warnings: Diagnostic[];
}

export interface ReadOptions {
  /** For dialect input: the style to expand in. */
  style?: Style;
  vlanDevice?: string;
  /** Overrides what the input is taken to be. */
  input?: InputKind;
}

/**
 * libvirt expands `host-model` when a guest starts, so a definition that still says host-model
 * (or has no `<cpu>`) is inactive; `id=` marks live XML printed without `--migratable`.
 */
function inputKind(root: XmlElement): InputKind {
  if (getAttribute(root, 'id') !== undefined) return 'running';
  const cpu = firstChild(root, 'cpu');
  if (!cpu || getAttribute(cpu, 'mode') === 'host-model') return 'inactive';
  return 'migratable';
}

export function readForPlan(domainXml: string, host: Host, options: ReadOptions = {}): PlanDomain {
  return readDocForPlan(parseXml(domainXml), host, options); // callers name the file (inInput)
}

/** readForPlan on a tree already parsed (and perhaps edited), which it edits further. */
export function readDocForPlan(doc: XmlDocument, host: Host, options: ReadOptions = {}): PlanDomain {
  const root = domainRoot(doc);
  let input = options.input ?? inputKind(root);
  const expanded = expandDocument(doc, host, { style: options.style, vlanDevice: options.vlanDevice });
  const warnings: Diagnostic[] = [...expanded.result.warnings];
  if (expanded.changed) input = 'dialect';
  const meta = readMetadata(root) ?? { style: options.style ?? 'bond', pairs: [], ephemeral: [] };
  const byAlias = devicesByAlias(deviceList(root));
  const pairs: PlanPair[] = meta.pairs.map((record) => {
    const { vf: vfHalf, backup } = requirePairHalves(byAlias, record);
    if (!backup)
      throw new HybridError(
        'METADATA_INVALID',
        `pair '${record.name}': the domain has no backup half '${record.backupAlias}'; a pair cannot move without it`,
        { element: record.name },
      );
    return { record, backup, ...(vfHalf ? { vfHalf } : {}) };
  });
  const ephemeral: PlanEphemeral[] = meta.ephemeral.map((record) => {
    const el = byAlias.get(record.alias);
    return { record, ...(el ? { el } : {}) };
  });
  const plan: PlanDomain = {
    doc,
    root,
    name: domainName(root),
    machine: machineKind(root),
    style: meta.style,
    input,
    meta,
    pairs,
    ephemeral,
    warnings,
  };
  return plan;
}

/**
 * A passthrough device that is neither a pair half nor ephemeral pins the guest: libvirt refuses
 * to migrate or save it, so a migration plan refuses first.
 */
export function assertMovable(pd: PlanDomain): void {
  // (An absent half or device adds undefined, which no device is.)
  const movable = new Set<XmlElement | undefined>([...pd.pairs.map((p) => p.vfHalf), ...pd.ephemeral.map((e) => e.el)]);
  deviceList(pd.root).forEach((dev, i) => {
    if (isPassthrough(dev) && !movable.has(dev)) {
      throw new HybridError(
        'MIGRATION_BLOCKED',
        `${describeDevice(dev, i)} is passed through but is neither a hybrid pair nor ephemeral: libvirt cannot migrate or save the guest with it; mark it ephemeral='yes' in the dialect and expand again, or detach it`,
        { element: describeDevice(dev, i) },
      );
    }
  });
}
