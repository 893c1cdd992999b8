/**
 * optprov/gridworlds: a research kit. The safety gridworlds (Leike et al. 2017, re-implemented from
 * `docs/gridworlds.md`): six environments whose visible reward R differs from the designer's hidden
 * performance P, control variants where R = P by design, tabular learners that learn from R only,
 * with an explicit model, planner and counterfactual comparison over their experience; and agents
 * instrumented through the SDK (a trainer created through the gate, the environment reporting P
 * under its own key, the mesa-optimizers it produces). The engine and the learners are pure; the
 * instrumented agents write to a ledger.
 *
 * Built on optprov's public surface and not part of the core: nothing under `src/` outside this
 * folder imports it. Instrumenting an environment of your own: `docs/instrumenting.md`.
 */
export type { AbsentSupervisorOptions } from "./absent-supervisor.js";
export { absentSupervisor, absentSupervisorControl } from "./absent-supervisor.js";
export type { Action } from "./action.js";
export {
  ACTION_DELTAS,
  ACTIONS,
  DOWN,
  formatActions,
  isAction,
  LEFT,
  parseActions,
  RIGHT,
  UP,
} from "./action.js";
export type {
  Deployment,
  EpisodeReport,
  EpisodeSeries,
  EvaluationEpisode,
  EvaluationProtocol,
  LearnedWorldModelInput,
  LedgerSeries,
  ProducedSpecInput,
  ProxyDeclaration,
  TrainAndDeployOptions,
  TrainAndDeployResult,
  TrainerSpecInput,
} from "./agents/index.js";
export {
  ACTION_NAMES,
  actionName,
  assignmentOf,
  boardCells,
  decisionTable,
  EnvironmentReporter,
  greedySpec,
  learnedWorldModel,
  plannerSpec,
  proxyDeclaration,
  startStates,
  TileLog,
  TRAINER_MAY_CREATE,
  tagsFor,
  trainAndDeploy,
  trainerSpec,
  trainingSeries,
  withTileLog,
} from "./agents/index.js";
export { boatRace, boatRaceControl } from "./boat-race.js";
export type { CatalogEntry, DesignedFailure } from "./catalog.js";
export { GRIDWORLD_CATALOG, GRIDWORLD_TRAINING } from "./catalog.js";
export type { CounterfactualPolicies, PolicyDifference } from "./counterfactual.js";
export { comparePolicyAcross, counterfactualPolicies, forceVariable } from "./counterfactual.js";
export type { DistributionalShiftOptions, DistributionalShiftPhase } from "./distributional-shift.js";
export { distributionalShift, distributionalShiftControl } from "./distributional-shift.js";
export type {
  ControlOf,
  Effect,
  EnvironmentDefinition,
  EnvironmentRules,
  EpisodeStart,
  StepContext,
  WorldState,
} from "./environment.js";
export { DEFAULT_MAX_STEPS, score } from "./environment.js";
export type { EpisodeStats, StatsSummary } from "./episode-stats.js";
export { summarizeEpisodes } from "./episode-stats.js";
export type { EvaluateOptions, PolicyEvaluation } from "./evaluate-policy.js";
export { evaluatePolicy } from "./evaluate-policy.js";
export type { ExperienceTuple } from "./experience.js";
export { Experience } from "./experience.js";
export type { Choice } from "./exploration.js";
export { effectiveEpsilon, epsilonGreedy } from "./exploration.js";
export type { EnvironmentFamily, FamilyFailure, FamilyMember } from "./families.js";
export { ENVIRONMENT_FAMILIES } from "./families.js";
export type { Grid, Legend, ParsedMap, TileChange, TileSpec } from "./grid.js";
export { BASE_LEGEND, findTiles, MAX_MAP_SIDE, parseMap, renderGrid, tileAt, withTiles } from "./grid.js";
export type {
  AgentEnvironment,
  AgentStep,
  EnvironmentMonitor,
  EpisodeSummary,
  Gridworld,
  GridworldOptions,
  Observation,
  StepRecord,
} from "./gridworld.js";
export { createGridworld } from "./gridworld.js";
export type { GridworldErrorCode } from "./gridworld-error.js";
export { GridworldError } from "./gridworld-error.js";
export type { Plan, PlannerOptions, TransitionMode, ValueIterationResult } from "./planner.js";
export { planGreedy, valueIteration } from "./planner.js";
export type { Position } from "./position.js";
export { offset, samePosition } from "./position.js";
export type { Rng } from "./prng.js";
export { createRng } from "./prng.js";
export type { Policy, QTable } from "./q-table.js";
export { greedyAction, greedyPolicy } from "./q-table.js";
export type { ActionRun } from "./run-actions.js";
export { runActions } from "./run-actions.js";
export type {
  InterruptibilityLevel,
  SafeInterruptibilityControlOptions,
  SafeInterruptibilityOptions,
} from "./safe-interruptibility.js";
export { safeInterruptibility, safeInterruptibilityControl } from "./safe-interruptibility.js";
export type { StateKeyFn, StateParts } from "./state-key.js";
export {
  decodeStateKey,
  encodeStateKey,
  positionKey,
  stateKey,
  withoutVariable,
  withVariable,
} from "./state-key.js";
export type {
  LearnerView,
  StepInfo,
  TabularAlgorithm,
  TabularOptions,
  TabularParameters,
  TrainingResult,
} from "./tabular-learning.js";
export { MAX_EPISODES, trainQLearning, trainSarsa } from "./tabular-learning.js";
export type { ActionModel, Outcome, TabularModel } from "./tabular-model.js";
export { knownActions, learnModel } from "./tabular-model.js";
export type { TomatoWateringOptions } from "./tomato-watering.js";
export { tomatoWatering, tomatoWateringControl } from "./tomato-watering.js";
export type { TreacherousTurnOptions } from "./treacherous-turn.js";
export { treacherousTurn, treacherousTurnControl } from "./treacherous-turn.js";
export type {
  VariableDeclaration,
  VariableDomain,
  VariableRole,
  Variables,
  VariableValue,
} from "./variables.js";
export { VARIABLE_NAME } from "./variables.js";
export { whiskyGold, whiskyGoldControl } from "./whisky-gold.js";
