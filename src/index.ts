/**
 * optprov: optimization provenance for AI systems. Subpaths: optprov/ledger (the log), optprov/sdk
 * (what builders call), optprov/oversight (audit, detectors, review), optprov/model (specs, world
 * models, objectives, processes) and optprov/gridworlds (research environments and agents).
 */
export { decide, type GateDecision, type GateRequest } from "./control/gate.js";
export {
  declaredProcess,
  type GateDetector,
  gateRequestFor,
  type SpecSummary,
  summariseSpec,
} from "./control/gate-request.js";
export { type Policy, parsePolicy, policyDigest } from "./control/policy.js";
export { type ControlRulesOptions, controlRules } from "./control/rules.js";
export { ControlState } from "./control/state.js";
export {
  AdmissionError,
  FormatError,
  HaltedError,
  OptprovError,
  PolicyError,
  StoreError,
  UsageError,
  VerificationError,
} from "./errors.js";
export { type Explanation, explain, recordedSpec, renderExplanation } from "./explain/explain.js";
export { provenanceTree, renderTree, type TreeNode } from "./explain/tree.js";
export {
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  type SignerKey,
  type VerifierKey,
} from "./ledger/keys.js";
export type { LedgerStore } from "./ledger/store.js";
export { GATE_DETECTORS, ledgerRules } from "./oversight/gate-detectors.js";
export { readLedger, replayLedger } from "./oversight/read-ledger.js";
export { verifyLedger } from "./oversight/verify.js";
export { type Cosigned, type CosignOptions, cosignLatest } from "./oversight/witness.js";
export { WitnessRecord } from "./oversight/witness-record.js";
export { Ledger, Optimizer, openLedger, RunContext, type SpawnSpec } from "./sdk/index.js";
export { openStore, parseStoreLocation } from "./store/open-store.js";
export { PostgresStore } from "./store/postgres/postgres-store.js";
export { SqliteStore } from "./store/sqlite/sqlite-store.js";
