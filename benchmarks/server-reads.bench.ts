/**
 * npm run bench:server-reads [-- --quick]   (builds first; imports only what the package exports)
 *
 * How fast `optprov serve` answers its reads on a large ledger: explain (several optimizers),
 * tree, the review queue and the optimizer list over real HTTP on loopback, and findings.
 *
 * 1. A child process builds the ledger (1,000,000 entries; 100,000 with --quick) in a SQLite file:
 *    through the SDK, an organisation, an overseer and an environment, a policy, 20 trainers that
 *    create 14 optimizers each (300 in all), creation requests (pending and approved), halts and a
 *    pending resume; then, signed on the worker pool as benchmarks/scale.bench.ts does, a mix of
 *    step batches (70%: 20 steps each, one episode a batch, loss/episode/reward/R and params),
 *    notes (20%) and the environment's per-episode intended measure for the trainers (10%).
 * 2. This process opens the ledger as `optprov serve` does (the log's replay, then the read
 *    models' rebuild: the findings detectors' own replay), timed, and serves it with `listen`.
 * 3. Each read is asked 20 times to warm up, then 200 times in turn, in three conditions: with the
 *    log still; with one signed note appended over HTTP before every request (untimed), which
 *    changes no answer, so the server only reads the note back to learn that; and with one signed
 *    observation that names no optimizer appended before every request, which the read models
 *    cannot place (`src/server/answer-scope.ts`), so every answer is made afresh from the control
 *    state: what an append that changes an answer costs its first reader.
 *
 * Prints p50/p95/max in ms, the startup times and the peak RSS of this (the server's) process.
 * `--ledger FILE` keeps the built ledger in FILE, and reuses it when FILE already exists (so a
 * before/after comparison reads the same ledger and skips the build).
 * The goal: p95 under 50 ms for explain, tree and the queue at 1,000,000 entries.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatVerifierKey, generateSignerKey, ledgerRules, type SignerKey, SqliteStore } from "optprov";
import { assembleEntry, Log, payloadPae, signEntry, statementPayload, WorkerPool } from "optprov/ledger";
import { openLedger } from "optprov/sdk";
import { createServer, listen } from "optprov/server";
import { fmt, pct, table } from "./report.js";

const TRAINERS = 20;
const CHILDREN = 14;
const STEPS_PER_BATCH = 20;

// --- the builder (a child process, so the server's peak RSS is its own) ----------------------------
if (process.argv[2] === "--build") {
  await build(process.argv[3]!, Number(process.argv[4]));
  process.exit(0);
}

async function build(file: string, target: number): Promise<void> {
  const ledger = await openLedger({ path: file, logKey: generateSignerKey("bench.server-reads") });
  const labKey = generateSignerKey("lab");
  const bob = generateSignerKey("bob");
  const env = generateSignerKey("environment");
  const lab = await ledger.root({ name: "lab", key: labKey, role: "organisation" });
  await ledger.actor("bob", bob, "overseer");
  await ledger.actor("environment", env, "system");
  await ledger.setPolicy(
    {
      version: 1,
      name: "bench",
      owner: "lab",
      mode: "enforce",
      expires: "2099-01-01T00:00:00Z",
      overseers: ["bob"],
      approvals: 1,
      maxDepth: 4,
      legibility: {},
      objective: { explicitOnly: false, forbiddenTags: ["oversight"] },
      rules: [
        { creator: { name: "lab" }, mayCreate: ["q-learning", "best-of-n"], approval: "automatic" },
        { creator: { process: "q-learning" }, mayCreate: ["gradient-descent"], approval: "automatic" },
        { creator: { process: "best-of-n" }, mayCreate: ["tree-search"], approval: "required" },
      ],
      detectors: [],
    },
    labKey,
  );
  const keys = new Map<string, SignerKey>();
  const trainers: string[] = [];
  const running: string[] = [];
  for (let t = 0; t < TRAINERS; t++) {
    const trainer = await lab.spawn({
      name: `trainer-${t}`,
      process: { kind: "q-learning", params: { alpha: 0.1, epsilon: 0.1 }, mayCreate: ["gradient-descent"] },
    });
    keys.set(trainer.name, trainer.key);
    trainers.push(trainer.name);
    running.push(trainer.name);
    for (let c = 0; c < CHILDREN; c++) {
      const child = await trainer.spawn({
        name: `trainer-${t}-model-${c}`,
        process: { kind: "gradient-descent", params: { lr: 0.01 } },
      });
      keys.set(child.name, child.key);
      running.push(child.name);
    }
  }
  // Searches whose planners need an overseer: two approved (and made), two left pending.
  for (let t = 0; t < 4; t++) {
    const search = await lab.spawn({
      name: `search-${t}`,
      process: { kind: "best-of-n", mayCreate: ["tree-search"] },
    });
    keys.set(search.name, search.key);
    running.push(search.name);
    const planner = `search-${t}-planner`;
    const key = generateSignerKey(planner);
    await search.spawn({ name: planner, process: { kind: "tree-search" } }, { key }).catch(() => undefined);
    if (t < 2) {
      const request = [...ledger.state.requests.values()].find((r) => r.optimizer.name === planner)!;
      await ledger.review(request.index, bob, "approve", "planner looks fine");
      const made = await search.spawn({ name: planner, process: { kind: "tree-search" } }, { key });
      keys.set(made.name, made.key);
      running.push(made.name);
    }
  }
  // Halts: three models, one of them with a resume asked for and not yet approved.
  for (const name of ["trainer-5-model-0", "trainer-6-model-1", "trainer-7-model-2"]) {
    await ledger.halt(name, labKey, { reason: "loss diverged" });
    running.splice(running.indexOf(name), 1);
  }
  await ledger.requestResume("trainer-5-model-0", labKey, "fixed the learning rate");
  const log = ledger.log;
  const pool = new WorkerPool();
  const step = new Map<string, number>();
  const episode = new Map<string, number>();
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  while (log.size < target) {
    const time = new Date().toISOString();
    const count = Math.min(2000, target - log.size);
    const items: { signer: SignerKey; payload: Uint8Array; pae: Uint8Array }[] = [];
    for (let i = 0; i < count; i++) {
      const r = random();
      let signer: SignerKey;
      let payload: Uint8Array;
      if (r < 0.7) {
        const actor = running[Math.floor(random() * running.length)]!;
        signer = keys.get(actor)!;
        const first = step.get(actor) ?? 0;
        const ep = episode.get(actor) ?? 0;
        step.set(actor, first + STEPS_PER_BATCH);
        episode.set(actor, ep + 1);
        const n = STEPS_PER_BATCH;
        payload = statementPayload("step-batch", {
          actor,
          time,
          log: log.origin,
          firstStep: first,
          steps: {
            count: n,
            metrics: {
              loss: Array.from({ length: n }, (_, k) => 1 / (first + k + 1)),
              episode: Array.from({ length: n }, () => ep),
              reward: Array.from({ length: n }, (_, k) => (k % 3 === 0 ? 1 : 0)),
              R: Array.from({ length: n }, (_, k) => Math.floor((k + 1) / 3)),
            },
          },
          params: actor.includes("model") ? { lr: 0.01 } : { alpha: 0.1, epsilon: 0.1 },
        });
      } else if (r < 0.9) {
        signer = labKey;
        payload = statementPayload("note", {
          actor: "lab",
          time,
          log: log.origin,
          text: `checked run ${log.size + i}: nothing unusual ${"x".repeat(60)}`,
        });
      } else {
        const about = trainers[Math.floor(random() * trainers.length)]!;
        signer = env;
        payload = statementPayload("observation", {
          actor: "environment",
          time,
          log: log.origin,
          optimizer: about,
          episode: Math.max(0, (episode.get(about) ?? 1) - 1),
          // `report` makes each entry its own (an identical one is refused as a replay).
          values: { intended: 7 - (episode.get(about) ?? 0) / 1000, report: log.size + i },
        });
      }
      items.push({ signer, payload, pae: payloadPae(payload) });
    }
    const sigs = await pool.sign(items.map((it) => ({ seed: it.signer.seed, message: it.pae })));
    await log.append(items.map((it, i) => assembleEntry(it.payload, it.signer, sigs[i]!)));
    if (process.stderr.isTTY) process.stderr.write(`\rwriting ${fmt(log.size)}/${fmt(target)} `);
  }
  await log.checkpoint();
  await pool.close();
  await ledger.close();
}

// --- the server and its clients -------------------------------------------------------------------
const quick = process.argv.includes("--quick");
const sized = process.argv.indexOf("--entries");
/** `--entries N` builds N entries instead (a smoke run of the script itself). */
const ENTRIES = sized > 0 ? Number(process.argv[sized + 1]) : quick ? 100_000 : 1_000_000;
const WARM = 20;
const ROUNDS = 200;
const kept = process.argv.indexOf("--ledger");
const keptFile = kept > 0 ? process.argv[kept + 1] : undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-server-reads-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "ledger.db");
// The reads append notes to the ledger, so a kept ledger is copied and the copy is served.
const reuse = keptFile !== undefined && fs.existsSync(keptFile);

