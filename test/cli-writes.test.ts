/**
 * What commands may write: only `log append`, `policy` and `init` create a ledger, every other
 * command refuses a missing one and leaves the disk as it was, and a command that fails writes
 * nothing at all (no entry, no checkpoint, no file, no folder, no key).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDir, listing, runJson } from "./cli-support.js";

const dir = freshDir("optprov-writes-");
const keys = path.join(dir, "keys");
const key = (name: string) => path.join(keys, `${name}.key`);
const ledger = path.join(dir, "ledger.db");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], cwd = dir) => runJson(args, { cwd });
const onLedger = (args: string[]) => run(["--ledger", ledger, ...args]);
const size = () => onLedger(["log", "show", "--limit", "0"]).body.size as number;
const checkpoints = () => onLedger(["verify"]).body.checkpoints as number;

const POLICY = [
  "version: 1",
  "name: lab",
  "owner: alice",
  "mode: enforce",
  "expires: 2099-01-01T00:00:00Z",
  "overseers: [bob]",
  "rules:",
  "  - creator: { name: alice }",
  "    mayCreate: [q-learning]",
].join("\n");

beforeAll(() => {
  fs.mkdirSync(keys);
  for (const name of ["alice", "bob"])
    expect(run(["keygen", "--name", name, "--out", key(name)]).code).toBe(0);
  expect(run(["keygen", "--name", "w1", "--witness", "--out", key("w1")]).code).toBe(0);
  fs.writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  fs.writeFileSync(path.join(dir, "expired.yaml"), POLICY.replace("2099-01-01", "2001-01-01"));
  expect(onLedger(["log", "append", "--kind", "note", "--actor", key("alice"), "--text", "hello"]).code).toBe(
    0,
  );
});

describe("commands that do not create a ledger", () => {
  // Every command but log append, policy and init, each pointed at a ledger that is not there.
  const commands: [string, string[]][] = [
    ["checkpoint", ["checkpoint"]],
    ["verify", ["verify"]],
    ["tree", ["tree"]],
    ["audit", ["audit"]],
    ["log show", ["log", "show"]],
    ["log-key", ["log-key"]],
    ["proof inclusion", ["proof", "inclusion", "0"]],
    ["proof consistency", ["proof", "consistency", "0"]],
    ["witness cosign", ["witness", "cosign", "--key", key("w1"), "--record", path.join(keys, "w1.record")]],
    ["review list", ["review", "list"]],
    ["review show", ["review", "show", "0"]],
    ["review approve", ["review", "approve", "0", "--key", key("bob")]],
    ["halt", ["halt", "x", "--key", key("bob")]],
    ["resume", ["resume", "x", "--key", key("alice")]],
    ["explain", ["explain", "x"]],
    ["export", ["export", "--format", "prov-json"]],
  ];
  for (const [name, args] of commands) {
    it(`${name} on a mistyped ledger path exits 2 with FILE_NOT_FOUND and writes nothing`, () => {
      const before = listing(dir);
      const r = run(["--ledger", path.join(dir, "typo", "ledgr.db"), ...args]);
      expect(r.code).toBe(2);
      expect(r.body.error.code).toBe("FILE_NOT_FOUND");
      expect(listing(dir)).toEqual(before);
    });
  }

  it("checkpoint, cosign and approve on the default ledger of an empty folder create nothing", () => {
    const empty = freshDir("optprov-empty-");
    try {
      const before = listing(empty);
      for (const args of [
        ["checkpoint"],
        ["witness", "cosign", "--key", key("w1"), "--record", path.join(empty, "w1.record")],
        ["review", "approve", "0", "--key", key("bob")],
      ]) {
        const r = run(args, empty);
        expect(r.code).toBe(2);
        expect(r.body.error.code).toBe("FILE_NOT_FOUND");
      }
      expect(listing(empty)).toEqual(before);
      expect(fs.existsSync(path.join(empty, ".optprov"))).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("a file that is not a ledger is refused without SQLite writing into it", () => {
    const notes = path.join(dir, "notes.db");
    fs.writeFileSync(notes, "");
    const r = run(["--ledger", notes, "checkpoint"]);
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe("STORE_NOT_INITIALISED");
    expect(fs.statSync(notes).size).toBe(0);
    const text = path.join(dir, "text.db");
    fs.writeFileSync(text, "these are my notes\n".repeat(100));
    expect(
      run(["--ledger", text, "log", "append", "--kind", "note", "--actor", key("alice"), "--text", "x"]).body
        .error.code,
    ).toBe("STORE_OPEN_FAILED");
    expect(fs.readFileSync(text, "utf8")).toBe("these are my notes\n".repeat(100));
    expect(run(["--ledger", dir, "verify"]).body.error.code).toBe("FILE_NOT_REGULAR");
  });
});

describe("a command that fails writes nothing", () => {
  it("a policy whose owner is not the signer registers no actor", () => {
    const before = size();
    const r = onLedger(["policy", "policy.yaml", "--key", key("bob")]);
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe("POLICY_INVALID");
    expect(r.body.error.problems.map((p: { code: string }) => p.code)).toEqual(["OWNER_MISMATCH"]);
    expect(size()).toBe(before);
    expect(onLedger(["explain", "bob"]).body.error.code).toBe("OPTIMIZER_UNKNOWN");
  });

  it("an expired policy is refused at signing with POLICY_EXPIRED", () => {
    const before = size();
    const r = onLedger(["policy", "expired.yaml", "--key", key("alice")]);
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe("POLICY_EXPIRED");
    expect(r.body.error.problems[0]).toMatchObject({ code: "POLICY_EXPIRED", path: "expires", line: 5 });
    expect(size()).toBe(before);
  });

  it("a refused first entry leaves no ledger, no log key and no folder", () => {
    const before = listing(dir);
    const fresh = path.join(dir, "new", "sub", "ledger.db");
    const append = (...extra: string[]) => [
      ...["--ledger", fresh, "log", "append", "--kind", "note", "--actor", key("alice")],
      ...extra,
    ];
    const attempts = [
      append("--text", "x", "--parent", "7"),
      append("--text", "x".repeat(70_000)),
      ["--ledger", fresh, "policy", "policy.yaml", "--key", key("bob")],
      ["--ledger", fresh, "policy", "expired.yaml", "--key", key("alice")],
    ];
    for (const args of attempts) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(listing(dir)).toEqual(before);
    }
  });

  it("a first entry that succeeds creates the ledger and its log key together", () => {
    const fresh = path.join(dir, "made", "ledger.db");
    const r = run(["--ledger", fresh, "policy", "policy.yaml", "--key", key("alice")]);
    expect(r.code).toBe(0);
    expect(r.body).toMatchObject({ index: 1, active: true, registeredActorAt: 0 });
    expect(fs.readdirSync(path.dirname(fresh)).sort()).toEqual(["ledger.db", "log.key"]);
    expect(fs.statSync(path.join(dir, "made", "log.key")).mode & 0o777).toBe(0o600);
    expect(r.err).toContain("created ledger");
    expect(run(["--ledger", fresh, "verify"]).body).toMatchObject({ ok: true, entries: 2 });
  });

  it("a proof or a cosignature that cannot be saved leaves no checkpoint or cosignature behind", () => {
    const cps = checkpoints();
    const out = fs.mkdtempSync(path.join(dir, "out-"));
    const proof = onLedger(["proof", "inclusion", "0", "--out", out]);
    expect(proof.code).toBe(2);
    expect(proof.body.error.code).toBe("FILE_NOT_REGULAR");
    expect(checkpoints()).toBe(cps);
    expect(onLedger(["checkpoint"]).code).toBe(0);
    const cosign = onLedger(["witness", "cosign", "--key", key("w1"), "--record", out]);
    expect(cosign.code).toBe(2);
    expect(cosign.body.error.code).toBe("FILE_NOT_REGULAR");
    expect(onLedger(["verify"]).body.witnesses).toEqual([]);
    expect(onLedger(["export", "--format", "prov-json", "--out", out]).body.error.code).toBe(
      "FILE_NOT_REGULAR",
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
