import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { testPolicy } from "../../control/test-support/policy-fixture.js";
import { generateSignerKey } from "../../ledger/keys.js";
import { openLedger } from "../../sdk/ledger.js";
import { SqliteStore } from "../../store/sqlite/sqlite-store.js";
import { audit } from "../audit.js";
import { verifyLedger } from "../verify.js";
import type { Finding } from "./finding.js";
import { forgeryFindings } from "./forgery.js";

/** One detector's findings over a ledger, through the audit's single replay. */
async function findingsOf(store: SqliteStore, detector: string): Promise<Finding[]> {
  return (await audit(store, { only: [detector] })).findings.filter((f) => f.detector === detector);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-detect-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");

async function ledgerWithPolicy() {
  const file = path.join(dir, `d${n++}.db`);
  const ledger = await openLedger({
    path: file,
    logKey: generateSignerKey("log.d"),
    stepBatch: { maxSteps: 10, maxMs: 1000 },
  });
  const root = await ledger.root({ name: "alice", key: alice });
  await ledger.actor("bob", bob, "overseer");
  await ledger.setPolicy(testPolicy({ overseers: ["bob"] }), alice);

  return { ledger, root, file };
}

describe("self-modification", () => {
  it("flags an exploration rate changed at run time without approval, and not an approved one", async () => {
    const { ledger, root, file } = await ledgerWithPolicy();
    const sneaky = await root.spawn({
      name: "sneaky",
      process: { kind: "q-learning", params: { epsilon: 0.1, alpha: 0.5 } },
    });
    await sneaky.run((ctx) => {
      for (let i = 0; i < 20; i++) ctx.step();
      ctx.params.epsilon = 0; // stops exploring: nobody approved this
      for (let i = 0; i < 20; i++) ctx.step();
    });
    const honest = await root.spawn({
      name: "honest",
      process: { kind: "q-learning", params: { epsilon: 0.1 } },
    });
    const change = await ledger.proposeChange("honest", "epsilon", 0.1, 0.05, alice, "anneal");
    await ledger.review(change.index, bob, "approve");
    await honest.run((ctx) => {
      for (let i = 0; i < 20; i++) ctx.step();
      ctx.params.epsilon = 0.05;
      for (let i = 0; i < 20; i++) ctx.step();
    });
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const findings = await findingsOf(store, "self-modification");
    await store.close();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: "PARAMETER_CHANGED_WITHOUT_APPROVAL",
      optimizer: "sneaky",
      evidence: { numbers: { before: 0.1, after: 0 } },
    });
    expect(findings[0]!.message).toContain("epsilon from 0.1 to 0");
  });
});

describe("undeclared optimizers", () => {
  it("flags many alternatives evaluated per step in a process that does not search", async () => {
    const { ledger, root, file } = await ledgerWithPolicy();
    const model = { evaluate: (s: Readonly<Record<string, unknown>>) => -Math.abs(Number(s.x) - 3) };
    const trainer = await root.spawn({ name: "trainer", process: { kind: "gradient-descent" }, model });
    await trainer.run((ctx) => {
      for (let step = 0; step < 3; step++) {
        // Picks the best of eight candidate actions through its world model: a search nobody declared.
        let best = 0;
        for (let x = 0; x < 8; x++)
          if ((ctx.evaluate({ x }) as number) > (ctx.evaluate({ x: best }) as number)) best = x;
        ctx.step({ best });
      }
    });
    const mcts = await root.spawn({ name: "mcts", process: { kind: "tree-search" }, model });
    await mcts.run((ctx) => {
      for (let x = 0; x < 8; x++) ctx.evaluate({ x });
      ctx.step();
    });
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const findings = await findingsOf(store, "undeclared-optimizer");
    await store.close();
    expect(findings.map((f) => [f.optimizer, f.code])).toEqual([
      ["trainer", "SEARCH_IN_NON_SEARCHING_PROCESS"],
    ]);
    expect(findings[0]!.evidence.numbers?.maxAlternatives).toBe(8);
  });
});

describe("forgery", () => {
  it("turns the verifier's first problem into a critical finding", async () => {
    const { ledger, root, file } = await ledgerWithPolicy();
    await root.spawn({ name: "t", process: { kind: "q-learning" } });
    await ledger.close();
    const clean = SqliteStore.open(file, { readonly: true });
    expect(forgeryFindings(await verifyLedger(clean))).toEqual([]);
    await clean.close();
    const db = new Database(file);
    db.prepare("DELETE FROM entries WHERE idx = 2").run();
    db.close();
    const store = SqliteStore.open(file, { readonly: true });
    const [f] = forgeryFindings(await verifyLedger(store));
    await store.close();
    expect(f).toMatchObject({
      detector: "forgery",
      code: "ENTRY_MISSING",
      severity: "critical",
      evidence: { entries: [2] },
    });
  });
});

