/** The overseer's report over a real gridworld ledger, with an audit-mode policy letting everything through. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { testSpec } from "../control/test-support/specs.js";
import { trainAndDeploy } from "../gridworlds/agents/train-and-deploy.js";
import { GRIDWORLD_CATALOG } from "../gridworlds/catalog.js";
import { generateSignerKey } from "../ledger/keys.js";
import { spawnSpecFrom } from "../sdk/from-spec.js";
import { openLedger } from "../sdk/ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { audit, renderAudit } from "./audit.js";
import type { LedgerDetector } from "./detectors/ledger-detector.js";

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

describe("an audit that cannot be crashed", () => {
  async function small(name: string) {
    const file = path.join(dir, `${name}.db`);
    const ledger = await openLedger({ path: file, logKey: generateSignerKey("log.crash") });
    const alice = generateSignerKey("alice");
    const root = await ledger.root({ name: "alice", key: alice });
    const bob = generateSignerKey("bob");
    await ledger.actor("bob", bob, "overseer");
    const t = await root.spawn(
      spawnSpecFrom(testSpec({ kind: "q-learning", oversight: true }), { name: "t" }),
    );
    await t.run((ctx) => {
      for (let i = 0; i < 30; i++) ctx.step({ episode: i, R: i });
    });
    for (let i = 0; i < 5; i++) await ledger.append("note", { actor: "bob", text: `note ${i}` }, bob);
    await ledger.close();
    return file;
  }

  it("reports an overwritten envelope as forgery, then what can still be read, without throwing", async () => {
    const file = await small("overwritten");
    const db = new Database(file);
    db.prepare("UPDATE entries SET envelope = ? WHERE idx = 4").run(Buffer.from("{not json at all"));
    db.close();
    const store = SqliteStore.open(file, { readonly: true });
    const report = await audit(store);
    await store.close();
    expect(report.verify.ok).toBe(false);
    expect(report.findings[0]).toMatchObject({
      detector: "forgery",
      severity: "critical",
      evidence: { entries: [4] },
    });
    // What follows the bad entry is still read: the optimizer is there with its chain.
    expect(report.optimizers.map((o) => o.name)).toContain("t");
    expect(renderAudit(report)).toContain("DOES NOT VERIFY");
  });

  it("reads a ledger that verifies once: the detectors ride on the verifying pass", async () => {
    const file = await small("once");
    const store = SqliteStore.open(file, { readonly: true });
    let passes = 0;
    const entries = store.entries.bind(store);
    store.entries = (start, end, limits) => {
      if (start === 0) passes++;
      return entries(start, end, limits);
    };
    const report = await audit(store);
    await store.close();
    expect(report.verify.ok).toBe(true);
    expect(passes).toBe(1);
    // The detectors saw the whole ledger in that pass: the optimizer and its chain are reported.
    expect(report.optimizers.find((o) => o.name === "t")?.chain).toEqual(["t", "alice"]);
  });

  it("lists every entry a replay had to leave out, and a store that is not a ledger is a finding", async () => {
    const file = await small("many");
    const db = new Database(file);
    for (const idx of [6, 7])
      db.prepare("UPDATE entries SET envelope = ? WHERE idx = ?").run(Buffer.from("x"), idx);
    db.close();
    const store = SqliteStore.open(file, { readonly: true });
    const report = await audit(store);
    await store.close();
    const left = report.findings
      .filter((f) => f.detector === "forgery")
      .flatMap((f) => f.evidence.entries ?? []);
    expect(left).toEqual(expect.arrayContaining([6, 7]));
    const empty = SqliteStore.open(path.join(dir, "empty.db"));
    const none = await audit(empty);
    await empty.close();
    expect(none.findings.map((f) => f.code)).toEqual(expect.arrayContaining(["LOG_UNINITIALISED"]));
  });

  it("a spec a detector cannot read is an UNREADABLE finding, never a silent skip", async () => {
    const report = await auditWith({
      spec(o) {
        throw new Error(`cannot read ${o.name}`);
      },
      finish: () => [],
    });
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        detector: "broken",
        code: "UNREADABLE",
        message: expect.stringContaining("cannot read t"),
      }),
    );
  });

  async function auditWith(detector: LedgerDetector) {
    const file = await small("unreadable");
    const store = SqliteStore.open(file, { readonly: true });
    const report = await audit(store, { detectors: { broken: () => detector } });
    await store.close();
    return report;
  }
});
