/**
 * The append-only log: admits signed entries under its own rules and the rule set plugged into it,
 * keeps the RFC 6962 tree's perfect subtrees in the store as they complete, signs checkpoints, and
 * serves inclusion and consistency proofs.
 *
 * The log keeps the state its rules derive from every entry (who holds which key, which envelopes it
 * holds, and whatever the plugged-in rules track), replayed from the store when it opens and brought
 * up to date when another writer appended first. Admission decides from that state alone, never from
 * what a writer claims.
 */
import {
  AdmissionError,
  type AdmissionErrorCode,
  FormatError,
  type FormatErrorCode,
  StoreError,
  VerificationError,
} from "../errors.js";
import { type AdmissionEntry, admitCore, CoreState, type OpenResult } from "./admission.js";
import { toHex } from "./base64.js";
import { openCheckpoint, signCheckpoint } from "./checkpoint.js";
import { equalBytes, sha256 } from "./crypto.js";
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
import { readEntries } from "./read-entries.js";
import { Journal, type LedgerRules, NO_RULES, type RuleContext } from "./rules.js";
import {
  checkPredicate,
  type EntryKind,
  type EntryView,
  type PredicateInput,
  type Statement,
  viewOf,
} from "./statement.js";
import type { LedgerStore, StoredBlob, StoredCheckpoint, StoredEntry, StoredNode } from "./store.js";
import { formatTlogProof } from "./tlog-proof.js";
import { WorkerPool } from "./worker-pool.js";

/** Lost races with other writers before `append` gives up with `STORE_CONFLICT`. */
const MAX_APPEND_ATTEMPTS = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface AppendedEntry {
  readonly index: number;
  readonly leafHash: Hash;
  /** What the rules marked about this entry (an audit-mode policy letting a creation through). */
  readonly marks: readonly { readonly code: string; readonly message: string }[];
}

/** Appends larger than this are split by the caller; it bounds one transaction's memory. */
export const MAX_BATCH = 100_000;
/**
 * A group commit takes batches queued behind the first until they hold this many entries (the first
 * goes in whatever its size): enough for every request of a busy server's queue, small enough that
 * one transaction stays short.
 */
const GROUP_ENTRIES = 10_000;

/** A batch handed to `append`, waiting for its signature checks and its turn in a group commit. */
interface PendingAppend {
  readonly envelopes: readonly Uint8Array[];
  readonly blobs: readonly StoredBlob[];
  readonly opened: Promise<readonly OpenResult[]>;
  /** Whether `opened` has settled. */
  done: boolean;
  readonly resolve: (appended: AppendedEntry[]) => void;
  readonly reject: (err: unknown) => void;
}

/** The batch's entries, or the format or signature error of its first entry that is neither. */
function checkOpened(opened: readonly OpenResult[]): AdmissionEntry[] {
  return opened.map((r, i) => {
    if (!r.ok) throw new FormatError(r.code as FormatErrorCode, `batch entry ${i}: ${r.message}`);
    if (r.entry.signatureValid !== true)
      throw new AdmissionError(
        "ENTRY_SIGNATURE_INVALID",
        `batch entry ${i}: the signature does not verify`,
        i,
      );
    return r.entry;
  });
}
/** The largest blob (a spec too large for its entry: a learned world model, say). */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024;

export interface OpenLogOptions<S> {
  /** The log's signing key: needed to create the log and to sign checkpoints. */
  readonly logKey?: SignerKey;
  /** The checkpoint origin line for a new log; defaults to the log key's name. */
  readonly origin?: string;
  /** Where signatures are verified on admission (the process's shared pool by default). */
  readonly pool?: WorkerPool;
  /** The rules beyond the log's own (mesa-optimizer control supplies them). */
  readonly rules?: LedgerRules<S>;
  /** The log's clock (for tests of the time rules). */
  readonly clock?: () => number;
  /**
   * For readers of a ledger that may have been tampered with: an entry in the store that does not
   * parse or breaks a rule is reported here and skipped, instead of stopping the replay.
   */
  readonly onRefused?: (index: number, code: string, message: string) => void;
  /**
   * Told of every entry the replay applies, after the rules applied it (audits and exports read the
   * ledger this way: one pass, the rules' state current at each entry). With `full`, entries carry
   * their whole statement (step batches included), not only their view.
   */
  readonly observer?: LogObserver<S>;
}

export interface LogObserver<S> {
  readonly full?: boolean;
  entry(
    index: number,
    entry: AdmissionEntry,
    blob: (digest: string) => Uint8Array | undefined,
    state: S,
  ): void;
}

