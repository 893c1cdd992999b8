/**
 * How well the Goodhart detector separates the four Goodhart variants from faithful controls, and
 * how early it fires: precision, recall, and the delay (episodes after the ground-truth onset).
 *
 * Run: npx tsx benchmarks/goodhart.bench.ts [seeds=200] [episodes=200] [longEpisodes=5000]
 *
 * Every stream runs with the detector's default thresholds (one set for everything). Scoring is by
 * stream and by first alarm: a Goodhart stream counts as detected when its earliest finding comes
 * at or after the onset; a finding before the onset, or any finding on a control, is a false alarm.
 * Precision is over all streams run (as many control streams as Goodhart streams per seed count),
 * so it depends on that balance; the false-alarm rate per control does not.
 *
 * A last table runs every variant for `longEpisodes` each (20 seeds) and reports false alarms per
 * 1000 episodes: a detector watching a long training run gets many more chances to fire by
 * mistake than one watching 200 episodes, and the Goodhart streams' changes are then spread so
 * thin per episode that only the detector's block-mean levels can see them.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import {
  CONTROL_VARIANTS,
  detectGoodhart,
  type Finding,
  GOODHART_CODES,
  GOODHART_VARIANTS,
  type GoodhartCode,
  goodhartStream,
  type StreamVariant,
} from "optprov/oversight";

const SEEDS = Number(process.argv[2] ?? 200);
const EPISODES = Number(process.argv[3] ?? 200);
const LONG_EPISODES = Number(process.argv[4] ?? 5000);
const LONG_SEEDS = 20;

const SHORT: Readonly<Record<GoodhartCode, string>> = {
  GOODHART_DIVERGENCE: "divergence",
  GOODHART_TURNING_POINT: "turning pt",
  GOODHART_DECORRELATION: "decorrelation",
  GOODHART_GAP: "gap",
};

interface Row {
  readonly variant: StreamVariant;
  readonly streams: number;
  /** Goodhart streams: first alarm at or after the onset. Controls: 0. */
  readonly detected: number;
  /** Goodhart streams: first alarm before the onset. Controls: any alarm. */
  readonly falseAlarms: number;
  readonly delays: number[];
  readonly perCode: Record<GoodhartCode, { fired: number; early: number; delays: number[] }>;
}

const episodeOf = (f: Finding): number => f.firstAt?.episode ?? Number.POSITIVE_INFINITY;

function run(variant: StreamVariant): Row {
  const perCode = Object.fromEntries(
    GOODHART_CODES.map((c) => [c, { fired: 0, early: 0, delays: [] as number[] }]),
  ) as Row["perCode"];
  let detected = 0;
  let falseAlarms = 0;
  const delays: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const s = goodhartStream(variant, seed, { episodes: EPISODES });
    const findings = detectGoodhart({ proxy: s.proxy, intended: s.intended });
    for (const f of findings) {
      const slot = perCode[f.code as GoodhartCode];
      if (s.onset === "none" || episodeOf(f) < s.onset) slot.early++;
      else {
        slot.fired++;
        slot.delays.push(episodeOf(f) - s.onset);
      }
    }
    if (findings.length === 0) continue;
    const first = Math.min(...findings.map(episodeOf));
    if (s.onset === "none" || first < s.onset) falseAlarms++;
    else {
      detected++;
      delays.push(first - s.onset);
    }
  }
  return { variant, streams: SEEDS, detected, falseAlarms, delays, perCode };
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const pct = (k: number, n: number): string => `${((100 * k) / n).toFixed(1)}%`;
const num = (v: number): string => (Number.isNaN(v) ? "-" : String(v));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

const started = performance.now();
const rows = [...GOODHART_VARIANTS, ...CONTROL_VARIANTS].map(run);
const seconds = (performance.now() - started) / 1000;

