/**
 * npm run bench:sdk [-- --quick]
 *
 * What recording costs inside a training loop, against what people use today and against the
 * floor of what a durable signed record can cost, measured in one run on one machine:
 *
 * 1. Three ways to record 1,000,000 steps of one numeric metric, wall time including the final
 *    flush and close. The loop yields to the event loop every 1,000 calls, as a training loop with
 *    awaits does. Contenders run interleaved, so none gets a quieter machine; medians of RUNS runs.
 *    - OpenTelemetry JS (BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter): a span
 *      per step, exported to memory (not durable, not signed). Its queue is sized to hold every
 *      span, so none is dropped (by default it drops all but 2,048, which would flatter it).
 *    - The floor: the same step batches optprov writes (1,000 steps each, the same columnar
 *      predicate), signed as DSSE entries with Ed25519 and appended as JSON lines to a file,
 *      fsynced per batch. Durable and signed, but with no tree, no admission, no verification.
 *    - optprov `ctx.step()`: the same batches signed, verified and admitted by the log (control
 *      rules included), written durably to SQLite (WAL, synchronous=FULL) with their Merkle nodes.
 *    The goals: at least 2x cheaper than the OpenTelemetry pipeline, within 1.3x of the floor.
 * 2. Where one batch's time goes (sign, the worker's parse+verify, admission and the write).
 * 3. The gate: `decide()` latency and a whole `spawn`.
 *
 * Imports only what the package exports. Prints tables; asserts nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  decide,
  formatVerifierKey,
  type GateRequest,
  generateSignerKey,
  type Policy,
  parsePolicy,
  policyDigest,
  summariseSpec,
} from "optprov";
import { signEntry, WorkerPool } from "optprov/ledger";
import { type Optimizer, openLedger, type SpawnSpec, spawnSpecFrom } from "optprov/sdk";
import { fmt, median, pct, table } from "./report.js";

const quick = process.argv.includes("--quick");
const N = quick ? 200_000 : 1_000_000;
const RUNS = quick ? 3 : 5;
const DECISIONS = 100_000;
const SPAWNS = quick ? 200 : 1000;
const YIELD_EVERY = 1000;
const BATCH = 1000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-sdk-bench-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

console.log(
  `optprov SDK benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}, ${os.platform()} ${os.release()}, Node ${process.version}${quick ? " (quick)" : ""}`,
);
// Other work on the machine moves every number here; say how busy it was.
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);

// --- the ledger, an automatic policy, and a spec for the trainers -----------------------------
const alice = generateSignerKey("alice");
const bob = generateSignerKey("bob");
const policy: Policy = parsePolicy({
  version: 1,
  name: "bench",
  owner: "alice",
  mode: "enforce",
  expires: "2099-01-01T00:00:00Z",
  overseers: ["bob"],
  approvals: 1,
  maxDepth: 4,
  legibility: { maxVariables: 64, maxLocalModelRows: 256, maxObjectiveSize: 64, allowImplicit: true },
  rules: [
    {
      creator: { name: "alice" },
      mayCreate: ["gradient-descent"],
      approval: "automatic",
      budget: { maxSteps: 100_000_000 },
    },
  ],
});
const trainerDoc = {
  name: "trainer",
  worldModel: {
    kind: "explicit",
    name: "a loss landscape, coarsely",
    variables: [
      { name: "lr", domain: { kind: "enum", values: ["low", "high"] }, tags: ["decision"] },
      { name: "loss", domain: { kind: "int", min: 0, max: 10 }, tags: ["outcome"] },
    ],
    localModels: [
      {
        kind: "table",
        name: "loss",
        description: "loss by learning rate",
        inputs: ["lr"],
        output: "loss",
        rows: [
          ["low", 3],
          ["high", 7],
        ],
      },
    ],
  },
  objective: { sense: "minimize", expr: "E[loss]" },
  process: {
    kind: "gradient-descent",
    params: { learningRate: 0.01 },
    budget: { maxSteps: 100_000_000, maxWallSeconds: 86_400 },
  },
};
const ledger = await openLedger({
  path: path.join(dir, "ledger.db"),
  logKey: generateSignerKey("bench-log"),
});
const root = await ledger.root({ name: "alice", key: alice });
await ledger.actor("bob", bob, "overseer");
await ledger.setPolicy(policy, alice);
let spawned = 0;
// biome-ignore lint/suspicious/noExplicitAny: the document is a valid spec; the SDK validates it.
const trainerSpec = (): SpawnSpec => spawnSpecFrom(trainerDoc as any, { name: `trainer-${spawned++}` });

// --- 1. steps, spans, and the floor -------------------------------------------------------------
async function stepWall(parent: Optimizer): Promise<number> {
  const trainer = await parent.spawn(trainerSpec());
  const t0 = performance.now();
  await trainer.run(async (ctx) => {
    for (let i = 0; i < N; i++) {
      ctx.step({ loss: i });
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
    }
  });
  return performance.now() - t0;
}

function otel() {
  const exporter = new InMemorySpanExporter();
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: N,
    maxExportBatchSize: 1000,
    scheduledDelayMillis: 250,
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  return { exporter, provider, tracer: provider.getTracer("bench") };
}

let exported = 0;
async function spanWall(): Promise<number> {
  const { exporter, provider, tracer } = otel();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    tracer.startSpan("step", { attributes: { loss: i } }).end();
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
  }
  await provider.forceFlush();
  // The in-memory exporter forgets its spans on shutdown: count them first (outside the timing).
  const flushed = performance.now();
  exported = exporter.getFinishedSpans().length;
  const counted = performance.now();
  await provider.shutdown();
  return performance.now() - t0 - (counted - flushed);
}

/** The floor: the same batches, buffered the same way, signed, one JSON line each, fsynced. */
let floorBytes = 0;
async function floorWall(): Promise<number> {
  const key = generateSignerKey("trainer-floor");
  const file = path.join(dir, `floor-${spawned++}.jsonl`);
  const fd = fs.openSync(file, "a");
  const t0 = performance.now();
  const started = performance.now();
  let t: number[] = [];
  let loss: (number | null)[] = [];
  let first = 0;
  const flush = () => {
    const envelope = signEntry(
      "step-batch",
      {
        actor: key.name,
        time: new Date().toISOString(),
        log: "floor",
        firstStep: first,
        steps: { count: t.length, t, metrics: { loss } },
      },
      key,
    );
    fs.writeSync(fd, `${Buffer.from(envelope).toString("utf8")}\n`);
    fs.fsyncSync(fd);
    first += t.length;
    t = [];
    loss = [];
  };
  for (let i = 0; i < N; i++) {
    t.push(Math.round(performance.now() - started));
    loss.push(i);
    if (t.length >= BATCH) flush();
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
  }
  if (t.length > 0) flush();
  fs.closeSync(fd);
  const ms = performance.now() - t0;
  floorBytes = fs.statSync(file).size;
  fs.rmSync(file);
  return ms;
}

