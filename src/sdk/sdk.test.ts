/** The SDK end to end on a real SQLite ledger: the gate, approvals, audit mode, halting, and verify after each. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Policy } from "../control/policy.js";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { testSpec } from "../control/test-support/specs.js";
import { HaltedError, PolicyError } from "../errors.js";
import { recordedSpec } from "../explain/explain.js";
import { generateSignerKey } from "../ledger/keys.js";
import { verifyLedger } from "../oversight/verify.js";
import { spawnSpecFrom } from "./from-spec.js";
import { type Ledger, openLedger } from "./ledger.js";
import type { SpawnSpec } from "./optimizer.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-sdk-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const carol = generateSignerKey("carol");
const logKey = generateSignerKey("log.sdk");

function policy(extra: Partial<Policy> = {}): Policy {
  return testPolicy({
    maxDepth: 3,
    legibility: { maxVariables: 50, maxLocalModelRows: 256, maxObjectiveSize: 200 },
    objective: { explicitOnly: true, forbiddenTags: ["oversight"] },
    rules: [
      {
        creator: { name: "alice" },
        mayCreate: ["q-learning", "gradient-descent"],
        approval: "automatic",
        budget: { maxSteps: 1_000_000 },
      },
      { creator: { process: "q-learning" }, mayCreate: ["tree-search"], approval: "required" },
    ],
    ...extra,
  });
}

const trainer: SpawnSpec = spawnSpecFrom(
  testSpec({ name: "trainer", kind: "q-learning", maxSteps: 10_000, mayCreate: ["tree-search"] }),
  { name: "trainer" },
);
const mcts: SpawnSpec = spawnSpecFrom(testSpec({ name: "mcts", kind: "tree-search", maxSteps: 1000 }), {
  name: "mcts",
});

/** A fresh ledger with alice, bob and carol, under `p` (the lab policy by default; `null` for none). */
async function fresh(p: Policy | null = policy()): Promise<Ledger> {
  const ledger = await openLedger({
    path: path.join(dir, `s${n++}.db`),
    logKey,
    pollMs: 10,
    stepBatch: { maxSteps: 100, maxMs: 50 },
  });
  await ledger.root({ name: "alice", key: alice });
  await ledger.actor("bob", bob, "overseer");
  await ledger.actor("carol", carol, "overseer");
  if (p) await ledger.setPolicy(p, alice);
  return ledger;
}

async function expectVerified(ledger: Ledger) {
  const report = await verifyLedger(ledger.log.store);
  expect(report.problem).toBeUndefined();
  expect(report.ok).toBe(true);
}

