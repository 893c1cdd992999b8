/**
 * npm run bench:ledger [-- --quick]   (builds first; measures the built package in dist/)
 *
 * Measures, in one run, this machine's raw limits (Ed25519 sign and verify per second on one core,
 * SHA-256 of 256-byte inputs per second) and the ledger against them: durable appends (with the
 * control rules the log enforces, as optprov runs it), what those rules add to the append rate
 * (two logs fed the same batches in turn, one without rules), proof latency at 10k / 100k / 1M
 * entries, a full verify of the 1M ledger (peak RSS in a fresh process), and merkletreejs building
 * the same trees and proofs. Imports only what the package exports. Prints tables; asserts nothing.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MerkleTree } from "merkletreejs";
import { formatVerifierKey, generateSignerKey, ledgerRules, type SignerKey, SqliteStore } from "optprov";
import {
  assembleEntry,
  Frontier,
  inclusionProof,
  Log,
  leafHash,
  nodeHash,
  payloadPae,
  statementPayload,
  WorkerPool,
} from "optprov/ledger";
import { fmt, median, pct, table } from "./report.js";

const quick = process.argv.includes("--quick");
const SIZES = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const cores = os.availableParallelism();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-bench-"));

function rate(fn: () => void, minMs = 1500): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return (n * 1000) / (performance.now() - t0);
}

console.log(
  `optprov ledger benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${cores}, Node ${process.version}${quick ? " (quick)" : ""}`,
);

// --- raw machine limits (node:crypto directly, one core) -----------------------------------------
const sample = (() => {
  const k = generateSignerKey("sample");
  return payloadPae(
    statementPayload("note", {
      actor: k.name,
      time: new Date().toISOString(),
      log: "bench.log",
      text: "x".repeat(120),
    }),
  );
})();
const raw = crypto.generateKeyPairSync("ed25519");
const rawSig = crypto.sign(null, sample, raw.privateKey);
const signRate = rate(() => crypto.sign(null, sample, raw.privateKey));
const verifyRate = rate(() => crypto.verify(null, sample, raw.publicKey, rawSig));
const block = crypto.randomBytes(256);
const shaRate = rate(() => crypto.createHash("sha256").update(block).digest());
const appendLimit = cores / (1 / signRate + 1 / verifyRate);
table(
  "Machine limits (node:crypto, one core)",
  ["operation", "per second"],
  [
    [`Ed25519 sign (${sample.length}-byte entry)`, fmt(signRate)],
    ["Ed25519 verify", fmt(verifyRate)],
    ["SHA-256 of 256 bytes", fmt(shaRate)],
    [`limit: sign + verify per entry on ${cores} cores`, fmt(appendLimit)],
  ],
);

// --- durable appends, growing the ledger through 10k, 100k, 1M -----------------------------------
const pool = new WorkerPool();
const logKey = generateSignerKey("bench.log");
const actors: SignerKey[] = Array.from({ length: 4 }, (_, i) => generateSignerKey(`actor${i}`));
const file = path.join(dir, "ledger.db");
async function openBenchLog(at: string, rules: boolean) {
  const l = await Log.open(SqliteStore.open(at), {
    logKey,
    pool,
    ...(rules ? { rules: ledgerRules() } : {}),
  });
  for (const a of actors)
    await l.appendEntry(
      "actor",
      { actor: a.name, time: new Date().toISOString(), role: "system", key: formatVerifierKey(a) },
      a,
    );
  return l;
}
const log = await openBenchLog(file, true);

const BATCH = 2000;
async function signBatch(start: number, count: number): Promise<Uint8Array[]> {
  const time = new Date().toISOString();
  const items = Array.from({ length: count }, (_, i) => {
    const signer = actors[(start + i) % actors.length]!;
    const payload = statementPayload("note", {
      actor: signer.name,
      time,
      log: logKey.name,
      text: `entry ${start + i} ${"x".repeat(110)}`,
    });
    return { signer, payload, pae: payloadPae(payload) };
  });
  const sigs = await pool.sign(items.map((it) => ({ seed: it.signer.seed, message: it.pae })));
  return items.map((it, i) => assembleEntry(it.payload, it.signer, sigs[i]!));
}

const appendRows: (string | number)[][] = [];
const proofRows: (string | number)[][] = [];
let appendedTotal = 0;
let appendMsTotal = 0;
for (const target of SIZES) {
  const t0 = performance.now();
  const from = log.size;
  // Up to two batches in flight: while one is admitted and written, the next is signed and checked.
  let signed = log.size;
  let inflight: Promise<unknown> = Promise.resolve();
  while (signed < target) {
    const count = Math.min(BATCH, target - signed);
    const envelopes = await signBatch(signed, count);
    signed += count;
    const previous = inflight;
    inflight = log.append(envelopes);
    await previous;
    if (process.stderr.isTTY) process.stderr.write(`\rappending ${fmt(log.size)}/${fmt(target)} `);
  }
  await inflight;
  const ms = performance.now() - t0;
  const n = log.size - from;
  appendedTotal += n;
  appendMsTotal += ms;
  if (process.stderr.isTTY) process.stderr.write("\n");
  appendRows.push([
    `${fmt(from)} -> ${fmt(log.size)}`,
    fmt((n * 1000) / ms),
    `${fmt((100 * (n * 1000)) / ms / appendLimit, 1)}%`,
  ]);
  await log.checkpoint();

  // Proof latency against stored subtrees (median of 2,000 random proofs each).
  const inc: number[] = [];
  const con: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const idx = Math.floor(Math.random() * log.size);
    let t = performance.now();
    await log.inclusionProof(idx);
    inc.push(performance.now() - t);
    const m = 1 + Math.floor(Math.random() * (log.size - 1));
    t = performance.now();
    await log.consistencyProof(m);
    con.push(performance.now() - t);
  }
  proofRows.push([
    fmt(log.size),
    fmt(Math.log2(log.size), 1),
    fmt(median(inc) * 1000, 1),
    fmt(pct(inc, 0.99) * 1000, 1),
    fmt(median(con) * 1000, 1),
    fmt(pct(con, 0.99) * 1000, 1),
  ]);
}
appendRows.push([
  "all",
  fmt((appendedTotal * 1000) / appendMsTotal),
  `${fmt((100 * (appendedTotal * 1000)) / appendMsTotal / appendLimit, 1)}%`,
]);
table(
  `Durable appends: each entry signed (workers) and verified on admission (workers), batches of ${BATCH}, SQLite WAL synchronous=FULL`,
  ["ledger size", "entries/s", "of sign+verify limit"],
  appendRows,
);
table(
  "Proof latency from stored subtrees (SQLite reads included)",
  ["entries", "log2 n", "inclusion median µs", "p99 µs", "consistency median µs", "p99 µs"],
  proofRows,
);
const size = log.size;
await log.close();
await pool.close();

// --- what the control rules add to the append rate -----------------------------------------------
// Two fresh logs, one with the control rules and one with the log's own rules only, fed the same
// signed batches in turn (so both see the same machine), to 100,000 entries each.
{
  const bare = await openBenchLog(path.join(dir, "bare.db"), false);
  const ruled = await openBenchLog(path.join(dir, "ruled.db"), true);
  const ms = { bare: 0, ruled: 0 };
  const target = quick ? 20_000 : 100_000;
  for (let signed = bare.size; signed < target; signed += BATCH) {
    const envelopes = await signBatch(signed, BATCH);
    for (const [name, l] of (signed / BATCH) % 2 === 0
      ? ([
          ["bare", bare],
          ["ruled", ruled],
        ] as const)
      : ([
          ["ruled", ruled],
          ["bare", bare],
        ] as const)) {
      const t0 = performance.now();
      await l.append(envelopes);
      ms[name] += performance.now() - t0;
    }
  }
  const rateOf = (l: Log<unknown>, t: number) => ((l.size - actors.length) * 1000) / t;
  table(
    `What the control rules add at admission: the same ${fmt(target)} signed notes appended to two logs in turn, batches of ${BATCH}`,
    ["log", "entries/s", "of sign+verify limit", "cost of the rules"],
    [
      [
        "the log's own rules only",
        fmt(rateOf(bare, ms.bare)),
        `${fmt((100 * rateOf(bare, ms.bare)) / appendLimit, 1)}%`,
        "",
      ],
      [
        "with the control rules (as optprov runs)",
        fmt(rateOf(ruled, ms.ruled)),
        `${fmt((100 * rateOf(ruled, ms.ruled)) / appendLimit, 1)}%`,
        `${fmt((100 * (ms.ruled - ms.bare)) / ms.bare, 1)}%`,
      ],
    ],
  );
  await bare.close();
  await ruled.close();
}

// --- full verify in a fresh process --------------------------------------------------------------
const out = execFileSync(process.execPath, [path.join(import.meta.dirname, "verify-child.mjs"), file], {
  encoding: "utf8",
});
const v = JSON.parse(out) as { ok: boolean; entries: number; ms: number; maxRssMB: number };
const vRate = (v.entries * 1000) / v.ms;
table(
  `Full verify of ${fmt(size)} entries (fresh process, every core)`,
  ["ok", "entries/s", "of verify limit (raw x cores)", "peak RSS MB", "seconds"],
  [
    [
      String(v.ok),
      fmt(vRate),
      `${fmt((100 * vRate) / (verifyRate * cores), 1)}%`,
      fmt(v.maxRssMB),
      fmt(v.ms / 1000, 1),
    ],
  ],
);

// --- merkletreejs, same RFC 6962 trees and proofs -------------------------------------------------
const mtRows: (string | number)[][] = [];
const nodeFn = (data: Buffer) => Buffer.from(nodeHash(data.subarray(0, 32), data.subarray(32)));
for (const n of SIZES) {
  const leaves = Array.from({ length: n }, (_, i) => Buffer.from(leafHash(Buffer.from(`leaf ${i}`))));
  let t = performance.now();
  const levels: Uint8Array[][] = [[]];
  const f = new Frontier();
  for (const l of leaves) {
    levels[0]!.push(l);
    for (const c of f.push(l)) {
      levels[c.level] ??= [];
      levels[c.level]![c.index] = c.hash;
    }
  }
  const ourRoot = Buffer.from(f.root()).toString("hex");
  const ourBuild = performance.now() - t;
  t = performance.now();
  // Our leaves are already RFC 6962 leaf hashes; merkletreejs hashes only inner nodes, via our 0x01 node hash.
  const tree = new MerkleTree(leaves, nodeFn, {
    hashLeaves: false,
    concatenator: (bs: Buffer[]) => Buffer.concat(bs),
  } as never);
  const theirBuild = performance.now() - t;
  const same = tree.getRoot().toString("hex") === ourRoot;
  const read = (ids: readonly { level: number; index: number }[]) =>
    ids.map((id) => levels[id.level]![id.index]!);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const idx = Math.floor(Math.random() * n);
    t = performance.now();
    await inclusionProof(idx, n, read);
    ours.push(performance.now() - t);
    t = performance.now();
    tree.getProof(leaves[idx]!, idx);
    theirs.push(performance.now() - t);
  }
  mtRows.push([
    fmt(n),
    same ? "yes" : "NO",
    fmt(ourBuild),
    fmt(theirBuild),
    `${fmt(theirBuild / ourBuild, 1)}x`,
    fmt(median(ours) * 1000, 1),
    fmt(median(theirs) * 1000, 1),
    `${fmt(median(theirs) / median(ours), 2)}x`,
  ]);
}
table(
  "In memory, against merkletreejs 0.6 (same RFC 6962 tree)",
  [
    "leaves",
    "same root",
    "our build ms",
    "merkletreejs ms",
    "ratio",
    "our proof µs",
    "merkletreejs µs",
    "ratio",
  ],
  mtRows,
);
fs.rmSync(dir, { recursive: true, force: true });
