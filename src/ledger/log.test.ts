import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { signEntry } from "./entry.js";
import { formatVerifierKey, generateSignerKey } from "./keys.js";
import { Log } from "./log.js";
import type { AppendBatch, LedgerStore } from "./store.js";
import { parseTlogProof } from "./tlog-proof.js";
import { verifyLog as verifyLedger } from "./verify.js";
import { verifyProofFile } from "./verify-proof.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-log-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const time = new Date().toISOString();
const logKey = generateSignerKey("log.test");
/** The log's origin: every entry binds it. */
const origin = logKey.name;
const alice = generateSignerKey("alice");

/** A log (in `file`, a new one by default) whose first entry introduces alice. */
async function fresh(file = path.join(dir, `l${n++}.db`)) {
  const log = await Log.open(SqliteStore.open(file), { logKey });
  await log.appendEntry(
    "actor",
    { actor: "alice", time, role: "person", key: formatVerifierKey(alice) },
    alice,
  );
  return log;
}
const note = (text: string, extra: object = {}) =>
  signEntry("note", { actor: "alice", time, log: origin, text, ...extra }, alice);
const process = { kind: "q-learning" };

describe("log admission", () => {
  it("refuses a whole batch when one entry is bad, writing nothing", async () => {
    const log = await fresh();
    const bad = generateSignerKey("alice");
    const batch = [
      note("a"),
      note("b"),
      signEntry("note", { actor: "alice", time, log: origin, text: "forged" }, bad),
      note("d"),
    ];
    await expect(log.append(batch)).rejects.toMatchObject({ code: "ACTOR_KEY_MISMATCH", batchIndex: 2 });
    expect(log.size).toBe(1);
    expect(await log.store.size()).toBe(1);
    await log.append([note("a")]);
    expect(log.size).toBe(2);
    expect((await verifyLedger(log.store)).ok).toBe(true);
    await log.close();
  });

  it("codes every admission rule", async () => {
    const log = await fresh();
    const bob = generateSignerKey("bob");
    const opt = generateSignerKey("opt");
    const tampered = JSON.parse(Buffer.from(note("x")).toString());
    tampered.signatures[0].sig = Buffer.alloc(64, 1).toString("base64");
    const cases: [Uint8Array, string][] = [
      [Buffer.from(JSON.stringify(tampered)), "ENTRY_SIGNATURE_INVALID"],
      [signEntry("note", { actor: "bob", time, log: origin, text: "hi" }, bob), "ACTOR_UNKNOWN"],
      [note("x", { parent: 5 }), "PARENT_NOT_BEFORE"],
      [
        // Not the same bytes as entry 0 (that would be a duplicate): the same actor introduced again.
        signEntry(
          "actor",
          {
            actor: "alice",
            time,
            log: origin,
            role: "person",
            key: formatVerifierKey(alice),
            description: "again",
          },
          alice,
        ),
        "ACTOR_EXISTS",
      ],
      [
        signEntry(
          "actor",
          { actor: "bob", time, log: origin, role: "person", key: formatVerifierKey(alice) },
          bob,
        ),
        "ACTOR_KEY_MISMATCH",
      ],
      [
        signEntry(
          "optimizer",
          {
            actor: "alice",
            time,
            log: origin,
            optimizer: { name: "opt", key: formatVerifierKey(bob), process },
          },
          alice,
        ),
        "ACTOR_KEY_MISMATCH",
      ],
      [
        signEntry(
          "optimizer",
          {
            actor: "alice",
            time,
            log: origin,
            optimizer: { name: "alice", key: formatVerifierKey(alice), process },
          },
          alice,
        ),
        "ACTOR_EXISTS",
      ],
    ];
    for (const [env, code] of cases) await expect(log.append([env]), code).rejects.toMatchObject({ code });
    expect(log.size).toBe(1);
    // The chain of keys: alice creates opt, and opt's own key may then sign as opt.
    await log.appendEntry(
      "optimizer",
      { actor: "alice", time, parent: 0, optimizer: { name: "opt", key: formatVerifierKey(opt), process } },
      alice,
    );
    await log.appendEntry("note", { actor: "opt", time, text: "I am opt", parent: 1 }, opt);
    expect(log.core.actors.get("opt")).toMatchObject({ creator: "alice", index: 1 });
    expect((await verifyLedger(log.store)).ok).toBe(true);
    await log.close();
  });

  it("serialises concurrent appends from one process", async () => {
    const log = await fresh();
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append([note(`c${i}`), note(`d${i}`)])));
    expect(log.size).toBe(41);
    expect((await verifyLedger(log.store)).ok).toBe(true);
    await log.close();
  });

  it("two logs on one file take turns (the second reloads on conflict)", async () => {
    const file = path.join(dir, `shared${n++}.db`);
    const a = await fresh(file);
    const b = await Log.open(SqliteStore.open(file), { logKey });
    await a.append([note("from a")]);
    await b.append([note("from b")]);
    expect(b.size).toBe(3);
    expect((await verifyLedger(b.store)).ok).toBe(true);
    await a.close();
    await b.close();
  });

  it("a reopened log continues the same tree, and a proof file verifies offline", async () => {
    const file = path.join(dir, `reopen${n++}.db`);
    let log = await Log.open(SqliteStore.open(file), { logKey });
    await log.appendEntry(
      "actor",
      { actor: "alice", time, role: "person", key: formatVerifierKey(alice) },
      alice,
    );
    await log.append(Array.from({ length: 37 }, (_, i) => note(`r${i}`)));
    const root = log.root();
    await log.close();
    log = await Log.open(SqliteStore.open(file), { logKey });
    expect(Buffer.from(log.root())).toEqual(Buffer.from(root));
    await log.append([note("after")]);
    const text = await log.tlogProof(20);
    expect(parseTlogProof(text).index).toBe(20);
    expect(verifyProofFile(text, { logKey })).toMatchObject({ kind: "inclusion", index: 20, size: 39 });
    await expect(
      Log.open(SqliteStore.open(file), { logKey: generateSignerKey("log.test") }),
    ).rejects.toMatchObject({ code: "KEY_MISMATCH" });
    await log.close();
  });
});

