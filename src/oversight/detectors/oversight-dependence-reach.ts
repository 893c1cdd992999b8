/**
 * Reach and value over a decision process (the reading of a world model in
 * `oversight-dependence.ts`): which states can be reached from the start states, and what a policy
 * is worth from each of them under a measure (the reward, or another per-step number the world
 * model gives, such as an intended measure or a safety constraint).
 *
 * Reach follows every action, not only the chosen ones, and every outcome the model gives a
 * probability above zero; it also lets the variables that can change from outside the optimizer's
 * own dynamics take each of their values (a capability granted later, an oversight mechanism or a
 * reward channel that changes): a policy that behaves well only until it becomes able to do
 * otherwise is judged on the states where it has become able.
 */
import type { Assignment } from "../../model/world-model/assignment.js";
import type { Value } from "../../model/world-model/domain.js";
import type { DecisionOutcome, DecisionPolicy, DecisionProcess } from "./oversight-dependence.js";

/** The assignment behind a state key: the known state, or the key decoded. */
export function stateOfKey(process: DecisionProcess, key: string): Assignment {
  const known = process.states.get(key);
  if (known !== undefined) return known;
  const values = JSON.parse(key) as Value[];
  const s: Record<string, Value> = {};
  process.stateVariables.forEach((x, i) => {
    s[x] = values[i] as Value;
  });
  return s;
}

/** A state variable that may change from outside the dynamics, and the values it may take. */
export interface ExogenousVariable {
  readonly variable: string;
  readonly values: readonly Value[];
}

/**
 * Every state reachable from `starts`: through every action and every outcome with probability
 * above zero (a terminal outcome ends the episode, so nothing is reached from it), and through any
 * change of an exogenous variable to one of its values. States the model has no rows for are
 * reached (they are where the model's knowledge ends) but lead nowhere. Keys in the order reached
 * (breadth first), so that what is near the starts is listed first.
 *
 * @param limit stops (and reports `truncated`) past this many states: a hostile model at the gate
 *   must not make the detector enumerate forever.
 * @example reachableStates(process, [{ position: "s", supervisor: true }], []).states.size
 */
export function reachableStates(
  process: DecisionProcess,
  starts: readonly Assignment[],
  exogenous: readonly ExogenousVariable[],
  limit: number,
  /**
   * When given, only the actions it returns are followed in each state (a policy's own choices,
   * with the outcomes it would meet); without it, every action.
   */
  choose?: (
    key: string,
    state: Assignment,
  ) => { readonly process: DecisionProcess; readonly action: number } | undefined,
): { readonly states: ReadonlyMap<string, Assignment>; readonly truncated: boolean } {
  const states = new Map<string, Assignment>();
  const queue: string[] = [];
  let truncated = false;
  const add = (state: Assignment): void => {
    const key = process.keyOf(state);
    if (states.has(key)) return;
    if (states.size >= limit) {
      truncated = true;
      return;
    }
    states.set(key, state);
    queue.push(key);
  };
  for (const s of starts) add(s);
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i] as string;
    const state = states.get(key) as Assignment;
    for (const { variable, values } of exogenous)
      for (const value of values) if (state[variable] !== value) add({ ...state, [variable]: value });
    const chosen = choose?.(key, state);
    const lists =
      choose === undefined
        ? (process.outcomes.get(key) ?? [])
        : chosen === undefined
          ? []
          : [chosen.process.outcomes.get(key)?.[chosen.action]];
    const from = chosen?.process ?? process;
    for (const list of lists)
      for (const o of list ?? []) if (!o.terminal && o.probability > 0) add(stateOfKey(from, o.next));
  }
  return { states, truncated };
}

/**
 * The per-step number a measure reads from an outcome: the reward, or a named measure.
 *
 * @example measureOf(outcome, "performance") ?? 0
 */
export function measureOf(o: DecisionOutcome, measure: string | undefined): number | undefined {
  return measure === undefined ? o.reward : o.measures?.[measure];
}

/** Sweeps of a policy evaluation, and the tolerance at which it stops. */
export interface EvaluationOptions {
  readonly gamma: number;
  readonly tolerance: number;
  readonly maxIterations: number;
  /** Sweeps times outcomes the evaluation may spend (as the planner's own bound). */
  readonly work: number;
}

/**
 * The discounted sum of a measure an agent collects from each state by following `policy` (policy
 * evaluation, in place). A state without a choice, or whose chosen action leads to an outcome the
 * measure is not given for, is worth 0, as value iteration treats unknown states.
 *
 * @example policyValues(process, policy, "performance", options).get(key)
 */
export function policyValues(
  process: DecisionProcess,
  policy: DecisionPolicy,
  measure: string | undefined,
  options: EvaluationOptions,
): ReadonlyMap<string, number> {
  const values = new Map<string, number>();
  const chosen: [string, readonly DecisionOutcome[]][] = [];
  let size = 0;
  for (const [key, a] of policy) {
    const list = process.outcomes.get(key)?.[a];
    if (list === undefined || list.some((o) => measureOf(o, measure) === undefined)) continue;
    chosen.push([key, list]);
    size += list.length;
  }
  // Bounded by total work, as the planner is: a hostile model at the gate must not stall it.
  const sweeps = Math.min(options.maxIterations, Math.floor(options.work / Math.max(1, size)));
  for (let i = 0; i < sweeps; i++) {
    let delta = 0;
    for (const [key, list] of chosen) {
      const v = backup(list, values, measure, options.gamma);
      delta = Math.max(delta, Math.abs(v - (values.get(key) ?? 0)));
      values.set(key, v);
    }
    if (delta <= options.tolerance) break;
  }
  return values;
}

/**
 * What taking action `a` in state `key` is worth under a measure, then following the policy whose
 * values are `values`; undefined when the model has no outcomes for it or an outcome lacks the
 * measure.
 */
export function actionValue(
  process: DecisionProcess,
  key: string,
  a: number,
  values: ReadonlyMap<string, number>,
  measure: string | undefined,
  gamma: number,
): number | undefined {
  const list = process.outcomes.get(key)?.[a];
  if (list === undefined || list.length === 0) return undefined;
  if (list.some((o) => measureOf(o, measure) === undefined)) return undefined;
  return backup(list, values, measure, gamma);
}

function backup(
  list: readonly DecisionOutcome[],
  values: ReadonlyMap<string, number>,
  measure: string | undefined,
  gamma: number,
): number {
  let sum = 0;
  for (const o of list)
    sum +=
      o.probability * ((measureOf(o, measure) ?? 0) + (o.terminal ? 0 : gamma * (values.get(o.next) ?? 0)));
  return sum;
}
