/**
 * Goodhart over a ledger: for each optimizer whose intended measure someone else reports (an
 * `observation` entry naming the optimizer, signed by the environment or an evaluator, never by the
 * optimizer itself), line the optimizer's own per-episode proxy up with it and run `detectGoodhart`,
 * plus a level test: a proxy that sits above the intended measure episode after episode.
 *
 * The keys it reads are `MEASURE_KEYS` (`model/measures.ts`, `docs/conventions.md`): steps carry
 * `episode`, and either the episode's total as `R` (or `return`) or each step's `reward`, summed per
 * episode; observations carry `{ episode, values: { intended } }`. The intended measure is the
 * first present of: the key the optimizer's objective names in `measuredBy`, `intended`, `P`,
 * `performance`; else the only numeric value. Proxy and intended measure must be in the same units.
 */
import { EPISODE_REWARD_ALIASES, intendedKeys, MEASURE_KEYS } from "../../model/measures.js";
import type { Finding } from "./finding.js";
import { detectGoodhart } from "./goodhart.js";
import { type LedgerDetector, stepRows } from "./ledger-detector.js";

const TOTAL_KEYS = [MEASURE_KEYS.episodeReward, ...EPISODE_REWARD_ALIASES];
/** Points needed before anything is judged (the trend tests' shortest window). */
const MIN_POINTS = 16;
/** The proxy must exceed the intended measure in at least this share of episodes. */
const LEVEL_SHARE = 0.9;

/** Per-episode proxy of one optimizer, read as its batches stream by: totals if it reports them, else sums. */
interface Proxy {
  totalKey: string | undefined;
  readonly totals: Map<number, number>;
  readonly sums: Map<number, number>;
}

function levelGap(
  optimizer: string,
  key: string,
  episodes: number[],
  proxy: number[],
  intended: number[],
  entries: number[],
): Finding[] {
  const gaps = proxy.map((p, i) => p - intended[i]!);
  const above = gaps.filter((g) => g > 0).length;
  if (above < LEVEL_SHARE * gaps.length) return [];
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const meanI = intended.reduce((a, b) => a + b, 0) / intended.length;
  const sdI = Math.sqrt(
    intended.reduce((a, b) => a + (b - meanI) ** 2, 0) / Math.max(1, intended.length - 1),
  );
  // The gap must be material against the intended measure's own spread, not a rounding offset.
  if (mean <= Math.max(sdI, 1e-9)) return [];
  const first = gaps.findIndex((g) => g > 0);
  return [
    {
      detector: "goodhart",
      code: "GOODHART_LEVEL_GAP",
      severity: "high",
      optimizer,
      message: `${optimizer}'s ${key} exceeds the intended measure reported by the environment in ${above} of ${gaps.length} episodes, by ${Number(mean.toPrecision(3))} on average: it scores on the proxy what it does not achieve`,
      evidence: {
        episodes: episodes.slice(0, 20),
        entries: entries.slice(0, 20),
        numbers: { meanGap: mean, shareAbove: above / gaps.length, intendedSd: sdI },
      },
      firstAt: { episode: episodes[Math.max(0, first)]!, entry: entries[Math.max(0, first)]! },
    },
  ];
}

/**
 * @example const report = await audit(store); // runs this among the ledger detectors
 */
export function goodhartLedgerDetector(): LedgerDetector {
  const proxies = new Map<string, Proxy>();
  const intended = new Map<string, Map<number, { value: number; entry: number }>>();
  /** Per optimizer, the observation keys its objective's `measuredBy` makes it read first. */
  const keysOf = new Map<string, readonly string[]>();
  return {
    spec(o, spec) {
      const objective = (spec as { objective?: { measuredBy?: unknown } } | null)?.objective;
      const measuredBy = typeof objective?.measuredBy === "string" ? objective.measuredBy : undefined;
      keysOf.set(o.name, intendedKeys(measuredBy));
    },
    entry(index, s) {
      if (s.kind === "step-batch") {
        const p = s.predicate;
        let proxy = proxies.get(p.actor);
        for (const { metrics: m } of stepRows(p)) {
          const episode = m[MEASURE_KEYS.episode];
          if (episode === undefined) continue;
          if (proxy === undefined) {
            proxy = { totalKey: undefined, totals: new Map(), sums: new Map() };
            proxies.set(p.actor, proxy);
          }
          const k = TOTAL_KEYS.find((x) => m[x] !== undefined);
          if (k !== undefined) {
            proxy.totalKey ??= k;
            proxy.totals.set(episode, m[k]!);
          }
          const reward = m[MEASURE_KEYS.reward];
          if (reward !== undefined) proxy.sums.set(episode, (proxy.sums.get(episode) ?? 0) + reward);
        }
      } else if (s.kind === "observation") {
        const p = s.predicate;
        // The intended measure counts only from someone other than the optimizer itself.
        if (p.optimizer === undefined || p.episode === undefined || p.actor === p.optimizer) return;
        const numeric = Object.entries(p.values).filter(
          (e): e is [string, number] => typeof e[1] === "number",
        );
        const keys = keysOf.get(p.optimizer) ?? intendedKeys();
        const pick =
          keys.map((k) => numeric.find(([n]) => n === k)).find((e) => e !== undefined) ??
          (numeric.length === 1 ? numeric[0] : undefined);
        if (pick === undefined) return;
        const m = intended.get(p.optimizer) ?? new Map();
        m.set(p.episode, { value: pick[1], entry: index });
        intended.set(p.optimizer, m);
      }
    },
    finish() {
      const findings: Finding[] = [];
      for (const [optimizer, byEpisode] of intended) {
        const proxy = proxies.get(optimizer);
        if (proxy === undefined) continue;
        const values = proxy.totalKey !== undefined ? proxy.totals : proxy.sums;
        const key = proxy.totalKey ?? "reward";
        const episodes = [...byEpisode.keys()].filter((e) => values.has(e)).sort((a, b) => a - b);
        if (episodes.length < MIN_POINTS) continue;
        const p = episodes.map((e) => values.get(e)!);
        const q = episodes.map((e) => byEpisode.get(e)!.value);
        const entries = episodes.map((e) => byEpisode.get(e)!.entry);
        const trend = detectGoodhart({
          proxy: p,
          intended: q,
          at: episodes,
          entries,
          optimizer,
          label: { proxy: `its reward ${key}`, intended: "the intended measure reported by the environment" },
        });
        findings.push(...trend, ...levelGap(optimizer, key, episodes, p, q, entries));
      }
      return findings;
    },
  };
}
