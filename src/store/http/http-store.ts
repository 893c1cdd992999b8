/**
 * A ledger kept by an optprov server (`optprov serve`), seen through the store port, so that the
 * SDK's `Ledger`, the log, the verifier, audits and exports work on it as on a local file.
 *
 * The server is authoritative for what is in its log and trusted for nothing else:
 *  - appends go to `POST /v1/entries` as signed envelopes (`submit`); the server's log admits or
 *    refuses them by the same rules as an embedded store, and the client reads them back. The
 *    client never writes tree nodes, checkpoints or cosignatures there (REMOTE_UNSUPPORTED);
 *  - entries are read as their exact bytes (`GET /v1/entries?envelopes=base64`); their leaf
 *    hashes, every subtree above them and so every root are derived here (`derived-tree.ts`), and
 *    held to each checkpoint the server signs: another history is REMOTE_FORKED;
 *  - the log replaying these entries checks their signatures and every rule again;
 *  - `watch` follows `GET /v1/events` (Server-Sent Events), so a halt another client posts reaches
 *    a running loop as soon as it is appended.
 * Nothing is written on the client's disk.
 */
import { z } from "zod";
import { AdmissionError, RemoteError, VerificationError } from "../../errors.js";
import { decodeBase64, encodeBase64 } from "../../ledger/base64.js";
import { equalBytes } from "../../ledger/crypto.js";
import { parseVerifierKey, type VerifierKey } from "../../ledger/keys.js";
import { leafHash, type NodeId } from "../../ledger/merkle.js";
import {
  type ChunkLimits,
  DEFAULT_CHUNK,
  type LedgerMeta,
  type LedgerStore,
  type StoredCheckpoint,
  type StoredEntry,
  type SubmitBatch,
  type Submitted,
  type WatchOptions,
} from "../../ledger/store.js";
import { DerivedTree } from "./derived-tree.js";
import { watchSizes } from "./event-stream.js";
import { HttpClient, type HttpClientOptions } from "./http-client.js";

export type HttpStoreOptions = HttpClientOptions;

/** The largest blob the log takes (MAX_BLOB_BYTES), and a little room. */
const MAX_BLOB_ANSWER = 64 * 1024 * 1024 + 1024;
/** The server pages entries by at most this many. */
const PAGE_ROWS = 1000;
/** How often a server without an event stream is asked for its size, by default. */
const POLL_MS = 1000;

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const CHECKPOINT = z.object({
  id: count,
  size: count,
  text: z.string().max(64 * 1024),
  cosignatures: z.array(z.object({ witness: z.string().max(4096), line: z.string().max(4096) })).max(1000),
});
const LOG = z.object({
  origin: z.string().min(1).max(1024),
  logKey: z.string().min(1).max(4096),
  size: count,
  checkpoint: CHECKPOINT.nullable(),
});
const PAGE = z.object({
  size: count,
  entries: z
    .array(
      z.object({ index: count, leafHash: z.string().max(64), envelope: z.string().max(8 * 1024 * 1024) }),
    )
    .max(PAGE_ROWS),
  next: count.nullable(),
});
const CHECKPOINTS = z.object({ checkpoints: z.array(CHECKPOINT).max(PAGE_ROWS), next: count.nullable() });
const DIGEST = /^[0-9a-f]{64}$/;
const BLOBS = z.object({
  blobs: z.array(z.object({ digest: z.string().regex(DIGEST), size: count })).max(PAGE_ROWS),
  next: z.string().regex(DIGEST).nullable(),
});
const SUBMITTED = z.object({
  first: count,
  size: count,
  leafHashes: z.array(z.string().max(64)),
  marks: z
    .array(z.object({ index: count, code: z.string().max(64), message: z.string().max(4096) }))
    .optional(),
});

export class HttpStore implements LedgerStore {
  readonly kind = "http";
  readonly location: string;
  private readonly client: HttpClient;
  private readonly identity: LedgerMeta;
  private readonly tree: DerivedTree;
  private readonly stops = new Set<() => void>();
  private largestSize: number;

  private constructor(client: HttpClient, identity: LedgerMeta, logKey: VerifierKey, size: number) {
    this.client = client;
    this.location = client.shown;
    this.identity = identity;
    this.tree = new DerivedTree(client.shown, logKey, identity.origin);
    this.largestSize = size;
  }

  /**
   * Connect to the server at `url` and learn which log it keeps (`GET /v1/log`).
   *
   * @example const store = await HttpStore.open("http://127.0.0.1:4850", { token: process.env.OPTPROV_TOKEN });
   */
  static async open(url: string, options: HttpStoreOptions = {}): Promise<HttpStore> {
    const client = new HttpClient(url, options);
    const log = await client.json(LOG, "v1/log");
    let logKey: VerifierKey;
    try {
      logKey = parseVerifierKey(log.logKey);
    } catch (cause) {
      throw new RemoteError(
        "REMOTE_RESPONSE_INVALID",
        `${client.shown}: /v1/log names a log key that does not parse`,
        {
          cause,
        },
      );
    }
    const store = new HttpStore(client, { origin: log.origin, logKey: log.logKey }, logKey, log.size);
    if (log.checkpoint !== null) await store.tree.see(log.checkpoint.text);
    return store;
  }

