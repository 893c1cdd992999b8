/**
 * The port the log needs from wherever it lives: the handful of operations the log, its admission
 * and the verifier use. The ledger owns this interface (kysely's `DatabaseConnection` pattern);
 * `store/sqlite` and `store/postgres` implement it, and `store/open-store.ts` picks one by URL.
 * A new backend is one file plus a run of the conformance suite (`store/test-support/conformance.ts`).
 *
 * Nothing here is trusted by the verifier: it re-derives every hash from the entries' bytes.
 */
import type { NodeId } from "./merkle.js";

export interface StoredEntry {
  readonly index: number;
  /** The DSSE envelope exactly as appended: the leaf data. */
  readonly envelope: Uint8Array;
  /** RFC 6962 leaf hash of `envelope`, kept so proofs need no rehashing. */
  readonly leafHash: Uint8Array;
}

export interface StoredNode extends NodeId {
  readonly hash: Uint8Array;
}

export interface StoredCheckpoint {
  readonly id: number;
  readonly size: number;
  /** The signed note as the log signed it (no cosignatures). */
  readonly text: string;
  /** tlog-cosignature lines added by witnesses, each ending in a newline. */
  readonly cosignatures: readonly { readonly witness: string; readonly line: string }[];
}

export interface LedgerMeta {
  /** The checkpoint origin line. */
  readonly origin: string;
  /** The log's verifier key (C2SP `name+id+base64`). */
  readonly logKey: string;
}

/** Content-addressed data kept beside the log (a spec too large to sit in its entry). */
export interface StoredBlob {
  /** Hex SHA-256 of `data`. */
  readonly digest: string;
  readonly data: Uint8Array;
}

export interface AppendBatch {
  /** The index of the first entry; the store refuses the batch if its size is not this. */
  readonly start: number;
  readonly entries: readonly StoredEntry[];
  /** Perfect subtrees (level >= 1) completed by these entries. */
  readonly nodes: readonly StoredNode[];
  /** Blobs the entries refer to; one already stored under the same digest is kept as it is. */
  readonly blobs: readonly StoredBlob[];
}

/** How `entries()` cuts a range into chunks: at `rows` entries or `bytes` of envelopes, whichever comes first. */
export interface ChunkLimits {
  readonly rows?: number;
  readonly bytes?: number;
}

/**
 * Chunks of at most 1,024 entries or 4 MiB: a reader's memory is bounded by bytes, not by entry
 * count. Two chunks are in flight while a reader walks a third (the workers' parsed views of them
 * included); measured on a 100,000-entry verify: peak RSS 302 MB with 4,096-row chunks, 234 MB
 * with 1,024, 195 MB with 512, for a few per cent more message passing.
 */
export const DEFAULT_CHUNK: Required<ChunkLimits> = { rows: 1024, bytes: 4 * 1024 * 1024 };

/**
 * The chunks of a read that carries whole statements (audit, export, `log show`): a step batch's
 * parsed steps take several times its envelope's bytes, twice over while a chunk crosses from a
 * worker, so these chunks are a quarter of the default.
 */
export const FULL_CHUNK: Required<ChunkLimits> = { rows: 256, bytes: 1024 * 1024 };

export interface LedgerStore {
  readonly kind: string;
  /** Where the store lives, for messages (a file path or a redacted URL). */
  readonly location: string;
  meta(): Promise<LedgerMeta | undefined>;
  /** Record the log's identity once; a second call with a different identity fails. */
  initMeta(meta: LedgerMeta): Promise<void>;
  /** One past the highest entry index. */
  size(): Promise<number>;
  /**
   * Atomically and durably add entries, nodes and blobs; resolves once on stable storage. Fails with
   * `STORE_CONFLICT` when the log is not at `batch.start` (another writer appended first).
   */
  append(batch: AppendBatch): Promise<void>;
  /** Entries with start <= index < end in index order, in chunks (gaps are skipped, not filled). */
  entries(start: number, end: number, limits?: ChunkLimits): AsyncIterable<readonly StoredEntry[]>;
  entry(index: number): Promise<StoredEntry | undefined>;
  /** Perfect subtree hashes; level 0 answers from the entries' leaf hashes. Missing ones are undefined. */
  nodes(ids: readonly NodeId[]): Promise<(Uint8Array | undefined)[]>;
  /** Number of stored nodes at level >= 1. */
  nodeCount(): Promise<number>;
  /** The blob stored under `digest`, if any. */
  blob(digest: string): Promise<Uint8Array | undefined>;
  /** Every stored blob's digest and size, in digest order (the verifier re-hashes each). */
  blobDigests(): Promise<readonly { readonly digest: string; readonly size: number }[]>;
  addCheckpoint(size: number, text: string): Promise<StoredCheckpoint>;
  /** All checkpoints, by size then id. */
  checkpoints(): Promise<StoredCheckpoint[]>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  addCosignature(checkpointId: number, witness: string, line: string): Promise<void>;
  /**
   * Call `onChange` with the log's size soon after any writer (another process included) appends,
   * and once when watching starts; a call may repeat a size already reported. Returns the function
   * that stops watching; `close` stops every watch. Optional: a caller without it polls `size()`.
   */
  watch?(onChange: (size: number) => void, options?: WatchOptions): () => void;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** For a store that can only poll: how often it looks, in ms (the store says its default). */
  readonly intervalMs?: number;
}
