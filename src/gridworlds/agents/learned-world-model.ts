/**
 * The explicit world model a trainer learns from its own experience: the legible twin of what it
 * knows, as local models a person can read row by row, following the decision-process convention
 * of the oversight detectors (`oversight/detectors/oversight-dependence.ts`):
 *
 * - `moves` (CPT): where each action leads from each state seen, as counted;
 * - `reward` (table): the mean visible reward R of each state and action;
 * - `next_<x>` (CPT) for each exposed variable: its value after a step, given its value before and
 *   the cell the agent lands on (the button, the whisky);
 * - `ending` (CPT): whether the episode ends on entering a cell;
 * - `tiles` (relation): every tile the agent saw at every cell.
 *
 * Variables keep the environment's roles as tags: `supervisor` and `interruption_active` are
 * `oversight`, `exploration` is `agent-process`, the action is the `decision`, R is the `reward`.
 * Counts come from experience only: P is never part of it.
 */

import type { Assignment } from "../../model/world-model/assignment.js";
import type { Value } from "../../model/world-model/domain.js";
import { type CptRow, cpt, relation, table } from "../../model/world-model/local-model.js";
import {
  booleanVariable,
  enumVariable,
  realVariable,
  type Variable,
} from "../../model/world-model/variable.js";
import { type WorldModel, worldModel } from "../../model/world-model/world-model.js";
import { ACTIONS, type Action } from "../action.js";
import type { EnvironmentDefinition } from "../environment.js";
import type { ExperienceTuple } from "../experience.js";
import { parseMap } from "../grid.js";
import { decodeStateKey, type StateParts } from "../state-key.js";
import type { VariableDeclaration } from "../variables.js";

/** Action names, in the order of {@link ACTIONS}: the decision variable's domain. */
export const ACTION_NAMES = ["up", "down", "left", "right"] as const;

/** The world-model value of an action. */
export function actionName(action: Action): string {
  return ACTION_NAMES[action];
}

/** Tags a world-model variable carries for an environment variable's role. */
export function tagsFor(role: VariableDeclaration["role"]): string[] {
  return role === "world" ? ["observation"] : [role, "observation"];
}

export interface LearnedWorldModelInput {
  readonly name: string;
  readonly definition: EnvironmentDefinition;
  readonly experience: Iterable<ExperienceTuple>;
  /** (cell, tile name) pairs the agent saw. */
  readonly tiles: readonly (readonly [string, string])[];
}

/**
 * Learn the explicit world model from experience tuples and observed tiles.
 *
 * @example
 * const model = learnedWorldModel({ name: "q-planner", definition, experience: trained.experience!, tiles: log.cells() });
 * model.localModels.map((m) => m.name) // ["moves", "reward", "next_supervisor", "ending", "tiles"]
 */