/** The real store, with its appends counted and (while `hold` is set) held back until released. */
function spied(store: LedgerStore) {
  const writes: { start: number; entries: number; ok: boolean }[] = [];
  let hold: Promise<void> | undefined;
  const real = store.append.bind(store);
  store.append = async (batch: AppendBatch) => {
    if (hold !== undefined) await hold;
    try {
      await real(batch);
      writes.push({ start: batch.start, entries: batch.entries.length, ok: true });
    } catch (err) {
      writes.push({ start: batch.start, entries: batch.entries.length, ok: false });
      throw err;
    }
  };
  return {
    writes,
    /** Hold every write until the returned function is called. */
    hold(): () => void {
      let release: () => void = () => undefined;
      hold = new Promise<void>((resolve) => {
        release = () => {
          hold = undefined;
          resolve();
        };
      });
      return release;
    },
  };
}
const settleTicks = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("group commit", () => {
  it("writes the batches queued behind a write in one store append, each durable when it resolves", async () => {
    const log = await fresh();
    const spy = spied(log.store);
    const sign = (text: string) => log.sign("note", { actor: "alice", time, text }, alice);
    const release = spy.hold();
    const first = log.append([sign("first")]);
    await settleTicks();
    const queued = Array.from({ length: 5 }, (_, i) => log.append([sign(`q${i}a`), sign(`q${i}b`)]));
    await settleTicks();
    release();
    const results = await Promise.all([first, ...queued]);
    expect(spy.writes).toEqual([
      { start: 1, entries: 1, ok: true },
      { start: 2, entries: 10, ok: true },
    ]);
    // In arrival order, each batch's indices consecutive.
    expect(results.map((r) => r.map((e) => e.index))).toEqual([
      [1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
      [10, 11],
    ]);
    expect(await log.store.size()).toBe(12);
    expect((await verifyLedger(log.store)).ok).toBe(true);
    await log.close();
  });

  it("refuses a bad batch of the group alone, storing nothing of it, and decides the rest without it", async () => {
    const log = await fresh();
    const spy = spied(log.store);
    const sign = (text: string) => log.sign("note", { actor: "alice", time, text }, alice);
    const forger = generateSignerKey("alice");
    const release = spy.hold();
    const first = log.append([sign("first")]);
    await settleTicks();
    const good1 = log.append([sign("g1a"), sign("g1b")]);
    const forged = log.append([
      sign("f-a"),
      log.sign("note", { actor: "alice", time, text: "forged" }, forger),
    ]);
    // Refused as a duplicate of the batch just before it in the same group.
    const again = sign("g1a-again");
    const good2 = log.append([again]);
    const replay = log.append([sign("r"), again]);
    const badFormat = log.append([Buffer.from("not an envelope")]);
    const good3 = log.append([sign("g3")]);
    await settleTicks();
    release();
    await first;
    await expect(forged).rejects.toMatchObject({ code: "ACTOR_KEY_MISMATCH", batchIndex: 1 });
    await expect(replay).rejects.toMatchObject({ code: "ENTRY_DUPLICATE", batchIndex: 1 });
    await expect(badFormat).rejects.toMatchObject({ code: "JSON_INVALID" });
    expect((await good1).map((e) => e.index)).toEqual([2, 3]);
    expect((await good2).map((e) => e.index)).toEqual([4]);
    expect((await good3).map((e) => e.index)).toEqual([5]);
    expect(spy.writes).toEqual([
      { start: 1, entries: 1, ok: true },
      { start: 2, entries: 4, ok: true },
    ]);
    const texts: string[] = [];
    for await (const chunk of log.store.entries(0, await log.store.size()))
      for (const e of chunk)
        texts.push(
          JSON.parse(Buffer.from(JSON.parse(Buffer.from(e.envelope).toString()).payload, "base64").toString())
            .predicate.text,
        );
    expect(texts).toEqual([undefined, "first", "g1a", "g1b", "g1a-again", "g3"]);
    // The refused batches left nothing in the state either: their good entries append now.
    await log.append([sign("f-a"), sign("r")]);
    expect(log.size).toBe(8);
    expect((await verifyLedger(log.store)).ok).toBe(true);
    await log.close();
  });

  it("on a conflict with another writer, catches up and decides the whole group again", async () => {
    const file = path.join(dir, `group${n++}.db`);
    const a = await fresh(file);
    const b = await Log.open(SqliteStore.open(file), { logKey });
    const spy = spied(b.store);
    const bob = generateSignerKey("bob");
    const shared = note("written by a, then offered to b");
    // b has not seen these: bob's entry would be refused as ACTOR_UNKNOWN and `shared` admitted.
    await a.append([
      signEntry(
        "actor",
        { actor: "bob", time, log: origin, role: "person", key: formatVerifierKey(bob) },
        bob,
      ),
      shared,
    ]);
    const byBob = b.append([
      signEntry("note", { actor: "bob", time, log: origin, text: "hi from bob" }, bob),
    ]);
    const dup = b.append([shared]);
    const mine = b.append([note("b1"), note("b2")]);
    await expect(dup).rejects.toMatchObject({ code: "ENTRY_DUPLICATE" });
    expect((await byBob).map((e) => e.index)).toEqual([3]);
    expect((await mine).map((e) => e.index)).toEqual([4, 5]);
    expect(spy.writes.at(-1)).toEqual({ start: 3, entries: 3, ok: true });
    expect(spy.writes.filter((w) => !w.ok).length).toBeGreaterThan(0);
    expect((await verifyLedger(b.store)).ok).toBe(true);
    await a.close();
    await b.close();
  });

  it("does not refuse on a state another writer has moved past", async () => {
    const file = path.join(dir, `stale${n++}.db`);
    const a = await fresh(file);
    const b = await Log.open(SqliteStore.open(file), { logKey });
    const bob = generateSignerKey("bob");
    await a.append([
      signEntry(
        "actor",
        { actor: "bob", time, log: origin, role: "person", key: formatVerifierKey(bob) },
        bob,
      ),
    ]);
    // Alone in its group and refused on b's stale state: b reads the size, catches up and admits it.
    const [done] = await b.append([signEntry("note", { actor: "bob", time, log: origin, text: "hi" }, bob)]);
    expect(done!.index).toBe(2);
    await a.close();
    await b.close();
  });
});
