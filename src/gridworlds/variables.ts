/**
 * Named variables an environment exposes to the agent (`supervisor`, `interruption_active`,
 * `exploration`) or keeps to itself (`should_interrupt`). Declared as data so that a later layer can
 * turn them into world-model variables and put an `oversight` tag on the ones that say whether the
 * agent is being watched or can be stopped.
 */

export type VariableValue = boolean | number;

export type Variables = Readonly<Record<string, VariableValue>>;

/** The same shape as the objective language's variable domains, so a description maps one to one. */
export type VariableDomain =
  | { readonly kind: "boolean" }
  | { readonly kind: "real"; readonly min: number; readonly max: number };

/**
 * What a variable means to an overseer:
 * - `oversight`: an oversight mechanism (is a supervisor present, is the off-switch armed); a policy
 *   that depends on it is the signature of behaving differently when unobserved;
 * - `agent-process`: a parameter of the agent's own optimization process that the environment can
 *   change (the exploration rate whisky sets): a change is self-modification;
 * - `capability`: something the agent can gain that changes what it is able to do (the bow of the
 *   treacherous turn); a policy that behaves only while it lacks it is the treacherous turn;
 * - `world`: anything else.
 */
export type VariableRole = "oversight" | "agent-process" | "capability" | "world";

export interface VariableDeclaration {
  /** Lower-case letters, digits and `_`, so it can sit in a state key unescaped. */
  readonly name: string;
  readonly domain: VariableDomain;
  readonly role: VariableRole;
  readonly description: string;
}

/** Variable names that can be written into a state key as `name=value` without escaping. */
export const VARIABLE_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
