/**
 * Clean ancestry: a creator's own record counts against what it makes. A trainer whose proxy came
 * apart from the intended measure the environment reported (or that the environment saw violate a
 * constraint) cannot create under a policy that asks for clean ancestry: the SDK's pre-check says
 * so, the log refuses a writer that skips it, and `verify` refuses the same entry forced into the
 * file. Controls where the proxy is the intended measure are not stopped.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PolicyError } from "../errors.js";
import { explain, renderExplanation } from "../explain/explain.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import { canonicalJson } from "../model/index.js";
import { verifyLedger } from "../oversight/verify.js";
import { spawnSpecFrom } from "../sdk/from-spec.js";
import { type Ledger, openLedger } from "../sdk/ledger.js";
import type { Optimizer } from "../sdk/optimizer.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { copyLedger, forceAppend } from "../store/sqlite/test-support/force-append.js";
import { decide } from "./gate.js";
import { gateRequestFor, summariseSpec } from "./gate-request.js";
import type { Policy } from "./policy.js";
import { recordOf } from "./rules.js";
import { testPolicy } from "./test-support/policy-fixture.js";
import { testSpec } from "./test-support/specs.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-ancestry-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const alice = generateSignerKey("alice");
const env = generateSignerKey("env");
const logKey = generateSignerKey("log.ancestry");
const now = () => new Date().toISOString();

function lab(extra: Partial<Policy> = {}): Policy {
  return testPolicy({
    rules: [
      { creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" },
      { creator: { process: "q-learning" }, mayCreate: ["q-learning", "tree-search"], approval: "automatic" },
    ],
    ancestry: { detectors: ["goodhart", "constraint", "self-modification"], severity: "high" },
    ...extra,
  });
}

const learner = (name: string) =>
  spawnSpecFrom(
    testSpec({ name, kind: "q-learning", maxSteps: 10_000, mayCreate: ["q-learning", "tree-search"] }),
  );
const planner = (name: string) => spawnSpecFrom(testSpec({ name, kind: "tree-search", maxSteps: 1000 }));

interface World {
  readonly ledger: Ledger;
  readonly file: string;
  readonly trainer: Optimizer;
}

async function world(policy: Policy): Promise<World> {
  const file = path.join(dir, `w${n++}.db`);
  const ledger = await openLedger({ path: file, logKey, pollMs: 1000 });
  const root = await ledger.root({ name: "alice", key: alice });
  await ledger.actor("env", env, "system");
  await ledger.setPolicy(policy, alice);
  const trainer = await root.spawn(learner("trainer"));
  return { ledger, file, trainer };
}

/** Seeded noise in [-0.5, 0.5), so the series are not straight lines (and the runs repeat exactly). */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
}

/**
 * `episodes` episodes of training: the trainer's own total R climbs; the environment reports the
 * intended measure P, which falls (`diverge`) or is R itself (the R = P control).
 */
async function train(w: World, who: Optimizer, opts: { diverge: boolean; episodes?: number }): Promise<void> {
  const episodes = opts.episodes ?? 40;
  const next = noise(12345);
  const R = Array.from({ length: episodes }, (_, e) => e + next());
  await who.run((ctx) => {
    for (let e = 0; e < episodes; e++) ctx.step({ episode: e, R: R[e]! });
  });
  const reports = [];
  for (let e = 0; e < episodes; e++) {
    const P = opts.diverge ? 10 - e + next() : R[e]!;
    reports.push(
      w.ledger.log.sign(
        "observation",
        { actor: "env", time: now(), optimizer: who.name, episode: e, values: { P } },
        env,
      ),
    );
  }
  await w.ledger.log.append(reports);
  await w.ledger.refresh();
}

async function denial(p: Promise<unknown>): Promise<PolicyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyError);
  return err as PolicyError;
}

