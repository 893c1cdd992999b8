/**
 * A coded refusal from an optprov server (`{ "error": { "code", "message", "batchIndex"? } }`)
 * turned back into the error it was on the server: an entry the log refused is an AdmissionError
 * with the log's code (so `CONTROL_HALTED_ACTOR` reads the same remote as embedded), a token the
 * server does not know a ServerError `UNAUTHENTICATED`, and so on. The server is not trusted to
 * send sensible text: the code must look like one, and the message is cut short and stripped of
 * control characters before it reaches a terminal.
 */
import {
  AdmissionError,
  type AdmissionErrorCode,
  FormatError,
  type FormatErrorCode,
  OptprovError,
  PolicyError,
  type PolicyErrorCode,
  RemoteError,
  ServerError,
  type ServerErrorCode,
  StoreError,
  type StoreErrorCode,
  VerificationError,
  type VerificationErrorCode,
} from "../../errors.js";

const SERVER_CODES = new Set<string>([
  "ROUTE_NOT_FOUND",
  "BODY_TOO_LARGE",
  "CONTENT_TYPE_UNSUPPORTED",
  "REQUEST_INVALID",
  "RATE_LIMITED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "TILE_PATH_INVALID",
  "NOT_FOUND",
  "ENTRY_TOO_LARGE_FOR_BUNDLE",
  "CHECKPOINT_UNAVAILABLE",
] satisfies ServerErrorCode[]);

const FORMAT_CODES = new Set<string>([
  "BASE64_INVALID",
  "JSON_INVALID",
  "ENVELOPE_INVALID",
  "STATEMENT_INVALID",
  "PREDICATE_INVALID",
  "INPUT_TOO_LARGE",
] satisfies FormatErrorCode[]);

const ADMISSION_CODES = new Set<string>([
  "ENTRY_SIGNATURE_INVALID",
  "BATCH_TOO_LARGE",
  "BLOB_TOO_LARGE",
  "ORIGIN_MISMATCH",
  "ENTRY_DUPLICATE",
  "PARENT_NOT_BEFORE",
  "TIME_IN_FUTURE",
  "TIME_STALE",
  "TIME_BACKWARDS",
  "ACTOR_UNKNOWN",
  "ACTOR_EXISTS",
  "ACTOR_KEY_MISMATCH",
] satisfies AdmissionErrorCode[]);

const POLICY_CODES = new Set<string>([
  "POLICY_INVALID",
  "POLICY_DENIED",
  "REQUEST_UNKNOWN",
  "OPTIMIZER_UNKNOWN",
] satisfies PolicyErrorCode[]);

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Text from the server, fit to print: at most 500 characters, no control characters. */
function cleanMessage(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return clean.length > 500 ? `${clean.slice(0, 500)}...` : clean;
}

/**
 * The error a refusal stands for, or undefined when the body is not a coded refusal at all.
 *
 * @example refusalError(422, { error: { code: "ENTRY_DUPLICATE", message: "...", batchIndex: 0 } }, "http://x")
 */
export function refusalError(status: number, body: unknown, server: string): OptprovError | undefined {
  const error = (body as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown; batchIndex?: unknown }
    | undefined;
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message, batchIndex } = error;
  if (typeof code !== "string" || !CODE.test(code) || typeof message !== "string") return undefined;
  const text = `${server} (HTTP ${status}): ${cleanMessage(message)}`;
  const at = typeof batchIndex === "number" && Number.isSafeInteger(batchIndex) ? batchIndex : undefined;
  if (ADMISSION_CODES.has(code) || code.startsWith("CONTROL_"))
    return new AdmissionError(code as AdmissionErrorCode, text, at);
  if (SERVER_CODES.has(code)) return new ServerError(code as ServerErrorCode, text);
  if (FORMAT_CODES.has(code)) return new FormatError(code as FormatErrorCode, text);
  if (POLICY_CODES.has(code)) return new PolicyError(code as PolicyErrorCode, text);
  if (code.startsWith("STORE_")) return new StoreError(code as StoreErrorCode, text);
  if (code === "INDEX_OUT_OF_RANGE" || code === "PROOF_INVALID" || code === "KEY_MISMATCH")
    return new VerificationError(code as VerificationErrorCode, text);
  if (code.startsWith("REMOTE_")) return new RemoteError("REMOTE_RESPONSE_INVALID", text);
  return new OptprovError(code, text);
}
