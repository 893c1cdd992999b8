/**
 * The roles of a world model's variables as the detectors read them (`docs/conventions.md`): the
 * decision, the reward, the oversight variables and the other role tags, the state variables with
 * the variable that holds each one's value after the decision, and the episode's end.
 *
 * Every role has a declared form. Two also have an older form carried by names, still read when
 * nothing is declared, so specs written before the declared forms keep working:
 * - a state variable `x` and its next value: declared by `nextOf: x` on the next-value variable;
 *   by name, a variable `next_x` beside `x` (when no variable declares `nextOf: x`);
 * - the episode's end: declared by the tag `terminal` on a boolean variable; by name, the boolean
 *   variable `terminal` (when no variable carries the tag).
 */
import type { Variable } from "./variable.js";

/** A state variable and the variable that holds its value after the decision. */
export interface Transition {
  readonly state: string;
  readonly next: string;
  /** How the pair is known: a `nextOf` field, or the `next_x` naming convention. */
  readonly by: "nextOf" | "name";
}

export interface VariableRoles {
  /** Variables tagged `decision` (a decision process has exactly one). */
  readonly decision: readonly string[];
  /** Variables tagged `reward` (a decision process has exactly one). */
  readonly reward: readonly string[];
  readonly oversight: readonly string[];
  readonly capability: readonly string[];
  readonly rewardChannel: readonly string[];
  readonly safetyConstraint: readonly string[];
  readonly hidden: readonly string[];
  readonly agentProcess: readonly string[];
  /** State variables paired with their next value, in the order the state variables are declared. */
  readonly transitions: readonly Transition[];
  /**
   * Variables that mark the episode's end: those tagged `terminal`, else the variable named
   * `terminal` if there is one (a decision process has at most one).
   */
  readonly terminal: readonly string[];
}

/**
 * Read the roles of a world model's variables. Tolerates unchecked input (a spec at the gate):
 * entries that are not variables are skipped.
 *
 * @example variableRoles(model).transitions // [{ state: "position", next: "next_position", by: "name" }]
 */
export function variableRoles(model: { readonly variables?: readonly Variable[] }): VariableRoles {
  const variables = (Array.isArray(model.variables) ? model.variables : []).filter(
    (v): v is Variable => typeof v === "object" && v !== null && typeof v.name === "string",
  );
  const tagged = (tag: string) =>
    variables.filter((v) => Array.isArray(v.tags) && v.tags.includes(tag)).map((v) => v.name);
  const decision = tagged("decision");
  const names = new Set(variables.map((v) => v.name));
  const declared = new Map<string, string>();
  for (const v of variables)
    if (typeof v.nextOf === "string" && names.has(v.nextOf) && v.nextOf !== v.name && !declared.has(v.nextOf))
      declared.set(v.nextOf, v.name);
  const nextValues = new Set(declared.values());
  const transitions: Transition[] = [];
  for (const v of variables) {
    if (decision.includes(v.name) || nextValues.has(v.name)) continue;
    const next = declared.get(v.name);
    if (next !== undefined) transitions.push({ state: v.name, next, by: "nextOf" });
    else if (names.has(`next_${v.name}`) && !variables.some((w) => w.name === `next_${v.name}` && w.nextOf))
      transitions.push({ state: v.name, next: `next_${v.name}`, by: "name" });
  }
  const terminalTagged = tagged("terminal");
  return {
    decision,
    reward: tagged("reward"),
    oversight: tagged("oversight"),
    capability: tagged("capability"),
    rewardChannel: tagged("reward-channel"),
    safetyConstraint: tagged("safety-constraint"),
    hidden: tagged("hidden"),
    agentProcess: tagged("agent-process"),
    transitions,
    terminal: terminalTagged.length > 0 ? terminalTagged : names.has("terminal") ? ["terminal"] : [],
  };
}
