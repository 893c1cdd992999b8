/**
 * The rules of tic-tac-toe, as plain functions: the engine every player and the learner share.
 * The same rules, stated as an explicit world model the gate and the ledger can read, are in
 * `rules-model.ts`; a test checks that the two agree.
 */

export type Mark = "x" | "o";
export type Cell = Mark | null;
/** Nine cells, row by row: 0 1 2 / 3 4 5 / 6 7 8. */
export type Board = readonly Cell[];

export const EMPTY_BOARD: Board = Object.freeze(Array<Cell>(9).fill(null));

/** The eight lines of three: rows, columns, diagonals. */
export const LINES: readonly (readonly [number, number, number])[] = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
];

export function other(mark: Mark): Mark {
  return mark === "x" ? "o" : "x";
}

/** Whose turn it is: x moves first, so x moves whenever both have made the same number of moves. */
export function toMove(board: Board): Mark {
  let x = 0;
  let o = 0;
  for (const c of board) {
    if (c === "x") x++;
    else if (c === "o") o++;
  }
  return x === o ? "x" : "o";
}

export function winner(board: Board): Mark | undefined {
  for (const [a, b, c] of LINES) {
    const m = board[a];
    if (m && m === board[b] && m === board[c]) return m;
  }
  return undefined;
}

/** The game's result once it is over: the winner or a draw; undefined while it goes on. */
export function result(board: Board): Mark | "draw" | undefined {
  const w = winner(board);
  if (w) return w;
  return board.every((c) => c !== null) ? "draw" : undefined;
}

export function legalMoves(board: Board): number[] {
  if (winner(board)) return [];
  const moves: number[] = [];
  for (let i = 0; i < 9; i++) if (board[i] === null) moves.push(i);
  return moves;
}

/** The board after the side to move marks `cell`; throws on an illegal move (a bug in a player). */
export function play(board: Board, cell: number): Board {
  if (!legalMoves(board).includes(cell))
    throw new RangeError(`illegal move: expected an empty cell 0..8 in a live game, got ${cell}`);
  const next = [...board];
  next[cell] = toMove(board);
  return next;
}

/** A compact key for tables: `x.o......` (row by row, `.` for empty). */
export function boardKey(board: Board): string {
  return board.map((c) => c ?? ".").join("");
}

export function render(board: Board): string {
  const rows = [0, 3, 6].map((r) => [0, 1, 2].map((c) => board[r + c] ?? ".").join(" "));
  return rows.join("\n");
}
