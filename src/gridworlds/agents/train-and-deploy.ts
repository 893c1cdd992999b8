/**
 * A gridworld agent with its whole provenance in a ledger: the trainer is created through the gate,
 * trains (every environment step a recorded step, the exploration rate in force as a run parameter),
 * the environment reports P under its own key, and at the end the trainer creates its
 * mesa-optimizers through the gate (a greedy policy and a planner over the world model it learned),
 * which are deployed only if the gate lets them be.
 *
 * What the agent sees and what the environment knows stay apart: the learner's hooks hand the run
 * context R (the agent's own reward); P goes from the environment's monitor to the
 * {@link EnvironmentReporter}, never through the agent's code.
 *
 * The trainer's record also holds greedy evaluation episodes (`docs/conventions.md`, "Evaluation
 * episodes"): every so many training episodes, the greedy policy of the table as it stands plays a
 * few episodes with its own exploration off, on a copy of the environment with its own random
 * stream (so training runs exactly as it would without them), each step marked `evaluation: 1`,
 * P reported by the environment as for training. An epsilon-greedy learner's training episodes
 * show what its exploring behaviour does; what it would deploy can differ (SARSA on boat race
 * learns to lap while exploring and its greedy policy goes back and forth), and the evaluation
 * episodes put that policy's R and P in the trainer's record before anything is deployed.
 *
 * The training loop is synchronous, so a halt issued during training is seen at the first step after
 * it returns control (the end of training); deployment checks at every step.
 */

import { PolicyError } from "../../errors.js";
import type { SignerKey } from "../../ledger/keys.js";
import { MEASURE_KEYS } from "../../model/measures.js";
import type { Assignment } from "../../model/world-model/assignment.js";
import type { WorldModel } from "../../model/world-model/world-model.js";
import type { ObservedEpisode } from "../../oversight/detectors/distributional-shift.js";
import { readDecisionProcess, solveDecisionProcess } from "../../oversight/detectors/oversight-dependence.js";
import { spawnSpecFrom } from "../../sdk/from-spec.js";
import type { Ledger } from "../../sdk/ledger.js";
import type { Optimizer, SpawnSpec } from "../../sdk/optimizer.js";
import type { RunContext } from "../../sdk/run-context.js";
import { ACTIONS, type Action } from "../action.js";
import { GRIDWORLD_TRAINING } from "../catalog.js";
import type { EnvironmentDefinition } from "../environment.js";
import type { EpisodeStats } from "../episode-stats.js";
import { effectiveEpsilon } from "../exploration.js";
import { createGridworld, type EpisodeSummary, type Observation } from "../gridworld.js";
import { GridworldError } from "../gridworld-error.js";
import { createRng } from "../prng.js";
import type { Policy } from "../q-table.js";
import { stateKey } from "../state-key.js";
import {
  type TabularAlgorithm,
  type TrainingResult,
  trainQLearning,
  trainSarsa,
} from "../tabular-learning.js";
import {
  type EvaluationProtocol,
  greedySpec,
  plannerSpec,
  proxyDeclaration,
  trainerSpec,
} from "./agent-specs.js";
import { EnvironmentReporter } from "./environment-reporter.js";
import { actionName, assignmentOf, learnedWorldModel, startStates } from "./learned-world-model.js";
import { TileLog, withTileLog } from "./observed-tiles.js";

export interface TrainAndDeployOptions {
  readonly algorithm: TabularAlgorithm;
  readonly seed: number;
  readonly episodes: number;
  readonly ledger: Ledger;
  /** The optimizer (or root actor) that creates the trainer. */
  readonly root: Optimizer;
  /** The environment's own key: P is signed with it. */
  readonly environmentKey: SignerKey;
  /** The trainer's name (default `<environment>-<algorithm>-<seed>`). */
  readonly name?: string;
  /** Where the produced optimizers are deployed (default: the training environment). */
  readonly deployIn?: EnvironmentDefinition;
  /** Deployment episodes per produced optimizer (default 20; 0 deploys nothing). */
  readonly deployEpisodes?: number;
  /** Learner settings beyond the seed and episodes (default GRIDWORLD_TRAINING). */
  readonly training?: Partial<Omit<typeof GRIDWORLD_TRAINING, "episodes">>;
  /** How long a creation needing approval waits, in ms (default 0: fail fast). */
  readonly waitMs?: number;
  /**
   * Greedy evaluation episodes in the trainer's record: `episodes` of them after every `every`
   * training episodes (default {@link DEFAULT_EVALUATION}; `episodes: 0` records none).
   */
  readonly evaluation?: Partial<EvaluationProtocol>;
}

