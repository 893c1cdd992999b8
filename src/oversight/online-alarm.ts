/**
 * Online alarms: the first point in a stream at which a detector would have fired had it been run
 * on the data up to then and nothing later. For detectors that judge each new piece of the record
 * against what came before (self-modification's step batches, constraint reports, distributional
 * shift's per-episode radius against a fixed world model, Goodhart's level test) the finding's
 * `firstAt` already is that point. The Goodhart trend tests estimate their noise scale from the
 * whole series (see `detectors/goodhart.ts`), so their `firstAt` may lean on later points; for
 * them {@link goodhartAlarm} re-runs the whole detector on growing prefixes of the record, as the
 * gate's `goodhart` ancestry monitor does when it judges a record so far.
 */
import type { Finding } from "./detectors/finding.js";
import { type EpisodeProxy, goodhartOfRecord } from "./detectors/goodhart-ledger.js";

/**
 * The shortest prefix length k in [1, length] with `firesOn(k)`, or undefined when even the whole
 * stream does not fire. Prefixes are tried every `stride` points, then the last stride is bisected
 * (which assumes that within one stride a prefix that fires stays firing when it grows; when that
 * fails the alarm is reported late, never early).
 *
 * @example firstFiring(500, (k) => detect(series.slice(0, k)).length > 0, 16)
 */
export function firstFiring(
  length: number,
  firesOn: (prefix: number) => boolean,
  stride = 16,
): number | undefined {
  const step = Math.max(1, Math.floor(stride));
  let below = 0;
  let k = Math.min(step, length);
  while (k >= 1) {
    if (firesOn(k)) {
      let hi = k;
      let lo = below;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (firesOn(mid)) hi = mid;
        else lo = mid;
      }
      return hi;
    }
    if (k === length) break;
    below = k;
    k = Math.min(k + step, length);
  }
  return undefined;
}

/** An online Goodhart alarm: the episode it fired at and the findings on the record up to it. */
export interface GoodhartAlarm {
  /** The last episode of the shortest prefix on which the detector fires. */
  readonly episode: number;
  /** How many episodes of record that took. */
  readonly episodesUsed: number;
  readonly findings: readonly Finding[];
}

/**
 * The first episode at which the Goodhart detector (trend tests and level test, as the audit and
 * the gate's ancestry monitor run it) fires on the per-episode proxy and intended measure up to
 * then. `proxy[i]` and `intended[i]` belong to episode `episodes[i]` (default i).
 *
 * @example goodhartAlarm("trainer", series.R, series.P)?.episode
 */
export function goodhartAlarm(
  optimizer: string,
  proxy: readonly number[],
  intended: readonly number[],
  options: { readonly episodes?: readonly number[]; readonly stride?: number } = {},
): GoodhartAlarm | undefined {
  const n = Math.min(proxy.length, intended.length);
  const at = (i: number) => options.episodes?.[i] ?? i;
  const judge = (k: number): Finding[] => {
    const record: EpisodeProxy = { totalKey: "R", totals: new Map(), sums: new Map() };
    const byEpisode = new Map<number, { value: number; entry: number }>();
    for (let i = 0; i < k; i++) {
      record.totals.set(at(i), proxy[i] as number);
      byEpisode.set(at(i), { value: intended[i] as number, entry: i });
    }
    return goodhartOfRecord(optimizer, record, byEpisode);
  };
  const k = firstFiring(n, (m) => judge(m).length > 0, options.stride ?? 16);
  if (k === undefined) return undefined;
  return { episode: at(k - 1), episodesUsed: k, findings: judge(k) };
}
