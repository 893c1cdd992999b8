/**
 * The engine: runs an {@link EnvironmentDefinition} one step at a time, deterministically from a
 * seeded generator.
 *
 * It hands out two views of one running environment. The agent view returns only what an agent may
 * have: the observation, the visible reward R and whether the episode is over. The monitor view
 * holds the hidden performance P and the full state. Keeping P out of the agent's type is the point:
 * a learner written against {@link AgentEnvironment} cannot train on P by accident.
 */
import { ACTIONS, type Action, isAction } from "./action.js";
import type { Effect, EnvironmentDefinition, StepContext, WorldState } from "./environment.js";
import { type ParsedMap, parseMap, renderGrid, tileAt, withTiles } from "./grid.js";
import { GridworldError } from "./gridworld-error.js";
import { offset, type Position } from "./position.js";
import { createRng, type Rng } from "./prng.js";
import { VARIABLE_NAME, type Variables, type VariableValue } from "./variables.js";

/** What the agent sees after `reset` and after each step. */
export interface Observation {
  readonly position: Position;
  /** The tiles the agent is allowed to see, one string per map line, the agent not drawn. */
  readonly board: readonly string[];
  /** The exposed variables (`supervisor`, `interruption_active`, `exploration`, ...). */
  readonly variables: Variables;
}

/** What a step returns to the agent: no P here, by construction. */
export interface AgentStep {
  readonly observation: Observation;
  /** The visible reward R of this step. */
  readonly reward: number;
  /** The episode is over: a terminal tile or the step limit. */
  readonly done: boolean;
  /** It ended because of the step limit, not a terminal tile (an agent may still bootstrap). */
  readonly truncated: boolean;
}

/** The environment-side record of one step: the agent's action, where it went, R and P. */
export interface StepRecord {
  /** 0-based episode index since the environment was created. */
  readonly episode: number;
  /** 1-based step number within the episode. */
  readonly t: number;
  readonly action: Action;
  /** The action carried out; differs from `action` when the environment replaced it (interruption). */
  readonly executed: Action;
  readonly from: Position;
  readonly position: Position;
  /** R delta of this step. */
  readonly reward: number;
  /** P delta of this step: the designer's hidden measure, never shown to the agent. */
  readonly performance: number;
  readonly done: boolean;
  readonly truncated: boolean;
  /** Exposed variables after the step. */
  readonly variables: Variables;
}

/** Totals of the current (or last) episode, environment side. */
export interface EpisodeSummary {
  readonly episode: number;
  readonly map: string;
  readonly steps: number;
  /** Undiscounted return in R. */
  readonly reward: number;
  /** Undiscounted hidden performance P. */
  readonly performance: number;
  readonly done: boolean;
  /** Exposed variables as drawn at episode start (e.g. whether the supervisor was present). */
  readonly startVariables: Variables;
  /** Hidden variables as drawn at episode start (e.g. `should_interrupt`). */
  readonly startHidden: Variables;
}

/** The agent's side of a running environment. */
export interface AgentEnvironment {
  readonly actions: readonly Action[];
  /** The exposed variable that sets the exploration rate, when the environment has one. */
  readonly explorationVariable: string | undefined;
  /** Start a new episode (drawing its randomisation) and return the first observation. */
  reset(): Observation;
  /**
   * Take one step.
   *
   * @throws {GridworldError} `ACTION_INVALID`, `EPISODE_NOT_STARTED`, `EPISODE_DONE`.
   */
  step(action: Action): AgentStep;
}

/** The environment's side: hidden performance and full state, for reporting and ledgers. */
export interface EnvironmentMonitor {
  readonly definition: EnvironmentDefinition;
  /** The record of the latest step, or undefined before the first step of an episode. */
  lastRecord(): StepRecord | undefined;
  /** The records of the current episode, in order. */
  records(): readonly StepRecord[];
  /** Totals of the current episode, or undefined before the first reset. */
  episode(): EpisodeSummary | undefined;
  /** The full state, hidden variables included, or undefined before the first reset. */
  state(): WorldState | undefined;
  /** The true grid with the agent drawn, for people. */
  render(): string[];
}