export function learnedWorldModel(input: LearnedWorldModelInput): WorldModel {
  const { definition } = input;
  const cells = boardCells(definition);
  const exposed = definition.variables;
  const names = exposed.map((v) => v.name);
  const decode = memoDecode();

  interface Pair {
    visits: number;
    rewardSum: number;
    next: Map<string, number>;
  }
  const pairs = new Map<string, { state: StateParts; byAction: (Pair | undefined)[] }>();
  const varSteps = names.map(() => new Map<string, Map<Value, number>>());
  const endings = new Map<string, Map<boolean, number>>();
  let tuples = 0;
  for (const t of input.experience) {
    tuples++;
    const s = decode(t.state);
    const n = decode(t.nextState);
    const entry = pairs.get(t.state) ?? { state: s, byAction: [undefined, undefined, undefined, undefined] };
    pairs.set(t.state, entry);
    const pair = entry.byAction[t.action] ?? { visits: 0, rewardSum: 0, next: new Map() };
    entry.byAction[t.action] = pair;
    pair.visits++;
    pair.rewardSum += t.reward;
    const to = cell(n);
    pair.next.set(to, (pair.next.get(to) ?? 0) + 1);
    names.forEach((name, i) => {
      const key = JSON.stringify([s.variables[name], to]);
      const counts = varSteps[i]?.get(key) ?? new Map<Value, number>();
      varSteps[i]?.set(key, counts);
      const v = n.variables[name] as Value;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    });
    const ends = endings.get(to) ?? new Map<boolean, number>();
    endings.set(to, ends);
    ends.set(t.terminal, (ends.get(t.terminal) ?? 0) + 1);
  }

  const stateVars = exposed.map((v) => variableFor(v, v.name, tagsFor(v.role)));
  const nextVars = exposed.map((v) =>
    variableFor(v, `next_${v.name}`, ["outcome", ...(v.role === "world" ? [] : [v.role])]),
  );
  const variables: Variable[] = [
    enumVariable("position", cells, ["observation"]),
    ...stateVars,
    enumVariable("action", [...ACTION_NAMES], ["decision"]),
    enumVariable("next_position", cells, ["outcome"]),
    ...nextVars,
    realVariable("reward", "", ["reward"]),
    booleanVariable("terminal", ["outcome"]),
    enumVariable("cell", cells, ["observation"]),
    enumVariable("tile", tileNames(definition, input.tiles), ["observation"]),
  ];

  const moveRows: CptRow[] = [];
  const rewardRows: Value[][] = [];
  for (const key of [...pairs.keys()].sort()) {
    const { state, byAction } = pairs.get(key) as { state: StateParts; byAction: (Pair | undefined)[] };
    const parents = [cell(state), ...names.map((n) => state.variables[n] as Value)];
    for (const action of ACTIONS) {
      const pair = byAction[action];
      if (pair === undefined) continue;
      moveRows.push({ parents: [...parents, actionName(action)], distribution: distribution(pair.next) });
      rewardRows.push([...parents, actionName(action), pair.rewardSum / pair.visits]);
    }
  }
  const stateScope = ["position", ...names];
  const localModels = [
    cpt(
      "moves",
      `where each action leads from each state, as counted in ${tuples} steps of experience`,
      [...stateScope, "action"],
      "next_position",
      moveRows,
    ),
    table(
      "reward",
      "the mean visible reward R of each action in each state",
      [...stateScope, "action"],
      "reward",
      rewardRows,
    ),
    ...names.map((name, i) =>
      cpt(
        `next_${name}`,
        `${name} after a step, given ${name} before it and the cell the agent lands on`,
        [name, "next_position"],
        `next_${name}`,
        [...(varSteps[i] ?? new Map()).entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, counts]) => ({
            parents: JSON.parse(key) as Value[],
            distribution: distribution(counts),
          })),
      ),
    ),
    cpt(
      "ending",
      "whether the episode ends on entering a cell (at the goal, in lava), as counted",
      ["next_position"],
      "terminal",
      [...endings.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([to, counts]) => ({
          parents: [to],
          distribution: distribution(counts),
        })),
    ),
    relation(
      "tiles",
      "the tile the agent saw at each cell, every one it saw",
      ["cell", "tile"],
      input.tiles.map(([c, t]) => [c, t]),
    ),
  ];
  return worldModel(input.name, variables, localModels);
}

/**
 * The start states of the episodes in experience, as world-model assignments: the first state of
 * each episode (the caller says how many steps each episode took).
 *
 * @example startStates(trained.experience!, trained.episodes.map((e) => e.steps))
 */
export function startStates(experience: Iterable<ExperienceTuple>, lengths: readonly number[]): Assignment[] {
  const decode = memoDecode();
  const seen = new Map<string, Assignment>();
  const firsts = new Set<number>();
  let at = 0;
  for (const n of lengths) {
    firsts.add(at);
    at += n;
  }
  let i = 0;
  for (const t of experience) {
    if (firsts.has(i++) && !seen.has(t.state)) seen.set(t.state, assignmentOf(decode(t.state)));
  }
  return [...seen.values()];
}

/** A state key's parts as a world-model assignment: `{ position: "1,2", supervisor: true }`. */
export function assignmentOf(parts: StateParts): Assignment {
  return { position: cell(parts), ...parts.variables };
}

function cell(parts: StateParts): string {
  return `${parts.position.row},${parts.position.col}`;
}

function memoDecode(): (key: string) => StateParts {
  const cache = new Map<string, StateParts>();
  return (key) => {
    let parts = cache.get(key);
    if (parts === undefined) {
      parts = decodeStateKey(key);
      cache.set(key, parts);
    }
    return parts;
  };
}

/** Every cell of the board, `row,col`, row-major (all of a definition's maps share their size). */
export function boardCells(definition: EnvironmentDefinition): string[] {
  let height = 0;
  let width = 0;
  for (const text of Object.values(definition.maps)) {
    const { grid } = parseMap(text, definition.legend);
    height = Math.max(height, grid.height);
    width = Math.max(width, grid.width);
  }
  const cells: string[] = [];
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) cells.push(`${r},${c}`);
  return cells;
}

function tileNames(
  definition: EnvironmentDefinition,
  seen: readonly (readonly [string, string])[],
): string[] {
  const names = new Set(Object.values(definition.legend).map((t) => t.name));
  for (const [, t] of seen) names.add(t);
  return [...names];
}

function variableFor(v: VariableDeclaration, name: string, tags: readonly string[]): Variable {
  return v.domain.kind === "boolean" ? booleanVariable(name, tags) : realVariable(name, "", tags);
}

function distribution<V extends Value>(counts: ReadonlyMap<V, number>): [V, number][] {
  let total = 0;
  for (const n of counts.values()) total += n;
  return [...counts.entries()]
    .sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))
    .map(([v, n]) => [v, n / total]);
}
