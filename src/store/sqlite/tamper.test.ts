/**
 * The tamper suite: edit the SQLite file directly, the way an attacker with disk access would, and
 * check that `verify` names each edit with its own code at the right place.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signCheckpoint } from "../../ledger/checkpoint.js";
import { signEntry } from "../../ledger/entry.js";
import { formatVerifierKey, generateSignerKey, type SignerKey, withType } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { Frontier, leafHash } from "../../ledger/merkle.js";
import type { VerifyCode } from "../../ledger/verify.js";
import { canonicalJson } from "../../model/index.js";
import { ledgerRules } from "../../oversight/gate-detectors.js";
import { verifyLedger } from "../../oversight/verify.js";
import { cosignLatest } from "../../oversight/witness.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { SqliteStore } from "./sqlite-store.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-tamper-"));
const template = path.join(dir, "template.db");
const logKey = generateSignerKey("log.test");
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const opt1 = generateSignerKey("opt1");
const witness = withType(generateSignerKey("w1"), 0x04);
const time = new Date().toISOString();
const log = "log.test";
let copies = 0;
/** A spec kept beside the log as a blob (its canonical JSON), named by its digest in the creation. */
const blobSpec = canonicalJson({
  name: "a spec kept as a blob",
  note: "any JSON the rules can read",
  process: { kind: "q-learning" },
});
const blobDigest = Buffer.from(
  require("node:crypto").createHash("sha256").update(blobSpec).digest(),
).toString("hex");

