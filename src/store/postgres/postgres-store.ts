/**
 * The shared store: a PostgreSQL database through node-postgres, for a ledger that several writer
 * processes (on several machines) append to. The tables mirror the SQLite store's; bytes are bytea.
 *
 * Writers are serialised by a row lock (see `append`), every commit is synchronous
 * (`synchronous_commit = on`: the promise resolves once the commit record is flushed to the
 * server's WAL, postgresql.org/docs/15/wal-async-commit.html), and each append notifies
 * `optprov_append` in its transaction, so watchers hear of it exactly when it commits.
 */
import pg from "pg";
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
} from "../../ledger/store.js";
import { redactUrl } from "./redact-url.js";

/** The NOTIFY channel an append announces the log's new size on. */
export const APPEND_CHANNEL = "optprov_append";

/**
 * How long opening waits for the server before giving up. A server that is down refuses at once;
 * this bounds the other case, a host that drops packets (TCP would otherwise retry for minutes).
 */
export const CONNECT_TIMEOUT_MS = 5000;

/** The SQLSTATE `optprov_append` raises when the log is not at the batch's start. */
const CONFLICT_SQLSTATE = "OP001";

/**
 * The usual append as one call, so one round trip (see `PostgresStore.append`). Each column's
 * bytes come concatenated in one bytea with the end offsets beside them: a lone bytea parameter
 * goes as binary, where node-postgres would send a bytea[] as a hex-encoded text literal. In a
 * PL/pgSQL function each statement takes a new snapshot (READ COMMITTED), so the size is read
 * after the lock is held, as in the transaction. `set_config(..., true)` lasts to the end of the
 * transaction: the call's implicit one commits synchronously whatever the session's default.
 */