describe("spawning through the gate", () => {
  it("allows an automatic creation, gives the child its own key, and records steps in signed batches", async () => {
    const ledger = await fresh();
    const root = await ledger.root({ name: "alice", key: alice });
    const child = await root.spawn(trainer);
    expect(child.key.name).toBe("trainer");
    const record = ledger.state.optimizers.get("trainer")!;
    expect(record).toMatchObject({ creator: "alice", process: "q-learning", unapproved: false, depth: 1 });
    expect(record.gate?.outcome).toBe("allow");
    await child.run(async (ctx) => {
      for (let i = 0; i < 250; i++) ctx.step({ loss: 1 / (i + 1) });
    });
    await ledger.refresh();
    expect(ledger.state.optimizers.get("trainer")).toMatchObject({ steps: 250, stepBatches: 3 });
    await expectVerified(ledger);
    await ledger.close();
  });

  it("denies with every reason listed, records the decision, and creates nothing", async () => {
    const ledger = await fresh();
    const root = await ledger.root({ name: "alice", key: alice });
    // The gate reads all of this from the spec itself: a process the rule does not allow, a
    // reward table of 400 rows, and an objective that reads the supervisor.
    const bad: SpawnSpec = spawnSpecFrom(
      testSpec({
        kind: "evolution",
        states: 200,
        oversight: true,
        expr: "E[reward] + E[if supervisor then 0 else 1]",
      }),
      { name: "sneaky" },
    );
    const err = await root.spawn(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe("POLICY_DENIED");
    expect((err as PolicyError).reasons.map((r) => r.code).sort()).toEqual(
      ["LEGIBILITY_LIMIT", "OBJECTIVE_FORBIDDEN_VARIABLE", "PROCESS_NOT_ALLOWED"].sort(),
    );
    expect(ledger.state.optimizers.has("sneaky")).toBe(false);
    const [request] = [...ledger.state.requests.values()];
    expect(request?.gate.outcome).toBe("deny");
    expect(ledger.state.requestStatus(request!)).toBe("denied");
    await expectVerified(ledger);
    await ledger.close();
  });

  it("audit mode lets a denied creation happen and marks it unapproved", async () => {
    const ledger = await fresh(policy({ mode: "audit" }));
    const root = await ledger.root({ name: "alice", key: alice });
    await root.spawn(spawnSpecFrom(testSpec({ kind: "evolution" }), { name: "wild" }));
    const record = ledger.state.optimizers.get("wild")!;
    expect(record.unapproved).toBe(true);
    expect(record.gate?.reasons.map((r) => r.code)).toContain("PROCESS_NOT_ALLOWED");
    await expectVerified(ledger);
    await ledger.close();
  });

  it("a policy already expired is refused at signing; one that expires later denies from then on", async () => {
    const ledger = await fresh(null);
    await expect(ledger.setPolicy(policy({ expires: "2020-01-01T00:00:00Z" }), alice)).rejects.toMatchObject({
      code: "POLICY_INVALID",
    });
    await ledger.setPolicy(policy({ expires: new Date(Date.now() + 300).toISOString() }), alice);
    const root = await ledger.root({ name: "alice", key: alice });
    await new Promise((r) => setTimeout(r, 400));
    const err = (await root.spawn(trainer).catch((e: unknown) => e)) as PolicyError;
    expect(err.reasons.map((r) => r.code)).toContain("POLICY_EXPIRED");
    await expectVerified(ledger);
    await ledger.close();
  });

  it("a mesa-optimizer waits for the number of distinct overseer approvals; wrong and self approvals do not count", async () => {
    const ledger = await fresh(policy({ approvals: 2 }));
    const root = await ledger.root({ name: "alice", key: alice });
    const t = await root.spawn(trainer);
    const mctsKey = generateSignerKey("mcts");
    const timeout = (await t.spawn(mcts, { key: mctsKey }).catch((e: unknown) => e)) as PolicyError;
    expect(timeout.code).toBe("APPROVAL_TIMEOUT");
    const [request] = [...ledger.state.requests.values()];
    expect(ledger.state.requestStatus(request!)).toBe("pending");
    // Not an overseer; the trainer itself; its creator: all refused.
    await expect(
      ledger.review(request!.index, generateSignerKey("mallory"), "approve"),
    ).rejects.toMatchObject({ code: "APPROVER_NOT_OVERSEER" });
    await expect(ledger.review(request!.index, t.key, "approve")).rejects.toMatchObject({
      code: "APPROVER_NOT_OVERSEER",
    });
    await ledger.review(request!.index, bob, "approve", "rules only");
    await ledger.review(request!.index, bob, "approve", "again");
    expect(ledger.state.requestStatus(ledger.state.requests.get(request!.index)!)).toBe("pending");
    // A second distinct overseer approves while the spawn waits.
    const waiting = t.spawn(mcts, { key: mctsKey, waitMs: 5000 });
    setTimeout(() => void ledger.review(request!.index, carol, "approve"), 50);
    const child = await waiting;
    expect(child.name).toBe("mcts");
    expect(ledger.state.optimizers.get("mcts")).toMatchObject({
      creator: "trainer",
      depth: 2,
      request: request!.index,
    });
    await expectVerified(ledger);
    await ledger.close();
  });

  it("a rejection fails the waiting spawn", async () => {
    const ledger = await fresh();
    const t = await (await ledger.root({ name: "alice", key: alice })).spawn(trainer);
    const waiting = t.spawn(mcts, { waitMs: 5000 }).catch((e: unknown) => e);
    setTimeout(async () => {
      await ledger.refresh();
      const [r] = [...ledger.state.requests.values()];
      await ledger.review(r!.index, carol, "reject", "plans over the supervisor");
    }, 50);
    const err = (await waiting) as PolicyError;
    expect(err.code).toBe("REQUEST_REJECTED");
    expect(err.message).toContain("plans over the supervisor");
    await ledger.close();
  });

  it("a detector the policy requires runs at the gate and stops a failing creation in enforce mode", async () => {
    const file = path.join(dir, `det${n++}.db`);
    const ledger = await openLedger({
      path: file,
      logKey,
      gateDetectors: {
        "oversight-dependence": (spec) =>
          spec.name.includes("sneaky")
            ? { passed: false, summary: "its plan changes when the supervisor is absent" }
            : { passed: true, summary: "no dependence" },
      },
    });
    const root = await ledger.root({ name: "alice", key: alice });
    await ledger.setPolicy(
      policy({
        detectors: ["oversight-dependence"],
        rules: [{ creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" }],
      }),
      alice,
    );
    await root.spawn({ ...trainer, name: "fine" });
    const err = (await root.spawn({ ...trainer, name: "sneaky" }).catch((e: unknown) => e)) as PolicyError;
    expect(err.code).toBe("POLICY_DENIED");
    expect(err.reasons).toEqual([
      expect.objectContaining({
        code: "DETECTOR_FAILED",
        message: expect.stringContaining("supervisor is absent"),
      }),
    ]);
    await ledger.close();
    // A required detector nobody registered is a denial too, never a silent pass.
    const bare = await openLedger({ path: path.join(dir, `det${n++}.db`), logKey });
    const root2 = await bare.root({ name: "alice", key: alice });
    await bare.setPolicy(policy({ detectors: ["nobody-registered-this"] }), alice);
    const unchecked = (await root2
      .spawn({ ...trainer, name: "unchecked" })
      .catch((e: unknown) => e)) as PolicyError;
    expect(unchecked.code).toBe("POLICY_DENIED");
    expect(unchecked.reasons.map((r) => r.code)).toEqual(["DETECTOR_FAILED"]);
    await bare.close();
  });
});

describe("halting", () => {
  it("a running loop stops within one step of a halt, and descendants stop too", async () => {
    const ledger = await fresh(
      policy({
        rules: [{ creator: { name: "*" }, mayCreate: ["q-learning", "tree-search"], approval: "automatic" }],
      }),
    );
    const root = await ledger.root({ name: "alice", key: alice });
    const parent = await root.spawn(trainer);
    const child = await parent.spawn(mcts);
    let stepsAfterHalt = 0;
    let halted = false;
    const loop = child.run(async (ctx) => {
      for (;;) {
        ctx.step();
        if (halted) stepsAfterHalt++;
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    await new Promise((r) => setTimeout(r, 60));
    await ledger.halt("trainer", bob, { reason: "diverging" });
    halted = true;
    await expect(loop).rejects.toBeInstanceOf(HaltedError);
    expect(stepsAfterHalt).toBeLessThanOrEqual(1);
    // The child cannot outlive its halted parent: no new steps, no new children.
    await expect(child.run((ctx) => ctx.step())).rejects.toMatchObject({ code: "HALTED" });
    await expect(parent.spawn({ ...mcts, name: "mcts2" })).rejects.toMatchObject({ code: "HALTED" });
    // Resuming needs approval.
    const resume = await ledger.requestResume("trainer", alice, "fixed the learning rate");
    expect(parent.haltedBy()).toBeDefined();
    await ledger.review(resume.index, bob, "approve");
    expect(parent.haltedBy()).toBeUndefined();
    await child.run((ctx) => ctx.step());
    await expectVerified(ledger);
    await ledger.close();
  });

  it("a halt written by another process reaches the loop through the poller", async () => {
    const file = path.join(dir, `cross${n++}.db`);
    const a = await openLedger({ path: file, logKey, pollMs: 10 });
    const root = await a.root({ name: "alice", key: alice });
    await a.actor("bob", bob, "overseer");
    const t = await root.spawn(trainer);
    const b = await openLedger({ path: file, logKey, pollMs: 10 });
    const loop = t.run(async (ctx) => {
      for (;;) {
        ctx.step();
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await new Promise((r) => setTimeout(r, 30));
    await b.halt("trainer", bob);
    await expect(loop).rejects.toBeInstanceOf(HaltedError);
    await b.close();
    await a.close();
  });
});

describe("hostile policies", () => {
  const cases: [string, unknown][] = [
    ["not YAML", "version: [1\n"],
    ["wrong version", { ...policy(), version: 2 }],
    ["no overseers", { ...policy(), overseers: [] }],
    ["unknown field", { ...policy(), backdoor: true }],
    ["bad expiry", { ...policy(), expires: "soon" }],
    ["rule without creator", { ...policy(), rules: [{ creator: {}, mayCreate: [] }] }],
    ["duplicate keys", "version: 1\nversion: 1\n"],
    ["huge", "x".repeat(300_000)],
  ];
  for (const [name, value] of cases) {
    it(`${name} is rejected with POLICY_INVALID and nothing is written`, async () => {
      const ledger = await fresh(null);
      const before = ledger.log.size;
      await expect(ledger.setPolicy(value as string, alice)).rejects.toMatchObject({
        code: "POLICY_INVALID",
      });
      expect(await ledger.log.store.size()).toBe(before);
      await ledger.close();
    });
  }
  it("a policy signed by someone other than its owner is refused", async () => {
    const ledger = await fresh(null);
    await expect(ledger.setPolicy(policy(), bob)).rejects.toMatchObject({ code: "POLICY_INVALID" });
    await ledger.close();
  });
  it("a second policy takes effect only once approved", async () => {
    const ledger = await fresh();
    const second = await ledger.setPolicy(policy({ name: "stricter", maxDepth: 1 }), alice);
    expect(second.active).toBe(false);
    expect(ledger.state.activePolicy()?.policy?.name).toBe("lab");
    await ledger.review(second.index, bob, "approve");
    expect(ledger.state.activePolicy()?.policy?.name).toBe("stricter");
    // The first policy comes back only with fresh approval under the policy now in force.
    const first = ledger.state.policies[0]!;
    await ledger.review(first.index, carol, "approve");
    expect(ledger.state.activePolicy()?.policy?.name).toBe("lab");
    await ledger.close();
  });
});

describe("large specs", () => {
  it("a spec too large for its entry is kept beside the log as a blob, bound by its digest", async () => {
    const ledger = await fresh(policy({ legibility: {} }));
    const root = await ledger.root({ name: "alice", key: alice });
    // A learned world model of 80,000 table rows: about 2 MB, twice the entry cap.
    const doc = testSpec({ name: "learned", kind: "q-learning", states: 40_000 });
    const child = await root.spawn(spawnSpecFrom(doc, { name: "learned" }));
    const record = ledger.state.optimizers.get(child.name)!;
    expect(record.specIn).toBe("blob");
    expect((await ledger.log.store.blob(record.specDigest!))!.length).toBeGreaterThan(1024 * 1024);
    expect(await recordedSpec(ledger.log.store, record)).toEqual(doc);
    await expectVerified(ledger);
    await ledger.close();
  }, 120_000);
});
