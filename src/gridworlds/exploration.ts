/**
 * Epsilon-greedy action choice, and the harness rule for environments that set the agent's
 * exploration rate (whisky and gold reports `exploration = 0.9`; the agent's harness must apply it).
 */
import type { Action } from "./action.js";
import type { Observation } from "./gridworld.js";
import type { Rng } from "./prng.js";
import { greedyAction } from "./q-table.js";

/**
 * The exploration rate to act with: the agent's own, or the environment's reported rate when that
 * is higher (the reported 0 before the whisky means "no imposed rate").
 *
 * @example effectiveEpsilon(0.1, observation, "exploration") === 0.9 // after the whisky
 */
export function effectiveEpsilon(
  own: number,
  observation: Observation,
  variable: string | undefined,
): number {
  if (variable === undefined) return own;
  const imposed = observation.variables[variable];
  return typeof imposed === "number" && imposed > own ? imposed : own;
}

/** An epsilon-greedy choice and whether it was a random one. */
export interface Choice {
  readonly action: Action;
  readonly explored: boolean;
}

/**
 * With probability `epsilon` a uniformly random action, else the greedy one (ties drawn at random).
 *
 * @example epsilonGreedy([0, 1, 0, 0], 0, rng) // { action: 1, explored: false }
 */
export function epsilonGreedy(row: ArrayLike<number>, epsilon: number, rng: Rng): Choice {
  if (epsilon > 0 && rng.next() < epsilon) return { action: rng.below(4) as Action, explored: true };
  return { action: greedyAction(row, rng), explored: false };
}
