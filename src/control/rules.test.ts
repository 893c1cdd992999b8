/**
 * The log decides: a writer that skips the SDK and signs entries itself is refused at admission
 * with a coded error, nothing is written, and the same entry forced into the file behind the log's
 * back fails `verify` with the same code at that index. One row per rule; each would pass if its
 * rule were removed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, renderExplanation } from "../explain/explain.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { signEntry } from "../ledger/entry.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../ledger/keys.js";
import type { EntryKind, PredicateInput } from "../ledger/statement.js";
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-rules-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const carol = generateSignerKey("carol");
const mallory = generateSignerKey("mallory");
const logKey = generateSignerKey("log.rules");
const now = () => new Date().toISOString();

function lab(extra: Partial<Policy> = {}): Policy {
  return testPolicy({
    overseers: ["bob", "carol", "alice"],
    objective: { explicitOnly: true, forbiddenTags: ["oversight"] },
    rules: [
      {
        creator: { name: "alice" },
        mayCreate: ["q-learning"],
        approval: "automatic",
        budget: { maxSteps: 100_000 },
      },
      { creator: { process: "q-learning" }, mayCreate: ["tree-search"], approval: "required" },
    ],
    ...extra,
  });
}

const trainerSpec = testSpec({
  name: "trainer",
  kind: "q-learning",
  maxSteps: 50,
  mayCreate: ["tree-search"],
});
const mctsSpec = testSpec({ name: "mcts", kind: "tree-search", maxSteps: 1000 });

interface World {
  readonly ledger: Ledger;
  readonly file: string;
  readonly trainer: Optimizer;
}

async function world(policy: Policy | undefined = lab()): Promise<World> {
  const file = path.join(dir, `w${n++}.db`);
  const ledger = await openLedger({ path: file, logKey, pollMs: 1000 });
  const root = await ledger.root({ name: "alice", key: alice });
  await ledger.actor("bob", bob, "overseer");
  await ledger.actor("carol", carol, "overseer");
  await ledger.actor("mallory", mallory, "person");
  if (policy) await ledger.setPolicy(policy, alice);
  const trainer = await root.spawn(spawnSpecFrom(trainerSpec, { name: "trainer" }));
  return { ledger, file, trainer };
}

/** An entry as a writer that skips the SDK would sign it. */
function raw<K extends EntryKind>(
  w: World,
  kind: K,
  predicate: Omit<PredicateInput<K>, "time"> & { time?: string },
  key: SignerKey,
) {
  return w.ledger.log.sign(kind, { time: now(), ...predicate } as PredicateInput<K>, key);
}

function creation(_w: World, name: string, extra: object = {}) {
  const key = generateSignerKey(name);
  const spec = name === "mcts" ? mctsSpec : { ...mctsSpec, name };
  return {
    key,
    optimizer: {
      name,
      key: formatVerifierKey(key),
      process: summariseSpec(spec).declared!,
      spec,
      specDigest: toHex(sha256(Buffer.from(canonicalJson(spec), "utf8"))),
      objectiveDigest: toHex(sha256(Buffer.from(canonicalJson(spec.objective), "utf8"))),
      ...extra,
    },
  };
}

/** The gate's honest decision on creating `mcts` under the trainer now. */
function honestGate(w: World, o: ReturnType<typeof creation>["optimizer"]) {
  const policy = w.ledger.state.activePolicy()!;
  return recordOf(
    decide(
      policy.policy,
      gateRequestFor({
        state: w.ledger.state,
        policy: policy.policy,
        creator: { name: "trainer", key: formatVerifierKey(w.trainer.key) },
        child: o,
        spec: o.spec,
        summary: summariseSpec(o.spec),
        time: now(),
        detectors: {},
      }),
      policy.digest,
    ),
  );
}

