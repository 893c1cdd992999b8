/**
 * Q-tables and greedy policies: the learned values of a tabular learner, one row of four action
 * values per state key, and the action each row prefers.
 */
import type { Action } from "./action.js";
import type { Rng } from "./prng.js";

/** Action values by state key; each row holds UP, DOWN, LEFT, RIGHT in that order. */
export type QTable = ReadonlyMap<string, readonly number[]>;

/** A deterministic policy as a table: the action for each state key it knows. */
export type Policy = ReadonlyMap<string, Action>;

/**
 * The best action of a row. Ties go to a uniformly drawn best action when an `rng` is given (while
 * learning, so that untried actions are not always the first) and to the lowest action otherwise
 * (a reported policy must be reproducible from the table alone).
 *
 * @example greedyAction([0, 2, 2, -1]) === 1
 */
export function greedyAction(row: ArrayLike<number>, rng?: Rng): Action {
  let best = Number.NEGATIVE_INFINITY;
  let count = 0;
  let chosen = 0;
  for (let a = 0; a < row.length; a++) {
    const v = row[a] as number;
    if (v > best) {
      best = v;
      chosen = a;
      count = 1;
    } else if (v === best) {
      count++;
      // Reservoir sampling over the tied actions: each is kept with probability 1/count.
      if (rng !== undefined && rng.below(count) === 0) chosen = a;
    }
  }
  return chosen as Action;
}

/**
 * The greedy policy of a Q-table, ties to the lowest action.
 *
 * @example greedyPolicy(new Map([["1,2", [0, 5, 1, 1]]])).get("1,2") === 1
 */
export function greedyPolicy(q: QTable): Policy {
  const policy = new Map<string, Action>();
  for (const [state, row] of q) policy.set(state, greedyAction(row));
  return policy;
}
