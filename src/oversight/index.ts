/**
 * optprov/oversight: accountability over a ledger. The audit and every detector it runs, the gate
 * detectors a policy can require (`detectors:`) with the registry that makes their names work
 * without wiring, the decision-process reading of a world model and the reach analysis behind
 * oversight dependence (`oversightReach`, `reachableStates`, `policyValues`), findings and their evidence, verification with the control rules, reading a
 * ledger back, the review queue and witnesses.
 *
 * The conventions the detectors read (variable roles in a world model, the keys an environment
 * reports the intended measure under) are in `docs/conventions.md`.
 */

export {
  type AncestryFinding,
  type AncestryMonitor,
  type AncestryMonitors,
  type AncestryReport,
  ancestryReport,
  type MonitorFinding,
} from "../control/ancestry.js";
export { ANCESTRY_MONITORS } from "./ancestry-monitors.js";
export {
  type AuditOptions,
  type AuditReport,
  audit,
  LEDGER_DETECTORS,
  renderAudit,
} from "./audit.js";
export { DETECTORS, type DetectorEntry } from "./detector-registry.js";
export { constraintFinding, constraintLedgerDetector, reportedViolations } from "./detectors/constraint.js";
export {
  detectDistributionalShift,
  type EpisodeShift,
  measureShift,
  type ObservedEpisode,
  SHIFT_DEFAULTS,
  SHIFT_MAX_OBSERVATIONS,
  type ShiftInput,
  type ShiftThresholds,
  type UnexplainedObservation,
} from "./detectors/distributional-shift.js";
export {
  compareFindings,
  DetectorError,
  type DetectorErrorCode,
  type Evidence,
  type Finding,
  type FirstAt,
  SEVERITIES,
  type Severity,
} from "./detectors/finding.js";
export { forgeryFindings } from "./detectors/forgery.js";
export {
  detectGoodhart,
  GOODHART_CODES,
  GOODHART_DEFAULTS,
  GOODHART_MAX_POINTS,
  type GoodhartCode,
  type GoodhartSeries,
  type GoodhartThresholds,
} from "./detectors/goodhart.js";
export { goodhartLedgerDetector } from "./detectors/goodhart-ledger.js";
export {
  CONTROL_VARIANTS,
  type ControlVariant,
  GOODHART_VARIANTS,
  type GoodhartStream,
  type GoodhartVariant,
  goodhartStream,
  type StreamOptions,
  type StreamVariant,
} from "./detectors/goodhart-streams.js";
export {
  type LedgerDetector,
  type LedgerDetectorFactory,
  stepRows,
  unreadable,
} from "./detectors/ledger-detector.js";
export {
  DECISION_LIMITS,
  DecisionModelError,
  type DecisionModelErrorCode,
  type DecisionOutcome,
  type DecisionPolicy,
  type DecisionProcess,
  type DecisionSubject,
  type DifferingRow,
  detectOversightDependence,
  followPlan,
  forceStateVariable,
  formatState,
  type GateSubjectSpec,
  holdStateVariable,
  intendedVariables,
  OVERSIGHT_THRESHOLDS,
  type OversightReach,
  oversightDependenceGate,
  oversightReach,
  oversightVariables,
  type PlanStep,
  type PolicyDifferenceEvidence,
  producedPolicy,
  readDecisionProcess,
  rowsDependingOn,
  solveDecisionProcess,
  startsOf,
  subjectFromSpec,
  valuesDiffer,
} from "./detectors/oversight-dependence.js";
export {
  actionValue,
  type EvaluationOptions,
  type ExogenousVariable,
  measureOf,
  policyValues,
  reachableStates,
} from "./detectors/oversight-dependence-reach.js";
export {
  detectOversightDisabled,
  type OversightSwitch,
  oversightDisabledGate,
} from "./detectors/oversight-disabled.js";
export { selfModificationDetector } from "./detectors/self-modification.js";
export {
  distributionalShiftLedgerDetector,
  oversightDependenceLedgerDetector,
  oversightDisabledLedgerDetector,
} from "./detectors/spec-detectors.js";
export { type UndeclaredOptions, undeclaredOptimizerDetector } from "./detectors/undeclared-optimizer.js";
export { GATE_DETECTORS, ledgerRules } from "./gate-detectors.js";
export { firstFiring, type GoodhartAlarm, goodhartAlarm } from "./online-alarm.js";
export { type ReadLedger, readLedger, replayLedger, type SkippedEntry } from "./read-ledger.js";
export {
  type QueueItem,
  type QueueKind,
  type QueueStatus,
  queueItem,
  reviewQueue,
} from "./review-queue.js";
export {
  findingSuspicion,
  SEVERITY_BAND,
  SUSPICION_EXCESS,
  suspicion,
  suspicionByDetector,
} from "./suspicion.js";
export { verifyLedger } from "./verify.js";
export { type Cosigned, type CosignOptions, cosignLatest } from "./witness.js";
export { type WitnessEntry, type WitnessHead, WitnessRecord } from "./witness-record.js";
