/**
 * The ledger over HTTP: a `fetch(Request) -> Response` app (Hono, on web standards) that any
 * runtime can serve; `optprov serve` serves it with `@hono/node-server`.
 *
 * Writes: `POST /v1/entries` takes envelopes clients signed themselves (the server never holds
 * their keys) and appends them as one batch through `Log.append`, so the log's admission rules and
 * the control rules decide, and a refused batch writes nothing.
 *
 * Reads: JSON views (`/v1/...`: entries, optimizers explained, the provenance tree, the review
 * queue, audit findings, checkpoints and proofs) and the C2SP tlog-tiles resources (`/checkpoint`,
 * `/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`), which any tlog client can verify on its own.
 *
 * Every request is hostile until shown otherwise: bodies are capped before they are read, content
 * types are checked, paths are parsed strictly, batches and pages are bounded, each client has a
 * rate, and every refusal is a coded JSON error with the log unchanged.
 */
import { type Context, Hono } from "hono";
import type { ControlState } from "../control/state.js";
import { FormatError, OptprovError, ServerError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "../ledger/base64.js";
import { canonicalEnvelopeBytes, parseEnvelope, serializeEnvelope } from "../ledger/dsse.js";
import { openEntry } from "../ledger/entry.js";
import { formatVerifierKey } from "../ledger/keys.js";
import { checkpointWithCosignatures, type Log } from "../ledger/log.js";
import type { StoredCheckpoint, StoredEntry } from "../ledger/store.js";
import { type Access, authorise, type Permission } from "./access.js";
import { readText, requireContentType } from "./body.js";
import { mountConsole } from "./console-routes.js";
import { errorResponse, statusOf } from "./http-error.js";
import { type RateLimit, RateLimiter } from "./rate-limit.js";
import { ReadModels } from "./read-models.js";
import { SizeEvents } from "./size-events.js";
import { mountSync } from "./sync-routes.js";
import { parseTilePath } from "./tile-path.js";
import { readTile } from "./tiles.js";
import { pushToWitnesses, type WitnessEndpoint } from "./witness-client.js";

export interface ServerLimits {
  /** The largest request body, in bytes (default 8 MiB: a batch of step entries with room to spare). */
  readonly maxBodyBytes?: number;
  /** The most envelopes in one `POST /v1/entries` (default 1,000). */
  readonly maxBatch?: number;
  /** The most entries in one `GET /v1/entries` page (default 1,000; at most 4 MiB of envelopes). */
  readonly maxPage?: number;
  /** Requests per client (default 50 per second, bursts of 200); `false` for none. */
  readonly rate?: RateLimit | false;
  /** The most `GET /v1/events` streams open at once (default 1,000). */
  readonly maxEventStreams?: number;
}

export interface ServerOptions {
  readonly log: Log<ControlState>;
  readonly limits?: ServerLimits;
  /** Who may read and write (`access.ts`); without it every request may do everything. */
  readonly access?: Access;
  /** Witnesses asked to cosign each new checkpoint (tlog-witness `add-checkpoint`). */
  readonly witnesses?: readonly WitnessEndpoint[];
  /** How long after an append a checkpoint is signed, in ms (default 1,000); `false`: only when `checkpoint()` is called. */
  readonly checkpointDelayMs?: number | false;
  /** Where structured log lines go (one JSON object each); stderr by default. */
  readonly logLine?: (line: Record<string, unknown>) => void;
  /** The fetch used to reach witnesses (the global one by default). */
  readonly fetch?: typeof fetch;
  /**
   * OTLP/HTTP trace ingest at `POST /v1/traces` (`otlpHandler` from `optprov/interop`, holding a
   * registered collector's key); without it the route answers 404.
   */
  readonly otlp?: (request: Request) => Promise<Response>;
  /** How long a findings request waits for a verification under way (default 2,000 ms; `read-models.ts`). */
  readonly verifyWaitMs?: number;
}

export interface OptprovServer {
  /** Answer one request. `env` is the runtime's (node-server passes the socket there). */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Resolves once the read models have been rebuilt from the log (the findings replay at start). */
  ready(): Promise<void>;
  /** Sign a checkpoint now if the log grew, and ask the witnesses to cosign it. */
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  /** Stop the checkpoint timer and wait for work under way; the log stays open (its owner closes it). */
  close(): Promise<void>;
}

const DEFAULTS = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxBatch: 1000,
  maxPage: 1000,
  maxEventStreams: 1000,
  rate: { perSecond: 50, burst: 200 },
};
/** A page of entries stops at this many bytes of envelopes, whatever its count. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const IMMUTABLE = "public, max-age=31536000, immutable";

type Env = { Variables: { client: string; code: string | undefined } };

function stderrLine(line: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/** A non-negative integer from a path or query parameter; REQUEST_INVALID otherwise. */
function indexParam(text: string | undefined, what: string): number {
  if (text === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ServerError(
      "REQUEST_INVALID",
      `${what}: expected a non-negative integer, got ${text === undefined ? "nothing" : preview(text)}`,
    );
  return Number(text);
}

function optionalIndex(text: string | undefined, what: string, fallback: number): number {
  return text === undefined ? fallback : indexParam(text, what);
}

/** The stored envelope as JSON; bytes that are not JSON (a store edited behind the log) as base64. */
function envelopeValue(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return { base64: encodeBase64(bytes) };
  }
}