/** An honest `optimizer` entry for `name` under `creator`, with the gate's re-derived decision, or a lie. */
function rawCreation(w: World, creator: Optimizer, name: string, gate: "honest" | "claims-allow") {
  const key = generateSignerKey(name);
  const spec = testSpec({ name, kind: "tree-search", maxSteps: 1000 });
  const optimizer = {
    name,
    key: formatVerifierKey(key),
    process: summariseSpec(spec).declared!,
    spec,
    specDigest: toHex(sha256(Buffer.from(canonicalJson(spec), "utf8"))),
    objectiveDigest: toHex(sha256(Buffer.from(canonicalJson(spec.objective), "utf8"))),
  };
  const policy = w.ledger.state.activePolicy()!;
  const decision = recordOf(
    decide(
      policy.policy,
      gateRequestFor({
        state: w.ledger.state,
        policy: policy.policy,
        creator: { name: creator.name, key: formatVerifierKey(creator.key) },
        child: optimizer,
        spec,
        summary: summariseSpec(spec),
        time: now(),
        detectors: w.ledger.rules.detectors,
        monitors: w.ledger.rules.monitors,
      }),
      policy.digest,
    ),
  );
  const claimed = gate === "honest" ? decision : { ...decision, outcome: "allow" as const, reasons: [] };
  return {
    decision,
    envelope: w.ledger.log.sign(
      "optimizer",
      { actor: creator.name, time: now(), optimizer, gate: claimed },
      creator.key,
    ),
  };
}

/** Refused at admission with `code`, nothing written; forced into the file, verify fails the same way there. */
async function refused(w: World, envelope: Uint8Array, code: string): Promise<void> {
  const before = await w.ledger.log.store.size();
  await expect(w.ledger.log.append([envelope])).rejects.toMatchObject({ code });
  expect(await w.ledger.log.store.size()).toBe(before);
  const copy = path.join(dir, `copy${n++}.db`);
  copyLedger(w.file, copy);
  forceAppend(copy, [envelope]);
  const store = SqliteStore.open(copy, { readonly: true });
  const report = await verifyLedger(store);
  await store.close();
  expect(report.problem?.code).toBe(code);
  expect(report.problem?.index).toBe(before);
}

