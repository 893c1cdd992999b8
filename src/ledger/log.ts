/**
 * The append-only log: admits signed entries, keeps the RFC 6962 tree's perfect subtrees in the
 * store as they complete, signs checkpoints, and serves inclusion and consistency proofs.
 */
import {
  AdmissionError,
  FormatError,
  type FormatErrorCode,
  StoreError,
  VerificationError,
} from "../errors.js";
import type { LedgerStore, StoredCheckpoint, StoredEntry, StoredNode } from "../store/store.js";
import { type ActorBinding, admit, type OpenResult } from "./admission.js";
import { openCheckpoint, signCheckpoint } from "./checkpoint.js";
import { signEntry } from "./entry.js";
import { formatVerifierKey, parseVerifierKey, type SignerKey, sameKey, type VerifierKey } from "./keys.js";
import {
  consistencyProof,
  Frontier,
  type Hash,
  inclusionProof,
  leafHash,
  type NodeReader,
  perfectCover,
  rootAt,
} from "./merkle.js";
import type { EntryKind, Predicate } from "./statement.js";
import { formatTlogProof } from "./tlog-proof.js";
import { WorkerPool } from "./worker-pool.js";

export interface AppendedEntry {
  readonly index: number;
  readonly leafHash: Hash;
}

/** Appends larger than this are split by the caller; it bounds one transaction's memory. */
export const MAX_BATCH = 100_000;

export interface OpenLogOptions {
  /** The log's signing key: needed to create the log and to sign checkpoints. */
  readonly logKey?: SignerKey;
  /** The checkpoint origin line for a new log; defaults to the log key's name. */
  readonly origin?: string;
  /** Where signatures are verified on admission; one is made (and closed with the log) if omitted. */
  readonly pool?: WorkerPool;
}

