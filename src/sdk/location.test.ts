import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALG_COSIGNATURE_V1, formatSignerKey, formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import { findLogKey, readSignerKey, readVerifierKey, writeKeyFile } from "./location.js";
import { thrown } from "./test-support/thrown.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-location-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");
const witness = generateSignerKey("w1", ALG_COSIGNATURE_V1);
const write = (name: string, content: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content, { mode: 0o600 });
  return f;
};
const aliceFile = write("alice.key", `${formatSignerKey(alice)}\n`);
const witnessFile = write("w1.key", formatSignerKey(witness));

describe("readSignerKey", () => {
  it("reads a key in the role asked for and refuses it in the other", () => {
    expect(readSignerKey(aliceFile, "--actor", "actor").name).toBe("alice");
    expect(readSignerKey(witnessFile, "--key", "witness").name).toBe("w1");
    expect(thrown(() => readSignerKey(witnessFile, "--actor", "actor")).code).toBe("KEY_WRONG_ROLE");
    expect(thrown(() => readSignerKey(aliceFile, "--key", "witness")).code).toBe("KEY_WRONG_ROLE");
    expect(thrown(() => readSignerKey(witnessFile, "log key", "log")).code).toBe("KEY_WRONG_ROLE");
  });

  it("never quotes a key file's content, whole or truncated", () => {
    const material = formatSignerKey(alice).split("+").slice(3).join("+");
    for (const text of [
      formatSignerKey(alice).slice(0, 30),
      `PRIVATE+KEY+alice+zzzzzzzz+${material}`,
      "x".repeat(100),
    ]) {
      const e = thrown(() => readSignerKey(write("bad.key", text), "--actor"));
      expect(e.code).toBe("KEY_INVALID");
      expect(e.message).not.toContain(material.slice(0, 12));
      expect(e.message).not.toContain("zzzz");
    }
  });

  it("refuses what is not a small regular file before reading it", () => {
    expect(thrown(() => readSignerKey("/dev/zero", "--key")).code).toBe("FILE_NOT_REGULAR");
    expect(thrown(() => readSignerKey(dir, "--key")).code).toBe("FILE_NOT_REGULAR");
    expect(thrown(() => readSignerKey(write("big.key", "x".repeat(5000)), "--key")).code).toBe(
      "FILE_TOO_LARGE",
    );
    expect(thrown(() => readSignerKey(path.join(dir, "none.key"), "--key")).code).toBe("FILE_NOT_FOUND");
  });
});

describe("readVerifierKey", () => {
  it("takes a key inline or from a file, and checks its role", () => {
    const inline = formatVerifierKey(alice);
    expect(readVerifierKey(inline, "--log-pubkey", "log").name).toBe("alice");
    expect(readVerifierKey(write("alice.pub", `${inline}\n`), "--log-pubkey", "log").name).toBe("alice");
    expect(thrown(() => readVerifierKey(formatVerifierKey(witness), "--log-pubkey", "log")).code).toBe(
      "KEY_WRONG_ROLE",
    );
    expect(thrown(() => readVerifierKey(inline, "--witness", "witness")).code).toBe("KEY_WRONG_ROLE");
  });

  it("refuses a private key in a file without quoting it, and a missing file by name", () => {
    const link = path.join(dir, "pub-link");
    fs.symlinkSync(aliceFile, link);
    const e = thrown(() => readVerifierKey(link, "--log-pubkey"));
    expect(e.code).toBe("KEY_INVALID");
    expect(e.message).not.toContain(formatSignerKey(alice).slice(20, 40));
    expect(thrown(() => readVerifierKey("log.pub.typo", "--log-pubkey")).code).toBe("FILE_NOT_FOUND");
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
    expect(thrown(() => writeKeyFile(path.join(dir, "l", "log.key"), alice)).code).toBe("FILE_EXISTS");
    expect(findLogKey(ledger, undefined)?.name).toBe("log");
  });
});