const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION optprov_append(
  start bigint, entry_idx bigint[], envelopes bytea, envelope_ends integer[], leaf_hashes bytea,
  leaf_ends integer[], node_levels integer[], node_idx bigint[], node_hashes bytea, node_ends integer[],
  blob_digests text[], blob_data bytea, blob_ends integer[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  found_size bigint;
BEGIN
  PERFORM set_config('synchronous_commit', 'on', true);
  PERFORM id FROM append_lock WHERE id = 1 FOR UPDATE;
  SELECT COALESCE(MAX(idx) + 1, 0) INTO found_size FROM entries;
  IF found_size <> start THEN
    RAISE EXCEPTION 'append expected the log at size %, found %', start, found_size
      USING ERRCODE = '${CONFLICT_SQLSTATE}';
  END IF;
  INSERT INTO entries (idx, envelope, leaf_hash)
    SELECT entry_idx[i],
      substring(envelopes FROM COALESCE(envelope_ends[i - 1], 0) + 1 FOR envelope_ends[i] - COALESCE(envelope_ends[i - 1], 0)),
      substring(leaf_hashes FROM COALESCE(leaf_ends[i - 1], 0) + 1 FOR leaf_ends[i] - COALESCE(leaf_ends[i - 1], 0))
    FROM generate_subscripts(entry_idx, 1) AS i;
  INSERT INTO nodes (level, idx, hash)
    SELECT node_levels[i], node_idx[i],
      substring(node_hashes FROM COALESCE(node_ends[i - 1], 0) + 1 FOR node_ends[i] - COALESCE(node_ends[i - 1], 0))
    FROM generate_subscripts(node_levels, 1) AS i;
  INSERT INTO blobs (digest, data)
    SELECT blob_digests[i],
      substring(blob_data FROM COALESCE(blob_ends[i - 1], 0) + 1 FOR blob_ends[i] - COALESCE(blob_ends[i - 1], 0))
    FROM generate_subscripts(blob_digests, 1) AS i
    ON CONFLICT (digest) DO NOTHING;
  IF cardinality(entry_idx) > 0 THEN
    PERFORM pg_notify('${APPEND_CHANNEL}', (start + cardinality(entry_idx))::text);
  END IF;
END
$fn$;
`;

/** Byte strings as one buffer and the end offset of each. */
function concatenated(parts: readonly Uint8Array[]): [Buffer, number[]] {
  const ends: number[] = [];
  let end = 0;
  for (const p of parts) {
    end += p.length;
    ends.push(end);
  }
  return [Buffer.concat(parts, end), ends];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS append_lock (id smallint PRIMARY KEY CHECK (id = 1));
INSERT INTO append_lock (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS entries (idx bigint PRIMARY KEY CHECK (idx >= 0), envelope bytea NOT NULL, leaf_hash bytea NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS blobs (digest text PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (id bigserial PRIMARY KEY, size bigint NOT NULL, text text NOT NULL);
CREATE INDEX IF NOT EXISTS checkpoints_size ON checkpoints (size);
CREATE TABLE IF NOT EXISTS cosignatures (checkpoint_id bigint NOT NULL, witness text NOT NULL, line text NOT NULL, seq bigserial NOT NULL, PRIMARY KEY (checkpoint_id, witness));
${APPEND_FUNCTION}
`;

/**
 * Key of the advisory lock held while the schema is created: `CREATE TABLE IF NOT EXISTS` run by
 * two processes at once can fail on the catalogue's unique index, so openers take turns.
 */
const SCHEMA_LOCK = 0x6f707476; // "optv"

/**
 * A connection from the pool with an error listener for as long as it is checked out. The pool
 * listens only to idle connections: when the server ends one mid-transaction (a restart), the
 * client fails the statement under way and also emits 'error', which unheard is an uncaught
 * exception that ends the process (found by bench:server restarting PostgreSQL under load). The
 * statement's own error is what the caller sees; the event is dropped.
 */
async function checkout(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: () => void }> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on("error", ignore);
  return {
    client,
    release: () => {
      client.off("error", ignore);
      client.release();
    },
  };
}

/**
 * Rows per INSERT and bytes per INSERT when a batch is written, to bound one statement's message
 * (and its parameters: PostgreSQL allows 65,535 in one statement, and one run each of entries,
 * nodes and blobs take at most 16,002).
 */
const INSERT_ROWS = 2000;
const INSERT_BYTES = 16 * 1024 * 1024;

/**
 * One insert over a run of rows, a parameter per value: `VALUES ($1, $2, $3), ...`. Not
 * `unnest($1::bytea[])`: node-postgres sends an array as its text literal, every bytea hex-encoded
 * and the server parsing it back, while a lone Buffer parameter goes as binary. That encoding was a
 * tenth of the server's main thread in bench:server's profile (and more of PostgreSQL's).
 */
function insertInto(
  table: string,
  rows: readonly (readonly unknown[])[],
  params: unknown[],
  suffix = "",
): string {
  const tuples = rows.map((row) => {
    const names = row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${names.join(", ")})`;
  });
  return `INSERT INTO ${table} VALUES ${tuples.join(", ")}${suffix}`;
}

const ENTRIES = "entries (idx, envelope, leaf_hash)";
const NODES = "nodes (level, idx, hash)";
const BLOBS = "blobs (digest, data)";
const BLOBS_KEPT = " ON CONFLICT (digest) DO NOTHING";

interface EntryRow {
  idx: string;
  envelope: Buffer;
  leaf_hash: Buffer;
}

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const toEntry = (r: EntryRow): StoredEntry => ({
  index: Number(r.idx),
  envelope: u8(r.envelope),
  leafHash: u8(r.leaf_hash),
});

/** Cut `items` into runs of at most `rows` items and (but for a single large one) `bytes` bytes. */
function runs<T>(items: readonly T[], bytes: (t: T) => number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = bytes(item);
    if (run.length > 0 && (run.length >= INSERT_ROWS || size + n > INSERT_BYTES)) {
      out.push(run);
      run = [];
      size = 0;
    }
    run.push(item);
    size += n;
  }
  if (run.length > 0) out.push(run);
  return out;
}

export interface PostgresOpenOptions {
  /** Open for reading only: no schema is created, and every transaction is read-only. */
  readonly readonly?: boolean;
  /** How long to wait for the server (default {@link CONNECT_TIMEOUT_MS}). */
  readonly connectTimeoutMs?: number;
}

export class PostgresStore implements LedgerStore {
  readonly kind = "postgres";
  readonly location: string;
  private readonly url: string;
  private readonly pool: pg.Pool;
  private readonly connectTimeoutMs: number;
  private readonly watchers = new Set<() => void>();

  private constructor(url: string, pool: pg.Pool, connectTimeoutMs: number) {
    this.url = url;
    this.location = redactUrl(url);
    this.pool = pool;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /**
   * Connect to the database at `url` and create the tables if they are missing (unless read-only).
   * Fails with STORE_OPEN_FAILED, naming the URL without its password, when the server cannot be
   * reached within the timeout or refuses the login.
   *
   * @example const store = await PostgresStore.open("postgres://optprov@db.example/ledger");
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresStore> {
    const timeout = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const pool = new pg.Pool({
      connectionString: url,
      connectionTimeoutMillis: timeout,
      max: 4,
      // Idle connections do not keep the process alive: a reader that forgets to close still exits.
      allowExitOnIdle: true,
      ...(options.readonly ? { options: "-c default_transaction_read_only=on" } : {}),
    });
    // An idle connection the server drops (a restart) is an error on the pool, not on a query:
    // without a listener it would crash the process. The next query opens a new connection.
    pool.on("error", () => undefined);
    const store = new PostgresStore(url, pool, timeout);
    try {
      const { client, release } = await checkout(pool);
      try {
        if (!options.readonly) {
          await client.query("BEGIN");
          await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
          await client.query(SCHEMA);
          await client.query("COMMIT");
        }
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        release();
      }
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new StoreError(
        "STORE_OPEN_FAILED",
        `cannot open ledger ${store.location}: ${(cause as Error).message || (cause as Error).name}`,
        { cause },
      );
    }
    return store;
  }

  /** A driver error as STORE_QUERY_FAILED naming the ledger (its SQLSTATE stays on the cause); ours pass. */
  private failed(err: unknown): unknown {
    if (err instanceof StoreError) return err;
    const e = err as { message?: string; code?: string };
    return new StoreError(
      "STORE_QUERY_FAILED",
      `ledger ${this.location}: the database refused a statement${e.code ? ` (SQLSTATE ${e.code})` : ""}: ${e.message ?? String(err)}`,
      { cause: err },
    );
  }

  /** A connection from the pool, or the store's coded error when none can be had. */
  private async connect(): Promise<{ client: pg.PoolClient; release: () => void }> {
    try {
      return await checkout(this.pool);
    } catch (err) {
      throw this.failed(err);
    }
  }

  /**
   * Run `fn` in one transaction on one connection, committed synchronously. `opening` (statements
   * without parameters) is sent with BEGIN in the same round trip, and `fn` gets their results: on a
   * busy machine every round trip waits for both processes to be scheduled, so they are counted.
   */
  private async transaction<T>(
    fn: (c: pg.PoolClient, opened: readonly pg.QueryResult[]) => Promise<T>,
    opening = "",
  ): Promise<T> {
    const { client, release } = await this.connect();
    try {
      // SET LOCAL: the session default may have been set to off by whoever runs the server.
      // Several statements in one simple query answer with one result each.
      const results = (await client.query(
        `BEGIN; SET LOCAL synchronous_commit = on${opening === "" ? "" : `; ${opening}`}`,
      )) as unknown as pg.QueryResult[];
      const value = await fn(client, results.slice(2));
      await client.query("COMMIT");
      return value;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw this.failed(err);
    } finally {
      release();
    }
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** What the tables hold, or a read-only store over a database without them: STORE_NOT_INITIALISED. */
  private async read<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return await this.rows<R>(sql, params);
    } catch (err) {
      // 42P01 undefined_table: a database no optprov ledger was ever created in.
      if ((err as { code?: string }).code === "42P01")
        throw new StoreError(
          "STORE_NOT_INITIALISED",
          `${this.location} is not an optprov ledger: it holds no log tables`,
          { cause: err },
        );
      throw this.failed(err);
    }
  }

  async meta(): Promise<LedgerMeta | undefined> {
    const rows = new Map(
      (await this.read<{ key: string; value: string }>("SELECT key, value FROM meta")).map((r) => [
        r.key,
        r.value,
      ]),
    );
    const origin = rows.get("origin");
    const logKey = rows.get("log_key");
    return origin !== undefined && logKey !== undefined ? { origin, logKey } : undefined;
  }

  async initMeta(meta: LedgerMeta): Promise<void> {
    await this.transaction(async (c) => {
      await c.query("SELECT id FROM append_lock WHERE id = 1 FOR UPDATE");
      const existing = new Map(
        (await c.query<{ key: string; value: string }>("SELECT key, value FROM meta")).rows.map((r) => [
          r.key,
          r.value,
        ]),
      );
      if (existing.size > 0) {
        if (existing.get("origin") !== meta.origin || existing.get("log_key") !== meta.logKey) {
          throw new StoreError(
            "STORE_CONFLICT",
            `ledger ${this.location} already belongs to log ${existing.get("origin")}`,
          );
        }
        return;
      }
      await c.query("INSERT INTO meta (key, value) VALUES ('origin', $1), ('log_key', $2)", [
        meta.origin,
        meta.logKey,
      ]);
    });
  }

  async size(): Promise<number> {
    const [row] = await this.read<{ n: string | null }>("SELECT MAX(idx) + 1 AS n FROM entries");
    return row?.n == null ? 0 : Number(row.n);
  }

  /**
   * One transaction. Writers take turns on the single row of `append_lock` (`SELECT ... FOR
   * UPDATE`), then compare the log's size with `batch.start`: the one that comes second waits for
   * the first to commit, then sees its entries (under READ COMMITTED each statement reads what was
   * committed before it began) and refuses with STORE_CONFLICT, and `Log.append` catches up and
   * decides again. The primary key on `idx` would refuse a duplicated index anyway; the lock turns
   * that race into an orderly conflict before any row is written, and keeps two batches from
   * interleaving nodes. A row lock rather than an advisory lock: its scope is this ledger's own
   * table, so nothing else in the database that happens to use the same advisory key can block or be
   * blocked by a writer.
   */
  async append(batch: AppendBatch): Promise<void> {
    const entryRuns = runs(batch.entries, (e) => e.envelope.length + 40);
    const nodeRuns = runs(batch.nodes, () => 48);
    const blobRuns = runs(batch.blobs, (b) => b.data.length + 64);
    if (entryRuns.length <= 1 && nodeRuns.length <= 1 && blobRuns.length <= 1) {
      // The usual batch (a group commit of a busy server's requests included): one call, its own
      // implicit transaction, one round trip where the transaction below takes three. On a busy
      // machine each round trip waits for both processes to be scheduled, and the log's writes
      // queue behind this one.
      const [envelopes, envelopeEnds] = concatenated(batch.entries.map((e) => e.envelope));
      const [leaves, leafEnds] = concatenated(batch.entries.map((e) => e.leafHash));
      const [nodeHashes, nodeEnds] = concatenated(batch.nodes.map((n) => n.hash));
      const [blobData, blobEnds] = concatenated(batch.blobs.map((b) => b.data));
      const params = [
        batch.start,
        batch.entries.map((e) => e.index),
        envelopes,
        envelopeEnds,
        leaves,
        leafEnds,
        batch.nodes.map((n) => n.level),
        batch.nodes.map((n) => n.index),
        nodeHashes,
        nodeEnds,
        batch.blobs.map((b) => b.digest),
        blobData,
        blobEnds,
      ];
      const { client, release } = await this.connect();
      try {
        await client.query(
          "SELECT optprov_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          params,
        );
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (e.code === CONFLICT_SQLSTATE)
          throw new StoreError("STORE_CONFLICT", e.message ?? "", { cause: err });
        throw this.failed(err);
      } finally {
        release();
      }
      return;
    }
    // A batch too large for one statement: its inserts in one transaction. Under READ COMMITTED
    // each statement reads what was committed before it began, so the size is read after the lock
    // is held, though both go in the round trip that begins the transaction.
    const opening =
      "SELECT id FROM append_lock WHERE id = 1 FOR UPDATE; SELECT MAX(idx) + 1 AS n FROM entries";
    await this.transaction(async (c, opened) => {
      const row = opened[1]?.rows[0] as { n: string | null } | undefined;
      const size = row?.n == null ? 0 : Number(row.n);
      if (size !== batch.start) {
        throw new StoreError(
          "STORE_CONFLICT",
          `append expected the log at size ${batch.start}, found ${size}`,
        );
      }
      const run = async (table: string, rows: readonly (readonly unknown[])[], suffix = "") => {
        const params: unknown[] = [];
        await c.query(insertInto(table, rows, params, suffix), params);
      };
      for (const r of entryRuns)
        await run(
          ENTRIES,
          r.map((e) => [e.index, e.envelope, e.leafHash]),
        );
      for (const r of nodeRuns)
        await run(
          NODES,
          r.map((n) => [n.level, n.index, n.hash]),
        );
      for (const r of blobRuns)
        await run(
          BLOBS,
          r.map((b) => [b.digest, b.data]),
          BLOBS_KEPT,
        );
      if (batch.entries.length > 0)
        await c.query("SELECT pg_notify($1, $2)", [
          APPEND_CHANNEL,
          String(batch.start + batch.entries.length),
        ]);
    }, opening);
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
      // Plan the chunk from the envelopes' lengths first (octet_length reads a TOASTed value's
      // length from its header without fetching it), so a chunk stays within the byte budget.
      const lengths = await this.read<{ idx: string; n: number }>(
        "SELECT idx, octet_length(envelope) AS n FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3",
        [from, end, maxRows],
      );
      if (lengths.length === 0) return;
      let take = 0;
      let bytes = 0;
      while (take < lengths.length && (take === 0 || bytes + lengths[take]!.n <= maxBytes)) {
        bytes += lengths[take]!.n;
        take++;
      }
      const rows = await this.read<EntryRow>(
        "SELECT idx, envelope, leaf_hash FROM entries WHERE idx >= $1 AND idx <= $2 ORDER BY idx LIMIT $3",
        [from, lengths[take - 1]!.idx, take],
      );
      if (rows.length === 0) return;
      yield rows.map(toEntry);
      from = Number(rows[rows.length - 1]!.idx) + 1;
    }
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    const [row] = await this.read<EntryRow>("SELECT idx, envelope, leaf_hash FROM entries WHERE idx = $1", [
      index,
    ]);
    return row ? toEntry(row) : undefined;
  }

  async nodes(ids: readonly NodeId[]): Promise<(Uint8Array | undefined)[]> {
    const leaves = ids.filter((id) => id.level === 0).map((id) => id.index);
    const inner = ids.filter((id) => id.level > 0);
    const found = new Map<string, Uint8Array>();
    if (leaves.length > 0) {
      for (const r of await this.read<{ idx: string; leaf_hash: Buffer }>(
        "SELECT idx, leaf_hash FROM entries WHERE idx = ANY($1::bigint[])",
        [leaves],
      ))
        found.set(`0/${r.idx}`, u8(r.leaf_hash));
    }
    if (inner.length > 0) {
      for (const r of await this.read<{ level: number; idx: string; hash: Buffer }>(
        "SELECT n.level, n.idx, n.hash FROM nodes n JOIN unnest($1::integer[], $2::bigint[]) AS w (level, idx) ON n.level = w.level AND n.idx = w.idx",
        [inner.map((id) => id.level), inner.map((id) => id.index)],
      ))
        found.set(`${r.level}/${r.idx}`, u8(r.hash));
    }
    return ids.map(({ level, index }) => found.get(`${level}/${index}`));
  }

  async nodeCount(): Promise<number> {
    const [row] = await this.read<{ n: string }>("SELECT COUNT(*) AS n FROM nodes");
    return Number(row?.n ?? 0);
  }

  async blob(digest: string): Promise<Uint8Array | undefined> {
    const [row] = await this.read<{ data: Buffer }>("SELECT data FROM blobs WHERE digest = $1", [digest]);
    return row ? u8(row.data) : undefined;
  }

  async blobDigests(): Promise<readonly { readonly digest: string; readonly size: number }[]> {
    // COLLATE "C": digest order is byte order, as in SQLite, whatever the database's collation.
    return this.read<{ digest: string; size: number }>(
      'SELECT digest, octet_length(data) AS size FROM blobs ORDER BY digest COLLATE "C"',
    );
  }

  private async withCosigs(rows: { id: string; size: string; text: string }[]): Promise<StoredCheckpoint[]> {
    if (rows.length === 0) return [];
    const cosigs = await this.read<{ checkpoint_id: string; witness: string; line: string }>(
      "SELECT checkpoint_id, witness, line FROM cosignatures WHERE checkpoint_id = ANY($1::bigint[]) ORDER BY seq",
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      size: Number(r.size),
      text: r.text,
      cosignatures: cosigs
        .filter((c) => c.checkpoint_id === r.id)
        .map((c) => ({ witness: c.witness, line: c.line })),
    }));
  }

  async addCheckpoint(size: number, text: string): Promise<StoredCheckpoint> {
    const [row] = await this.transaction(
      async (c) =>
        (
          await c.query<{ id: string }>("INSERT INTO checkpoints (size, text) VALUES ($1, $2) RETURNING id", [
            size,
            text,
          ])
        ).rows,
    );
    return { id: Number(row!.id), size, text, cosignatures: [] };
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.withCosigs(
      await this.read<{ id: string; size: string; text: string }>(
        "SELECT id, size, text FROM checkpoints ORDER BY size, id",
      ),
    );
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    // One query with its cosignatures (a server answers every GET /checkpoint with this, and a
    // monitor polls it): half the round trips of reading them apart.
    const [row] = await this.read<{
      id: string;
      size: string;
      text: string;
      cosignatures: { witness: string; line: string }[];
    }>(
      `SELECT c.id, c.size, c.text,
         COALESCE(json_agg(json_build_object('witness', s.witness, 'line', s.line) ORDER BY s.seq)
           FILTER (WHERE s.checkpoint_id IS NOT NULL), '[]') AS cosignatures
       FROM (SELECT id, size, text FROM checkpoints ORDER BY size DESC, id DESC LIMIT 1) c
       LEFT JOIN cosignatures s ON s.checkpoint_id = c.id
       GROUP BY c.id, c.size, c.text`,
    );
    return row === undefined
      ? undefined
      : { id: Number(row.id), size: Number(row.size), text: row.text, cosignatures: row.cosignatures };
  }

  async addCosignature(checkpointId: number, witness: string, line: string): Promise<void> {
    // A witness cosigning again replaces its line and moves to the end, as SQLite's INSERT OR REPLACE does.
    await this.transaction((c) =>
      c.query(
        `INSERT INTO cosignatures (checkpoint_id, witness, line) VALUES ($1, $2, $3)
         ON CONFLICT (checkpoint_id, witness)
         DO UPDATE SET line = excluded.line, seq = nextval(pg_get_serial_sequence('cosignatures', 'seq'))`,
        [checkpointId, witness, line],
      ),
    );
  }

  /**
   * Call `onChange` with the log's size whenever another connection (or this one) appends, by
   * LISTEN on {@link APPEND_CHANNEL} over a connection of its own. Once listening (and again after
   * the connection was lost and made anew, one second later) it reports the size it reads, so an
   * append made before the LISTEN took effect is not missed. Returns the function that stops it.
   *
   * @example const stop = store.watch((size) => console.log("log now at", size));
   */
  watch(onChange: (size: number) => void): () => void {
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const listen = async () => {
      const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs });
      client = c;
      let lost = false;
      const again = () => {
        if (lost) return;
        lost = true;
        c.removeAllListeners();
        c.on("error", () => undefined);
        void c.end().catch(() => undefined);
        if (client === c) client = undefined;
        if (!stopped) {
          retry = setTimeout(() => void listen(), 1000);
          retry.unref();
        }
      };
      c.on("error", again);
      c.on("end", again);
      c.on("notification", (n) => {
        const size = Number(n.payload);
        if (!stopped && n.channel === APPEND_CHANNEL && Number.isSafeInteger(size)) onChange(size);
      });
      try {
        await c.connect();
        // The listening socket must not keep a process alive that has nothing else to do.
        (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        await c.query(`LISTEN ${APPEND_CHANNEL}`);
        const size = await this.size();
        if (!stopped) onChange(size);
      } catch {
        again();
      }
    };
    void listen();
    const stop = () => {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c !== undefined) {
        c.removeAllListeners();
        c.on("error", () => undefined);
        void c.end().catch(() => undefined);
      }
      this.watchers.delete(stop);
    };
    this.watchers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.watchers]) stop();
    if (!this.pool.ended) await this.pool.end();
  }
}
