/**
 * npm run console:screenshots
 *
 * Regenerates docs/console/{graph,optimizer,review,accountability}.png: the console served over a
 * gridworld ledger the SDK writes (test/console/support/trained-ledger.ts: a boat-race trainer
 * whose proxy and intended measure diverge, its R = P control, and their greedy policies), with a
 * creation waiting for an overseer in the review queue and a checkpoint cosigned by a witness
 * served over a socket, opened in Debian's chromium. docs/console/graph-1000.png comes from
 * `npm run bench:console`.
 */
import fs from "node:fs";
import path from "node:path";
import { testSpec } from "../src/control/test-support/specs.js";
import { ALG_COSIGNATURE_V1, formatSignerKey, generateSignerKey, withType } from "../src/ledger/keys.js";
import { WitnessRecord } from "../src/oversight/witness-record.js";
import { spawnSpecFrom } from "../src/sdk/from-spec.js";
import { listen } from "../src/server/listen.js";
import { createWitnessServer } from "../src/server/witness-app.js";
import { launch, serveLedger, tmpDir } from "../test/console/support/fixture.js";
import { trainedLedger } from "../test/console/support/trained-ledger.js";

const out = path.resolve(import.meta.dirname, "../docs/console");
const dir = tmpDir();
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
fs.mkdirSync(out, { recursive: true });

const file = path.join(dir, "ledger.db");
const t = await trainedLedger(file);
// A creation that waits for an overseer: the review queue's pending item.
const waiting = t.idle
  .spawn(
    spawnSpecFrom(testSpec({ name: "planner", kind: "tree-search", maxSteps: 1000 }), { name: "planner" }),
    {
      key: generateSignerKey("planner"),
      waitMs: 600_000,
    },
  )
  .catch((e: unknown) => e);
for (
  let i = 0;
  i < 200 &&
  ![...t.ledger.state.requests.values()].some((r) => t.ledger.state.requestStatus(r) === "pending");
  i++
) {
  await new Promise((r) => setTimeout(r, 20));
  await t.ledger.refresh();
}

const witnessKey = withType(generateSignerKey("witness-1"), ALG_COSIGNATURE_V1);
const record = path.join(dir, "witness-1.record");
WitnessRecord.create(record, witnessKey);
const witness = await listen(
  createWitnessServer({
    key: witnessKey,
    record: () => WitnessRecord.open(record, witnessKey),
    logs: [{ origin: t.logKey.name, keys: [t.logKey] }],
    logLine: () => undefined,
  }),
  { host: "127.0.0.1", port: 0 },
);
const served = await serveLedger(file, t.logKey, [{ url: witness.url, key: witnessKey }]);
await served.server.checkpoint();

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const shot = async (name: string, fullPage = false) => {
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage });
    console.log(`wrote docs/console/${name}.png`);
  };

  await page.goto(`${served.url}/console/#/graph`);
  await page.locator("g.node").first().waitFor();
  await page.locator(".badge").first().waitFor({ timeout: 60_000 });
  await shot("graph");

  await page.goto(`${served.url}/console/#/optimizer/${encodeURIComponent(t.gaming)}`);
  await page.locator("#episode-plot svg g.alarm").first().waitFor({ timeout: 60_000 });
  // The whole page: the explanation above, the plot and the findings below it.
  await shot("optimizer", true);

  await page.goto(`${served.url}/console/#/review`);
  await page.locator("details.signer").evaluate((d) => {
    (d as HTMLDetailsElement).open = true;
  });
  await page.locator("#key-text").fill(formatSignerKey(t.bob));
  await page.locator("#key-load").click();
  await page.locator(".signer-status strong", { hasText: "bob" }).waitFor();
  const pending = page.locator('li[data-status="pending"]').first();
  await pending.locator("input[type=text]").fill("bounded search, reviewed");
  await shot("review");

  await page.goto(`${served.url}/console/#/accountability`);
  await page.locator('#witness-status[data-state="cosigned"]').waitFor();
  await page.locator("#verify-status").waitFor({ timeout: 60_000 });
  await shot("accountability");
} finally {
  await browser.close();
  await served.close();
  await witness.close();
  await t.ledger.close();
}
// The planner's spawn is still waiting for its approval; it is not part of the pictures.
void waiting;
process.exit(0);
