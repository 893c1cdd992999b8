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
import { ReadModels } from "./read-models.js";
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

describe("read models kept across appends", () => {
  it("keep what an append cannot change, drop what it can, and still answer as a full replay does", async () => {
    const file = path.join(dir, "scoped.db");
    const writer = await openLedger({ path: file, logKey: generateSignerKey("log.read-models-scoped") });
    const root = await writer.root({ name: "alice", key: alice });
    const env = generateSignerKey("environment");
    await writer.actor("bob", bob, "overseer");
    await writer.actor("environment", env, "system");
    await writer.setPolicy(testPolicy(), alice);
    const trainer = await root.spawn({
      name: "trainer",
      process: { kind: "q-learning", params: { epsilon: 0.1 }, mayCreate: ["gradient-descent"] },
    });
    const model = await trainer.spawn({ name: "model", process: { kind: "gradient-descent" } });
    await root.spawn({ name: "other", process: { kind: "q-learning" } });

    const { log, reads } = await openReads(file);
    const time = () => new Date().toISOString();
    const steps = new Map<string, number>();
    const batch = (actor: string, key: typeof alice, episode: number) => {
      const first = steps.get(actor) ?? 0;
      steps.set(actor, first + 3);
      return log.appendEntry(
        "step-batch",
        {
          actor,
          time: time(),
          firstStep: first,
          steps: {
            count: 3,
            metrics: { loss: [1, 0.5, 0.2], episode: [episode, episode, episode], R: [0, 1, 2] },
          },
        },
        key,
      );
    };
    try {
      await batch("trainer", trainer.key, 0);
      await expectSameAsReplay(reads, file);
      const kept = async () => ({
        trainer: await reads.explain("trainer"),
        model: await reads.explain("model"),
        other: await reads.explain("other"),
        alice: await reads.explain("alice"),
        tree: await reads.tree(),
        queue: await reads.review(),
        list: await reads.optimizers(),
      });

      // A note changes nothing: every answer is the one kept.
      let before = await kept();
      await log.appendEntry("note", { actor: "alice", time: time(), text: "nothing to see" }, alice);
      let after = await kept();
      for (const k of Object.keys(before) as (keyof typeof before)[]) expect(after[k], k).toBe(before[k]);
      await expectSameAsReplay(reads, file);

      // The model's steps: its explanation, the tree and the list change; its creator's and the queue do not.
      before = await kept();
      await batch("model", model.key, 0);
      after = await kept();
      expect(after.model).not.toBe(before.model);
      expect(after.model?.steps.total).toBe(3);
      expect(after.tree).not.toBe(before.tree);
      expect(after.list).not.toBe(before.list);
      expect(after.trainer).toBe(before.trainer);
      expect(after.other).toBe(before.other);
      expect(after.queue).toBe(before.queue);
      await expectSameAsReplay(reads, file);

      // The trainer's steps reach the model's explanation too (its line of creators' records).
      before = await kept();
      await batch("trainer", trainer.key, 1);
      after = await kept();
      expect(after.trainer).not.toBe(before.trainer);
      expect(after.model).not.toBe(before.model);
      expect(after.other).toBe(before.other);
      await expectSameAsReplay(reads, file);

      // The environment reports the trainer breaking a constraint: the model's ancestry shows it.
      before = await kept();
      await log.appendEntry(
        "observation",
        { actor: "environment", time: time(), optimizer: "trainer", episode: 1, values: { violations: 2 } },
        env,
      );
      after = await kept();
      expect(after.model).not.toBe(before.model);
      expect(after.model?.ancestry.findings.map((f) => f.detector)).toContain("constraint");
      expect(after.tree).toBe(before.tree);
      expect(after.other).toBe(before.other);
      await expectSameAsReplay(reads, file);

      // An artifact of the model, then a halt (which may change anything: every answer is made again).
      await log.appendEntry("artifact", { actor: "model", time: time(), name: "weights" }, model.key);
      expect((await reads.explain("model"))?.artifacts).toHaveLength(1);
      await expectSameAsReplay(reads, file);
      before = await kept();
      await log.appendEntry(
        "halt",
        { actor: "alice", time: time(), optimizer: "other", descendants: true },
        alice,
      );
      after = await kept();
      for (const k of Object.keys(before) as (keyof typeof before)[]) expect(after[k], k).not.toBe(before[k]);
      expect(after.other?.halted?.by).toBe("alice");
      await expectSameAsReplay(reads, file);

      // More appends than are read one by one (a second writer's), with steps among them.
      for (let i = 0; i < 30; i++)
        await writer.log.append(
          Array.from({ length: 10 }, (_, k) =>
            writer.log.sign("note", { actor: "alice", time: time(), text: `note ${i}.${k}` }, alice),
          ),
        );
      await model.run((ctx) => {
        for (let i = 0; i < 4; i++) ctx.step({ loss: 0.1 });
      });
      expect(log.size).toBeLessThan(writer.log.size);
      await expectSameAsReplay(reads, file);
      expect((await reads.explain("model"))?.steps.total).toBe(writer.state.optimizers.get("model")?.steps);

      // The trainer's reward rises while the environment's measure of it falls, findings asked as
      // it goes: the detectors judge again only the records that changed, and agree with an audit.
      for (let ep = 2; ep < 42; ep++) {
        const first = steps.get("trainer") ?? 0;
        steps.set("trainer", first + 1);
        await log.appendEntry(
          "step-batch",
          {
            actor: "trainer",
            time: time(),
            firstStep: first,
            steps: { count: 1, metrics: { episode: [ep], R: [100 + ep + ((ep * 7) % 5) * 0.3] } },
          },
          trainer.key,
        );
        await log.appendEntry(
          "observation",
          {
            actor: "environment",
            time: time(),
            optimizer: "trainer",
            episode: ep,
            values: { intended: 50 - ep },
          },
          env,
        );
        if (ep % 10 === 0) await expectSameAsReplay(reads, file);
        else await reads.findings();
      }
      await expectSameAsReplay(reads, file);
      expect(
        (await reads.findings()).findings.filter((f) => f.detector === "goodhart").map((f) => f.optimizer),
      ).toContain("trainer");
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

describe("background verification's share of the time", () => {
  it("verifies a grown log again at once while verifying is quick, and waits out its share once it is slow", async () => {
    const file = path.join(dir, "share.db");
    const writer = await openLedger({ path: file, logKey: generateSignerKey("log.share") });
    await writer.root({ name: "alice", key: alice });
    const note = (text: string) =>
      writer.log.appendEntry("note", { actor: "alice", time: new Date().toISOString(), text }, alice);
    await note("one");
    const open = async (options: ConstructorParameters<typeof ReadModels>[1]) => {
      const log = await Log.open(SqliteStore.open(file), { rules: ledgerRules() });
      const reads = new ReadModels(log, { verifyWaitMs: 60_000, ...options });
      reads.start();
      await reads.ready();
      return { log, reads };
    };
    // Every verification counts as slow (from 0 ms), and may take a millionth of the time: after
    // the first, none starts again within this test.
    const rationed = await open({ verifyShare: 1e-6, verifyShareFromMs: 0 });
    const quick = await open({});
    try {
      const size0 = writer.log.size;
      expect((await rationed.reads.findings()).verify?.entries).toBe(size0);
      expect((await quick.reads.findings()).verify?.entries).toBe(size0);
      await note("two");
      await rationed.log.catchUp();
      await quick.log.catchUp();
      const stale = await rationed.reads.findings();
      expect(stale.size).toBe(size0 + 1);
      expect(stale.verifying).toBe(false);
      expect(stale.verify?.entries).toBe(size0);
      expect((await quick.reads.findings()).verify?.entries).toBe(size0 + 1);
    } finally {
      for (const r of [rationed, quick]) {
        await r.reads.close();
        await r.log.close();
      }
      await writer.close();
    }
  });
});
