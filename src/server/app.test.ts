/**
 * The HTTP app from outside, without sockets (`server.fetch(new Request(...))`), over a real log in
 * a real SQLite file: appends decided by the log, reads, proofs that verify with the repo's own
 * merkle code, tiles that re-derive the checkpoint's root, and a table of hostile requests each
 * refused with its code while the log stays as it was.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlState } from "../control/state.js";
import { decodeBase64, encodeBase64 } from "../ledger/base64.js";
import { openCheckpoint } from "../ledger/checkpoint.js";
import { equalBytes } from "../ledger/crypto.js";
import { formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import { Frontier, leafHash, verifyConsistency, verifyInclusion } from "../ledger/merkle.js";
import { createServer, type OptprovServer } from "./app.js";
import { actorJson, envelopeJson, noteJson, openTestLog, tmpDir } from "./test-support/fixture.js";
import { formatTilePath } from "./tile-path.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const logKey = generateSignerKey("log.server.test");
const origin = logKey.name;
const alice = generateSignerKey("alice");
const quiet = () => undefined;

const url = (p: string) => `http://optprov.test${p}`;
const get = (s: OptprovServer, p: string, headers: Record<string, string> = {}) =>
  s.fetch(new Request(url(p), { headers }));
const post = (s: OptprovServer, body: unknown, headers: Record<string, string> = {}) =>
  s.fetch(
    new Request(url("/v1/entries"), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
async function codeOf(res: Response): Promise<string | undefined> {
  const text = await res.text();
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return `not JSON: ${text.slice(0, 40)}`;
  }
}

describe("the ledger over HTTP", () => {
  let log: Log<ControlState>;
  let server: OptprovServer;
  beforeAll(async () => {
    log = await openTestLog(dir, logKey);
    server = createServer({ log, checkpointDelayMs: false, logLine: quiet });
  });
  afterAll(async () => {
    await server.close();
    await log.close();
  });

  it("appends a client-signed batch through the log, and reads it back", async () => {
    const res = await post(server, {
      envelopes: [actorJson(origin, alice), noteJson(origin, alice, "one"), noteJson(origin, alice, "two")],
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ first: 0, size: 3 });
    expect(log.size).toBe(3);

    const one = (await (await get(server, "/v1/entries/1")).json()) as {
      statement: { kind: string; predicate: { text: string } };
      leafHash: string;
    };
    expect(one.statement).toMatchObject({ kind: "note", predicate: { text: "one" } });
    const page = (await (await get(server, "/v1/entries?start=1&end=3")).json()) as {
      entries: { index: number }[];
      next: number | null;
    };
    expect(page.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(page.next).toBeNull();
    const tree = (await (await get(server, "/v1/tree")).json()) as { roots: { name: string }[] };
    expect(tree.roots.map((r) => r.name)).toEqual(["alice"]);
    const who = (await (await get(server, "/v1/optimizers/alice")).json()) as { kind: string };
    expect(who.kind).toBe("actor");
    expect((await get(server, "/v1/optimizers/nobody")).status).toBe(404);
    const review = (await (await get(server, "/v1/review")).json()) as { items: unknown[] };
    expect(review.items).toEqual([]);
    const health = (await (await get(server, "/healthz")).json()) as { size: number };
    expect(health.size).toBe(3);
  });

  it("serves proofs that verify against the roots it serves", async () => {
    const cp = await server.checkpoint();
    expect(cp?.size).toBe(3);
    const view = (await (await get(server, "/v1/checkpoint")).json()) as {
      checkpoint: string;
      root: string;
      size: number;
    };
    const { checkpoint } = openCheckpoint(view.checkpoint, log.logVerifier, origin);
    expect(encodeBase64(checkpoint.root)).toBe(view.root);

    const inc = (await (await get(server, "/v1/proof/inclusion/1?size=3")).json()) as {
      proof: string[];
      leafHash: string;
      root: string;
    };
    expect(() =>
      verifyInclusion(
        1,
        3,
        decodeBase64(inc.leafHash, "leaf"),
        inc.proof.map((p) => decodeBase64(p, "proof")),
        checkpoint.root,
      ),
    ).not.toThrow();

    await post(server, { envelopes: [noteJson(origin, alice, "three"), noteJson(origin, alice, "four")] });
    const con = (await (await get(server, "/v1/proof/consistency?old=3&new=5")).json()) as {
      proof: string[];
      newRoot: string;
      oldRoot: string;
    };
    expect(con.oldRoot).toBe(view.root);
    expect(() =>
      verifyConsistency(
        3,
        5,
        con.proof.map((p) => decodeBase64(p, "proof")),
        checkpoint.root,
        decodeBase64(con.newRoot, "root"),
      ),
    ).not.toThrow();
  });

  it("runs the audit over what it holds", async () => {
    const res = await get(server, "/v1/findings");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { verify: { ok: boolean; entries: number } };
    expect(body.verify).toMatchObject({ ok: true, entries: log.size });
  });
});

describe("C2SP tlog-tiles", () => {
  it("serves tiles and entry bundles that re-derive the checkpoint's root", async () => {
    const log = await openTestLog(dir, logKey);
    const server = createServer({ log, checkpointDelayMs: false, logLine: quiet });
    const batch = [actorJson(origin, alice)];
    for (let i = 1; i < 600; i++) batch.push(noteJson(origin, alice, `n${i}`));
    for (let i = 0; i < batch.length; i += 300) {
      const res = await post(server, { envelopes: batch.slice(i, i + 300) });
      expect(res.status).toBe(201);
    }
    await server.checkpoint();
    const cpRes = await get(server, "/checkpoint");
    expect(cpRes.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const { checkpoint } = openCheckpoint(await cpRes.text(), log.logVerifier, origin);
    expect(checkpoint.size).toBe(600);

    const fetchTile = async (level: number | "entries", index: number, width: number) => {
      const res = await get(server, `/${formatTilePath({ level, index, width })}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      return new Uint8Array(await res.arrayBuffer());
    };
    // 600 = 2 full level-0 tiles + a partial of 88; level 1 holds the 2 full tiles' hashes.
    const level0 = [await fetchTile(0, 0, 256), await fetchTile(0, 1, 256), await fetchTile(0, 2, 88)];
    const leaves: Uint8Array[] = [];
    for (const t of level0) for (let i = 0; i < t.length; i += 32) leaves.push(t.slice(i, i + 32));
    expect(leaves).toHaveLength(600);
    const frontier = new Frontier();
    for (const l of leaves) frontier.push(l);
    expect(equalBytes(frontier.root(), checkpoint.root)).toBe(true);

    const level1 = await fetchTile(1, 0, 2);
    for (const k of [0, 1]) {
      const sub = new Frontier();
      for (const l of leaves.slice(k * 256, (k + 1) * 256)) sub.push(l);
      expect(equalBytes(level1.slice(k * 32, (k + 1) * 32), sub.root())).toBe(true);
    }

    // Entry bundles: uint16 big-endian length, then the entry, hashing to the level-0 tile's hash.
    const bundle = await fetchTile("entries", 2, 88);
    const view = new DataView(bundle.buffer, bundle.byteOffset, bundle.byteLength);
    let at = 0;
    let i = 512;
    while (at < bundle.length) {
      const len = view.getUint16(at);
      const entry = bundle.slice(at + 2, at + 2 + len);
      expect(equalBytes(leafHash(entry), leaves[i]!)).toBe(true);
      at += 2 + len;
      i++;
    }
    expect(i).toBe(600);
    // A partial tile at a width the tree has passed is the same prefix it always was.
    expect((await fetchTile(0, 2, 10)).length).toBe(320);
    expect((await get(server, "/tile/0/002")).status).toBe(404);
    expect((await get(server, "/tile/1/000")).status).toBe(404);
    await server.close();
    await log.close();
  });
});

describe("hostile requests", () => {
  it("refuses each with its code, and the log stays as it was", async () => {
    const log = await openTestLog(dir, logKey);
    const server = createServer({
      log,
      checkpointDelayMs: false,
      logLine: quiet,
      limits: { maxBodyBytes: 64 * 1024, maxBatch: 10, rate: false },
    });
    const first = noteJson(origin, alice, "first");
    expect((await post(server, { envelopes: [actorJson(origin, alice), first] })).status).toBe(201);
    await server.checkpoint();
    const size = log.size;

    const forged = structuredClone(first) as { signatures: { sig: string }[]; payload: string };
    const other = noteJson(origin, alice, "other") as { payload: string };
    forged.payload = other.payload; // alice's signature over "first", on the payload of "other"
    const stranger = generateSignerKey("mallory");
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 100; i++) c.enqueue(new Uint8Array(1024).fill(32));
        c.close();
      },
    });

    const table: [string, () => Promise<Response>, number, string][] = [
      ["bad JSON", () => post(server, "{nope"), 400, "JSON_INVALID"],
      ["not an object", () => post(server, "[1,2]"), 400, "REQUEST_INVALID"],
      ["no envelopes", () => post(server, { envelopes: [] }), 400, "REQUEST_INVALID"],
      ["an unknown field", () => post(server, { envelopes: [first], extra: 1 }), 400, "REQUEST_INVALID"],
      ["not an envelope", () => post(server, { envelopes: [{ payload: 1 }] }), 400, "ENVELOPE_INVALID"],
      [
        "an envelope with an extra field",
        () => post(server, { envelopes: [{ ...(first as object), x: 1 }] }),
        400,
        "ENVELOPE_INVALID",
      ],
      [
        "oversized body (Content-Length)",
        () => post(server, { envelopes: ["x".repeat(70 * 1024)] }),
        413,
        "BODY_TOO_LARGE",
      ],
      [
        "oversized body (chunked)",
        () =>
          server.fetch(
            new Request(url("/v1/entries"), {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: chunked,
              duplex: "half",
            } as RequestInit),
          ),
        413,
        "BODY_TOO_LARGE",
      ],
      ["too many envelopes", () => post(server, { envelopes: Array(11).fill(first) }), 413, "BODY_TOO_LARGE"],
      [
        "wrong content type",
        () => post(server, { envelopes: [first] }, { "content-type": "text/plain" }),
        415,
        "CONTENT_TYPE_UNSUPPORTED",
      ],
      ["forged signature", () => post(server, { envelopes: [forged] }), 422, "ENTRY_SIGNATURE_INVALID"],
      ["a replayed entry", () => post(server, { envelopes: [first] }), 422, "ENTRY_DUPLICATE"],
      [
        "a replayed entry, spaced differently",
        () => post(server, `{"envelopes":[ ${JSON.stringify(first, null, 2)} ]}`),
        422,
        "ENTRY_DUPLICATE",
      ],
      [
        "a replayed entry, its fields and a signature's in another order",
        () => {
          const { payloadType, payload, signatures } = first as {
            payloadType: string;
            payload: string;
            signatures: { keyid: string; sig: string }[];
          };
          const reordered = signatures.map(({ keyid, sig }) => ({ sig, keyid }));
          return post(server, { envelopes: [{ signatures: reordered, payload, payloadType }] });
        },
        422,
        "ENTRY_DUPLICATE",
      ],
      [
        "an unknown signer",
        () => post(server, { envelopes: [noteJson(origin, stranger, "hi")] }),
        422,
        "ACTOR_UNKNOWN",
      ],
      [
        "another log's entry",
        () => post(server, { envelopes: [noteJson("elsewhere", alice, "hi")] }),
        422,
        "ORIGIN_MISMATCH",
      ],
      [
        "a control rule: halting what is not there",
        () =>
          post(server, {
            envelopes: [
              envelopeJson(origin, alice, "halt", { actor: "alice", optimizer: "ghost", descendants: false }),
            ],
          }),
        422,
        "CONTROL_TARGET_UNKNOWN",
      ],
      [
        "a good entry batched with a bad one",
        () =>
          post(server, { envelopes: [noteJson(origin, alice, "good"), noteJson(origin, stranger, "bad")] }),
        422,
        "ACTOR_UNKNOWN",
      ],
      ["tile: leading zero in L", () => get(server, "/tile/00/000"), 400, "TILE_PATH_INVALID"],
      ["tile: two-digit N", () => get(server, "/tile/0/00"), 400, "TILE_PATH_INVALID"],
      ["tile: non-canonical x000", () => get(server, "/tile/0/x000/000"), 400, "TILE_PATH_INVALID"],
      ["tile: non-digits", () => get(server, "/tile/0/abc"), 400, "TILE_PATH_INVALID"],
      ["tile: W 0", () => get(server, "/tile/0/000.p/0"), 400, "TILE_PATH_INVALID"],
      ["tile: W 256", () => get(server, "/tile/0/000.p/256"), 400, "TILE_PATH_INVALID"],
      ["tile: W with a leading zero", () => get(server, "/tile/0/000.p/02"), 400, "TILE_PATH_INVALID"],
      ["tile: L 64", () => get(server, "/tile/64/000"), 400, "TILE_PATH_INVALID"],
      ["tile: trailing slash", () => get(server, "/tile/0/000.p/1/"), 400, "TILE_PATH_INVALID"],
      ["tile: encoded slash", () => get(server, "/tile/0/x000%2F000"), 400, "TILE_PATH_INVALID"],
      ["tile: dots and an encoded slash", () => get(server, "/tile/0/..%2F000"), 400, "TILE_PATH_INVALID"],
      ["tile: three dots", () => get(server, "/tile/0/.../000"), 400, "TILE_PATH_INVALID"],
      ["tile: beyond the tree", () => get(server, "/tile/0/000.p/3"), 404, "NOT_FOUND"],
      ["tile: full tile of a small tree", () => get(server, "/tile/0/000"), 404, "NOT_FOUND"],
      ["entry bundle: beyond the tree", () => get(server, "/tile/entries/001.p/1"), 404, "NOT_FOUND"],
      ["entry: not a number", () => get(server, "/v1/entries/abc"), 400, "REQUEST_INVALID"],
      ["entry: a leading zero", () => get(server, "/v1/entries/01"), 400, "REQUEST_INVALID"],
      ["entry: beyond the log", () => get(server, "/v1/entries/99"), 404, "NOT_FOUND"],
      ["page: a negative start", () => get(server, "/v1/entries?start=-1"), 400, "REQUEST_INVALID"],
      [
        "proof: beyond the tree",
        () => get(server, "/v1/proof/inclusion/1?size=99"),
        404,
        "INDEX_OUT_OF_RANGE",
      ],
      [
        "proof: old after new",
        () => get(server, "/v1/proof/consistency?old=2&new=1"),
        400,
        "REQUEST_INVALID",
      ],
      ["unknown route", () => get(server, "/v2/everything"), 404, "ROUTE_NOT_FOUND"],
      [
        "unknown method",
        () => server.fetch(new Request(url("/v1/entries"), { method: "DELETE" })),
        404,
        "ROUTE_NOT_FOUND",
      ],
    ];
    const failures: string[] = [];
    for (const [name, send, status, code] of table) {
      const res = await send();
      const got = await codeOf(res);
      if (res.status !== status || got !== code)
        failures.push(`${name}: expected ${status} ${code}, got ${res.status} ${got}`);
    }
    expect(failures).toEqual([]);
    expect(log.size).toBe(size);
    expect(await log.store.size()).toBe(size);
    expect((await log.store.checkpoints()).length).toBe(1);
    await server.close();
    await log.close();
  });

  it("limits each client's rate", async () => {
    const log = await openTestLog(dir, logKey);
    const server = createServer({
      log,
      checkpointDelayMs: false,
      logLine: quiet,
      limits: { rate: { perSecond: 0.001, burst: 2 } },
    });
    expect((await get(server, "/v1/tree")).status).toBe(200);
    expect((await get(server, "/v1/tree")).status).toBe(200);
    const third = await get(server, "/v1/tree");
    expect(third.status).toBe(429);
    expect(await codeOf(third)).toBe("RATE_LIMITED");
    await server.close();
    await log.close();
  });

  it("writes one structured line per request, with the code of a refusal", async () => {
    const log = await openTestLog(dir, logKey);
    const lines: Record<string, unknown>[] = [];
    const server = createServer({ log, checkpointDelayMs: false, logLine: (l) => lines.push(l) });
    await get(server, "/v1/entries/7");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "request", method: "GET", status: 404, code: "NOT_FOUND" });
    expect(JSON.parse(JSON.stringify(lines[0]))).toEqual(lines[0]);
    await server.close();
    await log.close();
  });

  it("signs no checkpoint without the log key, and says so", async () => {
    const keyed = await openTestLog(dir, logKey);
    const file = keyed.store.location;
    await keyed.close();
    const { SqliteStore } = await import("../store/sqlite/sqlite-store.js");
    const { Log } = await import("../ledger/log.js");
    const { ledgerRules } = await import("../oversight/gate-detectors.js");
    const log = await Log.open(SqliteStore.open(file), { rules: ledgerRules() });
    const server = createServer({ log, checkpointDelayMs: false, logLine: quiet });
    const res = await get(server, "/checkpoint");
    expect(res.status).toBe(503);
    expect(await codeOf(res)).toBe("CHECKPOINT_UNAVAILABLE");
    expect(formatVerifierKey(log.logVerifier)).toBe(formatVerifierKey(logKey));
    await server.close();
    await log.close();
  });
});
