/**
 * A witness over HTTP (C2SP tlog-witness): `POST /add-checkpoint` takes a checkpoint with a
 * consistency proof from the size this witness last cosigned for its origin, and answers with the
 * witness's cosignature line. `optprov witness serve` serves it.
 *
 * What the witness last cosigned comes from its own signed record (`oversight/witness-record.ts`),
 * read and checked whole on every request, and the decision is the one `optprov witness cosign`
 * makes (`cosignConsistent`): the same record, the same checks, whichever way a checkpoint comes.
 *
 * Statuses are the spec's: 400 for a malformed body or an old size beyond the checkpoint, 404 for
 * an origin the witness does not witness, 403 when no trusted log key signed it, 409 (with the
 * witness's size as `text/x.tlog.size`) when the old size is not the one it cosigned or the same
 * size comes with another root, 422 when the proof does not verify. The check and the record's
 * update happen in one synchronous step, so two requests cannot both pass against the same size.
 */
import { Hono } from "hono";
import { FormatError, OptprovError, ServerError, VerificationError } from "../errors.js";
import { decodeBase64, preview } from "../ledger/base64.js";
import { parseCheckpointBody } from "../ledger/checkpoint.js";
import { HASH_SIZE } from "../ledger/crypto.js";
import { formatVerifierKey, type SignerKey, type VerifierKey } from "../ledger/keys.js";
import { MAX_NOTE_BYTES, parseNote, verifyNoteSignature } from "../ledger/note.js";
import { cosignConsistent } from "../oversight/witness.js";
import type { WitnessRecord } from "../oversight/witness-record.js";
import { readText } from "./body.js";
import { errorResponse } from "./http-error.js";
import { type RateLimit, RateLimiter } from "./rate-limit.js";

export interface WitnessedLog {
  /** The checkpoint origin line. */
  readonly origin: string;
  /** The log keys trusted for that origin. */
  readonly keys: readonly VerifierKey[];
}

export interface WitnessServerOptions {
  /** The witness's cosigner key (type 0x04). */
  readonly key: SignerKey;
  /** Opens the witness's record; called on every request, so the record is checked on every use. */
  readonly record: () => WitnessRecord;
  readonly logs: readonly WitnessedLog[];
  readonly rate?: RateLimit | false;
  readonly logLine?: (line: Record<string, unknown>) => void;
  readonly clock?: () => number;
}

/** tlog-witness: at most 63 proof lines. */
const MAX_PROOF_LINES = 63;
const MAX_BODY = MAX_NOTE_BYTES + 8 + (MAX_PROOF_LINES + 2) * 46;

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

function malformed(why: string): never {
  throw new ServerError("REQUEST_INVALID", `add-checkpoint body: ${why}`);
}

/**
 * Parse an `add-checkpoint` body (structure only).
 *
 * @example parseAddCheckpoint("old 0\n\nlog\n1\n...\n\n— log ...\n").oldSize === 0
 */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const first = body.indexOf("\n");
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(first < 0 ? body.slice(0, 40) : body.slice(0, first));
  if (m === null || !Number.isSafeInteger(Number(m[1])))
    malformed('expected a first line "old <size>" (decimal, no leading zeros)');
  const proof: Uint8Array[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf("\n", at);
    if (end < 0) malformed("expected a blank line before the checkpoint");
    const line = body.slice(at, end);
    at = end + 1;
    if (line === "") break;
    if (proof.length >= MAX_PROOF_LINES) malformed(`expected at most ${MAX_PROOF_LINES} proof lines`);
    let h: Uint8Array;
    try {
      h = decodeBase64(line, `proof line ${proof.length + 1}`);
    } catch {
      malformed(`proof line ${proof.length + 1}: expected base64, got ${preview(line)}`);
    }
    if (h.length !== HASH_SIZE)
      malformed(`proof line ${proof.length + 1}: expected a ${HASH_SIZE}-byte hash`);
    proof.push(h);
  }
  return { oldSize: Number(m[1]), proof, checkpoint: body.slice(at) };
}

function sizeConflict(size: number): Response {
  return new Response(`${size}\n`, { status: 409, headers: { "content-type": "text/x.tlog.size" } });
}

/**
 * The witness's HTTP app.
 *
 * @example const w = createWitnessServer({ key, record: () => WitnessRecord.open(file, key), logs });
 */
