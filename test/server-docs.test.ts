/**
 * The remote SDK example in docs/server.md ("Remote SDK and CLI"), run as it is written: the `js`
 * block after the marker is saved in a folder inside this package (so `optprov/sdk` resolves to the
 * built dist/, as it would for an installed package) and run by node against a real server, with
 * OPTPROV_URL set.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ServedLedger, serveLedger, tmpDir } from "../src/store/http/test-support/served-ledger.js";

const MARKER = "<!-- run by test/server-docs.test.ts";
const dir = tmpDir();
const here = fs.mkdtempSync(path.join(__dirname, "..", ".server-docs-"));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(here, { recursive: true, force: true });
});

function exampleBlock(): string {
  const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "server.md"), "utf8");
  const at = doc.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const m = /```js\n([\s\S]*?)```/.exec(doc.slice(at));
  expect(m).not.toBeNull();
  return m![1]!;
}

function runNode(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: here, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe("docs/server.md: Remote SDK and CLI", () => {
  let served: ServedLedger | undefined;
  afterAll(async () => {
    await served?.close();
  });

  it("runs the example against a server; the server's log holds what it recorded", async () => {
    served = await serveLedger(dir);
    const file = path.join(here, "remote-example.mjs");
    fs.writeFileSync(file, exampleBlock());
    // A folder of its own: no optprov.yml above it may choose a ledger instead.
    fs.writeFileSync(path.join(here, "optprov.yml"), "version: 1\n");
    const r = await runNode(file, { OPTPROV_URL: served.url, OPTPROV_LEDGER: "" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    await served.log.catchUp();
    expect(r.out.trim()).toBe(`learner ran 500 steps; the server's log holds ${served.log.size} entries`);
    expect(served.log.state.optimizers.get("learner")?.steps).toBe(500);
    // Nothing but the example itself was written on the client's side.
    expect(fs.readdirSync(here).sort()).toEqual(["optprov.yml", "remote-example.mjs"]);
  });
});
