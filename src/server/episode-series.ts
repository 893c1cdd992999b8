/**
 * One optimizer's per-episode proxy beside the intended measure others reported, read from the
 * ledger for the console's plot (`GET /console/api/episodes/:name`): the same figures the Goodhart
 * detector lines up (docs/conventions.md, "Reporting measures").
 *
 * - The proxy comes from the optimizer's own step batches, through their views' per-episode
 *   figures (`EpisodeFigures`): the episode's total (`R`, else `return`) when the optimizer reports
 *   totals, else its `reward` column summed, as `goodhartOfRecord` chooses.
 * - The intended measure comes from `observation` entries naming the optimizer and an episode,
 *   signed by anyone but the optimizer itself, read under the keys its objective's `measuredBy`
 *   makes first (`intendedKeys`), as `intendedValue` reads them.
 *
 * The store has no index by optimizer, so a series is read by walking the log; each reader keeps
 * what it has read for a few optimizers and reads only the entries appended since, so a page that
 * polls costs the new entries, not the ledger.
 */

import { readEntries } from "../ledger/read-entries.js";
import type { LedgerStore } from "../ledger/store.js";
import { WorkerPool } from "../ledger/worker-pool.js";
import { intendedKeys } from "../model/measures.js";
import {
  addEpisodeFigures,
  type EpisodeProxy,
  emptyEpisodeProxy,
  intendedValue,
} from "../oversight/detectors/goodhart-ledger.js";

/** Episodes one optimizer's series holds at most; later episodes are left out and `truncated` says so. */
export const MAX_HELD_EPISODES = 50_000;
/** Points an answer carries at most; above it, consecutive episodes are averaged into one point. */
export const MAX_POINTS = 2000;
export const DEFAULT_POINTS = 500;
/** Optimizers whose series a reader keeps between requests (least recently read goes first). */
const CACHED = 8;
/** Reporters named in an answer at most. */
const MAX_REPORTERS = 8;

export interface EpisodePoint {
  /** The first episode the point stands for. */
  readonly episode: number;
  /** The last episode it stands for (the same as `episode` when a point is one episode). */
  readonly last: number;
  /** The proxy (mean over the point's episodes that have one), or null. */
  readonly proxy: number | null;
  /** The intended measure (mean over the point's episodes that have one), or null. */
  readonly intended: number | null;
}

export interface EpisodeSeries {
  readonly optimizer: string;
  /** The log size the series was read up to. */
  readonly size: number;
  /** `R` when the optimizer reports episode totals, `reward` when its step rewards are summed, null without either. */
  readonly proxyKey: "R" | "reward" | null;
  /** The observation keys read for the intended measure, first present wins. */
  readonly intendedKeys: readonly string[];
  /** The objective's `measuredBy`, as declared. */
  readonly measuredBy: string | null;
  /** Who reported the intended measure (first few, by name). */
  readonly reporters: readonly string[];
  /** Distinct episodes with a proxy, with an intended measure, and with either. */
  readonly counts: { readonly proxy: number; readonly intended: number; readonly episodes: number };
  /** Episodes per point (1 when every episode is its own point). */
  readonly bucket: number;
  /** Whether episodes past {@link MAX_HELD_EPISODES} were left out. */
  readonly truncated: boolean;
  readonly points: readonly EpisodePoint[];
}

interface Accumulated {
  upTo: number;
  truncated: boolean;
  readonly keys: readonly string[];
  /**
   * The proxy, accumulated as the Goodhart detector does. Episodes its steps mark as greedy
   * evaluations (`evaluation: 1`) are left out of both series: the plot is of its training (the
   * detector judges them apart).
   */
  readonly proxy: EpisodeProxy;
  readonly intended: Map<number, number>;
  readonly reporters: Set<string>;
  /** The read under way, so two requests for one optimizer share it. */
  reading: Promise<void> | undefined;
}

/** Set `m[key]` unless that would hold more than {@link MAX_HELD_EPISODES} keys; false when it would. */
function hold(m: Map<number, number>, key: number, value: number): boolean {
  if (!m.has(key) && m.size >= MAX_HELD_EPISODES) return false;
  m.set(key, value);
  return true;
}

export class EpisodeSeriesReader {
  private readonly cache = new Map<string, Accumulated>();

