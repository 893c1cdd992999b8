import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALG_COSIGNATURE_V1, formatSignerKey, formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import { findLogKey, readSignerKey, readVerifierKey, writeKeyFile } from "./location.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-location-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");
const witness = generateSignerKey("w1", ALG_COSIGNATURE_V1);
const write = (name: string, content: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content, { mode: 0o600 });
  return f;
};
const failure = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return { message: "no error" };
};
const aliceFile = write("alice.key", `${formatSignerKey(alice)}\n`);
const witnessFile = write("w1.key", formatSignerKey(witness));

describe("readSignerKey", () => {
  it("reads a key in the role asked for and refuses it in the other", () => {
    expect(readSignerKey(aliceFile, "--actor", "actor").name).toBe("alice");
    expect(readSignerKey(witnessFile, "--key", "witness").name).toBe("w1");
    expect(failure(() => readSignerKey(witnessFile, "--actor", "actor")).code).toBe("KEY_WRONG_ROLE");
    expect(failure(() => readSignerKey(aliceFile, "--key", "witness")).code).toBe("KEY_WRONG_ROLE");
    expect(failure(() => readSignerKey(witnessFile, "log key", "log")).code).toBe("KEY_WRONG_ROLE");
  });

  it("never quotes a key file's content, whole or truncated", () => {
    const material = formatSignerKey(alice).split("+").slice(3).join("+");
    for (const text of [
      formatSignerKey(alice).slice(0, 30),
      `PRIVATE+KEY+alice+zzzzzzzz+${material}`,
      "x".repeat(100),
    ]) {
      const e = failure(() => readSignerKey(write("bad.key", text), "--actor"));
      expect(e.code).toBe("KEY_INVALID");
      expect(e.message).not.toContain(material.slice(0, 12));
      expect(e.message).not.toContain("zzzz");
    }
  });

  it("refuses what is not a small regular file before reading it", () => {
    expect(failure(() => readSignerKey("/dev/zero", "--key")).code).toBe("FILE_NOT_REGULAR");
    expect(failure(() => readSignerKey(dir, "--key")).code).toBe("FILE_NOT_REGULAR");
    expect(failure(() => readSignerKey(write("big.key", "x".repeat(5000)), "--key")).code).toBe(
      "FILE_TOO_LARGE",
    );
    expect(failure(() => readSignerKey(path.join(dir, "none.key"), "--key")).code).toBe("FILE_NOT_FOUND");
  });
});

describe("readVerifierKey", () => {
  it("takes a key inline or from a file, and checks its role", () => {
    const inline = formatVerifierKey(alice);
    expect(readVerifierKey(inline, "--log-pubkey", "log").name).toBe("alice");
    expect(readVerifierKey(write("alice.pub", `${inline}\n`), "--log-pubkey", "log").name).toBe("alice");
    expect(failure(() => readVerifierKey(formatVerifierKey(witness), "--log-pubkey", "log")).code).toBe(
      "KEY_WRONG_ROLE",
    );
    expect(failure(() => readVerifierKey(inline, "--witness", "witness")).code).toBe("KEY_WRONG_ROLE");
  });

  it("refuses a private key in a file without quoting it, and a missing file by name", () => {
    const link = path.join(dir, "pub-link");
    fs.symlinkSync(aliceFile, link);
    const e = failure(() => readVerifierKey(link, "--log-pubkey"));
    expect(e.code).toBe("KEY_INVALID");
    expect(e.message).not.toContain(formatSignerKey(alice).slice(20, 40));
    expect(failure(() => readVerifierKey("log.pub.typo", "--log-pubkey")).code).toBe("FILE_NOT_FOUND");
  });
});

describe("writeKeyFile and findLogKey", () => {
  it("writes a 0600 key that is never replaced unless forced, and finds the log key beside a ledger", () => {
    const ledger = path.join(dir, "l", "ledger.db");
    expect(findLogKey(ledger, undefined)).toBeUndefined();
    expect(fs.existsSync(path.join(dir, "l"))).toBe(false);
    const key = generateSignerKey("log");
    writeKeyFile(path.join(dir, "l", "log.key"), key);
    expect(fs.statSync(path.join(dir, "l", "log.key")).mode & 0o777).toBe(0o600);
    expect(failure(() => writeKeyFile(path.join(dir, "l", "log.key"), alice)).code).toBe("FILE_EXISTS");
    expect(findLogKey(ledger, undefined)?.name).toBe("log");
  });
});
