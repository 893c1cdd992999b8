/**
 * What the objective checker needs to know about a world model, as plain data: the variables, their
 * domains and their tags. The world-model module describes itself in this shape, so the objective
 * language depends on no world-model code and can be checked against a description from a spec file.
 */

export type VariableDomain =
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "int"; readonly min: number; readonly max: number }
  | { readonly kind: "real"; readonly unit?: string };

export interface VariableDescription {
  readonly name: string;
  readonly domain: VariableDomain;
  /** Free-form labels a policy can act on, e.g. `oversight` for "is the optimizer being watched". */
  readonly tags: readonly string[];
}

export interface WorldDescription {
  readonly variables: readonly VariableDescription[];
}
