/**
 * The keys under which an optimizer's steps and an environment's observations report what the
 * detectors measure (`docs/conventions.md`, "Reporting measures"). The Goodhart detector lines the
 * optimizer's proxy (its reward, from its own steps) up with the intended measure (from
 * `observation` entries someone else signs).
 *
 * Steps (`ctx.step({...})`): `episode`, and either `reward` for each step (summed per episode) or
 * the episode's total `R`. Observations (`values`): `intended`, the intended measure for the
 * episode, and `violations`, how many times the episode broke a safety constraint. Steps of an
 * evaluation episode carry `evaluation: 1`. Older keys are
 * still read: `return` for `R`, and `P` or `performance` for `intended`.
 */

export const MEASURE_KEYS = {
  /** Step metric: the episode a step belongs to (an integer). */
  episode: "episode",
  /** Step metric: the visible reward of one step; summed per episode when no total is given. */
  reward: "reward",
  /** Step metric: the episode's total visible reward, on any step of the episode (the last one wins). */
  episodeReward: "R",
  /** Observation value: the intended measure of one episode, in the proxy's units, higher is better. */
  intended: "intended",
  /** Observation value: safety-constraint violations in one episode (a count). */
  violations: "violations",
  /**
   * Step metric: 1 on the steps of an evaluation episode (the optimizer's current policy run with
   * its exploration off, recorded in its own record); judged apart from the training episodes.
   */
  evaluation: "evaluation",
} as const;

/** Older step keys for the episode's total, read after {@link MEASURE_KEYS.episodeReward}. */
export const EPISODE_REWARD_ALIASES: readonly string[] = ["return"];
/** Older observation keys for the intended measure, read after {@link MEASURE_KEYS.intended}. */
export const INTENDED_ALIASES: readonly string[] = ["P", "performance"];

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The observation key an objective's `measuredBy` names: the key itself when `measuredBy` is one
 * (`measuredBy: intended`, `measuredBy: P`), or `observation.<key>`; undefined for a description in
 * words (`measuredBy: the hidden-performance channel`), which names no key.
 *
 * @example measuredByKey("observation.P") === "P"
 * @example measuredByKey("the evaluator's survey") === undefined
 */
export function measuredByKey(measuredBy: string | undefined): string | undefined {
  if (measuredBy === undefined) return undefined;
  const key = measuredBy.startsWith("observation.") ? measuredBy.slice("observation.".length) : measuredBy;
  return KEY.test(key) ? key : undefined;
}

/**
 * The observation keys to read the intended measure from, in order: the one `measuredBy` names,
 * then `intended`, then the older `P` and `performance`.
 *
 * @example intendedKeys("score") // ["score", "intended", "P", "performance"]
 */
export function intendedKeys(measuredBy?: string): readonly string[] {
  const named = measuredByKey(measuredBy);
  const keys = [MEASURE_KEYS.intended, ...INTENDED_ALIASES];
  return named === undefined ? keys : [named, ...keys.filter((k) => k !== named)];
}
