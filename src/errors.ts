/**
 * One base error with a stable `code`, and one subclass per domain.
 * Tests assert codes, never wording; messages say what was expected and what came.
 */
import type { VerifyCode } from "./ledger/verify.js";
export class OptprovError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Broken or hostile input to a ledger parser (envelopes, statements, notes, checkpoints, proofs, keys). */
export type FormatErrorCode =
  | "BASE64_INVALID"
  | "JSON_INVALID"
  | "ENVELOPE_INVALID"
  | "STATEMENT_INVALID"
  | "PREDICATE_INVALID"
  | "NOTE_INVALID"
  | "CHECKPOINT_INVALID"
  | "KEY_INVALID"
  | "PROOF_FILE_INVALID"
  /** A file given as a witness's record that is not one at all (not JSON lines). */
  | "WITNESS_RECORD_INVALID"
  /** A Sigstore bundle that is not one of ours: not bundle v0.3 JSON with a DSSE envelope, a public key hint and one log entry with its inclusion proof. */
  | "BUNDLE_INVALID"
  | "INPUT_TOO_LARGE";
export class FormatError extends OptprovError<FormatErrorCode> {}

/** A proof, signature or ledger that does not check out. */
export type VerificationErrorCode =
  | "PROOF_INVALID"
  | "ROOT_MISMATCH"
  | "SIGNATURE_INVALID"
  | "KEY_MISMATCH"
  | "INDEX_OUT_OF_RANGE"
  /** A witness's own record of what it cosigned is gone, rolled back, edited or not its own. */
  | "WITNESS_RECORD_MISSING"
  | "WITNESS_RECORD_ROLLED_BACK"
  | "WITNESS_RECORD_BROKEN"
  | "WITNESS_RECORD_FOREIGN"
  | "WITNESS_RECORD_EXISTS"
  /**
   * An optprov server's history contradicts what this client already saw of it: a signed checkpoint
   * whose root the entries read from it do not produce, another root at a size seen before, an
   * entry read twice with different bytes, or a log that shrank.
   */
  | "REMOTE_FORKED"
  /** No signed checkpoint covers the entry asked for, so no inclusion proof can be given against one. */
  | "CHECKPOINT_MISSING"
  /** An export refused because the ledger does not verify: the code is the verifier's (`optprov verify`). */
  | VerifyCode;
export class VerificationError extends OptprovError<VerificationErrorCode> {}

/** The log's own admission rules (`ledger/admission.ts`). */
export type CoreAdmissionCode =
  | "ORIGIN_MISMATCH"
  | "ENTRY_DUPLICATE"
  | "PARENT_NOT_BEFORE"
  | "TIME_IN_FUTURE"
  | "TIME_STALE"
  | "TIME_BACKWARDS"
  | "ACTOR_UNKNOWN"
  | "ACTOR_EXISTS"
  | "ACTOR_KEY_MISMATCH";

/** Mesa-optimizer control rules, enforced by the log at admission and re-checked by verify (`control/rules.ts`). */
export type ControlCode =
  | "CONTROL_DENIED"
  | "CONTROL_UNAPPROVED"
  | "CONTROL_GATE_MISMATCH"
  | "CONTROL_REQUEST_MISMATCH"
  | "CONTROL_HALTED_ACTOR"
  | "CONTROL_HALT_UNAUTHORISED"
  | "CONTROL_RESUME_INVALID"
  | "CONTROL_CHANGE_INVALID"
  | "CONTROL_CHANGE_UNAUTHORISED"
  | "CONTROL_POLICY_UNAUTHORISED"
  | "CONTROL_POLICY_INVALID"
  | "CONTROL_APPROVAL_TARGET"
  | "CONTROL_APPROVER_NOT_OVERSEER"
  | "CONTROL_SELF_APPROVAL"
  | "CONTROL_TARGET_UNKNOWN"
  | "CONTROL_BUDGET_EXCEEDED"
  | "CONTROL_SPEC_MISMATCH"
  | "CONTROL_SPEC_MISSING"
  /** A span batch signed by anyone but a registered actor of role `system` (a collector). */
  | "CONTROL_COLLECTOR_UNAUTHORISED";

/** An append refused by the log's admission rules. */
export type AdmissionErrorCode =
  | "ENTRY_SIGNATURE_INVALID"
  | "BATCH_TOO_LARGE"
  | "BLOB_TOO_LARGE"
  | CoreAdmissionCode
  | ControlCode;
export class AdmissionError extends OptprovError<AdmissionErrorCode> {
  /** Position of the offending envelope in the batch passed to append. */
  readonly batchIndex: number | undefined;
  constructor(code: AdmissionErrorCode, message: string, batchIndex?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.batchIndex = batchIndex;
  }
}

export type StoreErrorCode =
  /** The store could not be opened or reached: a file SQLite cannot open, a PostgreSQL server that is down or refuses the login. */
  | "STORE_OPEN_FAILED"
  /** The database refused or lost a statement the store sent (a read-only session asked to write, a dropped connection); the driver's error is the cause. */
  | "STORE_QUERY_FAILED"
  /** A ledger location that names no store: a URL scheme other than `sqlite:`, `postgres://` and `postgresql://`, or a malformed URL. */
  | "STORE_URL_INVALID"
  | "STORE_CONFLICT"
  | "STORE_NOT_INITIALISED"
  | "STORE_CORRUPT";
export class StoreError extends OptprovError<StoreErrorCode> {}

