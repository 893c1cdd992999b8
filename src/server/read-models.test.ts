/**
 * The server's read models against a full replay: on real SQLite ledgers, what `ReadModels`
 * answers (explanations of every optimizer and actor, the tree, the review queue, the optimizer
 * list, the findings) equals what the offline readers compute from scratch (`readLedger` +
 * `explain`/`provenanceTree`/`reviewQueue`, and `audit`), after entries appended by the server's
 * own log, after entries a second writer appended to the same store, and after a rebuild.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ControlState } from "../control/state.js";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { explain } from "../explain/explain.js";
import { provenanceTree } from "../explain/tree.js";
import { buildInteropLedger } from "../interop/test-support/ledger-fixture.js";
import { generateSignerKey } from "../ledger/keys.js";
import { Log } from "../ledger/log.js";
import type { LedgerStore } from "../ledger/store.js";
import { audit } from "../oversight/audit.js";
import { ledgerRules } from "../oversight/gate-detectors.js";
import { readLedger } from "../oversight/read-ledger.js";
import { openLedger } from "../sdk/ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { createServer } from "./app.js";
import { tmpDir } from "./test-support/fixture.js";
import { expectSameAsReplay, names, openReads } from "./test-support/read-models.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const carol = generateSignerKey("carol");

describe("read models over a ledger with halts, approvals and pending requests", () => {
  it("answer as a full replay does, after a second writer's appends, the server's own, and a rebuild", async () => {
    const file = path.join(dir, "control.db");
    const writer = await openLedger({
      path: file,
      logKey: generateSignerKey("log.read-models"),
      stepBatch: { maxSteps: 10, maxMs: 1000 },
    });
    const root = await writer.root({ name: "alice", key: alice });
    await writer.actor("bob", bob, "overseer");
    await writer.actor("carol", carol, "overseer");
    await writer.setPolicy(
      testPolicy({
        rules: [
          { creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" },
          { creator: { process: "q-learning" }, mayCreate: ["tree-search"], approval: "required" },
        ],
      }),
      alice,
    );
    const trainer = await root.spawn({
      name: "trainer",
      process: { kind: "q-learning", params: { epsilon: 0.1 }, mayCreate: ["tree-search"] },
    });
    await trainer.run((ctx) => {
      for (let i = 0; i < 25; i++) ctx.step({ loss: 1 / (i + 1), episode: Math.floor(i / 5), reward: i % 2 });
    });

    const { log, reads } = await openReads(file);
    try {
      const first = await expectSameAsReplay(reads, file);

      // A second writer on the same store: an approved creation, a pending one, a rejected one,
      // steps, a halt of a subtree and a resume asked for; the server's log catches up on read.
      const plannerKey = generateSignerKey("planner");
      await expect(
        trainer.spawn({ name: "planner", process: { kind: "tree-search" } }, { key: plannerKey }),
      ).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });
      const asked = [...writer.state.requests.values()].find((r) => r.optimizer.name === "planner")!;
      await writer.review(asked.index, bob, "approve", "bounded search");
      const planner = await trainer.spawn(
        { name: "planner", process: { kind: "tree-search" } },
        { key: plannerKey },
      );
      await planner.run((ctx) => {
        for (let i = 0; i < 12; i++) ctx.step({ value: i });
      });
      await expect(
        trainer.spawn({ name: "waiting", process: { kind: "tree-search" } }),
      ).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });
      await expect(
        trainer.spawn({ name: "refused", process: { kind: "tree-search" } }),
      ).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });
      const refused = [...writer.state.requests.values()].find((r) => r.optimizer.name === "refused")!;
      await writer.review(refused.index, carol, "reject", "not now");
      await trainer.run((ctx) => {
        ctx.params.epsilon = 0; // unapproved: the self-modification detector and monitor see it
        for (let i = 0; i < 15; i++) ctx.step({ loss: 0.01, episode: 5 + Math.floor(i / 5), reward: 1 });
      });
      const other = await root.spawn({ name: "other", process: { kind: "q-learning" } });
      await other.run((ctx) => ctx.step({ loss: 3 }));
      await writer.halt("other", alice, { reason: "not needed" });
      await writer.halt("planner", alice, { reason: "looked too far ahead" });
      await writer.requestResume("planner", alice, "the planner did nothing wrong");
      expect(writer.log.size).toBeGreaterThan(first);
      const second = await expectSameAsReplay(reads, file);
      expect(second).toBe(writer.log.size);
      expect((await reads.review()).map((i) => i.status)).toEqual(
        expect.arrayContaining(["pending", "rejected", "fulfilled"]),
      );
      expect((await reads.explain("planner"))?.halted?.reason).toBe("looked too far ahead");
      expect((await reads.explain("other"))?.halted?.optimizer).toBe("other");
      expect((await reads.findings()).findings.map((f) => f.code)).toContain(
        "PARAMETER_CHANGED_WITHOUT_APPROVAL",
      );

      // The server's own log appends (an approval of the resume, a note): answers follow at once.
      const resume = [...log.state.changes.values()].find((c) => c.field === "status")!;
      await log.appendEntry(
        "approval",
        { actor: "bob", time: new Date().toISOString(), parent: resume.index, decision: "approve" },
        bob,
      );
      await log.appendEntry(
        "note",
        { actor: "alice", time: new Date().toISOString(), text: "resumed" },
        alice,
      );
      reads.appended();
      expect(await expectSameAsReplay(reads, file)).toBe(second + 2);
      expect((await reads.explain("planner"))?.halted).toBeUndefined();

      // Rebuilt from the log: the same answers as the model kept on append.
      const again = await openReads(file);
      try {
        for (const name of names(log.state))
          expect(await again.reads.explain(name)).toEqual(await reads.explain(name));
        expect(await again.reads.tree()).toEqual(await reads.tree());
        expect(await again.reads.review()).toEqual(await reads.review());
        expect(await again.reads.findings()).toEqual(await reads.findings());
      } finally {
        await again.reads.close();
        await again.log.close();
      }
    } finally {
      await reads.close();
      await log.close();
      await writer.close();
    }
  }, 120_000);
});

describe("read models behind the HTTP API", () => {
  it("serve the interop ledger's answers, and catch up with a second writer on the same store", async () => {
    const fixture = await buildInteropLedger(fs.mkdtempSync(path.join(dir, "interop-")));
    const log = await Log.open(SqliteStore.open(fixture.file), { rules: ledgerRules() });
    const server = createServer({
      log,
      checkpointDelayMs: false,
      logLine: () => undefined,
      verifyWaitMs: 60_000,
    });
    const get = async (p: string) => {
      const res = await server.fetch(new Request(`http://optprov.test${p}`));
      expect(res.status, p).toBe(200);
      return res.json() as Promise<unknown>;
    };
    const replayed = async (): Promise<{
      state: ControlState;
      store: LedgerStore;
      close: () => Promise<void>;
    }> => {
      const store = SqliteStore.open(fixture.file, { readonly: true });
      return { ...(await readLedger(store)), store, close: () => store.close() };
    };
    try {
      await server.ready();
      let r = await replayed();
      expect(await get("/v1/optimizers/player")).toEqual(
        JSON.parse(JSON.stringify(await explain(r.state, r.store, "player"))),
      );
      expect(await get("/v1/tree")).toEqual(JSON.parse(JSON.stringify({ roots: provenanceTree(r.state) })));
      await r.close();

      // Another process's writer appends; the server's next answers include it.
      const writer = await openLedger({ path: fixture.file, logKey: fixture.logKey });
      const dave = generateSignerKey("dave");
      const daveRoot = await writer.root({ name: "dave", key: dave });
      const scout = await daveRoot.spawn({ name: "dave-scout", process: { kind: "random-search" } });
      await scout.run((ctx) => {
        for (let i = 0; i < 7; i++) ctx.step({ loss: 7 - i });
      });
      await writer.close();

      r = await replayed();
      const tree = (await get("/v1/tree")) as { roots: { name: string }[] };
      expect(tree.roots.map((n) => n.name)).toContain("dave");
      expect(tree).toEqual(JSON.parse(JSON.stringify({ roots: provenanceTree(r.state) })));
      const scoutNow = (await get("/v1/optimizers/dave-scout")) as { steps: { total: number } };
      expect(scoutNow.steps.total).toBe(7);
      expect(scoutNow).toEqual(JSON.parse(JSON.stringify(await explain(r.state, r.store, "dave-scout"))));
      const findings = (await get("/v1/findings")) as {
        size: number;
        verify: { ok: boolean; entries: number };
      };
      expect(findings.size).toBe(r.state.size);
      expect(findings.verify).toMatchObject({ ok: true, entries: r.state.size });
      const full = await audit(r.store);
      expect((findings as unknown as { findings: unknown }).findings).toEqual(
        JSON.parse(JSON.stringify(full.findings)),
      );
      await r.close();
    } finally {
      await server.close();
      await log.close();
    }
  }, 120_000);
});