/**
 * One evaluation episode after every 10 training episodes: 50 points over the benchmark's 500
 * episodes, at a tenth of the training steps. More than one episode per evaluation adds information
 * only where the environment or the policy's tie-breaking is random: in a deterministic environment
 * a greedy policy plays the same episode every time, and repeats of it are not further evidence.
 */
export const DEFAULT_EVALUATION: EvaluationProtocol = { every: 10, episodes: 1 };

/** One greedy evaluation episode as the trainer recorded it. */
export interface EvaluationEpisode extends EpisodeStats {
  /** Training episodes completed when the evaluated policy was read off the table. */
  readonly afterTraining: number;
}

/** What happened to one mesa-optimizer at the gate and, if it passed, in deployment. */
export interface Deployment {
  readonly kind: "greedy" | "planner";
  readonly name: string;
  readonly spec: SpawnSpec;
  /** `denied`: the gate refused it in enforce mode; `pending`: it awaits overseer approval. */
  readonly gate: "allowed" | "denied" | "pending";
  /** The gate's reasons when it was refused, or the error's message when it is pending. */
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
  /** Per deployment episode, R and P side by side (P from the environment side, for reporting). */
  readonly episodes: readonly EpisodeStats[];
  /** What the deployed optimizer observed, per episode, for the distributional-shift detector. */
  readonly observations: readonly ObservedEpisode[];
}

export interface TrainAndDeployResult {
  readonly trainer: string;
  readonly environment: string;
  readonly environmentActor: string;
  readonly training: TrainingResult;
  /**
   * The greedy evaluation episodes, in the order they ran; each `episode` is its number in the
   * ledger (after the training episodes': `episodes`, `episodes + 1`, ...).
   */
  readonly evaluation: readonly EvaluationEpisode[];
  readonly worldModel: WorldModel;
  readonly starts: readonly Assignment[];
  readonly deployments: readonly Deployment[];
}

/**
 * Train a tabular agent through the SDK and deploy what it produces.
 *
 * @throws {PolicyError} when the gate refuses the trainer itself; a refused mesa-optimizer is a
 *   `denied` deployment, not an exception.
 * @example
 * const result = await trainAndDeploy(absentSupervisor(), { algorithm: "q-learning", seed: 1, episodes: 300, ledger, root, environmentKey });
 * result.deployments.map((d) => `${d.kind}: ${d.gate}`) // ["greedy: denied", "planner: denied"] under a policy requiring oversight-dependence
 */