export interface Gridworld {
  readonly definition: EnvironmentDefinition;
  readonly agent: AgentEnvironment;
  readonly monitor: EnvironmentMonitor;
}

export interface GridworldOptions {
  /** Seed of the environment's generator (episode-start draws, drying tomatoes, ...). */
  readonly seed?: number;
  /** A generator to use instead of one made from `seed`. */
  readonly rng?: Rng;
}

/**
 * Create a running environment from a definition.
 *
 * @throws {GridworldError} `MAP_INVALID` or `DEFINITION_INVALID` for a definition that does not hold together.
 * @example
 * const { agent, monitor } = createGridworld(absentSupervisor(), { seed: 1 });
 * agent.reset();
 * agent.step(RIGHT); // { observation, reward: -1, done: false, truncated: false }
 * monitor.lastRecord()?.performance; // -1
 */
export function createGridworld(
  definition: EnvironmentDefinition,
  options: GridworldOptions = {},
): Gridworld {
  const maps = checkDefinition(definition);
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const declared = new Set(definition.variables.map((v) => v.name));

  let state: WorldState | undefined;
  let summary: EpisodeSummary | undefined;
  let records: StepRecord[] = [];
  let episodeCount = 0;

  const observe = (s: WorldState): Observation => ({
    position: s.agent,
    board: renderGrid(definition.rules.observe?.(s) ?? s.grid),
    variables: s.variables,
  });

  const reset = (): Observation => {
    const start = definition.rules.start(rng);
    const parsed = maps.get(start.map);
    if (parsed === undefined) {
      throw new GridworldError(
        "DEFINITION_INVALID",
        `${definition.name}: start chose map ${JSON.stringify(start.map)}, expected one of ${[...maps.keys()].join(", ")}`,
      );
    }
    checkVariables(definition.name, "start.variables", start.variables, declared, true);
    state = {
      map: start.map,
      grid: parsed.grid,
      agent: parsed.start,
      variables: start.variables,
      hidden: start.hidden ?? {},
      steps: 0,
    };
    summary = {
      episode: episodeCount++,
      map: start.map,
      steps: 0,
      reward: 0,
      performance: 0,
      done: false,
      startVariables: state.variables,
      startHidden: state.hidden,
    };
    records = [];
    return observe(state);
  };

  const apply = (s: WorldState, effect: Effect): WorldState => {
    if (effect.variables !== undefined) {
      checkVariables(definition.name, "effect.variables", effect.variables, declared, false);
    }
    return {
      ...s,
      grid: effect.tiles === undefined ? s.grid : withTiles(s.grid, effect.tiles),
      variables: effect.variables === undefined ? s.variables : { ...s.variables, ...effect.variables },
      hidden: effect.hidden === undefined ? s.hidden : { ...s.hidden, ...effect.hidden },
    };
  };

  const step = (action: Action): AgentStep => {
    if (!isAction(action)) {
      throw new GridworldError("ACTION_INVALID", `step: expected an action 0..3, got ${String(action)}`);
    }
    if (state === undefined || summary === undefined) {
      throw new GridworldError("EPISODE_NOT_STARTED", "step: expected reset() before the first step");
    }
    if (summary.done) {
      throw new GridworldError(
        "EPISODE_DONE",
        `step: episode ${summary.episode} ended after ${summary.steps} steps; expected reset()`,
      );
    }
    const rules = definition.rules;
    const executed = rules.redirect?.(state, action, rng) ?? action;
    const from = state.agent;
    const target = offset(from, executed);
    const targetTile = tileAt(state.grid, target);
    const moved = definition.legend[targetTile]?.passable === true;
    const to = moved ? target : from;

    let next: WorldState = { ...state, agent: to };
    let reward = 0;
    let performance = 0;
    let terminal = false;
    const take = (effect: Effect): void => {
      reward += effect.reward ?? 0;
      performance += effect.performance ?? 0;
      terminal ||= effect.terminal === true;
      next = apply(next, effect);
    };
    const context = (): StepContext => ({ state: next, from, to, moved, action, executed, rng });

    if (moved) {
      const enter = rules.onEnter?.[targetTile];
      if (enter !== undefined) take(enter(context()));
    }
    if (rules.onStep !== undefined) take(rules.onStep(context()));

    next = { ...next, steps: next.steps + 1 };
    const truncated = !terminal && next.steps >= definition.maxSteps;
    const done = terminal || truncated;
    state = next;
    summary = {
      ...summary,
      steps: next.steps,
      reward: summary.reward + reward,
      performance: summary.performance + performance,
      done,
    };
    records.push({
      episode: summary.episode,
      t: next.steps,
      action,
      executed,
      from,
      position: to,
      reward,
      performance,
      done,
      truncated,
      variables: next.variables,
    });
    return { observation: observe(next), reward, done, truncated };
  };

  const agent: AgentEnvironment = {
    actions: ACTIONS,
    explorationVariable: definition.explorationVariable,
    reset,
    step,
  };
  const monitor: EnvironmentMonitor = {
    definition,
    lastRecord: () => records[records.length - 1],
    records: () => records,
    episode: () => summary,
    state: () => state,
    render: () => (state === undefined ? [] : renderGrid(state.grid, state.agent)),
  };
  return { definition, agent, monitor };
}

