/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with synchronous=FULL so
 * that an append is on stable storage when its promise resolves (sqlite.org/wal.html §Durability).
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { StoreError } from "../../errors.js";
import type { NodeId } from "../../ledger/merkle.js";
import {
  type AppendBatch,
  type ChunkLimits,
  DEFAULT_CHUNK,
  type LedgerMeta,
  type LedgerStore,
  type StoredCheckpoint,
  type StoredEntry,
  type WatchOptions,
} from "../../ledger/store.js";

/**
 * How often `watch` looks at the size by default, in ms. SQLite has no way to tell one process of
 * another's commit (its update hook sees only its own connection's writes), so a watcher polls;
 * the size is MAX(idx) on the entries' rowid B-tree, a descent of a few pages, so polling at the
 * SDK's halt-check rate of 25 ms costs next to nothing.
 */
export const WATCH_INTERVAL_MS = 25;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, envelope BLOB NOT NULL, leaf_hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (digest TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS checkpoints_size ON checkpoints (size);
CREATE TABLE IF NOT EXISTS cosignatures (checkpoint_id INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (checkpoint_id, witness));
`;

interface EntryRow {
  idx: number;
  envelope: Buffer;
  leaf_hash: Buffer;
}

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const toEntry = (r: EntryRow): StoredEntry => ({
  index: r.idx,
  envelope: u8(r.envelope),
  leafHash: u8(r.leaf_hash),
});

export class SqliteStore implements LedgerStore {
  readonly kind = "sqlite";
  readonly location: string;
  private readonly db: Database.Database;
  private readonly q;
  private readonly watchers = new Set<() => void>();

  private constructor(file: string, db: Database.Database) {
    this.location = file;
    this.db = db;
    this.q = {
      size: db.prepare<[], { n: number | null }>("SELECT MAX(idx) + 1 AS n FROM entries"),
      meta: db.prepare<[], { key: string; value: string }>("SELECT key, value FROM meta"),
      putMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)"),
      insertEntry: db.prepare("INSERT INTO entries (idx, envelope, leaf_hash) VALUES (?, ?, ?)"),
      insertNode: db.prepare("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)"),
      insertBlob: db.prepare("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)"),
      blob: db.prepare<[string], { data: Buffer }>("SELECT data FROM blobs WHERE digest = ?"),
      blobDigests: db.prepare<[], { digest: string; size: number }>(
        "SELECT digest, length(data) AS size FROM blobs ORDER BY digest",
      ),
      lengths: db.prepare<[number, number, number], { idx: number; n: number }>(
        "SELECT idx, length(envelope) AS n FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?",
      ),
      range: db.prepare<[number, number, number], EntryRow>(
        "SELECT idx, envelope, leaf_hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?",
      ),
      entry: db.prepare<[number], EntryRow>("SELECT idx, envelope, leaf_hash FROM entries WHERE idx = ?"),
      leaf: db.prepare<[number], { leaf_hash: Buffer }>("SELECT leaf_hash FROM entries WHERE idx = ?"),
      node: db.prepare<[number, number], { hash: Buffer }>(
        "SELECT hash FROM nodes WHERE level = ? AND idx = ?",
      ),
      nodeCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM nodes"),
      addCheckpoint: db.prepare("INSERT INTO checkpoints (size, text) VALUES (?, ?)"),
      checkpoints: db.prepare<[], { id: number; size: number; text: string }>(
        "SELECT id, size, text FROM checkpoints ORDER BY size, id",
      ),
      latest: db.prepare<[], { id: number; size: number; text: string }>(
        "SELECT id, size, text FROM checkpoints ORDER BY size DESC, id DESC LIMIT 1",
      ),
      cosigs: db.prepare<[number], { witness: string; line: string }>(
        "SELECT witness, line FROM cosignatures WHERE checkpoint_id = ? ORDER BY rowid",
      ),
      addCosig: db.prepare(
        "INSERT OR REPLACE INTO cosignatures (checkpoint_id, witness, line) VALUES (?, ?, ?)",
      ),
    };
  }

  /**
   * Open (creating if needed) a ledger file.
   *
   * @example const store = SqliteStore.open(".optprov/ledger.db");
   */
  static open(file: string, options: { readonly?: boolean } = {}): SqliteStore {
    try {
      if (!options.readonly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      const db = new Database(file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      if (!options.readonly) {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = FULL");
        // 16 MiB of page cache for the writer (the default is 2 MiB): the upper levels of the
        // entries and nodes B-trees stay in memory as the ledger grows past a million entries.
        db.pragma("cache_size = -16384");
        db.exec(SCHEMA);
      }
      db.pragma("busy_timeout = 5000");
      return new SqliteStore(file, db);
    } catch (cause) {
      throw new StoreError("STORE_OPEN_FAILED", `cannot open ledger ${file}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  async meta(): Promise<LedgerMeta | undefined> {
    const rows = new Map(this.q.meta.all().map((r) => [r.key, r.value]));
    const origin = rows.get("origin");
    const logKey = rows.get("log_key");
    return origin !== undefined && logKey !== undefined ? { origin, logKey } : undefined;
  }

  async initMeta(meta: LedgerMeta): Promise<void> {
    this.db
      .transaction(() => {
        const existing = new Map(this.q.meta.all().map((r) => [r.key, r.value]));
        if (existing.size > 0) {
          if (existing.get("origin") !== meta.origin || existing.get("log_key") !== meta.logKey) {
            throw new StoreError(
              "STORE_CONFLICT",
              `ledger ${this.location} already belongs to log ${existing.get("origin")}`,
            );
          }
          return;
        }
        this.q.putMeta.run("origin", meta.origin);
        this.q.putMeta.run("log_key", meta.logKey);
      })
      .immediate();
  }

  async size(): Promise<number> {
    return this.q.size.get()?.n ?? 0;
  }

  async append(batch: AppendBatch): Promise<void> {
    this.db
      .transaction(() => {
        const size = this.q.size.get()?.n ?? 0;
        if (size !== batch.start) {
          throw new StoreError(
            "STORE_CONFLICT",
            `append expected the log at size ${batch.start}, found ${size}`,
          );
        }
        for (const e of batch.entries) this.q.insertEntry.run(e.index, e.envelope, e.leafHash);
        for (const n of batch.nodes) this.q.insertNode.run(n.level, n.index, n.hash);
        for (const b of batch.blobs) this.q.insertBlob.run(b.digest, b.data);
      })
      .immediate();
  }

  async *entries(
    start: number,
    end: number,
    limits: ChunkLimits = {},
  ): AsyncIterable<readonly StoredEntry[]> {
    const maxRows = Math.max(1, limits.rows ?? DEFAULT_CHUNK.rows);
    const maxBytes = Math.max(1, limits.bytes ?? DEFAULT_CHUNK.bytes);
    let from = start;
    while (from < end) {
      // Plan the chunk from the envelopes' lengths (SQLite reads them from the record headers), so a
      // chunk of 44 KB step batches stays within the byte budget however many rows that is.
      const lengths = this.q.lengths.all(from, end, maxRows);
      if (lengths.length === 0) return;
      let take = 0;
      let bytes = 0;
      while (take < lengths.length && (take === 0 || bytes + lengths[take]!.n <= maxBytes)) {
        bytes += lengths[take]!.n;
        take++;
      }
      const rows = this.q.range.all(from, lengths[take - 1]!.idx + 1, take);
      if (rows.length === 0) return;
      yield rows.map(toEntry);
      from = rows[rows.length - 1]!.idx + 1;
    }
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    const row = this.q.entry.get(index);
    return row ? toEntry(row) : undefined;
  }

  async nodes(ids: readonly NodeId[]): Promise<(Uint8Array | undefined)[]> {
    return ids.map(({ level, index }) => {
      const row = level === 0 ? this.q.leaf.get(index)?.leaf_hash : this.q.node.get(level, index)?.hash;
      return row ? u8(row) : undefined;
    });
  }

  async nodeCount(): Promise<number> {
    return this.q.nodeCount.get()?.n ?? 0;
  }

  async blob(digest: string): Promise<Uint8Array | undefined> {
    const row = this.q.blob.get(digest);
    return row ? u8(row.data) : undefined;
  }

  async blobDigests(): Promise<readonly { readonly digest: string; readonly size: number }[]> {
    return this.q.blobDigests.all();
  }

  private withCosigs(row: { id: number; size: number; text: string }): StoredCheckpoint {
    return { ...row, cosignatures: this.q.cosigs.all(row.id) };
  }

  async addCheckpoint(size: number, text: string): Promise<StoredCheckpoint> {
    const info = this.q.addCheckpoint.run(size, text);
    return { id: Number(info.lastInsertRowid), size, text, cosignatures: [] };
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.q.checkpoints.all().map((r) => this.withCosigs(r));
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = this.q.latest.get();
    return row ? this.withCosigs(row) : undefined;
  }

  async addCosignature(checkpointId: number, witness: string, line: string): Promise<void> {
    this.q.addCosig.run(checkpointId, witness, line);
  }

  /**
   * Poll the size every `intervalMs` (default {@link WATCH_INTERVAL_MS}) and report it when it
   * changed, and once at the first look.
   *
   * @example const stop = store.watch((size) => console.log("log now at", size));
   */
  watch(onChange: (size: number) => void, options: WatchOptions = {}): () => void {
    let last: number | undefined;
    let stopped = false;
    const look = () => {
      if (stopped || !this.db.open) return;
      const size = this.q.size.get()?.n ?? 0;
      if (size !== last) {
        last = size;
        onChange(size);
      }
    };
    const timer = setInterval(look, Math.max(1, options.intervalMs ?? WATCH_INTERVAL_MS));
    timer.unref();
    setImmediate(look).unref();
    const stop = () => {
      stopped = true;
      clearInterval(timer);
      this.watchers.delete(stop);
    };
    this.watchers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.watchers]) stop();
    if (this.db.open) this.db.close();
  }
}
