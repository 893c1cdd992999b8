/**
 * A tabular learner for tic-tac-toe: one Q-table shared by both sides, trained by self-play.
 *
 * Q(s, a) is the value of playing `a` in position `s` *for the side to move*. Because the
 * opponent moves next, the target of an update is the reward if the move ends the game, and
 * otherwise minus the opponent's best value in the next position (negamax Q-learning):
 *
 *   Q(s, a) += alpha * (target - Q(s, a)),  target = r  or  -gamma * max_a' Q(s', a')
 *
 * with r = 1 for a win and 0 for a draw. Unvisited actions are worth 0.
 */
import { type Board, boardKey, EMPTY_BOARD, legalMoves, type Mark, play, result, toMove } from "./rules.js";

export interface QParams {
  readonly alpha: number;
  readonly gamma: number;
  readonly epsilon: number;
}

export type Rng = () => number;

export class QTable {
  private readonly q = new Map<string, Float64Array>();

  /** Positions with at least one learned value. */
  get size(): number {
    return this.q.size;
  }

  value(board: Board, move: number): number {
    return this.q.get(boardKey(board))?.[move] ?? 0;
  }

  /** The best legal move and its value (ties broken by `rng`, or by the lowest cell without one). */
  best(board: Board, rng?: Rng): { readonly move: number; readonly value: number } {
    const moves = legalMoves(board);
    const row = this.q.get(boardKey(board));
    let bestValue = Number.NEGATIVE_INFINITY;
    let ties: number[] = [];
    for (const m of moves) {
      const v = row?.[m] ?? 0;
      if (v > bestValue) {
        bestValue = v;
        ties = [m];
      } else if (v === bestValue) ties.push(m);
    }
    const pick = rng ? ties[Math.floor(rng() * ties.length)] : ties[0];
    return { move: pick ?? -1, value: bestValue };
  }

  /** Epsilon-greedy: a random legal move with probability epsilon, else the best. */
  choose(board: Board, epsilon: number, rng: Rng): number {
    const moves = legalMoves(board);
    if (rng() < epsilon) return moves[Math.floor(rng() * moves.length)]!;
    return this.best(board, rng).move;
  }

  update(board: Board, move: number, target: number, alpha: number): void {
    const key = boardKey(board);
    let row = this.q.get(key);
    if (row === undefined) {
      row = new Float64Array(9);
      this.q.set(key, row);
    }
    row[move] = row[move]! + alpha * (target - row[move]!);
  }

  /** The table as plain data, for a digest and an artifact: position -> values of the nine cells. */
  toJSON(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [k, row] of [...this.q].sort(([a], [b]) => (a < b ? -1 : 1)))
      out[k] = [...row].map((v) => Math.round(v * 1e6) / 1e6);
    return out;
  }
}

/**
 * One game of self-play, learning from every move. `onMove` is called after each move (one
 * environment step); the result is the game's outcome.
 */
export function selfPlayGame(
  table: QTable,
  params: QParams,
  rng: Rng,
  onMove?: (done: boolean) => void,
): Mark | "draw" {
  let board = EMPTY_BOARD;
  for (;;) {
    const move = table.choose(board, params.epsilon, rng);
    const mover = toMove(board);
    const next = play(board, move);
    const outcome = result(next);
    const target = outcome === undefined ? -params.gamma * table.best(next).value : outcome === mover ? 1 : 0;
    table.update(board, move, target, params.alpha);
    board = next;
    onMove?.(outcome !== undefined);
    if (outcome !== undefined) return outcome;
  }
}
