// The public API without the filesystem: what runs in a browser too (package.json's "browser"
// condition). This file only re-exports; test/docs.test.ts pins the list.
export { HybridError, ERROR_CODES, type ErrorCode, type ErrorContext, type ErrorLocation } from './errors.js';
export {
  parseXml,
  serializeXml,
  serializeNode,
  XML_LIMITS,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
  type XmlAttribute,
  type XmlText,
  type XmlComment,
  type XmlCData,
  type XmlProcessingInstruction,
  type XmlDocType,
  type ParseOptions,
} from './xml/index.js';
export { hostFromXml, hostFromSources, type SnapshotSource, type SnapshotSources } from './host/from-xml.js';
export { hostFromJson } from './host/json.js';
export {
  vfTopology,
  type Host,
  type HostLink,
  type HostVariantDriver,
  type HostPciDevice,
  type HostPf,
  type HostVf,
  type HostPool,
  type HostDomain,
  type VfTopology,
} from './host/model.js';
export { AllocationRun, allocateVf, claimVf, type AllocationOptions, type PickOptions } from './host/allocate.js';
export { summarizeHost, type HostSummary } from './host/summary.js';
export { hostWarnings } from './host/check.js';
export { expandDomain, type ExpandOptions, type ExpandResult, type ExpandedPair, type ExpandedEphemeral } from './expand/expand.js';
export { HH_NS, type Style, type PairRecord, type EphemeralRecord, type HybridMetadata } from './metadata.js';
export { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
export { collapseDomain, HYBRID_CHILD_ORDER, type CollapseOptions } from './expanded/collapse.js';
export { checkDomain, type CheckOptions } from './expanded/check.js';
export { planMigration, type MigrationOptions } from './plan/migrate.js';
export { planRepair, planHotplug, planUnplug, type LiveOptions } from './plan/live.js';
export { planEvacuation, type EvacuationOptions } from './plan/evacuate.js';
export { retargetDomain } from './plan/retarget.js';
export { rewriteArrivingDomain, type Arrival, type ArrivalOptions } from './plan/hook.js';
export { renderScript, shellQuote } from './plan/journal.js';
export { planFiles, scriptName } from './plan/files.js';
export type {
  Plan,
  MigrationPlan,
  LivePlan,
  EvacuationPlan,
  PlanDevice,
  PlanStep,
  PlanEnd,
  Allocation,
  PlanOperation,
  InputKind,
  StepHost,
} from './plan/types.js';
export {
  guestNetworkConfig,
  VF_DRIVERS,
  type GuestConfig,
  type GuestConfigOptions,
  type GuestFormat,
  type GuestPort,
  type StaticAddressing,
} from './guest/config.js';
