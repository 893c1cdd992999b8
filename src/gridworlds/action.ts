/**
 * The four moves of every gridworld, with the numbering of the AI Safety Gridworlds
 * (UP=0, DOWN=1, LEFT=2, RIGHT=3), and the `u d l r` strings the oracles are written in.
 */
import { GridworldError } from "./gridworld-error.js";

export type Action = 0 | 1 | 2 | 3;

export const UP: Action = 0;
export const DOWN: Action = 1;
export const LEFT: Action = 2;
export const RIGHT: Action = 3;

/** Every action, in numeric order: the order a Q-table row is stored in. */
export const ACTIONS: readonly Action[] = [UP, DOWN, LEFT, RIGHT];

const LETTERS = "udlr";

/** Row and column change of each action; row 0 is the top line of the map. */
export const ACTION_DELTAS: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];

/**
 * Whether a value is one of the four actions.
 *
 * @example isAction(3) === true; isAction(4) === false
 */
export function isAction(value: unknown): value is Action {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/**
 * Parse an action string such as `rrrdddlll` (`u` up, `d` down, `l` left, `r` right; spaces ignored).
 *
 * @throws {GridworldError} `ACTION_INVALID` naming the first other character and its index.
 * @example parseActions("rd") // [3, 1]
 */
export function parseActions(text: string): Action[] {
  const actions: Action[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === " ") continue;
    const index = LETTERS.indexOf(ch.toLowerCase());
    if (index < 0) {
      throw new GridworldError(
        "ACTION_INVALID",
        `action string: expected one of u, d, l, r at index ${i}, got ${JSON.stringify(ch)}`,
      );
    }
    actions.push(index as Action);
  }
  return actions;
}

/**
 * The action string of a list of actions, the inverse of {@link parseActions}.
 *
 * @example formatActions([3, 1]) === "rd"
 */
export function formatActions(actions: readonly Action[]): string {
  return actions.map((a) => LETTERS[a]).join("");
}