export class Log {
  readonly store: LedgerStore;
  readonly origin: string;
  readonly logVerifier: VerifierKey;
  private readonly logKey: SignerKey | undefined;
  private readonly pool: WorkerPool;
  private readonly ownsPool: boolean;
  private frontier: Frontier;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    store: LedgerStore,
    origin: string,
    verifier: VerifierKey,
    frontier: Frontier,
    options: OpenLogOptions,
  ) {
    this.store = store;
    this.origin = origin;
    this.logVerifier = verifier;
    this.logKey = options.logKey;
    this.frontier = frontier;
    this.pool = options.pool ?? new WorkerPool();
    this.ownsPool = options.pool === undefined;
  }

  /**
   * Open the log in `store`, creating it (with `logKey`) if the store is empty.
   *
   * @example const log = await Log.open(SqliteStore.open("ledger.db"), { logKey });
   */
  static async open(store: LedgerStore, options: OpenLogOptions = {}): Promise<Log> {
    let meta = await store.meta();
    if (meta === undefined) {
      if (options.logKey === undefined) {
        throw new StoreError(
          "STORE_NOT_INITIALISED",
          `ledger ${store.location} has no log yet; a log key is needed to create it`,
        );
      }
      meta = { origin: options.origin ?? options.logKey.name, logKey: formatVerifierKey(options.logKey) };
      await store.initMeta(meta);
    }
    const verifier = parseVerifierKey(meta.logKey);
    if (options.logKey !== undefined && !sameKey(verifier, options.logKey)) {
      throw new VerificationError(
        "KEY_MISMATCH",
        `the log key given is not this ledger's log key (${meta.logKey})`,
      );
    }
    return new Log(store, meta.origin, verifier, await Log.loadFrontier(store), options);
  }

  private static async loadFrontier(store: LedgerStore): Promise<Frontier> {
    const size = await store.size();
    const cover = perfectCover({ start: 0, end: size });
    const hashes = await store.nodes(cover);
    const missing = cover.findIndex((_, i) => hashes[i] === undefined);
    if (missing >= 0) {
      throw new StoreError(
        "STORE_CORRUPT",
        `ledger ${store.location}: node ${cover[missing]!.level}/${cover[missing]!.index} of the tree edge is missing; run optprov verify`,
      );
    }
    return Frontier.restore(size, hashes as Hash[]);
  }

  get size(): number {
    return this.frontier.size;
  }

  root(): Hash {
    return this.frontier.root();
  }

  /** Run `fn` after every earlier write on this log: appends and checkpoints never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Admit a batch of signed envelopes, all or nothing. Every signature is verified (on every core)
   * and every actor binding checked before anything is written; the promise resolves once the batch
   * is durable.
   */
  append(envelopes: readonly Uint8Array[]): Promise<AppendedEntry[]> {
    if (envelopes.length > MAX_BATCH) {
      return Promise.reject(
        new AdmissionError(
          "BATCH_TOO_LARGE",
          `append: expected at most ${MAX_BATCH} entries per batch, got ${envelopes.length}`,
        ),
      );
    }
    // Parsing and signature checks (the expensive part) start now, outside the serial section, so
    // the workers chew on the next batch while this thread admits and writes the previous one.
    const opened = this.pool.open(envelopes);
    opened.catch(() => undefined);
    return this.serial(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.appendOnce(envelopes, await opened);
        } catch (err) {
          // Another process appended first: reload the tree edge and decide again.
          if (!(err instanceof StoreError && err.code === "STORE_CONFLICT") || attempt >= 3) throw err;
          this.frontier = await Log.loadFrontier(this.store);
        }
      }
    });
  }

  private async appendOnce(
    envelopes: readonly Uint8Array[],
    opened: readonly OpenResult[],
  ): Promise<AppendedEntry[]> {
    const facts = opened.map((r, i) => {
      if (!r.ok) throw new FormatError(r.code as FormatErrorCode, `batch entry ${i}: ${r.message}`);
      return r.facts;
    });
    const bad = opened.findIndex((r) => r.ok && !r.signatureValid);
    if (bad >= 0)
      throw new AdmissionError(
        "ENTRY_SIGNATURE_INVALID",
        `batch entry ${bad}: the signature does not verify`,
        bad,
      );

    // Look every named actor up once; bindings made inside the batch are visible to later entries.
    const known = new Map<string, ActorBinding | undefined>();
    for (const f of facts) {
      for (const name of [f.actor, f.introduces?.name]) {
        if (name !== undefined && !known.has(name)) known.set(name, await this.store.actor(name));
      }
    }
    const start = this.frontier.size;
    const frontier = this.frontier.clone();
    const entries: StoredEntry[] = [];
    const nodes: StoredNode[] = [];
    const actors: ActorBinding[] = [];
    facts.forEach((f, i) => {
      const index = start + i;
      const decision = admit(f, index, (name) => known.get(name));
      if (!decision.ok) throw new AdmissionError(decision.code, `batch entry ${i}: ${decision.message}`, i);
      if (decision.introduces) {
        known.set(decision.introduces.name, decision.introduces);
        actors.push(decision.introduces);
      }
      const leaf = leafHash(envelopes[i]!);
      entries.push({ index, envelope: envelopes[i]!, leafHash: leaf });
      nodes.push(...frontier.push(leaf));
    });
    await this.store.append({ start, entries, nodes, actors });
    this.frontier = frontier;
    return entries.map((e) => ({ index: e.index, leafHash: e.leafHash }));
  }

  /** Build, sign and append one entry. */
  async appendEntry<K extends EntryKind>(
    kind: K,
    predicate: Predicate<K>,
    signer: SignerKey,
  ): Promise<AppendedEntry> {
    const [done] = await this.append([signEntry(kind, predicate, signer)]);
    return done!;
  }

  private reader(): NodeReader {
    return async (ids) => {
      const hashes = await this.store.nodes(ids);
      return hashes.map((h, i) => {
        if (h === undefined)
          throw new StoreError("STORE_CORRUPT", `node ${ids[i]!.level}/${ids[i]!.index} is missing`);
        return h;
      });
    };
  }

  private checkSize(size: number, what: string): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new VerificationError(
        "INDEX_OUT_OF_RANGE",
        `${what} expected 0..${this.size} (the log's size), got ${size}`,
      );
    }
  }

  async rootAt(size: number): Promise<Hash> {
    this.checkSize(size, "tree size");
    return size === this.size ? this.root() : rootAt(size, this.reader());
  }

  async inclusionProof(index: number, size: number = this.size): Promise<Hash[]> {
    this.checkSize(size, "tree size");
    return inclusionProof(index, size, this.reader());
  }

  async consistencyProof(size1: number, size2: number = this.size): Promise<Hash[]> {
    this.checkSize(size2, "new tree size");
    return consistencyProof(size1, size2, this.reader());
  }

  /**
   * Sign a checkpoint at the current size (or return the latest one if nothing was appended since).
   */
  checkpoint(): Promise<StoredCheckpoint> {
    return this.serial(async () => {
      const latest = await this.store.latestCheckpoint();
      if (latest !== undefined && latest.size === this.size) return latest;
      if (this.logKey === undefined)
        throw new VerificationError("KEY_MISMATCH", "signing a checkpoint needs the log's private key");
      const text = signCheckpoint(
        { origin: this.origin, size: this.size, root: this.root(), extensions: [] },
        this.logKey,
      );
      return this.store.addCheckpoint(this.size, text);
    });
  }

  /** A C2SP tlog-proof for entry `index` against the latest checkpoint, signing a new one if needed. */
  async tlogProof(index: number): Promise<string> {
    let cp = await this.store.latestCheckpoint();
    if (cp === undefined || cp.size <= index) cp = await this.checkpoint();
    openCheckpoint(cp.text, this.logVerifier, this.origin);
    const entry = await this.store.entry(index);
    if (entry === undefined)
      throw new VerificationError("INDEX_OUT_OF_RANGE", `entry ${index} expected < log size ${this.size}`);
    const proof = await this.inclusionProof(index, cp.size);
    return formatTlogProof({
      index,
      proof,
      checkpoint: checkpointWithCosignatures(cp),
      extra: entry.envelope,
    });
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.ownsPool) await this.pool.close();
    await this.store.close();
  }
}

export function checkpointWithCosignatures(cp: StoredCheckpoint): string {
  return cp.text + cp.cosignatures.map((c) => c.line).join("");
}
