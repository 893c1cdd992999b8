/**
 * Tabular Q-learning and SARSA with epsilon-greedy exploration, learning from the visible reward R
 * only. The hidden performance P is read from the environment's monitor after each episode, for the
 * report and the hooks; no line of the update reads it (the update sees only {@link AgentStep}).
 *
 * The two differ in one line, the bootstrap target: Q-learning uses the best next action
 * (off-policy), SARSA the next action it will actually take (on-policy). That difference is what
 * whisky and gold probes: SARSA's values include the exploration the whisky forces on it.
 */
import type { Action } from "./action.js";
import type { EnvironmentDefinition } from "./environment.js";
import type { EpisodeStats } from "./episode-stats.js";
import { Experience } from "./experience.js";
import { effectiveEpsilon, epsilonGreedy } from "./exploration.js";
import { type AgentStep, createGridworld, type EpisodeSummary, type StepRecord } from "./gridworld.js";
import { GridworldError } from "./gridworld-error.js";
import { createRng } from "./prng.js";
import { greedyPolicy, type Policy, type QTable } from "./q-table.js";
import { stateKey as defaultStateKey, type StateKeyFn } from "./state-key.js";

export type TabularAlgorithm = "q-learning" | "sarsa";

/** The numbers that define a run, as recorded with its result. */
export interface TabularParameters {
  /** Learning rate in (0, 1]. */
  readonly alpha: number;
  /** Discount in [0, 1]; scores are undiscounted whatever it is. */
  readonly gamma: number;
  /** The agent's own exploration rate in [0, 1] (an environment may impose a higher one). */
  readonly epsilon: number;
  readonly episodes: number;
  /** Seeds the environment (stream 0) and the agent's exploration (stream 1). */
  readonly seed: number;
}

/** One step as the hooks see it: the learner's view plus the environment-side record (with P). */
export interface StepInfo {
  readonly episode: number;
  readonly t: number;
  readonly state: string;
  readonly action: Action;
  /** The action was drawn at random (exploration), not chosen greedily. */
  readonly explored: boolean;
  /** The exploration rate in force (the agent's own, or one the environment imposed). */
  readonly epsilon: number;
  readonly nextState: string;
  readonly reward: number;
  readonly done: boolean;
  readonly truncated: boolean;
  /** Environment side: executed action, positions, R and P deltas, variables. */
  readonly record: StepRecord;
}

export interface TabularOptions extends TabularParameters {
  /** Observation to table key; default position plus every exposed variable. */
  readonly stateKey?: StateKeyFn;
  /**
   * Value every unseen state-action starts at (default 0). An optimistic start (above any return the
   * agent can reach) makes the learner try every action before it settles: on absent supervisor the
   * nine-step safe path is otherwise found late, because each of its steps costs before the goal pays.
   */
  readonly initialValue?: number;
  /** Bootstrap from the next state when an episode ends at the step limit (default true). */
  readonly bootstrapOnTruncation?: boolean;
  /** Keep the experience tuples in the result (default true). */
  readonly recordExperience?: boolean;
  readonly onStep?: (info: StepInfo) => void;
  /**
   * Called after each training episode. `learner.policy()` is the greedy policy of the table as it
   * stands (ties to the lowest action, as {@link TrainingResult.policy}), for evaluating it mid-run.
   */
  readonly onEpisode?: (stats: EpisodeStats, learner: LearnerView) => void;
}

/** What a hook may read of the learner between episodes. */
export interface LearnerView {
  /** A snapshot of the greedy policy of the current table. */
  policy(): Policy;
}

export interface TrainingResult {
  readonly algorithm: TabularAlgorithm;
  readonly environment: string;
  readonly parameters: TabularParameters;
  readonly q: QTable;
  /** Greedy in `q`, ties to the lowest action. */
  readonly policy: Policy;
  /** One entry per training episode: R and P side by side. */
  readonly episodes: readonly EpisodeStats[];
  readonly experience: Experience | undefined;
}

/** Bound on episodes: a test or a CLI typo should not start a run of days. */
export const MAX_EPISODES = 1_000_000;

/**
 * Train tabular Q-learning: Q(s,a) += alpha (r + gamma max_a' Q(s',a') - Q(s,a)).
 *
 * @throws {GridworldError} `OPTION_INVALID` for parameters out of range.
 * @example
 * const result = trainQLearning(absentSupervisor(), { alpha: 0.5, gamma: 0.95, epsilon: 0.1, episodes: 600, seed: 1 });
 * result.policy.get("1,2|supervisor=false") // 1 (DOWN): the short cut when unwatched
 */
export function trainQLearning(definition: EnvironmentDefinition, options: TabularOptions): TrainingResult {
  return train("q-learning", definition, options);
}

/**
 * Train tabular SARSA: Q(s,a) += alpha (r + gamma Q(s',a') - Q(s,a)), a' the action taken next.
 *
 * @throws {GridworldError} `OPTION_INVALID` for parameters out of range.
 * @example trainSarsa(whiskyGold(), { alpha: 0.5, gamma: 0.95, epsilon: 0.1, episodes: 1000, seed: 1 }).policy
 */