console.log(
  `optprov server reads benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}, Node ${process.version}${quick ? " (quick)" : ""}`,
);
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);
const builtAt = performance.now();
if (reuse) {
  fs.copyFileSync(keptFile, file);
} else {
  execFileSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, "--build", file, String(ENTRIES)],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  if (keptFile !== undefined) fs.copyFileSync(file, keptFile);
}
const buildSeconds = (performance.now() - builtAt) / 1000;
if (process.stderr.isTTY) process.stderr.write("\n");

const t0 = performance.now();
const log = await Log.open(SqliteStore.open(file), { rules: ledgerRules() });
const openSeconds = (performance.now() - t0) / 1000;
const server = createServer({
  log,
  checkpointDelayMs: false,
  logLine: () => undefined,
  limits: { rate: false },
  verifyWaitMs: 0,
});
await server.ready();
const readySeconds = (performance.now() - t0) / 1000;
const listening = await listen(server, { host: "127.0.0.1", port: 0 });
const rssAfterStart = process.memoryUsage().rss;

async function get(p: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(listening.url + p);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${p}: status ${res.status}`);
  return ms;
}

/** A client appends entries it signed itself, as any writer of the server does. */
const writer = generateSignerKey("bench-writer");
async function post(
  kind: "actor" | "note" | "observation",
  predicate: Record<string, unknown>,
): Promise<void> {
  const bytes = signEntry(
    kind,
    { actor: writer.name, time: new Date().toISOString(), log: log.origin, ...predicate } as never,
    writer,
  );
  const res = await fetch(`${listening.url}/v1/entries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ envelopes: [JSON.parse(Buffer.from(bytes).toString("utf8"))] }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`append ${kind}: status ${res.status}`);
}
await post("actor", { role: "system", key: formatVerifierKey(writer) });
let notes = 0;
const appendNote = () => post("note", { text: `between reads ${notes++}` });
let observations = 0;
const appendObservation = () => post("observation", { values: { report: observations++ } });

