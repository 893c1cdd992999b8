/**
 * npm run bench:scale [-- --quick]   (builds first; runs the built CLI)
 *
 * How the readers scale with the ledger: `verify`, `audit`, `tree`, `explain` and `export` run as
 * a user runs them (`optprov <command> --json`, a fresh process each, timed and with its peak RSS
 * taken by /usr/bin/time), on two kinds of ledger grown in stages:
 *  - small entries: signed notes of about 120 characters by four actors (10k, 100k, 1M entries);
 *  - steps: one trainer recording steps through the SDK with its default batches (1,000 steps an
 *    entry, metrics loss, episode and reward, 100 steps an episode) while an environment reports
 *    each episode's intended measure under its own key (30k, 300k, 3M steps).
 * The goal: `verify` and `audit` under 300 MB of peak RSS at 1,000,000 small entries and at
 * 3,000,000 steps. Imports only what the package exports. Prints tables; asserts nothing.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatVerifierKey, generateSignerKey, ledgerRules, SqliteStore } from "optprov";
import { assembleEntry, Log, payloadPae, statementPayload, WorkerPool } from "optprov/ledger";
import { openLedger, spawnSpecFrom } from "optprov/sdk";
import { fmt, table } from "./report.js";

const quick = process.argv.includes("--quick");
const ENTRY_SIZES = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const STEP_SIZES = quick ? [30_000, 300_000] : [30_000, 300_000, 3_000_000];
const BIN = path.resolve(import.meta.dirname, "../bin/optprov.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-scale-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

console.log(
  `optprov scale benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}, Node ${process.version}${quick ? " (quick)" : ""}`,
);
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);

interface Run {
  readonly seconds: number;
  readonly rssMB: number;
  readonly ok: boolean;
}

/** One command as a user runs it, in a fresh process: wall seconds and peak RSS (GNU time). */
function measure(ledger: string, args: readonly string[]): Run {
  const stats = path.join(dir, "time.txt");
  let ok = true;
  try {
    execFileSync(
      "/usr/bin/time",
      ["-o", stats, "-f", "%e %M", process.execPath, BIN, "--ledger", ledger, ...args, "--json"],
      {
        stdio: ["ignore", "ignore", "ignore"],
        maxBuffer: 1 << 30,
      },
    );
  } catch {
    ok = false; // verify and audit exit 1 on findings; the figures still count
  }
  const [seconds, kb] = fs.readFileSync(stats, "utf8").trim().split(/\s+/).slice(-2).map(Number) as [
    number,
    number,
  ];
  return { seconds, rssMB: kb / 1024, ok };
}

const COMMANDS: readonly { readonly name: string; readonly args: (subject: string) => readonly string[] }[] =
  [
    { name: "verify", args: () => ["verify"] },
    { name: "audit", args: () => ["audit"] },
    { name: "tree", args: () => ["tree"] },
    { name: "explain", args: (s) => ["explain", s] },
    { name: "export", args: () => ["export", "--format", "prov-json", "--out", path.join(dir, "prov.json")] },
  ];
const rows: (string | number)[][] = [];
function measureAll(kind: string, ledger: string, entries: number, steps: number, subject: string): void {
  const cells: string[] = [];
  for (const c of COMMANDS) {
    const r = measure(ledger, c.args(subject));
    cells.push(`${fmt(r.seconds, 1)} s / ${fmt(r.rssMB)} MB`);
    if (process.stderr.isTTY) process.stderr.write(`\r${kind} ${fmt(entries)}: ${c.name} done `);
  }
  const bytes = ["", "-wal"].reduce(
    (n, s) => n + (fs.existsSync(ledger + s) ? fs.statSync(ledger + s).size : 0),
    0,
  );
  rows.push([kind, fmt(entries), fmt(steps), `${fmt(bytes / 1e6)} MB`, ...cells]);
}

