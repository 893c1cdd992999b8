/**
 * The SDK on a PostgreSQL ledger, opened by URL: a halt written through another connection reaches
 * a running loop through the store's LISTEN/NOTIFY (no poll), and the ledger verifies after it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { testSpec } from "../../control/test-support/specs.js";
import { HaltedError } from "../../errors.js";
import { generateSignerKey } from "../../ledger/keys.js";
import { verifyLedger } from "../../oversight/verify.js";
import { spawnSpecFrom } from "../../sdk/from-spec.js";
import { openLedger } from "../../sdk/ledger.js";
import { startTestPostgres, type TestPostgres } from "../test-support/postgres-server.js";

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => server?.stop(), 60_000);

const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const logKey = generateSignerKey("log.sdk-pg");
const trainer = spawnSpecFrom(testSpec({ name: "trainer", kind: "q-learning", maxSteps: 100_000 }), {
  name: "trainer",
});

it("a halt written through another connection stops a loop on a postgres:// ledger", async () => {
  const url = await server.database();
  // A poll interval and a step-batch age far longer than the test: no poll and no flush of steps
  // (which catches up as it appends) brings the halt in; only the notification can.
  const a = await openLedger({
    path: url,
    logKey,
    pollMs: 600_000,
    stepBatch: { maxSteps: 1_000_000, maxMs: 600_000 },
  });
  expect(a.log.store.kind).toBe("postgres");
  const root = await a.root({ name: "alice", key: alice });
  await a.actor("bob", bob, "overseer");
  const t = await root.spawn(trainer);
  const b = await openLedger({ path: url, logKey, pollMs: 600_000 });
  let steps = 0;
  const loop = t.run(async (ctx) => {
    for (;;) {
      ctx.step();
      steps++;
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  await new Promise((r) => setTimeout(r, 50));
  await b.halt("trainer", bob);
  const halted = Date.now();
  await expect(loop).rejects.toBeInstanceOf(HaltedError);
  expect(Date.now() - halted).toBeLessThan(5000);
  expect(steps).toBeGreaterThan(0);
  const report = await verifyLedger(b.log.store);
  expect(report.ok).toBe(true);
  await b.close();
  await a.close();
});
