/** optprov/ledger: the tamper-evident log, its formats, and the verifier. */
export { type ActorBinding, type Admission, admit, type EntryFacts } from "./admission.js";
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
export { type OpenedEntry, openEntry, signEntry, verifyEntrySignature } from "./entry.js";
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
export { type AppendedEntry, checkpointWithCosignatures, Log, type OpenLogOptions } from "./log.js";
export {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
export { type Note, parseNote, signNote, verifyNoteSignature } from "./note.js";
export { ENTRY_KINDS, type EntryKind, type Predicate, type Statement } from "./statement.js";
export {
  formatConsistencyProof,
  formatTlogProof,
  parseConsistencyProof,
  parseTlogProof,
} from "./tlog-proof.js";
export { type VerifyCode, type VerifyProblem, type VerifyReport, verifyLedger } from "./verify.js";
export { type ProofCheck, verifyProofFile } from "./verify-proof.js";
export { WorkerPool } from "./worker-pool.js";
