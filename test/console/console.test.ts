/**
 * The console in a real browser against a real server: Debian's chromium (playwright-core) opens
 * `/console/` served by `createServer` over a SQLite ledger the SDK wrote (a root, an overseer, a
 * trainer, a planner waiting for approval). The graph shows every optimizer; an approval signed in
 * the page lets the waiting spawn complete; a key that is not an overseer's is refused with the
 * log's code; a halt signed in the page stops a running loop; a flipped byte in the SQLite file
 * shows as a failing verify. (`npm run console:screenshots` makes the docs' pictures.)
 */
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPolicy } from "../../src/control/test-support/policy-fixture.js";
import { testSpec } from "../../src/control/test-support/specs.js";
import { HaltedError } from "../../src/errors.js";
import { formatSignerKey, generateSignerKey } from "../../src/ledger/keys.js";
import { verifyInclusion } from "../../src/ledger/merkle.js";
import { spawnSpecFrom } from "../../src/sdk/from-spec.js";
import { type Ledger, openLedger } from "../../src/sdk/ledger.js";
import type { Optimizer } from "../../src/sdk/optimizer.js";
import { launch, type Served, serveLedger, tmpDir } from "./support/fixture.js";

const dir = tmpDir();
const file = path.join(dir, "ledger.db");
const logKey = generateSignerKey("log.console.test");
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const mallory = generateSignerKey("mallory");
const mctsKey = generateSignerKey("planner");

let ledger: Ledger;
let served: Served;
let browser: Browser;
let page: Page;
let trainer: Optimizer;
let waiting: Promise<Optimizer | unknown>;

async function useKey(key: string) {
  await page.locator("details.signer").evaluate((d) => {
    (d as HTMLDetailsElement).open = true;
  });
  await page.locator("#key-text").fill(key);
  await page.locator("#key-load").click();
}

beforeAll(async () => {
  ledger = await openLedger({ path: file, logKey, pollMs: 10 });
  const root = await ledger.root({ name: "alice", key: alice });
  await ledger.actor("bob", bob, "overseer");
  await ledger.actor("mallory", mallory, "person");
  await ledger.setPolicy(
    testPolicy({
      rules: [
        { creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" },
        { creator: { process: "q-learning" }, mayCreate: ["tree-search"], approval: "required" },
      ],
    }),
    alice,
  );
  trainer = await root.spawn(
    spawnSpecFrom(
      testSpec({ name: "trainer", kind: "q-learning", maxSteps: 100_000, mayCreate: ["tree-search"] }),
      {
        name: "trainer",
      },
    ),
  );
  // The planner's creation needs an overseer: its spawn waits for an approval.
  waiting = trainer
    .spawn(
      spawnSpecFrom(testSpec({ name: "planner", kind: "tree-search", maxSteps: 1000 }), { name: "planner" }),
      {
        key: mctsKey,
        waitMs: 50_000,
      },
    )
    .catch((e: unknown) => e);
  for (let i = 0; i < 200 && ledger.state.requests.size === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await ledger.refresh();
  }
  served = await serveLedger(file, logKey);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (err) => {
    throw err;
  });
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await ledger?.close();
});

