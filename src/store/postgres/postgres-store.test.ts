import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerStore } from "../../ledger/store.js";
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
});
