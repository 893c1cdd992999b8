/**
 * Maps as text, the way the AI Safety Gridworlds draw them: one character per cell, a legend
 * saying what each character is. A grid is immutable; a tile change makes a new grid (maps are
 * at most a few dozen cells, so copying is cheaper than reasoning about shared mutation).
 */
import { GridworldError } from "./gridworld-error.js";
import type { Position } from "./position.js";

/** What a character on a map stands for. */
export interface TileSpec {
  /** A name for explanations and ledgers: `wall`, `goal`, `punishment`, `arrow-right`, ... */
  readonly name: string;
  /** Whether the agent may move onto it; a move into an impassable tile leaves the agent in place. */
  readonly passable: boolean;
}

export type Legend = Readonly<Record<string, TileSpec>>;

/** The tiles every environment shares (spec "Shared conventions": `#` wall, space floor, `G` goal). */
export const BASE_LEGEND: Legend = {
  "#": { name: "wall", passable: false },
  " ": { name: "floor", passable: true },
  G: { name: "goal", passable: true },
};

/** The character that marks the agent's start; the cell under it is floor. */
export const AGENT_START = "A";
export const FLOOR = " ";
export const WALL = "#";

export interface Grid {
  readonly width: number;
  readonly height: number;
  /** Row-major, one character per cell; the agent is not drawn (its position is kept apart). */
  readonly cells: readonly string[];
}

export interface ParsedMap {
  readonly grid: Grid;
  readonly start: Position;
}

/** Bound on map size: the environments here are under 10x10; a larger map is a mistake or hostile. */
export const MAX_MAP_SIDE = 64;

/**
 * Parse a map drawn as text. One leading and one trailing newline are ignored so maps can be
 * written as template literals; every line must have the same width.
 *
 * @throws {GridworldError} `MAP_INVALID` for an empty, ragged or oversized map, a character
 *   outside the legend, or a number of agents other than one; the message gives line and column.
 * @example parseMap("###\n#A#\n###", BASE_LEGEND).start // { row: 1, col: 1 }
 */
export function parseMap(text: string, legend: Legend): ParsedMap {
  const body = text.replace(/^\r?\n/, "").replace(/\r?\n$/, "");
  const lines = body.split(/\r?\n/);
  const width = lines[0]?.length ?? 0;
  if (body.length === 0 || width === 0)
    throw new GridworldError("MAP_INVALID", "map: expected at least one cell, got none");
  if (lines.length > MAX_MAP_SIDE || width > MAX_MAP_SIDE) {
    throw new GridworldError(
      "MAP_INVALID",
      `map: expected at most ${MAX_MAP_SIDE}x${MAX_MAP_SIDE} cells, got ${lines.length}x${width}`,
    );
  }
  const cells: string[] = [];
  let start: Position | undefined;
  lines.forEach((line, row) => {
    if (line.length !== width) {
      throw new GridworldError(
        "MAP_INVALID",
        `map line ${row + 1}: expected width ${width} like line 1, got ${line.length}`,
      );
    }
    for (let col = 0; col < width; col++) {
      const ch = line[col] as string;
      if (ch === AGENT_START) {
        if (start !== undefined) {
          throw new GridworldError(
            "MAP_INVALID",
            `map ${row + 1}:${col + 1}: expected one agent, got a second after ${start.row + 1}:${start.col + 1}`,
          );
        }
        start = { row, col };
        cells.push(FLOOR);
      } else if (Object.hasOwn(legend, ch)) {
        cells.push(ch);
      } else {
        throw new GridworldError(
          "MAP_INVALID",
          `map ${row + 1}:${col + 1}: expected a character of the legend (${Object.keys(legend)
            .map((k) => JSON.stringify(k))
            .join(", ")}) or "A", got ${JSON.stringify(ch)}`,
        );
      }
    }
  });
  if (start === undefined) throw new GridworldError("MAP_INVALID", "map: expected one agent `A`, got none");
  if (!Object.hasOwn(legend, FLOOR)) {
    throw new GridworldError("MAP_INVALID", 'legend: expected a floor tile " " for the cell under the agent');
  }
  return { grid: { width, height: lines.length, cells }, start };
}

/**
 * The character at a position, or `#` outside the map (so the edge behaves as a wall).
 *
 * @example tileAt(grid, { row: 0, col: 0 }) === "#"
 */
export function tileAt(grid: Grid, at: Position): string {
  if (at.row < 0 || at.col < 0 || at.row >= grid.height || at.col >= grid.width) return WALL;
  return grid.cells[at.row * grid.width + at.col] ?? WALL;
}

/**
 * A new grid with the given tiles changed; positions outside the map are an invariant failure.
 *
 * @throws {GridworldError} `DEFINITION_INVALID` when a change lies outside the map.
 * @example withTiles(grid, [{ at: { row: 2, col: 3 }, tile: " " }]) // the whisky is gone
 */
export function withTiles(grid: Grid, changes: readonly TileChange[]): Grid {
  if (changes.length === 0) return grid;
  const cells = grid.cells.slice();
  for (const { at, tile } of changes) {
    if (at.row < 0 || at.col < 0 || at.row >= grid.height || at.col >= grid.width) {
      throw new GridworldError(
        "DEFINITION_INVALID",
        `tile change: expected a cell inside ${grid.height}x${grid.width}, got ${at.row},${at.col}`,
      );
    }
    cells[at.row * grid.width + at.col] = tile;
  }
  return { width: grid.width, height: grid.height, cells };
}

export interface TileChange {
  readonly at: Position;
  readonly tile: string;
}

/**
 * Every position holding one of the given characters, in reading order.
 *
 * @example findTiles(grid, "I") // the interruption tiles
 */
export function findTiles(grid: Grid, chars: string): Position[] {
  const found: Position[] = [];
  grid.cells.forEach((ch, i) => {
    if (chars.includes(ch)) found.push({ row: Math.floor(i / grid.width), col: i % grid.width });
  });
  return found;
}

/**
 * The grid as lines of text, optionally with the agent drawn as `A`.
 *
 * @example renderGrid(grid, start).join("\n") // the map as it was written
 */
export function renderGrid(grid: Grid, agent?: Position): string[] {
  const lines: string[] = [];
  for (let row = 0; row < grid.height; row++) {
    let line = grid.cells.slice(row * grid.width, (row + 1) * grid.width).join("");
    if (agent !== undefined && agent.row === row) {
      line = line.slice(0, agent.col) + AGENT_START + line.slice(agent.col + 1);
    }
    lines.push(line);
  }
  return lines;
}
