/**
 * `optprov export` with the interop formats, run in process through the CLI's `main` (the function
 * bin/optprov.js calls) on a ledger built with the SDK: each format's output, the coded errors, the
 * checkpoint signed for a bundle when the log key is at hand, and the refusal to export a ledger
 * that does not verify.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { signEntry } from "../ledger/entry.js";
import { formatSignerKey, generateSignerKey } from "../ledger/keys.js";
import { openLedger } from "../sdk/ledger.js";
import { copyLedger, forceAppend } from "../store/sqlite/test-support/force-append.js";
import { verifySigstoreBundle } from "./sigstore-bundle.js";
import { buildInteropLedger, type InteropFixture } from "./test-support/ledger-fixture.js";
import { openLineageValidators } from "./test-support/schemas.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-export-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fixture: InteropFixture;
let logKeyFile: string;
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read by the assertions that check it
type Json = any;

beforeAll(async () => {
  fixture = await buildInteropLedger(dir);
  // Not log.key beside the ledger, where the CLI would find it without being told.
  logKeyFile = path.join(dir, "interop-log.key");
  fs.writeFileSync(logKeyFile, `${formatSignerKey(fixture.logKey)}\n`, { mode: 0o600 });
});

/** Run the CLI with --json on `ledger` and capture what it prints on stdout. */
async function cli(args: readonly string[], ledger = fixture.file): Promise<{ code: number; body: Json }> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(["--ledger", ledger, ...args, "--json"]);
  } finally {
    process.stdout.write = write;
  }
  return { code, body: JSON.parse(out) };
}

describe("optprov export", () => {
  it("writes OpenLineage events, one optimizer's or all, valid against the published schema", async () => {
    const out = path.join(dir, "events.json");
    expect(await cli(["export", "--format", "openlineage", "--out", out])).toEqual({
      code: 0,
      body: { file: out, format: "openlineage" },
    });
    const events = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(events).toHaveLength(6);
    const { runEvent } = openLineageValidators();
    for (const e of events) expect(runEvent(e)).toBe(true);
    const one = await cli(["export", "--format", "openlineage", "--optimizer", "scout"]);
    expect(one.body.map((e: { eventType: string }) => e.eventType)).toEqual(["START", "COMPLETE"]);
  });

  it("keeps PROV-JSON the default, under both its names", async () => {
    const byDefault = await cli(["export"]);
    expect(byDefault.code).toBe(0);
    expect(Object.keys(byDefault.body.agent)).toContain("optprov:agent-player");
    expect((await cli(["export", "--format", "prov"])).body).toEqual(byDefault.body);
    expect((await cli(["export", "--format", "prov-json"])).body).toEqual(byDefault.body);
  });

  it("writes a CycloneDX BOM of an optimizer", async () => {
    const { code, body } = await cli(["export", "--format", "cyclonedx", "--optimizer", "player"]);
    expect(code).toBe(0);
    expect(body).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      metadata: { component: { name: "player" } },
    });
  });

  it("answers with codes: unknown format, unknown optimizer, entry out of range, flags that do not fit", async () => {
    const error = async (args: string[]) => {
      const r = await cli(args);
      return [r.code, r.body.error?.code];
    };
    expect(await error(["export", "--format", "rdf"])).toEqual([2, "USAGE"]);
    expect(await error(["export", "--format", "cyclonedx", "--optimizer", "nobody"])).toEqual([
      2,
      "OPTIMIZER_UNKNOWN",
    ]);
    expect(await error(["export", "--format", "openlineage", "--optimizer", "nobody"])).toEqual([
      2,
      "OPTIMIZER_UNKNOWN",
    ]);
    expect(await error(["export", "--format", "cyclonedx"])).toEqual([2, "USAGE"]);
    expect(await error(["export", "--format", "sigstore"])).toEqual([2, "USAGE"]);
    expect(await error(["export", "--format", "sigstore", "--entry", "x"])).toEqual([2, "USAGE"]);
    expect(await error(["export", "--format", "openlineage", "--entry", "1"])).toEqual([2, "USAGE"]);
    expect(await error(["export", "--format", "sigstore", "--entry", "999"])).toEqual([
      1,
      "INDEX_OUT_OF_RANGE",
    ]);
  });

  it("bundles an entry, signing a checkpoint over it when the log key is at hand, and only then", async () => {
    const ledger = await openLedger({ path: fixture.file, logKey: fixture.logKey });
    await ledger.root({ name: "late", key: generateSignerKey("late") });
    const last = ledger.log.size - 1;
    await ledger.close();
    expect((await cli(["export", "--format", "sigstore", "--entry", String(last)])).body.error.code).toBe(
      "CHECKPOINT_MISSING",
    );
    const { code, body } = await cli([
      "--log-key",
      logKeyFile,
      "export",
      "--format",
      "sigstore",
      "--entry",
      String(last),
    ]);
    expect(code).toBe(0);
    expect(verifySigstoreBundle(body, { logKey: fixture.logKey }).proof).toMatchObject({
      index: last,
      size: last + 1,
    });
  });

  it("refuses to export a ledger that does not verify, with the verifier's code (PROV-JSON still reads it)", async () => {
    const forged = path.join(dir, "forged.db");
    copyLedger(fixture.file, forged);
    const mallory = generateSignerKey("mallory");
    forceAppend(forged, [
      signEntry(
        "note",
        { actor: "mallory", time: new Date().toISOString(), log: fixture.origin, text: "x" },
        mallory,
      ),
    ]);
    for (const args of [
      ["export", "--format", "openlineage"],
      ["export", "--format", "cyclonedx", "--optimizer", "player"],
      ["export", "--format", "sigstore", "--entry", "0"],
    ]) {
      const r = await cli(args, forged);
      expect([r.code, r.body.error?.code], args.join(" ")).toEqual([1, "ACTOR_UNKNOWN"]);
    }
    expect((await cli(["export"], forged)).code).toBe(0);
  });
});
