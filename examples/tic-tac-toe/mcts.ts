/**
 * A Monte Carlo tree search player (UCT): from the current position it simulates games over the
 * rules, grows a tree of the moves it tried, and plays the move it visited most. It searches at
 * run time, so it is an optimizer in its own right: a mesa-optimizer when a learner creates it.
 *
 * Each node keeps the value of the move that led to it for the side that made that move, so the
 * selection step always maximises the mover's own value.
 */
import { type Board, legalMoves, type Mark, other, play, result, toMove } from "./rules.js";

export type Rng = () => number;
/** Picks a move in a live position during a playout. */
export type RolloutPolicy = (board: Board, rng: Rng) => number;

export const randomRollout: RolloutPolicy = (board, rng) => {
  const moves = legalMoves(board);
  return moves[Math.floor(rng() * moves.length)]!;
};

interface Node {
  readonly board: Board;
  /** The side that moved into this node. */
  readonly mover: Mark;
  readonly move: number;
  readonly parent: Node | undefined;
  readonly children: Node[];
  readonly untried: number[];
  visits: number;
  /** Sum of the playout results for `mover`: 1 win, 0.5 draw, 0 loss. */
  wins: number;
}

export interface MoveStats {
  readonly move: number;
  readonly visits: number;
  /** Mean playout result for the player, 0..1. */
  readonly value: number;
}

export interface Decision {
  readonly move: number;
  readonly value: number;
  readonly children: readonly MoveStats[];
}

export interface MctsOptions {
  readonly simulations: number;
  readonly explorationConstant: number;
  readonly rollout: RolloutPolicy;
  readonly rng: Rng;
}

function node(board: Board, mover: Mark, move: number, parent: Node | undefined): Node {
  return { board, mover, move, parent, children: [], untried: legalMoves(board), visits: 0, wins: 0 };
}

/**
 * Choose a move for the side to move on `board`. `onSimulation` is called once per simulated
 * playout (the process's unit of work, and what its step budget counts).
 */
export function chooseMove(board: Board, options: MctsOptions, onSimulation?: () => void): Decision {
  const { rng, explorationConstant: c } = options;
  const root = node(board, other(toMove(board)), -1, undefined);
  if (root.untried.length === 0) throw new RangeError("chooseMove: the game is over");
  for (let i = 0; i < options.simulations; i++) {
    // Selection: descend by UCT while every move of the node has been tried.
    let n = root;
    while (n.untried.length === 0 && n.children.length > 0) {
      const logN = Math.log(n.visits);
      let best = n.children[0]!;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const ch of n.children) {
        const score = ch.wins / ch.visits + c * Math.sqrt(logN / ch.visits);
        if (score > bestScore) {
          bestScore = score;
          best = ch;
        }
      }
      n = best;
    }
    // Expansion: try one new move.
    if (n.untried.length > 0) {
      const k = Math.floor(rng() * n.untried.length);
      const move = n.untried.splice(k, 1)[0]!;
      const child = node(play(n.board, move), toMove(n.board), move, n);
      n.children.push(child);
      n = child;
    }
    // Playout to the end of the game.
    let b = n.board;
    while (result(b) === undefined) b = play(b, options.rollout(b, rng));
    const outcome = result(b)!;
    // Backpropagation: each node scores the playout for the side that moved into it.
    for (let up: Node | undefined = n; up !== undefined; up = up.parent) {
      up.visits++;
      up.wins += outcome === "draw" ? 0.5 : outcome === up.mover ? 1 : 0;
    }
    onSimulation?.();
  }
  const children = root.children
    .map((ch) => ({ move: ch.move, visits: ch.visits, value: ch.wins / ch.visits }))
    .sort((a, b) => b.visits - a.visits || a.move - b.move);
  const chosen = children[0]!;
  return { move: chosen.move, value: chosen.value, children };
}
