/** OTLP/HTTP ingest mounted on the server: POST /v1/traces, authorised like any write. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { otlpHandler } from "../interop/otlp/handler.js";
import { OTLP_JSON } from "../interop/otlp/ingest.js";
import { fixturePath } from "../interop/otlp/test-support/multi-agent-trace.js";
import { generateSignerKey } from "../ledger/keys.js";
import { openLedger } from "../sdk/ledger.js";
import { createServer } from "./app.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-otlp-route-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("takes traces at POST /v1/traces when a collector is configured, and answers 404 otherwise", async () => {
  const ledger = await openLedger({ path: path.join(dir, "l.db"), logKey: generateSignerKey("log.otlp") });
  const collector = generateSignerKey("collector");
  await ledger.actor("collector", collector, "system");
  const body = fs.readFileSync(fixturePath("planner-service", "json"));
  const post = (app: ReturnType<typeof createServer>) =>
    app.fetch(
      new Request("http://localhost/v1/traces", {
        method: "POST",
        headers: { "content-type": OTLP_JSON },
        body,
      }),
    );
  const plain = createServer({ log: ledger.log, checkpointDelayMs: false, logLine: () => undefined });
  expect((await post(plain)).status).toBe(404);
  const before = ledger.log.size;
  const server = createServer({
    log: ledger.log,
    checkpointDelayMs: false,
    logLine: () => undefined,
    otlp: otlpHandler({ target: ledger, collector }),
  });
  expect((await post(server)).status).toBe(200);
  expect(ledger.log.size).toBe(before + 1);
  await ledger.refresh();
  expect(ledger.state.observedAgents.size).toBeGreaterThan(0);
  await plain.close();
  await server.close();
  await ledger.close();
});