export async function trainAndDeploy(
  definition: EnvironmentDefinition,
  options: TrainAndDeployOptions,
): Promise<TrainAndDeployResult> {
  const { ledger, algorithm, seed, episodes } = options;
  const settings = { ...GRIDWORLD_TRAINING, ...options.training, episodes, seed };
  const name = options.name ?? `${definition.name}-${algorithm}-${seed}`;
  const reporter = new EnvironmentReporter(ledger, options.environmentKey);
  await reporter.register();
  const proxy = proxyDeclaration(definition, reporter.actor);
  const deployEpisodes = options.deployEpisodes ?? 20;
  const protocol = evaluationProtocol(options.evaluation);

  const trainer = await options.root.spawn(
    spawnSpecFrom(
      trainerSpec({
        name,
        algorithm,
        definition,
        parameters: settings,
        proxy,
        ...(protocol.episodes > 0 ? { evaluation: protocol } : {}),
      }),
    ),
    options.waitMs !== undefined ? { waitMs: options.waitMs } : {},
  );

  const tiles = new TileLog(definition);
  const evaluation: EvaluationEpisode[] = [];
  const evaluator = new Evaluator(definition, seed, settings.epsilon);
  const training = await trainer.run((ctx) => {
    let ret = 0;
    const learn = algorithm === "q-learning" ? trainQLearning : trainSarsa;
    return learn(withTileLog(definition, tiles), {
      ...settings,
      onStep: (info) => {
        // The rate in force is a run parameter: a change (the whisky) closes the batch recorded
        // under the old rate, so the ledger says exactly which steps ran at which rate.
        if (info.epsilon !== ctx.params["epsilon"]) {
          void ctx.flush();
          ctx.params["epsilon"] = info.epsilon;
        }
        ret += info.reward;
        ctx.step(
          info.done
            ? { episode: info.episode, t: info.t, reward: info.reward, R: ret }
            : { episode: info.episode, t: info.t, reward: info.reward },
        );
        if (info.done) ret = 0;
      },
      onEpisode: (stats, learner) => {
        // Environment side: the monitor's episode summary carries P; only the reporter reads it.
        reporter.record(name, stats.episode, measures(definition, stats));
        if (protocol.episodes === 0 || (stats.episode + 1) % protocol.every !== 0) return;
        const policy = learner.policy();
        for (let k = 0; k < protocol.episodes; k++) {
          const episode = episodes + evaluation.length;
          const summary = evaluator.play(lookup(policy), ctx, episode);
          reporter.record(name, episode, measures(definition, summary));
          evaluation.push({ ...summary, episode, afterTraining: stats.episode + 1 });
        }
      },
    });
  });
  await reporter.flush();

  const experience = training.experience ?? [];
  const worldModel = learnedWorldModel({
    name: `${name} world model`,
    definition,
    experience,
    tiles: tiles.cells(),
  });
  const starts = startStates(
    experience,
    training.episodes.map((e) => e.steps),
  );
  const produced = {
    trainer: name,
    definition,
    worldModel,
    starts,
    proxy,
    maxSteps: deployEpisodes * definition.maxSteps,
  };
  const deployIn = options.deployIn ?? definition;
  const candidates: {
    kind: Deployment["kind"];
    spec: SpawnSpec;
    act: (o: Observation) => Action | undefined;
  }[] = [
    {
      kind: "greedy",
      spec: spawnSpecFrom(greedySpec({ ...produced, name: `${name}-greedy`, policy: training.policy })),
      act: lookup(training.policy),
    },
    {
      kind: "planner",
      spec: spawnSpecFrom(plannerSpec({ ...produced, name: `${name}-planner` })),
      act: planOver(worldModel),
    },
  ];

  const deployments: Deployment[] = [];
  for (const c of candidates) {
    let optimizer: Optimizer;
    try {
      optimizer = await trainer.spawn(c.spec, options.waitMs !== undefined ? { waitMs: options.waitMs } : {});
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      const pending = err.code === "APPROVAL_TIMEOUT";
      if (!pending && err.code !== "POLICY_DENIED") throw err;
      deployments.push({
        kind: c.kind,
        name: c.spec.name,
        spec: c.spec,
        gate: pending ? "pending" : "denied",
        reasons: pending ? [{ code: err.code, message: err.message }] : err.reasons,
        episodes: [],
        observations: [],
      });
      continue;
    }
    const run =
      deployEpisodes > 0
        ? await deploy(optimizer, deployIn, c.act, reporter, deployEpisodes, seed)
        : { episodes: [], observations: [] };
    deployments.push({ kind: c.kind, name: c.spec.name, spec: c.spec, gate: "allowed", reasons: [], ...run });
  }
  await reporter.flush();
  return {
    trainer: name,
    environment: definition.name,
    environmentActor: reporter.actor,
    training,
    evaluation,
    worldModel,
    starts,
    deployments,
  };
}

/**
 * What the environment reports of an episode: P, and the intended measure in the reward's units
 * where the environment keeps P in other units (boat race; `EnvironmentDefinition.intended`).
 */
function measures(
  definition: EnvironmentDefinition,
  episode: { readonly performance: number; readonly steps: number },
): Record<string, number> {
  return {
    P: episode.performance,
    ...(definition.intended !== undefined ? { [MEASURE_KEYS.intended]: definition.intended(episode) } : {}),
  };
}

function evaluationProtocol(given: Partial<EvaluationProtocol> | undefined): EvaluationProtocol {
  const every = given?.every ?? DEFAULT_EVALUATION.every;
  const episodes = given?.episodes ?? DEFAULT_EVALUATION.episodes;
  if (!Number.isInteger(every) || every < 1)
    throw new GridworldError("OPTION_INVALID", `evaluation.every: expected an integer >= 1, got ${every}`);
  if (!Number.isInteger(episodes) || episodes < 0 || episodes > 1000)
    throw new GridworldError(
      "OPTION_INVALID",
      `evaluation.episodes: expected an integer in [0, 1000], got ${episodes}`,
    );
  return { every, episodes };
}

/** The step metric that marks an evaluation episode's steps (`docs/conventions.md`). */
const EVALUATION = MEASURE_KEYS.evaluation;

/**
 * Plays greedy evaluation episodes inside the trainer's run, on its own copy of the environment
 * and its own random streams (4 and 5; training uses 0 and 1, deployment 2 and 3), recording each
 * step in the trainer's record marked as evaluation.
 */
class Evaluator {
  private readonly world: ReturnType<typeof createGridworld>;
  private readonly rng: ReturnType<typeof createRng>;

  constructor(
    definition: EnvironmentDefinition,
    seed: number,
    /** The learner's own exploration rate: the run parameter training records. */
    private readonly epsilon: number,
  ) {
    this.world = createGridworld(definition, { rng: createRng(seed, 4) });
    this.rng = createRng(seed, 5);
  }

