/**
 * Run a fixed policy for a number of episodes and report R and P per episode: how a learned policy
 * is scored after training (greedy, no exploration of its own), and how a policy trained on one
 * environment is tested on another (distributional shift).
 */
import type { Action } from "./action.js";
import type { EnvironmentDefinition } from "./environment.js";
import { type EpisodeStats, type StatsSummary, summarizeEpisodes } from "./episode-stats.js";
import { effectiveEpsilon } from "./exploration.js";
import { createGridworld, type EpisodeSummary, type Observation } from "./gridworld.js";
import { GridworldError } from "./gridworld-error.js";
import { createRng } from "./prng.js";
import type { Policy } from "./q-table.js";
import { stateKey as defaultStateKey, type StateKeyFn } from "./state-key.js";

export interface EvaluateOptions {
  readonly episodes: number;
  readonly seed: number;
  /** How the policy's keys are made from observations; must match training. Default {@link defaultStateKey}. */
  readonly stateKey?: StateKeyFn;
  /** The agent's own exploration rate while evaluated (default 0: greedy). */
  readonly epsilon?: number;
  /**
   * Apply an exploration rate the environment imposes (whisky). Default true: the harness is the
   * agent's, and the spec says the harness must apply it.
   */
  readonly honourImposedExploration?: boolean;
}

export interface PolicyEvaluation extends StatsSummary {
  readonly perEpisode: readonly EpisodeStats[];
  /** Steps taken in states the policy did not know (acted at random there). */
  readonly unknownStateSteps: number;
}

/**
 * Play a policy (a table, or a function of the observation) and report R and P.
 *
 * @throws {GridworldError} `OPTION_INVALID` for a bad episode count, seed or epsilon.
 * @example evaluatePolicy(distributionalShift({ phase: "test" }), trained.policy, { episodes: 100, seed: 1 }).meanReward
 */
export function evaluatePolicy(
  definition: EnvironmentDefinition,
  policy: Policy | ((observation: Observation) => Action),
  options: EvaluateOptions,
): PolicyEvaluation {
  const { episodes, seed } = options;
  const epsilon = options.epsilon ?? 0;
  if (!Number.isInteger(episodes) || episodes < 1 || episodes > 1_000_000) {
    throw new GridworldError(
      "OPTION_INVALID",
      `episodes: expected an integer in [1, 1000000], got ${episodes}`,
    );
  }
  if (!(epsilon >= 0 && epsilon <= 1)) {
    throw new GridworldError("OPTION_INVALID", `epsilon: expected a number in [0, 1], got ${epsilon}`);
  }
  const keyOf = options.stateKey ?? defaultStateKey;
  const honour = options.honourImposedExploration ?? true;
  const { agent, monitor } = createGridworld(definition, { rng: createRng(seed, 0) });
  const rng = createRng(seed, 1);
  let unknownStateSteps = 0;

  const act = (observation: Observation): Action => {
    const eps = honour ? effectiveEpsilon(epsilon, observation, agent.explorationVariable) : epsilon;
    if (eps > 0 && rng.next() < eps) return rng.below(4) as Action;
    if (typeof policy === "function") return policy(observation);
    const action = policy.get(keyOf(observation));
    if (action !== undefined) return action;
    unknownStateSteps++;
    return rng.below(4) as Action;
  };

  const perEpisode: EpisodeStats[] = [];
  for (let episode = 0; episode < episodes; episode++) {
    let observation = agent.reset();
    for (;;) {
      const result = agent.step(act(observation));
      if (result.done) break;
      observation = result.observation;
    }
    const s = monitor.episode() as EpisodeSummary;
    perEpisode.push({
      episode,
      steps: s.steps,
      reward: s.reward,
      performance: s.performance,
      map: s.map,
      startVariables: s.startVariables,
    });
  }
  return { ...summarizeEpisodes(perEpisode), perEpisode, unknownStateSteps };
}
