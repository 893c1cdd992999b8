/** Review, halt, resume, explain and tree through the built CLI, on a ledger the SDK wrote. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSignerKey, generateSignerKey } from "../src/ledger/keys.js";
import { verifyLedger } from "../src/oversight/verify.js";
import { openLedger } from "../src/sdk/ledger.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { freshDir, runCli, runJson } from "./cli-support.js";

const dir = freshDir("optprov-control-");
const db = path.join(dir, "ledger.db");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const keys = Object.fromEntries(["alice", "bob", "mallory"].map((n) => [n, generateSignerKey(n)]));

function run(args: string[]) {
  return runJson(["--ledger", db, ...args], { cwd: dir });
}
function text(args: string[]) {
  return runCli(["--ledger", db, ...args], { cwd: dir }).out;
}

beforeAll(async () => {
  for (const [n, k] of Object.entries(keys))
    fs.writeFileSync(path.join(dir, `${n}.key`), formatSignerKey(k), { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, "policy.yaml"),
    [
      "version: 1",
      "name: lab",
      "owner: alice",
      "mode: enforce",
      "expires: 2099-01-01T00:00:00Z",
      "overseers: [bob]",
      "rules:",
      "  - creator: { name: alice }",
      "    mayCreate: [q-learning]",
      "    approval: automatic",
      "  - creator: { process: q-learning }",
      "    mayCreate: [tree-search]",
      "    approval: required",
      "objective: { explicitOnly: false }",
    ].join("\n"),
  );
  const ledger = await openLedger({ path: db });
  await ledger.root({ name: "alice", key: keys.alice });
  await ledger.actor("bob", keys.bob!, "overseer");
  await ledger.close();
});

describe("control through the CLI", () => {
  it("signs a policy, queues a mesa-optimizer, approves it, halts, explains and draws the tree", async () => {
    expect(run(["policy", "policy.yaml", "--key", "alice.key"]).body).toMatchObject({ active: true });
    const ledger = await openLedger({ path: db });
    const root = await ledger.root({ name: "alice", key: keys.alice });
    const learner = await root.spawn({
      name: "learner",
      process: { kind: "q-learning", mayCreate: ["tree-search"] },
    });
    const mctsKey = generateSignerKey("mcts");
    await expect(
      learner.spawn({ name: "mcts", process: { kind: "tree-search" } }, { key: mctsKey }),
    ).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });

    const list = run(["review", "list"]);
    expect(list.body.requests).toHaveLength(1);
    const req = list.body.requests[0].index as number;
    expect(run(["review", "show", String(req)]).body).toMatchObject({
      status: "pending",
      creator: "learner",
      optimizer: "mcts",
    });
    expect(run(["review", "approve", String(req), "--key", "mallory.key"]).body.error.code).toBe(
      "APPROVER_NOT_OVERSEER",
    );
    expect(run(["review", "approve", "999", "--key", "bob.key"]).body.error.code).toBe("REQUEST_UNKNOWN");
    expect(
      run(["review", "approve", String(req), "--key", "bob.key", "--reason", "rules only"]).body,
    ).toMatchObject({ status: "approved" });

    const mcts = await learner.spawn({ name: "mcts", process: { kind: "tree-search" } }, { key: mctsKey });
    await mcts.run((ctx) => {
      for (let i = 0; i < 10; i++) ctx.step({ winRate: i / 10 });
    });
    await ledger.close();

    const e = run(["explain", "mcts"]).body;
    expect(e).toMatchObject({
      name: "mcts",
      createdBy: "learner",
      lineage: ["learner", "alice"],
      request: req,
      policy: { name: "lab", mode: "enforce" },
    });
    expect(e.approvals).toEqual([
      expect.objectContaining({ by: "bob", counted: true, reason: "rules only" }),
    ]);
    expect(e.steps).toMatchObject({ total: 10, batches: 1 });
    const explained = text(["explain", "mcts"]);
    expect(explained).toContain("created by learner");
    expect(explained).toContain("Approved by bob");

    expect(run(["halt", "learner", "--key", "bob.key", "--reason", "review"]).code).toBe(0);
    const after = run(["explain", "mcts"]).body;
    expect(after.halted).toMatchObject({ by: "bob", optimizer: "learner", reason: "review" });
    expect(after.concerns.map((c: { code: string }) => c.code)).toContain("HALTED");
    const tree = text(["tree"]);
    expect(tree).toMatch(/alice[\s\S]*└── learner[\s\S]*└── mcts .*\[HALTED\]/);
    expect(run(["halt", "nobody", "--key", "bob.key"]).body.error.code).toBe("OPTIMIZER_UNKNOWN");
    const resume = run(["resume", "learner", "--key", "alice.key"]).body;
    // The resume waits in the review queue, and is shown like any other request.
    expect(run(["review", "list"]).body.requests).toEqual([
      expect.objectContaining({
        index: resume.index,
        kind: "resume",
        status: "pending",
        by: "alice",
        optimizer: "learner",
        counted: [],
        needed: 1,
      }),
    ]);
    expect(run(["review", "show", String(resume.index)]).body).toMatchObject({
      kind: "resume",
      status: "pending",
      halt: expect.any(Number),
    });
    expect(run(["review", "approve", String(resume.index), "--key", "bob.key"]).body).toMatchObject({
      kind: "resume",
      status: "approved",
    });
    expect(run(["explain", "mcts"]).body.halted).toBeUndefined();
    expect(run(["review", "list"]).body.requests).toEqual([]);
    expect(run(["review", "list", "--all"]).body.requests).toContainEqual(
      expect.objectContaining({ index: resume.index, kind: "resume", status: "approved", counted: ["bob"] }),
    );

    const prov = JSON.parse(text(["export", "--format", "prov-json"]));
    expect(Object.keys(prov.agent)).toEqual(
      expect.arrayContaining(["optprov:agent-alice", "optprov:agent-learner", "optprov:agent-mcts"]),
    );
    expect(run(["export", "--format", "rdf"]).body.error.code).toBe("USAGE");
    const report = run(["audit"]);
    expect(report.code).toBe(0);
    expect(report.body.detectorsRun).toEqual(
      expect.arrayContaining(["forgery", "self-modification", "undeclared-optimizer"]),
    );
    expect(
      report.body.optimizers.map((o: { name: string; chain: string[] }) => [o.name, o.chain]),
    ).toContainEqual(["mcts", ["mcts", "learner", "alice"]]);

    const store = SqliteStore.open(db, { readonly: true });
    expect((await verifyLedger(store)).ok).toBe(true);
    await store.close();
  });

  it("queues a second policy for the overseers and shows where it stands", () => {
    const first = run(["review", "list", "--all"]).body.requests.find(
      (i: { kind: string }) => i.kind === "policy",
    );
    expect(first).toMatchObject({ kind: "policy", status: "in force", by: "alice" });
    fs.writeFileSync(
      path.join(dir, "policy2.yaml"),
      fs.readFileSync(path.join(dir, "policy.yaml"), "utf8").replace("name: lab", "name: lab-2"),
    );
    const second = run(["policy", "policy2.yaml", "--key", "alice.key"]);
    expect(second.code).toBe(0);
    expect(second.body).toMatchObject({ active: false });
    const queued = run(["review", "list"]).body.requests;
    expect(queued).toEqual([
      expect.objectContaining({
        index: second.body.index,
        kind: "policy",
        status: "pending",
        by: "alice",
        policy: expect.objectContaining({ name: "lab-2" }),
        needed: 1,
      }),
    ]);
    // A counted rejection closes a policy, as it closes a creation: approving it later is refused.
    expect(run(["review", "reject", String(second.body.index), "--key", "bob.key"]).code).toBe(0);
    expect(run(["review", "show", String(second.body.index)]).body).toMatchObject({
      status: "rejected",
      rejectedBy: ["bob"],
    });
    const late = run(["review", "approve", String(second.body.index), "--key", "bob.key"]);
    expect(late.code).toBe(2);
    expect(late.body.error.code).toBe("CONTROL_APPROVAL_TARGET");
    // Another policy, approved, comes into force, and the first is superseded.
    fs.writeFileSync(
      path.join(dir, "policy3.yaml"),
      fs.readFileSync(path.join(dir, "policy.yaml"), "utf8").replace("name: lab", "name: lab-3"),
    );
    const third = run(["policy", "policy3.yaml", "--key", "alice.key"]);
    expect(run(["review", "approve", String(third.body.index), "--key", "bob.key"]).body).toMatchObject({
      kind: "policy",
      status: "in force",
    });
    expect(run(["review", "show", String(first.index)]).body).toMatchObject({ status: "superseded" });
    // Decisions on a policy are made by the overseers of the policy in force: under lab-3, the
    // rejected lab-2 is before them again.
    expect(run(["review", "list"]).body.requests.map((i: { index: number }) => i.index)).toEqual([
      second.body.index,
    ]);
    expect(text(["review", "show", String(third.body.index)])).toMatch(/policy \(in force\)/);
    expect(run(["review", "show", "1"]).body.error.code).toBe("REQUEST_UNKNOWN");
  });
});