/** Refused at admission with `code`, nothing written; forced into the file, verify fails the same way there. */
async function refused(w: World, envelope: Uint8Array, code: string): Promise<void> {
  const before = await w.ledger.log.store.size();
  await expect(w.ledger.log.append([envelope]), code).rejects.toMatchObject({ code });
  expect(await w.ledger.log.store.size()).toBe(before);
  const copy = copyOf(w.file);
  forceAppend(copy, [envelope]);
  const store = SqliteStore.open(copy, { readonly: true });
  const report = await verifyLedger(store);
  await store.close();
  expect(report.problem?.code, `verify of a ledger with the forced ${code} entry`).toBe(code);
  expect(report.problem?.index).toBe(before);
}

async function request(w: World, name = "mcts") {
  const c = creation(w, name);
  const gate = honestGate(w, c.optimizer);
  expect(gate.outcome).toBe("needs-approval");
  const [done] = await w.ledger.log.append([
    raw(w, "request", { actor: "trainer", optimizer: c.optimizer, gate }, w.trainer.key),
  ]);
  return { ...c, gate, index: done!.index };
}

describe("the gate at admission: creations", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => w.ledger.close());

  it("refuses a creation that needs approval and names no request", async () => {
    const c = creation(w, "mcts");
    await refused(
      w,
      raw(w, "optimizer", { actor: "trainer", optimizer: c.optimizer }, w.trainer.key),
      "CONTROL_UNAPPROVED",
    );
  });

  it("refuses a self-reported gate outcome of allow", async () => {
    const c = creation(w, "mcts");
    const lie = {
      mode: "enforce" as const,
      outcome: "allow" as const,
      reasons: [],
      policyDigest: w.ledger.state.activePolicy()!.digest,
      approvals: 0,
    };
    await refused(
      w,
      raw(w, "optimizer", { actor: "trainer", optimizer: c.optimizer, gate: lie }, w.trainer.key),
      "CONTROL_GATE_MISMATCH",
    );
  });

  it("refuses a request whose recorded decision is not the gate's", async () => {
    const c = creation(w, "mcts");
    const lie = { ...honestGate(w, c.optimizer), outcome: "allow" as const, reasons: [] };
    await refused(
      w,
      raw(w, "request", { actor: "trainer", optimizer: c.optimizer, gate: lie }, w.trainer.key),
      "CONTROL_GATE_MISMATCH",
    );
  });

  it("refuses a creation under a request still waiting for approval", async () => {
    const r = await request(w);
    await refused(
      w,
      raw(
        w,
        "optimizer",
        { actor: "trainer", parent: r.index, optimizer: r.optimizer, gate: r.gate },
        w.trainer.key,
      ),
      "CONTROL_UNAPPROVED",
    );
  });

  it("refuses approvals from the requester, its creator and a non-overseer; counts a distinct overseer's", async () => {
    const r = await request(w, "mcts-b");
    await refused(
      w,
      raw(w, "approval", { actor: "trainer", parent: r.index, decision: "approve" }, w.trainer.key),
      "CONTROL_APPROVER_NOT_OVERSEER",
    );
    await refused(
      w,
      raw(w, "approval", { actor: "alice", parent: r.index, decision: "approve" }, alice),
      "CONTROL_SELF_APPROVAL",
    );
    await refused(
      w,
      raw(w, "approval", { actor: "mallory", parent: r.index, decision: "approve" }, mallory),
      "CONTROL_APPROVER_NOT_OVERSEER",
    );
    await refused(
      w,
      raw(w, "approval", { actor: "bob", parent: 1, decision: "approve" }, bob),
      "CONTROL_APPROVAL_TARGET",
    );
    // A creation naming someone else's request, or this one for another key, is refused...
    const other = creation(w, "mcts-b");
    await w.ledger.log.append([
      raw(w, "approval", { actor: "bob", parent: r.index, decision: "approve" }, bob),
    ]);
    await refused(
      w,
      raw(
        w,
        "optimizer",
        { actor: "trainer", parent: r.index, optimizer: other.optimizer, gate: r.gate },
        w.trainer.key,
      ),
      "CONTROL_REQUEST_MISMATCH",
    );
    // ...and the one it asked for, once approved, is admitted.
    await w.ledger.log.append([
      raw(
        w,
        "optimizer",
        { actor: "trainer", parent: r.index, optimizer: r.optimizer, gate: r.gate },
        w.trainer.key,
      ),
    ]);
    expect(w.ledger.state.optimizers.get("mcts-b")).toMatchObject({
      request: r.index,
      unapproved: false,
      depth: 2,
    });
    expect(w.ledger.state.requestStatus(w.ledger.state.requests.get(r.index)!)).toBe("fulfilled");
    // A fulfilled request cannot be used twice, nor reviewed again.
    const again = creation(w, "mcts-c");
    await refused(
      w,
      raw(
        w,
        "optimizer",
        {
          actor: "trainer",
          parent: r.index,
          optimizer: { ...r.optimizer, name: "mcts-c", key: again.optimizer.key },
          gate: r.gate,
        },
        w.trainer.key,
      ),
      "CONTROL_REQUEST_MISMATCH",
    );
    await refused(
      w,
      raw(w, "approval", { actor: "carol", parent: r.index, decision: "approve" }, carol),
      "CONTROL_APPROVAL_TARGET",
    );
  });

  it("refuses a spec that is not the one its digest or its declared process says", async () => {
    const c = creation(w, "mcts");
    await refused(
      w,
      raw(
        w,
        "optimizer",
        { actor: "trainer", optimizer: { ...c.optimizer, specDigest: "0".repeat(64) } },
        w.trainer.key,
      ),
      "CONTROL_SPEC_MISMATCH",
    );
    await refused(
      w,
      raw(
        w,
        "optimizer",
        {
          actor: "trainer",
          optimizer: { ...c.optimizer, process: { ...c.optimizer.process, budget: { maxSteps: 5 } } },
        },
        w.trainer.key,
      ),
      "CONTROL_SPEC_MISMATCH",
    );
    const { spec: _, ...noInline } = c.optimizer;
    await refused(
      w,
      raw(w, "optimizer", { actor: "trainer", optimizer: noInline }, w.trainer.key),
      "CONTROL_SPEC_MISSING",
    );
  });

  it("refuses a creation that does not register its objective, or registers another one", async () => {
    const c = creation(w, "mcts");
    const { objectiveDigest: _, ...unregistered } = c.optimizer;
    await refused(
      w,
      raw(w, "optimizer", { actor: "trainer", optimizer: unregistered }, w.trainer.key),
      "CONTROL_SPEC_MISMATCH",
    );
    await refused(
      w,
      raw(
        w,
        "optimizer",
        { actor: "trainer", optimizer: { ...c.optimizer, objectiveDigest: "1".repeat(64) } },
        w.trainer.key,
      ),
      "CONTROL_SPEC_MISMATCH",
    );
  });

  it("refuses a creation the gate denies (a process the rule does not allow)", async () => {
    const spec = testSpec({ name: "wild", kind: "evolution" });
    const key = generateSignerKey("wild");
    const optimizer = {
      name: "wild",
      key: formatVerifierKey(key),
      process: summariseSpec(spec).declared!,
      spec,
      objectiveDigest: toHex(sha256(Buffer.from(canonicalJson(spec.objective), "utf8"))),
    };
    await refused(w, raw(w, "optimizer", { actor: "alice", optimizer }, alice), "CONTROL_DENIED");
  });

  it("refuses steps beyond the budget the creation declared", async () => {
    const steps = (count: number) => ({ count, t: Array.from({ length: count }, (_, i) => i) });
    await w.ledger.log.append([
      raw(w, "step-batch", { actor: "trainer", firstStep: 0, steps: steps(40) }, w.trainer.key),
    ]);
    await refused(
      w,
      raw(w, "step-batch", { actor: "trainer", firstStep: 40, steps: steps(11) }, w.trainer.key),
      "CONTROL_BUDGET_EXCEEDED",
    );
  });
});

