/**
 * Crash safety: a child appends in a loop and is SIGKILLed at random moments, again and again.
 * Afterwards the ledger verifies, and every append the child saw acknowledged is present, unchanged.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "../../ledger/base64.js";
import { formatSignerKey, generateSignerKey } from "../../ledger/keys.js";
import { verifyLedger } from "../../oversight/verify.js";
import { SqliteStore } from "./sqlite-store.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-crash-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const child = path.join(__dirname, "test-support/append-loop.ts");

function runAndKill(file: string, env: NodeJS.ProcessEnv, killAfterMs: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const acked = new Map<number, string>();
    const p = spawn(process.execPath, ["--import", "tsx", child, file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    let err = "";
    p.stderr.on("data", (d) => {
      err += d;
    });
    p.stdout.on("data", (d) => {
      buf += d;
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === "ready") setTimeout(() => p.kill("SIGKILL"), killAfterMs);
        const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
        if (m) acked.set(Number(m[1]), m[2]!);
        nl = buf.indexOf("\n");
      }
    });
    p.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(acked) : reject(new Error(`child exited without being killed: ${err}`)),
    );
  });
}

describe("crash safety of the SQLite store", () => {
  it("survives 20 SIGKILLs mid-append with every acknowledged entry intact", async () => {
    const file = path.join(dir, "crash.db");
    const env = {
      ...process.env,
      CRASH_LOG_KEY: formatSignerKey(generateSignerKey("log.crash")),
      CRASH_ACTOR_KEY: formatSignerKey(generateSignerKey("looper")),
    };
    const acked = new Map<number, string>();
    for (let i = 0; i < 20; i++) {
      const got = await runAndKill(file, env, 20 + Math.floor(Math.random() * 300));
      for (const [k, v] of got) acked.set(k, v);
    }
    expect(acked.size).toBeGreaterThan(100);
    const store = SqliteStore.open(file, { readonly: true });
    const report = await verifyLedger(store);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    for (const [index, leaf] of acked) {
      const e = await store.entry(index);
      expect(e, `acknowledged entry ${index}`).toBeDefined();
      expect(toHex(e!.leafHash)).toBe(leaf);
    }
    await store.close();
  }, 180_000);
});
