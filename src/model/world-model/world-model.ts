/**
 * A world model: named variables and the local models that cover them. Its meaning is the set of
 * *global sections*: assignments to every variable whose projection onto each local model's
 * variables is in that model's support (the sheaf condition: local pieces that agree on shared
 * variables glue into a global assignment).
 */
import { compileWorldModel, type ValidateWorldModelOptions } from "./compiled-model.js";
import type { LocalModel } from "./local-model.js";
import type { Variable } from "./variable.js";
import type { WorldModelError } from "./world-model-error.js";

export interface WorldModel {
  readonly name: string;
  readonly variables: readonly Variable[];
  readonly localModels: readonly LocalModel[];
}

/**
 * Every problem with a (possibly hostile) world model, each a `WorldModelError` with a code and the
 * path where it was found. An empty list means the model is valid. Lists at most
 * `WORLD_MODEL_LIMITS.problems` problems.
 *
 * Problems found: wrong JSON types (`SHAPE_INVALID`), sizes over the limits (`TOO_LARGE`), bad names,
 * bad domains, duplicate variables or local models, unknown or repeated variables in a scope, rows of
 * the wrong length, values outside their domain, duplicate rows, tables that are not functions, CPT
 * probabilities outside [0, 1] or rows not summing to 1 within 1e-9, and variables no local model covers;
 * with `requireCompleteCpts`, also CPTs without a row for some combination of their parents' values.
 *
 * @example validateWorldModel({ name: "w", variables: [], localModels: [] }) // []
 * @example validateWorldModel(model, { requireCompleteCpts: true }).map((e) => e.code) // ["CPT_ROWS_MISSING"]
 */
export function validateWorldModel(
  input: unknown,
  options: ValidateWorldModelOptions = {},
): readonly WorldModelError[] {
  return compileWorldModel(input, options).problems;
}

/**
 * Check untrusted input and return it typed as a world model, or throw the first problem
 * (a `WorldModelError` whose `problems` lists all of them).
 *
 * @example parseWorldModel(JSON.parse(text)).localModels.length
 */
export function parseWorldModel(input: unknown): WorldModel {
  return compileWorldModel(input, { throwOnProblems: true }).compiled!.model;
}

/**
 * Build and validate a world model in code.
 *
 * @example
 * worldModel("garden", [booleanVariable("rain"), enumVariable("soil", ["dry", "wet"])],
 *   [relation("rain-wets", "rain makes the soil wet", ["rain", "soil"], [[true, "wet"], [false, "dry"], [false, "wet"]])])
 */
export function worldModel(
  name: string,
  variables: readonly Variable[],
  localModels: readonly LocalModel[],
): WorldModel {
  return parseWorldModel({ name, variables, localModels });
}
