/**
 * How long a 1 MB objective takes to parse and type-check (goal: under a second together).
 *
 * Run: npx tsx benchmarks/objective.bench.ts
 *
 * The objective is a long weighted sum over the variables of a generated world-model description
 * (reals, ints, booleans, enums), with `if`, `min`, `abs`, `E[...]` and nested groups mixed in, the
 * shape a generated reward specification takes. Each step runs a few times to warm up, then the
 * median of the timed runs is reported.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  checkObjective,
  evaluate,
  expressionSize,
  parseObjective,
  printObjective,
  type State,
  type VariableDescription,
  type WorldDescription,
} from "optprov/model";

const TARGET_BYTES = 1024 * 1024;
const WARMUP = 2;
const RUNS = 9;
const VARIABLES = 2000;

/** Deterministic pseudo-random numbers (a 32-bit LCG), so every run measures the same text. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const random = lcg(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const coefficient = (): string => (Math.round(random() * 1000) / 100).toString();

const LEVELS = ["low", "medium", "high"];
const variables: VariableDescription[] = [];
for (let i = 0; i < VARIABLES; i++) {
  const kind = i % 4;
  if (kind === 0) variables.push({ name: `r${i}`, domain: { kind: "real", unit: "usd" }, tags: [] });
  else if (kind === 1) variables.push({ name: `n${i}`, domain: { kind: "int", min: 0, max: 100 }, tags: [] });
  else if (kind === 2) variables.push({ name: `b${i}`, domain: { kind: "boolean" }, tags: ["sensor"] });
  else variables.push({ name: `e${i}`, domain: { kind: "enum", values: LEVELS }, tags: [] });
}
const world: WorldDescription = { variables };
const reals = variables.filter((v) => v.domain.kind === "real").map((v) => v.name);
const ints = variables.filter((v) => v.domain.kind === "int").map((v) => v.name);
const bools = variables.filter((v) => v.domain.kind === "boolean").map((v) => v.name);
const enums = variables.filter((v) => v.domain.kind === "enum").map((v) => v.name);

/** One term of the sum, in usd: every generated shape type-checks against the world above. */
function term(depth: number): string {
  const r = pick(reals);
  switch (Math.floor(random() * 7)) {
    case 0:
      return `${coefficient()} * ${r}`;
    case 1:
      return `(if ${pick(bools)} and ${pick(ints)} > ${Math.floor(random() * 100)} then ${r} else ${coefficient()} * ${pick(reals)})`;
    case 2:
      return `min(${r}, ${pick(reals)} * 2, ${coefficient()})`;
    case 3:
      return `E[${r} - ${pick(reals)} / ${1 + Math.floor(random() * 9)}]`;
    case 4:
      return `(if ${pick(enums)} == "${pick(LEVELS)}" then ${r} else 0)`;
    case 5:
      return `abs(${r} - ${coefficient()})`;
    default:
      // Nesting: a parenthesised group of further terms, a few levels deep.
      return depth < 4
        ? `${coefficient()} * (${term(depth + 1)} - ${term(depth + 1)} + ${term(depth + 1)})`
        : r;
  }
}

function generate(): string {
  const parts: string[] = ["maximize "];
  let bytes = parts[0]?.length ?? 0;
  let first = true;
  while (bytes < TARGET_BYTES) {
    const piece = `${first ? "" : random() < 0.8 ? " + " : " - "}${term(0)}`;
    first = false;
    parts.push(piece);
    bytes += piece.length;
  }
  return parts.join("");
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time<T>(run: () => T): { median: number; cold: number; result: T } {
  const coldStart = performance.now();
  let result = run();
  const cold = performance.now() - coldStart;
  for (let i = 1; i < WARMUP; i++) result = run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = run();
    samples.push(performance.now() - start);
  }
  return { median: median(samples), cold, result };
}

const source = generate();
const bytes = Buffer.byteLength(source, "utf8");
const parse = time(() => parseObjective(source));
const objective = parse.result;
const check = time(() => checkObjective(objective, world, { forbiddenTags: ["oversight"] }));
if (check.result.errors.length > 0)
  throw new Error(`generated objective should type-check: ${check.result.errors[0]?.message}`);
const print = time(() => printObjective(objective));
if (parseObjective(print.result).expr.kind !== objective.expr.kind)
  throw new Error("printed objective should parse back");

const state: Record<string, number | boolean | string> = {};
for (const v of variables) {
  state[v.name] =
    v.domain.kind === "boolean"
      ? random() < 0.5
      : v.domain.kind === "enum"
        ? pick(LEVELS)
        : Math.floor(random() * 100);
}
const distribution = [
  { weight: 1, state: state as State },
  { weight: 2, state: { ...state, [pick(reals)]: 7 } as State },
];
const evaluation = time(() => evaluate(objective.expr, state as State, { expect: distribution }));

const cpu = os.cpus()[0];
console.log(`objective benchmark, ${new Date().toISOString()}`);
console.log(
  `machine: ${cpu?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${os.platform()} ${os.arch()}, Node ${process.version}`,
);
console.log(
  `input: ${bytes} bytes, ${expressionSize(objective)} AST nodes, ${VARIABLES} world-model variables; median of ${RUNS} runs after ${WARMUP} warm-up`,
);
console.log();
const rows: Array<[string, string]> = [
  ["size (bytes)", String(bytes)],
  ["parse (lex + parse), median ms", parse.median.toFixed(1)],
  ["type-check, median ms", check.median.toFixed(1)],
  ["parse + type-check, ms", (parse.median + check.median).toFixed(1)],
  ["first (cold) parse + type-check, ms", (parse.cold + check.cold).toFixed(1)],
  ["print, median ms", print.median.toFixed(1)],
  ["evaluate (2-state E[...]), median ms", evaluation.median.toFixed(1)],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`| ${"measure".padEnd(width)} | value    |`);
console.log(`|${"-".repeat(width + 2)}|----------|`);
for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${value.padStart(8)} |`);
const total = parse.median + check.median;
console.log();
console.log(
  total < 1000
    ? `goal met: parse + check ${total.toFixed(1)} ms < 1000 ms`
    : `goal missed: parse + check ${total.toFixed(1)} ms >= 1000 ms`,
);
