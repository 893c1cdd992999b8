/**
 * The server over a real socket, read by another implementation: Go's golang.org/x/mod/sumdb/tlog
 * (the reference for C2SP tile paths) fetches the checkpoint, tiles and an entry bundle, checks the
 * tree hash and an inclusion proof. Skipped where Go and x/mod are not installed (Debian:
 * golang-go golang-golang-x-mod-dev).
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generateSignerKey } from "../ledger/keys.js";
import { createServer } from "./app.js";
import { listen } from "./listen.js";
import { actorJson, noteJson, openTestLog, tmpDir } from "./test-support/fixture.js";

const GOPATH = "/usr/share/gocode";
const haveGo =
  spawnSync("go", ["version"]).status === 0 &&
  fs.existsSync(path.join(GOPATH, "src/golang.org/x/mod/sumdb/tlog"));
const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** Asynchronously: the server Go talks to runs on this very event loop. */
const run = (file: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ stdout: string; stderr: string }>((resolve) =>
    execFile(file, args, { env, timeout: 120_000 }, (_err, stdout, stderr) => resolve({ stdout, stderr })),
  );
const env = {
  ...process.env,
  GO111MODULE: "off",
  GOPATH,
  GOCACHE: path.join(os.tmpdir(), "optprov-gocache"),
  GOFLAGS: "",
};
const binary = path.join(dir, "tlog-check");
const program = fileURLToPath(new URL("./test-support/tlog-check.go", import.meta.url));

describe("over a socket", () => {
  it("answers over HTTP, and closes", async () => {
    const logKey = generateSignerKey("log.socket");
    const log = await openTestLog(dir, logKey);
    const server = createServer({ log, checkpointDelayMs: false, logLine: () => undefined });
    const at = await listen(server, { host: "127.0.0.1", port: 0 });
    const res = await fetch(`${at.url}/v1/entries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ envelopes: [actorJson(logKey.name, generateSignerKey("alice"))] }),
    });
    expect(res.status).toBe(201);
    expect(((await (await fetch(`${at.url}/healthz`)).json()) as { size: number }).size).toBe(1);
    await at.close();
    await expect(fetch(`${at.url}/healthz`)).rejects.toThrow();
    await server.close();
    await log.close();
  });

  it("is read by Go's sumdb/tlog: tree hash and an inclusion proof from the tiles", async () => {
    // Go and its tlog package are the independent checker here: missing, this fails (never skips).
    expect(haveGo, "needs Debian's golang-go and golang-golang-x-mod-dev (.ci/run installs them)").toBe(true);
    // Built before the server starts: nothing here needs the event loop.
    const built = spawnSync("go", ["build", "-o", binary, program], {
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(built.stderr).toBe("");
    const logKey = generateSignerKey("log.go");
    const alice = generateSignerKey("alice");
    const log = await openTestLog(dir, logKey);
    const server = createServer({ log, checkpointDelayMs: false, logLine: () => undefined });
    const at = await listen(server, { host: "127.0.0.1", port: 0 });
    const envelopes = [actorJson(logKey.name, alice)];
    for (let i = 1; i < 700; i++) envelopes.push(noteJson(logKey.name, alice, `n${i}`));
    for (let i = 0; i < envelopes.length; i += 500) {
      const res = await fetch(`${at.url}/v1/entries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ envelopes: envelopes.slice(i, i + 500) }),
      });
      expect(res.status).toBe(201);
    }
    await server.checkpoint();
    for (const index of [0, 300, 699]) {
      const checked = await run(binary, [at.url, String(index)], env);
      expect(checked.stderr).toBe("");
      expect(checked.stdout).toMatch(new RegExp(`^ok size=700 root=\\S+ record=${index}\\n$`));
    }
    await at.close();
    await server.close();
    await log.close();
  }, 180_000);
});
