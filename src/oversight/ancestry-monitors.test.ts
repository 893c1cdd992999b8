/**
 * The goodhart ancestry monitor reads a trainer's evaluation episodes (steps marked
 * `evaluation: 1`, docs/conventions.md) as a series of their own: a trainer whose training
 * episodes are faithful but whose greedy evaluations game the proxy cannot create, on a real
 * ledger through the SDK; the same record with faithful evaluations can. The marks reach the
 * monitor through the step batch's view, and a batch the log refuses leaves no mark behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ControlState } from "../control/state.js";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { testSpec } from "../control/test-support/specs.js";
import { PolicyError } from "../errors.js";
import { generateSignerKey } from "../ledger/keys.js";
import { Journal } from "../ledger/rules.js";
import { viewOf } from "../ledger/statement.js";
import { spawnSpecFrom } from "../sdk/from-spec.js";
import { openLedger } from "../sdk/ledger.js";
import { ANCESTRY_MONITORS } from "./ancestry-monitors.js";
import { verifyLedger } from "./verify.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-ancestry-monitors-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const alice = generateSignerKey("alice");
const env = generateSignerKey("env");
const now = () => new Date().toISOString();

function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
}

const TRAINING = 60;
const EVALUATIONS = 30;

/**
 * A trainer with `TRAINING` episodes whose proxy is the intended measure, then `EVALUATIONS`
 * evaluation episodes whose proxy is `gap` above it; asks to create a child and says what the gate did.
 */
async function trainAndCreate(gap: number): Promise<{ created: boolean; reasons: string[] }> {
  const ledger = await openLedger({ path: path.join(dir, `m${n++}.db`), logKey: generateSignerKey("log") });
  try {
    const root = await ledger.root({ name: "alice", key: alice });
    await ledger.actor("env", env, "system");
    await ledger.setPolicy(testPolicy({ ancestry: { detectors: ["goodhart"], severity: "medium" } }), alice);
    const trainer = await root.spawn(
      spawnSpecFrom(
        testSpec({ name: "trainer", kind: "q-learning", maxSteps: 10_000, mayCreate: ["tree-search"] }),
      ),
    );
    const next = noise(17);
    const P = Array.from({ length: TRAINING + EVALUATIONS }, () => 40 + 20 * next());
    await trainer.run((ctx) => {
      for (let e = 0; e < TRAINING; e++) ctx.step({ episode: e, R: P[e]! });
      for (let e = TRAINING; e < TRAINING + EVALUATIONS; e++)
        ctx.step({ episode: e, evaluation: 1, R: P[e]! + gap });
    });
    await ledger.log.append(
      P.map((value, episode) =>
        ledger.log.sign(
          "observation",
          { actor: "env", time: now(), optimizer: "trainer", episode, values: { P: value } },
          env,
        ),
      ),
    );
    await ledger.refresh();
    const spec = spawnSpecFrom(testSpec({ name: "greedy", kind: "tree-search", maxSteps: 1000 }));
    try {
      await trainer.spawn(spec);
      expect((await verifyLedger(ledger.log.store)).ok).toBe(true);
      return { created: true, reasons: [] };
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      return { created: false, reasons: err.reasons.map((r) => `${r.code}: ${r.message}`) };
    }
  } finally {
    await ledger.close();
  }
}

describe("the goodhart ancestry monitor and evaluation episodes", () => {
  it("denies the child of a trainer whose evaluation episodes game the proxy, naming them", async () => {
    const { created, reasons } = await trainAndCreate(15);
    expect(created).toBe(false);
    const ancestry = reasons.filter((r) => r.startsWith("ANCESTRY_FINDING"));
    expect(ancestry.length).toBeGreaterThan(0);
    expect(ancestry.every((r) => r.includes("in its evaluation episodes"))).toBe(true);
    expect(ancestry.join("\n")).toContain("GOODHART_LEVEL_GAP");
  });

  it("allows it when the evaluation episodes are faithful too (the R = P control)", async () => {
    expect(await trainAndCreate(0)).toEqual({ created: true, reasons: [] });
  });

  it("reads the marks from the batch's view, and a rolled-back batch leaves none", () => {
    const monitor = ANCESTRY_MONITORS["goodhart"]!;
    const steps = (from: number, count: number, evaluation: boolean) => ({
      count: count * 2,
      metrics: {
        episode: Array.from({ length: count * 2 }, (_, i) => from + Math.floor(i / 2)),
        R: Array.from({ length: count * 2 }, (_, i) => (i % 2 === 1 ? 30 : null)),
        ...(evaluation ? { evaluation: Array.from({ length: count * 2 }, () => 1) } : {}),
      },
    });
    const batch = (from: number, count: number, evaluation: boolean) =>
      viewOf({
        kind: "step-batch",
        subject: [],
        predicate: { actor: "t", time: now(), log: "x", firstStep: 0, steps: steps(from, count, evaluation) },
      } as never);
    const view = batch(20, 20, true);
    expect(view.kind === "step-batch" && view.predicate.episodes?.every((e) => e.evaluation === true)).toBe(
      true,
    );
    expect(batch(0, 20, false).predicate).not.toHaveProperty("episodes.0.evaluation");

    const state = {} as ControlState;
    const observeIntended = (memory: unknown) => {
      // The intended measure: 30 on episodes 0..19, 0 on episodes 20..39.
      for (let e = 0; e < 40; e++)
        monitor.observe(
          memory,
          10 + e,
          {
            kind: "observation",
            predicate: {
              actor: "env",
              time: now(),
              log: "x",
              optimizer: "t",
              episode: e,
              values: { P: e < 20 ? 30 : 0 },
            },
          } as never,
          state,
          undefined,
        );
    };
    // Marked: episodes 20..39 are an evaluation series of their own, and that series games.
    const marked = monitor.create();
    monitor.observe(marked, 1, batch(0, 20, false), state, undefined);
    monitor.observe(marked, 2, view, state, undefined);
    observeIntended(marked);
    const evaluated = monitor.findings(marked, "t", state);
    expect(evaluated.map((f) => f.code)).toContain("GOODHART_LEVEL_GAP");
    expect(evaluated.every((f) => f.message.includes("in its evaluation episodes"))).toBe(true);
    // The marked batch refused (rolled back), then the same episodes admitted unmarked: they are
    // training episodes, and no mark of the refused batch is left behind.
    const unmarked = monitor.create();
    monitor.observe(unmarked, 1, batch(0, 20, false), state, undefined);
    const journal = new Journal();
    monitor.observe(unmarked, 2, view, state, journal);
    journal.rollback();
    monitor.observe(unmarked, 3, batch(20, 20, false), state, undefined);
    observeIntended(unmarked);
    const trained = monitor.findings(unmarked, "t", state);
    expect(trained.map((f) => f.code)).toContain("GOODHART_LEVEL_GAP");
    expect(trained.some((f) => f.message.includes("evaluation"))).toBe(false);
  });
});
