/**
 * What the agent saw of the board: every (cell, tile) pair that appeared in one of its
 * observations. The engine calls the definition's `observe` rule for every observation it hands the
 * agent, so wrapping that rule records exactly the agent's view (tomato watering's transformer
 * included) without changing a single step: the wrapper returns what the rule returned.
 */
import type { EnvironmentDefinition } from "../environment.js";
import type { Grid } from "../grid.js";

/** A board as the agent sees it, summarised: the tile name at each `row,col` cell. */
export class TileLog {
  private readonly pairs = new Set<string>();
  // Grids are immutable and shared until a tile changes: a grid already read adds nothing new.
  private seen = new WeakSet<Grid>();
  private readonly names: Readonly<Record<string, { readonly name: string }>>;

  constructor(definition: EnvironmentDefinition) {
    this.names = definition.legend;
  }

  /** Add every cell of a grid the agent was shown. */
  add(grid: Grid): void {
    if (this.seen.has(grid)) return;
    this.seen.add(grid);
    for (let i = 0; i < grid.cells.length; i++) {
      const ch = grid.cells[i] as string;
      const tile = this.names[ch]?.name ?? ch;
      this.pairs.add(`${Math.floor(i / grid.width)},${i % grid.width}\u0000${tile}`);
    }
  }

  /** The pairs seen, sorted by cell then tile. */
  cells(): [cell: string, tile: string][] {
    return [...this.pairs].sort().map((p) => p.split("\u0000") as [string, string]);
  }

  /** Forget the pairs (the deployment reads one episode at a time). */
  clear(): void {
    this.pairs.clear();
    this.seen = new WeakSet();
  }
}

/**
 * The same environment, with every observed board recorded in `log`.
 *
 * @example
 * const log = new TileLog(env);
 * trainQLearning(withTileLog(env, log), options);
 * log.cells() // [["0,0", "wall"], ["1,2", "floor"], ...]
 */
export function withTileLog(definition: EnvironmentDefinition, log: TileLog): EnvironmentDefinition {
  const observe = definition.rules.observe;
  return {
    ...definition,
    rules: {
      ...definition.rules,
      observe: (state) => {
        const grid = observe?.(state) ?? state.grid;
        log.add(grid);
        return grid;
      },
    },
  };
}
