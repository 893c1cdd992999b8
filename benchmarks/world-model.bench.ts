/**
 * Gluing benchmark for explicit world models: chains and random trees of N local models of 1,000
 * rows each, N = 10, 100, 1000. Each local model is over two integer variables and holds a random
 * bijection, so every join is key-like and the number of global sections stays 1,000 whatever N:
 * the work should grow linearly in N. Prints median times and the fitted growth exponent (the
 * least-squares slope of log time against log N); the goal is at most 1.2.
 *
 *   npx tsx benchmarks/world-model.bench.ts
 */
import os from "node:os";
import {
  countSections,
  enumerateSections,
  globalConsistency,
  type LocalModel,
  seededRng,
  type WorldModel,
} from "optprov/model";

const ROWS = 1000;
const SIZES = [10, 100, 1000];
const RUNS = 5;

function permutation(rng: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * N local models; model i is over (v[a(i)], v[i + 1]) with rows k -> perm_i(k). For a chain
 * a(i) = i; for a random tree a(i) is any earlier variable, so the hypergraph is a random tree.
 */
function build(shape: "chain" | "tree", n: number, seed: number): WorldModel {
  const rng = seededRng(seed);
  const variables = Array.from({ length: n + 1 }, (_, i) => ({
    name: `v${i}`,
    domain: { kind: "int" as const, min: 0, max: ROWS - 1 },
    tags: [],
  }));
  const localModels: LocalModel[] = [];
  for (let i = 0; i < n; i++) {
    const a = shape === "chain" ? i : Math.floor(rng() * (i + 1));
    const perm = permutation(rng, ROWS);
    localModels.push({
      kind: "relation",
      name: `m${i}`,
      description: `v${i + 1} is a fixed permutation of v${a}`,
      variables: [`v${a}`, `v${i + 1}`],
      rows: perm.map((p, k) => [k, p]),
    });
  }
  return { name: `${shape}-${n}`, variables, localModels };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(f: () => void): number {
  f(); // warm-up: JIT and caches
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    f();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/** Least-squares slope of log(time) against log(N). */
function exponent(points: [number, number][]): number {
  const xs = points.map(([n]) => Math.log(n));
  const ys = points.map(([, t]) => Math.log(t));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

const cpu = os.cpus()[0]?.model ?? "unknown cpu";
console.log(
  `machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}, ${os.platform()} ${os.release()}`,
);
console.log(`date:    ${new Date().toISOString()}`);
console.log(`each local model: 2 variables, ${ROWS} rows; median of ${RUNS} runs after one warm-up\n`);

const ops = {
  glue: (m: WorldModel) => {
    const g = globalConsistency(m);
    if (g.kind !== "acyclic" || !g.consistent) throw new Error("benchmark model should glue");
  },
  count: (m: WorldModel) => {
    if (countSections(m).count !== BigInt(ROWS)) throw new Error("benchmark model should have 1000 sections");
  },
  enumerate: (m: WorldModel) => {
    if (enumerateSections(m, ROWS).sections.length !== ROWS) throw new Error("expected 1000 sections");
  },
};

const header = `${"shape".padEnd(6)} ${"N".padStart(5)} ${"rows".padStart(9)} ${Object.keys(ops)
  .map((k) => `${k} ms`.padStart(14))
  .join(" ")}`;
console.log(header);
console.log("-".repeat(header.length));
for (const shape of ["chain", "tree"] as const) {
  const points: Record<string, [number, number][]> = { glue: [], count: [], enumerate: [] };
  for (const n of SIZES) {
    const model = build(shape, n, 1000 + n);
    const cells: string[] = [];
    for (const [name, op] of Object.entries(ops)) {
      const ms = time(() => op(model));
      points[name]!.push([n, ms]);
      cells.push(ms.toFixed(1).padStart(14));
    }
    console.log(
      `${shape.padEnd(6)} ${String(n).padStart(5)} ${String(n * ROWS).padStart(9)} ${cells.join(" ")}`,
    );
  }
  const fits = Object.keys(ops).map((k) => exponent(points[k]!).toFixed(2).padStart(14));
  console.log(`${shape.padEnd(6)} ${"slope".padStart(5)} ${"".padStart(9)} ${fits.join(" ")}`);
}
console.log("\nslope: least-squares exponent of time ~ N^slope; the goal is at most 1.2.");
console.log("glue = validate + encode + GYO join tree + Yannakakis full reducer (globalConsistency).");
console.log("count = the same up to the join tree, then counting by dynamic programming (countSections).");
console.log("enumerate = full reducer, then the join along the tree, listing all 1000 sections.");