const contenders = [
  { name: "OpenTelemetry span per step (batch processor, in-memory exporter)", wall: spanWall },
  { name: "floor: the same signed step batches as JSON lines, fsynced per batch", wall: floorWall },
  {
    name: "optprov ctx.step(), 1,000-step signed batches, admitted and durable in SQLite",
    wall: () => stepWall(root),
  },
] as const;
const wall = contenders.map(() => [] as number[]);
for (const c of contenders) await c.wall(); // JIT warm-up round, not counted
for (let r = 0; r < RUNS; r++) for (const [i, c] of contenders.entries()) wall[i]!.push(await c.wall());
const [spanMs, floorMs, stepMs] = wall.map(median) as [number, number, number];
table(
  `Recording ${fmt(N)} steps, one numeric metric each, wall time incl. flush and close (median of ${RUNS} runs)`,
  ["contender", "ms", "ns per step", "OpenTelemetry / this", "this / floor"],
  contenders.map((c, i) => {
    const ms = median(wall[i]!);
    return [c.name, fmt(ms), fmt((ms * 1e6) / N), `${fmt(spanMs / ms, 2)}x`, `${fmt(ms / floorMs, 2)}x`];
  }),
);
await ledger.refresh();
const all = [...ledger.state.optimizers.values()];
console.log(
  `optprov: ${fmt(all.reduce((n, o) => n + o.steps, 0))} steps in ${fmt(all.reduce((n, o) => n + o.stepBatches, 0))} signed step-batch entries over all runs; the floor wrote ${fmt(floorBytes)} bytes a run; OpenTelemetry exported ${fmt(exported)} spans to memory in its last run, none dropped.`,
);
console.log(
  `Against the goals: ${fmt(spanMs / stepMs, 2)}x cheaper than OpenTelemetry (goal at least 2x), ${fmt(stepMs / floorMs, 2)}x the floor (goal at most 1.3x).`,
);

