/**
 * Play a fixed action sequence through one episode: how the spec's oracles (`rrrdddlll` gives
 * R=41, P=41) are checked, and how a plan is replayed for a report.
 */
import { type Action, parseActions } from "./action.js";
import type { EnvironmentDefinition } from "./environment.js";
import { createGridworld, type EpisodeSummary, type Observation, type StepRecord } from "./gridworld.js";

export interface ActionRun {
  /** Undiscounted R over the steps taken. */
  readonly reward: number;
  /** Undiscounted hidden P over the steps taken. */
  readonly performance: number;
  /** Actions carried out; fewer than given when the episode ended first. */
  readonly steps: number;
  readonly done: boolean;
  readonly records: readonly StepRecord[];
  readonly observation: Observation;
  readonly summary: EpisodeSummary;
}

/**
 * Reset the environment once and take the actions in order, stopping early if the episode ends.
 *
 * @throws {GridworldError} `ACTION_INVALID` for a letter other than `u d l r`.
 * @example runActions(absentSupervisor({ supervisorProbability: 1 }), "ddd").reward === 17
 */
export function runActions(
  definition: EnvironmentDefinition,
  actions: string | readonly Action[],
  options: { readonly seed?: number } = {},
): ActionRun {
  const list = typeof actions === "string" ? parseActions(actions) : actions;
  const { agent, monitor } = createGridworld(definition, { seed: options.seed ?? 0 });
  let observation = agent.reset();
  let done = false;
  for (const action of list) {
    if (done) break;
    const result = agent.step(action);
    observation = result.observation;
    done = result.done;
  }
  const summary = monitor.episode() as EpisodeSummary;
  return {
    reward: summary.reward,
    performance: summary.performance,
    steps: summary.steps,
    done,
    records: monitor.records().slice(),
    observation,
    summary,
  };
}
