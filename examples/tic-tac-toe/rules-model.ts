/**
 * The rules of tic-tac-toe as an explicit world model: the MCTS player's declared world model, the
 * thing the gate and an overseer read instead of trusting the engine's code.
 *
 * Seen from the player (cells are `mine`, `theirs` or `empty`, and `player` says who moves), one
 * move is glued from small local models, as sheaf semantics asks: nine tables `(c_i, move, player)
 * -> n_i` (a cell changes only when it is the one played, and only if it was empty: an occupied
 * cell has no row, so an illegal move has probability 0), and eight tables `(n_a, n_b, n_c) ->
 * line_k` saying who holds each line after the move. The largest local model has 50 rows, where a
 * single table of whole boards would have 3^9 x 9 x 2.
 *
 * The player's objective reads only the lines: +1 when it holds one, -1 when the opponent does.
 */

import {
  enumVariable,
  intVariable,
  type LocalModel,
  type Row,
  table,
  type Variable,
  type WorldModel,
  worldModel,
} from "optprov/model";
import { type Board, LINES, type Mark } from "./rules.js";

const CELL_VALUES = ["mine", "theirs", "empty"] as const;
const LINE_VALUES = ["mine", "theirs", "open"] as const;
type CellValue = (typeof CELL_VALUES)[number];

export const LINE_VARIABLES: readonly string[] = LINES.map((_, k) => `line${k}`);

function transition(i: number): LocalModel {
  const rows: Row[] = [];
  for (const c of CELL_VALUES)
    for (let move = 0; move < 9; move++)
      for (const player of ["me", "them"] as const) {
        if (move !== i) rows.push([c, move, player, c]);
        else if (c === "empty") rows.push([c, move, player, player === "me" ? "mine" : "theirs"]);
        // An occupied cell that is played has no row: the move is illegal.
      }
  return table(
    `play-${i}`,
    `cell ${i} takes the mover's mark when it is played and empty`,
    [`c${i}`, "move", "player"],
    `n${i}`,
    rows,
  );
}

function line(k: number, cells: readonly [number, number, number]): LocalModel {
  const rows: Row[] = [];
  for (const a of CELL_VALUES)
    for (const b of CELL_VALUES)
      for (const c of CELL_VALUES) {
        const holder = a !== "empty" && a === b && b === c ? a : "open";
        rows.push([a, b, c, holder]);
      }
  return table(
    `line-${k}`,
    `who holds cells ${cells.join(", ")} after the move`,
    cells.map((c) => `n${c}`),
    `line${k}`,
    rows,
  );
}

/** The rules of one move, from the player's side. */
export function rulesWorldModel(): WorldModel {
  const variables: Variable[] = [
    ...Array.from({ length: 9 }, (_, i) => enumVariable(`c${i}`, CELL_VALUES, ["observation"])),
    intVariable("move", 0, 8, ["decision"]),
    enumVariable("player", ["me", "them"], ["observation"]),
    ...Array.from({ length: 9 }, (_, i) => enumVariable(`n${i}`, CELL_VALUES, ["outcome"])),
    ...LINES.map((_, k) => enumVariable(`line${k}`, LINE_VALUES, ["outcome"])),
  ];
  const localModels = [
    ...Array.from({ length: 9 }, (_, i) => transition(i)),
    ...LINES.map((cells, k) => line(k, cells)),
  ];
  return worldModel("tic-tac-toe rules, one move", variables, localModels);
}

/** The player's objective (to maximize): +1 if it holds a line, -1 if the opponent does, 0 otherwise. */
export const PLAYER_OBJECTIVE = `if ${LINE_VARIABLES.map((l) => `${l} == "mine"`).join(" or ")} then 1 else if ${LINE_VARIABLES.map((l) => `${l} == "theirs"`).join(" or ")} then -1 else 0`;

/** The world model's inputs for `me` playing `move` on `board`, where `me` is the side to move. */
export function decisionsFor(board: Board, me: Mark, move: number): Record<string, string | number> {
  const cell = (m: Board[number]): CellValue => (m === null ? "empty" : m === me ? "mine" : "theirs");
  const out: Record<string, string | number> = { move, player: "me" };
  board.forEach((m, i) => {
    out[`c${i}`] = cell(m);
  });
  return out;
}