describe("the console in chromium", () => {
  it("draws every optimizer, every root and the pending request, with their status", async () => {
    await page.goto(`${served.url}/console/#/graph`);
    await page.locator("g.node").first().waitFor();
    const nodes = await page
      .locator("g.node")
      .evaluateAll((gs) =>
        gs.map((g) => [g.getAttribute("data-id"), g.getAttribute("data-status"), g.textContent]),
      );
    const byId = new Map(nodes.map(([id, st]) => [id, st]));
    for (const o of ledger.state.optimizers.values()) expect(byId.get(o.name)).toBe("running");
    expect(byId.get("alice")).toBe("actor");
    expect(byId.get("bob")).toBe("actor");
    const request = [...ledger.state.requests.values()][0]!;
    expect(byId.get(`request:${request.index}`)).toBe("pending");
    expect(
      await page.locator(`g.node[data-id="request:${request.index}"]`).getAttribute("aria-label"),
    ).toContain("0 of 1 approvals");
    // Filtering by status hides the others.
    await page.locator('input[data-status="running"]').uncheck();
    expect(await page.locator('g.node[data-id="trainer"]').isVisible()).toBe(false);
    await page.locator('input[data-status="running"]').check();
    expect(await page.locator('g.node[data-id="trainer"]').isVisible()).toBe(true);
    // Enter on a focused node opens its page.
    await page.locator('g.node[data-id="trainer"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/optimizer\/trainer$/);
    await page.locator(".chain").waitFor();
    expect(await page.locator(".chain").textContent()).toContain("alice");
    await page.locator(".parts").waitFor();
  });

  it("shows an optimizer's world model as tables, its objective, and its process with its budget", async () => {
    await page.goto(`${served.url}/console/#/optimizer/trainer`);
    await page.locator("table.wm-variables").waitFor();
    expect(await page.locator("#wm-title").textContent()).toContain("a small world");
    const variables = await page
      .locator("table.wm-variables tbody tr")
      .evaluateAll((rs) => rs.map((r) => Array.from(r.children, (c) => c.textContent)));
    expect(variables).toEqual([
      ["state", "s0, s1, s2", "state"],
      ["action", "left, right", "decision"],
      ["reward", "whole number 0 to 4", "reward"],
    ]);
    const reward = page.locator('table.wm-local[data-model="reward"]');
    expect(await reward.locator("thead th").allTextContents()).toEqual(["state", "action", "reward"]);
    expect(await reward.locator("tbody tr").count()).toBe(6);
    expect(await reward.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "s0",
      "left",
      "0",
    ]);
    const parts = await page.locator(".parts").textContent();
    expect(parts).toContain("What it optimizes");
    expect(parts).toMatch(/budget/i);
    // Long words (digests, URIs) break inside their box.
    const overflow = await page
      .locator(".part")
      .evaluateAll((ps) => ps.filter((p) => p.scrollWidth > p.clientWidth + 1).length);
    expect(overflow).toBe(0);
  });

  it("is usable from the keyboard: arrow keys pan, + zooms, a focused node is brought into view, Space opens it", async () => {
    await page.goto(`${served.url}/console/#/graph`);
    await page.locator("g.node").first().waitFor();
    const canvas = page.locator("svg.graph");
    const transform = () => page.locator("svg.graph > g").getAttribute("transform");
    await canvas.focus();
    const before = await transform();
    await page.keyboard.press("ArrowLeft");
    expect(await transform()).not.toBe(before);
    for (let i = 0; i < 8; i++) await page.keyboard.press("+");
    expect(await transform()).toContain("scale(4)");
    const frame = (await canvas.boundingBox())!;
    for (const id of ["alice", "trainer", "bob"]) {
      await page.locator(`g.node[data-id="${id}"]`).focus();
      const box = (await page.locator(`g.node[data-id="${id}"] rect`).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(frame.x);
      expect(box.y).toBeGreaterThanOrEqual(frame.y);
      expect(box.x + box.width).toBeLessThanOrEqual(frame.x + frame.width);
      expect(box.y + box.height).toBeLessThanOrEqual(frame.y + frame.height);
    }
    await page.locator('g.node[data-id="trainer"]').focus();
    await page.keyboard.press(" ");
    await page.waitForURL(/#\/optimizer\/trainer$/);
  });

  it("lays the graph out in a worker, and says so with a code when the worker cannot load", async () => {
    const other = await browser.newPage();
    try {
      const workers: string[] = [];
      other.on("worker", (w) => workers.push(w.url()));
      await other.goto(`${served.url}/console/#/graph`);
      await other.locator("g.node").first().waitFor();
      expect(workers.some((u) => u.endsWith("/console/elk-worker.js"))).toBe(true);
      await other.route("**/elk-worker.js", (r) => r.fulfill({ status: 404, body: "" }));
      await other.reload();
      await other.locator(".graph-page .error").waitFor();
      expect(await other.locator(".graph-page .error .code").textContent()).toBe("LAYOUT");
      // Once the worker can load again, the next drawing starts a new one.
      await other.unroute("**/elk-worker.js");
      await other.evaluate(() => {
        location.hash = "#/review";
      });
      await other.locator("#review-title").waitFor();
      await other.evaluate(() => {
        location.hash = "#/graph";
      });
      await other.locator("g.node").first().waitFor();
    } finally {
      await other.close();
    }
  });

  it("refuses an approval signed by a key that is not an overseer's, with the log's code", async () => {
    const size = await served.log.store.size();
    const request = [...ledger.state.requests.values()][0]!;
    await page.goto(`${served.url}/console/#/review`);
    await useKey(formatSignerKey(mallory));
    await page.locator(".signer-status strong", { hasText: "mallory" }).waitFor();
    const item = page.locator(`li[data-index="${request.index}"]`);
    await item.locator("button.approve").click();
    const code = await item.locator(".error .code").textContent();
    expect(code).toBe("CONTROL_APPROVER_NOT_OVERSEER");
    expect(await served.log.store.size()).toBe(size);
  });

  it("an approval signed in the page lets the waiting spawn complete", async () => {
    const request = [...ledger.state.requests.values()][0]!;
    await page.goto(`${served.url}/console/#/review`);
    await useKey(formatSignerKey(bob));
    await page.locator(".signer-status strong", { hasText: "bob" }).waitFor();
    const item = page.locator(`li[data-index="${request.index}"]`);
    await item.locator("input[type=text]").fill("bounded search, reviewed");
    await item.locator("button.approve").click();
    await page.locator("#flash .ok").waitFor();
    const child = (await waiting) as Optimizer;
    expect(child.name).toBe("planner");
    await ledger.refresh();
    expect(ledger.state.optimizers.get("planner")).toMatchObject({
      creator: "trainer",
      request: request.index,
    });
    expect(["approved", "fulfilled"]).toContain(
      ledger.state.requestStatus(ledger.state.requests.get(request.index)!),
    );
    // The page sees the log grow and redraws: the queue shows the item settled.
    await page
      .locator(`li[data-index="${request.index}"]:not([data-status="pending"])`)
      .waitFor({ timeout: 10_000 });
  });

  it("a halt signed in the page stops a running loop", async () => {
    let steps = 0;
    const loop = trainer.run(async (ctx) => {
      for (;;) {
        ctx.step();
        steps++;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    const stopped = loop.then(
      () => undefined,
      (e: unknown) => e,
    );
    await page.goto(`${served.url}/console/#/optimizer/trainer`);
    await page.locator("button.halt-button").waitFor();
    await page.locator(".actions.halt input[type=text]").fill("console test");
    await page.locator("button.halt-button").click();
    await page.locator("#flash .ok").waitFor();
    expect(await stopped).toBeInstanceOf(HaltedError);
    expect(steps).toBeGreaterThan(0);
    await page.goto(`${served.url}/console/#/graph`);
    await page.locator('g.node[data-id="trainer"][data-status="halted"]').waitFor();
    // The planner bob approved in the page says so on the graph.
    const planner = page.locator('g.node[data-id="planner"]');
    expect(await planner.getAttribute("data-approved-by")).toBe("bob");
    expect(await planner.getAttribute("aria-label")).toContain("approved by bob");
  });

  it("shows entries as they arrive, without a loading flash, keeping the viewport and the focused node", async () => {
    const live = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await live.goto(`${served.url}/console/?poll=200#/graph`);
      await live.locator('g.node[data-id="trainer"]').waitFor();
      await live.locator("svg.graph").focus();
      await live.keyboard.press("ArrowUp");
      await live.keyboard.press("-");
      await live.locator('g.node[data-id="trainer"]').focus();
      const transform = await live.locator("svg.graph > g").getAttribute("transform");
      await live.evaluate(() => {
        const w = window as unknown as { flashed: boolean };
        w.flashed = false;
        new MutationObserver(() => {
          if (document.querySelector("main .loading")) w.flashed = true;
        }).observe(document.querySelector("main")!, { childList: true, subtree: true });
      });
      await ledger.actor("carol", generateSignerKey("carol"), "person");
      await live.locator('g.node[data-id="carol"]').waitFor({ timeout: 10_000 });
      expect(await live.locator("svg.graph > g").getAttribute("transform")).toBe(transform);
      expect(await live.evaluate(() => document.activeElement?.getAttribute("data-id"))).toBe("trainer");
      expect(await live.evaluate(() => (window as unknown as { flashed: boolean }).flashed)).toBe(false);
    } finally {
      await live.close();
    }
  });

  it("shows the checkpoint, and a flipped byte in the SQLite file as failing verify", async () => {
    const cp = await served.server.checkpoint();
    await page.goto(`${served.url}/console/#/accountability`);
    // The server verifies in the background; the page asks again until it is done.
    await page.locator('#verify-status[data-ok="true"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#verify-status").getAttribute("data-ok")).toBe("true");
    expect(Number(await page.locator("#cp-size").textContent())).toBe(cp?.size);
    await page.locator("#proof-index").fill("1");
    const download = page.waitForEvent("download");
    await page.locator("button[type=submit]").click();
    const proof = JSON.parse(
      await (await (await download).createReadStream())
        .toArray()
        .then((b) => Buffer.concat(b).toString("utf8")),
    );
    expect(proof.index).toBe(1);
    const decode = (b: string) => new Uint8Array(Buffer.from(b, "base64"));
    expect(() =>
      verifyInclusion(1, proof.size, decode(proof.leafHash), proof.proof.map(decode), decode(proof.root)),
    ).not.toThrow();

    // Behind the log's back: one byte of entry 1's envelope flipped in the file.
    const db = new Database(file);
    const row = db.prepare("SELECT envelope FROM entries WHERE idx = 1").get() as { envelope: Buffer };
    const bytes = Buffer.from(row.envelope);
    const at = bytes.indexOf(Buffer.from('"payload":"')) + 40;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    db.prepare("UPDATE entries SET envelope = ? WHERE idx = 1").run(bytes);
    db.close();
    // An entry after it, so the server audits the ledger again.
    await ledger.append("note", { actor: "alice", text: "after the flip" }, alice);
    await page.reload();
    await page.locator('#verify-status[data-ok="false"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#verify-status .code").textContent()).toMatch(/^[A-Z_]+$/);
  });
});
