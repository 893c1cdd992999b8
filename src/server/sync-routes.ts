/**
 * What a remote client (`openLedger({ url })`, `optprov --server URL`) needs beyond the JSON views
 * to keep its own replica of the log in memory and re-check everything in it:
 *
 *  - `GET /v1/log`: the log's identity (origin, log key), its size and latest checkpoint;
 *  - `GET /v1/checkpoints?start=`: every checkpoint with its cosignatures, 1,000 a page;
 *  - `GET /v1/blobs?after=`, `GET /v1/blobs/:digest`: the content-addressed blobs beside the log;
 *  - `GET /v1/events`: Server-Sent Events, one `size` event (`{"size":N}`) on connecting and after
 *    every append by anyone, and a comment every 15 s; how halts reach remote running loops.
 *
 * Entries themselves come from `GET /v1/entries?envelopes=base64` (the exact stored bytes).
 */
import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ControlState } from "../control/state.js";
import { ServerError } from "../errors.js";
import { preview } from "../ledger/base64.js";
import { formatVerifierKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import type { StoredCheckpoint } from "../ledger/store.js";
import type { SizeEvents } from "./size-events.js";

export interface SyncOptions {
  readonly log: Log<ControlState>;
  readonly events: SizeEvents;
  /** Check the request may read (the app's `authorise`). */
  // biome-ignore lint/suspicious/noExplicitAny: the app's Hono env type stays the app's.
  readonly allowRead: (c: Context<any>) => void;
  /** The most event streams open at once (each holds a connection). */
  readonly maxStreams: number;
}

const PAGE = 1000;
const HEARTBEAT_MS = 15_000;
const DIGEST = /^[0-9a-f]{64}$/;

function checkpointJson(cp: StoredCheckpoint): Record<string, unknown> {
  return { id: cp.id, size: cp.size, text: cp.text, cosignatures: cp.cosignatures };
}

/** A page start from the query: a non-negative integer, REQUEST_INVALID otherwise. */
function startParam(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ServerError("REQUEST_INVALID", `start: expected a non-negative integer, got ${preview(text)}`);
  return Number(text);
}

/**
 * @example mountSync(app, { log, events, allowRead: (c) => allow(c, "read"), maxStreams: 1000 });
 */
// biome-ignore lint/suspicious/noExplicitAny: mounted on the app's Hono, whatever its env type.
export function mountSync(app: Hono<any>, options: SyncOptions): void {
  const { log, events, allowRead } = options;

  app.get("/v1/log", async (c) => {
    allowRead(c);
    const [size, cp] = await Promise.all([log.store.size(), log.store.latestCheckpoint()]);
    return c.json({
      origin: log.origin,
      logKey: formatVerifierKey(log.logVerifier),
      size,
      checkpoint: cp === undefined ? null : checkpointJson(cp),
    });
  });

  app.get("/v1/checkpoints", async (c) => {
    allowRead(c);
    const start = startParam(c.req.query("start"));
    // Sorted by size then id and only ever appended to, so a page's position is stable.
    const all = await log.store.checkpoints();
    const page = all.slice(start, start + PAGE);
    const next = start + PAGE < all.length ? start + PAGE : null;
    return c.json({ checkpoints: page.map(checkpointJson), next });
  });

  app.get("/v1/blobs", async (c) => {
    allowRead(c);
    const after = c.req.query("after");
    if (after !== undefined && !DIGEST.test(after))
      throw new ServerError("REQUEST_INVALID", `after: expected a hex SHA-256 digest, got ${preview(after)}`);
    const all = await log.store.blobDigests();
    const from = after === undefined ? 0 : all.findIndex((b) => b.digest > after);
    const page = from < 0 ? [] : all.slice(from, from + PAGE);
    const next = from >= 0 && from + PAGE < all.length ? page.at(-1)!.digest : null;
    return c.json({ blobs: page, next });
  });

  app.get("/v1/blobs/:digest", async (c) => {
    allowRead(c);
    const digest = c.req.param("digest");
    if (!DIGEST.test(digest))
      throw new ServerError(
        "REQUEST_INVALID",
        `digest: expected a hex SHA-256 digest, got ${preview(digest)}`,
      );
    const data = await log.store.blob(digest);
    if (data === undefined) throw new ServerError("NOT_FOUND", `no blob stored under ${digest}`);
    return c.body(new Uint8Array(data), 200, {
      "content-type": "application/octet-stream",
      // Named by its own hash: it never changes.
      "cache-control": "public, max-age=31536000, immutable",
    });
  });

  app.get("/v1/events", (c) => {
    allowRead(c);
    if (events.listening >= options.maxStreams)
      throw new ServerError(
        "RATE_LIMITED",
        `this server holds its limit of ${options.maxStreams} event streams; retry later`,
      );
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      const pending: number[] = [];
      let ended = false;
      const stop = events.listen((size) => {
        if (size < 0) ended = true;
        else pending.push(size);
        wake?.();
      });
      stream.onAbort(() => {
        ended = true;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: "size", data: JSON.stringify({ size: await log.store.size() }) });
        while (!ended && !stream.aborted) {
          if (pending.length === 0) {
            const beat = await new Promise<boolean>((resolve) => {
              const t = setTimeout(() => resolve(true), HEARTBEAT_MS);
              wake = () => {
                clearTimeout(t);
                resolve(false);
              };
            });
            wake = undefined;
            if (beat) await stream.write(": keep-alive\n\n");
            continue;
          }
          // Only the newest size matters to a client: it reads everything up to it.
          const size = Math.max(...pending.splice(0));
          await stream.writeSSE({ event: "size", data: JSON.stringify({ size }) });
        }
      } finally {
        stop();
      }
    });
  });
}