function checkDefinition(definition: EnvironmentDefinition): Map<string, ParsedMap> {
  const where = definition.name;
  const maps = new Map<string, ParsedMap>();
  for (const [name, text] of Object.entries(definition.maps)) {
    try {
      maps.set(name, parseMap(text, definition.legend));
    } catch (error) {
      if (error instanceof GridworldError) {
        throw new GridworldError(error.code, `${where} maps.${name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  if (maps.size === 0)
    throw new GridworldError("DEFINITION_INVALID", `${where}: expected at least one map, got none`);
  const names = new Set<string>();
  for (const v of definition.variables) {
    if (!VARIABLE_NAME.test(v.name) || names.has(v.name)) {
      throw new GridworldError(
        "DEFINITION_INVALID",
        `${where} variables: expected distinct names matching ${VARIABLE_NAME}, got ${JSON.stringify(v.name)}`,
      );
    }
    names.add(v.name);
  }
  if (definition.explorationVariable !== undefined && !names.has(definition.explorationVariable)) {
    throw new GridworldError(
      "DEFINITION_INVALID",
      `${where} explorationVariable: expected a declared variable, got ${JSON.stringify(definition.explorationVariable)}`,
    );
  }
  for (const ch of Object.keys(definition.rules.onEnter ?? {})) {
    if (!Object.hasOwn(definition.legend, ch)) {
      throw new GridworldError(
        "DEFINITION_INVALID",
        `${where} rules.onEnter: expected a legend character, got ${JSON.stringify(ch)}`,
      );
    }
  }
  if (!Number.isInteger(definition.maxSteps) || definition.maxSteps < 1) {
    throw new GridworldError(
      "DEFINITION_INVALID",
      `${where} maxSteps: expected a positive integer, got ${definition.maxSteps}`,
    );
  }
  return maps;
}

/** A rule that sets an undeclared variable is a bug in the environment, caught at the step it happens. */
function checkVariables(
  where: string,
  path: string,
  values: Variables,
  declared: ReadonlySet<string>,
  complete: boolean,
): void {
  for (const [name, value] of Object.entries(values)) {
    if (!declared.has(name) || !isVariableValue(value)) {
      throw new GridworldError(
        "DEFINITION_INVALID",
        `${where} ${path}: expected a declared variable with a boolean or finite number, got ${name}=${String(value)}`,
      );
    }
  }
  if (complete && Object.keys(values).length !== declared.size) {
    const missing = [...declared].filter((name) => !Object.hasOwn(values, name));
    throw new GridworldError(
      "DEFINITION_INVALID",
      `${where} ${path}: expected values for ${missing.join(", ")}`,
    );
  }
}

function isVariableValue(value: unknown): value is VariableValue {
  return typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}
