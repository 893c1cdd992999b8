/** optprov: optimization provenance for AI systems. Subpaths: optprov/ledger, optprov/sdk. */
export { decide, type GateDecision, type GateRequest } from "./control/gate.js";
export { type Policy, parsePolicy, policyDigest } from "./control/policy.js";
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
export { type Explanation, explain, renderExplanation } from "./explain/explain.js";
export { provenanceTree, renderTree } from "./explain/tree.js";
export { generateSignerKey, type SignerKey, type VerifierKey } from "./ledger/keys.js";
export { verifyLedger } from "./ledger/verify.js";
export { cosignLatest, type WitnessState } from "./oversight/witness.js";
export { Ledger, Optimizer, openLedger, RunContext, type SpawnSpec } from "./sdk/index.js";
export { SqliteStore } from "./store/sqlite/sqlite-store.js";
export type { LedgerStore } from "./store/store.js";