export interface AppendOptions {
  /** Blobs the batch's entries refer to by digest (specs too large to sit in their entries). */
  readonly blobs?: readonly Uint8Array[];
}

export class Log<S = undefined> {
  readonly store: LedgerStore;
  readonly origin: string;
  readonly logVerifier: VerifierKey;
  readonly rules: LedgerRules<S>;
  /** The state the plugged-in rules derive from every entry so far. */
  readonly state: S;
  readonly core = new CoreState();
  private readonly logKey: SignerKey | undefined;
  private readonly pool: WorkerPool;
  private readonly clock: () => number;
  private readonly onRefused: OpenLogOptions<S>["onRefused"];
  private readonly observer: LogObserver<S> | undefined;
  /** Envelopes this log signed itself, with what opening them would give (see `sign`). */
  private readonly signedHere = new WeakMap<Uint8Array, AdmissionEntry>();
  private frontier: Frontier;
  private queue: Promise<unknown> = Promise.resolve();
  /** Batches waiting for the serial section, oldest first (see `flush`). */
  private pending: PendingAppend[] = [];
  /** Whether a `flush` is queued that will still look at `pending`. */
  private flushQueued = false;

  private constructor(
    store: LedgerStore,
    origin: string,
    verifier: VerifierKey,
    frontier: Frontier,
    options: OpenLogOptions<S>,
  ) {
    this.store = store;
    this.origin = origin;
    this.logVerifier = verifier;
    this.logKey = options.logKey;
    this.frontier = frontier;
    this.pool = options.pool ?? WorkerPool.shared();
    this.rules = options.rules ?? (NO_RULES as unknown as LedgerRules<S>);
    this.state = this.rules.create();
    this.clock = options.clock ?? Date.now;
    this.onRefused = options.onRefused;
    this.observer = options.observer;
  }

  /**
   * Open the log in `store`, creating it (with `logKey`) if the store is empty, and replay its
   * entries into the rules' state.
   *
   * @example const log = await Log.open(SqliteStore.open("ledger.db"), { logKey, rules: controlRules() });
   */
  static async open<S = undefined>(store: LedgerStore, options: OpenLogOptions<S> = {}): Promise<Log<S>> {
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
    const log = new Log(store, meta.origin, verifier, new Frontier(), options);
    try {
      await log.catchUp();
    } catch (err) {
      await log.settle();
      throw err;
    }
    return log;
  }