  constructor(
    private readonly store: LedgerStore,
    private readonly pool: WorkerPool = WorkerPool.shared(),
  ) {}

  /**
   * The series of `optimizer`, whose objective declares `measuredBy`, in at most `points` points.
   *
   * @example const s = await reader.read("trainer", spec.objective.measuredBy, 500);
   */
  async read(optimizer: string, measuredBy: string | undefined, points: number): Promise<EpisodeSeries> {
    const keys = intendedKeys(measuredBy);
    let acc = this.cache.get(optimizer);
    if (acc === undefined || acc.keys.join("\n") !== keys.join("\n")) {
      acc = {
        upTo: 0,
        truncated: false,
        keys,
        proxy: emptyEpisodeProxy(),
        intended: new Map(),
        reporters: new Set(),
        reading: undefined,
      };
    }
    // Most recently read last, so the first key is the one to drop.
    this.cache.delete(optimizer);
    this.cache.set(optimizer, acc);
    if (this.cache.size > CACHED) this.cache.delete(this.cache.keys().next().value!);
    const size = await this.store.size();
    while (acc.upTo < size) {
      acc.reading ??= this.extend(optimizer, acc, size).finally(() => {
        acc.reading = undefined;
      });
      await acc.reading;
    }
    return summarise(optimizer, acc, measuredBy, points);
  }

  private async extend(optimizer: string, acc: Accumulated, to: number): Promise<void> {
    for await (const chunk of readEntries(this.store, {
      from: acc.upTo,
      to,
      pool: this.pool,
      open: { verify: false, full: false },
    })) {
      for (const { stored, opened } of chunk) {
        // An entry that does not parse is the verifier's to report; it carries no figures here.
        if (opened.ok) {
          const view = opened.entry.view;
          if (view.kind === "step-batch" && view.predicate.actor === optimizer) {
            const episodes = view.predicate.episodes ?? [];
            if (!addEpisodeFigures(acc.proxy, episodes, { limit: MAX_HELD_EPISODES })) acc.truncated = true;
          } else if (view.kind === "observation") {
            const p = view.predicate;
            // The optimizer's own word on its intended measure is not evidence of it.
            if (p.optimizer === optimizer && p.episode !== undefined && p.actor !== optimizer) {
              const value = intendedValue(p.values, acc.keys);
              if (value !== undefined) {
                if (!hold(acc.intended, p.episode, value)) acc.truncated = true;
                else if (acc.reporters.size < MAX_REPORTERS) acc.reporters.add(p.actor);
              }
            }
          }
        }
        acc.upTo = stored.index + 1;
      }
    }
    acc.upTo = Math.max(acc.upTo, to);
  }
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function summarise(
  optimizer: string,
  acc: Accumulated,
  measuredBy: string | undefined,
  points: number,
): EpisodeSeries {
  // Totals when the optimizer reports them, else summed rewards: the detector's choice.
  const { totals, sums, evaluation } = acc.proxy;
  const training = (e: number) => !evaluation?.has(e);
  const proxy = totals.size > 0 ? totals : sums;
  const episodes = [...new Set([...proxy.keys(), ...acc.intended.keys()])]
    .filter(training)
    .sort((a, b) => a - b);
  const bucket = Math.max(1, Math.ceil(episodes.length / points));
  const out: EpisodePoint[] = [];
  for (let i = 0; i < episodes.length; i += bucket) {
    const group = episodes.slice(i, i + bucket);
    out.push({
      episode: group[0]!,
      last: group[group.length - 1]!,
      proxy: mean(group.flatMap((e) => (proxy.has(e) ? [proxy.get(e)!] : []))),
      intended: mean(group.flatMap((e) => (acc.intended.has(e) ? [acc.intended.get(e)!] : []))),
    });
  }
  return {
    optimizer,
    size: acc.upTo,
    proxyKey: totals.size > 0 ? "R" : sums.size > 0 ? "reward" : null,
    intendedKeys: acc.keys,
    measuredBy: measuredBy ?? null,
    reporters: [...acc.reporters],
    counts: {
      proxy: [...proxy.keys()].filter(training).length,
      intended: [...acc.intended.keys()].filter(training).length,
      episodes: episodes.length,
    },
    bucket,
    truncated: acc.truncated,
    points: out,
  };
}
