import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { signEntry } from "./entry.js";
import { formatVerifierKey, generateSignerKey } from "./keys.js";
import { Log } from "./log.js";
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

async function fresh() {
  const log = await Log.open(SqliteStore.open(path.join(dir, `l${n++}.db`)), { logKey });
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
    const a = await Log.open(SqliteStore.open(file), { logKey });
    await a.appendEntry(
      "actor",
      { actor: "alice", time, role: "person", key: formatVerifierKey(alice) },
      alice,
    );
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
