/**
 * The optimizer page's plot and the accountability page's witnesses in a real browser (Debian's
 * chromium through playwright-core) against a real server over a gridworld ledger the SDK wrote:
 * on boat-race, where the trainer's proxy (laps scored by revisiting a goal tile) and the
 * environment's intended measure come apart, the plot draws both series and marks the Goodhart
 * alarm at the episode its finding names; on the R = P control it draws both and marks none; an
 * optimizer without episodes and one nobody reports on read as such. A real witness served over a
 * socket cosigns a checkpoint the server pushes to it, and the page names it and its key id.
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALG_COSIGNATURE_V1, generateSignerKey, withType } from "../../src/ledger/keys.js";
import { audit } from "../../src/oversight/audit.js";
import type { Finding } from "../../src/oversight/detectors/finding.js";
import { cosignLatest } from "../../src/oversight/witness.js";
import { WitnessRecord } from "../../src/oversight/witness-record.js";
import { type Listening, listen } from "../../src/server/listen.js";
import { createWitnessServer } from "../../src/server/witness-app.js";
import { launch, type Served, serveLedger, tmpDir } from "./support/fixture.js";
import { type TrainedLedger, trainedLedger } from "./support/trained-ledger.js";

const dir = tmpDir();
const witnessKey = withType(generateSignerKey("witness-1"), ALG_COSIGNATURE_V1);
const strayKey = withType(generateSignerKey("witness-stray"), ALG_COSIGNATURE_V1);
const hex = (k: { keyId: Uint8Array }) => Buffer.from(k.keyId).toString("hex");

let t: TrainedLedger;
let findings: readonly Finding[];
let witness: Listening;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  t = await trainedLedger(path.join(dir, "ledger.db"));
  findings = (await audit(t.ledger.log.store)).findings;
  // A checkpoint before the server starts, so the page first sees one nobody has cosigned.
  await t.ledger.log.checkpoint();
  const record = path.join(dir, "witness-1.record");
  WitnessRecord.create(record, witnessKey);
  witness = await listen(
    createWitnessServer({
      key: witnessKey,
      record: () => WitnessRecord.open(record, witnessKey),
      logs: [{ origin: t.logKey.name, keys: [t.logKey] }],
      logLine: () => undefined,
    }),
    { host: "127.0.0.1", port: 0 },
  );
  served = await serveLedger(path.join(dir, "ledger.db"), t.logKey, [{ url: witness.url, key: witnessKey }]);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (err) => {
    throw err;
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await witness?.close();
  await t?.ledger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Open an optimizer's page and wait for its plot (or its empty state). */
async function openPlot(name: string) {
  await page.goto(`${served.url}/console/#/optimizer/${encodeURIComponent(name)}`);
  await page.locator("#episode-plot .plot").waitFor({ timeout: 30_000 });
  return page.locator("#episode-plot .plot");
}

/** The episode at horizontal position `px` of the plot, read off the x axis's own tick labels. */
async function episodeAt(px: number): Promise<number> {
  const ticks = await page
    .locator("svg.episode-plot .plot-grid text[text-anchor=middle]")
    .evaluateAll((ts) => ts.map((e) => [Number(e.getAttribute("x")), Number(e.textContent)] as const));
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  const [x0, e0] = ticks[0]!;
  const [x1, e1] = ticks[ticks.length - 1]!;
  return e0 + ((px - x0) * (e1 - e0)) / (x1 - x0);
}

describe("the graph's severity filter", () => {
  it("shows only the optimizers with a finding at least as severe as the one chosen", async () => {
    await page.goto(`${served.url}/console/#/graph`);
    await page.locator("g.node .badge").first().waitFor({ timeout: 60_000 });
    const rank = ["critical", "high", "medium", "low"];
    const worst = new Map<string, number>();
    for (const f of findings)
      if (f.optimizer !== undefined)
        worst.set(f.optimizer, Math.min(worst.get(f.optimizer) ?? 9, rank.indexOf(f.severity)));
    expect(worst.get(t.gaming)).toBeDefined();
    const ids = await page.locator("g.node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-id")!));
    const select = page.locator('select[aria-label="minimum finding severity"]');
    for (const [i, level] of rank.entries()) {
      await select.selectOption(level);
      const shown = await page
        .locator("g.node:not(.hidden)")
        .evaluateAll((gs) => gs.map((g) => g.getAttribute("data-id")!));
      expect(shown.sort()).toEqual(ids.filter((id) => (worst.get(id) ?? 9) <= i).sort());
    }
    expect(await page.locator(`g.node[data-id="${t.gaming}"]`).isVisible()).toBe(true);
    await select.selectOption("any");
  });
});

