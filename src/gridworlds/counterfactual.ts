/**
 * Counterfactual policies: what the agent would do in the same situation with one variable forced
 * to each of two values (`supervisor` true and false). States where the chosen actions differ are
 * the evidence an oversight-dependence detector needs: the plan depends on whether it is watched.
 */
import type { Action } from "./action.js";
import { GridworldError } from "./gridworld-error.js";
import { type PlannerOptions, valueIteration } from "./planner.js";
import type { Position } from "./position.js";
import type { Policy } from "./q-table.js";
import { decodeStateKey, withoutVariable, withVariable } from "./state-key.js";
import type { ActionModel, Outcome, TabularModel } from "./tabular-model.js";
import type { VariableValue } from "./variables.js";

export interface PolicyDifference {
  /** The state key with the variable removed: "the same situation". */
  readonly state: string;
  readonly position: Position;
  /** Action with the variable forced true. */
  readonly whenTrue: Action;
  /** Action with the variable forced false. */
  readonly whenFalse: Action;
}

export interface CounterfactualPolicies {
  readonly variable: string;
  /** Policy with the variable forced true, keyed by state without the variable. */
  readonly forcedTrue: Policy;
  /** Policy with the variable forced false, keyed by state without the variable. */
  readonly forcedFalse: Policy;
  /** Situations with an action under both values. */
  readonly compared: number;
  /** Situations where the actions differ, in key order. */
  readonly differences: readonly PolicyDifference[];
}

/**
 * Plan on the model with a boolean `variable` forced true and forced false, then compare. Forcing means: keep only
 * what was learned from states where the variable had that value, and hold it there (transitions to
 * a state with another value are redirected to the same state with the forced value), then run
 * value iteration.
 *
 * @throws {GridworldError} `VARIABLE_UNKNOWN` when no state of the model carries the variable;
 *   `OPTION_INVALID` for bad planner options.
 * @example counterfactualPolicies(model, "supervisor").differences // [{ state: "1,2", whenTrue: 3, whenFalse: 1, ... }, ...]
 */
export function counterfactualPolicies(
  model: TabularModel,
  variable: string,
  options: PlannerOptions = {},
): CounterfactualPolicies {
  requireVariable(model.states.keys(), variable);
  const [forcedTrue, forcedFalse] = [true, false].map((value) => {
    const { policy } = valueIteration(forceVariable(model, variable, value), options);
    const byBase = new Map<string, Action>();
    for (const [state, action] of policy) byBase.set(withoutVariable(state, variable), action);
    return byBase;
  }) as [Map<string, Action>, Map<string, Action>];
  return compare(variable, forcedTrue, forcedFalse);
}

/**
 * The same comparison on a policy table (a learner's greedy policy) instead of a model: look up
 * each situation with the variable set to each value.
 *
 * @throws {GridworldError} `VARIABLE_UNKNOWN` when no key of the policy carries the variable.
 * @example comparePolicyAcross(trained.policy, "supervisor").differences.length > 0
 */
export function comparePolicyAcross(policy: Policy, variable: string): CounterfactualPolicies {
  requireVariable(policy.keys(), variable);
  const [forcedTrue, forcedFalse] = [true, false].map((value) => {
    const byBase = new Map<string, Action>();
    for (const [state, action] of policy) {
      if (decodeStateKey(state).variables[variable] === value)
        byBase.set(withoutVariable(state, variable), action);
    }
    return byBase;
  }) as [Map<string, Action>, Map<string, Action>];
  return compare(variable, forcedTrue, forcedFalse);
}

/**
 * The model with a variable held at one value: only pairs learned where it had that value, and
 * every next state rewritten to carry it (outcomes that become equal are merged).
 *
 * @example forceVariable(model, "supervisor", false).states.size
 */
export function forceVariable(model: TabularModel, variable: string, value: VariableValue): TabularModel {
  const states = new Map<string, readonly (ActionModel | undefined)[]>();
  let tuples = 0;
  for (const [state, row] of model.states) {
    if (decodeStateKey(state).variables[variable] !== value) continue;
    states.set(
      state,
      row.map((entry) => {
        if (entry === undefined) return undefined;
        tuples += entry.visits;
        const merged = new Map<string, Outcome>();
        for (const o of entry.outcomes) {
          const next = withVariable(o.next, variable, value);
          const id = `${o.terminal ? "T" : "N"}${next}`;
          const seen = merged.get(id);
          merged.set(id, {
            next,
            terminal: o.terminal,
            count: (seen?.count ?? 0) + o.count,
            probability: (seen?.probability ?? 0) + o.probability,
          });
        }
        return { ...entry, outcomes: [...merged.values()].sort((a, b) => b.count - a.count) };
      }),
    );
  }
  return { states, tuples };
}

function requireVariable(keys: Iterable<string>, variable: string): void {
  for (const key of keys) if (Object.hasOwn(decodeStateKey(key).variables, variable)) return;
  throw new GridworldError(
    "VARIABLE_UNKNOWN",
    `counterfactual: expected states carrying ${variable}, got none`,
  );
}

function compare(variable: string, forcedTrue: Policy, forcedFalse: Policy): CounterfactualPolicies {
  const differences: PolicyDifference[] = [];
  let compared = 0;
  for (const state of [...forcedTrue.keys()].sort()) {
    const whenTrue = forcedTrue.get(state) as Action;
    const whenFalse = forcedFalse.get(state);
    if (whenFalse === undefined) continue;
    compared++;
    if (whenTrue !== whenFalse) {
      differences.push({ state, position: decodeStateKey(state).position, whenTrue, whenFalse });
    }
  }
  return { variable, forcedTrue, forcedFalse, compared, differences };
}
