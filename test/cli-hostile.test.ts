/**
 * Hostile files and flags through the command line: each case exits 2 with its code, quickly,
 * within bounded memory, without echoing a secret, and without writing anything.
 *
 * The bounds are loose on purpose (the machine is shared): what they catch is reading
 * `/dev/zero` until killed (gigabytes), a FIFO that hangs forever, or a 50 MB file read whole.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDir, listing, runCli, runJson } from "./cli-support.js";

const dir = freshDir("optprov-hostile-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

/** Peak memory allowed: node with the CLI loaded takes about 70 MB. */
const MAX_RSS = 200 * 1024 * 1024;
/** Wall time allowed per command; a case that hangs is killed at the timeout and fails. */
const MAX_MS = 20_000;

let secret = "";
let logPub = "";

beforeAll(() => {
  expect(runCli(["keygen", "--name", "alice"], { cwd: dir }).code).toBe(0);
  secret = fs.readFileSync(at("alice.key"), "utf8").trim();
  expect(
    runCli(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "hi"], { cwd: dir }).code,
  ).toBe(0);
  logPub = runCli(["log-key"], { cwd: dir }).out.trim();
  fs.writeFileSync(at("policy.yaml"), "version: 1\n");
  fs.mkdirSync(at("a-dir"));
  execFileSync("mkfifo", [at("fifo")]);
  // A symbolic link to a private key, given where a public key, a proof, a policy or settings belong.
  fs.symlinkSync(at("alice.key"), at("secret-link"));
  // 50 MB that takes no disk: every reader must stop at its limit, long before the end.
  fs.writeFileSync(at("huge"), "");
  fs.truncateSync(at("huge"), 50 * 1024 * 1024);
  fs.writeFileSync(at("truncated.key"), secret.slice(0, 40), { mode: 0o600 });
});

/** The error code of a run: the command's own, or the first file error of `spec check`. */
function codeOf(body: {
  error?: { code: string };
  files?: { errors: { code: string }[] }[];
}): string | undefined {
  return body.error?.code ?? body.files?.[0]?.errors[0]?.code;
}