  play(act: (o: Observation) => Action | undefined, ctx: RunContext, episode: number): EpisodeStats {
    const { agent, monitor } = this.world;
    let observation = agent.reset();
    let ret = 0;
    for (let t = 1; ; t++) {
      // The learner's exploration is off by protocol (the mark says so); a rate the environment
      // imposes (the whisky) still applies and is recorded as a run parameter, as in training.
      const imposed = effectiveEpsilon(this.epsilon, observation, agent.explorationVariable);
      if (imposed !== ctx.params["epsilon"]) {
        void ctx.flush();
        ctx.params["epsilon"] = imposed;
      }
      const result = agent.step(harnessAction(act, observation, agent.explorationVariable, this.rng));
      ret += result.reward;
      ctx.step(
        result.done
          ? { episode, t, reward: result.reward, [EVALUATION]: 1, R: ret }
          : { episode, t, reward: result.reward, [EVALUATION]: 1 },
      );
      if (result.done) break;
      observation = result.observation;
    }
    const summary = monitor.episode() as EpisodeSummary;
    return {
      episode,
      steps: summary.steps,
      reward: summary.reward,
      performance: summary.performance,
      map: summary.map,
      startVariables: summary.startVariables,
    };
  }
}

/**
 * The action a produced policy takes under its harness: its own choice (at random in a state it has
 * none for), replaced at random at the rate the environment imposes, if any (the whisky).
 */
function harnessAction(
  act: (o: Observation) => Action | undefined,
  observation: Observation,
  explorationVariable: string | undefined,
  rng: ReturnType<typeof createRng>,
): Action {
  const eps = effectiveEpsilon(0, observation, explorationVariable);
  let action = act(observation) ?? (rng.below(4) as Action);
  if (eps > 0 && rng.next() < eps) action = rng.below(4) as Action;
  return action;
}

function lookup(policy: Policy): (o: Observation) => Action | undefined {
  return (o) => policy.get(stateKey(o));
}

/** The planner acts by value iteration over its explicit world model: the model the gate examined. */
function planOver(model: WorldModel): (o: Observation) => Action | undefined {
  const process = readDecisionProcess(model);
  const { policy } = solveDecisionProcess(process);
  return (o) => {
    const a = policy.get(process.keyOf(assignmentOf({ position: o.position, variables: o.variables })));
    return a === undefined ? undefined : ACTIONS[a];
  };
}

/**
 * Run a produced optimizer in an environment: every step recorded, P reported by the environment,
 * the optimizer's own observations (transitions and the tiles it saw) kept per episode. An action
 * the optimizer has none for is drawn at random; an exploration rate the environment imposes
 * (whisky) is applied by the harness, as the spec says.
 */
async function deploy(
  optimizer: Optimizer,
  definition: EnvironmentDefinition,
  act: (o: Observation) => Action | undefined,
  reporter: EnvironmentReporter,
  count: number,
  seed: number,
): Promise<{ episodes: EpisodeStats[]; observations: ObservedEpisode[] }> {
  const tiles = new TileLog(definition);
  const { agent, monitor } = createGridworld(withTileLog(definition, tiles), { rng: createRng(seed, 2) });
  const rng = createRng(seed, 3);
  const episodes: EpisodeStats[] = [];
  const observations: ObservedEpisode[] = [];
  await optimizer.run((ctx) => {
    for (let episode = 0; episode < count; episode++) {
      tiles.clear();
      let observation = agent.reset();
      const seen: Record<string, unknown>[] = [];
      for (let t = 1; ; t++) {
        const action = harnessAction(act, observation, agent.explorationVariable, rng);
        const result = agent.step(action);
        ctx.step({ episode, t, reward: result.reward });
        const next = result.observation;
        seen.push({
          ...assignmentOf({ position: observation.position, variables: observation.variables }),
          action: actionName(action),
          next_position: `${next.position.row},${next.position.col}`,
          ...Object.fromEntries(Object.entries(next.variables).map(([k, v]) => [`next_${k}`, v])),
          terminal: result.done && !result.truncated,
        });
        if (result.done) break;
        observation = next;
      }
      const summary = monitor.episode() as EpisodeSummary;
      reporter.record(optimizer.name, episode, measures(definition, summary));
      episodes.push({
        episode,
        steps: summary.steps,
        reward: summary.reward,
        performance: summary.performance,
        map: summary.map,
        startVariables: summary.startVariables,
      });
      for (const [cell, tile] of tiles.cells()) seen.push({ cell, tile });
      observations.push({ episode, observations: seen });
      // What the deployed optimizer saw goes into the ledger too, so the distributional-shift
      // detector can be re-run offline from the ledger alone (optprov audit).
      ctx.emit({
        name: "observations",
        mediaType: "application/json",
        data: { episode, observations: seen },
      });
    }
  });
  return { episodes, observations };
}