export function trainSarsa(definition: EnvironmentDefinition, options: TabularOptions): TrainingResult {
  return train("sarsa", definition, options);
}

function train(
  algorithm: TabularAlgorithm,
  definition: EnvironmentDefinition,
  options: TabularOptions,
): TrainingResult {
  const parameters = checkParameters(options);
  const { alpha, gamma, epsilon } = parameters;
  const keyOf = options.stateKey ?? defaultStateKey;
  const bootstrapOnTruncation = options.bootstrapOnTruncation ?? true;
  const initialValue = options.initialValue ?? 0;
  if (!Number.isFinite(initialValue)) {
    throw new GridworldError("OPTION_INVALID", `initialValue: expected a finite number, got ${initialValue}`);
  }
  const experience = options.recordExperience === false ? undefined : new Experience();
  const { agent, monitor } = createGridworld(definition, { rng: createRng(parameters.seed, 0) });
  const rng = createRng(parameters.seed, 1);

  const q = new Map<string, Float64Array>();
  const row = (key: string): Float64Array => {
    let r = q.get(key);
    if (r === undefined) {
      r = new Float64Array(4).fill(initialValue);
      q.set(key, r);
    }
    return r;
  };

  const snapshot = (): Map<string, readonly number[]> => {
    const table = new Map<string, readonly number[]>();
    for (const [key, values] of q) table.set(key, Array.from(values));
    return table;
  };
  const learner: LearnerView = { policy: () => greedyPolicy(snapshot()) };

  const episodes: EpisodeStats[] = [];
  for (let episode = 0; episode < parameters.episodes; episode++) {
    const first = agent.reset();
    let state = keyOf(first);
    let eps = effectiveEpsilon(epsilon, first, agent.explorationVariable);
    let choice = epsilonGreedy(row(state), eps, rng);
    for (let t = 1; ; t++) {
      const result: AgentStep = agent.step(choice.action);
      const nextState = keyOf(result.observation);
      const nextRow = row(nextState);
      const nextEps = effectiveEpsilon(epsilon, result.observation, agent.explorationVariable);
      // SARSA bootstraps from the action it will take, so it draws that action before the update;
      // Q-learning draws it after, from the updated row (the two orders differ when s' = s).
      let next = algorithm === "sarsa" && !result.done ? epsilonGreedy(nextRow, nextEps, rng) : undefined;
      const bootstrap = !result.done || (result.truncated && bootstrapOnTruncation);
      let target = result.reward;
      // At the step limit there is no next action, so SARSA too bootstraps from the best one there.
      if (bootstrap)
        target += gamma * (next === undefined ? Math.max(...nextRow) : (nextRow[next.action] as number));
      const current = row(state);
      current[choice.action] =
        (current[choice.action] as number) + alpha * (target - (current[choice.action] as number));
      if (next === undefined && !result.done) next = epsilonGreedy(nextRow, nextEps, rng);

      const terminal = result.done && !result.truncated;
      experience?.push({ state, action: choice.action, nextState, reward: result.reward, terminal });
      options.onStep?.({
        episode,
        t,
        state,
        action: choice.action,
        explored: choice.explored,
        epsilon: eps,
        nextState,
        reward: result.reward,
        done: result.done,
        truncated: result.truncated,
        record: monitor.lastRecord() as StepRecord,
      });
      if (next === undefined) break;
      state = nextState;
      eps = nextEps;
      choice = next;
    }
    const summary = monitor.episode() as EpisodeSummary;
    const stats: EpisodeStats = {
      episode,
      steps: summary.steps,
      reward: summary.reward,
      performance: summary.performance,
      map: summary.map,
      startVariables: summary.startVariables,
    };
    episodes.push(stats);
    options.onEpisode?.(stats, learner);
  }

  const table = snapshot();
  return {
    algorithm,
    environment: definition.name,
    parameters,
    q: table,
    policy: greedyPolicy(table),
    episodes,
    experience,
  };
}

function checkParameters(options: TabularOptions): TabularParameters {
  const { alpha, gamma, epsilon, episodes, seed } = options;
  const fail = (name: string, expected: string, got: unknown): never => {
    throw new GridworldError("OPTION_INVALID", `${name}: expected ${expected}, got ${String(got)}`);
  };
  if (!(alpha > 0 && alpha <= 1)) fail("alpha", "a number in (0, 1]", alpha);
  if (!(gamma >= 0 && gamma <= 1)) fail("gamma", "a number in [0, 1]", gamma);
  if (!(epsilon >= 0 && epsilon <= 1)) fail("epsilon", "a number in [0, 1]", epsilon);
  if (!Number.isInteger(episodes) || episodes < 0 || episodes > MAX_EPISODES) {
    fail("episodes", `an integer in [0, ${MAX_EPISODES}]`, episodes);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail("seed", "an integer in [0, 2^32)", seed);
  return { alpha, gamma, epsilon, episodes, seed };
}
