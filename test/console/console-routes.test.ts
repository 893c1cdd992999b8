/**
 * The console's routes through `createServer` (no socket): the built files with their types and
 * headers, anything else refused with a coded NOT_FOUND, and the explanation read.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../src/console/build.js";
import type { ControlState } from "../../src/control/state.js";
import { generateSignerKey } from "../../src/ledger/keys.js";
import type { Log } from "../../src/ledger/log.js";
import { createServer, type OptprovServer } from "../../src/server/app.js";
import { actorJson, openTestLog, tmpDir } from "../../src/server/test-support/fixture.js";

const dir = tmpDir();
const logKey = generateSignerKey("log.console-routes.test");
const alice = generateSignerKey("alice");
let log: Log<ControlState>;
let server: OptprovServer;
const get = (p: string) => server.fetch(new Request(`http://optprov.test${p}`));

beforeAll(async () => {
  await buildConsole();
  log = await openTestLog(dir, logKey);
  server = createServer({ log, checkpointDelayMs: false, logLine: () => undefined });
  await server.fetch(
    new Request("http://optprov.test/v1/entries", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ envelopes: [actorJson(logKey.name, alice)] }),
    }),
  );
});
afterAll(async () => {
  await server.close();
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the console's routes", () => {
  it.each([
    ["/console/", "text/html"],
    ["/console/console.js", "text/javascript"],
    ["/console/elk-worker.js", "text/javascript"],
    ["/console/console.css", "text/css"],
  ])("serves %s as %s with a content security policy", async (p, type) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(type);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("keeps elkjs out of the page's bundle: it loads in the layout worker, beside the reads", async () => {
    const page = await (await get("/console/console.js")).arrayBuffer();
    const worker = await (await get("/console/elk-worker.js")).arrayBuffer();
    // The bundle was 1.5 MB with elkjs in it; without, about 44 KB.
    expect(page.byteLength).toBeLessThan(200_000);
    expect(worker.byteLength).toBeGreaterThan(1_000_000);
  });

  it("answers a revalidation of an unchanged file with 304", async () => {
    const first = await get("/console/elk-worker.js");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await server.fetch(
      new Request("http://optprov.test/console/elk-worker.js", { headers: { "if-none-match": etag! } }),
    );
    expect(again.status).toBe(304);
    expect(again.headers.get("content-security-policy")).toContain("default-src 'self'");
    const other = await server.fetch(
      new Request("http://optprov.test/console/elk-worker.js", { headers: { "if-none-match": '"0-0"' } }),
    );
    expect(other.status).toBe(200);
  });

  it("redirects /console to /console/", async () => {
    const res = await get("/console");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/console/");
  });

  it.each(["/console/build.ts", "/console/..%2Fpackage.json", "/console/main.ts", "/console/index.htm"])(
    "refuses %s with NOT_FOUND",
    async (p) => {
      const res = await get(p);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    },
  );

  it("explains a root actor in sentences, and refuses an unknown name", async () => {
    const ok = (await (await get("/console/api/explain/alice")).json()) as {
      sentences: string[];
      parts: unknown;
    };
    expect(ok.sentences[0]).toContain("alice is a root of provenance");
    expect(ok.parts).toBeNull();
    const res = await get("/console/api/explain/nobody");
    expect(res.status).toBe(404);
  });
});
