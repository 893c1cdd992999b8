import { afterAll, beforeAll } from "vitest";
import type { LedgerStore } from "../../ledger/store.js";
import { describeStoreConformance } from "../test-support/conformance.js";
import { startTestPostgres, type TestPostgres } from "../test-support/postgres-server.js";
import { PostgresStore } from "./postgres-store.js";

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
