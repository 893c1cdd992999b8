/**
 * Where a log lives. The interface is the handful of operations the log and the verifier need,
 * so a new backend is one file plus a run of the conformance suite (`conformance.ts`).
 */
import type { ActorBinding } from "../ledger/admission.js";
import type { NodeId } from "../ledger/merkle.js";

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

export interface AppendBatch {
  /** The index of the first entry; the store refuses the batch if its size is not this. */
  readonly start: number;
  readonly entries: readonly StoredEntry[];
  /** Perfect subtrees (level >= 1) completed by these entries. */
  readonly nodes: readonly StoredNode[];
  readonly actors: readonly ActorBinding[];
}

export interface LedgerStore {
  readonly kind: string;
  /** Where the store lives, for messages (a file path or a redacted URL). */
  readonly location: string;
  meta(): Promise<LedgerMeta | undefined>;
  /** Record the log's identity once; a second call with a different identity fails. */
  initMeta(meta: LedgerMeta): Promise<void>;
  /** One past the highest entry index. */
  size(): Promise<number>;
  /** Atomically and durably add entries, nodes and actor bindings; resolves once on stable storage. */
  append(batch: AppendBatch): Promise<void>;
  /** Entries with start <= index < end in index order, in chunks (gaps are skipped, not filled). */
  entries(start: number, end: number, chunk?: number): AsyncIterable<readonly StoredEntry[]>;
  entry(index: number): Promise<StoredEntry | undefined>;
  /** Perfect subtree hashes; level 0 answers from the entries' leaf hashes. Missing ones are undefined. */
  nodes(ids: readonly NodeId[]): Promise<(Uint8Array | undefined)[]>;
  /** Number of stored nodes at level >= 1. */
  nodeCount(): Promise<number>;
  actor(name: string): Promise<ActorBinding | undefined>;
  actors(): Promise<ActorBinding[]>;
  addCheckpoint(size: number, text: string): Promise<StoredCheckpoint>;
  /** All checkpoints, by size then id. */
  checkpoints(): Promise<StoredCheckpoint[]>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  addCosignature(checkpointId: number, witness: string, line: string): Promise<void>;
  close(): Promise<void>;
}