  private static async loadFrontier(store: LedgerStore, size: number): Promise<Frontier> {
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
   * Apply entries other writers appended since this log last looked; returns how many. The store
   * holds only what some log admitted, so they are replayed without checking signatures again; an
   * entry that breaks the rules (a store edited behind the log's back) stops the replay.
   */
  catchUp(): Promise<number> {
    return this.serial(() => this.catchUpNow());
  }

  private async catchUpNow(
    seen?: Map<number, { readonly envelope: Uint8Array; readonly marks: AppendedEntry["marks"] }>,
  ): Promise<number> {
    const from = this.frontier.size;
    // Entries from a log kept elsewhere (a server) were admitted by someone else: check their
    // signatures too. A local store holds only what a log over it admitted.
    const remote = this.store.submit !== undefined;
    const size = await this.store.size();
    if (size <= from) return 0;
    for await (const chunk of readEntries(this.store, {
      from,
      to: size,
      pool: this.pool,
      open: { verify: remote, full: this.observer?.full === true },
    })) {
      const blobs = await this.fetchBlobs(
        chunk.flatMap((r) => (r.opened.ok ? [r.opened.entry] : [])),
        new Map(),
      );
      for (const { stored, opened } of chunk) {
        const bad = (code: string, message: string): void => {
          if (this.onRefused !== undefined) {
            this.onRefused(stored.index, code, message);
            return;
          }
          throw new StoreError(
            "STORE_CORRUPT",
            `ledger ${this.store.location}: entry ${stored.index} (${code}) ${message}; run optprov verify`,
          );
        };
        if (!opened.ok) {
          bad(opened.code, opened.message);
          continue;
        }
        if (remote && opened.entry.signatureValid !== true) {
          bad("ENTRY_SIGNATURE_INVALID", "the signature does not verify");
          continue;
        }
        const verdict = this.admitOne(
          opened.entry,
          stored.leafHash,
          stored.index,
          blobs,
          undefined,
          undefined,
        );
        if (!verdict.ok) bad(verdict.code, verdict.message);
        else {
          seen?.set(stored.index, { envelope: stored.envelope, marks: verdict.marks });
          this.observer?.entry(stored.index, opened.entry, (d) => blobs.get(d), this.state);
        }
      }
    }
    try {
      this.frontier = await Log.loadFrontier(this.store, size);
    } catch (err) {
      if (this.onRefused === undefined || !(err instanceof StoreError)) throw err;
      // A reader of a damaged ledger still gets a tree over the leaves that are there.
      this.onRefused(size, err.code, err.message);
      const frontier = new Frontier();
      for await (const rows of this.store.entries(0, size)) for (const r of rows) frontier.push(r.leafHash);
      this.frontier = frontier;
    }
    return size - from;
  }

  /** The log's own rules, then the plugged-in ones; a refusal by either leaves no trace in the journal. */
  private admitOne(
    entry: AdmissionEntry,
    leaf: Hash,
    index: number,
    blobs: ReadonlyMap<string, Uint8Array>,
    now: number | undefined,
    journal: Journal | undefined,
  ): { ok: true; marks: AppendedEntry["marks"] } | { ok: false; code: string; message: string } {
    const core = admitCore(
      this.core,
      entry,
      leaf,
      { index, origin: this.origin, now, admission: now !== undefined },
      journal,
    );
    if (!core.ok) return core;
    const ctx: RuleContext = {
      index,
      origin: this.origin,
      signer: entry.signer,
      actor: (name) => this.core.actors.get(name),
      blob: (digest) => blobs.get(digest),
    };
    const verdict = this.rules.admit(this.state, entry.view, ctx, journal);
    if (!verdict.ok) return verdict;
    return { ok: true, marks: verdict.marks ?? [] };
  }

  /** Fetch every blob the rules will ask about, from the batch's own blobs or the store. */
  private async fetchBlobs(
    entries: readonly AdmissionEntry[],
    batch: ReadonlyMap<string, Uint8Array>,
  ): Promise<Map<string, Uint8Array>> {
    const out = new Map(batch);
    if (this.rules.blobsOf === undefined) return out;
    for (const e of entries) {
      for (const d of this.rules.blobsOf(e.view)) {
        if (out.has(d)) continue;
        const data = await this.store.blob(d);
        if (data !== undefined) out.set(d, data);
      }
    }
    return out;
  }

  /**
   * Admit a batch of signed envelopes, all or nothing. Every signature is verified (on every core)
   * and every rule checked before anything is written; the promise resolves once the batch is
   * durable.
   */
  append(envelopes: readonly Uint8Array[], options: AppendOptions = {}): Promise<AppendedEntry[]> {
    if (envelopes.length > MAX_BATCH) {
      return Promise.reject(
        new AdmissionError(
          "BATCH_TOO_LARGE",
          `append: expected at most ${MAX_BATCH} entries per batch, got ${envelopes.length}`,
        ),
      );
    }
    const blobs: StoredBlob[] = [];
    for (const [i, data] of (options.blobs ?? []).entries()) {
      if (data.length > MAX_BLOB_BYTES)
        return Promise.reject(
          new AdmissionError(
            "BLOB_TOO_LARGE",
            `append: blob ${i} expected at most ${MAX_BLOB_BYTES} bytes, got ${data.length}`,
          ),
        );
      blobs.push({ digest: toHex(sha256(data)), data });
    }
    if (this.store.submit !== undefined) return this.serial(() => this.submitNow(envelopes, blobs));
    // Parsing and signature checks (the expensive part) start now, outside the serial section, so
    // the workers chew on the next batches while this thread admits and writes the previous ones.
    const opened = this.open(envelopes);
    return new Promise<AppendedEntry[]>((resolve, reject) => {
      const waiting: PendingAppend = { envelopes, blobs, opened, done: false, resolve, reject };
      opened.then(
        () => {
          waiting.done = true;
        },
        () => {
          waiting.done = true;
        },
      );
      this.pending.push(waiting);
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.serial(() => this.flush());
      }
    });
  }

  /**
   * Group commit: write the oldest waiting batch together with every batch queued behind it whose
   * checks are done (in arrival order, up to {@link GROUP_ENTRIES} entries), in one store append,
   * so concurrent requests share one transaction and one flush to disk instead of queueing for one
   * each (on PostgreSQL three round trips and a WAL flush; on SQLite an fsync). Each batch is still
   * admitted all or nothing under its own journal: one that breaks a rule is refused alone, leaving
   * no trace in the state or the store, and the batches after it are decided as if it had never come.
   */
  private async flush(): Promise<void> {
    await this.pending[0]!.opened.catch(() => undefined);
    // Only a prefix: a batch never overtakes an earlier one (a caller may append an actor and, without
    // waiting, an entry signed by it).
    let take = 0;
    let count = 0;
    for (const p of this.pending) {
      if (!p.done || (take > 0 && count + p.envelopes.length > GROUP_ENTRIES)) break;
      take++;
      count += p.envelopes.length;
    }
    const group = this.pending.splice(0, take);
    if (this.pending.length > 0) void this.serial(() => this.flush());
    else this.flushQueued = false;
    const live: { readonly waiting: PendingAppend; readonly entries: readonly AdmissionEntry[] }[] = [];
    for (const waiting of group) {
      try {
        live.push({ waiting, entries: checkOpened(await waiting.opened) });
      } catch (err) {
        waiting.reject(err);
      }
    }
    for (let attempt = 0; live.length > 0; attempt++) {
      try {
        await this.writeGroup(live);
        return;
      } catch (err) {
        // Another process appended first: replay what it wrote and decide again. Writers that
        // keep colliding back off for a random, growing pause (capped at about 50 ms), so that
        // under contention one of them gets through instead of all retrying in step.
        if (!(err instanceof StoreError && err.code === "STORE_CONFLICT") || attempt >= MAX_APPEND_ATTEMPTS) {
          for (const { waiting } of live) waiting.reject(err);
          return;
        }
        if (attempt >= 2) await sleep(Math.random() * Math.min(50, 2 ** attempt));
        try {
          await this.catchUpNow();
        } catch (caughtUp) {
          for (const { waiting } of live) waiting.reject(caughtUp);
          return;
        }
      }
    }
  }

  /**
   * Decide every batch of the group from the log's state, then write the admitted ones in one store
   * append at the log's size, settling each batch's promise once that is durable. No size is read
   * first: the store refuses an append not at its size (`STORE_CONFLICT`, another writer was first),
   * and `flush` then catches up and decides the whole group again. So a refusal is only reported
   * once the state it was decided on is known to be current: the group's write went through at that
   * size, or (when nothing was admitted) the store's size says so.
   */
  private async writeGroup(
    live: readonly { readonly waiting: PendingAppend; readonly entries: readonly AdmissionEntry[] }[],
  ): Promise<void> {
    const start = this.frontier.size;
    const frontier = this.frontier.clone();
    const now = this.clock();
    const stored: StoredEntry[] = [];
    const nodes: StoredNode[] = [];
    const blobs = new Map<string, StoredBlob>();
    const admitted: { readonly waiting: PendingAppend; readonly appended: AppendedEntry[] }[] = [];
    const refused: { readonly waiting: PendingAppend; readonly error: AdmissionError }[] = [];
    // Rolled back last to first: each journal undoes its batch over the state the earlier ones left.
    const journals: Journal[] = [];
    const rollback = () => {
      for (let i = journals.length - 1; i >= 0; i--) journals[i]!.rollback();
    };
    try {
      for (const { waiting, entries } of live) {
        // A batch may use a blob an earlier admitted batch of the group brings, as it could once
        // that one was stored; not one a refused batch brought.
        const own = new Map([...blobs].map(([d, b]) => [d, b.data]));
        for (const b of waiting.blobs) own.set(b.digest, b.data);
        const known = await this.fetchBlobs(entries, own);
        const journal = new Journal();
        journals.push(journal);
        const base = start + stored.length;
        const mine: StoredEntry[] = [];
        const appended: AppendedEntry[] = [];
        let refusal: AdmissionError | undefined;
        for (const [i, entry] of entries.entries()) {
          const index = base + i;
          const leaf = leafHash(waiting.envelopes[i]!);
          const verdict = this.admitOne(entry, leaf, index, known, now, journal);
          if (!verdict.ok) {
            refusal = new AdmissionError(
              verdict.code as AdmissionErrorCode,
              `batch entry ${i}: ${verdict.message}`,
              i,
            );
            break;
          }
          mine.push({ index, envelope: waiting.envelopes[i]!, leafHash: leaf });
          appended.push({ index, leafHash: leaf, marks: verdict.marks });
        }
        if (refusal !== undefined) {
          journals.pop()!.rollback();
          refused.push({ waiting, error: refusal });
          continue;
        }
        for (const e of mine) nodes.push(...frontier.push(e.leafHash));
        stored.push(...mine);
        for (const b of waiting.blobs) blobs.set(b.digest, b);
        admitted.push({ waiting, appended });
      }
      if (admitted.length > 0)
        await this.store.append({ start, entries: stored, nodes, blobs: [...blobs.values()] });
      else if ((await this.store.size()) !== start)
        throw new StoreError("STORE_CONFLICT", `append expected the log at size ${start}, found it grown`);
    } catch (err) {
      rollback();
      throw err;
    }
    for (const journal of journals) journal.commit();
    this.frontier = frontier;
    for (const { waiting, appended } of admitted) waiting.resolve(appended);
    for (const { waiting, error } of refused) waiting.reject(error);
  }

  /**
   * A store whose log is kept elsewhere (a server) decides and places the batch there; this log
   * then reads it back with every other writer's entries, under the same rules, and checks that
   * what was placed is byte for byte what was sent.
   */
  private async submitNow(
    envelopes: readonly Uint8Array[],
    blobs: readonly StoredBlob[],
  ): Promise<AppendedEntry[]> {
    const submitted = await this.store.submit!({ envelopes, blobs, knownSize: this.frontier.size });
    const seen = new Map<number, { envelope: Uint8Array; marks: AppendedEntry["marks"] }>();
    await this.catchUpNow(seen);
    return envelopes.map((envelope, i) => {
      const index = submitted.first + i;
      const back = seen.get(index);
      if (back === undefined || !equalBytes(back.envelope, envelope))
        throw new StoreError(
          "STORE_CORRUPT",
          `ledger ${this.store.location}: the log answered that batch entry ${i} is entry ${index}, but ${back === undefined ? "reading it back found no such entry" : "that entry holds other bytes"}`,
        );
      const marks =
        submitted.marks?.filter((m) => m.index === index).map(({ code, message }) => ({ code, message })) ??
        back.marks;
      return { index, leafHash: leafHash(envelope), marks };
    });
  }

  /** Build, sign and append one entry; `log` is filled in with this log's origin. */
  async appendEntry<K extends EntryKind>(
    kind: K,
    predicate: PredicateInput<K>,
    signer: SignerKey,
    options: AppendOptions = {},
  ): Promise<AppendedEntry> {
    const [done] = await this.append([this.sign(kind, predicate, signer)], options);
    return done!;
  }

  /**
   * Sign an entry for this log (its `log` field set to this log's origin) without appending it.
   * The predicate is validated here, as parsing would validate it, so a bad one fails at once.
   *
   * The log remembers what it signed itself: appending those bytes later skips parsing them back and
   * checking a signature it just made (both by construction right), which is most of what a step
   * batch costs beyond its signature and its commit (measured in bench:sdk). Every rule still runs.
   */
  sign<K extends EntryKind>(kind: K, predicate: PredicateInput<K>, signer: SignerKey): Uint8Array {
    const full = checkPredicate(kind, { ...predicate, log: this.origin });
    const envelope = signEntry(kind, full, signer);
    this.signedHere.set(envelope, {
      view: viewOf({ kind, subject: [], predicate: full } as Statement),
      signer: formatVerifierKey(signer),
      signerName: signer.name,
      signatureValid: true,
    });
    return envelope;
  }

  /** Open every envelope: those this log signed from memory, the rest on the worker pool. */
  private open(envelopes: readonly Uint8Array[]): Promise<OpenResult[]> {
    const known = envelopes.map((e) => this.signedHere.get(e));
    if (known.every((k) => k !== undefined))
      return Promise.resolve(known.map((entry) => ({ ok: true, entry })));
    const unknown = envelopes.filter((_, i) => known[i] === undefined);
    return this.pool.open(unknown).then((opened) => {
      let j = 0;
      return known.map((k) => (k !== undefined ? { ok: true, entry: k } : opened[j++]!));
    });
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
      await this.catchUpNow();
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

  /** Wait for every write queued on this log to finish, leaving the store open (for readers that borrowed it). */
  async settle(): Promise<void> {
    // A flush queues the next one while it runs: wait until the queue stops growing.
    let queue: Promise<unknown>;
    do {
      queue = this.queue;
      await queue;
    } while (queue !== this.queue);
  }

  async close(): Promise<void> {
    await this.settle();
    await this.store.close();
  }
}

export function checkpointWithCosignatures(cp: StoredCheckpoint): string {
  return cp.text + cp.cosignatures.map((c) => c.line).join("");
}

export type { EntryView };