function entryJson(e: StoredEntry, withStatement: boolean, raw = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    index: e.index,
    leafHash: encodeBase64(e.leafHash),
    // `envelopes=base64`: the exact stored bytes, for clients that hash them (the remote SDK).
    envelope: raw ? encodeBase64(e.envelope) : envelopeValue(e.envelope),
  };
  if (withStatement) {
    try {
      out.statement = openEntry(e.envelope).statement;
    } catch {
      // An entry that does not parse is still served as stored; the verifier says what is wrong.
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The envelopes and blobs of a `POST /v1/entries` body, each envelope in the log's own serialisation
 * (fixed field order, no whitespace): the leaf is what the log hashes, so a client's envelope sent
 * twice with different spacing is the same leaf and is refused as a replay.
 */
function parseAppendBody(text: string, maxBatch: number): { envelopes: Uint8Array[]; blobs: Uint8Array[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError("JSON_INVALID", "request body: expected JSON, got text that does not parse");
  }
  if (!isRecord(value))
    throw new ServerError("REQUEST_INVALID", 'request body: expected an object { "envelopes": [...] }');
  for (const k of Object.keys(value))
    if (k !== "envelopes" && k !== "blobs")
      throw new ServerError("REQUEST_INVALID", `request body: unexpected field ${preview(k)}`);
  const { envelopes, blobs = [] } = value;
  if (!Array.isArray(envelopes) || envelopes.length === 0)
    throw new ServerError("REQUEST_INVALID", "envelopes: expected a non-empty array of DSSE envelopes");
  if (envelopes.length > maxBatch)
    throw new ServerError(
      "BODY_TOO_LARGE",
      `envelopes: expected at most ${maxBatch} per batch, got ${envelopes.length}`,
    );
  if (!Array.isArray(blobs) || blobs.length > maxBatch || blobs.some((b) => typeof b !== "string"))
    throw new ServerError("REQUEST_INVALID", `blobs: expected at most ${maxBatch} base64 strings`);
  const parsed = envelopes.map((e: unknown, i) => {
    if (!isRecord(e))
      throw new FormatError("ENVELOPE_INVALID", `envelopes[${i}]: expected a DSSE envelope object`);
    try {
      return (
        canonicalEnvelopeBytes(e) ?? serializeEnvelope(parseEnvelope(Buffer.from(JSON.stringify(e), "utf8")))
      );
    } catch (err) {
      if (err instanceof FormatError)
        throw new FormatError(err.code, `envelopes[${i}]: ${err.message}`, { cause: err });
      throw err;
    }
  });
  return {
    envelopes: parsed,
    blobs: (blobs as string[]).map((b, i) => decodeBase64(b, `blobs[${i}]`)),
  };
}

/**
 * The HTTP app over `log`.
 *
 * @example
 * const server = createServer({ log });
 * const res = await server.fetch(new Request("http://x/v1/tree"));
 */
export function createServer(options: ServerOptions): OptprovServer {
  const { log } = options;
  const limits = { ...DEFAULTS, ...options.limits };
  const limiter = limits.rate === false ? undefined : new RateLimiter(limits.rate);
  const logLine = options.logLine ?? stderrLine;
  const witnesses = options.witnesses ?? [];
  const delay = options.checkpointDelayMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let signing: Promise<StoredCheckpoint | undefined> | undefined;
  let cannotSign = false;
  const reads = new ReadModels(log, {
    ...(options.verifyWaitMs !== undefined ? { verifyWaitMs: options.verifyWaitMs } : {}),
    onError: (err) =>
      logLine({
        time: new Date().toISOString(),
        level: "error",
        msg: "read model failed",
        code: err instanceof OptprovError ? err.code : "INTERNAL",
        message: (err as Error).message,
      }),
  });
  reads.start();
  const events = new SizeEvents(log.store);

  /** Sign (if the log grew) and gather cosignatures; one at a time, and never fatal to a request. */
  const checkpoint = (): Promise<StoredCheckpoint | undefined> => {
    signing ??= (async () => {
      try {
        if (cannotSign) return await log.store.latestCheckpoint();
        const cp = await log.checkpoint();
        if (witnesses.length > 0) {
          const outcomes = await pushToWitnesses(log, cp, witnesses, options.fetch ?? fetch);
          for (const o of outcomes)
            if (!o.ok)
              logLine({
                time: new Date().toISOString(),
                level: "warn",
                msg: "witness did not cosign",
                witness: o.witness,
                code: o.code,
                message: o.message,
              });
        }
        return (await log.store.latestCheckpoint()) ?? cp;
      } catch (err) {
        if (err instanceof OptprovError && err.code === "KEY_MISMATCH") {
          // A server without the log's private key serves what is signed, and signs nothing.
          cannotSign = true;
          return await log.store.latestCheckpoint();
        }
        throw err;
      } finally {
        signing = undefined;
      }
    })();
    return signing;
  };
  const scheduleCheckpoint = () => {
    if (delay === false || cannotSign || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      checkpoint().catch((err: unknown) =>
        logLine({
          time: new Date().toISOString(),
          level: "error",
          msg: "checkpoint failed",
          code: err instanceof OptprovError ? err.code : "INTERNAL",
          message: (err as Error).message,
        }),
      );
    }, delay);
    timer.unref();
  };

  const app = new Hono<Env>();

  app.onError((err, c) => {
    c.set("code", err instanceof OptprovError ? err.code : "INTERNAL");
    if (statusOf(err) >= 500)
      logLine({
        time: new Date().toISOString(),
        level: "error",
        msg: "request failed",
        path: c.req.path.slice(0, 200),
        code: err instanceof OptprovError ? err.code : "INTERNAL",
        message: err.stack ?? err.message,
      });
    return errorResponse(err);
  });
  app.notFound((c) => {
    c.set("code", "ROUTE_NOT_FOUND");
    return errorResponse(
      new ServerError("ROUTE_NOT_FOUND", `no route for ${c.req.method} ${preview(c.req.path, 80)}`),
    );
  });

  // One structured line per request, then the client's identity and rate.
  app.use(async (c, next) => {
    const started = performance.now();
    const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
      ?.socket;
    c.set("client", socket?.remoteAddress ?? "local");
    try {
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
        client: c.get("client"),
        ...(c.get("code") !== undefined ? { code: c.get("code") } : {}),
      });
    }
  });
  app.use(async (c, next) => {
    if (c.req.path !== "/healthz" && limiter !== undefined && !limiter.take(c.get("client")))
      throw new ServerError("RATE_LIMITED", "too many requests from this client; retry in a second");
    await next();
  });

  const allow = (c: Context<Env>, need: Permission) => {
    const who = authorise(options.access, c.req.raw.headers.get("authorization"), need);
    if (who !== undefined) c.set("client", who);
  };
  app.get("/healthz", (c) => c.json({ ok: true, origin: log.origin, size: log.size }));

  if (options.otlp !== undefined) {
    const otlp = options.otlp;
    app.post("/v1/traces", async (c) => {
      allow(c, "write");
      return otlp(c.req.raw);
    });
  }

  app.post("/v1/entries", async (c) => {
    allow(c, "write");
    requireContentType(c.req.raw, ["application/json"]);
    const { envelopes, blobs } = parseAppendBody(
      await readText(c.req.raw, limits.maxBodyBytes),
      limits.maxBatch,
    );
    const appended = await log.append(envelopes, { blobs });
    events.publish(appended[appended.length - 1]!.index + 1);
    scheduleCheckpoint();
    reads.appended();
    const marks = appended.flatMap((a) => a.marks.map((m) => ({ index: a.index, ...m })));
    return c.json(
      {
        first: appended[0]!.index,
        size: appended[appended.length - 1]!.index + 1,
        leafHashes: appended.map((a) => encodeBase64(a.leafHash)),
        ...(marks.length > 0 ? { marks } : {}),
      },
      201,
    );
  });

  app.get("/v1/entries", async (c) => {
    allow(c, "read");
    const size = await log.store.size();
    const start = optionalIndex(c.req.query("start"), "start", 0);
    const encoding = c.req.query("envelopes");
    if (encoding !== undefined && encoding !== "base64" && encoding !== "json")
      throw new ServerError(
        "REQUEST_INVALID",
        `envelopes: expected json or base64, got ${preview(encoding)}`,
      );
    const end = Math.min(
      size,
      optionalIndex(c.req.query("end"), "end", start + limits.maxPage),
      start + limits.maxPage,
    );
    const entries: Record<string, unknown>[] = [];
    if (start < end) {
      for await (const chunk of log.store.entries(start, end, {
        rows: limits.maxPage,
        bytes: MAX_PAGE_BYTES,
      })) {
        for (const e of chunk) entries.push(entryJson(e, false, encoding === "base64"));
        break;
      }
    }
    const last = entries.at(-1)?.index as number | undefined;
    const next = last !== undefined && last + 1 < size ? last + 1 : null;
    return c.json({ size, entries, next });
  });

  app.get("/v1/entries/:index", async (c) => {
    allow(c, "read");
    const index = indexParam(c.req.param("index"), "index");
    const e = await log.store.entry(index);
    if (e === undefined)
      throw new ServerError(
        "NOT_FOUND",
        `entry ${index}: expected < the log's size ${await log.store.size()}`,
      );
    return c.json(entryJson(e, true));
  });

  // Reads of the control state and the findings, from the read models (`read-models.ts`): kept
  // per log size and advanced entry by entry, never a replay of the ledger per request.
  // The answers come as JSON kept until an append changes them (serializing an explanation or the
  // tree afresh per request is most of what a kept answer would otherwise cost).
  const json = { "content-type": "application/json" };
  app.get("/v1/optimizers", async (c) => {
    allow(c, "read");
    return c.body(await reads.optimizersJson(), 200, json);
  });

  app.get("/v1/optimizers/:name", async (c) => {
    allow(c, "read");
    const name = c.req.param("name");
    const e = await reads.explainJson(name);
    if (e === undefined) throw new ServerError("NOT_FOUND", `no optimizer or actor named ${preview(name)}`);
    return c.body(e, 200, json);
  });

  app.get("/v1/tree", async (c) => {
    allow(c, "read");
    return c.body(await reads.treeJson(), 200, json);
  });

  app.get("/v1/review", async (c) => {
    allow(c, "read");
    return c.body(await reads.reviewJson(c.req.query("status")), 200, json);
  });

  app.get("/v1/findings", async (c) => {
    allow(c, "read");
    return c.json(await reads.findings());
  });

  app.get("/v1/checkpoint", async (c) => {
    allow(c, "read");
    const cp = (await log.store.latestCheckpoint()) ?? (await checkpoint());
    if (cp === undefined)
      throw new ServerError(
        "CHECKPOINT_UNAVAILABLE",
        "the log has no checkpoint yet and this server cannot sign one",
      );
    return c.json({
      origin: log.origin,
      logKey: formatVerifierKey(log.logVerifier),
      size: cp.size,
      root: encodeBase64(await log.rootAt(cp.size)),
      checkpoint: checkpointWithCosignatures(cp),
      cosignatures: cp.cosignatures.map((w) => w.witness),
    });
  });

  app.get("/v1/proof/inclusion/:index", async (c) => {
    allow(c, "read");
    await log.catchUp();
    const index = indexParam(c.req.param("index"), "index");
    const size = optionalIndex(c.req.query("size"), "size", log.size);
    if (index >= size) throw new ServerError("NOT_FOUND", `entry ${index}: expected < tree size ${size}`);
    const proof = await log.inclusionProof(index, size);
    const e = await log.store.entry(index);
    return c.json({
      index,
      size,
      leafHash: e ? encodeBase64(e.leafHash) : undefined,
      root: encodeBase64(await log.rootAt(size)),
      proof: proof.map(encodeBase64),
    });
  });

  app.get("/v1/proof/consistency", async (c) => {
    allow(c, "read");
    await log.catchUp();
    const oldSize = indexParam(c.req.query("old"), "old");
    const newSize = optionalIndex(c.req.query("new"), "new", log.size);
    if (oldSize > newSize)
      throw new ServerError("REQUEST_INVALID", `old: expected at most new (${newSize}), got ${oldSize}`);
    const proof = await log.consistencyProof(oldSize, newSize);
    return c.json({
      old: oldSize,
      new: newSize,
      oldRoot: encodeBase64(await log.rootAt(oldSize)),
      newRoot: encodeBase64(await log.rootAt(newSize)),
      proof: proof.map(encodeBase64),
    });
  });

  // C2SP tlog-tiles.
  app.get("/checkpoint", async (c) => {
    allow(c, "read");
    const cp = (await log.store.latestCheckpoint()) ?? (await checkpoint());
    if (cp === undefined)
      throw new ServerError(
        "CHECKPOINT_UNAVAILABLE",
        "the log has no checkpoint yet and this server cannot sign one",
      );
    return c.body(checkpointWithCosignatures(cp), 200, {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-cache",
    });
  });

  app.get("/tile/*", async (c) => {
    allow(c, "read");
    // The raw path, not a decoded one: `%2F` and friends are refused, not interpreted.
    const ref = parseTilePath(new URL(c.req.url).pathname.slice(1));
    const bytes = await readTile(log.store, await log.store.size(), ref);
    return c.body(new Uint8Array(bytes), 200, {
      "content-type": "application/octet-stream",
      // A tile of a given width never changes (the tree is append-only), full or partial.
      "cache-control": IMMUTABLE,
    });
  });

  mountConsole(app, {
    log,
    explain: (name) => reads.explain(name),
    state: async () => {
      await log.catchUp();
      return log.state;
    },
    witnesses,
    allowRead: (c) => allow(c, "read"),
  });
  mountSync(app, {
    log,
    events,
    allowRead: (c) => allow(c, "read"),
    maxStreams: limits.maxEventStreams,
  });

  return {
    fetch: (request, env) => Promise.resolve(app.fetch(request, env)),
    ready: () => reads.ready(),
    checkpoint,
    async close() {
      events.close();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await signing?.catch(() => undefined);
      await reads.close();
    },
  };
}
