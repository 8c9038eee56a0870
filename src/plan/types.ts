/**
 * The plans' types. One shape, `Plan`, for every operation — migration, save/restore, repair,
 * hot-plug and unplug — with the fields an operation has no use for absent; `MigrationPlan` and
 * `LivePlan` are that shape as the two families of operations fill it, and `EvacuationPlan`
 * gathers one plan per guest. schemas/plan.schema.json describes the same shapes, and a test
 * keeps the two in step.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { ErrorCode } from '../errors.js';
import type { Style } from '../metadata.js';

/** What a plan does. */
export type PlanOperation = 'migrate' | 'save-restore' | 'repair' | 'hotplug' | 'unplug';

/**
 * What the input XML was, as far as the plan can tell: libvirt checks `migrateXml` against the
 * running guest's migratable definition, so only `migratable` input gives a migrateXml that can
 * be used as it is.
 */
export type InputKind = 'migratable' | 'running' | 'inactive' | 'dialect';

/** One device to detach or attach: its full XML, and the file the script reads it from. */
export interface PlanDevice {
  alias: string;
  /** `vf-half`, `backup-half` or `ephemeral`. */
  role: 'vf-half' | 'backup-half' | 'ephemeral';
  /** The pair the half belongs to. */
  pair?: string;
  mac?: string;
  /** Relative path of the XML file in an `--out-dir` (the commands name it). */
  file: string;
  xml: string;
}

/** Where one device comes from and goes to. */
export interface PlanEnd {
  /** Host PCI address of the VF (or other host device). */
  vf: string;
  /** The VF's PF netdev; absent for a non-network device. */
  pf?: string;
  /** The PF's PCI address and the VF's index on it. */
  pfAddress?: string;
  vfIndex?: number;
  /** The backup half's source device (the PF, or its VLAN sub-interface). */
  backupDev?: string;
  /**
   * A live migration's VF that moves attached, with its state: the VFIO variant driver it moves
   * on (`<driver model>`). Absent: the VF half is unplugged for the move.
   */
  variantDriver?: string;
  numaNode?: number;
}

/** Where one pair or ephemeral device goes: from the source device to the destination device. */
export interface Allocation {
  /** The pair's name, or the ephemeral device's alias. */
  alias: string;
  kind: 'pair' | 'ephemeral';
  mac?: string;
  pool?: string;
  /**
   * Where it was: present in every plan that moves or repairs a device the guest already had
   * (migrate, save-restore, evacuation, repair, the hook); absent in a hot-plug plan, whose new pair
   * had no VF before.
   */
  from?: PlanEnd;
  to: PlanEnd;
}

/** Where a plan step runs. */
export type StepHost = 'source' | 'destination';

/**
 * One step of the journal. `command` is a ready shell command (a check's exits non-zero when the
 * check fails); `undo` its compensation, run only when this step ran and a later step before the
 * switch-over failed.
 */
export interface PlanStep {
  host: StepHost;
  /**
   * `check`: read-only, and every check comes before the first change; a caller that runs the
   * commands itself stops before any change when one fails (`connect`: the host answers at all; the
   * checks of a host that does not are skipped). `change`: changes the guest or a host.
   */
  kind: 'check' | 'change';
  action:
    | 'check'
    | 'connect'
    | 'detach'
    | 'wait-detached'
    | 'set-link'
    | 'prepare'
    | 'migrate'
    | 'save'
    | 'restore'
    | 'define'
    | 'undefine'
    | 'remove-image'
    | 'attach'
    | 'metadata';
  alias?: string;
  /** What the step does, for people. */
  description: string;
  command: string;
  undo?: string;
  /** A check: what to do when it fails. */
  fix?: string;
  /** The step after which the guest runs on the destination: later failures are not undone. */
  switchover?: boolean;
}

/**
 * Every plan (schemas/plan.schema.json), whatever its operation: detach, migrateXml,
 * persistentXml, attach, rollback, allocations, steps, commands.
 */
export interface Plan {
  domain: string;
  operation: PlanOperation;
  style: Style;
  input: InputKind;
  /** URI of the destination libvirt (for migrate and save-restore). */
  destUri?: string;
  sourceUri: string;
  detach: PlanDevice[];
  /** For `virsh migrate --xml` / `virsh restore --xml`. */
  migrateXml?: string;
  /** For `--persistent-xml`, `virsh define`: the destination's (or the changed) config. */
  persistentXml?: string;
  /** Our metadata element after the operation, for `virsh metadata --set` (file `metadata.xml`). */
  metadataXml?: string;
  attach: PlanDevice[];
  rollback: {
    /** Re-attach on the source when a step before the switch-over fails: what was detached. */
    attach: PlanDevice[];
    /** When an attach fails after the switch-over: the guest stays up on its backups. */
    afterSwitchover?: {
      message: string;
      /** Free VFs a retry (`hostdev-hybrid repair`) can take, per pair. */
      spare: { alias: string; vfs: string[] }[];
    };
  };
  allocations: Allocation[];
  steps: PlanStep[];
  /** The steps' commands in order; never executed by this library. */
  commands: string[];
  warnings: Diagnostic[];
}

/** A plan that moves the guest: live migration or save/restore (planMigration). */
export interface MigrationPlan extends Plan {
  operation: 'migrate' | 'save-restore';
}

/** A plan that changes the running guest where it is: repair, hot-plug or unplug. */
export interface LivePlan extends Plan {
  operation: 'repair' | 'hotplug' | 'unplug';
}

/** Several domains placed on several destinations: a plan per placed domain. */
export interface EvacuationPlan {
  plans: { domain: string; destination: number; plan: MigrationPlan }[];
  /** Each domain that fits nowhere: the code of its last refusal, and `reason`, each destination's refusal after its URI. */
  unplaced: { domain: string; code: ErrorCode; reason: string }[];
}
