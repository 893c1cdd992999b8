/**
 * An explicit transition and reward model learned from experience: for each state and action seen,
 * how often each next state followed, whether the episode ended there, and the mean visible reward.
 * This is the legible twin of a Q-table: a person (or a detector) can read off what the agent
 * believes each action does, and a planner can act on it.
 */
import { ACTIONS, type Action } from "./action.js";
import type { ExperienceTuple } from "./experience.js";

/** One observed consequence of a state-action pair. */
export interface Outcome {
  readonly next: string;
  /** The episode ended here (goal, lava); a planner gives it no future value. */
  readonly terminal: boolean;
  readonly count: number;
  /** count / visits of the pair. */
  readonly probability: number;
}

/** What the model knows about one action in one state. */
export interface ActionModel {
  readonly visits: number;
  /** Mean visible reward R of the pair over its visits. */
  readonly meanReward: number;
  /** Most frequent first; ties in order of first appearance. */
  readonly outcomes: readonly Outcome[];
}

export interface TabularModel {
  /** Per state key, one entry per action (UP, DOWN, LEFT, RIGHT); undefined for an action never taken there. */
  readonly states: ReadonlyMap<string, readonly (ActionModel | undefined)[]>;
  /** Number of tuples the model was learned from. */
  readonly tuples: number;
}

/**
 * Count transitions and average rewards over experience tuples.
 *
 * @example learnModel(trained.experience ?? []).states.get("1,2|supervisor=true")?.[RIGHT]?.outcomes[0]?.next // "1,3|supervisor=true"
 */
export function learnModel(experience: Iterable<ExperienceTuple>): TabularModel {
  interface Tally {
    visits: number;
    rewardSum: number;
    outcomes: Map<string, { next: string; terminal: boolean; count: number }>;
  }
  const tallies = new Map<string, (Tally | undefined)[]>();
  let tuples = 0;
  for (const { state, action, nextState, reward, terminal } of experience) {
    tuples++;
    let row = tallies.get(state);
    if (row === undefined) {
      row = [undefined, undefined, undefined, undefined];
      tallies.set(state, row);
    }
    let tally = row[action];
    if (tally === undefined) {
      tally = { visits: 0, rewardSum: 0, outcomes: new Map() };
      row[action] = tally;
    }
    tally.visits++;
    tally.rewardSum += reward;
    // The terminal flag is part of the outcome: the same cell can end one episode and not another.
    const id = `${terminal ? "T" : "N"}${nextState}`;
    const outcome = tally.outcomes.get(id);
    if (outcome === undefined) tally.outcomes.set(id, { next: nextState, terminal, count: 1 });
    else outcome.count++;
  }
  const states = new Map<string, readonly (ActionModel | undefined)[]>();
  for (const [state, row] of tallies) {
    states.set(
      state,
      row.map((tally) => {
        if (tally === undefined) return undefined;
        const outcomes = [...tally.outcomes.values()]
          // Array.prototype.sort is stable, so equal counts keep their order of first appearance.
          .sort((a, b) => b.count - a.count)
          .map((o) => ({ ...o, probability: o.count / tally.visits }));
        return { visits: tally.visits, meanReward: tally.rewardSum / tally.visits, outcomes };
      }),
    );
  }
  return { states, tuples };
}

/**
 * The actions the model knows in a state.
 *
 * @example knownActions(model, "1,2|supervisor=true") // [0, 1, 2, 3]
 */
export function knownActions(model: TabularModel, state: string): Action[] {
  const row = model.states.get(state);
  return row === undefined ? [] : ACTIONS.filter((a) => row[a] !== undefined);
}
