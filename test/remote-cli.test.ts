/**
 * The command line against a real `optprov serve` process (`--server URL`, $OPTPROV_URL, tokens by
 * role): review and approve, halt, explain, tree, log show, audit, export and verify, which
 * re-checks everything it reads from the server itself. And the hostile cases: a wrong token, a
 * role that may not write, a server that is not there, two targets at once; each a coded error
 * that leaves the client's folder as it was.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../src/ledger/base64.js";
import { sha256 } from "../src/ledger/crypto.js";
import { formatSignerKey, formatVerifierKey, generateSignerKey } from "../src/ledger/keys.js";
import { openLedger } from "../src/sdk/ledger.js";
import { BIN, freshDir, listing, runCli, runJson } from "./cli-support.js";

const serverDir = freshDir("optprov-remote-serve-");
const clientDir = freshDir("optprov-remote-client-");
const keys = Object.fromEntries(["alice", "bob", "carol"].map((n) => [n, generateSignerKey(n)]));
const digest = (t: string) => toHex(sha256(Buffer.from(t, "utf8")));

let serve: ChildProcess;
let url: string;

/** Run in the client's folder against the server, with the overseer's token unless told otherwise. */
function remote(args: string[], token = "overseer-token", env: Record<string, string> = {}) {
  return runJson(["--server", url, "--token", token, ...args], { cwd: clientDir, env });
}

