/**
 * Witnesses that cannot be rolled back: a witness whose record is deleted, rolled back, edited or
 * not its own refuses to cosign (so a log cannot get it to cosign a fork), starting afresh is
 * explicit and recorded, and `verify` names witnesses by key and pins them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "../ledger/base64.js";
import { signCheckpoint } from "../ledger/checkpoint.js";
import { ALG_COSIGNATURE_V1, formatVerifierKey, generateSignerKey, withType } from "../ledger/keys.js";
import { Log } from "../ledger/log.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { ledgerRules } from "./gate-detectors.js";
import { verifyLedger } from "./verify.js";
import { cosignLatest } from "./witness.js";
import { WitnessRecord } from "./witness-record.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-witness-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const logKey = generateSignerKey("log.w");
const alice = generateSignerKey("alice");
const cosigner = (name: string) => withType(generateSignerKey(name), ALG_COSIGNATURE_V1);

async function log() {
  const l = await Log.open(SqliteStore.open(path.join(dir, `l${n++}.db`)), { logKey, rules: ledgerRules() });
  await l.append([
    l.sign(
      "actor",
      { actor: "alice", time: new Date().toISOString(), role: "person", key: formatVerifierKey(alice) },
      alice,
    ),
  ]);
  return l;
}
async function grow(l: Log<unknown>, k: number) {
  const time = new Date().toISOString();
  await l.append(
    Array.from({ length: k }, (_, i) =>
      l.sign("note", { actor: "alice", time, text: `n${l.size}.${i}` }, alice),
    ),
  );
  return l.checkpoint();
}
const recordFile = () => path.join(dir, `w${n++}.record`);

describe("a witness's record", () => {
  it("checks consistency from what it last attested and records every cosignature", async () => {
    const l = await log();
    const w = cosigner("witness-1");
    const file = recordFile();
    const record = WitnessRecord.create(file, w);
    await grow(l, 3);
    const first = await cosignLatest(l, w, record);
    expect(first.checkedFrom).toBeUndefined();
    await grow(l, 5);
    const second = await cosignLatest(l, w, WitnessRecord.open(file, w));
    expect(second).toMatchObject({ checkedFrom: first.size, size: first.size + 5 });
    expect(WitnessRecord.open(file, w).all.map((e) => e.event)).toEqual(["genesis", "cosign", "cosign"]);
    await l.close();
  });

  it("refuses when the record is missing, rolled back, edited, cut short, or not its own", async () => {
    const l = await log();
    const w = cosigner("witness-1");
    const file = recordFile();
    await grow(l, 2);
    await cosignLatest(l, w, WitnessRecord.create(file, w));
    const early = fs.readFileSync(file, "utf8");
    await grow(l, 2);
    await cosignLatest(l, w, WitnessRecord.open(file, w));
    await grow(l, 2);
    // Rolled back: an older copy of the record, while the log holds a later cosignature by this key.
    const rolled = recordFile();
    fs.writeFileSync(rolled, early);
    await expect(cosignLatest(l, w, WitnessRecord.open(rolled, w))).rejects.toMatchObject({
      code: "WITNESS_RECORD_ROLLED_BACK",
    });
    // Deleted, then made anew: the log proves this key cosigned before, the record has nothing.
    const remade = recordFile();
    await expect(cosignLatest(l, w, WitnessRecord.create(remade, w))).rejects.toMatchObject({
      code: "WITNESS_RECORD_MISSING",
    });
    expect(() => WitnessRecord.open(path.join(dir, "nowhere.record"), w)).toThrow(
      expect.objectContaining({ code: "WITNESS_RECORD_MISSING" }),
    );
    // Edited (a size changed), cut short, or signed by another key.
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const edited = recordFile();
    fs.writeFileSync(
      edited,
      lines.map((x, i) => (i === 1 ? x.replace(/"size":\d+/, '"size":999') : x)).join("\n"),
    );
    expect(() => WitnessRecord.open(edited, w)).toThrow(
      expect.objectContaining({ code: "WITNESS_RECORD_BROKEN" }),
    );
    const cut = recordFile();
    fs.writeFileSync(cut, `${lines[0]}\n${lines[2]}\n`);
    expect(() => WitnessRecord.open(cut, w)).toThrow(
      expect.objectContaining({ code: "WITNESS_RECORD_BROKEN" }),
    );
    const short = recordFile();
    fs.writeFileSync(short, fs.readFileSync(file, "utf8").slice(0, -10));
    expect(() => WitnessRecord.open(short, w)).toThrow(
      expect.objectContaining({ code: "WITNESS_RECORD_BROKEN" }),
    );
    expect(() => WitnessRecord.open(file, cosigner("witness-1"))).toThrow(
      expect.objectContaining({ code: "WITNESS_RECORD_FOREIGN" }),
    );
    // Starting afresh is explicit, takes what the log can prove, and is written down with the reason.
    const done = await cosignLatest(l, w, WitnessRecord.open(rolled, w), { fresh: "restored from backup" });
    expect(done.checkedFrom).toBeGreaterThan(0);
    const events = WitnessRecord.open(rolled, w).all;
    expect(events.at(-2)).toMatchObject({ event: "fresh", reason: "restored from backup" });
    await l.close();
  });

  it("does not cosign a fork: a different root for a size it attested", async () => {
    const l = await log();
    const w = cosigner("witness-1");
    const file = recordFile();
    const cp = await grow(l, 4);
    await cosignLatest(l, w, WitnessRecord.create(file, w));
    // The log's operator signs a second history of the same size and offers it.
    const fork = signCheckpoint(
      { origin: l.origin, size: cp.size, root: new Uint8Array(32).fill(3), extensions: [] },
      logKey,
    );
    await l.store.addCheckpoint(cp.size, fork);
    await expect(cosignLatest(l, w, WitnessRecord.open(file, w))).rejects.toMatchObject({
      code: "ROOT_MISMATCH",
    });
    await l.close();
  });
});

describe("verify pins witnesses by key", () => {
  it("names a witness by key id, reports an impostor with the same name as not pinned, and enforces a quorum", async () => {
    const l = await log();
    const real = cosigner("witness-1");
    const impostor = cosigner("witness-1");
    await grow(l, 3);
    await cosignLatest(l, impostor, WitnessRecord.create(recordFile(), impostor));
    const store = () => l.store;
    let r = await verifyLedger(store(), { witnesses: [real] });
    expect(r.problem?.code).toBe("WITNESS_QUORUM");
    expect(r.witnesses).toEqual([
      expect.objectContaining({ name: "witness-1", keyId: toHex(impostor.keyId), pinned: false }),
    ]);
    await cosignLatest(l, real, WitnessRecord.create(recordFile(), real));
    r = await verifyLedger(store(), { witnesses: [real] });
    expect(r.ok).toBe(true);
    expect(r.witnesses.filter((x) => x.pinned).map((x) => x.keyId)).toEqual([toHex(real.keyId)]);
    r = await verifyLedger(store(), { witnesses: [real, cosigner("witness-2")], minWitnesses: 2 });
    expect(r.problem?.code).toBe("WITNESS_QUORUM");
    await l.close();
  });
});
