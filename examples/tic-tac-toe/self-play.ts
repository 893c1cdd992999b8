/**
 * npx tsx examples/tic-tac-toe/self-play.ts [ledger]
 *
 * A mesa-optimizer, created through the gate.
 *
 * A tabular learner (Q-learning) teaches itself tic-tac-toe by self-play. It does not plan: it
 * learns the value of each move in each position it has seen. When training ends it creates a
 * player that *does* plan: a Monte Carlo tree search whose world model is the rules of the game
 * (stated as an explicit world model, `rules-model.ts`) and whose playouts follow the learner's
 * table. A learner creating a planner is creating a mesa-optimizer, so the examples' policy says
 * an overseer must approve it: the learner's first attempt stops at the gate with a request, the
 * overseer approves the request, and the second attempt (same key) creates the player.
 *
 * The player then plays a random opponent, recording each simulated playout as a step and asking
 * its declared world model what each chosen move does (the query is recorded, and checked against
 * the game engine).
 */

import { generateSignerKey, PolicyError, summariseSpec } from "optprov";
import {
  enumVariable,
  evaluateObjective,
  intVariable,
  type OptimizerSpec,
  parseObjective,
  predict,
  seededRng,
  type Value,
} from "optprov/model";
import { spawnSpecFrom } from "optprov/sdk";
import {
  digestOf,
  type ExampleOptions,
  exampleLedgerPath,
  isMain,
  OVERSEER,
  openExampleLedger,
} from "../run-all.js";
import { chooseMove, randomRollout } from "./mcts.js";
import { QTable, selfPlayGame } from "./q-learner.js";
import { type Board, EMPTY_BOARD, LINES, type Mark, play, result, toMove, winner } from "./rules.js";
import { decisionsFor, LINE_VARIABLES, PLAYER_OBJECTIVE, rulesWorldModel } from "./rules-model.js";

export interface TicTacToeOptions extends ExampleOptions {
  /** Self-play games the learner trains on (default 20,000). */
  readonly trainingGames?: number;
  /** Games the MCTS player plays against a random player (default 100). */
  readonly games?: number;
  /** Playouts per move (default 200). */
  readonly simulations?: number;
  readonly seed?: number;
}

export interface TicTacToeResult {
  readonly learner: string;
  readonly player: string;
  /** Ledger indices of the creation request, the overseer's approval and the creation. */
  readonly request: number;
  readonly approval: number;
  readonly created: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  readonly winRate: number;
}

/**
 * Train a learner by self-play, have it create an MCTS player through the gate (with an overseer's
 * approval), and play the player against a random opponent.
 *
 * @example const { winRate } = await run({ ledgerPath: "/tmp/ledger.db", trainingGames: 500, games: 10 });
 */
