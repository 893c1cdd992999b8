/**
 * Variables of a world model: a name, a domain, and free-form tags that say what role the
 * variable plays for the optimizer that holds the model.
 */
import type { Domain } from "./domain.js";

/**
 * Tags the rest of optprov understands. Tags are free strings; these are the ones detectors and
 * `predict` look for (a `decision` is what the optimizer chooses, an `oversight` variable says
 * whether it is watched, which the oversight-dependence detector keys on). The whole vocabulary
 * of role tags, each with its meaning, is `ROLE_TAGS` (`role-tags.ts`); these five are among them.
 */
export const WELL_KNOWN_TAGS = ["decision", "observation", "oversight", "reward", "outcome"] as const;
export type WellKnownTag = (typeof WELL_KNOWN_TAGS)[number];

export interface Variable {
  readonly name: string;
  readonly domain: Domain;
  readonly tags: readonly string[];
  /**
   * Declares this variable the value of the state variable it names after the decision (the
   * decision-process reading of `docs/conventions.md`); without it, `next_x` pairs with `x` by name.
   */
  readonly nextOf?: string;
}

/**
 * A boolean variable.
 *
 * @example booleanVariable("watched", ["oversight"])
 */
export function booleanVariable(name: string, tags: readonly string[] = []): Variable {
  return { name, domain: { kind: "boolean" }, tags };
}

/**
 * A variable over a list of named values.
 *
 * @example enumVariable("soil", ["dry", "moist", "wet"], ["observation"])
 */
export function enumVariable(
  name: string,
  values: readonly string[],
  tags: readonly string[] = [],
): Variable {
  return { name, domain: { kind: "enum", values }, tags };
}

/**
 * An integer variable in `min..max` (inclusive).
 *
 * @example intVariable("steps", 0, 10, ["reward"])
 */
export function intVariable(name: string, min: number, max: number, tags: readonly string[] = []): Variable {
  return { name, domain: { kind: "int", min, max }, tags };
}

/**
 * A continuous variable with a unit. Operations that enumerate domains refuse it (see `domain.ts`).
 *
 * @example realVariable("temperature", "degC", ["observation"])
 */
export function realVariable(name: string, unit: string, tags: readonly string[] = []): Variable {
  return { name, domain: { kind: "real", unit }, tags };
}

/**
 * Whether a variable carries a tag.
 *
 * @example hasTag(booleanVariable("watched", ["oversight"]), "oversight") === true
 */
export function hasTag(variable: Variable, tag: string): boolean {
  return variable.tags.includes(tag);
}
