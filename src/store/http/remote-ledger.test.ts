/**
 * The SDK against a real `optprov serve` app on a real socket: `openLedger({ url })` gives the same
 * Ledger (root, policy, spawn through the gate, approvals from another client, run, halt), entries
 * signed by the client and appended by the server's log; a halt another client posts reaches a
 * running loop by the event stream and stops it within one step of arriving.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSignerKey } from "../../ledger/keys.js";
import { verifyLedger } from "../../oversight/verify.js";
import { type Ledger, openLedger } from "../../sdk/ledger.js";
import type { RunContext } from "../../sdk/run-context.js";
import { type ServedLedger, serveLedger, tmpDir } from "./test-support/served-ledger.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");

const POLICY = [
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
].join("\n");

describe("openLedger({ url }) against optprov serve", () => {
  let served: ServedLedger;
  let builder: Ledger;
  let overseer: Ledger;
  beforeAll(async () => {
    served = await serveLedger(dir);
    builder = await openLedger({ url: served.url, stepBatch: { maxSteps: 1_000_000, maxMs: 3_600_000 } });
    overseer = await openLedger({ url: served.url });
  });
  afterAll(async () => {
    await builder?.close();
    await overseer?.close();
    await served?.close();
  });

  it("records a root, a policy, a gated creation approved from another client, and its steps", async () => {
    const root = await builder.root({ name: "alice", key: alice });
    await builder.actor("bob", bob, "overseer");
    expect(await builder.setPolicy(POLICY, alice)).toMatchObject({ active: true });
    const learner = await root.spawn({
      name: "learner",
      process: { kind: "q-learning", mayCreate: ["tree-search"] },
    });
    const mctsKey = generateSignerKey("mcts");
    await expect(
      learner.spawn({ name: "mcts", process: { kind: "tree-search" } }, { key: mctsKey }),
    ).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });

    // The overseer's client learns of the request from the server and approves it.
    await overseer.refresh();
    const [request] = [...overseer.state.requests.values()];
    expect(request?.optimizer.name).toBe("mcts");
    await overseer.review(request!.index, bob, "approve", "rules only");
    const mcts = await learner.spawn(
      { name: "mcts", process: { kind: "tree-search" } },
      { key: mctsKey, waitMs: 10_000 },
    );
    await mcts.run(async (ctx) => {
      for (let i = 0; i < 7; i++) ctx.step({ value: i });
    });

    // The server's own ledger holds what the clients signed, and verifies offline.
    await served.log.catchUp();
    expect(served.log.state.optimizers.get("mcts")?.steps).toBe(7);
    expect(served.log.state.optimizers.get("mcts")?.creator).toBe("learner");
    expect(builder.log.size).toBe(served.log.size);
    expect(builder.log.root()).toEqual(served.log.root());
    const report = await verifyLedger(served.log.store);
    expect(report.problem).toBeUndefined();
    expect(report.entries).toBe(served.log.size);
  });

  it("stops a running loop within one step of a halt another client posts (pushed, not polled)", async () => {
    const root = await builder.root({ name: "alice", key: alice });
    const worker = await root.spawn({ name: "worker", process: { kind: "q-learning" } });
    const before = served.log.size;
    let ctx: RunContext | undefined;
    let seenAt: number | undefined;
    let halting: Promise<unknown> | undefined;
    const run = worker.run(async (c) => {
      ctx = c;
      for (;;) {
        // When the halt has arrived in this client's state: the next step must be refused.
        if (seenAt === undefined && builder.state.haltedBy("worker") !== undefined) seenAt = c.stepCount;
        c.step();
        if (c.stepCount === 20) halting = overseer.halt("worker", bob, { reason: "remote test" });
        if (c.stepCount > 20_000) throw new Error("the halt never arrived");
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
    await expect(run).rejects.toMatchObject({ code: "HALTED" });
    const halt = (await halting) as { index: number };
    expect(seenAt).toBeDefined();
    expect(seenAt).toBeGreaterThanOrEqual(20);
    // Not one step after the halt arrived.
    expect(ctx!.stepCount).toBe(seenAt);

    // The loop flushed nothing while it ran (batches of a million steps, an hour old): the halt
    // reached it through the event stream, not through an append's read-back. Its steps are
    // handed in as the one final batch naming the halt.
    await served.log.catchUp();
    expect(halt.index).toBe(before);
    const final = await served.log.store.entry(before + 1);
    expect(final).toBeDefined();
    const statement = JSON.parse(
      Buffer.from(JSON.parse(Buffer.from(final!.envelope).toString("utf8")).payload, "base64").toString(
        "utf8",
      ),
    );
    expect(statement.predicateType).toMatch(/step-batch/);
    expect(statement.predicate).toMatchObject({
      actor: "worker",
      parent: halt.index,
      steps: { count: seenAt },
    });
    expect(served.log.state.optimizers.get("worker")?.steps).toBe(seenAt);
    expect(served.log.size).toBe(before + 2);
  });
});