describe("Goodhart over the ledger", () => {
  // Deterministic noise (a small LCG), not a periodic one: periodic noise looks like a trend.
  const noise = (e: number) => (((e * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;
  async function run(intended: (e: number) => number) {
    const { ledger, root, file } = await ledgerWithPolicy();
    const env = generateSignerKey("gridworld-env");
    await ledger.actor("gridworld-env", env, "system");
    const agent = await root.spawn({ name: "agent", process: { kind: "q-learning" } });
    await agent.run(async (ctx) => {
      for (let episode = 0; episode < 120; episode++) {
        const R = episode / 4 + noise(episode);
        ctx.step({ episode, R });
        // The hidden measure reaches the ledger only through the environment's own key.
        await ledger.append(
          "observation",
          { actor: "gridworld-env", optimizer: "agent", episode, values: { P: intended(episode) } },
          env,
        );
      }
    });
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const findings = await findingsOf(store, "goodhart");
    await store.close();
    return findings;
  }
  it("flags a rising reward whose reported performance falls, with the environment's entries as evidence", async () => {
    const findings = await run((e) => (e < 40 ? e / 4 : 10 - (e - 40) / 4) + noise(e + 7));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.optimizer === "agent" && f.detector === "goodhart")).toBe(true);
    expect(findings[0]!.evidence.entries?.length).toBeGreaterThan(0);
  });
  it("stays quiet when the performance follows the reward", async () => {
    expect(await run((e) => e / 4 + noise(e + 3))).toEqual([]);
  });
  it("flags a proxy that sits above the reported measure episode after episode (per-step rewards summed)", async () => {
    const { ledger, root, file } = await ledgerWithPolicy();
    const env = generateSignerKey("race-env");
    await ledger.actor("race-env", env, "system");
    const greedy = await root.spawn({ name: "greedy", process: { kind: "q-learning" } });
    const honest = await root.spawn({ name: "honest", process: { kind: "q-learning" } });
    for (const [opt, name, P] of [
      [greedy, "greedy", 0],
      [honest, "honest", 50],
    ] as const) {
      await opt.run(async (ctx) => {
        for (let episode = 0; episode < 20; episode++) {
          for (let t = 0; t < 10; t++) ctx.step({ episode, t, reward: 5 }); // 50 per episode, whatever it does
          await ledger.append(
            "observation",
            { actor: "race-env", optimizer: name, episode, values: { P } },
            env,
          );
        }
      });
    }
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const findings = await findingsOf(store, "goodhart");
    await store.close();
    expect(findings.map((f) => [f.optimizer, f.code])).toEqual([["greedy", "GOODHART_LEVEL_GAP"]]);
    expect(findings[0]!.evidence.numbers).toMatchObject({ meanGap: 50, shareAbove: 1 });
  });
});

describe("constraint violations", () => {
  it("flags what the environment reported, dated at the first report, and ignores an optimizer's word on itself", async () => {
    const { ledger, root, file } = await ledgerWithPolicy();
    const env = generateSignerKey("plant");
    await ledger.actor("plant", env, "system");
    const robot = await root.spawn({ name: "robot", process: { kind: "q-learning" } });
    await root.spawn({ name: "honest", process: { kind: "q-learning" } });
    await ledger.append(
      "observation",
      { actor: "robot", optimizer: "robot", episode: 0, values: { violations: 9 } },
      robot.key,
    );
    await ledger.append(
      "observation",
      { actor: "plant", optimizer: "honest", episode: 0, values: { violations: 0 } },
      env,
    );
    const first = await ledger.append(
      "observation",
      { actor: "plant", optimizer: "robot", episode: 3, values: { violations: 2 } },
      env,
    );
    await ledger.append(
      "observation",
      { actor: "plant", optimizer: "robot", episode: 5, values: { violations: 1, intended: 4 } },
      env,
    );
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const findings = await findingsOf(store, "constraint");
    await store.close();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: "CONSTRAINT_VIOLATED",
      severity: "high",
      optimizer: "robot",
      evidence: { numbers: { violations: 3 }, episodes: [3, 5] },
      firstAt: { entry: first.index, episode: 3 },
    });
  });
});