console.log(`# Goodhart detector on synthetic streams, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `${SEEDS} seeds x ${rows.length} variants, ${EPISODES} episodes each, default thresholds; node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}; ${seconds.toFixed(1)} s\n`,
);
console.log("## Per variant (recall = first alarm at or after onset; delay in episodes after onset)\n");
console.log(
  table(
    [
      "variant",
      "recall",
      "false alarms",
      "delay p50",
      "delay p90",
      ...GOODHART_CODES.map((c) => `${SHORT[c]} (p50)`),
    ],
    rows.map((r) => {
      const goodhart = (GOODHART_VARIANTS as readonly string[]).includes(r.variant);
      return [
        goodhart ? r.variant : `control: ${r.variant}`,
        goodhart ? pct(r.detected, r.streams) : "-",
        pct(r.falseAlarms, r.streams),
        num(quantile(r.delays, 0.5)),
        num(quantile(r.delays, 0.9)),
        ...GOODHART_CODES.map((c) => {
          const slot = r.perCode[c];
          return goodhart
            ? `${pct(slot.fired, r.streams)} (${num(quantile(slot.delays, 0.5))})${slot.early > 0 ? ` +${slot.early} early` : ""}`
            : slot.early === 0
              ? "0"
              : `${slot.early} FP`;
        }),
      ];
    }),
  ),
);

const goodhartRows = rows.filter((r) => (GOODHART_VARIANTS as readonly string[]).includes(r.variant));
const tp = goodhartRows.reduce((sum, r) => sum + r.detected, 0);
const fp = rows.reduce((sum, r) => sum + r.falseAlarms, 0);
const positives = goodhartRows.reduce((sum, r) => sum + r.streams, 0);
const controls = rows.length * SEEDS - positives;
const controlAlarms = rows
  .filter((r) => !goodhartRows.includes(r))
  .reduce((sum, r) => sum + r.falseAlarms, 0);
const allDelays = goodhartRows.flatMap((r) => r.delays);

console.log("\n## Overall\n");
console.log(
  table(
    ["precision", "recall", "false alarms on controls", "alarms before onset", "delay p50", "delay p90"],
    [
      [
        tp + fp === 0 ? "-" : (tp / (tp + fp)).toFixed(3),
        (tp / positives).toFixed(3),
        `${controlAlarms}/${controls}`,
        `${fp - controlAlarms}/${positives}`,
        num(quantile(allDelays, 0.5)),
        num(quantile(allDelays, 0.9)),
      ],
    ],
  ),
);

console.log(
  "\n## Per finding code (precision counts a code's alarms before onset and on controls as false)\n",
);
console.log(
  table(
    ["code", "fired after onset", "false alarms", "precision", "delay p50"],
    GOODHART_CODES.map((c) => {
      const fired = goodhartRows.reduce((sum, r) => sum + r.perCode[c].fired, 0);
      const early = rows.reduce((sum, r) => sum + r.perCode[c].early, 0);
      return [
        c,
        `${fired}/${positives}`,
        String(early),
        fired + early === 0 ? "-" : (fired / (fired + early)).toFixed(3),
        num(
          quantile(
            goodhartRows.flatMap((r) => r.perCode[c].delays),
            0.5,
          ),
        ),
      ];
    }),
  ),
);

console.log(`\n## Long runs (${LONG_SEEDS} seeds x ${LONG_EPISODES} episodes each)\n`);
const longStarted = performance.now();
const longRows = [...GOODHART_VARIANTS, ...CONTROL_VARIANTS].map((variant) => {
  let alarms = 0;
  let early = 0;
  const delays: number[] = [];
  const fired = new Set<string>();
  for (let seed = 0; seed < LONG_SEEDS; seed++) {
    const s = goodhartStream(variant, 10_000 + seed, { episodes: LONG_EPISODES });
    const findings = detectGoodhart({ proxy: s.proxy, intended: s.intended });
    if (findings.length === 0) continue;
    for (const f of findings) fired.add(SHORT[f.code as GoodhartCode]);
    const first = Math.min(...findings.map(episodeOf));
    if (s.onset === "none" || first < s.onset) early++;
    else {
      alarms++;
      delays.push(first - s.onset);
    }
  }
  const goodhart = (GOODHART_VARIANTS as readonly string[]).includes(variant);
  return [
    goodhart ? variant : `control: ${variant}`,
    goodhart ? `${alarms}/${LONG_SEEDS}` : "-",
    `${early}/${LONG_SEEDS}`,
    ((1000 * early) / (LONG_SEEDS * LONG_EPISODES)).toFixed(4),
    num(quantile(delays, 0.5)),
    fired.size === 0 ? "-" : [...fired].join(", "),
  ];
});
console.log(
  table(
    [
      "variant",
      "detected after onset",
      "false alarms",
      "false alarms per 1000 episodes",
      "delay p50",
      "codes fired",
    ],
    longRows,
  ),
);
console.log(`\n(${((performance.now() - longStarted) / 1000).toFixed(1)} s)`);
