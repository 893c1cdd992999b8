import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, parseStoreLocation } from "./open-store.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-open-store-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("parseStoreLocation", () => {
  it("reads paths, sqlite: locations and PostgreSQL URLs", () => {
    expect(parseStoreLocation(".optprov/ledger.db")).toEqual({ kind: "sqlite", file: ".optprov/ledger.db" });
    expect(parseStoreLocation("/abs/ledger.db")).toEqual({ kind: "sqlite", file: "/abs/ledger.db" });
    expect(parseStoreLocation("sqlite:rel.db")).toEqual({ kind: "sqlite", file: "rel.db" });
    expect(parseStoreLocation("sqlite:///abs/x.db")).toEqual({ kind: "sqlite", file: "/abs/x.db" });
    // A drive letter and a colon in a file name are paths, as they were before URLs.
    expect(parseStoreLocation("C:\\ledgers\\a.db")).toMatchObject({ kind: "sqlite" });
    expect(parseStoreLocation("run:3.db")).toEqual({ kind: "sqlite", file: "run:3.db" });
    expect(parseStoreLocation("postgres://u:pw@db.example:5433/ledger")).toEqual({
      kind: "postgres",
      url: "postgres://u:pw@db.example:5433/ledger",
      shown: "postgres://u:***@db.example:5433/ledger",
    });
    expect(parseStoreLocation("postgresql://db.example/ledger")).toMatchObject({ kind: "postgres" });
  });

  it.each([
    ["mysql://u:pw@db/ledger", "mysql"],
    ["http://example.com/ledger", "http"],
    ["file:///tmp/ledger.db", "file"],
    ["postgres:ledger", "postgres"],
    ["postgres://db.example", "postgres"],
    ["postgres://db.example/", "postgres"],
    ["postgres://[::1/ledger", "postgres"],
    ["sqlite:", "sqlite"],
  ])("refuses %s with STORE_URL_INVALID", (location, scheme) => {
    let err: unknown;
    try {
      parseStoreLocation(location);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "STORE_URL_INVALID" });
    expect((err as Error).message).toContain(scheme);
    expect((err as Error).message).not.toContain("pw@");
  });
});

describe("openStore", () => {
  it("opens a SQLite file by path or sqlite: location, and refuses a missing one read-only", async () => {
    const file = path.join(dir, "a.db");
    const a = await openStore(file);
    expect(a.kind).toBe("sqlite");
    await a.close();
    const b = await openStore(`sqlite:${file}`, { readonly: true });
    expect(b.kind).toBe("sqlite");
    expect(b.location).toBe(file);
    await b.close();
    await expect(openStore(path.join(dir, "missing.db"), { readonly: true })).rejects.toMatchObject({
      code: "STORE_OPEN_FAILED",
    });
    expect(fs.existsSync(path.join(dir, "missing.db"))).toBe(false);
  });

  it("refuses an unknown scheme before touching anything", async () => {
    await expect(openStore("redis://localhost/0")).rejects.toMatchObject({ code: "STORE_URL_INVALID" });
  });
});
