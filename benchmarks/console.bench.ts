/**
 * npm run bench:console [-- --nodes 1000 --runs 5]
 *
 * First paint of the console's provenance graph with 1,000 optimizers: a ledger written through
 * the SDK (one root, 40 trainers, 24 planners under each: 1,001 nodes and 1,000 creator edges),
 * served by `createServer` on a socket, opened in Debian's chromium. Each run is a fresh page; the
 * page's own performance marks are read back: `console:start` (the bundle loaded),
 * `console:graph-painted` (from navigation start: the bundle loaded, three reads answered, elkjs
 * layout in its worker and the SVG drawn), the layout alone (`console:layout-start` to
 * `console:layout-end`), and when the last of the three reads was answered (resource timing). Goal: first paint under 2 s. Saves a
 * screenshot to docs/console/graph-1000.png. Prints a table; asserts nothing. By default the server
 * has settled first (read models built, its background verify done); `--cold` opens the page as
 * soon as the server listens.
 *
 * Built on the public surface only (optprov, optprov/sdk, optprov/ledger, optprov/server) and
 * playwright-core: it serves the built package's console, `dist/console/`, which `npm run
 * bench:console` builds first (run by hand, build first: `npm run build`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSignerKey, ledgerRules, SqliteStore } from "optprov";
import { Log } from "optprov/ledger";
import { openLedger } from "optprov/sdk";
import { createServer, listen } from "optprov/server";
import { chromium } from "playwright-core";
import { fmt, median, table } from "./report.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const NODES = arg("nodes", 1000);
const RUNS = arg("runs", 5);
const TRAINERS = 40;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!fs.existsSync(CHROMIUM))
  throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium, or set CHROMIUM`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-console-bench-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

console.log(
  `optprov console benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}, Node ${process.version}`,
);
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);

const file = path.join(dir, "ledger.db");
const logKey = generateSignerKey("log.console.bench");
const ledger = await openLedger({ path: file, logKey });
const root = await ledger.root({ name: "alice", key: generateSignerKey("alice") });
const built = performance.now();
const perTrainer = Math.ceil((NODES - TRAINERS) / TRAINERS);
let made = 0;
for (let t = 0; t < TRAINERS && made < NODES; t++) {
  const trainer = await root.spawn({
    name: `trainer-${t}`,
    process: { kind: "q-learning", budget: { maxSteps: 1000 }, mayCreate: ["tree-search"] },
  });
  made++;
  for (let c = 0; c < perTrainer && made < NODES; c++, made++)
    await trainer.spawn({
      name: `planner-${t}-${c}`,
      process: { kind: "tree-search", budget: { maxSteps: 100 } },
    });
}
console.log(`ledger of ${made} optimizers written in ${fmt((performance.now() - built) / 1000, 1)} s`);

// The server over its own `Log` of the same file, as `optprov serve` runs beside a builder's process.
const log = await Log.open(SqliteStore.open(file), { logKey, rules: ledgerRules() });
const server = createServer({
  log,
  checkpointDelayMs: 50,
  logLine: () => undefined,
  limits: { rate: false },
});
const served = await listen(server, { host: "127.0.0.1", port: 0 });
if (!(await fetch(`${served.url}/console/`)).ok)
  throw new Error(`${served.url}/console/ is not served: build the console first (npm run build)`);
// Measured on a settled server: its read models built and its background verification of the
// ledger done, as a console opened on a running server finds it. A server still replaying the
// ledger at start shares the two cores with the browser; `--cold` measures that case instead.
const cold = process.argv.includes("--cold");
if (!cold) {
  await server.ready();
  for (let i = 0; i < 600; i++) {
    const f = (await (await fetch(`${served.url}/v1/findings`)).json()) as { verifying?: boolean };
    if (f.verifying !== true) break;
    await new Promise((done) => setTimeout(done, 100));
  }
}
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--headless=new"],
});
const rows: (string | number)[][] = [];
const paints: number[] = [];
const layouts: number[] = [];
try {
  for (let r = 0; r < RUNS; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${served.url}/console/#/graph`);
    await page.waitForFunction(
      () => performance.getEntriesByName("console:graph-painted").length > 0,
      undefined,
      {
        timeout: 60_000,
      },
    );
    // One frame after the mark: what the browser has put on screen.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(undefined))));
    // A string, not a function: tsx's name helpers do not exist in the page.
    const m = (await page.evaluate(`(() => {
      const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
      return {
        paint: at("console:graph-painted"),
        layoutStart: at("console:layout-start"),
        layout: at("console:layout-end") - at("console:layout-start"),
        start: at("console:start"),
        reads: Math.max(...performance.getEntriesByType("resource")
          .filter((r) => ["/v1/tree", "/v1/optimizers", "/v1/review"].includes(new URL(r.name).pathname))
          .map((r) => r.responseEnd)),
        nodes: document.querySelectorAll("g.node").length,
      };
    })()`)) as {
      paint: number;
      layoutStart: number;
      layout: number;
      start: number;
      reads: number;
      nodes: number;
    };
    paints.push(m.paint);
    layouts.push(m.layout);
    rows.push([r + 1, m.nodes, fmt(m.start), fmt(m.reads), fmt(m.layoutStart), fmt(m.layout), fmt(m.paint)]);
    if (r === RUNS - 1) {
      fs.mkdirSync(path.resolve(import.meta.dirname, "../docs/console"), { recursive: true });
      await page.screenshot({ path: path.resolve(import.meta.dirname, "../docs/console/graph-1000.png") });
    }
    await page.close();
  }
} finally {
  await browser.close();
  await served.close();
  await server.close();
  await log.close();
  await ledger.close();
}
table(
  `console first paint, ${made} optimizers + 1 root (ms from navigation start; ${cold ? "server just started" : "settled server"})`,
  [
    "run",
    "nodes drawn",
    "script started",
    "reads answered",
    "layout started",
    "elkjs layout",
    "graph painted",
  ],
  rows,
);
const m = median(paints);
console.log(
  `median first paint ${fmt(m)} ms (layout ${fmt(median(layouts))} ms): ${m < 2000 ? "under" : "OVER"} the 2 s goal`,
);
