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
import { startTestPostgres } from "../../store/test-support/postgres-server.js";
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

  it("on a PostgreSQL ledger, creates the log at the first start only; a restart opens it once", async () => {
    // A URL is not a file: the check for a new ledger took every start for the first, opened and
    // replayed the log once to "create" it and once to serve it, and said "created ledger" each time.
    const pgServer = await startTestPostgres();
    const stderr = process.stderr.write.bind(process.stderr);
    try {
      const url = await pgServer.database();
      const keyFile = path.join(dir, "pg-log.key");
      writeKeyFile(keyFile, generateSignerKey("log.pg"));
      const said: string[] = [];
      for (let run = 0; run < 2; run++) {
        let err = "";
        process.stderr.write = ((chunk: string | Uint8Array) => {
          err += String(chunk);
          return true;
        }) as typeof process.stderr.write;
        const s = await start(["--ledger", url, "--log-key", keyFile, "serve", "--listen", "127.0.0.1:0"]);
        const health = (await (await fetch(`${s.url}/healthz`)).json()) as { origin: string };
        expect(health.origin).toBe("log.pg");
        process.emit("SIGTERM");
        expect(await s.done).toBe(0);
        process.stderr.write = stderr;
        said.push(err);
      }
      expect(said[0]).toContain("created ledger");
      expect(said[1]).not.toContain("created ledger");
    } finally {
      process.stderr.write = stderr;
      await pgServer.stop();
    }
  }, 120_000);
});
