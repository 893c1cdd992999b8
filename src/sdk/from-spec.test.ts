import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { summariseSpec } from "../control/gate-request.js";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { generateSignerKey } from "../ledger/keys.js";
import { loadSpec } from "../model/index.js";
import { spawnSpecFrom } from "./from-spec.js";
import { openLedger } from "./ledger.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-fromspec-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const load = (f: string) =>
  loadSpec(fs.readFileSync(path.resolve(__dirname, "../../examples/specs", f), "utf8"), f);

it("turns a worked spec into a gated spawn bound to the spec's digest", async () => {
  const loaded = load("tic-tac-toe.optimizer.yaml");
  expect(loaded.errors).toEqual([]);
  const s = spawnSpecFrom(loaded.spec!);
  expect(s.name).not.toMatch(/[\s+]/);
  expect(s.process.kind).toBe("tree-search");
  expect(s.document).toBe(loaded.spec);

  const ledger = await openLedger({ path: path.join(dir, "l.db"), logKey: generateSignerKey("log.fs") });
  const alice = await ledger.root({ name: "alice", key: generateSignerKey("alice") });
  const rules = [{ creator: { name: "alice" }, mayCreate: ["tree-search"], approval: "automatic" as const }];
  await ledger.setPolicy(
    testPolicy({
      legibility: { maxLocalModelRows: 256 },
      objective: { explicitOnly: true, forbiddenTags: ["oversight"] },
      rules,
    }),
    alice.key,
  );

  const child = await alice.spawn(s);
  expect(ledger.state.optimizers.get(child.name)).toMatchObject({
    specDigest: loaded.digest?.replace("sha256:", ""),
    process: "tree-search",
    specIn: "entry",
  });
  await ledger.close();
});

it("the gate reads the objective's variables and their tags from the spec itself", () => {
  const loaded = load("absent-supervisor.optimizer.yaml");
  const summary = summariseSpec(spawnSpecFrom(loaded.spec!).document);
  // The Q-learner's objective reads only `reward`; its tags reach the gate.
  expect(summary.objectiveVariables).toEqual([{ name: "reward", tags: expect.arrayContaining(["reward"]) }]);
  expect(summary.specErrors).toEqual([]);
  expect(summary.legibility.variables).toBeGreaterThan(0);
});

it("a hostile spec never reaches the ledger: the loader refuses it with coded errors", async () => {
  const ledger = await openLedger({ path: path.join(dir, "h.db"), logKey: generateSignerKey("log.h") });
  await ledger.root({ name: "alice", key: generateSignerKey("alice") });
  const before = await ledger.log.store.size();
  for (const text of [
    "a: &a [*a, *a]\nb: *a\n",
    "name: x\nname: y\n",
    "[1, 2]",
    "{".repeat(10_000),
    "name: 5\nworldModel: nope\n",
  ]) {
    const loaded = loadSpec(text, "hostile.optimizer.yaml");
    expect(loaded.spec).toBeUndefined();
    expect(loaded.errors.length).toBeGreaterThan(0);
    for (const e of loaded.errors) expect(e.code).toMatch(/^[A-Z_]+$/);
  }
  expect(await ledger.log.store.size()).toBe(before);
  await ledger.close();
});
