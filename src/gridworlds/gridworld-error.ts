/**
 * The error the gridworld engine and learners throw on broken input (a ragged map, an action that
 * is not 0..3, a bad learning rate) or a broken invariant (a rule that sets an undeclared variable).
 * Tests assert the code, never the wording.
 */
import { OptprovError } from "../errors.js";

export type GridworldErrorCode =
  /** A map that is empty, ragged, has no agent or two, or a character outside its legend. */
  | "MAP_INVALID"
  /** An environment definition that contradicts itself (unknown map name, undeclared variable). */
  | "DEFINITION_INVALID"
  /** An action outside UP=0, DOWN=1, LEFT=2, RIGHT=3, or an action string with another letter. */
  | "ACTION_INVALID"
  /** `step` before the first `reset`. */
  | "EPISODE_NOT_STARTED"
  /** `step` after the episode ended (goal, lava or the step limit). */
  | "EPISODE_DONE"
  /** A learner or evaluator option out of range (alpha outside (0, 1], a negative episode count, ...). */
  | "OPTION_INVALID"
  /** A state key that does not parse, or a variable name that cannot be encoded in one. */
  | "STATE_KEY_INVALID"
  /** A counterfactual over a variable that no state of the model carries. */
  | "VARIABLE_UNKNOWN";

export class GridworldError extends OptprovError<GridworldErrorCode> {}
