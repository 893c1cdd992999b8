/** optprov/ledger: the tamper-evident log, its formats, and the verifier. */
export {
  type ActorBinding,
  type AdmissionEntry,
  admitCore,
  CLOCK_TOLERANCE_MS,
  CoreState,
  type CoreVerdict,
  type OpenResult,
} from "./admission.js";
export { decodeBase64, encodeBase64 } from "./base64.js";
export {
  type Checkpoint,
  cosignatureLine,
  formatCheckpointBody,
  openCheckpoint,
  parseCheckpointBody,
  signCheckpoint,
  verifyCosignature,
} from "./checkpoint.js";
export { type DsseEnvelope, pae, parseEnvelope, serializeEnvelope } from "./dsse.js";
export {
  assembleEntry,
  type OpenedEntry,
  openEntry,
  payloadPae,
  signEntry,
  statementPayload,
  verifyEntrySignature,
} from "./entry.js";
export {
  ALG_COSIGNATURE_V1,
  ALG_ED25519,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  type SignerKey,
  type VerifierKey,
} from "./keys.js";
export {
  type AppendedEntry,
  type AppendOptions,
  checkpointWithCosignatures,
  Log,
  type LogObserver,
  MAX_BATCH,
  MAX_BLOB_BYTES,
  type OpenLogOptions,
} from "./log.js";
export {
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  inclusionProof,
  leafHash,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
export { type Note, parseNote, signNote, verifyNoteSignature } from "./note.js";
export { type ReadEntry, type ReadOptions, readEntries } from "./read-entries.js";
export {
  ADMITTED,
  Journal,
  type LedgerRules,
  NO_RULES,
  type RuleAdmission,
  type RuleContext,
  type RuleRefusal,
  type RuleVerdict,
} from "./rules.js";
export {
  dispatch,
  ENTRY_KINDS,
  type EntryHandlers,
  type EntryKind,
  type EntryView,
  type Predicate,
  type PredicateInput,
  type ProcessDeclaration,
  type Statement,
  type StepColumns,
  viewOf,
} from "./statement.js";
export type {
  AppendBatch,
  ChunkLimits,
  LedgerMeta,
  LedgerStore,
  StoredBlob,
  StoredCheckpoint,
  StoredEntry,
  StoredNode,
} from "./store.js";
export {
  formatConsistencyProof,
  formatTlogProof,
  parseConsistencyProof,
  parseTlogProof,
} from "./tlog-proof.js";
export {
  VERIFY_CODES,
  type VerifyCode,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  verifyLog,
  type WitnessReport,
} from "./verify.js";
export { type ProofCheck, verifyProofFile } from "./verify-proof.js";
export { WorkerPool } from "./worker-pool.js";
