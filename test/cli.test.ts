/** End to end through the built command line, as a user runs it. */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDir, runCli } from "./cli-support.js";

// An optprov.yml of its own, so that no settings file above the temporary folder applies.
const dir = freshDir("optprov-cli-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: dir, env });
}
function json(args: string[], env: Record<string, string> = {}) {
  const r = run([...args, "--json"], env);
  return { ...r, body: JSON.parse(r.out) };
}
const size = () => json(["log", "show", "--limit", "0"]).body.size as number;

beforeAll(() => {
  expect(run(["keygen", "--name", "alice"]).code).toBe(0);
  expect(run(["keygen", "--name", "dave"]).code).toBe(0);
  expect(run(["keygen", "--name", "w1", "--witness"]).code).toBe(0);
});

describe("optprov CLI", () => {
  it("keygen writes a 0600 key and prints a C2SP verifier key", () => {
    const r = json(["keygen", "--name", "carol"]);
    expect(r.code).toBe(0);
    expect(r.body.verifierKey).toMatch(/^carol\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    expect(fs.statSync(path.join(dir, "carol.key")).mode & 0o777).toBe(0o600);
    expect(r.out).not.toContain(fs.readFileSync(path.join(dir, "carol.key"), "utf8").trim());
    expect(run(["keygen", "--name", "carol"]).code).toBe(2);
  });

  it("appends, shows, checkpoints, proves, cosigns and verifies", () => {
    const first = json(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "hello"]);
    expect(first.code).toBe(0);
    expect(first.body).toMatchObject({ index: 1, registeredActorAt: 0, size: 2 });
    expect(
      json(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "again", "--parent", "1"])
        .body.index,
    ).toBe(2);
    const shown = json(["log", "show", "2"]).body;
    expect(shown).toMatchObject({
      index: 2,
      kind: "note",
      actor: "alice",
      predicate: { text: "again", parent: 1 },
    });
    const cp = json(["checkpoint"]).body;
    expect(cp.size).toBe(3);
    expect(cp.checkpoint).toContain(`\n3\n${cp.root}\n\n— `);
    fs.writeFileSync(path.join(dir, "log.pub"), cp.logKey);
    expect(json(["witness", "cosign", "--key", "w1.key"]).body).toMatchObject({ size: 3 });
    // The key can also come from the environment.
    const env = { ALICE: fs.readFileSync(path.join(dir, "alice.key"), "utf8") };
    expect(
      json(["log", "append", "--kind", "note", "--actor", "env:ALICE", "--text", "from env"], env).body.index,
    ).toBe(3);
    expect(json(["checkpoint"]).body.size).toBe(4);
    const cos = json(["witness", "cosign", "--key", "w1.key"]).body;
    expect(cos).toMatchObject({ size: 4, checkedFrom: 3 });

    expect(run(["proof", "inclusion", "2", "--out", "e2.tlog-proof"]).code).toBe(0);
    const witnessKey = cos.witness as string;
    const ok = json(["verify-proof", "e2.tlog-proof", "--log-pubkey", "log.pub", "--witness", witnessKey]);
    expect(ok.code).toBe(0);
    expect(ok.body).toMatchObject({ ok: true, kind: "inclusion", index: 2, size: 4, witnesses: ["w1"] });
    expect(run(["proof", "consistency", "3", "4", "--out", "c.proof"]).code).toBe(0);
    expect(json(["verify-proof", "c.proof", "--log-pubkey", "log.pub"]).body).toMatchObject({
      ok: true,
      kind: "consistency",
      oldSize: 3,
      size: 4,
    });

    const tampered = fs.readFileSync(path.join(dir, "e2.tlog-proof"), "utf8").replace("index 2", "index 1");
    fs.writeFileSync(path.join(dir, "bad.tlog-proof"), tampered);
    const bad = json(["verify-proof", "bad.tlog-proof", "--log-pubkey", "log.pub"]);
    expect(bad.code).toBe(1);
    expect(bad.body.error.code).toMatch(/ROOT_MISMATCH|PROOF_INVALID/);

    const v = json(["verify", "--log-pubkey", "log.pub"]);
    expect(v.code).toBe(0);
    expect(v.body).toMatchObject({ ok: true, entries: 4, actors: 1, checkpoints: 2 });
    expect(v.body.witnesses.map((w: { name: string }) => w.name)).toEqual(["w1"]);
    expect(run(["verify"]).out).toContain("OK:");
  });

  it("verify exits 1 with the code and index of the first problem", () => {
    const db = path.join(dir, "tampered.db");
    fs.copyFileSync(path.join(dir, ".optprov/ledger.db"), db);
    const h = new Database(db);
    h.prepare(
      "UPDATE entries SET envelope = CAST(REPLACE(CAST(envelope AS TEXT), 'eyJf', 'eyJg') AS BLOB) WHERE idx = 2",
    ).run();
    h.close();
    const r = json(["verify", "--ledger", db]);
    expect(r.code).toBe(1);
    expect(r.body.problem).toMatchObject({ code: "LEAF_HASH_MISMATCH", index: 2 });
    expect(run(["verify", "--ledger", db]).out).toContain("FAILED LEAF_HASH_MISMATCH at #2");
    // On request (FORCE_COLOR, as a terminal would have it) FAILED is red; never in JSON.
    expect(run(["verify", "--ledger", db], { FORCE_COLOR: "1" }).out).toContain(
      "\x1b[31mFAILED\x1b[39m LEAF_HASH_MISMATCH",
    );
    expect(run(["verify", "--ledger", db, "--json"], { FORCE_COLOR: "1" }).out).not.toContain("\x1b");
  });

  it("colours OK for people on request and not when output is piped", () => {
    const piped = run(["verify"]);
    expect(piped.code).toBe(0);
    expect(piped.out).toContain("OK:");
    expect(piped.out).not.toContain("\x1b");
    expect(run(["verify"], { FORCE_COLOR: "1" }).out).toContain("\x1b[32mOK\x1b[39m:");
    expect(run(["verify"], { FORCE_COLOR: "0" }).out).not.toContain("\x1b");
  });

  it("--version prints the version in package.json, as JSON with --json", () => {
    const version = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../package.json"), "utf8")).version;
    const r = run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
    expect(json(["--version"]).body).toEqual({ version });
  });

  it("log-key prints the log's verifier key from the ledger, without the private log key", () => {
    const elsewhere = path.join(dir, "elsewhere");
    fs.mkdirSync(elsewhere, { recursive: true });
    fs.copyFileSync(path.join(dir, ".optprov/ledger.db"), path.join(elsewhere, "ledger.db"));
    const pinned = fs.readFileSync(path.join(dir, "log.pub"), "utf8");
    const r = json(["log-key", "--ledger", "elsewhere/ledger.db"]);
    expect(r.code).toBe(0);
    expect(r.body.logKey).toBe(pinned);
    expect(r.body.origin).toBe(pinned.split("+")[0]);
    expect(run(["log-key", "--ledger", "elsewhere/ledger.db"]).out.trim()).toBe(pinned);
    expect(fs.existsSync(path.join(elsewhere, "log.key"))).toBe(false);
    expect(json(["log-key", "--ledger", "elsewhere/none.db"]).body.error.code).toBe("FILE_NOT_FOUND");
  });

  const hostile: [string, string[], string][] = [
    ["unknown command", ["frobnicate"], "USAGE"],
    ["unknown option", ["verify", "--frob"], "USAGE"],
    ["missing required option", ["log", "append", "--kind", "note", "--text", "x"], "USAGE"],
    [
      "kind the CLI does not append",
      ["log", "append", "--kind", "optimizer", "--actor", "alice.key", "--text", "x"],
      "USAGE",
    ],
    ["index not a number", ["log", "show", "abc"], "USAGE"],
    ["negative index", ["log", "show", "-1"], "USAGE"],
    ["exponent index", ["proof", "inclusion", "1e3"], "USAGE"],
    ["index beyond the log", ["proof", "inclusion", "99999"], "USAGE"],
    ["huge index", ["log", "show", "99999999999999999999"], "USAGE"],
    [
      "parent after the entry",
      ["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "x", "--parent", "500"],
      "PARENT_NOT_BEFORE",
    ],
    [
      "missing key file",
      ["log", "append", "--kind", "note", "--actor", "nope.key", "--text", "x"],
      "FILE_NOT_FOUND",
    ],
    [
      "garbage key file",
      ["log", "append", "--kind", "note", "--actor", "garbage.key", "--text", "x"],
      "KEY_INVALID",
    ],
    [
      "unset key variable",
      ["log", "append", "--kind", "note", "--actor", "env:NOPE_NOT_SET", "--text", "x"],
      "USAGE",
    ],
    ["witness cosigning with a note key", ["witness", "cosign", "--key", "alice.key"], "KEY_WRONG_ROLE"],
    [
      "an actor signing with a witness key",
      ["log", "append", "--kind", "note", "--actor", "w1.key", "--text", "x"],
      "KEY_WRONG_ROLE",
    ],
    [
      "a new actor's note with a parent after it",
      ["log", "append", "--kind", "note", "--actor", "dave.key", "--text", "x", "--parent", "500"],
      "PARENT_NOT_BEFORE",
    ],
    ["consistency of unknown sizes", ["proof", "consistency", "1", "2"], "USAGE"],
    ["missing ledger", ["verify", "--ledger", "nowhere.db"], "FILE_NOT_FOUND"],
    [
      "proof file that is not one",
      ["verify-proof", "alice.key", "--log-pubkey", "log.pub"],
      "PROOF_FILE_INVALID",
    ],
    ["verify-proof without the log key", ["verify-proof", "e2.tlog-proof"], "USAGE"],
    [
      "text over 64 KiB",
      ["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "x".repeat(70_000)],
      "PREDICATE_INVALID",
    ],
  ];
  for (const [name, args, code] of hostile) {
    it(`rejects ${name} with ${code}, changing nothing`, () => {
      fs.writeFileSync(path.join(dir, "garbage.key"), "PRIVATE+KEY+alice+deadbeef+notbase64!!\n", {
        mode: 0o600,
      });
      const before = size();
      const r = json(args);
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBe(70);
      expect(r.body.error.code).toBe(code);
      expect(r.out + r.err).not.toContain("notbase64");
      expect(size()).toBe(before);
      const human = run(args);
      expect(human.err).toMatch(/error/);
    });
  }

  it("--help explains every command", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["keygen", "log", "checkpoint", "proof", "verify-proof", "verify", "witness"])
      expect(r.out).toContain(c);
    expect(run(["log", "append", "--help"]).out).toContain("--actor");
  });
});