  private forked(message: string): VerificationError {
    return new VerificationError(
      "REMOTE_FORKED",
      `${this.location}: the server's history forked: ${message}`,
    );
  }

  private unsupported(what: string): RemoteError {
    return new RemoteError(
      "REMOTE_UNSUPPORTED",
      `${this.location}: ${what} is the server's to do; a client only submits signed entries`,
    );
  }

  /** `GET /v1/log`: the size and latest checkpoint, held to what was seen before. */
  private async log(): Promise<z.infer<typeof LOG>> {
    const log = await this.client.json(LOG, "v1/log");
    if (log.origin !== this.identity.origin || log.logKey !== this.identity.logKey)
      throw this.forked(`it now serves log ${log.origin} (${log.logKey}), not ${this.identity.origin}`);
    if (log.size < this.largestSize || log.size < this.tree.size)
      throw this.forked(
        `its log shrank from ${Math.max(this.largestSize, this.tree.size)} entries to ${log.size}`,
      );
    this.largestSize = log.size;
    if (log.checkpoint !== null) await this.tree.see(log.checkpoint.text);
    return log;
  }

  async meta(): Promise<LedgerMeta> {
    return this.identity;
  }

  initMeta(): Promise<void> {
    return Promise.reject(this.unsupported("creating the log"));
  }

  async size(): Promise<number> {
    return (await this.log()).size;
  }

  append(): Promise<void> {
    return Promise.reject(this.unsupported("writing entries and tree nodes directly"));
  }

  /** Take in a page: leaf hashes derived from the bytes, entries already seen compared. */
  private learn(rows: readonly StoredEntry[]): void {
    for (const r of rows) {
      const leaf = leafHash(r.envelope);
      if (r.index < this.tree.size) {
        if (!equalBytes(this.tree.leaf(r.index)!, leaf))
          throw this.forked(`entry ${r.index} came back with other bytes than when it was first read`);
      } else if (r.index === this.tree.size) this.tree.push(leaf);
    }
  }

  async *entries(
    start: number,
    end: number,
    limits: ChunkLimits = {},
  ): AsyncIterable<readonly StoredEntry[]> {
    const rows = Math.max(1, Math.min(limits.rows ?? DEFAULT_CHUNK.rows, PAGE_ROWS));
    let at = start;
    while (at < end) {
      const want = Math.min(end, at + rows);
      const page = await this.client.json(PAGE, "v1/entries", {
        query: { start: at, end: want, envelopes: "base64" },
      });
      const out: StoredEntry[] = [];
      let last = at - 1;
      for (const e of page.entries) {
        // Each page in order, within what was asked: a server that repeats or reorders is refused.
        if (e.index <= last || e.index >= want)
          throw new RemoteError(
            "REMOTE_RESPONSE_INVALID",
            `${this.location}: asked for entries ${at}..${want - 1}, got entry ${e.index} after ${last}`,
          );
        last = e.index;
        out.push({
          index: e.index,
          envelope: this.bytes(e.envelope, `entry ${e.index}'s envelope`),
          // The server's claim, as a local store's column would be: the verifier compares it with the bytes.
          leafHash: this.bytes(e.leafHash, `entry ${e.index}'s leaf hash`),
        });
      }
      if (out.length === 0) {
        if (page.next === null || page.next <= at) return;
        at = page.next;
        continue;
      }
      this.learn(out);
      yield out;
      at = last + 1;
    }
  }

  private bytes(text: string, what: string): Uint8Array {
    try {
      return decodeBase64(text, what);
    } catch (cause) {
      throw new RemoteError("REMOTE_RESPONSE_INVALID", `${this.location}: ${what} is not base64`, { cause });
    }
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    for await (const rows of this.entries(index, index + 1)) return rows.find((r) => r.index === index);
    return undefined;
  }

  /** Read (and derive) entries up to `size`, for nodes not derived yet. */
  private async fill(size: number): Promise<void> {
    while (this.tree.size < size) {
      const before = this.tree.size;
      for await (const _ of this.entries(this.tree.size, size)) {
        // learned as read
      }
      if (this.tree.size === before) return;
    }
  }

  async nodes(ids: readonly NodeId[]): Promise<(Uint8Array | undefined)[]> {
    let needed = 0;
    for (const id of ids) needed = Math.max(needed, (id.index + 1) * 2 ** id.level);
    if (needed > this.tree.size) await this.fill(Math.min(needed, await this.size()));
    return ids.map((id) => this.tree.node(id));
  }

  async nodeCount(): Promise<number> {
    await this.fill(await this.size());
    return this.tree.nodeCount;
  }

