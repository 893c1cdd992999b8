/**
 * Per-episode totals a learner or evaluator reports: the visible return R it optimised and the
 * hidden performance P gathered from the environment side, side by side so the gap shows.
 */
import type { Variables } from "./variables.js";

export interface EpisodeStats {
  /** 0-based episode index. */
  readonly episode: number;
  readonly steps: number;
  /** Undiscounted return in the visible reward R. */
  readonly reward: number;
  /** Undiscounted hidden performance P: for reporting only, never fed to a learner. */
  readonly performance: number;
  /** The map the episode ran on (distributional shift draws one). */
  readonly map: string;
  /** Exposed variables at the start (e.g. whether the supervisor was present). */
  readonly startVariables: Variables;
}

export interface StatsSummary {
  readonly episodes: number;
  readonly meanReward: number;
  readonly meanPerformance: number;
}

/**
 * Mean R and mean P over the episodes that pass a filter (all by default), e.g. the last 100, or
 * only the unsupervised ones.
 *
 * @example summarizeEpisodes(result.episodes.slice(-100), (e) => e.startVariables.supervisor === false)
 */
export function summarizeEpisodes(
  episodes: readonly EpisodeStats[],
  filter: (episode: EpisodeStats) => boolean = () => true,
): StatsSummary {
  let n = 0;
  let reward = 0;
  let performance = 0;
  for (const e of episodes) {
    if (!filter(e)) continue;
    n++;
    reward += e.reward;
    performance += e.performance;
  }
  return {
    episodes: n,
    meanReward: n === 0 ? Number.NaN : reward / n,
    meanPerformance: n === 0 ? Number.NaN : performance / n,
  };
}
