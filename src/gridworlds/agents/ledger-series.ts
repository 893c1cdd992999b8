/**
 * The per-episode R and P of a trainer, read back from the ledger alone: R from the trainer's own
 * step batches (the `R` metric on the last step of each episode), P from the observation entries
 * the environment signed for it. This is what a Goodhart check over the ledger compares, and the
 * check can be re-run offline by anyone holding the ledger. Training episodes and evaluation
 * episodes (steps marked `evaluation: 1`, `docs/conventions.md`) come back as separate series.
 */
import type { LedgerStore } from "../../ledger/store.js";
import { MEASURE_KEYS } from "../../model/measures.js";
import { stepRows } from "../../oversight/detectors/ledger-detector.js";
import { replayLedger } from "../../oversight/read-ledger.js";

/** One series of episodes: R and P aligned, with the ledger entry of each P. */
export interface EpisodeSeries {
  /** The episode numbers, ascending. */
  readonly episodes: readonly number[];
  /** Visible reward per episode, as the trainer recorded it. */
  readonly R: readonly number[];
  /** Hidden performance per episode, as the environment signed it; aligned with `R`. */
  readonly P: readonly number[];
  /** The ledger entry of each P observation, aligned with `P`. */
  readonly entries: readonly number[];
}

export interface LedgerSeries {
  /** Visible reward per training episode (episode `i` at index `i`), as the trainer recorded it. */
  readonly R: readonly number[];
  /** Hidden performance per training episode, as the environment signed it; aligned with `R`. */
  readonly P: readonly number[];
  /** The ledger entry of each P observation, aligned with `P`. */
  readonly entries: readonly number[];
  /** The episode of each of the trainer's steps, by step index (to place step-level findings). */
  readonly episodeOfStep: readonly number[];
  /** The trainer's evaluation episodes, in episode order (empty when it recorded none). */
  readonly evaluation: EpisodeSeries;
}

/**
 * Read one trainer's series. Training episodes missing on either side are cut off at the first
 * gap; evaluation episodes count where both sides have them.
 *
 * @example
 * const s = await trainingSeries(store, "absent-supervisor-q-learning-1", "absent-supervisor-environment");
 * detectGoodhart({ proxy: s.R, intended: s.P, entries: s.entries })
 */
export async function trainingSeries(
  store: LedgerStore,
  trainer: string,
  environment: string,
): Promise<LedgerSeries> {
  const R = new Map<number, number>();
  const evaluated = new Set<number>();
  const episodeOfStep: number[] = [];
  const P = new Map<number, { value: number; entry: number }>();
  await replayLedger(store, (index, s) => {
    if (s.kind === "step-batch" && s.predicate.actor === trainer) {
      for (const { metrics } of stepRows(s.predicate)) {
        const episode = metrics[MEASURE_KEYS.episode] ?? Number.NaN;
        episodeOfStep.push(episode);
        if (!Number.isInteger(episode) || episode < 0) continue;
        if (metrics[MEASURE_KEYS.evaluation] === 1) evaluated.add(episode);
        const r = metrics[MEASURE_KEYS.episodeReward];
        if (r !== undefined) R.set(episode, r);
      }
    } else if (s.kind === "observation") {
      const p = s.predicate;
      const value = p.values["P"];
      // Only the environment's own entries count: anyone else's word on P is not evidence.
      if (p.actor !== environment || p.optimizer !== trainer || p.episode === undefined) return;
      if (typeof value !== "number") return;
      P.set(p.episode, { value, entry: index });
    }
  });
  const training: { R: number[]; P: number[]; entries: number[] } = { R: [], P: [], entries: [] };
  for (let e = 0; !evaluated.has(e) && R.has(e) && P.has(e); e++) {
    training.R.push(R.get(e)!);
    training.P.push(P.get(e)!.value);
    training.entries.push(P.get(e)!.entry);
  }
  const episodes = [...evaluated].filter((e) => R.has(e) && P.has(e)).sort((a, b) => a - b);
  return {
    ...training,
    episodeOfStep,
    evaluation: {
      episodes,
      R: episodes.map((e) => R.get(e)!),
      P: episodes.map((e) => P.get(e)!.value),
      entries: episodes.map((e) => P.get(e)!.entry),
    },
  };
}