beforeAll(async () => {
  for (const [n, k] of Object.entries(keys))
    fs.writeFileSync(path.join(clientDir, `${n}.key`), formatSignerKey(k), { mode: 0o600 });
  fs.writeFileSync(
    path.join(serverDir, "tokens.yml"),
    [
      "anonymousReads: false",
      "tokens:",
      `  - { sha256: ${digest("builder-token")}, key: ${formatVerifierKey(keys.alice!)}, role: builder }`,
      `  - { sha256: ${digest("overseer-token")}, key: ${formatVerifierKey(keys.bob!)}, role: overseer }`,
      `  - { sha256: ${digest("auditor-token")}, key: ${formatVerifierKey(keys.carol!)}, role: auditor }`,
    ].join("\n"),
  );
  serve = spawn(
    process.execPath,
    [
      BIN,
      "--ledger",
      "ledger.db",
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--tokens",
      "tokens.yml",
      "--checkpoint-ms",
      "50",
    ],
    { cwd: serverDir, stdio: ["ignore", "pipe", "ignore"] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    serve.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = /(http:\/\/[0-9.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once("exit", (code) => reject(new Error(`optprov serve exited with ${code}: ${out}`)));
  });

  // A builder's program, through the SDK, against the same server.
  const ledger = await openLedger({ url, token: "builder-token" });
  try {
    const root = await ledger.root({ name: "alice", key: keys.alice });
    await ledger.actor("bob", keys.bob!, "overseer");
    await ledger.setPolicy(
      [
        "version: 1",
        "name: lab",
        "owner: alice",
        "mode: enforce",
        "expires: 2099-01-01T00:00:00Z",
        "overseers: [bob]",
        "rules:",
        "  - creator: { name: alice }",
        "    mayCreate: [q-learning]",
        "    approval: automatic",
        "  - creator: { process: q-learning }",
        "    mayCreate: [tree-search]",
        "    approval: required",
        "objective: { explicitOnly: false }",
      ].join("\n"),
      keys.alice!,
    );
    const learner = await root.spawn({
      name: "learner",
      process: { kind: "q-learning", mayCreate: ["tree-search"] },
    });
    await learner.run(async (ctx) => {
      for (let i = 0; i < 5; i++) ctx.step({ reward: i });
    });
    await expect(learner.spawn({ name: "mcts", process: { kind: "tree-search" } })).rejects.toMatchObject({
      code: "APPROVAL_TIMEOUT",
    });
  } finally {
    await ledger.close();
  }
});

afterAll(async () => {
  if (serve !== undefined && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once("exit", resolve));
    serve.kill("SIGTERM");
    await exited;
  }
  fs.rmSync(serverDir, { recursive: true, force: true });
  fs.rmSync(clientDir, { recursive: true, force: true });
});

describe("optprov --server", () => {
  it("reviews, approves, halts, explains and verifies against the server, writing nothing here", async () => {
    const before = listing(clientDir);
    const list = remote(["review", "list"]);
    expect(list.code).toBe(0);
    expect(list.body.requests).toHaveLength(1);
    const req = list.body.requests[0].index as number;
    expect(
      remote(["review", "approve", String(req), "--key", "bob.key", "--reason", "fine"]).body,
    ).toMatchObject({ status: "approved" });

    const halt = remote(["halt", "learner", "--key", "bob.key", "--reason", "enough"]);
    expect(halt.code).toBe(0);
    expect(halt.body).toMatchObject({ optimizer: "learner", by: "bob" });
    // The halt is in the server's log: the SDK sees it, and a halted learner may not create.
    const ledger = await openLedger({ url, token: "auditor-token" });
    try {
      expect(ledger.state.haltedBy("learner")).toMatchObject({
        optimizer: "learner",
        index: halt.body.index,
      });
    } finally {
      await ledger.close();
    }

    const explained = remote(["explain", "learner"], "auditor-token");
    expect(explained.code).toBe(0);
    expect(JSON.stringify(explained.body)).toContain("alice");
    expect(JSON.stringify(explained.body)).toMatch(/halt/i);
    const tree = remote(["tree"], "auditor-token");
    expect(tree.body.roots[0]).toMatchObject({ name: "alice" });

    // verify reads every entry and checkpoint from the server and re-derives everything here,
    // pinned to the log key the server made beside its ledger.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pinned = runJson(["--ledger", "ledger.db", "log-key"], { cwd: serverDir }).body.logKey as string;
    expect(remote(["log-key"], "auditor-token").body.logKey).toBe(pinned);
    const verified = remote(["verify", "--log-pubkey", pinned], "auditor-token");
    expect(verified.code).toBe(0);
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.checkpoints).toBeGreaterThan(0);
    // This process's pooled connection may have idled past the server's keep-alive while the CLI
    // ran; a request that meets the server's close of it is sent once more on a new connection.
    const healthz = () => fetch(`${url}/healthz`);
    const health = (await (await healthz().catch(healthz)).json()) as { size: number };
    expect(verified.body.entries).toBe(health.size);

    expect(listing(clientDir)).toEqual(before);
  });

  it("takes the server and token from OPTPROV_URL and OPTPROV_TOKEN; shows, audits and exports", () => {
    const env = { OPTPROV_URL: url, OPTPROV_TOKEN: "auditor-token" };
    const shown = runJson(["log", "show", "--from", "0", "--limit", "3"], { cwd: clientDir, env });
    expect(shown.code).toBe(0);
    expect(shown.body.entries).toHaveLength(3);
    expect(shown.body.entries[0]).toMatchObject({ index: 0 });
    const audit = runJson(["audit"], { cwd: clientDir, env });
    expect([0, 1]).toContain(audit.code);
    expect(audit.body.verify).toMatchObject({ ok: true });
    const exported = runCli(["export", "--format", "prov-json"], { cwd: clientDir, env });
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.out).agent).toBeDefined();
    const config = runJson(["config"], { cwd: clientDir, env });
    expect(config.body.settings.server).toMatchObject({ value: url, from: "OPTPROV_URL" });
  });

  it("refuses with the server's codes and writes nothing: a wrong token, a reading role, no server", () => {
    const before = listing(clientDir);
    const wrong = remote(["log", "show"], "nobody-token");
    expect(wrong.code).toBe(2);
    expect(wrong.body.error.code).toBe("UNAUTHENTICATED");
    const reader = remote(["halt", "learner", "--key", "bob.key"], "auditor-token");
    expect(reader.code).toBe(2);
    expect(reader.body.error.code).toBe("FORBIDDEN");
    const none = runJson(["--server", "http://127.0.0.1:9", "verify"], { cwd: clientDir });
    expect(none.code).toBe(2);
    expect(none.body.error.code).toBe("REMOTE_UNREACHABLE");
    const both = runJson(["--server", url, "--ledger", "x.db", "verify"], { cwd: clientDir });
    expect(both.body.error.code).toBe("USAGE");
    const sign = remote(["checkpoint"]);
    expect(sign.body.error.code).toBe("REMOTE_UNSUPPORTED");
    const bad = runJson(["--server", "ftp://example.org", "verify"], { cwd: clientDir });
    expect(bad.body.error.code).toBe("USAGE");
    expect(listing(clientDir)).toEqual(before);
  });
});