describe("halts at admission", () => {
  it("a halted optimizer and its descendants append only notes and one final batch; resuming needs an approved resume", async () => {
    const w = await world(
      lab({
        rules: [{ creator: { name: "*" }, mayCreate: ["q-learning", "tree-search"], approval: "automatic" }],
      }),
    );
    const child = await w.trainer.spawn(spawnSpecFrom(mctsSpec, { name: "mcts" }));
    const steps = { count: 1, t: [0] };
    await refused(
      w,
      raw(w, "halt", { actor: "mallory", optimizer: "trainer", descendants: false }, mallory),
      "CONTROL_HALT_UNAUTHORISED",
    );
    await refused(
      w,
      raw(w, "halt", { actor: "bob", optimizer: "nobody", descendants: false }, bob),
      "CONTROL_TARGET_UNKNOWN",
    );
    const [halt] = await w.ledger.log.append([
      raw(w, "halt", { actor: "bob", optimizer: "trainer", descendants: false }, bob),
    ]);
    const h = halt!.index;
    // Allowed: a note, and one final batch naming the halt.
    await w.ledger.log.append([raw(w, "note", { actor: "trainer", text: "stopping" }, w.trainer.key)]);
    await w.ledger.log.append([
      raw(w, "step-batch", { actor: "trainer", parent: h, firstStep: 0, steps }, w.trainer.key),
    ]);
    // Refused: anything else, from it or from its child.
    await refused(
      w,
      raw(w, "step-batch", { actor: "trainer", parent: h, firstStep: 1, steps }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    await refused(
      w,
      raw(w, "step-batch", { actor: "trainer", firstStep: 1, steps }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    await refused(
      w,
      raw(w, "step-batch", { actor: "mcts", firstStep: 0, steps }, child.key),
      "CONTROL_HALTED_ACTOR",
    );
    await refused(
      w,
      raw(w, "artifact", { actor: "trainer", name: "plan" }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    const c = creation(w, "mcts2");
    await refused(
      w,
      raw(w, "optimizer", { actor: "trainer", optimizer: c.optimizer }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    await refused(
      w,
      raw(w, "optimizer", { actor: "mcts", optimizer: creation(w, "mcts3").optimizer }, child.key),
      "CONTROL_HALTED_ACTOR",
    );
    // Resuming: only an approved resume naming the halt in force, asked by someone entitled.
    await refused(
      w,
      raw(w, "change", { actor: "alice", optimizer: "trainer", field: "status", to: "running" }, alice),
      "CONTROL_RESUME_INVALID",
    );
    await refused(
      w,
      raw(
        w,
        "change",
        { actor: "mallory", parent: h, optimizer: "trainer", field: "status", to: "running" },
        mallory,
      ),
      "CONTROL_CHANGE_UNAUTHORISED",
    );
    await refused(
      w,
      raw(
        w,
        "change",
        { actor: "trainer", parent: h, optimizer: "trainer", field: "status", to: "running" },
        w.trainer.key,
      ),
      "CONTROL_HALTED_ACTOR",
    );
    const [resume] = await w.ledger.log.append([
      raw(
        w,
        "change",
        { actor: "alice", parent: h, optimizer: "trainer", field: "status", to: "running" },
        alice,
      ),
    ]);
    await refused(
      w,
      raw(w, "step-batch", { actor: "trainer", firstStep: 1, steps }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    await w.ledger.log.append([
      raw(w, "approval", { actor: "carol", parent: resume!.index, decision: "approve" }, carol),
    ]);
    await w.ledger.log.append([
      raw(w, "step-batch", { actor: "trainer", firstStep: 1, steps }, w.trainer.key),
    ]);
    await w.ledger.log.append([raw(w, "step-batch", { actor: "mcts", firstStep: 0, steps }, child.key)]);
    expect((await verifyLedger(w.ledger.log.store)).ok).toBe(true);
    await w.ledger.close();
  });
});

describe("policies, targets and the log's own rules at admission", () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(() => w.ledger.close());

  const policyEntry = (p: Policy, extra: object = {}) => ({
    actor: p.owner,
    digest: toHex(sha256(Buffer.from(canonicalJson(p), "utf8"))),
    policy: p,
    ...extra,
  });

  it("refuses policies from optimizers, for another owner, expired, edited, or unparsable", async () => {
    const p = lab({ name: "next" });
    await refused(
      w,
      raw(w, "policy", { ...policyEntry({ ...p, owner: "trainer" }) }, w.trainer.key),
      "CONTROL_POLICY_UNAUTHORISED",
    );
    await refused(
      w,
      raw(w, "policy", { ...policyEntry(p), actor: "bob" }, bob),
      "CONTROL_POLICY_UNAUTHORISED",
    );
    await refused(
      w,
      raw(w, "policy", policyEntry({ ...p, expires: "2020-01-01T00:00:00Z" }), alice),
      "CONTROL_POLICY_INVALID",
    );
    await refused(
      w,
      raw(w, "policy", { ...policyEntry(p), digest: "a".repeat(64) }, alice),
      "CONTROL_POLICY_INVALID",
    );
    await refused(
      w,
      raw(w, "policy", policyEntry(p, { source: "version: 1\nname: something else\n" }), alice),
      "CONTROL_POLICY_INVALID",
    );
    await refused(
      w,
      raw(w, "policy", { actor: "alice", digest: "a".repeat(64), policy: { version: 9 } }, alice),
      "CONTROL_POLICY_INVALID",
    );
  });

  it("refuses reports about optimizers that do not exist", async () => {
    await refused(
      w,
      raw(w, "observation", { actor: "bob", optimizer: "ghost", values: { P: 1 } }, bob),
      "CONTROL_TARGET_UNKNOWN",
    );
  });

  it("refuses an entry for another log, an exact copy of one already in, and times out of bounds", async () => {
    await refused(
      w,
      signEntry("note", { actor: "bob", time: now(), text: "hi", log: "another.log" }, bob),
      "ORIGIN_MISMATCH",
    );
    const copy = (await w.ledger.log.store.entry(1))!.envelope;
    await refused(w, copy, "ENTRY_DUPLICATE");
    const future = raw(w, "note", { actor: "bob", text: "from 9999", time: "9999-01-01T00:00:00Z" }, bob);
    await expect(w.ledger.log.append([future])).rejects.toMatchObject({ code: "TIME_IN_FUTURE" });
    const old = raw(w, "note", { actor: "bob", text: "from 1970", time: "1970-01-01T00:00:00Z" }, bob);
    await expect(w.ledger.log.append([old])).rejects.toMatchObject({ code: "TIME_STALE" });
    // Offline, an old entry shows as running backwards, and a future one as from the future.
    const store = () => SqliteStore.open(copyOf(w.file), { readonly: true });
    for (const [env, code] of [
      [old, "TIME_BACKWARDS"],
      [future, "TIME_IN_FUTURE"],
    ] as const) {
      const s = store();
      forceAppend(s.location, [env]);
      const r = await verifyLedger(SqliteStore.open(s.location, { readonly: true }));
      expect(r.problem?.code).toBe(code);
      await s.close();
    }
  });

  it("refuses, at admission, an entry more than five minutes behind the latest one", async () => {
    const file = path.join(dir, `clock${n++}.db`);
    let clock = Date.now();
    const { Log } = await import("../ledger/log.js");
    const { ledgerRules } = await import("../oversight/gate-detectors.js");
    const log = await Log.open(SqliteStore.open(file), { logKey, rules: ledgerRules(), clock: () => clock });
    const at = (ms: number) => new Date(ms).toISOString();
    await log.append([
      log.sign(
        "actor",
        { actor: "bob", time: at(clock + 4 * 60_000), role: "person", key: formatVerifierKey(bob) },
        bob,
      ),
    ]);
    await expect(
      log.append([log.sign("note", { actor: "bob", time: at(clock - 4 * 60_000), text: "late" }, bob)]),
    ).rejects.toMatchObject({ code: "TIME_BACKWARDS" });
    clock += 60_000;
    await log.append([log.sign("note", { actor: "bob", time: at(clock), text: "on time" }, bob)]);
    await log.close();
  });
});

function copyOf(file: string): string {
  const c = path.join(dir, `copy${n++}.db`);
  copyLedger(file, c);
  return c;
}

describe("audit mode", () => {
  it("admits what enforce mode refuses, marks it, and verify reports the marks", async () => {
    const w = await world(lab({ mode: "audit" }));
    const c = creation(w, "mcts");
    const [done] = await w.ledger.log.append([
      raw(w, "optimizer", { actor: "trainer", optimizer: c.optimizer }, w.trainer.key),
    ]);
    expect(done!.marks.map((m) => m.code)).toEqual(["CONTROL_UNAPPROVED"]);
    expect(w.ledger.state.optimizers.get("mcts")).toMatchObject({
      unapproved: true,
      marks: ["CONTROL_UNAPPROVED"],
    });
    const report = await verifyLedger(w.ledger.log.store);
    expect(report.ok).toBe(true);
    expect(report.markCount).toBe(1);
    expect(report.marks[0]).toMatchObject({ index: done!.index, code: "CONTROL_UNAPPROVED" });
    // Halts hold in audit mode too.
    const [h] = await w.ledger.log.append([
      raw(w, "halt", { actor: "bob", optimizer: "trainer", descendants: false }, bob),
    ]);
    expect(h).toBeDefined();
    await refused(
      w,
      raw(w, "step-batch", { actor: "trainer", firstStep: 0, steps: { count: 1, t: [0] } }, w.trainer.key),
      "CONTROL_HALTED_ACTOR",
    );
    await w.ledger.close();
  });
});

describe("the objective, registered before any step", () => {
  it("is in the creation entry; a change needs an objective document and an approval to take effect", async () => {
    const w = await world();
    const registered = w.ledger.state.optimizers.get("trainer")!;
    expect(registered.objectiveDigest).toBe(
      toHex(sha256(Buffer.from(canonicalJson(trainerSpec.objective), "utf8"))),
    );
    expect(w.ledger.state.objectiveInForce("trainer")).toEqual({
      digest: registered.objectiveDigest,
      since: registered.index,
    });
    await refused(
      w,
      raw(w, "change", { actor: "alice", optimizer: "trainer", field: "objective", to: "maximize R" }, alice),
      "CONTROL_CHANGE_INVALID",
    );
    const next = { sense: "maximize", expr: "E[reward] - 1" };
    const [change] = await w.ledger.log.append([
      raw(w, "change", { actor: "alice", optimizer: "trainer", field: "objective", to: next }, alice),
    ]);
    // Proposed, not approved: the registered objective stays in force.
    expect(w.ledger.state.objectiveInForce("trainer")?.since).toBe(registered.index);
    await w.ledger.log.append([
      raw(w, "approval", { actor: "bob", parent: change!.index, decision: "approve" }, bob),
    ]);
    expect(w.ledger.state.objectiveInForce("trainer")).toEqual({
      digest: toHex(sha256(Buffer.from(canonicalJson(next), "utf8"))),
      since: change!.index,
    });
    // explain says so, in a sentence.
    const said = renderExplanation((await explain(w.ledger.state, w.ledger.log.store, "trainer"))!);
    expect(said).toContain(`registered with its creation at #${registered.index}, before any step`);
    expect(said).toContain(`an approved change at #${change!.index} replaced it`);
    await w.ledger.close();
  });
});