// --- 2. one batch, stage by stage -----------------------------------------------------------------
const pool = new WorkerPool(1);
const trainer = await root.spawn(trainerSpec());
const batch = {
  count: BATCH,
  t: Array.from({ length: BATCH }, (_, i) => i),
  metrics: { loss: Array.from({ length: BATCH }, (_, i) => i) },
};
const signMs: number[] = [];
const openMs: number[] = [];
const appendMs: number[] = [];
let size = 0;
for (let i = 0; i < 100; i++) {
  let t0 = performance.now();
  const env = ledger.log.sign(
    "step-batch",
    { actor: trainer.name, time: new Date().toISOString(), firstStep: i * BATCH, steps: batch },
    trainer.key,
  );
  signMs.push(performance.now() - t0);
  size = env.length;
  t0 = performance.now();
  await pool.open([env]);
  openMs.push(performance.now() - t0);
  t0 = performance.now();
  await ledger.log.append([env]);
  appendMs.push(performance.now() - t0);
}
await pool.close();
table(
  `One ${fmt(BATCH)}-step batch (${fmt(size)} bytes signed), median of 100`,
  ["stage", "ms"],
  [
    ["sign (JSON, DSSE, Ed25519), caller's thread", fmt(median(signMs), 2)],
    ["parse, validate and verify the signature (one worker, round trip)", fmt(median(openMs), 2)],
    [
      "Log.append: the above on the pool, admission (log and control rules), durable write",
      fmt(median(appendMs), 2),
    ],
  ],
);

// --- 3. the gate ----------------------------------------------------------------------------------
const summary = summariseSpec(trainerDoc);
const request: GateRequest = {
  creator: {
    name: "alice",
    process: undefined,
    key: formatVerifierKey(alice),
    depth: 0,
    mayCreate: undefined,
  },
  child: {
    name: "trainer",
    process: "gradient-descent",
    budget: { maxSteps: 10_000 },
    legibility: summary.legibility,
    objectiveVariables: summary.objectiveVariables,
    specErrors: [],
  },
  now: new Date(),
};
const digest = policyDigest(policy);
if (decide(policy, request, digest).outcome !== "allow")
  throw new Error("the benchmark policy should allow this creation");
for (let i = 0; i < 10_000; i++) decide(policy, request, digest);
const decideNs: number[] = [];
for (let i = 0; i < DECISIONS; i++) {
  const t0 = process.hrtime.bigint();
  decide(policy, request, digest);
  decideNs.push(Number(process.hrtime.bigint() - t0));
}
const spawnMs: number[] = [];
for (let i = 0; i < SPAWNS; i++) {
  const t0 = performance.now();
  await root.spawn(trainerSpec());
  spawnMs.push(performance.now() - t0);
}
table(
  "Gate latency, automatic policy (alice creates a gradient-descent trainer)",
  ["measurement", "calls", "median (us)", "p99 (us)"],
  [
    [
      "decide(), policy digest known",
      fmt(DECISIONS),
      fmt(median(decideNs) / 1000, 2),
      fmt(pct(decideNs, 0.99) / 1000, 2),
    ],
    [
      "spawn(): spec summary, decide, key, sign, append (the log re-derives the gate), apply",
      fmt(SPAWNS),
      fmt(median(spawnMs) * 1000, 0),
      fmt(pct(spawnMs, 0.99) * 1000, 0),
    ],
  ],
);
console.log(`(the ledger holds ${fmt(ledger.log.size)} entries at the end)`);
await ledger.close();