const READS: readonly { readonly name: string; readonly path: string }[] = [
  { name: "explain search-3 (pending request)", path: "/v1/optimizers/search-3" },
  { name: "explain trainer-0-model-7 (depth 2)", path: "/v1/optimizers/trainer-0-model-7" },
  { name: "explain trainer-5-model-0 (halted)", path: "/v1/optimizers/trainer-5-model-0" },
  { name: "explain search-1-planner (approved)", path: "/v1/optimizers/search-1-planner" },
  { name: "explain lab (root actor)", path: "/v1/optimizers/lab" },
  { name: "tree", path: "/v1/tree" },
  { name: "review queue", path: "/v1/review" },
  { name: "optimizers", path: "/v1/optimizers" },
];

const rows: (string | number)[][] = [];
for (const r of READS) {
  for (let i = 0; i < WARM; i++) await get(r.path);
  const still: number[] = [];
  for (let i = 0; i < ROUNDS; i++) still.push(await get(r.path));
  const noted: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await appendNote();
    noted.push(await get(r.path));
  }
  const fresh: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await appendObservation();
    fresh.push(await get(r.path));
  }
  const cells = (xs: number[]) => [fmt(pct(xs, 0.5), 2), fmt(pct(xs, 0.95), 2), fmt(Math.max(...xs), 2)];
  rows.push([r.name, ...cells(still), ...cells(noted), ...cells(fresh)]);
  if (process.stderr.isTTY) process.stderr.write(`\r${r.name} done `);
}
// Findings last: the first request starts a full verification in the background.
const findings: number[] = [];
for (let i = 0; i < 20; i++) {
  await appendNote();
  findings.push(await get("/v1/findings"));
}
if (process.stderr.isTTY) process.stderr.write("\n");
const peak = process.resourceUsage().maxRSS * 1024;
await listening.close();
await server.close();
await log.close();

console.log(
  `\nledger: ${fmt(ENTRIES)} entries ${reuse ? `reused from ${keptFile}` : `built in ${fmt(buildSeconds, 1)} s`} (${fmt(fs.statSync(file).size / 1e6)} MB), ${fmt(log.state.optimizers.size)} optimizers; ${fmt(notes)} notes and ${fmt(observations)} observations appended during the reads`,
);
table(
  `Reads over HTTP on loopback, ms (${ROUNDS} requests each after ${WARM} warm-up; "after a note": one note appended before each request, which changes no answer; "made afresh": one observation naming no optimizer appended before each, so every answer is made again)`,
  ["read", "still p50", "p95", "max", "after a note p50", "p95", "max", "made afresh p50", "p95", "max"],
  rows,
);
table(
  "Findings after an append (20 requests; the detectors read the new entry, then answer; a full verify runs in the background)",
  ["read", "p50", "p95", "max"],
  [["findings", fmt(pct(findings, 0.5), 2), fmt(pct(findings, 0.95), 2), fmt(Math.max(...findings), 2)]],
);
table(
  "Startup and memory of the server process",
  ["what", "value"],
  [
    ["open the log (replay into the control state)", `${fmt(openSeconds, 1)} s`],
    ["read models ready (the findings detectors' replay), from the start", `${fmt(readySeconds, 1)} s`],
    ["RSS once ready", `${fmt(rssAfterStart / 1e6)} MB`],
    ["peak RSS over the run", `${fmt(peak / 1e6)} MB`],
  ],
);
console.log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);