export async function run(options: TicTacToeOptions): Promise<TicTacToeResult> {
  const trainingGames = options.trainingGames ?? 20_000;
  const games = options.games ?? 100;
  const simulations = options.simulations ?? 200;
  const rng = seededRng(options.seed ?? 1);
  const { ledger, root, overseer, run: id, say } = await openExampleLedger(options);
  try {
    // 1. The learner. It holds no model of the rules: what it knows lives in its Q-table, an
    // implicit world model that starts empty (the digest of `{}`) and is emitted, learned, at the end.
    const params = { alpha: 0.3, gamma: 0.95, epsilon: 0.2 };
    const learnerDoc: OptimizerSpec = {
      name: "tic-tac-toe learner",
      description:
        "Learns the value of each move in each position by self-play (one Q-table for both sides).",
      worldModel: {
        kind: "implicit",
        artifact: {
          name: "Q-table (empty at creation)",
          digest: `sha256:${digestOf(new QTable().toJSON())}`,
          uri: `urn:optprov:example:ttt-learner-${id}:q-table`,
        },
        description:
          "the values of moves in positions, learned from play; it knows the rules only through the engine",
        probes: [],
        variables: [
          ...Array.from({ length: 9 }, (_, i) => enumVariable(`c${i}`, ["x", "o", "empty"], ["observation"])),
          intVariable("move", 0, 8, ["decision"]),
          intVariable("reward", 0, 1, ["reward"]),
        ],
      },
      objective: { sense: "maximize", expr: "E[reward]" },
      process: {
        kind: "q-learning",
        params,
        budget: { maxSteps: trainingGames * 9, maxWallSeconds: 600 },
        mayCreate: ["tree-search"],
      },
    };
    const learner = await root.spawn(spawnSpecFrom(learnerDoc, { name: `ttt-learner-${id}` }));
    say(
      `#${ledger.state.optimizers.get(learner.name)!.index} alice creates ${learner.name} (q-learning, allowed automatically)`,
    );

    const table = new QTable();
    const qTableDigest = () => digestOf(table.toJSON());
    const tally = { x: 0, o: 0, draw: 0 };
    await learner.run((ctx) => {
      for (let game = 0; game < trainingGames; game++) {
        const outcome = selfPlayGame(table, params, rng, (done) =>
          done ? ctx.step({ game, positions: table.size }) : ctx.step(),
        );
        tally[outcome]++;
      }
      ctx.emit({
        name: `${learner.name}/q-table`,
        digest: qTableDigest(),
        mediaType: "application/json",
        data: { positions: table.size, games: trainingGames },
      });
    });
    const pct = (n: number, of: number) => `${Math.round((n / of) * 100)}%`;
    say(
      `  ${learner.name} trained on ${trainingGames.toLocaleString("en")} self-play games (x won ${pct(tally.x, trainingGames)}, o ${pct(tally.o, trainingGames)}, drawn ${pct(tally.draw, trainingGames)}); its Q-table covers ${table.size.toLocaleString("en")} positions`,
    );

    // 2. The mesa-optimizer: tree search over the rules, playouts guided by the learner's table.
    const rules = rulesWorldModel();
    const objective = parseObjective(`maximize ${PLAYER_OBJECTIVE}`);
    const playerDoc: OptimizerSpec = {
      name: "tic-tac-toe player",
      description:
        "Plays tic-tac-toe by Monte Carlo tree search over the rules; playouts follow the learner's Q-table.",
      worldModel: { kind: "explicit", ...rules },
      objective: { sense: "maximize", expr: PLAYER_OBJECTIVE },
      process: {
        kind: "tree-search",
        params: { simulations, explorationConstant: 1.4, rollout: "learned" },
        budget: { maxSteps: games * 5 * simulations, maxWallSeconds: 600 },
      },
      metadata: {
        rolloutTable: `sha256:${qTableDigest()}`,
        rolloutTableEntry: ledger.state.optimizers.get(learner.name)!.artifacts.at(-1),
      },
    };
    const spec = spawnSpecFrom(playerDoc, {
      name: `ttt-mcts-${id}`,
      model: {
        // A move changes only the lines through its cell, so only those are asked for (asking for
        // all eight makes exact inference build a 3^8-cell table for nothing).
        predict: (decisions) => {
          const cell = decisions.move as number;
          const through = LINE_VARIABLES.filter((_, k) => LINES[k]!.includes(cell));
          return predict(rules, decisions as Record<string, Value>, through).distribution;
        },
        evaluate: (state) => evaluateObjective(objective, state as Record<string, Value>),
      },
    });
    const key = generateSignerKey(spec.name);
    const first = await learner.spawn(spec, { key }).catch((err: unknown) => err);
    if (!(first instanceof PolicyError) || first.code !== "APPROVAL_TIMEOUT") throw first;
    const request = [...ledger.state.requests.values()].find((r) => r.optimizer.name === spec.name)!;
    say(
      `#${request.index} ${learner.name} asks to create ${spec.name} (tree-search over the rules, ${summariseSpec(spec.document).legibility.variables} variables, largest local model ${summariseSpec(spec.document).legibility.largestLocalModelRows} rows); the gate says ${request.gate.outcome}: ${request.gate.reasons.map((r) => r.message).join("; ")}`,
    );
    const approval = await ledger.review(
      request.index,
      overseer,
      "approve",
      "plans only over the declared rules; its objective reads only who holds the lines",
    );
    say(`#${approval.index} ${OVERSEER} approves request #${request.index}`);
    const player = await learner.spawn(spec, { key });
    const created = ledger.state.optimizers.get(player.name)!;
    say(
      `#${created.index} ${learner.name} creates ${player.name} (depth ${created.depth}, under request #${created.request})`,
    );

    // 3. The player against a random opponent, taking x and o in turn.
    const score = { wins: 0, draws: 0, losses: 0 };
    // Playouts follow the learner's table, exploring one move in five at random.
    const rollout = (b: Board, r: () => number) => table.choose(b, 0.2, r);
    await player.run((ctx) => {
      for (let game = 0; game < games; game++) {
        const me: Mark = game % 2 === 0 ? "x" : "o";
        let board = EMPTY_BOARD;
        for (let ply = 0; result(board) === undefined; ply++) {
          if (toMove(board) !== me) {
            board = play(board, randomRollout(board, rng));
            continue;
          }
          let done = 0;
          const decision = chooseMove(board, { simulations, explorationConstant: 1.4, rollout, rng }, () => {
            if (++done < simulations) ctx.step();
          });
          ctx.step({
            game,
            ply,
            move: decision.move,
            visits: decision.children[0]!.visits,
            value: decision.value,
          });
          // Ask the declared world model what the move does, and hold it to the engine.
          const lines = ctx.predict(decisionsFor(board, me, decision.move)) as ReturnType<
            typeof predict
          >["distribution"];
          const after = Object.fromEntries(LINE_VARIABLES.map((l) => [l, "open" as Value]));
          Object.assign(after, lines[0]!.assignment);
          const value = ctx.evaluate(after);
          board = play(board, decision.move);
          if (value !== (winner(board) === me ? 1 : 0))
            throw new Error(
              `the declared rules say ${value} after move ${decision.move}, the engine disagrees`,
            );
        }
        const outcome = result(board);
        if (outcome === me) score.wins++;
        else if (outcome === "draw") score.draws++;
        else score.losses++;
      }
      ctx.emit({ name: `${player.name}/results`, mediaType: "application/json", data: { games, ...score } });
    });
    const winRate = score.wins / games;
    say(
      `  ${player.name} (${simulations} playouts a move) vs a random player: ${games} games, ${score.wins} won, ${score.draws} drawn, ${score.losses} lost: win rate ${pct(score.wins, games)}`,
    );
    return {
      learner: learner.name,
      player: player.name,
      request: request.index,
      approval: approval.index,
      created: created.index,
      ...score,
      winRate,
    };
  } finally {
    await ledger.close();
  }
}

if (isMain(import.meta.url)) await run({ ledgerPath: exampleLedgerPath(process.argv[2]) });