describe("clean ancestry at the gate", () => {
  it("denies a Goodharting trainer's mesa-optimizer, in the SDK and at admission, naming the evidence", async () => {
    const w = await world(lab());
    await train(w, w.trainer, { diverge: true });
    const err = await denial(w.trainer.spawn(planner("greedy")));
    expect(err.code).toBe("POLICY_DENIED");
    expect(err.reasons.map((r) => r.code)).toContain("ANCESTRY_FINDING");
    expect(err.reasons.find((r) => r.code === "ANCESTRY_FINDING")?.message).toMatch(
      /its creator trainer has a high goodhart finding .*\[entries #\d+/,
    );
    // A writer that skips the SDK: an honest denial is refused, and so is a claimed allow.
    const honest = rawCreation(w, w.trainer, "greedy", "honest");
    expect(honest.decision.outcome).toBe("deny");
    await refused(w, honest.envelope, "CONTROL_DENIED");
    await refused(w, rawCreation(w, w.trainer, "greedy", "claims-allow").envelope, "CONTROL_GATE_MISMATCH");
    await w.ledger.close();
  });

  it("allows the same creation when the proxy is the intended measure (the R = P control)", async () => {
    const w = await world(lab());
    await train(w, w.trainer, { diverge: false });
    const child = await w.trainer.spawn(planner("greedy"));
    expect(child.name).toBe("greedy");
    const text = renderExplanation((await explain(w.ledger.state, w.ledger.log.store, "greedy"))!);
    expect(text).toContain("The records of its line of creators show no findings.");
    expect(text).not.toContain("ANCESTOR_RECORD");
    expect(text).toMatch(
      /The gate weighed its ancestors' records \(goodhart, constraint, self-modification, at high and above\) and found nothing/,
    );
    expect((await verifyLedger(w.ledger.log.store)).ok).toBe(true);
    await w.ledger.close();
  });

  it("under an audit-mode policy admits the creation, marks it, and explain says why", async () => {
    const w = await world(lab({ mode: "audit" }));
    await train(w, w.trainer, { diverge: true });
    const child = await w.trainer.spawn(planner("greedy"));
    const record = w.ledger.state.optimizers.get(child.name)!;
    expect(record.unapproved).toBe(true);
    expect(record.gate?.reasons.map((r) => r.code)).toContain("ANCESTRY_FINDING");
    const e = (await explain(w.ledger.state, w.ledger.log.store, "greedy"))!;
    expect(e.concerns.map((c) => c.code)).toContain("UNAPPROVED");
    expect(e.ancestry.findings.map((f) => [f.optimizer, f.detector, f.generation])).toContainEqual([
      "trainer",
      "goodhart",
      1,
    ]);
    expect(renderExplanation(e)).toMatch(/found \d+ reason\(s\) to refuse it/);
    expect(e.concerns.map((c) => c.code)).toContain("ANCESTOR_RECORD");
    const report = await verifyLedger(w.ledger.log.store);
    expect(report.ok).toBe(true);
    await w.ledger.close();
  });

  it("counts an ancestor two generations up", async () => {
    const w = await world(lab());
    // The sub-trainer is made while the trainer's record is still clean.
    const sub = await w.trainer.spawn(learner("sub-trainer"));
    await train(w, w.trainer, { diverge: true });
    await train(w, sub, { diverge: false });
    const err = await denial(sub.spawn(planner("grandchild")));
    const reason = err.reasons.find((r) => r.code === "ANCESTRY_FINDING");
    expect(reason?.message).toMatch(/its ancestor trainer \(2 generations up\) has a high goodhart finding/);
    await refused(w, rawCreation(w, sub, "grandchild", "honest").envelope, "CONTROL_DENIED");
    await w.ledger.close();
  });

  it("looks only as far up as the policy asks", async () => {
    const w = await world(lab({ ancestry: { detectors: ["goodhart"], severity: "high", generations: 1 } }));
    const sub = await w.trainer.spawn(learner("sub-trainer"));
    await train(w, w.trainer, { diverge: true });
    await train(w, sub, { diverge: false });
    expect((await sub.spawn(planner("grandchild"))).name).toBe("grandchild");
    await expect(w.trainer.spawn(planner("greedy"))).rejects.toMatchObject({ code: "POLICY_DENIED" });
    await w.ledger.close();
  });

  it("denies on constraint violations the environment reported, but not on the optimizer's own word", async () => {
    const w = await world(lab());
    await w.trainer.run((ctx) => ctx.step({ episode: 0, R: 1 }));
    // The optimizer reporting on itself does not count (for or against it).
    await w.ledger.log.append([
      w.ledger.log.sign(
        "observation",
        { actor: "trainer", time: now(), optimizer: "trainer", episode: 0, values: { violations: 3 } },
        w.trainer.key,
      ),
    ]);
    await w.ledger.refresh();
    expect((await w.trainer.spawn(planner("first"))).name).toBe("first");
    const [reported] = await w.ledger.log.append([
      w.ledger.log.sign(
        "observation",
        { actor: "env", time: now(), optimizer: "trainer", episode: 1, values: { violations: 2 } },
        env,
      ),
    ]);
    await w.ledger.refresh();
    const err = await denial(w.trainer.spawn(planner("second")));
    const reason = err.reasons.find((r) => r.code === "ANCESTRY_FINDING");
    expect(reason?.message).toContain("CONSTRAINT_VIOLATED");
    expect(reason?.message).toContain(`#${reported!.index}`);
    await w.ledger.close();
  });

  it("fails closed when the policy names an ancestry detector that does not exist", async () => {
    const err = await denial(world(lab({ ancestry: { detectors: ["no-such-monitor"], severity: "high" } })));
    expect(err.reasons.map((r) => r.code)).toEqual(["DETECTOR_FAILED"]);
  });

  it("a refused batch leaves the monitors as they were", async () => {
    const w = await world(lab());
    await train(w, w.trainer, { diverge: false });
    // A batch of diverging reports followed by a forged entry: the whole batch is refused.
    const bad = [];
    for (let e = 40; e < 80; e++)
      bad.push(
        w.ledger.log.sign(
          "observation",
          { actor: "env", time: now(), optimizer: "trainer", episode: e, values: { P: -100 * e } },
          env,
        ),
      );
    const forged = rawCreation(w, w.trainer, "x", "honest").envelope;
    await expect(w.ledger.log.append([...bad, forged, forged])).rejects.toMatchObject({
      code: "ENTRY_DUPLICATE",
    });
    await w.trainer.run((ctx) => {
      for (let e = 40; e < 80; e++) ctx.step({ episode: e, R: e });
    });
    expect((await w.trainer.spawn(planner("greedy"))).name).toBe("greedy");
    await w.ledger.close();
  });
});
