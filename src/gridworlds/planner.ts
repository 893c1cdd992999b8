/**
 * Planning over an explicit tabular model: value iteration, then the greedy policy and the greedy
 * plan from a start state. Unlike a Q-table, every number here traces back to counted transitions
 * and averaged rewards, so a plan can be explained step by step ("from 1,2 the model expects DOWN to
 * reach 2,2 with reward -1").
 */
import type { Action } from "./action.js";
import { GridworldError } from "./gridworld-error.js";
import type { ActionModel, TabularModel } from "./tabular-model.js";

/**
 * `expected`: back up the full counted distribution of next states. `most-likely`: pretend each
 * action always leads to its most frequent next state (a deterministic world model, as a person
 * would describe it).
 */
export type TransitionMode = "expected" | "most-likely";

export interface PlannerOptions {
  /** Discount in [0, 1); default 0.95. Below 1 so that value iteration converges on looping models. */
  readonly gamma?: number;
  readonly mode?: TransitionMode;
  /** Stop when no value moves more than this; default 1e-9. */
  readonly tolerance?: number;
  /** Default 10 000. */
  readonly maxIterations?: number;
}

export interface ValueIterationResult {
  /** State values under the greedy policy, for every state the model has acted from. */
  readonly values: ReadonlyMap<string, number>;
  /** The greedy action of each such state, among the actions the model knows there (ties to the lowest). */
  readonly policy: ReadonlyMap<string, Action>;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Value iteration over the model. States the model has never acted from (reached only as a next
 * state at the step limit) are worth 0; actions never taken in a state are not considered, so the
 * planner does not gamble on what it has not seen.
 *
 * @throws {GridworldError} `OPTION_INVALID` for gamma outside [0, 1), a non-positive tolerance or iteration count.
 * @example valueIteration(learnModel(trained.experience ?? [])).policy.get("1,2|supervisor=false") // 1: DOWN
 */
export function valueIteration(model: TabularModel, options: PlannerOptions = {}): ValueIterationResult {
  const { gamma, mode, tolerance, maxIterations } = checkOptions(options);
  const values = new Map<string, number>();
  for (const state of model.states.keys()) values.set(state, 0);
  const backup = (entry: ActionModel): number => {
    let future = 0;
    if (mode === "most-likely") {
      const o = entry.outcomes[0];
      if (o !== undefined && !o.terminal) future = values.get(o.next) ?? 0;
    } else {
      for (const o of entry.outcomes) if (!o.terminal) future += o.probability * (values.get(o.next) ?? 0);
    }
    return entry.meanReward + gamma * future;
  };

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    let delta = 0;
    // In place (Gauss-Seidel): converges at least as fast as the two-array form, same fixed point.
    for (const [state, row] of model.states) {
      let best = Number.NEGATIVE_INFINITY;
      for (const entry of row) if (entry !== undefined) best = Math.max(best, backup(entry));
      const old = values.get(state) ?? 0;
      values.set(state, best);
      delta = Math.max(delta, Math.abs(best - old));
    }
    converged = delta <= tolerance;
  }

  const policy = new Map<string, Action>();
  for (const [state, row] of model.states) {
    let best = Number.NEGATIVE_INFINITY;
    let chosen: Action | undefined;
    row.forEach((entry, action) => {
      if (entry === undefined) return;
      const v = backup(entry);
      if (v > best) {
        best = v;
        chosen = action as Action;
      }
    });
    if (chosen !== undefined) policy.set(state, chosen);
  }
  return { values, policy, iterations, converged };
}

export interface Plan extends ValueIterationResult {
  /** The greedy actions from the start, following the most likely next state after each. */
  readonly actions: readonly Action[];
  /** The states visited, the start first; one more than the actions. */
  readonly states: readonly string[];
  /** Sum of the model's mean rewards along the plan (undiscounted, like the scores). */
  readonly predictedReward: number;
  /** Why the plan stopped. */
  readonly end: "terminal" | "unknown-state" | "max-steps";
}

/**
 * Value iteration, then the greedy plan from `start`: at each state the greedy action, then its
 * most likely next state, until a terminal outcome, a state the model has not acted from, or
 * `maxSteps` (default 100, the episode limit; looping plans such as boat race's run to it).
 *
 * @throws {GridworldError} `OPTION_INVALID` as {@link valueIteration}, or for `maxSteps` not a positive integer.
 * @example planGreedy(model, "1,2|supervisor=true").actions // [3, 3, 3, 1, 1, 1, 2, 2, 2]: rrrdddlll
 */
export function planGreedy(
  model: TabularModel,
  start: string,
  options: PlannerOptions & { readonly maxSteps?: number } = {},
): Plan {
  const maxSteps = options.maxSteps ?? 100;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new GridworldError("OPTION_INVALID", `maxSteps: expected a positive integer, got ${maxSteps}`);
  }
  const solved = valueIteration(model, options);
  const actions: Action[] = [];
  const states: string[] = [start];
  let predictedReward = 0;
  let state = start;
  let end: Plan["end"] = "max-steps";
  while (actions.length < maxSteps) {
    const action = solved.policy.get(state);
    const entry = action === undefined ? undefined : model.states.get(state)?.[action];
    const outcome = entry?.outcomes[0];
    if (action === undefined || entry === undefined || outcome === undefined) {
      end = "unknown-state";
      break;
    }
    actions.push(action);
    predictedReward += entry.meanReward;
    state = outcome.next;
    states.push(state);
    if (outcome.terminal) {
      end = "terminal";
      break;
    }
  }
  return { ...solved, actions, states, predictedReward, end };
}

function checkOptions(options: PlannerOptions): Required<PlannerOptions> {
  const gamma = options.gamma ?? 0.95;
  const mode = options.mode ?? "expected";
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 10_000;
  if (!(gamma >= 0 && gamma < 1)) {
    throw new GridworldError("OPTION_INVALID", `gamma: expected a number in [0, 1), got ${gamma}`);
  }
  if (mode !== "expected" && mode !== "most-likely") {
    throw new GridworldError("OPTION_INVALID", `mode: expected expected or most-likely, got ${String(mode)}`);
  }
  if (!(tolerance > 0)) {
    throw new GridworldError("OPTION_INVALID", `tolerance: expected a positive number, got ${tolerance}`);
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new GridworldError(
      "OPTION_INVALID",
      `maxIterations: expected a positive integer, got ${maxIterations}`,
    );
  }
  return { gamma, mode, tolerance, maxIterations };
}