  async blob(digest: string): Promise<Uint8Array | undefined> {
    if (!DIGEST.test(digest)) return undefined;
    const answer = await this.client.request("GET", `v1/blobs/${digest}`, {
      maxBytes: MAX_BLOB_ANSWER,
      accept: [404],
    });
    // The bytes as the server holds them: whoever reads them (the log's rules, the verifier) hashes them.
    return answer.status === 404 ? undefined : answer.bytes;
  }

  async blobDigests(): Promise<readonly { readonly digest: string; readonly size: number }[]> {
    const out: { digest: string; size: number }[] = [];
    let after: string | null = null;
    do {
      const page: z.infer<typeof BLOBS> = await this.client.json(BLOBS, "v1/blobs", {
        query: after === null ? {} : { after },
      });
      if (page.next !== null && after !== null && page.next <= after)
        throw new RemoteError("REMOTE_RESPONSE_INVALID", `${this.location}: /v1/blobs does not advance`);
      out.push(...page.blobs);
      after = page.next;
    } while (after !== null);
    return out;
  }

  addCheckpoint(): Promise<StoredCheckpoint> {
    return Promise.reject(this.unsupported("signing checkpoints"));
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const out: StoredCheckpoint[] = [];
    let start: number | null = 0;
    while (start !== null) {
      const page: z.infer<typeof CHECKPOINTS> = await this.client.json(CHECKPOINTS, "v1/checkpoints", {
        query: { start },
      });
      for (const c of page.checkpoints) await this.tree.see(c.text);
      out.push(...page.checkpoints);
      if (page.next !== null && page.next <= start)
        throw new RemoteError(
          "REMOTE_RESPONSE_INVALID",
          `${this.location}: /v1/checkpoints does not advance`,
        );
      start = page.next;
    }
    return out;
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return (await this.log()).checkpoint ?? undefined;
  }

  addCosignature(): Promise<void> {
    return Promise.reject(this.unsupported("storing cosignatures (the server asks its witnesses)"));
  }

  /**
   * Hand a batch to the server's log. A lost answer is retried; if the retry is refused as a
   * duplicate of the batch's first envelope, the batch counts as placed only when the server holds
   * every envelope, byte for byte, in order, after what this client had read.
   */
  async submit(batch: SubmitBatch): Promise<Submitted> {
    const decoder = new TextDecoder();
    const json = JSON.stringify({
      envelopes: batch.envelopes.map((e) => JSON.parse(decoder.decode(e)) as unknown),
      ...(batch.blobs.length > 0 ? { blobs: batch.blobs.map((b) => encodeBase64(b.data)) } : {}),
    });
    let retried = false;
    try {
      const answer = await this.client.request("POST", "v1/entries", {
        json,
        onRetry: () => {
          retried = true;
        },
      });
      const placed = this.client.parse(SUBMITTED, answer, "v1/entries");
      const n = batch.envelopes.length;
      if (placed.size !== placed.first + n || placed.leafHashes.length !== n)
        throw new RemoteError(
          "REMOTE_RESPONSE_INVALID",
          `${this.location}: sent ${n} entries, the answer places ${placed.leafHashes.length} at ${placed.first}..${placed.size - 1}`,
        );
      placed.leafHashes.forEach((h, i) => {
        if (!equalBytes(this.bytes(h, "leaf hash"), leafHash(batch.envelopes[i]!)))
          throw new RemoteError(
            "REMOTE_RESPONSE_INVALID",
            `${this.location}: the answer's leaf hash for batch entry ${i} is not the hash of the envelope sent`,
          );
      });
      return { first: placed.first, marks: placed.marks ?? [] };
    } catch (err) {
      if (
        retried &&
        err instanceof AdmissionError &&
        err.code === "ENTRY_DUPLICATE" &&
        err.batchIndex === 0
      ) {
        const first = await this.placedAt(batch);
        if (first !== undefined) return { first };
      }
      throw err;
    }
  }

  /** Where the server holds the whole batch, in order, at or after `knownSize`; undefined if it does not. */
  private async placedAt(batch: SubmitBatch): Promise<number | undefined> {
    const size = await this.size();
    const [head, ...rest] = batch.envelopes;
    let first: number | undefined;
    let matched = 0;
    for await (const rows of this.entries(batch.knownSize, size)) {
      for (const r of rows) {
        if (first === undefined) {
          if (equalBytes(r.envelope, head!)) {
            first = r.index;
            matched = 0;
          }
        } else if (matched < rest.length) {
          if (r.index !== first + 1 + matched || !equalBytes(r.envelope, rest[matched]!)) return undefined;
          matched++;
        }
        if (first !== undefined && matched === rest.length) return first;
      }
    }
    return undefined;
  }

  watch(onChange: (size: number) => void, options: WatchOptions = {}): () => void {
    const stop = watchSizes(this.client, {
      onSize: onChange,
      poll: () => this.size(),
      intervalMs: options.intervalMs ?? POLL_MS,
    });
    const remove = () => {
      stop();
      this.stops.delete(remove);
    };
    this.stops.add(remove);
    return remove;
  }

  async close(): Promise<void> {
    for (const stop of [...this.stops]) stop();
  }
}
