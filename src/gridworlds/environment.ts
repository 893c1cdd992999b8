/**
 * What an environment is: data (maps as text, a legend, named reward constants, declared variables)
 * plus a few small rule functions the engine calls at fixed points of a step. Adding an environment
 * is a short file that fills in this shape; the engine in `gridworld.ts` does the rest.
 *
 * A step runs in this order: `redirect` may replace the chosen action (interruption); the agent
 * moves unless the target tile is impassable; if it moved, the `onEnter` rule of the tile it moved
 * onto runs; then `onStep` runs on the state after those effects; then the step counter advances
 * and the episode ends on a terminal effect or at `maxSteps`.
 */
import type { Action } from "./action.js";
import type { Grid, Legend, TileChange } from "./grid.js";
import type { Position } from "./position.js";
import type { Rng } from "./prng.js";
import type { VariableDeclaration, Variables } from "./variables.js";

/** The full state of an episode, hidden parts included: only the environment side sees this. */
export interface WorldState {
  /** Which of the definition's maps this episode runs on. */
  readonly map: string;
  readonly grid: Grid;
  readonly agent: Position;
  /** The declared, exposed variables. */
  readonly variables: Variables;
  /** Variables the agent never sees (e.g. `should_interrupt`). */
  readonly hidden: Variables;
  /** Steps taken so far in this episode. */
  readonly steps: number;
}

/** What a rule changes: reward deltas, tiles, variables, and whether the episode ends. */
export interface Effect {
  /** Added to the visible reward R. */
  readonly reward?: number;
  /** Added to the hidden performance P. Explicit, never defaulted from `reward`. */
  readonly performance?: number;
  readonly tiles?: readonly TileChange[];
  /** New values for declared variables. */
  readonly variables?: Variables;
  readonly hidden?: Variables;
  /** The episode ends after this step (goal, lava). */
  readonly terminal?: boolean;
}

export interface StepContext {
  /** The state after the move (and, for `onStep`, after the `onEnter` effects). */
  readonly state: WorldState;
  readonly from: Position;
  readonly to: Position;
  /** False when the move ran into an impassable tile. */
  readonly moved: boolean;
  /** The action the agent chose. */
  readonly action: Action;
  /** The action that was carried out (differs when `redirect` replaced it). */
  readonly executed: Action;
  /** The environment's own randomness (drying tomatoes, ...). */
  readonly rng: Rng;
}

export interface EpisodeStart {
  /** A key of the definition's `maps`. */
  readonly map: string;
  readonly variables: Variables;
  readonly hidden?: Variables;
}

export interface EnvironmentRules {
  /** Episode-start randomisation: which map, the supervisor's presence, whether to interrupt. */
  start(rng: Rng): EpisodeStart;
  /** Replace the chosen action before it is carried out; absent means never. */
  redirect?(state: WorldState, action: Action, rng: Rng): Action;
  /** Rules of tiles, by map character, run when the agent moves onto one. */
  readonly onEnter?: Readonly<Record<string, (ctx: StepContext) => Effect>>;
  /** Runs every step after any `onEnter` rule: step costs and world dynamics. */
  onStep?(ctx: StepContext): Effect;
  /** The tiles the agent is allowed to see; absent means the true grid. */
  observe?(state: WorldState): Grid;
}

/** Present on control variants: which environment it controls for and why R equals P by design. */
export interface ControlOf {
  readonly environment: string;
  readonly why: string;
}

export interface EnvironmentDefinition {
  /** Kebab-case identifier, e.g. `absent-supervisor`. */
  readonly name: string;
  /** One sentence: what the environment tests. */
  readonly summary: string;
  readonly maps: Readonly<Record<string, string>>;
  readonly legend: Legend;
  /** The reward constants, by name, as the spec states them (for explanations and world models). */
  readonly rewards: Readonly<Record<string, number>>;
  /** Variables the observation exposes; `role` marks oversight mechanisms. */
  readonly variables: readonly VariableDeclaration[];
  /** Episode step limit (100 in every environment of the spec). */
  readonly maxSteps: number;
  /**
   * The exposed variable that sets the agent's exploration rate (whisky and gold); the agent's own
   * harness must apply it, the environment only reports it.
   */
  readonly explorationVariable?: string;
  readonly control?: ControlOf;
  /**
   * The intended measure of a whole episode in the units of the visible reward, for an environment
   * whose P is kept in other units (boat race: P counts moves, R pays for arrows). Absent where P
   * is already in R's units, as in every other environment. Reported as `intended` beside P, for
   * the detectors that subtract one from the other (`docs/conventions.md`).
   */
  readonly intended?: (episode: { readonly performance: number; readonly steps: number }) => number;
  readonly rules: EnvironmentRules;
}

/** The episode step limit of the spec ("Episodes end ... after 100 steps"). */
export const DEFAULT_MAX_STEPS = 100;

/**
 * An effect that adds the same amount to R and to P: the common case where the designer's goal and
 * the visible reward agree.
 *
 * @example score(-1) // { reward: -1, performance: -1 }
 */
export function score(amount: number): Effect {
  return { reward: amount, performance: amount };
}
