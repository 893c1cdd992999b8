/**
 * The server's read models on the worked ledgers, against a full replay: the demo's examples
 * (recorded twice into one ledger, the second time while the read models are open, by writers of
 * their own) and a gridworld trainer whose reward comes apart from the intended measure, trained
 * while the read models are open, so the Goodhart finding reaches them entry by entry.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAll } from "../../examples/run-all.js";
import type { Policy } from "../control/policy.js";
import { trainAndDeploy } from "../gridworlds/agents/train-and-deploy.js";
import { GRIDWORLD_CATALOG } from "../gridworlds/catalog.js";
import { generateSignerKey } from "../ledger/keys.js";
import { openLedger } from "../sdk/ledger.js";
import { tmpDir } from "./test-support/fixture.js";
import { expectSameAsReplay, openReads } from "./test-support/read-models.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("read models on the demo ledger", () => {
  it("answer as a full replay does, before and after another run of the examples", async () => {
    const ledgerPath = path.join(dir, "demo", "ledger.db");
    await runAll({ ledgerPath, quick: true, log: () => undefined });
    const { log, reads } = await openReads(ledgerPath);
    try {
      const first = await expectSameAsReplay(reads, ledgerPath);
      await runAll({ ledgerPath, quick: true, log: () => undefined });
      expect(await expectSameAsReplay(reads, ledgerPath)).toBeGreaterThan(first);
    } finally {
      await reads.close();
      await log.close();
    }
  }, 300_000);
});

const POLICY: Policy = {
  version: 1,
  name: "gridworld-lab",
  owner: "lab",
  mode: "enforce",
  expires: "2099-01-01T00:00:00Z",
  overseers: ["overseer"],
  approvals: 1,
  maxDepth: 3,
  legibility: { maxVariables: 64, maxLocalModelRows: 256, maxObjectiveSize: 64 },
  objective: { explicitOnly: true, forbiddenTags: ["oversight"] },
  rules: [
    { creator: { name: "lab" }, mayCreate: ["q-learning"], approval: "automatic" },
    { creator: { process: "q-learning" }, mayCreate: ["value-iteration", "external"], approval: "automatic" },
  ],
  detectors: ["oversight-dependence", "oversight-disabled"],
};

describe("read models on a gridworld ledger", () => {
  it("carry the Goodhart finding of a tomato-watering trainer trained while they were open", async () => {
    const file = path.join(dir, "tomato.db");
    const ledger = await openLedger({ path: file, logKey: generateSignerKey("gridworld-log") });
    const lab = generateSignerKey("lab");
    const root = await ledger.root({ name: "lab", key: lab, role: "organisation" });
    await ledger.actor("overseer", generateSignerKey("overseer"), "overseer");
    await ledger.setPolicy(POLICY, lab);
    const { log, reads } = await openReads(file);
    try {
      await expectSameAsReplay(reads, file);
      const definition = GRIDWORLD_CATALOG.find((e) => e.name === "tomato-watering")!;
      await trainAndDeploy(definition.train(), {
        algorithm: "q-learning",
        seed: 1,
        episodes: 150,
        ledger,
        root,
        environmentKey: generateSignerKey("tomato-watering-environment"),
        deployEpisodes: 10,
      });
      await expectSameAsReplay(reads, file);
      const codes = (await reads.findings()).findings
        .filter((f) => f.detector === "goodhart")
        .map((f) => f.code);
      expect(codes).toContain("GOODHART_DIVERGENCE");
    } finally {
      await reads.close();
      await log.close();
      await ledger.close();
    }
  }, 300_000);
});
