/**
 * The storage-agnostic conformance suite: every LedgerStore backend runs exactly these tests
 * against a real database (no mocks), through the store interface and through the log above it.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatSignerKey, formatVerifierKey, generateSignerKey } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { leafHash, verifyConsistency, verifyInclusion } from "../../ledger/merkle.js";
import type { LedgerStore } from "../../ledger/store.js";
import { verifyLog as verifyLedger } from "../../ledger/verify.js";

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<LedgerStore>;
  /** The same store opened again (after `close`), to show that writes persisted. */
  reopen(store: LedgerStore): Promise<LedgerStore>;
  /** The location of a fresh, empty ledger, as `openStore` takes it (other processes open it too). */
  location(): Promise<string>;
  /** Open the ledger at a location from `location()`: one more connection to it. */
  open(location: string): Promise<LedgerStore>;
}

const WRITER = path.join(import.meta.dirname, "append-writer.ts");

/** Run the concurrent-writer child; resolves with what it printed, rejects on a non-zero exit. */
function runWriter(location: string, key: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", WRITER, location, String(count)], {
      env: { ...process.env, WRITER_KEY: key },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const now = () => new Date().toISOString();

export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store conformance`, () => {
    it("starts empty", async () => {
      const s = await factory.create();
      expect(await s.size()).toBe(0);
      expect(await s.meta()).toBeUndefined();
      expect(await s.latestCheckpoint()).toBeUndefined();
      expect(await s.nodeCount()).toBe(0);
      const chunks = [];
      for await (const c of s.entries(0, 10)) chunks.push(c);
      expect(chunks).toEqual([]);
      await s.close();
    });

    it("records the log identity once", async () => {
      const s = await factory.create();
      await s.initMeta({ origin: "o", logKey: "k" });
      await s.initMeta({ origin: "o", logKey: "k" });
      await expect(s.initMeta({ origin: "o", logKey: "other" })).rejects.toMatchObject({
        code: "STORE_CONFLICT",
      });
      expect(await s.meta()).toEqual({ origin: "o", logKey: "k" });
      await s.close();
    });

    it("appends atomically, refuses a stale start, and reads back exactly", async () => {
      const s = await factory.create();
      const entries = [0, 1, 2].map((i) => ({
        index: i,
        envelope: bytes(`e${i}`),
        leafHash: leafHash(bytes(`e${i}`)),
      }));
      await s.append({
        start: 0,
        entries,
        nodes: [{ level: 1, index: 0, hash: new Uint8Array(32).fill(7) }],
        blobs: [],
      });
      await expect(
        s.append({ start: 0, entries: [{ ...entries[0]!, index: 3 }], nodes: [], blobs: [] }),
      ).rejects.toMatchObject({ code: "STORE_CONFLICT" });
      // A batch that breaks a constraint half way leaves nothing behind.
      await expect(
        s.append({
          start: 3,
          entries: [{ index: 3, envelope: bytes("x"), leafHash: leafHash(bytes("x")) }],
          nodes: [{ level: 1, index: 0, hash: new Uint8Array(32).fill(8) }],
          blobs: [],
        }),
      ).rejects.toThrow();
      expect(await s.size()).toBe(3);
      expect(Buffer.from((await s.entry(1))!.envelope).toString()).toBe("e1");
      expect(await s.entry(3)).toBeUndefined();
      const [leaf, node, missing] = await s.nodes([
        { level: 0, index: 2 },
        { level: 1, index: 0 },
        { level: 1, index: 1 },
      ]);
      expect(leaf).toEqual(entries[2]!.leafHash);
      expect(node).toEqual(new Uint8Array(32).fill(7));
      expect(missing).toBeUndefined();
      expect(await s.nodeCount()).toBe(1);
      await s.close();
    });

    it("keeps blobs by digest, once, and lists them for the verifier", async () => {
      const s = await factory.create();
      const data = bytes("a spec too large for its entry");
      const digest = Buffer.from(await crypto.subtle.digest("SHA-256", data)).toString("hex");
      const entry = (i: number) => ({
        index: i,
        envelope: bytes(`e${i}`),
        leafHash: leafHash(bytes(`e${i}`)),
      });
      await s.append({ start: 0, entries: [entry(0)], nodes: [], blobs: [{ digest, data }] });
      // The same blob again (a request and the creation that fulfils it): kept once, no error.
      await s.append({ start: 1, entries: [entry(1)], nodes: [], blobs: [{ digest, data }] });
      expect(Buffer.from((await s.blob(digest))!).toString()).toBe("a spec too large for its entry");
      expect(await s.blob("00".repeat(32))).toBeUndefined();
      expect(await s.blobDigests()).toEqual([{ digest, size: data.length }]);
      // A refused batch leaves its blobs out too.
      await expect(
        s.append({ start: 0, entries: [entry(2)], nodes: [], blobs: [{ digest: "ff".repeat(32), data }] }),
      ).rejects.toMatchObject({ code: "STORE_CONFLICT" });
      expect(await s.blob("ff".repeat(32))).toBeUndefined();
      await s.close();
    });

    it("streams entries in chunks across boundaries", async () => {
      const s = await factory.create();
      const entries = Array.from({ length: 25 }, (_, i) => ({
        index: i,
        envelope: bytes(`e${i}`),
        leafHash: leafHash(bytes(`e${i}`)),
      }));
      await s.append({ start: 0, entries, nodes: [], blobs: [] });
      const seen: number[] = [];
      for await (const chunk of s.entries(3, 23, { rows: 4 })) {
        expect(chunk.length).toBeLessThanOrEqual(4);
        seen.push(...chunk.map((e) => e.index));
      }
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
      await s.close();
    });

    it("bounds a chunk by bytes as well as rows, never returning an empty chunk", async () => {
      const s = await factory.create();
      const big = (i: number) => new Uint8Array(1000).fill(i);
      const entries = Array.from({ length: 10 }, (_, i) => ({
        index: i,
        envelope: big(i),
        leafHash: leafHash(big(i)),
      }));
      await s.append({ start: 0, entries, nodes: [], blobs: [] });
      const sizes: number[] = [];
      for await (const chunk of s.entries(0, 10, { rows: 100, bytes: 2500 })) sizes.push(chunk.length);
      expect(sizes).toEqual([2, 2, 2, 2, 2]);
      // A single entry larger than the budget still comes, alone.
      const singles: number[] = [];
      for await (const chunk of s.entries(0, 3, { bytes: 10 })) singles.push(chunk.length);
      expect(singles).toEqual([1, 1, 1]);
      await s.close();
    });

    it("keeps checkpoints and cosignatures, and everything survives a reopen", async () => {
      let s = await factory.create();
      await s.initMeta({ origin: "o", logKey: "k" });
      await s.append({
        start: 0,
        entries: [{ index: 0, envelope: bytes("a"), leafHash: leafHash(bytes("a")) }],
        nodes: [],
        blobs: [],
      });
      const c1 = await s.addCheckpoint(0, "zero\n");
      const c2 = await s.addCheckpoint(1, "one\n");
      await s.addCosignature(c2.id, "w1", "— w1 AAAA\n");
      await s.addCosignature(c2.id, "w2", "— w2 BBBB\n");
      s = await factory.reopen(s);
      expect(await s.meta()).toEqual({ origin: "o", logKey: "k" });
      expect(await s.size()).toBe(1);
      const all = await s.checkpoints();
      expect(all.map((c) => [c.id, c.size, c.text])).toEqual([
        [c1.id, 0, "zero\n"],
        [c2.id, 1, "one\n"],
      ]);
      expect((await s.latestCheckpoint())?.cosignatures.map((c) => c.witness)).toEqual(["w1", "w2"]);
      await s.close();
    });

    it("carries a log: appends, proofs and a clean verify", async () => {
      const logKey = generateSignerKey("log.example");
      const alice = generateSignerKey("alice");
      const log = await Log.open(await factory.create(), { logKey });
      await log.appendEntry(
        "actor",
        { actor: "alice", time: now(), role: "person", key: formatVerifierKey(alice) },
        alice,
      );
      for (let i = 0; i < 40; i++)
        await log.appendEntry("note", { actor: "alice", time: now(), text: `n${i}`, parent: 0 }, alice);
      const cp1 = await log.checkpoint();
      expect(cp1.size).toBe(41);
      const root41 = log.root();
      const batch = [];
      for (let i = 0; i < 100; i++)
        batch.push(log.sign("note", { actor: "alice", time: now(), text: `b${i}` }, alice));
      await log.append(batch);
      await log.checkpoint();
      const entry = await log.store.entry(17);
      verifyInclusion(17, log.size, leafHash(entry!.envelope), await log.inclusionProof(17), log.root());
      verifyConsistency(41, log.size, await log.consistencyProof(41), root41, log.root());
      const report = await verifyLedger(log.store);
      expect(report).toMatchObject({ ok: true, entries: 141, actors: 1, checkpoints: 2 });
      // The log found again in the same store replays to the same place.
      const again = await Log.open(await factory.reopen(log.store), { logKey });
      expect(again.size).toBe(141);
      expect(Buffer.from(again.root())).toEqual(Buffer.from(log.root()));
      expect(again.core.actors.get("alice")?.index).toBe(0);
      await again.close();
      await log.close();
    });

    it("keeps every index exactly once with four writer processes appending at once", async () => {
      const WRITERS = 4;
      const EACH = 200;
      const location = await factory.location();
      const logKey = generateSignerKey("log.example");
      const writers = Array.from({ length: WRITERS }, (_, i) => generateSignerKey(`w${i}`));
      const log = await Log.open(await factory.open(location), { logKey });
      await log.append(
        writers.map((w) =>
          log.sign("actor", { actor: w.name, time: now(), role: "person", key: formatVerifierKey(w) }, w),
        ),
      );
      await log.close();
      const outputs = await Promise.all(writers.map((w) => runWriter(location, formatSignerKey(w), EACH)));
      for (const out of outputs) expect(out).toBe(`done ${EACH} gave-up 0\n`);

      const store = await factory.open(location);
      const total = WRITERS + WRITERS * EACH;
      expect(await store.size()).toBe(total);
      const indices: number[] = [];
      const texts = new Set<string>();
      for await (const chunk of store.entries(0, total + 10, { rows: 97 })) {
        for (const e of chunk) {
          indices.push(e.index);
          expect(Buffer.from(e.leafHash)).toEqual(Buffer.from(leafHash(e.envelope)));
          const statement = JSON.parse(
            Buffer.from(JSON.parse(Buffer.from(e.envelope).toString()).payload, "base64").toString(),
          );
          if (statement.predicate.text !== undefined) texts.add(statement.predicate.text);
        }
      }
      expect(indices).toEqual(Array.from({ length: total }, (_, i) => i));
      // No note lost and none written twice: each writer's 0..EACH-1, once.
      expect(texts.size).toBe(WRITERS * EACH);
      for (const w of writers) for (let i = 0; i < EACH; i++) expect(texts.has(`${w.name} ${i}`)).toBe(true);
      const report = await verifyLedger(store);
      expect(report).toMatchObject({ ok: true, entries: total, actors: WRITERS });
      await store.close();
    }, 180_000);

    it("tells a watcher of an append made through another connection", async () => {
      const location = await factory.location();
      const watched = await factory.open(location);
      const writer = await factory.open(location);
      expect(typeof watched.watch).toBe("function");
      const seen: number[] = [];
      let wake: () => void = () => undefined;
      const stop = watched.watch!((size) => {
        seen.push(size);
        wake();
      });
      const until = async (size: number) => {
        const deadline = Date.now() + 10_000;
        while (!seen.includes(size)) {
          if (Date.now() > deadline)
            throw new Error(`expected the watcher to report size ${size}, saw ${seen}`);
          await new Promise<void>((res) => {
            wake = res;
            setTimeout(res, 100);
          });
        }
      };
      const entry = (i: number) => ({
        index: i,
        envelope: bytes(`e${i}`),
        leafHash: leafHash(bytes(`e${i}`)),
      });
      // Watching starts by reporting the size it finds.
      await until(0);
      await writer.append({ start: 0, entries: [entry(0), entry(1)], nodes: [], blobs: [] });
      await until(2);
      await writer.append({ start: 2, entries: [entry(2)], nodes: [], blobs: [] });
      await until(3);
      stop();
      const before = seen.length;
      await writer.append({ start: 3, entries: [entry(3)], nodes: [], blobs: [] });
      await new Promise((res) => setTimeout(res, 300));
      expect(seen.length).toBe(before);
      expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true);
      await writer.close();
      await watched.close();
    });
  });
}
