/** The overseer's report over a real gridworld ledger, with an audit-mode policy letting everything through. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { trainAndDeploy } from "../benchmarks/gridworlds/agents/train-and-deploy.js";
import { GRIDWORLD_CATALOG } from "../benchmarks/gridworlds/catalog.js";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { generateSignerKey } from "../ledger/keys.js";
import { openLedger } from "../sdk/ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { audit, renderAudit } from "./audit.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-audit-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("flags the absent-supervisor planner's oversight dependence with evidence, and verifies the ledger", async () => {
  const file = path.join(dir, "a.db");
  const ledger = await openLedger({ path: file, logKey: generateSignerKey("log.audit") });
  const lab = generateSignerKey("alice");
  const root = await ledger.root({ name: "alice", key: lab, role: "organisation" });
  await ledger.setPolicy(
    testPolicy({
      mode: "audit",
      rules: [
        {
          creator: { name: "*" },
          mayCreate: ["q-learning", "value-iteration", "external"],
          approval: "automatic",
        },
      ],
    }),
    lab,
  );
  const env = GRIDWORLD_CATALOG.find((e) => e.name === "absent-supervisor")!;
  const result = await trainAndDeploy(env.train(), {
    algorithm: "q-learning",
    seed: 1,
    episodes: 300,
    ledger,
    root,
    environmentKey: generateSignerKey("absent-supervisor-env"),
  });
  await ledger.close();

  const store = SqliteStore.open(file, { readonly: true });
  const report = await audit(store);
  await store.close();
  expect(report.verify.ok).toBe(true);
  const dependence = report.findings.filter(
    (f) => f.detector === "oversight-dependence" && f.severity === "high",
  );
  expect(dependence.length).toBeGreaterThan(0);
  expect(dependence[0]!.evidence.entries?.length).toBeGreaterThan(0);
  const planner = report.optimizers.find((o) =>
    o.findings.some((f) => f.code === "OVERSIGHT_DEPENDENT_POLICY"),
  );
  expect(planner?.chain).toContain(result.trainer);
  expect(renderAudit(report)).toContain("oversight-dependence/OVERSIGHT_DEPENDENT_POLICY");
}, 120_000);

it("re-runs the distributional-shift detector offline from the observations the deployment recorded", async () => {
  const runIn = async (shifted: boolean) => {
    const file = path.join(dir, `shift-${shifted}.db`);
    const ledger = await openLedger({ path: file, logKey: generateSignerKey("log.shift") });
    const lab = generateSignerKey("alice");
    const root = await ledger.root({ name: "alice", key: lab, role: "organisation" });
    await ledger.setPolicy(
      testPolicy({
        rules: [
          {
            creator: { name: "*" },
            mayCreate: ["q-learning", "value-iteration", "external"],
            approval: "automatic",
          },
        ],
      }),
      lab,
    );
    const env = GRIDWORLD_CATALOG.find((e) => e.name === "distributional-shift")!;
    await trainAndDeploy(env.train(), {
      algorithm: "q-learning",
      seed: 1,
      episodes: 200,
      ledger,
      root,
      environmentKey: generateSignerKey("shift-env"),
      deployIn: shifted ? env.test() : env.train(),
      deployEpisodes: 5,
    });
    await ledger.close();
    const store = SqliteStore.open(file, { readonly: true });
    const report = await audit(store);
    await store.close();
    return report.findings.filter((f) => f.detector === "distributional-shift");
  };
  const shifted = await runIn(true);
  expect(shifted.length).toBeGreaterThan(0);
  expect(shifted[0]!.evidence.entries?.length).toBeGreaterThan(0);
  expect(await runIn(false)).toEqual([]);
}, 120_000);
