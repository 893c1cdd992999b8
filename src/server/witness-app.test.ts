/**
 * C2SP tlog-witness both ways: the log server pushes checkpoints to a witness served by
 * `createWitnessServer`, which checks them against its own signed record and answers with a
 * cosignature the log stores; and the witness's refusals, each with the spec's status.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signCheckpoint, verifyCosignature } from "../ledger/checkpoint.js";
import { ALG_COSIGNATURE_V1, formatVerifierKey, generateSignerKey, withType } from "../ledger/keys.js";
import { parseNote } from "../ledger/note.js";
import { WitnessRecord } from "../oversight/witness-record.js";
import { createServer } from "./app.js";
import { listen } from "./listen.js";
import { actorJson, noteJson, openTestLog, tmpDir } from "./test-support/fixture.js";
import { createWitnessServer } from "./witness-app.js";
import { addCheckpointBody } from "./witness-client.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const logKey = generateSignerKey("log.witnessed");
const origin = logKey.name;
const alice = generateSignerKey("alice");
const quiet = () => undefined;
let n = 0;

function witness() {
  const key = withType(generateSignerKey(`witness-${n}`), ALG_COSIGNATURE_V1);
  const file = path.join(dir, `w${n++}.record`);
  WitnessRecord.create(file, key);
  const app = createWitnessServer({
    key,
    record: () => WitnessRecord.open(file, key),
    logs: [{ origin, keys: [logKey] }],
    logLine: quiet,
  });
  return { key, file, app };
}

async function grownLog(k: number) {
  const log = await openTestLog(dir, logKey);
  const server = createServer({ log, checkpointDelayMs: false, logLine: quiet });
  const add = async (count: number) => {
    const envelopes = Array.from({ length: count }, () => noteJson(origin, alice, `n${Math.random()}`));
    const res = await server.fetch(
      new Request("http://log/v1/entries", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          envelopes: log.size === 0 ? [actorJson(origin, alice), ...envelopes] : envelopes,
        }),
      }),
    );
    expect(res.status).toBe(201);
  };
  await add(k);
  return { log, server, add };
}

const addCheckpoint = (app: { fetch(r: Request): Promise<Response> }, body: string) =>
  app.fetch(new Request("http://witness/add-checkpoint", { method: "POST", body }));

describe("a witness served over HTTP", () => {
  it("cosigns what the log server pushes, checking consistency from its record, over a socket", async () => {
    const w = witness();
    const at = await listen(w.app, { host: "127.0.0.1", port: 0 });
    const { log, add } = await grownLog(3);
    const server = createServer({
      log,
      checkpointDelayMs: false,
      logLine: quiet,
      witnesses: [{ url: at.url, key: w.key }],
    });
    const first = await server.checkpoint();
    expect(first?.cosignatures.map((c) => c.witness)).toEqual([formatVerifierKey(w.key)]);
    const line = first!.cosignatures[0]!.line;
    expect(verifyCosignature(parseNote(first!.text + line), w.key)).toBeTypeOf("number");

    await add(5);
    const second = await server.checkpoint();
    expect(second?.size).toBe(9);
    expect(second?.cosignatures).toHaveLength(1);
    const record = WitnessRecord.open(w.file, w.key);
    expect(record.all.map((e) => [e.event, e.size])).toEqual([
      ["genesis", 0],
      ["cosign", 4],
      ["cosign", 9],
    ]);
    // The served checkpoint carries the cosignature.
    const text = await (await server.fetch(new Request("http://log/checkpoint"))).text();
    expect(text).toContain(second!.cosignatures[0]!.line);
    await at.close();
    await server.close();
    await log.close();
  });

  it("answers 409 with its size when the old size is not the one it cosigned, and the log catches up", async () => {
    const w = witness();
    const { log, server, add } = await grownLog(2);
    const cp1 = await server.checkpoint();
    const ok = await addCheckpoint(w.app, addCheckpointBody(0, [], cp1!.text));
    expect(ok.status).toBe(200);
    await add(4);
    const cp2 = await server.checkpoint();
    const stale = await addCheckpoint(w.app, addCheckpointBody(0, [], cp2!.text));
    expect(stale.status).toBe(409);
    expect(stale.headers.get("content-type")).toBe("text/x.tlog.size");
    expect(await stale.text()).toBe(`${cp1!.size}\n`);
    // The log, which never stored that first cosignature, learns the size from the 409 and retries.
    const pushing = createServer({
      log,
      checkpointDelayMs: false,
      logLine: quiet,
      witnesses: [{ url: "http://witness", key: w.key }],
      fetch: (input, init) => w.app.fetch(new Request(input, init)),
    });
    const cosigned = await pushing.checkpoint();
    expect(cosigned?.cosignatures).toHaveLength(1);
    await pushing.close();
    await server.close();
    await log.close();
  });

  it("refuses a bad proof, a fork, an unknown log, an untrusted signature and a malformed body", async () => {
    const w = witness();
    const { log, server, add } = await grownLog(2);
    const cp1 = await server.checkpoint();
    expect((await addCheckpoint(w.app, addCheckpointBody(0, [], cp1!.text))).status).toBe(200);
    await add(4);
    const cp2 = await server.checkpoint();
    const proof = await log.consistencyProof(cp1!.size, cp2!.size);
    const bad = proof.map((h, i) => (i === 0 ? new Uint8Array(32).fill(7) : h));
    const fork = signCheckpoint(
      { origin, size: cp1!.size, root: new Uint8Array(32).fill(1), extensions: [] },
      logKey,
    );
    const stranger = generateSignerKey(origin);
    const untrusted = signCheckpoint(
      { origin, size: cp2!.size, root: new Uint8Array(32), extensions: [] },
      stranger,
    );
    const elsewhere = generateSignerKey("log.elsewhere");
    const unknown = signCheckpoint(
      { origin: elsewhere.name, size: 1, root: new Uint8Array(32), extensions: [] },
      elsewhere,
    );
    const table: [string, string, number, string | undefined][] = [
      ["a bad proof", addCheckpointBody(cp1!.size, bad, cp2!.text), 422, "WITNESS_PROOF_INVALID"],
      ["no proof", addCheckpointBody(cp1!.size, [], cp2!.text), 422, "WITNESS_PROOF_INVALID"],
      ["a fork at the same size", addCheckpointBody(cp1!.size, [], fork), 409, undefined],
      [
        "an untrusted signature",
        addCheckpointBody(cp1!.size, proof, untrusted),
        403,
        "WITNESS_SIGNATURE_UNTRUSTED",
      ],
      ["an unknown log", addCheckpointBody(0, [], unknown), 404, "WITNESS_LOG_UNKNOWN"],
      ["old beyond the checkpoint", addCheckpointBody(99, [], cp2!.text), 400, "REQUEST_INVALID"],
      ["no old line", `\n${cp2!.text}`, 400, "REQUEST_INVALID"],
      ["a leading zero", `old 02\n\n${cp2!.text}`, 400, "REQUEST_INVALID"],
      ["a short hash", `old 2\nAAAA\n\n${cp2!.text}`, 400, "REQUEST_INVALID"],
      ["no blank line", `old 2\n${cp2!.text.split("\n\n")[0]}`, 400, "REQUEST_INVALID"],
      ["not a note", "old 0\n\nhello\n", 400, "NOTE_INVALID"],
    ];
    const failures: string[] = [];
    for (const [name, body, status, code] of table) {
      const res = await addCheckpoint(w.app, body);
      const text = await res.text();
      const got = res.headers.get("content-type")?.startsWith("application/json")
        ? (JSON.parse(text) as { error: { code: string } }).error.code
        : undefined;
      if (res.status !== status || got !== code)
        failures.push(`${name}: expected ${status} ${code}, got ${res.status} ${got}`);
    }
    expect(failures).toEqual([]);
    // Nothing refused reached the record.
    expect(WitnessRecord.open(w.file, w.key).all.map((e) => e.event)).toEqual(["genesis", "cosign"]);
    expect((await addCheckpoint(w.app, addCheckpointBody(cp1!.size, proof, cp2!.text))).status).toBe(200);
    await server.close();
    await log.close();
  });
});