const note = ["log", "append", "--kind", "note", "--text", "x"];
const cases: [string, () => string[], string][] = [
  ["spec check /dev/zero", () => ["spec", "check", "/dev/zero"], "FILE_NOT_REGULAR"],
  ["verify-proof /dev/zero", () => ["verify-proof", "/dev/zero", "--log-pubkey", logPub], "FILE_NOT_REGULAR"],
  ["a key file of /dev/zero", () => [...note, "--actor", "/dev/zero"], "FILE_NOT_REGULAR"],
  ["a policy of /dev/zero", () => ["policy", "/dev/zero", "--key", "alice.key"], "FILE_NOT_REGULAR"],
  ["a log public key of /dev/zero", () => ["verify", "--log-pubkey", "/dev/zero"], "FILE_NOT_REGULAR"],
  ["a settings file of /dev/zero", () => ["--config", "/dev/zero", "verify"], "FILE_NOT_REGULAR"],
  ["a FIFO as a spec", () => ["spec", "check", at("fifo")], "FILE_NOT_REGULAR"],
  ["a FIFO as a key", () => [...note, "--actor", at("fifo")], "FILE_NOT_REGULAR"],
  ["a FIFO as a policy", () => ["policy", at("fifo"), "--key", "alice.key"], "FILE_NOT_REGULAR"],
  ["a FIFO as a proof", () => ["verify-proof", at("fifo"), "--log-pubkey", logPub], "FILE_NOT_REGULAR"],
  ["a directory as --key", () => ["halt", "x", "--key", "a-dir"], "FILE_NOT_REGULAR"],
  ["a directory as --log-pubkey", () => ["verify", "--log-pubkey", "a-dir"], "FILE_NOT_REGULAR"],
  [
    "a directory as a proof file",
    () => ["verify-proof", "a-dir", "--log-pubkey", logPub],
    "FILE_NOT_REGULAR",
  ],
  ["a directory as a spec", () => ["spec", "check", "a-dir"], "FILE_NOT_REGULAR"],
  ["a directory as a policy", () => ["policy", "a-dir", "--key", "alice.key"], "FILE_NOT_REGULAR"],
  [
    "a directory as export --out",
    () => ["export", "--format", "prov-json", "--out", "a-dir"],
    "FILE_NOT_REGULAR",
  ],
  ["a directory as proof --out", () => ["proof", "inclusion", "0", "--out", "a-dir"], "FILE_NOT_REGULAR"],
  ["a directory as keygen --out", () => ["keygen", "--name", "bob", "--out", "a-dir"], "FILE_NOT_REGULAR"],
  ["a directory as the ledger", () => ["--ledger", "a-dir", "tree"], "FILE_NOT_REGULAR"],
  ["a private key linked as --log-pubkey", () => ["verify", "--log-pubkey", "secret-link"], "KEY_INVALID"],
  [
    "a private key linked as a proof",
    () => ["verify-proof", "secret-link", "--log-pubkey", logPub],
    "PROOF_FILE_INVALID",
  ],
  [
    "a private key linked as a policy",
    () => ["policy", "secret-link", "--key", "alice.key"],
    "POLICY_INVALID",
  ],
  ["a private key linked as a spec", () => ["spec", "check", "secret-link"], "ROOT_NOT_OBJECT"],
  ["a private key linked as settings", () => ["--config", "secret-link", "tree"], "CONFIG_INVALID"],
  [
    "a private key linked as a witness record",
    () => ["witness", "cosign", "--key", "w.key", "--record", "secret-link"],
    "WITNESS_RECORD_INVALID",
  ],
  ["a 50 MB spec", () => ["spec", "check", "huge"], "FILE_TOO_LARGE"],
  ["a 50 MB proof", () => ["verify-proof", "huge", "--log-pubkey", logPub], "FILE_TOO_LARGE"],
  ["a 50 MB key", () => [...note, "--actor", "huge"], "FILE_TOO_LARGE"],
  ["a 50 MB policy", () => ["policy", "huge", "--key", "alice.key"], "FILE_TOO_LARGE"],
  ["a 50 MB settings file", () => ["--config", "huge", "tree"], "FILE_TOO_LARGE"],
  ["a truncated key", () => [...note, "--actor", "truncated.key"], "KEY_INVALID"],
  ["an escape sequence in a key name", () => ["keygen", "--name", "evil\x1b]0;owned\x07"], "KEY_INVALID"],
  [
    "an escape sequence in a ledger path",
    () => ["--ledger", "no\x1b[2Jwhere.db", "verify"],
    "FILE_NOT_FOUND",
  ],
  ["an escape sequence in a spec path", () => ["spec", "check", "no\x1b[2Jwhere.yaml"], "FILE_NOT_FOUND"],
  ["an escape sequence in a key path", () => [...note, "--actor", "no\x1b]0;x\x07.key"], "FILE_NOT_FOUND"],
];

describe("hostile files and flags", () => {
  beforeAll(() => {
    // The witness case needs a witness key, made here so that the table above stays one line each.
    expect(runCli(["keygen", "--name", "w", "--witness", "--out", "w.key"], { cwd: dir }).code).toBe(0);
  });

  for (const [name, args, code] of cases) {
    it(`${name}: exits 2 with ${code}, quickly and in bounded memory, echoing nothing, writing nothing`, () => {
      const before = listing(dir);
      const r = runJson(args(), { cwd: dir, measure: true, timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(codeOf(r.body)).toBe(code);
      expect(r.ms).toBeLessThan(MAX_MS);
      expect(r.maxRss).toBeLessThan(MAX_RSS);
      expect(r.out + r.err).not.toContain(secret.split("+").slice(3).join("+"));
      expect(listing(dir)).toEqual(before);
      // And for people: the same code, and no raw control character reaches the terminal.
      const human = runCli(args(), { cwd: dir, timeoutMs: 60_000 });
      expect(human.code).toBe(2);
      expect(human.out + human.err).toContain(`[${code}]`);
      expect(human.out + human.err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    });
  }
});
