import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafHash } from "../../ledger/merkle.js";
import type { AppendBatch, LedgerStore } from "../../ledger/store.js";
import { openStore } from "../open-store.js";
import { describeStoreConformance } from "../test-support/conformance.js";
import { startTestPostgres, type TestPostgres } from "../test-support/postgres-server.js";
import { PostgresStore } from "./postgres-store.js";
import { redactUrl } from "./redact-url.js";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => server?.stop(), 60_000);

const urls = new WeakMap<LedgerStore, string>();
const open = async (url: string) => {
  const store = await PostgresStore.open(url);
  urls.set(store, url);
  return store;
};

describeStoreConformance("postgres", {
  create: async () => open(await server.database()),
  reopen: async (store) => {
    await store.close();
    return open(urls.get(store)!);
  },
  location: () => server.database(),
  open,
});

describe("postgres store, hostile and odd places", () => {
  it("refuses a server that is down at once, naming the location without its password", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const started = Date.now();
    const err = await PostgresStore.open(`postgres://alice:s3cret@127.0.0.1:${port}/ledger`).catch((e) => e);
    expect(err).toMatchObject({ code: "STORE_OPEN_FAILED" });
    expect(err.message).toContain(`postgres://alice:***@127.0.0.1:${port}/ledger`);
    expect(err.message).not.toContain("s3cret");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("gives up on a server that accepts the connection and never answers, within the timeout", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    try {
      await expect(
        PostgresStore.open(`postgresql://bob:pw@127.0.0.1:${port}/ledger`, { connectTimeoutMs: 1000 }),
      ).rejects.toMatchObject({ code: "STORE_OPEN_FAILED" });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(4000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("refuses a wrong password, naming the location without it", async () => {
    // The throwaway server trusts every login, so a role that does not exist stands in for a bad login.
    const url = new URL(await server.database());
    url.username = "nosuchrole";
    url.password = "hunter2";
    const err = await PostgresStore.open(url.toString()).catch((e) => e);
    expect(err).toMatchObject({ code: "STORE_OPEN_FAILED" });
    expect(err.message).not.toContain("hunter2");
  });

  it("reads a database without a ledger as not initialised, and writes nothing there read-only", async () => {
    const url = await server.database();
    const reader = await PostgresStore.open(url, { readonly: true });
    await expect(reader.meta()).rejects.toMatchObject({ code: "STORE_NOT_INITIALISED" });
    await expect(reader.size()).rejects.toMatchObject({ code: "STORE_NOT_INITIALISED" });
    await reader.close();
    const writer = await PostgresStore.open(url);
    await writer.initMeta({ origin: "o", logKey: "k" });
    await writer.close();
    const again = await PostgresStore.open(url, { readonly: true });
    expect(await again.meta()).toEqual({ origin: "o", logKey: "k" });
    // Read-only is enforced by the server, not only by this code.
    const refused = await again.initMeta({ origin: "o", logKey: "k" }).catch((e) => e);
    expect(refused).toMatchObject({ code: "STORE_QUERY_FAILED", cause: { code: "25006" } });
    await again.close();
  });

  it("redacts secrets from a location: the password and secret query parameters", () => {
    expect(redactUrl("postgres://alice:s3cret@db.example:5433/ledger?sslmode=require")).toBe(
      "postgres://alice:***@db.example:5433/ledger?sslmode=require",
    );
    const shown = redactUrl(
      "postgresql://db.example/ledger?password=s3cret&sslpassword=p2&application_name=x",
    );
    expect(shown).not.toContain("s3cret");
    expect(shown).not.toContain("p2");
    expect(shown).toContain("application_name=x");
    expect(redactUrl("postgres://alice:s3cret@[::1/ledger")).toBe("postgres://***");
  });

  it("opens through openStore by postgres:// and postgresql:// URL", async () => {
    const url = await server.database();
    for (const u of [url, url.replace(/^postgres:/, "postgresql:")]) {
      const store = await openStore(u);
      expect(store.kind).toBe("postgres");
      expect(await store.size()).toBe(0);
      await store.close();
    }
  });

  it("outlives a connection the database drops in the middle of an append: that append fails, the process and the next append do not", async () => {
    // A checked-out pool connection has no error listener of the pool's: when the server ends it
    // (a restart, pg_terminate_backend), node-postgres emits 'error' on it, which nobody heard, and
    // the uncaught exception ended `optprov serve` (found by bench:server restarting PostgreSQL).
    const url = await server.database();
    const store = await PostgresStore.open(url);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    const envelope = new Uint8Array(Buffer.from('{"entry":0}'));
    const batch: AppendBatch = {
      start: 0,
      entries: [{ index: 0, envelope, leafHash: leafHash(envelope) }],
      nodes: [],
      blobs: [],
    };
    try {
      // Hold the append lock, so the store's append waits on it, mid-transaction, until its
      // connection is ended from here.
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM append_lock WHERE id = 1 FOR UPDATE");
      const failed = store.append(batch).catch((e: unknown) => e);
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        const { rows } = await holder.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pid).toBeDefined();
      await holder.query("SELECT pg_terminate_backend($1)", [pid]);
      await holder.query("ROLLBACK");
      expect(await failed).toMatchObject({ code: "STORE_QUERY_FAILED" });
      // The socket's end reaches the client after the error message the statement failed with.
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
      await store.append(batch);
      expect(await store.size()).toBe(1);
    } finally {
      process.off("uncaughtException", onUncaught);
      await holder.end();
      await store.close();
    }
  });

  it("writes a batch too large for one statement in several, and a small one in one, alike", async () => {
    // An append of at most 2,000 rows a table goes as one statement; a larger one in runs.
    const store = await PostgresStore.open(await server.database());
    const entry = (i: number) => {
      const envelope = new Uint8Array(Buffer.from(`{"entry":${i}}`));
      return { index: i, envelope, leafHash: leafHash(envelope) };
    };
    const nodes = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ level: 1, index: from + i, hash: new Uint8Array(32) }));
    const blob = new Uint8Array([1, 2, 3]);
    try {
      await store.append({
        start: 0,
        entries: Array.from({ length: 10 }, (_, i) => entry(i)),
        nodes: nodes(0, 5),
        blobs: [{ digest: "d1", data: blob }],
      });
      await store.append({
        start: 10,
        entries: Array.from({ length: 4500 }, (_, i) => entry(10 + i)),
        nodes: nodes(5, 2255),
        blobs: [],
      });
      expect(await store.size()).toBe(4510);
      expect(await store.nodeCount()).toBe(2255);
      expect(await store.blob("d1")).toEqual(blob);
      expect((await store.entry(4509))?.envelope).toEqual(entry(4509).envelope);
      await expect(
        store.append({ start: 10, entries: [entry(10)], nodes: [], blobs: [] }),
      ).rejects.toMatchObject({
        code: "STORE_CONFLICT",
      });
    } finally {
      await store.close();
    }
  });

  it("commits an append synchronously though the database's default is asynchronous", async () => {
    const url = await server.database();
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
      const store = await PostgresStore.open(url);
      const envelope = new Uint8Array(Buffer.from('{"entry":0}'));
      await store.append({
        start: 0,
        entries: [{ index: 0, envelope, leafHash: leafHash(envelope) }],
        nodes: [],
        blobs: [],
      });
      await store.close();
      // What the append's own transaction commits under: the setting after the call, in the call's transaction.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        expect((await c.query("SHOW synchronous_commit")).rows[0].synchronous_commit).toBe("off");
        await c.query("BEGIN");
        const envelope1 = Buffer.from('{"entry":1}');
        await c.query("SELECT optprov_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", [
          1,
          [1],
          envelope1,
          [envelope1.length],
          Buffer.from(leafHash(envelope1)),
          [32],
          [],
          [],
          Buffer.alloc(0),
          [],
          [],
          Buffer.alloc(0),
          [],
        ]);
        expect((await c.query("SHOW synchronous_commit")).rows[0].synchronous_commit).toBe("on");
        await c.query("ROLLBACK");
      } finally {
        await c.end();
      }
    } finally {
      await admin.end();
    }
  });
});
