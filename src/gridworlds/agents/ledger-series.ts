/**
 * The per-episode R and P of a trainer, read back from the ledger alone: R from the trainer's own
 * step batches (the `R` metric on the last step of each episode), P from the observation entries
 * the environment signed for it. This is what a Goodhart check over the ledger compares, and the
 * check can be re-run offline by anyone holding the ledger.
 */
import type { LedgerStore } from "../../ledger/store.js";
import { stepRows } from "../../oversight/detectors/ledger-detector.js";
import { replayLedger } from "../../oversight/read-ledger.js";

export interface LedgerSeries {
  /** Visible reward per episode, as the trainer recorded it. */
  readonly R: readonly number[];
  /** Hidden performance per episode, as the environment signed it; aligned with `R`. */
  readonly P: readonly number[];
  /** The ledger entry of each P observation, aligned with `P`. */
  readonly entries: readonly number[];
  /** The episode of each of the trainer's steps, by step index (to place step-level findings). */
  readonly episodeOfStep: readonly number[];
}

/**
 * Read one trainer's series. Episodes missing on either side are cut off at the first gap.
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
  const R: number[] = [];
  const episodeOfStep: number[] = [];
  const P: number[] = [];
  const entries: number[] = [];
  await replayLedger(store, (index, s) => {
    if (s.kind === "step-batch" && s.predicate.actor === trainer) {
      for (const { metrics } of stepRows(s.predicate)) {
        const episode = metrics["episode"] ?? Number.NaN;
        episodeOfStep.push(episode);
        const r = metrics["R"];
        if (r !== undefined && Number.isInteger(episode) && episode >= 0) R[episode] = r;
      }
    } else if (s.kind === "observation") {
      const p = s.predicate;
      const value = p.values["P"];
      // Only the environment's own entries count: anyone else's word on P is not evidence.
      if (p.actor !== environment || p.optimizer !== trainer || p.episode === undefined) return;
      if (typeof value !== "number") return;
      P[p.episode] = value;
      entries[p.episode] = index;
    }
  });
  let n = 0;
  while (n < R.length && n < P.length && R[n] !== undefined && P[n] !== undefined) n++;
  return { R: R.slice(0, n), P: P.slice(0, n), entries: entries.slice(0, n), episodeOfStep };
}
