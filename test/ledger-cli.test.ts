/**
 * The log's guarantees as a user meets them through the command line: ledger text never reaches the
 * terminal raw, witnesses keep a signed record and refuse when it is gone, and `verify` pins
 * witnesses by key.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLedger } from "../src/sdk/ledger.js";
import { readSignerKey } from "../src/sdk/location.js";

const BIN = path.resolve(__dirname, "../bin/optprov.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-ledger-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("OPTPROV_")) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const json = (args: string[]) => {
  const r = run([...args, "--json"]);
  return { ...r, body: JSON.parse(r.out) };
};

beforeAll(() => {
  expect(run(["keygen", "--name", "alice"]).code).toBe(0);
  expect(run(["keygen", "--name", "witness-1", "--witness"]).code).toBe(0);
  expect(run(["keygen", "--name", "witness-1", "--witness", "--out", "impostor.key"]).code).toBe(0);
  expect(run(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "first"]).code).toBe(0);
});

describe("output safety", () => {
  it("log show escapes ESC, NUL and line breaks from entry text; --json keeps it exact", async () => {
    const evil = "\u001b[2J\u0000fake\nOK: every hash checks out\u202e";
    // NUL cannot travel in a command line; a writer using the library puts it in.
    const ledger = await openLedger({ path: path.join(dir, ".optprov/ledger.db") });
    const alice = readSignerKey(path.join(dir, "alice.key"), "alice");
    await ledger.append("note", { actor: "alice", text: evil }, alice);
    await ledger.close();
    const shown = run(["log", "show"]);
    expect(shown.code).toBe(0);
    expect(shown.out).not.toMatch(/[\u0000\u001b\u202e]/);
    expect(shown.out).toContain("\\x1b[2J\\x00fake\\x0aOK: every hash checks out\\u{202e}");
    expect(shown.out.split("\n").some((l) => l.startsWith("OK:"))).toBe(false);
    const exact = json(["log", "show"]).body.entries.at(-1).predicate.text;
    expect(exact).toBe(evil);
  });
});

describe("witnesses", () => {
  it("keygen --witness starts the signed record; cosign uses it and refuses once it is gone", () => {
    expect(fs.existsSync(path.join(dir, "witness-1.key.record"))).toBe(true);
    expect(run(["checkpoint"]).code).toBe(0);
    const first = json(["witness", "cosign", "--key", "witness-1.key"]);
    expect(first.code).toBe(0);
    expect(first.body.checkedFrom).toBeUndefined();
    expect(run(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "more"]).code).toBe(0);
    expect(run(["checkpoint"]).code).toBe(0);
    const saved = fs.readFileSync(path.join(dir, "witness-1.key.record"));
    expect(json(["witness", "cosign", "--key", "witness-1.key"]).body.checkedFrom).toBe(first.body.size);
    // Deleted: refused, with the code, and nothing cosigned.
    fs.rmSync(path.join(dir, "witness-1.key.record"));
    const gone = json(["witness", "cosign", "--key", "witness-1.key"]);
    expect(gone.code).toBe(1);
    expect(gone.body.error.code).toBe("WITNESS_RECORD_MISSING");
    // Rolled back to an earlier copy: refused too.
    fs.writeFileSync(path.join(dir, "witness-1.key.record"), saved);
    expect(run(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "again"]).code).toBe(0);
    expect(run(["checkpoint"]).code).toBe(0);
    expect(json(["witness", "cosign", "--key", "witness-1.key"]).body.error.code).toBe(
      "WITNESS_RECORD_ROLLED_BACK",
    );
    // Starting afresh is explicit and recorded.
    const fresh = json([
      "witness",
      "cosign",
      "--key",
      "witness-1.key",
      "--fresh",
      "record restored from backup",
    ]);
    expect(fresh.code).toBe(0);
    expect(fresh.body.fresh).toBe("record restored from backup");
    expect(fs.readFileSync(path.join(dir, "witness-1.key.record"), "utf8")).toContain(
      "record restored from backup",
    );
  });

  it("verify names witnesses by key id, and --witness pins them: an impostor of the same name does not count", () => {
    const real = json(["verify"]).body.witnesses[0];
    expect(real).toMatchObject({ name: "witness-1", keyId: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(run(["verify"]).out).toContain(`witness-1 (key ${real.keyId})`);
    const impostor = run(["witness", "cosign", "--key", "impostor.key"]);
    expect(impostor.code).toBe(0);
    const pinned = json(["verify", "--witness", real.key, "--min-witnesses", "1"]);
    expect(pinned.code).toBe(0);
    expect(pinned.body.witnesses.filter((w: { pinned: boolean }) => !w.pinned)).toHaveLength(1);
    expect(run(["verify", "--witness", real.key]).out).toContain("NOT PINNED");
    const both = json(["verify", "--witness", real.key, "--min-witnesses", "2"]);
    expect(both.code).toBe(1);
    expect(both.body.problem.code).toBe("WITNESS_QUORUM");
  });
});
