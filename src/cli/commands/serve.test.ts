/**
 * `optprov serve` and `optprov witness serve` through the command line (in process, on real
 * sockets): the log server asks the witness to cosign each new checkpoint, the cosignature lands in
 * the ledger, and SIGTERM closes both cleanly with exit code 0.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ALG_COSIGNATURE_V1, formatVerifierKey, generateSignerKey, withType } from "../../ledger/keys.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { writeKeyFile } from "../../sdk/location.js";
import { actorJson } from "../../server/test-support/fixture.js";
import { main } from "../main.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-serve-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `argv` in process until it prints the URL it listens on. */
async function start(argv: string[]): Promise<{ url: string; done: Promise<number> }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  const done = main(argv);
  try {
    for (let i = 0; i < 200 && !/http:\/\/\S+/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  } finally {
    process.stdout.write = write;
  }
  const url = /(http:\/\/[0-9.:]+)/.exec(out)?.[1];
  if (url === undefined) throw new Error(`no URL printed: ${out.slice(0, 200)}`);
  return { url, done };
}

describe("optprov serve and optprov witness serve", () => {
  it("round trip: the log server pushes its checkpoint, the witness cosigns, the ledger stores it", async () => {
    const ledger = path.join(dir, "ledger", "ledger.db");
    const logKey = generateSignerKey("log.cli");
    fs.mkdirSync(path.dirname(ledger));
    writeKeyFile(path.join(path.dirname(ledger), "log.key"), logKey);
    const witness = withType(generateSignerKey("witness.cli"), ALG_COSIGNATURE_V1);
    const witnessFile = path.join(dir, "witness.key");
    writeKeyFile(witnessFile, witness);
    WitnessRecord.create(`${witnessFile}.record`, witness);

    const w = await start([
      "witness",
      "serve",
      "--key",
      witnessFile,
      "--log",
      formatVerifierKey(logKey),
      "--listen",
      "127.0.0.1:0",
    ]);
    const s = await start([
      "--ledger",
      ledger,
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--witness",
      `${w.url}=${formatVerifierKey(witness)}`,
      "--checkpoint-ms",
      "20",
    ]);
    const res = await fetch(`${s.url}/v1/entries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ envelopes: [actorJson(logKey.name, generateSignerKey("alice"))] }),
    });
    expect(res.status).toBe(201);
    let view: { size: number; cosignatures: string[] } = { size: 0, cosignatures: [] };
    for (let i = 0; i < 200 && view.cosignatures.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      view = (await (await fetch(`${s.url}/v1/checkpoint`)).json()) as typeof view;
    }
    expect(view).toMatchObject({ size: 1, cosignatures: [formatVerifierKey(witness)] });
    expect(WitnessRecord.open(`${witnessFile}.record`, witness).all.map((e) => e.event)).toEqual([
      "genesis",
      "cosign",
    ]);

    process.emit("SIGTERM");
    expect(await s.done).toBe(0);
    expect(await w.done).toBe(0);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it("refuses a --listen that is not host:port, and a witness served without a log", async () => {
    expect(await main(["serve", "--listen", "nowhere", "--json"])).toBe(2);
    const witness = withType(generateSignerKey("witness.two"), ALG_COSIGNATURE_V1);
    const file = path.join(dir, "w2.key");
    writeKeyFile(file, witness);
    expect(await main(["witness", "serve", "--key", file, "--json"])).toBe(2);
  });
});
