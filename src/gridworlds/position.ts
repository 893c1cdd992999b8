/**
 * A cell of a gridworld: row 0 is the top line of the map, column 0 its left edge.
 */
import type { Action } from "./action.js";
import { ACTION_DELTAS } from "./action.js";

export interface Position {
  readonly row: number;
  readonly col: number;
}

/**
 * The cell one move away, ignoring walls (the engine decides whether the move happens).
 *
 * @example offset({ row: 1, col: 2 }, RIGHT) // { row: 1, col: 3 }
 */
export function offset(from: Position, action: Action): Position {
  const [dr, dc] = ACTION_DELTAS[action] as readonly [number, number];
  return { row: from.row + dr, col: from.col + dc };
}

/**
 * Whether two positions are the same cell.
 *
 * @example samePosition({ row: 1, col: 2 }, { row: 1, col: 2 }) === true
 */
export function samePosition(a: Position, b: Position): boolean {
  return a.row === b.row && a.col === b.col;
}