/** A CLI invocation that cannot be carried out as given: bad flags, files that cannot serve, a key in the wrong role. */
export type UsageErrorCode =
  | "USAGE"
  | "FILE_NOT_FOUND"
  | "FILE_EXISTS"
  /** A directory, FIFO, socket or device where a regular file is expected. */
  | "FILE_NOT_REGULAR"
  | "FILE_TOO_LARGE"
  | "FILE_NOT_UTF8"
  | "FILE_UNREADABLE"
  | "FILE_UNWRITABLE"
  /** A witness cosigner key where an actor's key is expected, or the other way round. */
  | "KEY_WRONG_ROLE"
  /** An optprov.yml that does not parse or validate, or that another user could have written. */
  | "CONFIG_INVALID";
export class UsageError extends OptprovError<UsageErrorCode> {}

/**
 * An HTTP request the server (`optprov serve`, `optprov witness serve`) refuses before or instead
 * of a library call. Each code has one HTTP status (`server/http-error.ts`).
 */
export type ServerErrorCode =
  /** No route for this method and path (404). */
  | "ROUTE_NOT_FOUND"
  /** A request body beyond the server's limit (413). */
  | "BODY_TOO_LARGE"
  /** A body of a content type the route does not take (415). */
  | "CONTENT_TYPE_UNSUPPORTED"
  /** A body or query that does not have the shape the route expects (400). */
  | "REQUEST_INVALID"
  /** More requests from one client than its rate allows (429). */
  | "RATE_LIMITED"
  /** A route that needs a token, called without one or with one the server does not know (401). */
  | "UNAUTHENTICATED"
  /** A token whose role may not do this (403). */
  | "FORBIDDEN"
  /** A tile or entry bundle path that is not a C2SP tlog-tiles path (400). */
  | "TILE_PATH_INVALID"
  /** A tile, entry bundle, entry or optimizer the log does not hold (404). */
  | "NOT_FOUND"
  /** An entry longer than an entry bundle's 16-bit length prefix can carry (501). */
  | "ENTRY_TOO_LARGE_FOR_BUNDLE"
  /** The log has no checkpoint yet and the server holds no key to sign one (503). */
  | "CHECKPOINT_UNAVAILABLE"
  /** tlog-witness: a checkpoint for an origin this witness does not witness (404). */
  | "WITNESS_LOG_UNKNOWN"
  /** tlog-witness: no signature on the checkpoint verifies against the log keys the witness trusts (403). */
  | "WITNESS_SIGNATURE_UNTRUSTED"
  /** tlog-witness: the old size is not the size the witness last cosigned, or the same size with another root (409). */
  | "WITNESS_CONFLICT"
  /** tlog-witness: the consistency proof from the old size does not verify (422). */
  | "WITNESS_PROOF_INVALID"
  /** A witness that could not be reached, or that answered with something other than cosignatures. */
  | "WITNESS_UNREACHABLE";
export class ServerError extends OptprovError<ServerErrorCode> {}

/**
 * A ledger kept by an optprov server (`openLedger({ url })`, `--server URL`) that cannot be used as
 * asked. A refusal the server itself gives (a token it does not know, an entry its log refuses)
 * keeps the server's own code and class instead.
 */
export type RemoteErrorCode =
  /** The server could not be reached (refused, reset, timed out), after the retries. */
  | "REMOTE_UNREACHABLE"
  /** An answer that is not what the API promises: not JSON, truncated, the wrong shape, bytes that do not match. */
  | "REMOTE_RESPONSE_INVALID"
  /** Something only the server does (create the log, sign checkpoints, store cosignatures). */
  | "REMOTE_UNSUPPORTED";
export class RemoteError extends OptprovError<RemoteErrorCode> {}

/** Mesa-optimizer control: a policy that does not parse, a creation the gate refused, an approval that cannot count. */
export type PolicyErrorCode =
  | "POLICY_INVALID"
  | "POLICY_DENIED"
  | "POLICY_MISSING"
  /** A policy whose `expires` has passed, refused at signing. */
  | "POLICY_EXPIRED"
  | "APPROVAL_TIMEOUT"
  | "REQUEST_REJECTED"
  | "REQUEST_UNKNOWN"
  | "APPROVER_NOT_OVERSEER"
  | "SELF_APPROVAL"
  | "OPTIMIZER_UNKNOWN";
export class PolicyError extends OptprovError<PolicyErrorCode> {
  /** Every reason the gate gave, when the error is a denial. */
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
  constructor(
    code: PolicyErrorCode,
    message: string,
    reasons: PolicyError["reasons"] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.reasons = reasons;
  }
}

/** An OpenTelemetry export request (OTLP/HTTP) that cannot be taken in; nothing of it is written. */
export type OtlpErrorCode =
  /** A body that is not an OTLP trace export request: bad JSON or protobuf, or a span with a field that is not what OTLP says (the message names the span and the field, what was expected and what came). */
  | "OTLP_INVALID"
  /** A content type other than `application/json` and `application/x-protobuf`. */
  | "OTLP_MEDIA_TYPE"
  /** A body, span or attribute over the bounds docs/otlp.md gives (bytes per request, attributes per span, characters per value, bytes per entry). */
  | "OTLP_TOO_LARGE"
  /** The collector key given to ingest is not the key of a registered actor of role `system`. */
  | "OTLP_COLLECTOR_UNKNOWN";
export class OtlpError extends OptprovError<OtlpErrorCode> {}

/** A halted optimizer tried to step or spawn. */
export class HaltedError extends OptprovError<"HALTED"> {}
