/**
 * Errors as HTTP answers: every refusal is JSON `{ "error": { "code", "message" } }` with the
 * status its code stands for. Codes come from the library (admission, formats, verification) or
 * from the server itself (`ServerError`); anything else is a 500 `INTERNAL` whose message says
 * nothing of the server's insides.
 */
import {
  AdmissionError,
  FormatError,
  OptprovError,
  PolicyError,
  ServerError,
  type ServerErrorCode,
  StoreError,
  UsageError,
  VerificationError,
} from "../errors.js";

const SERVER_STATUS: Record<ServerErrorCode, number> = {
  ROUTE_NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  CONTENT_TYPE_UNSUPPORTED: 415,
  REQUEST_INVALID: 400,
  RATE_LIMITED: 429,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TILE_PATH_INVALID: 400,
  NOT_FOUND: 404,
  ENTRY_TOO_LARGE_FOR_BUNDLE: 501,
  CHECKPOINT_UNAVAILABLE: 503,
  WITNESS_LOG_UNKNOWN: 404,
  WITNESS_SIGNATURE_UNTRUSTED: 403,
  WITNESS_CONFLICT: 409,
  WITNESS_PROOF_INVALID: 422,
  WITNESS_UNREACHABLE: 502,
};

/**
 * The HTTP status for an error: 4xx for what the request got wrong, 5xx for what the server did.
 *
 * @example statusOf(new AdmissionError("ENTRY_DUPLICATE", "...")) === 422
 */
export function statusOf(err: unknown): number {
  if (err instanceof ServerError) return SERVER_STATUS[err.code];
  if (err instanceof AdmissionError)
    return err.code === "BATCH_TOO_LARGE" || err.code === "BLOB_TOO_LARGE" ? 413 : 422;
  if (err instanceof FormatError) return err.code === "INPUT_TOO_LARGE" ? 413 : 400;
  if (err instanceof VerificationError) return err.code === "INDEX_OUT_OF_RANGE" ? 404 : 422;
  if (err instanceof PolicyError || err instanceof UsageError) return 400;
  if (err instanceof StoreError) return err.code === "STORE_CONFLICT" ? 409 : 500;
  return 500;
}

/** The JSON body and status for `err`; an unexpected error's text stays in the server's log. */
export function errorResponse(err: unknown): Response {
  const status = statusOf(err);
  const known = err instanceof OptprovError && status < 500;
  const code = err instanceof OptprovError ? err.code : "INTERNAL";
  const message = known
    ? (err as Error).message
    : err instanceof ServerError
      ? err.message
      : "the server could not answer this request; its log says why";
  const body: { code: string; message: string; batchIndex?: number } = { code, message };
  if (err instanceof AdmissionError && err.batchIndex !== undefined) body.batchIndex = err.batchIndex;
  return new Response(JSON.stringify({ error: body }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