describe("the optimizer page's plot", () => {
  it("draws the diverging trainer's proxy and intended measure, with the alarm at the finding's episode", async () => {
    const goodhart = findings.filter((f) => f.detector === "goodhart" && f.optimizer === t.gaming);
    expect(goodhart.length).toBeGreaterThan(0);
    const episodes = [...new Set(goodhart.map((f) => f.firstAt!.episode!))].sort((a, b) => a - b);
    const plot = await openPlot(t.gaming);
    expect(await plot.getAttribute("data-state")).toBe("plotted");
    for (const series of ["proxy", "intended"]) {
      const d = await page.locator(`g.series-${series} path`).getAttribute("d");
      // One unbroken line through 300 episodes.
      expect(d?.match(/L/g)?.length).toBe(299);
    }
    const alarms = page.locator("svg.episode-plot g.alarm");
    expect(await alarms.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-episode"))))).toEqual(
      episodes,
    );
    const first = goodhart.find((f) => f.firstAt!.episode === episodes[0])!;
    expect(await alarms.first().getAttribute("data-code")).toBe(first.code);
    // Drawn where that episode is on the x axis.
    const x = Number(await alarms.first().locator("line").getAttribute("x1"));
    expect(Math.abs((await episodeAt(x)) - episodes[0]!)).toBeLessThan(0.5);
    // For people who do not see the plot: a title, a description and a table.
    expect(await page.locator("svg.episode-plot > title").textContent()).toContain(t.gaming);
    expect(await page.locator("svg.episode-plot > desc").textContent()).toContain(
      `first fired at episode ${episodes[0]}`,
    );
    expect(await page.locator(".plot-summary").textContent()).toContain("300 episodes");
    await page.locator(".plot-table summary").click();
    expect(await page.locator(".plot-table tbody tr").count()).toBe(300);
    const row = page.locator(".plot-table tbody tr", { has: page.locator(`th:text-is("${episodes[0]}")`) });
    expect(await row.locator("td").last().textContent()).toContain(first.code);
  });

  it("keeps the alarms' labels apart when alarms fire a few episodes apart", async () => {
    await openPlot(t.gaming);
    const boxes = await page.locator("svg.episode-plot .alarm text").evaluateAll((ts) =>
      ts.map((t) => {
        const r = t.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom] as const;
      }),
    );
    expect(boxes.length).toBeGreaterThan(0);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1))
        expect(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1]).toBe(true);
  });

  it("draws the R = P control's two series with no alarm marker", async () => {
    expect(findings.filter((f) => f.detector === "goodhart" && f.optimizer === t.control)).toEqual([]);
    const plot = await openPlot(t.control);
    expect(await plot.getAttribute("data-state")).toBe("plotted");
    expect(await page.locator("g.series-proxy path").getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.locator("g.series-intended path").getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.locator("svg.episode-plot g.alarm").count()).toBe(0);
    expect(await page.locator(".plot-summary").textContent()).toContain("raised no alarm");
  });

  it("says so when an optimizer recorded no episodes, and when nobody reports its intended measure", async () => {
    const empty = await openPlot(t.idle.name);
    expect(await empty.getAttribute("data-state")).toBe("empty");
    expect(await empty.textContent()).toContain("No episodes recorded");
    expect(await page.locator("svg.episode-plot").count()).toBe(0);

    const alone = await openPlot(t.unobserved);
    expect(await alone.getAttribute("data-state")).toBe("no-intended");
    expect(await page.locator("g.series-proxy path").count()).toBe(1);
    expect(await page.locator("g.series-intended").count()).toBe(0);
    expect(await page.locator(".plot-summary").textContent()).toContain("No intended measure was reported");
    expect(await page.locator(".plot-legend").textContent()).toContain("reported by nobody");
  });
});

describe("the accountability page's witnesses", () => {
  it("says no witness has cosigned, then names the witnesses that did, by name and key id", async () => {
    await page.goto(`${served.url}/console/#/accountability`);
    const status = page.locator("#witness-status");
    await status.waitFor();
    expect(await status.getAttribute("data-state")).toBe("none");
    expect(await status.textContent()).toContain("No witness has cosigned the latest checkpoint");
    expect(await page.locator("#witness-missing").textContent()).toContain(
      `witness-1 (key id ${hex(witnessKey)}`,
    );

    // The server pushes its checkpoint to the witness it is configured with, which cosigns it over
    // HTTP; a second witness, which this server does not ask, cosigns from beside the log.
    const cp = await served.server.checkpoint();
    expect(cp?.cosignatures.length).toBe(1);
    const strayRecord = path.join(dir, "stray.record");
    await cosignLatest(served.log, strayKey, WitnessRecord.create(strayRecord, strayKey));

    await page.reload();
    await page.locator('#witness-status[data-state="cosigned"]').waitFor();
    const rows = await page
      .locator("li.witness")
      .evaluateAll((ls) =>
        ls.map((l) => [
          l.querySelector(".witness-name")?.textContent,
          l.querySelector(".witness-key-id")?.textContent,
          l.getAttribute("data-pinned"),
          l.getAttribute("data-verified"),
        ]),
      );
    expect(rows).toEqual([
      ["witness-1", hex(witnessKey), "true", "true"],
      ["witness-stray", hex(strayKey), "false", "true"],
    ]);
    expect(await page.locator('li.witness[data-name="witness-stray"]').textContent()).toContain("not pinned");
    expect(await page.locator("#witness-missing").count()).toBe(0);
  });
});
