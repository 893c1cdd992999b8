/** Review, halt, resume, explain and tree through the built CLI, on a ledger the SDK wrote. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSignerKey, generateSignerKey } from "../src/ledger/keys.js";
import { verifyLedger } from "../src/oversight/verify.js";
import { openLedger } from "../src/sdk/ledger.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

const BIN = path.resolve(__dirname, "../bin/optprov.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-control-"));
const db = path.join(dir, "ledger.db");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const keys = Object.fromEntries(["alice", "bob", "mallory"].map((n) => [n, generateSignerKey(n)]));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "--ledger", db, ...args, "--json"], {
    cwd: dir,
    encoding: "utf8",
  });
  return { code: r.status, body: JSON.parse(r.stdout || "null"), err: r.stderr };
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
    const text = spawnSync(process.execPath, [BIN, "--ledger", db, "explain", "mcts"], {
      encoding: "utf8",
    }).stdout;
    expect(text).toContain("created by learner");
    expect(text).toContain("Approved by bob");

    expect(run(["halt", "learner", "--key", "bob.key", "--reason", "review"]).code).toBe(0);
    const after = run(["explain", "mcts"]).body;
    expect(after.halted).toMatchObject({ by: "bob", optimizer: "learner", reason: "review" });
    expect(after.concerns.map((c: { code: string }) => c.code)).toContain("HALTED");
    const tree = spawnSync(process.execPath, [BIN, "--ledger", db, "tree"], { encoding: "utf8" }).stdout;
    expect(tree).toMatch(/alice[\s\S]*└── learner[\s\S]*└── mcts .*\[HALTED\]/);
    expect(run(["halt", "nobody", "--key", "bob.key"]).body.error.code).toBe("OPTIMIZER_UNKNOWN");
    const resume = run(["resume", "learner", "--key", "alice.key"]).body;
    expect(run(["review", "approve", String(resume.index), "--key", "bob.key"]).code).toBe(0);
    expect(run(["explain", "mcts"]).body.halted).toBeUndefined();

    const prov = JSON.parse(
      spawnSync(process.execPath, [BIN, "--ledger", db, "export", "--format", "prov-json"], {
        encoding: "utf8",
      }).stdout,
    );
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
});