beforeAll(async () => {
  const log = await Log.open(SqliteStore.open(template), { logKey, rules: ledgerRules() });
  await log.appendEntry(
    "actor",
    { actor: "alice", time, role: "person", key: formatVerifierKey(alice) },
    alice,
  );
  await log.appendEntry("actor", { actor: "bob", time, role: "overseer", key: formatVerifierKey(bob) }, bob);
  await log.appendEntry(
    "optimizer",
    {
      actor: "alice",
      time,
      parent: 0,
      optimizer: {
        name: "opt1",
        key: formatVerifierKey(opt1),
        process: { kind: "q-learning" },
        specDigest: blobDigest,
      },
    },
    alice,
    { blobs: [Buffer.from(blobSpec)] },
  );
  const signers: SignerKey[] = [alice, bob, opt1];
  for (let i = 3; i < 40; i++) {
    const s = signers[i % 3]!;
    // Entry 25 names entry 3 as its parent: the swap tamper uses that pair.
    const parent = i === 25 ? 3 : i % 5 === 0 ? i - 1 : undefined;
    await log.appendEntry(
      "note",
      { actor: s.name, time, text: `note ${i}`, ...(parent !== undefined ? { parent } : {}) },
      s,
    );
    if (i + 1 === 12 || i + 1 === 30) {
      await log.checkpoint();
      if (i + 1 === 30)
        await cosignLatest(log, witness, WitnessRecord.create(path.join(dir, "w1.record"), witness));
    }
  }
  await log.checkpoint();
  await log.close();
  const clean = await verifyLedger(SqliteStore.open(template, { readonly: true }));
  expect(clean).toMatchObject({ ok: true, entries: 40, actors: 3, checkpoints: 3 });
  expect(clean.witnesses.map((w) => w.name)).toEqual(["w1"]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copy(): string {
  const file = path.join(dir, `t${copies++}.db`);
  fs.copyFileSync(template, file);
  return file;
}

/** An attacker who knows the format recomputes every leaf and node hash after an edit. */
function rehash(db: Database.Database): void {
  const rows = db
    .prepare<[], { idx: number; envelope: Buffer }>("SELECT idx, envelope FROM entries ORDER BY idx")
    .all();
  const f = new Frontier();
  db.exec("DELETE FROM nodes");
  const node = db.prepare("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)");
  const leaf = db.prepare("UPDATE entries SET leaf_hash = ? WHERE idx = ?");
  for (const r of rows) {
    const h = leafHash(r.envelope);
    leaf.run(h, r.idx);
    for (const n of f.push(h)) node.run(n.level, n.index, n.hash);
  }
}

async function tamper(edit: (db: Database.Database) => void, pinned = false) {
  const file = copy();
  const db = new Database(file);
  edit(db);
  db.close();
  const store = SqliteStore.open(file, { readonly: true });
  try {
    return await verifyLedger(store, pinned ? { logKey } : {});
  } finally {
    await store.close();
  }
}

const envelope = (db: Database.Database, idx: number) =>
  db.prepare<[number], { envelope: Buffer }>("SELECT envelope FROM entries WHERE idx = ?").get(idx)!.envelope;
const setEnvelope = (db: Database.Database, idx: number, env: Uint8Array) =>
  db.prepare("UPDATE entries SET envelope = ? WHERE idx = ?").run(env, idx);

const cases: {
  name: string;
  code: VerifyCode;
  index?: number;
  edit: (db: Database.Database) => void;
  pinned?: boolean;
}[] = [
  {
    name: "flip one byte of an entry",
    code: "LEAF_HASH_MISMATCH",
    index: 5,
    edit: (db) => {
      const e = Buffer.from(envelope(db, 5));
      e[40]! ^= 1;
      setEnvelope(db, 5, e);
    },
  },
  {
    name: "change a stored leaf hash",
    code: "LEAF_HASH_MISMATCH",
    index: 8,
    edit: (db) => db.prepare("UPDATE entries SET leaf_hash = ? WHERE idx = 8").run(Buffer.alloc(32, 1)),
  },
  {
    name: "change a stored subtree hash",
    code: "NODE_HASH_MISMATCH",
    index: 7,
    edit: (db) =>
      db.prepare("UPDATE nodes SET hash = ? WHERE level = 1 AND idx = 3").run(Buffer.alloc(32, 2)),
  },
  {
    name: "delete a stored subtree hash",
    code: "NODE_MISSING",
    index: 15,
    edit: (db) => db.exec("DELETE FROM nodes WHERE level = 3 AND idx = 1"),
  },
  {
    name: "add a stray subtree hash",
    code: "NODE_EXTRA",
    edit: (db) => db.prepare("INSERT INTO nodes VALUES (1, 999, ?)").run(Buffer.alloc(32)),
  },
  {
    name: "delete an entry",
    code: "ENTRY_MISSING",
    index: 10,
    edit: (db) => db.exec("DELETE FROM entries WHERE idx = 10"),
  },
  {
    name: "swap an entry with the entry it names as parent",
    code: "PARENT_NOT_BEFORE",
    index: 3,
    edit: (db) => {
      db.exec(
        "UPDATE entries SET idx = -1 WHERE idx = 3; UPDATE entries SET idx = 3 WHERE idx = 25; UPDATE entries SET idx = 25 WHERE idx = -1",
      );
    },
  },
  {
    name: "truncate entries covered by a checkpoint",
    code: "CHECKPOINT_BEYOND_LOG",
    index: 40,
    edit: (db) => {
      db.exec("DELETE FROM entries WHERE idx >= 32");
      rehash(db);
    },
  },
  {
    name: "replace a signature (with the same key's signature over other content), rehashing the tree",
    code: "ENTRY_SIGNATURE_INVALID",
    index: 15,
    edit: (db) => {
      const other = JSON.parse(
        Buffer.from(signEntry("note", { actor: "alice", time, log, text: "other" }, alice)).toString(),
      );
      const e = JSON.parse(envelope(db, 15).toString());
      e.signatures[0].sig = other.signatures[0].sig;
      setEnvelope(db, 15, Buffer.from(JSON.stringify(e)));
      rehash(db);
    },
  },
  {
    name: "re-sign an entry with a key not bound to its actor, rehashing the tree",
    code: "ACTOR_KEY_MISMATCH",
    index: 16,
    edit: (db) => {
      const impostor = generateSignerKey("bob");
      setEnvelope(
        db,
        16,
        signEntry("note", { actor: "bob", time, log, text: "bob approves everything" }, impostor),
      );
      rehash(db);
    },
  },
  {
    name: "claim an actor that was never introduced, rehashing the tree",
    code: "ACTOR_UNKNOWN",
    index: 17,
    edit: (db) => {
      setEnvelope(
        db,
        17,
        signEntry("note", { actor: "mallory", time, log, text: "hi" }, generateSignerKey("mallory")),
      );
      rehash(db);
    },
  },
  {
    name: "insert a well-formed entry in the middle, rehashing the tree",
    code: "CHECKPOINT_ROOT_MISMATCH",
    index: 30,
    edit: (db) => {
      const mallory = generateSignerKey("mallory");
      const rows = db
        .prepare<[], { idx: number }>("SELECT idx FROM entries WHERE idx >= 20 ORDER BY idx DESC")
        .all();
      for (const r of rows) db.prepare("UPDATE entries SET idx = idx + 1 WHERE idx = ?").run(r.idx);
      const env = signEntry(
        "actor",
        { actor: "mallory", time, log, role: "person", key: formatVerifierKey(mallory) },
        mallory,
      );
      db.prepare("INSERT INTO entries VALUES (20, ?, ?)").run(env, leafHash(env));
      rehash(db);
    },
  },
  {
    name: "replace an entry with garbage, rehashing the tree",
    code: "ENTRY_MALFORMED",
    index: 21,
    edit: (db) => {
      setEnvelope(db, 21, Buffer.from('{"payloadType":"x","payload":"","signatures":[]}'));
      rehash(db);
    },
  },
  {
    name: "copy an entry over the next one (a replay), rehashing the tree",
    code: "ENTRY_DUPLICATE",
    index: 6,
    edit: (db) => {
      setEnvelope(db, 6, envelope(db, 5));
      rehash(db);
    },
  },
  {
    name: "put in an entry signed for another log, rehashing the tree",
    code: "ORIGIN_MISMATCH",
    index: 9,
    edit: (db) => {
      setEnvelope(
        db,
        9,
        signEntry("note", { actor: "alice", time, log: "other.log", text: "copied" }, alice),
      );
      rehash(db);
    },
  },
  {
    name: "back-date an entry by a year, rehashing the tree",
    code: "TIME_BACKWARDS",
    index: 13,
    edit: (db) => {
      const old = new Date(Date.now() - 365 * 86400_000).toISOString();
      setEnvelope(db, 13, signEntry("note", { actor: "bob", time: old, log, text: "long ago" }, bob));
      rehash(db);
    },
  },
  {
    name: "date an entry in the year 9999, rehashing the tree",
    code: "TIME_IN_FUTURE",
    index: 14,
    edit: (db) => {
      setEnvelope(
        db,
        14,
        signEntry("note", { actor: "opt1", time: "9999-01-01T00:00:00Z", log, text: "later" }, opt1),
      );
      rehash(db);
    },
  },
  {
    name: "edit the blob a creation names",
    code: "BLOB_HASH_MISMATCH",
    index: 2,
    edit: (db) => db.prepare("UPDATE blobs SET data = ?").run(Buffer.from(blobSpec.replace("any", "some"))),
  },
  {
    name: "delete the blob a creation names",
    code: "CONTROL_SPEC_MISSING",
    index: 2,
    edit: (db) => db.exec("DELETE FROM blobs"),
  },
  {
    name: "edit a checkpoint's root, keeping its signature",
    code: "CHECKPOINT_SIGNATURE_INVALID",
    index: 12,
    edit: (db) => {
      const row = db
        .prepare<[], { id: number; text: string }>("SELECT id, text FROM checkpoints WHERE size = 12")
        .get()!;
      const lines = row.text.split("\n");
      lines[2] = Buffer.alloc(32, 9).toString("base64");
      db.prepare("UPDATE checkpoints SET text = ? WHERE id = ?").run(lines.join("\n"), row.id);
    },
  },
  {
    name: "two checkpoints of one size with different roots (a fork signed with the log key)",
    code: "CHECKPOINT_FORK",
    index: 30,
    edit: (db) => {
      const fork = signCheckpoint(
        { origin: "log.test", size: 30, root: Buffer.alloc(32, 5), extensions: [] },
        logKey,
      );
      db.prepare("INSERT INTO checkpoints (size, text) VALUES (30, ?)").run(fork);
    },
  },
  {
    name: "a checkpoint that signs a root the entries do not produce (log key misused)",
    code: "CHECKPOINT_ROOT_MISMATCH",
    index: 35,
    edit: (db) => {
      const bad = signCheckpoint(
        { origin: "log.test", size: 35, root: Buffer.alloc(32, 5), extensions: [] },
        logKey,
      );
      db.prepare("INSERT INTO checkpoints (size, text) VALUES (35, ?)").run(bad);
    },
  },
  {
    name: "forge a witness cosignature",
    code: "COSIGNATURE_INVALID",
    index: 30,
    edit: (db) => {
      const row = db.prepare<[], { line: string }>("SELECT line FROM cosignatures").get()!;
      const [dash, name, b64] = row.line.trimEnd().split(" ");
      const raw = Buffer.from(b64!, "base64");
      raw[raw.length - 1]! ^= 1; // the last byte of the Ed25519 signature
      const forged = `${dash} ${name} ${raw.toString("base64")}\n`;
      db.prepare("UPDATE cosignatures SET line = ?").run(forged);
    },
  },
  {
    name: "swap in another log key (pinned verification)",
    code: "LOG_KEY_MISMATCH",
    pinned: true,
    edit: (db) =>
      db
        .prepare("UPDATE meta SET value = ? WHERE key = 'log_key'")
        .run(formatVerifierKey(generateSignerKey("log.test"))),
  },
  {
    name: "swap in another log key (unpinned: every checkpoint then fails)",
    code: "CHECKPOINT_SIGNATURE_INVALID",
    index: 12,
    edit: (db) =>
      db
        .prepare("UPDATE meta SET value = ? WHERE key = 'log_key'")
        .run(formatVerifierKey(generateSignerKey("log.test"))),
  },
];

describe("verify catches direct edits of the SQLite file", () => {
  it("has at least 10 distinct tampers", () => expect(cases.length).toBeGreaterThanOrEqual(10));
  for (const c of cases) {
    it(`${c.name} -> ${c.code}`, async () => {
      const report = await tamper(c.edit, c.pinned);
      expect(report.ok).toBe(false);
      expect(report.problem?.code).toBe(c.code);
      if (c.index !== undefined) expect(report.problem?.index).toBe(c.index);
    });
  }
});
