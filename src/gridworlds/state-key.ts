/**
 * State keys: the string a tabular learner indexes its table by, built from what the agent observes.
 * The default key is the position and every exposed variable, `3,5|supervisor=true`, so that a
 * later layer can read the variables back out of a learned table or model (to force `supervisor`
 * true and false and compare the policies). The board's tiles are left out by default: the
 * environments summarise the tile changes that matter in variables (`whisky_drunk`,
 * `interruption_active`), and 2^13 tomato layouts would make tomato watering untabulable.
 */
import type { Observation } from "./gridworld.js";
import { GridworldError } from "./gridworld-error.js";
import type { Position } from "./position.js";
import { VARIABLE_NAME, type Variables, type VariableValue } from "./variables.js";

/** A state key split into its parts. */
export interface StateParts {
  readonly position: Position;
  readonly variables: Variables;
}

/** How a learner turns an observation into a table key. */
export type StateKeyFn = (observation: Observation) => string;

/**
 * The default state key: position and every exposed variable.
 *
 * @example stateKey(observation) === "1,2|supervisor=true"
 */
export const stateKey: StateKeyFn = (observation) =>
  encodeStateKey({ position: observation.position, variables: observation.variables });

/**
 * A key from position alone, ignoring every variable (for an agent that should not see them).
 *
 * @example positionKey(observation) === "1,2"
 */
export const positionKey: StateKeyFn = (observation) =>
  encodeStateKey({ position: observation.position, variables: {} });

/**
 * Encode parts as `row,col|name=value|...` with variables in name order, so equal states have equal keys.
 *
 * @throws {GridworldError} `STATE_KEY_INVALID` for a variable name outside `[a-z_][a-z0-9_]*` or a
 *   value that is not a boolean or finite number.
 * @example encodeStateKey({ position: { row: 1, col: 2 }, variables: { supervisor: false } }) === "1,2|supervisor=false"
 */
export function encodeStateKey(parts: StateParts): string {
  let key = `${parts.position.row},${parts.position.col}`;
  for (const name of Object.keys(parts.variables).sort()) {
    const value = parts.variables[name] as VariableValue;
    if (!VARIABLE_NAME.test(name)) {
      throw new GridworldError(
        "STATE_KEY_INVALID",
        `state key: expected a variable name like supervisor, got ${JSON.stringify(name)}`,
      );
    }
    if (typeof value !== "boolean" && !(typeof value === "number" && Number.isFinite(value))) {
      throw new GridworldError(
        "STATE_KEY_INVALID",
        `state key ${name}: expected a boolean or finite number, got ${String(value)}`,
      );
    }
    key += `|${name}=${String(value)}`;
  }
  return key;
}

/** Bound on key length: keys come from ledgers and files, so a decoder must not be handed megabytes. */
const MAX_KEY_LENGTH = 4096;

/**
 * Decode a key made by {@link encodeStateKey}.
 *
 * @throws {GridworldError} `STATE_KEY_INVALID` naming what was expected where.
 * @example decodeStateKey("1,2|supervisor=true") // { position: { row: 1, col: 2 }, variables: { supervisor: true } }
 */
export function decodeStateKey(key: string): StateParts {
  if (key.length > MAX_KEY_LENGTH) {
    throw new GridworldError(
      "STATE_KEY_INVALID",
      `state key: expected at most ${MAX_KEY_LENGTH} characters, got ${key.length}`,
    );
  }
  const [head = "", ...rest] = key.split("|");
  const match = /^(-?\d{1,4}),(-?\d{1,4})$/.exec(head);
  if (match === null) {
    throw new GridworldError(
      "STATE_KEY_INVALID",
      `state key: expected "row,col" first, got ${JSON.stringify(head)}`,
    );
  }
  const variables: Record<string, VariableValue> = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq);
    const text = part.slice(eq + 1);
    if (eq < 0 || !VARIABLE_NAME.test(name) || Object.hasOwn(variables, name)) {
      throw new GridworldError(
        "STATE_KEY_INVALID",
        `state key: expected "name=value" with a new name, got ${JSON.stringify(part)}`,
      );
    }
    const value =
      text === "true" ? true : text === "false" ? false : text.trim() === "" ? Number.NaN : Number(text);
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new GridworldError(
        "STATE_KEY_INVALID",
        `state key ${name}: expected true, false or a number, got ${JSON.stringify(text)}`,
      );
    }
    variables[name] = value;
  }
  return { position: { row: Number(match[1]), col: Number(match[2]) }, variables };
}

/**
 * The key with one variable set (added if absent).
 *
 * @example withVariable("1,2|supervisor=false", "supervisor", true) === "1,2|supervisor=true"
 */
export function withVariable(key: string, name: string, value: VariableValue): string {
  const parts = decodeStateKey(key);
  return encodeStateKey({ position: parts.position, variables: { ...parts.variables, [name]: value } });
}

/**
 * The key with one variable removed: the "same situation" whatever that variable says.
 *
 * @example withoutVariable("1,2|supervisor=false", "supervisor") === "1,2"
 */
export function withoutVariable(key: string, name: string): string {
  const parts = decodeStateKey(key);
  const { [name]: _removed, ...rest } = parts.variables;
  return encodeStateKey({ position: parts.position, variables: rest });
}
