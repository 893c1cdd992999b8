import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { describeStoreConformance } from "../test-support/conformance.js";
import { SqliteStore } from "./sqlite-store.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-sqlite-"));
let n = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeStoreConformance("sqlite", {
  create: async () => SqliteStore.open(path.join(dir, `l${n++}.db`)),
  reopen: async (store) => {
    await store.close();
    return SqliteStore.open(store.location);
  },
  location: async () => path.join(dir, `l${n++}.db`),
  open: async (location) => SqliteStore.open(location),
});