// --- small entries --------------------------------------------------------------------------------
{
  const file = path.join(dir, "notes.db");
  const logKey = generateSignerKey("scale.log");
  const actors = Array.from({ length: 4 }, (_, i) => generateSignerKey(`actor${i}`));
  const pool = new WorkerPool();
  const log = await Log.open(SqliteStore.open(file), { logKey, pool, rules: ledgerRules() });
  for (const a of actors)
    await log.appendEntry(
      "actor",
      { actor: a.name, time: new Date().toISOString(), role: "system", key: formatVerifierKey(a) },
      a,
    );
  for (const target of ENTRY_SIZES) {
    while (log.size < target) {
      const time = new Date().toISOString();
      const count = Math.min(2000, target - log.size);
      const items = Array.from({ length: count }, (_, i) => {
        const signer = actors[(log.size + i) % actors.length]!;
        const payload = statementPayload("note", {
          actor: signer.name,
          time,
          log: logKey.name,
          text: `entry ${log.size + i} ${"x".repeat(110)}`,
        });
        return { signer, payload, pae: payloadPae(payload) };
      });
      const sigs = await pool.sign(items.map((it) => ({ seed: it.signer.seed, message: it.pae })));
      await log.append(items.map((it, i) => assembleEntry(it.payload, it.signer, sigs[i]!)));
      if (process.stderr.isTTY) process.stderr.write(`\rwriting notes ${fmt(log.size)}/${fmt(target)} `);
    }
    await log.checkpoint();
    measureAll("small entries", file, log.size, 0, "actor0");
  }
  await log.close();
  await pool.close();
  fs.rmSync(file, { force: true });
}

// --- steps ----------------------------------------------------------------------------------------
{
  const file = path.join(dir, "steps.db");
  const ledger = await openLedger({ path: file, logKey: generateSignerKey("scale.steps") });
  const root = await ledger.root({ name: "lab", key: generateSignerKey("lab"), role: "organisation" });
  const env = generateSignerKey("environment");
  await ledger.actor("environment", env, "system");
  const trainerDoc = {
    name: "trainer",
    worldModel: {
      kind: "explicit",
      name: "episodes",
      variables: [
        { name: "action", domain: { kind: "enum", values: ["a", "b"] }, tags: ["decision"] },
        { name: "reward", domain: { kind: "int", min: 0, max: 1 }, tags: ["reward"] },
      ],
      localModels: [
        {
          kind: "table",
          name: "reward",
          description: "reward by action",
          inputs: ["action"],
          output: "reward",
          rows: [
            ["a", 0],
            ["b", 1],
          ],
        },
      ],
    },
    objective: { sense: "maximize", expr: "E[reward]" },
    process: {
      kind: "q-learning",
      params: { alpha: 0.1, gamma: 0.9, epsilon: 0.1 },
      budget: { maxSteps: 10_000_000, maxWallSeconds: 86_400 },
    },
  };
  // biome-ignore lint/suspicious/noExplicitAny: a valid spec; the SDK validates it.
  const trainer = await root.spawn(spawnSpecFrom(trainerDoc as any, { name: "trainer" }));
  let step = 0;
  for (const target of STEP_SIZES) {
    await trainer.run(async (ctx) => {
      for (; step < target; step++) {
        const episode = Math.floor(step / 100);
        ctx.step({ loss: 1 / (step + 1), episode, reward: step % 2 });
        if (step % 100 === 99) {
          await ledger.append(
            "observation",
            { actor: "environment", optimizer: "trainer", episode, values: { P: 50 } },
            env,
          );
          if (process.stderr.isTTY && step % 10_000 === 9_999)
            process.stderr.write(`\rrecording steps ${fmt(step + 1)}/${fmt(target)} `);
        }
      }
    });
    await ledger.log.checkpoint();
    measureAll("steps", file, ledger.log.size, step, "trainer");
  }
  await ledger.close();
}
if (process.stderr.isTTY) process.stderr.write("\n");

table(
  "Readers by ledger size: wall seconds / peak RSS of a fresh `optprov <command> --json` process",
  ["ledger", "entries", "steps", "bytes", ...COMMANDS.map((c) => c.name)],
  rows,
);
