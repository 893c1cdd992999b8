/**
 * The remote store against real sockets, honest and hostile: a POST whose answer is lost is
 * retried and counted once (and only when the server holds the very bytes); a real duplicate is
 * refused with the log's code; a refused entry is not retried; a server that is not there, a wrong
 * token, garbage and truncated JSON, and a server whose history forks under the client are each a
 * coded error.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatVerifierKey, generateSignerKey } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { ledgerRules } from "../../oversight/gate-detectors.js";
import { EventParser } from "./event-stream.js";
import { HttpStore } from "./http-store.js";
import { accessFor, type ServedLedger, serveLedger, tmpDir } from "./test-support/served-ledger.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");
const now = () => new Date().toISOString();

/** A plain HTTP server answering each path with what `answer` says (status, body). */
async function fakeServer(
  answer: (path: string) => { status: number; body: string; type?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const a = answer(new URL(req.url!, "http://x").pathname);
    res.writeHead(a.status, {
      "content-type": a.type ?? "application/json",
      "content-length": Buffer.byteLength(a.body),
    });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function openRemoteLog(store: HttpStore) {
  return Log.open(store, { rules: ledgerRules() });
}

describe("HttpStore", () => {
  let served: ServedLedger;
  beforeAll(async () => {
    served = await serveLedger(dir);
  });
  afterAll(async () => {
    await served?.close();
  });

  it("counts a POST whose answer was lost once, and only if the server holds the same bytes", async () => {
    let drop = 1;
    let posts = 0;
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === "POST") {
        posts++;
        if (drop-- > 0) {
          // The server appended; the answer never arrives.
          await res.arrayBuffer();
          throw new TypeError("fetch failed");
        }
      }
      return res;
    };
    const log = await openRemoteLog(await HttpStore.open(served.url, { fetch: lossy, retryDelayMs: 1 }));
    try {
      const before = (await served.log.store.size()) as number;
      const actor = log.sign(
        "actor",
        { actor: "alice", time: now(), role: "person", key: formatVerifierKey(alice) },
        alice,
      );
      const note = log.sign("note", { actor: "alice", time: now(), text: "once" }, alice);
      const done = await log.append([actor, note]);
      expect(posts).toBe(2);
      expect(done.map((d) => d.index)).toEqual([before, before + 1]);
      expect(await served.log.store.size()).toBe(before + 2);
      expect(log.size).toBe(before + 2);

      // The same envelope again, answered at once: a real duplicate, refused with the log's code.
      await expect(log.append([note])).rejects.toMatchObject({ code: "ENTRY_DUPLICATE", batchIndex: 0 });
      expect(posts).toBe(3);
      // A refusal is the log's decision: not retried, nothing written.
      const stale = log.sign("note", { actor: "alice", time: "2001-01-01T00:00:00Z", text: "late" }, alice);
      await expect(log.append([stale])).rejects.toMatchObject({ name: "AdmissionError" });
      expect(posts).toBe(4);
      expect(await served.log.store.size()).toBe(before + 2);
    } finally {
      await log.close();
    }
  });

  it("refuses a wrong token, a role that may only read, and a server that is not there", async () => {
    const guarded = await serveLedger(dir, { access: accessFor(["auditor", "builder"]) });
    try {
      await expect(HttpStore.open(guarded.url)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
      await expect(HttpStore.open(guarded.url, { token: "nobody" })).rejects.toMatchObject({
        name: "ServerError",
        code: "UNAUTHENTICATED",
      });
      const log = await openRemoteLog(await HttpStore.open(guarded.url, { token: "auditor-token" }));
      try {
        const actor = log.sign(
          "actor",
          { actor: "alice", time: now(), role: "person", key: formatVerifierKey(alice) },
          alice,
        );
        await expect(log.append([actor])).rejects.toMatchObject({ code: "FORBIDDEN" });
      } finally {
        await log.close();
      }
      const builder = await openRemoteLog(await HttpStore.open(guarded.url, { token: "builder-token" }));
      try {
        const actor = builder.sign(
          "actor",
          { actor: "alice", time: now(), role: "person", key: formatVerifierKey(alice) },
          alice,
        );
        expect((await builder.append([actor]))[0]!.index).toBe(0);
      } finally {
        await builder.close();
      }
    } finally {
      await guarded.close();
    }
    const gone = await fakeServer(() => ({ status: 200, body: "{}" }));
    await gone.close();
    await expect(HttpStore.open(gone.url, { retries: 2, retryDelayMs: 1 })).rejects.toMatchObject({
      code: "REMOTE_UNREACHABLE",
    });
    await expect(HttpStore.open("ftp://example.org")).rejects.toMatchObject({ code: "STORE_URL_INVALID" });
    await expect(HttpStore.open("http://u:pw@127.0.0.1:1")).rejects.toMatchObject({
      code: "STORE_URL_INVALID",
    });
  });

  it("refuses garbage, truncated JSON, the wrong shape and an answer that is not a coded error", async () => {
    const truth = await (await fetch(`${served.url}/v1/log`)).text();
    const cases: [string, (p: string) => { status: number; body: string; type?: string }][] = [
      ["an HTML page", () => ({ status: 200, body: "<html>hello</html>", type: "text/html" })],
      ["truncated JSON", () => ({ status: 200, body: truth.slice(0, truth.length - 9) })],
      ["another shape", () => ({ status: 200, body: JSON.stringify({ origin: 1, size: "many" }) })],
      ["a 500 without a code", () => ({ status: 500, body: "oops" })],
      ["a negative size", () => ({ status: 200, body: truth.replace(/"size":\d+/, '"size":-4') })],
    ];
    for (const [what, answer] of cases) {
      const fake = await fakeServer(answer);
      try {
        await expect(HttpStore.open(fake.url, { retries: 0 }), what).rejects.toMatchObject({
          code: "REMOTE_RESPONSE_INVALID",
        });
      } finally {
        await fake.close();
      }
    }
    // A page of entries that are not what was asked for.
    const realLog = JSON.parse(truth) as { size: number };
    expect(realLog.size).toBeGreaterThan(1);
    const liar = await fakeServer((p) =>
      p === "/v1/log"
        ? { status: 200, body: truth }
        : {
            status: 200,
            body: JSON.stringify({
              size: 3,
              entries: [{ index: 7, leafHash: "", envelope: "" }],
              next: null,
            }),
          },
    );
    try {
      const store = await HttpStore.open(liar.url);
      await expect(openRemoteLog(store)).rejects.toMatchObject({ code: "REMOTE_RESPONSE_INVALID" });
    } finally {
      await liar.close();
    }
  });

  it("refuses a server whose history forks under the client: another root, or a log that shrank", async () => {
    const logKey = generateSignerKey("log.fork.test");
    const a = await serveLedger(dir, { logKey });
    const b = await serveLedger(dir, { logKey });
    // The same log key and origin, the same first entry, then two different histories.
    const actor = a.log.sign(
      "actor",
      { actor: "alice", time: now(), role: "person", key: formatVerifierKey(alice) },
      alice,
    );
    await a.log.append([actor]);
    await b.log.append([actor]);
    await a.log.appendEntry("note", { actor: "alice", time: now(), text: "history a" }, alice);
    await b.log.appendEntry("note", { actor: "alice", time: now(), text: "history b" }, alice);
    await b.log.appendEntry("note", { actor: "alice", time: now(), text: "and more" }, alice);
    await a.server.checkpoint();
    await b.server.checkpoint();
    // One address; which server answers is switched under the client (a proxy).
    let target = a.url;
    const proxy = http.createServer(async (req, res) => {
      const upstream = await fetch(`${target}${req.url}`, { headers: { accept: "application/json" } });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const log = await openRemoteLog(await HttpStore.open(url));
      expect(log.size).toBe(2);
      target = b.url;
      // B's checkpoint at size 3 signs a root the entries 0..1 read from A cannot lead to.
      await expect(log.catchUp()).rejects.toMatchObject({ name: "VerificationError", code: "REMOTE_FORKED" });
      await log.close();

      // A client that saw B at size 3 and then finds A, at size 2: the log shrank.
      target = b.url;
      const second = await openRemoteLog(await HttpStore.open(url));
      expect(second.size).toBe(3);
      target = a.url;
      await expect(second.catchUp()).rejects.toMatchObject({ code: "REMOTE_FORKED" });
      await second.close();
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
      await a.close();
      await b.close();
    }
  });
});

describe("EventParser", () => {
  it("parses events split anywhere, skips comments, and stops at an endless line", () => {
    const got: [string, string][] = [];
    const p = new EventParser((type, data) => got.push([type, data]));
    const text =
      ': keep-alive\n\nevent: size\ndata: {"size":3}\n\r\nevent: size\r\ndata: {"size":4}\r\n\r\ndata: x\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 5) expect(p.push(bytes.slice(i, i + 5))).toBe(true);
    expect(got).toEqual([
      ["size", '{"size":3}'],
      ["size", '{"size":4}'],
      ["message", "x"],
    ]);
    expect(p.push(new TextEncoder().encode("data: ".padEnd(70_000, "a")))).toBe(false);
  });
});
