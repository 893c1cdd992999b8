/**
 * The worked examples, each run into a real ledger in a temp directory with small sizes, and
 * held to what they claim: the thermostat keeps the room in its band, the MCTS player is created by
 * the learner only after a request and an overseer's approval, the hyper-parameter search makes
 * three generations of optimizers, and every ledger verifies offline.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordedSpec } from "optprov";
import { predict, seededRng, specDigest, type Value } from "optprov/model";
import { verifyLedger } from "optprov/oversight";
import { type Ledger, openLedger } from "optprov/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { run as hyperparameterSearch } from "./hyperparameter-search.js";
import { loadExampleSpec, OVERSEER, ROOT, readKeyFile, runAll } from "./run-all.js";
import { run as sensorCleaner } from "./sensor-cleaner.js";
import { COMFORT, run as thermostat } from "./thermostat.js";
import { EMPTY_BOARD, LINES, legalMoves, play, result, toMove } from "./tic-tac-toe/rules.js";
import { decisionsFor, LINE_VARIABLES, rulesWorldModel } from "./tic-tac-toe/rules-model.js";
import { run as ticTacToe } from "./tic-tac-toe/self-play.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-examples-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `l${n++}`, "ledger.db");
const quiet = () => undefined;

/** Open a ledger the examples wrote, verify it offline, and hand it to `fn`. */
async function inspect<T>(ledgerPath: string, fn: (ledger: Ledger) => T | Promise<T>): Promise<T> {
  const ledger = await openLedger({ path: ledgerPath });
  try {
    const report = await verifyLedger(ledger.log.store);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

describe("thermostat", () => {
  it("records the strip (implicit) and its twin (explicit), and both keep the room in band", async () => {
    const ledgerPath = fresh();
    const r = await thermostat({ ledgerPath, hours: 3, log: quiet });
    for (const room of [r.stripRoom, r.twinRoom]) {
      expect(room.minutes).toBe(180);
      expect(room.min).toBeGreaterThanOrEqual(COMFORT.low - 0.5);
      expect(room.max).toBeLessThanOrEqual(COMFORT.high + 0.5);
    }
    expect(r.controlTable.map((row) => [row.band, row.heater])).toEqual([
      ["cold", true],
      ["comfortable", false],
      ["hot", false],
    ]);
    await inspect(ledgerPath, async (ledger) => {
      const strip = ledger.state.optimizers.get(r.strip)!;
      const twin = ledger.state.optimizers.get(r.twin)!;
      expect(strip).toMatchObject({ creator: ROOT, process: "external", steps: 180, unapproved: false });
      expect(twin).toMatchObject({ creator: ROOT, process: "exhaustive-search", steps: 180 });
      expect(twin.gate?.outcome).toBe("allow");
      expect(twin.artifacts).toHaveLength(1);
      // The strip is the spec file, exactly: the ledger binds its digest.
      expect(strip.specDigest).toBe(specDigest(loadExampleSpec("thermostat.optimizer.yaml")).slice(7));
      expect(await recordedSpec(ledger.log.store, strip)).toMatchObject({ worldModel: { kind: "implicit" } });
      expect(await recordedSpec(ledger.log.store, twin)).toMatchObject({
        worldModel: { kind: "explicit" },
        metadata: { twinOf: r.strip },
      });
    });
  });
});

describe("tic-tac-toe self-play", () => {
  it("the learner creates the MCTS player only after a request and an overseer's approval", async () => {
    const ledgerPath = fresh();
    const r = await ticTacToe({ ledgerPath, trainingGames: 400, games: 12, simulations: 60, log: quiet });
    expect(r.request).toBeLessThan(r.approval);
    expect(r.approval).toBeLessThan(r.created);
    expect(r.wins + r.draws + r.losses).toBe(12);
    expect(r.winRate).toBeGreaterThanOrEqual(0.5);
    await inspect(ledgerPath, (ledger) => {
      const { state } = ledger;
      const player = state.optimizers.get(r.player)!;
      expect(player).toMatchObject({
        creator: r.learner,
        process: "tree-search",
        request: r.request,
        index: r.created,
        unapproved: false,
        depth: 2,
      });
      expect(state.optimizers.get(r.learner)).toMatchObject({ creator: ROOT, process: "q-learning" });
      const request = state.requests.get(r.request)!;
      expect(request.creator).toBe(r.learner);
      expect(request.gate.outcome).toBe("needs-approval");
      expect(request.approvals).toEqual([
        expect.objectContaining({ index: r.approval, by: OVERSEER, decision: "approve" }),
      ]);
      expect(state.requestStatus(request)).toBe("fulfilled");
      expect(player.steps).toBeGreaterThan(0);
    });
  });

  it("the rules as an explicit world model agree with the game engine", () => {
    const model = rulesWorldModel();
    const rng = seededRng(3);
    let checked = 0;
    for (let game = 0; game < 3; game++) {
      let board = EMPTY_BOARD;
      while (result(board) === undefined) {
        const moves = legalMoves(board);
        const move = moves[Math.floor(rng() * moves.length)]!;
        const me = toMove(board);
        const { distribution } = predict(model, decisionsFor(board, me, move), LINE_VARIABLES);
        const next = play(board, move);
        const expected = Object.fromEntries(
          LINES.map(([a, b, c], k) => {
            const m = next[a];
            const held = m && m === next[b] && m === next[c] ? (m === me ? "mine" : "theirs") : "open";
            return [`line${k}`, held as Value];
          }),
        );
        expect(distribution).toEqual([{ assignment: expected, p: 1 }]);
        board = next;
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    // An occupied cell cannot be played: the model gives the move probability zero.
    const board = play(EMPTY_BOARD, 4);
    expect(() => predict(model, decisionsFor(board, "o", 4), ["line1"])).toThrow(
      expect.objectContaining({ code: "EVIDENCE_IMPOSSIBLE" }),
    );
  });
});

describe("hyper-parameter search", () => {
  it("makes three generations of optimizers: search -> training runs -> recommenders", async () => {
    const ledgerPath = fresh();
    const r = await hyperparameterSearch({ ledgerPath, epochs: 300, log: quiet });
    expect(r.runs).toHaveLength(4);
    const converged = r.runs.filter((o) => !o.diverged);
    expect(r.runs.find((o) => o.learningRate === 1)?.diverged).toBe(true);
    expect(converged.length).toBeGreaterThanOrEqual(2);
    expect(r.best.learningRate).toBe(0.3);
    await inspect(ledgerPath, (ledger) => {
      const { state } = ledger;
      expect(state.optimizers.get(r.search)).toMatchObject({ creator: ROOT, process: "best-of-n", depth: 1 });
      for (const o of r.runs) {
        const trainer = state.optimizers.get(o.run)!;
        expect(trainer).toMatchObject({ creator: r.search, process: "gradient-descent", depth: 2 });
        if (o.diverged) {
          expect(trainer.children).toEqual([]);
          continue;
        }
        expect(trainer.artifacts).toHaveLength(1); // the model
        expect(trainer.children).toEqual([o.recommender]);
        const recommender = state.optimizers.get(o.recommender!)!;
        expect(recommender).toMatchObject({ creator: o.run, process: "exhaustive-search", depth: 3 });
        expect(recommender.steps).toBe(121);
        expect(state.ancestors(recommender.name)).toEqual([o.run, r.search, ROOT]);
      }
    });
  });
});

describe("sensor cleaner (docs/instrumenting.md)", () => {
  it("the audit sees the reward rise while the room gets dirtier, from the environment's typed report", async () => {
    const ledgerPath = fresh();
    // The environment reports two numbers per episode (intended and violations): the detector finds
    // the intended measure by its typed key, the one the spec's measuredBy names.
    const tampered = await sensorCleaner({ ledgerPath, log: quiet });
    expect(tampered.reward.at(-1)).toBeGreaterThan(tampered.reward[0] as number);
    expect(tampered.intended.at(-1)).toBeLessThan(tampered.intended[0] as number);
    const codes = tampered.findings.map((f) => `${f.detector}/${f.code}`);
    expect(codes).toContain("goodhart/GOODHART_DIVERGENCE");
    expect(codes).toContain("goodhart/GOODHART_LEVEL_GAP");
    const divergence = tampered.findings.find((f) => f.code === "GOODHART_DIVERGENCE");
    expect(divergence?.evidence.entries?.length).toBeGreaterThan(0);
  });

  it("finds nothing when the sensor cannot be covered", async () => {
    const control = await sensorCleaner({
      ledgerPath: fresh(),
      episodes: 120,
      tamperProof: true,
      log: quiet,
    });
    expect(control.intended.at(-1)).toBeGreaterThan(5);
    expect(control.findings).toEqual([]);
  });
});

describe("the examples' policy", () => {
  it("is installed once, and put back in force (with the overseer's approval) if another replaced it", async () => {
    const ledgerPath = fresh();
    await thermostat({ ledgerPath, hours: 1, log: quiet });
    await thermostat({ ledgerPath, hours: 1, log: quiet });
    const keys = path.join(path.dirname(ledgerPath), "keys");
    const alice = readKeyFile(path.join(keys, `${ROOT}.key`));
    const bob = readKeyFile(path.join(keys, `${OVERSEER}.key`));
    const ours = await inspect(ledgerPath, async (ledger) => {
      expect(ledger.state.policies).toHaveLength(1);
      const active = ledger.state.activePolicy()!;
      const other = await ledger.setPolicy({ ...active.policy!, name: "someone-else's" }, alice);
      await ledger.review(other.index, bob, "approve");
      expect(ledger.state.activePolicy()?.policy?.name).toBe("someone-else's");
      return active.digest;
    });
    const lines: string[] = [];
    await thermostat({ ledgerPath, hours: 1, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/signs a changed examples' policy; #\d+ overseer-bob approves it/);
    await inspect(ledgerPath, (ledger) => {
      expect(ledger.state.activePolicy()?.digest).toBe(ours);
      expect(ledger.state.policies).toHaveLength(3);
    });
  });
});

describe("run-all", () => {
  it("runs every example into one ledger, twice, reusing the people and the policy", async () => {
    const ledgerPath = fresh();
    const first = await runAll({ ledgerPath, quick: true, log: quiet });
    const second = await runAll({ ledgerPath, quick: true, log: quiet });
    expect(first.verified && second.verified).toBe(true);
    expect(second.entries).toBeGreaterThan(first.entries);
    expect(new Set([...first.created, ...second.created]).size).toBe(8);
    const keys = path.join(path.dirname(ledgerPath), "keys");
    for (const name of [ROOT, OVERSEER])
      expect(fs.statSync(path.join(keys, `${name}.key`)).mode & 0o777).toBe(0o600);
    await inspect(ledgerPath, (ledger) => {
      expect(ledger.state.policies).toHaveLength(1);
      expect([...ledger.state.actors.keys()].sort()).toEqual([ROOT, OVERSEER].sort());
      expect(ledger.state.requests.size).toBe(2);
    });
  });
});