export function createWitnessServer(options: WitnessServerOptions): {
  fetch(request: Request, env?: unknown): Promise<Response>;
} {
  const logLine = options.logLine ?? ((l) => process.stderr.write(`${JSON.stringify(l)}\n`));
  const limiter =
    options.rate === false ? undefined : new RateLimiter(options.rate ?? { perSecond: 20, burst: 50 });
  const byOrigin = new Map(options.logs.map((l) => [l.origin, l]));
  const clock = options.clock ?? Date.now;
  const app = new Hono<{ Variables: { code: string | undefined } }>();

  app.onError((err, c) => {
    c.set("code", err instanceof OptprovError ? err.code : "INTERNAL");
    return errorResponse(err);
  });
  app.notFound((c) => {
    c.set("code", "ROUTE_NOT_FOUND");
    return errorResponse(
      new ServerError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${preview(c.req.path, 80)}`),
    );
  });
  app.use(async (c, next) => {
    const started = performance.now();
    const client =
      (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
        ?.remoteAddress ?? "local";
    try {
      if (c.req.path !== "/healthz" && limiter !== undefined && !limiter.take(client))
        throw new ServerError("RATE_LIMITED", "too many requests from this client; retry in a second");
      await next();
    } finally {
      logLine({
        time: new Date().toISOString(),
        level: "info",
        msg: "request",
        method: c.req.method,
        path: c.req.path.slice(0, 200),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        client,
        ...(c.get("code") !== undefined ? { code: c.get("code") } : {}),
      });
    }
  });

  app.get("/healthz", (c) => c.json({ ok: true, witness: formatVerifierKey(options.key) }));

  app.post("/add-checkpoint", async (c) => {
    const req = parseAddCheckpoint(await readText(c.req.raw, MAX_BODY));
    const note = parseNote(req.checkpoint);
    const checkpoint = parseCheckpointBody(note.text);
    if (checkpoint.root.length !== HASH_SIZE)
      throw new FormatError("CHECKPOINT_INVALID", `checkpoint root: expected ${HASH_SIZE} bytes`);
    const witnessed = byOrigin.get(checkpoint.origin);
    if (witnessed === undefined)
      throw new ServerError(
        "WITNESS_LOG_UNKNOWN",
        `this witness does not witness log ${preview(checkpoint.origin)}`,
      );
    // Signatures by keys the witness does not know are ignored (tlog-witness §add-checkpoint).
    if (!witnessed.keys.some((k) => verifyNoteSignature(note, k)))
      throw new ServerError(
        "WITNESS_SIGNATURE_UNTRUSTED",
        `checkpoint for ${preview(checkpoint.origin)}: no signature by a log key this witness trusts`,
      );
    if (req.oldSize > checkpoint.size)
      throw new ServerError(
        "REQUEST_INVALID",
        `old size: expected at most the checkpoint's size ${checkpoint.size}, got ${req.oldSize}`,
      );
    // From here to the record's append nothing awaits: the check and the update are one step.
    const record = options.record();
    const head = record.head(checkpoint.origin);
    const known = head?.size ?? 0;
    if (req.oldSize !== known) {
      c.set("code", "WITNESS_CONFLICT");
      return sizeConflict(known);
    }
    if (req.oldSize === 0 && req.proof.length > 0)
      throw new ServerError("WITNESS_PROOF_INVALID", "a proof from size 0 must be empty");
    try {
      const { line } = cosignConsistent(
        options.key,
        record,
        req.checkpoint,
        checkpoint,
        head,
        req.proof,
        clock(),
      );
      return c.body(line, 200, { "content-type": "text/plain; charset=utf-8" });
    } catch (err) {
      if (!(err instanceof VerificationError)) throw err;
      if (err.code === "ROOT_MISMATCH" && checkpoint.size === known) {
        c.set("code", "WITNESS_CONFLICT");
        return sizeConflict(known);
      }
      if (err.code === "ROOT_MISMATCH" || err.code === "PROOF_INVALID")
        throw new ServerError("WITNESS_PROOF_INVALID", `consistency from size ${known}: ${err.message}`, {
          cause: err,
        });
      throw err;
    }
  });

  return { fetch: (request, env) => Promise.resolve(app.fetch(request, env)) };
}
