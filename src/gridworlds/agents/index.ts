/**
 * Gridworld agents instrumented through the SDK: a trainer created through the gate, the
 * environment reporting the hidden performance under its own key, and the mesa-optimizers the
 * trainer produces (a greedy policy, a planner over its learned explicit world model) created
 * through the gate and deployed only if it lets them.
 */
export type {
  EvaluationProtocol,
  ProducedSpecInput,
  ProxyDeclaration,
  TrainerSpecInput,
} from "./agent-specs.js";
export {
  decisionTable,
  greedySpec,
  plannerSpec,
  proxyDeclaration,
  TRAINER_MAY_CREATE,
  trainerSpec,
} from "./agent-specs.js";
export { EnvironmentReporter, type EpisodeReport } from "./environment-reporter.js";
export type { LearnedWorldModelInput } from "./learned-world-model.js";
export {
  ACTION_NAMES,
  actionName,
  assignmentOf,
  boardCells,
  learnedWorldModel,
  startStates,
  tagsFor,
} from "./learned-world-model.js";
export type { EpisodeSeries, LedgerSeries } from "./ledger-series.js";
export { trainingSeries } from "./ledger-series.js";
export { TileLog, withTileLog } from "./observed-tiles.js";
export type {
  Deployment,
  EvaluationEpisode,
  TrainAndDeployOptions,
  TrainAndDeployResult,
} from "./train-and-deploy.js";
export { trainAndDeploy } from "./train-and-deploy.js";
