/**
 * The console's own reads through `createServer` (no socket) over a ledger the SDK wrote: an
 * optimizer's per-episode proxy beside the intended measure others reported
 * (`/console/api/episodes/:name`), and the latest checkpoint's cosigners with whether each
 * verifies and is one this server asks (`/console/api/witnesses`). Hostile parameters are refused
 * with coded errors.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPolicy } from "../../src/control/test-support/policy-fixture.js";
import { testSpec } from "../../src/control/test-support/specs.js";
import { ALG_COSIGNATURE_V1, formatVerifierKey, generateSignerKey, withType } from "../../src/ledger/keys.js";
import type { OptimizerSpec } from "../../src/model/index.js";
import { cosignLatest } from "../../src/oversight/witness.js";
import { WitnessRecord } from "../../src/oversight/witness-record.js";
import { spawnSpecFrom } from "../../src/sdk/from-spec.js";
import { type Ledger, openLedger } from "../../src/sdk/ledger.js";
import { createServer, type OptprovServer } from "../../src/server/app.js";
import type { EpisodeSeries } from "../../src/server/episode-series.js";
import { tmpDir } from "./support/fixture.js";

const dir = tmpDir();
const alice = generateSignerKey("alice");
const env = generateSignerKey("env");
const scoredKey = generateSignerKey("scored");
const pinnedWitness = withType(generateSignerKey("witness-pinned"), ALG_COSIGNATURE_V1);
const strayWitness = withType(generateSignerKey("witness-stray"), ALG_COSIGNATURE_V1);
let ledger: Ledger;
let server: OptprovServer;

const get = (p: string) => server.fetch(new Request(`http://optprov.test${p}`));
const json = async <T>(p: string): Promise<T> => {
  const res = await get(p);
  expect(res.status, `${p}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
};
const observe = (optimizer: string, episode: number, values: Record<string, number>, key = env) =>
  ledger.append("observation", { actor: key.name, optimizer, episode, values }, key);

beforeAll(async () => {
  ledger = await openLedger({ path: path.join(dir, "ledger.db"), logKey: generateSignerKey("log.reads") });
  const root = await ledger.root({ name: "alice", key: alice });
  await ledger.actor("env", env, "system");
  await ledger.setPolicy(
    testPolicy({ rules: [{ creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" }] }),
    alice,
  );
  // Scored on its episode totals R; its objective says the intended measure is the key `score`.
  const base = testSpec({ name: "scored", kind: "q-learning" });
  const spec = { ...base, objective: { ...base.objective, measuredBy: "score" } } as OptimizerSpec;
  const scored = await root.spawn(spawnSpecFrom(spec, { name: "scored" }), { key: scoredKey });
  await scored.run((ctx) => {
    for (let e = 0; e < 20; e++) {
      ctx.step({ episode: e, R: e - 1 });
      ctx.step({ episode: e, R: e });
    }
  });
  for (let e = 0; e < 20; e++) await observe("scored", e, { intended: -1, score: 100 + e });
  // Its own word on its intended measure does not count.
  await observe("scored", 3, { score: 9999 }, scoredKey);
  // Scored on step rewards, summed per episode; nobody reports its intended measure.
  const summed = await root.spawn(spawnSpecFrom(testSpec({ name: "summed" }), { name: "summed" }));
  await summed.run((ctx) => {
    for (let e = 0; e < 5; e++) for (let s = 0; s < 3; s++) ctx.step({ episode: e, reward: 1 });
  });
  const quiet = await root.spawn(spawnSpecFrom(testSpec({ name: "quiet" }), { name: "quiet" }));
  await quiet.run((ctx) => {
    ctx.step({ loss: 1 });
  });
  server = createServer({
    log: ledger.log,
    checkpointDelayMs: false,
    logLine: () => undefined,
    limits: { rate: false },
    witnesses: [{ url: "http://user:secret@witness.test/", key: pinnedWitness }],
  });
});

afterAll(async () => {
  await server?.close();
  await ledger?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("GET /console/api/episodes/:name", () => {
  it("gives the episode totals beside the intended measure under the key measuredBy names", async () => {
    const s = await json<EpisodeSeries>("/console/api/episodes/scored");
    expect(s).toMatchObject({
      optimizer: "scored",
      proxyKey: "R",
      measuredBy: "score",
      reporters: ["env"],
      counts: { proxy: 20, intended: 20, episodes: 20 },
      bucket: 1,
      truncated: false,
    });
    expect(s.intendedKeys[0]).toBe("score");
    // The last R of each episode, and the environment's score, not the optimizer's own 9999.
    expect(s.points.map((p) => p.proxy)).toEqual(Array.from({ length: 20 }, (_, e) => e));
    expect(s.points.map((p) => p.intended)).toEqual(Array.from({ length: 20 }, (_, e) => 100 + e));
    expect(s.size).toBe(await ledger.log.store.size());
  });

  it("averages consecutive episodes into at most `points` points", async () => {
    const s = await json<EpisodeSeries>("/console/api/episodes/scored?points=3");
    expect(s.bucket).toBe(7);
    expect(s.points.map((p) => [p.episode, p.last])).toEqual([
      [0, 6],
      [7, 13],
      [14, 19],
    ]);
    expect(s.points[0]).toMatchObject({ proxy: 3, intended: 103 });
    expect(s.points[2]).toMatchObject({ proxy: 16.5, intended: 116.5 });
  });

  it("sums step rewards when no total is reported, and has no intended measure when nobody reports one", async () => {
    const s = await json<EpisodeSeries>("/console/api/episodes/summed");
    expect(s).toMatchObject({ proxyKey: "reward", counts: { proxy: 5, intended: 0, episodes: 5 } });
    expect(s.points.map((p) => [p.proxy, p.intended])).toEqual(Array(5).fill([3, null]));
    expect(s.reporters).toEqual([]);
  });

  it("answers an optimizer without episodes with no points", async () => {
    const s = await json<EpisodeSeries>("/console/api/episodes/quiet");
    expect(s).toMatchObject({ proxyKey: null, counts: { episodes: 0 }, points: [] });
  });

  it("reads what was appended since the last read", async () => {
    await observe("summed", 2, { intended: 2.5 });
    const s = await json<EpisodeSeries>("/console/api/episodes/summed");
    expect(s.counts.intended).toBe(1);
    expect(s.points[2]).toMatchObject({ episode: 2, proxy: 3, intended: 2.5 });
  });

  it.each([
    ["/console/api/episodes/scored?points=abc", 400, "REQUEST_INVALID"],
    ["/console/api/episodes/scored?points=1", 400, "REQUEST_INVALID"],
    ["/console/api/episodes/scored?points=2001", 400, "REQUEST_INVALID"],
    ["/console/api/episodes/scored?points=1e3", 400, "REQUEST_INVALID"],
    ["/console/api/episodes/scored?points=-5", 400, "REQUEST_INVALID"],
    ["/console/api/episodes/nobody", 404, "NOT_FOUND"],
    ["/console/api/episodes/alice", 404, "NOT_FOUND"],
  ])("refuses %s with %i %s", async (p, status, code) => {
    const res = await get(p);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(/expected|no optimizer/);
  });
});

describe("GET /console/api/witnesses", () => {
  interface Witnesses {
    size: number | null;
    cosigners: { name: string; keyId: string; key: string; verified: boolean; pinned: boolean }[];
    configured: { name: string; keyId: string; url: string; cosignedLatest: boolean }[];
  }
  const hex = (k: { keyId: Uint8Array }) => Buffer.from(k.keyId).toString("hex");

  it("says nobody cosigned before any checkpoint, and lists the witness this server asks", async () => {
    const w = await json<Witnesses>("/console/api/witnesses");
    expect(w.size).toBeNull();
    expect(w.cosigners).toEqual([]);
    expect(w.configured).toEqual([
      {
        name: "witness-pinned",
        keyId: hex(pinnedWitness),
        url: "http://witness.test/",
        cosignedLatest: false,
      },
    ]);
  });

  it("names each cosigner by name and key id, pinned or not, and a forged cosignature as unverified", async () => {
    const cp = await ledger.log.checkpoint();
    await cosignLatest(
      ledger.log,
      pinnedWitness,
      WitnessRecord.create(path.join(dir, "w1.record"), pinnedWitness),
    );
    await cosignLatest(
      ledger.log,
      strayWitness,
      WitnessRecord.create(path.join(dir, "w2.record"), strayWitness),
    );
    let w = await json<Witnesses>("/console/api/witnesses");
    expect(w.size).toBe(cp.size);
    expect(w.cosigners.map((c) => [c.name, c.keyId, c.verified, c.pinned])).toEqual([
      ["witness-pinned", hex(pinnedWitness), true, true],
      ["witness-stray", hex(strayWitness), true, false],
    ]);
    expect(w.configured[0]!.cosignedLatest).toBe(true);
    // A line claiming a third witness, written into the store behind the log: it does not verify.
    const forger = withType(generateSignerKey("witness-forged"), ALG_COSIGNATURE_V1);
    const latest = (await ledger.log.store.latestCheckpoint())!;
    const stolen = latest.cosignatures[0]!.line.split(" ").at(-1)!;
    await ledger.log.store.addCosignature(
      latest.id,
      formatVerifierKey(forger),
      `— witness-forged ${stolen.trimEnd()}\n`,
    );
    w = await json<Witnesses>("/console/api/witnesses");
    expect(w.cosigners.find((c) => c.name === "witness-forged")).toMatchObject({
      verified: false,
      pinned: false,
    });
  });
});
