/**
 * Explicit world models as sheaves of local models: variables with domains, small local models
 * (relations, deterministic tables, conditional probability tables), and the operations that glue
 * them, count and sample their global sections, predict outcomes, measure how far observations are
 * from them, compose them and diff them. Pure: no I/O.
 */
export type { Assignment } from "./assignment.js";
export { DEFAULT_SEARCH_BUDGET } from "./backtracking.js";
export type { ValidateWorldModelOptions } from "./compiled-model.js";
export { compose } from "./compose.js";
export { type ConsistencyRadius, consistencyRadius, type ObservationDistance } from "./consistency-radius.js";
export {
  diffWorldModels,
  isEmptyDiff,
  type LocalModelChange,
  type ProbabilityChange,
  renderWorldModelDiff,
  type VariableChange,
  type WorldModelDiff,
} from "./diff.js";
export {
  type BooleanDomain,
  DEFAULT_ENUMERATION_LIMIT,
  type Domain,
  domainContains,
  domainSize,
  domainsEqual,
  domainValues,
  type EnumDomain,
  formatDomain,
  type IntDomain,
  type RealDomain,
  type Value,
} from "./domain.js";
export {
  condition,
  countSections,
  enumerateSections,
  observationModelName,
  type SearchBudget,
  type SectionCount,
  type SectionList,
  sampleSections,
} from "./global-sections.js";
export {
  type GlobalConsistency,
  globalConsistency,
  type PairDisagreement,
  type PairwiseConsistency,
  pairwiseConsistency,
  type UnextendableRows,
} from "./gluing.js";
export { type AcyclicJoinTree, type CyclicCore, type JoinTree, joinTree } from "./join-tree.js";
export {
  asRelation,
  type CptModel,
  type CptRow,
  cpt,
  type LocalModel,
  type Outcome,
  type RelationModel,
  type Row,
  relation,
  scopeOf,
  type TableModel,
  table,
  tableFromFunction,
} from "./local-model.js";
export { DEFAULT_MAX_CELLS, type Prediction, predict } from "./predict.js";
export { isRoleTag, misspeltRoleTag, ROLE_TAGS, type RoleTag, type RoleTagInfo } from "./role-tags.js";
export { type Rng, randomBelow, seededRng } from "./seeded-rng.js";
export {
  booleanVariable,
  enumVariable,
  hasTag,
  intVariable,
  realVariable,
  type Variable,
  WELL_KNOWN_TAGS,
  type WellKnownTag,
} from "./variable.js";
export { parseWorldModel, validateWorldModel, type WorldModel, worldModel } from "./world-model.js";
export { formatPath, WorldModelError, type WorldModelErrorCode } from "./world-model-error.js";
export { WORLD_MODEL_LIMITS } from "./world-model-schema.js";
