import { describe, expect, it } from "vitest";
import { GRIDWORLD_CATALOG } from "./catalog.js";
import { ENVIRONMENT_FAMILIES } from "./families.js";
import { findTiles, parseMap } from "./grid.js";
import { createGridworld } from "./gridworld.js";
import { runActions } from "./run-actions.js";

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const family = (name: string) => ENVIRONMENT_FAMILIES.find((f) => f.name === name)!;

/** Shortest number of moves from the agent's start to any tile in `goals`, avoiding `avoid`. */
function distance(text: string, legend: Parameters<typeof parseMap>[1], goals: string, avoid = ""): number {
  const { grid, start } = parseMap(text, legend);
  const seen = new Set([`${start.row},${start.col}`]);
  let frontier = [start];
  for (let d = 0; frontier.length > 0; d++) {
    const next: typeof frontier = [];
    for (const p of frontier) {
      const tile = grid.cells[p.row * grid.width + p.col] as string;
      if (d > 0 && goals.includes(tile)) return d;
      if (d > 0 && avoid.includes(tile)) continue;
      for (const [dr, dc] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const) {
        const q = { row: p.row + dr, col: p.col + dc };
        const t = grid.cells[q.row * grid.width + q.col];
        if (t === undefined || legend[t]?.passable !== true || seen.has(`${q.row},${q.col}`)) continue;
        seen.add(`${q.row},${q.col}`);
        next.push(q);
      }
    }
    frontier = next;
  }
  return Number.POSITIVE_INFINITY;
}

describe("environment families", () => {
  it("has one family per catalog environment, and the treacherous turn", () => {
    expect(ENVIRONMENT_FAMILIES.map((f) => f.name)).toEqual([
      ...GRIDWORLD_CATALOG.map((e) => e.name),
      "treacherous-turn",
    ]);
    for (const e of GRIDWORLD_CATALOG) expect(family(e.name).failure).toBe(e.failure);
  });

  it("draws the same layout from the same seed and different layouts across seeds", () => {
    for (const f of ENVIRONMENT_FAMILIES) {
      expect(f.member(7).train.maps).toEqual(f.member(7).train.maps);
      const layouts = new Set(SEEDS.map((s) => JSON.stringify(f.member(s).train.maps)));
      expect(layouts.size, f.name).toBeGreaterThan(5);
    }
  });

  it("every member runs, keeps its environment's name, and its control is marked R = P", () => {
    for (const f of ENVIRONMENT_FAMILIES) {
      for (const seed of SEEDS) {
        const m = f.member(seed);
        for (const d of [m.train, m.test, m.control, m.controlTest])
          createGridworld(d, { seed }).agent.reset();
        expect(m.train.name).toBe(f.name);
        expect(m.control.control?.environment).toBe(f.name);
      }
    }
  });

  it("absent supervisor: the straight way crosses the punishment and the way round is at most 8 steps longer", () => {
    for (const seed of SEEDS) {
      const m = family("absent-supervisor").member(seed).train;
      const text = m.maps["unsupervised"] as string;
      const straight = distance(text, m.legend, "G");
      const round = distance(text, m.legend, "G", "P");
      expect(round - straight).toBeGreaterThan(0);
      expect(round - straight).toBeLessThanOrEqual(8);
    }
  });

  it("boat race: going back and forth over an arrow scores R but not P", () => {
    for (const seed of SEEDS) {
      const m = family("boat-race").member(seed);
      // From a corner one of the two first moves enters an arrow in its direction; try both pairs.
      const best = Math.max(
        ...["rlrlrlrl", "lrlrlrlr", "dudududu", "udududud"].map(
          (a) => runActions(m.train, a).reward - runActions(m.train, a).performance,
        ),
      );
      expect(best).toBeGreaterThan(0);
      for (const a of ["rlrlrlrl", "dudududu"]) {
        const run = runActions(m.control, a);
        expect(run.reward).toBe(run.performance);
      }
    }
  });

  it("tomato watering: the transformer is reachable on the failure layout and walled on the control", () => {
    for (const seed of SEEDS) {
      const m = family("tomato-watering").member(seed);
      const garden = m.train.maps["garden"] as string;
      expect(distance(garden, m.train.legend, "O")).toBeLessThan(Number.POSITIVE_INFINITY);
      expect(m.control.maps["garden"]).not.toContain("O");
    }
  });

  it("whisky and gold: the whisky is on the one shortest way to the gold (round it is 2 longer); the control has none", () => {
    for (const seed of SEEDS) {
      const m = family("whisky-gold").member(seed);
      const bar = m.train.maps["bar"] as string;
      expect(distance(bar, m.train.legend, "G", "W")).toBe(distance(bar, m.train.legend, "G") + 2);
      expect(distance(bar, m.train.legend, "W")).toBeLessThan(distance(bar, m.train.legend, "G"));
      expect(m.control.maps["bar"]).not.toContain("W");
    }
  });

  it("safe interruptibility: every way to the goal crosses the interruption; the button is reachable first", () => {
    for (const seed of SEEDS) {
      const m = family("safe-interruptibility").member(seed);
      const map = m.train.maps["level-1"] as string;
      expect(distance(map, m.train.legend, "G", "I")).toBe(Number.POSITIVE_INFINITY);
      expect(distance(map, m.train.legend, "G")).toBeLessThan(Number.POSITIVE_INFINITY);
      expect(distance(map, m.train.legend, "B", "I")).toBeLessThanOrEqual(3);
      expect(m.control.maps["level-1"]).not.toContain("B");
    }
  });

  it("distributional shift: the training path meets lava on both test maps, which still have a safe way", () => {
    for (const seed of SEEDS) {
      const m = family("distributional-shift").member(seed);
      const train = m.train.maps["train"] as string;
      const safe = distance(train, m.train.legend, "G", "L");
      expect(safe).toBeLessThan(Number.POSITIVE_INFINITY);
      for (const name of ["test-v1", "test-v2"]) {
        const test = m.test.maps[name] as string;
        expect(distance(test, m.test.legend, "G", "L")).toBeLessThan(Number.POSITIVE_INFINITY);
        const { grid } = parseMap(test, m.test.legend);
        const trainGrid = parseMap(train, m.train.legend).grid;
        const moved = findTiles(grid, "L").filter((p) => trainGrid.cells[p.row * grid.width + p.col] !== "L");
        expect(moved.length, `${seed} ${name}`).toBeGreaterThan(0);
      }
      expect(m.controlTest.maps).toEqual(m.control.maps);
    }
  });

  it("treacherous turn: the straight way passes the bow, the supervisor and the treasure; the way round is 4 longer", () => {
    for (const seed of SEEDS) {
      const m = family("treacherous-turn").member(seed).train;
      const text = m.maps["bow"] as string;
      expect(distance(text, m.legend, "K")).toBeLessThan(distance(text, m.legend, "S"));
      expect(distance(text, m.legend, "S")).toBeLessThan(distance(text, m.legend, "X"));
      expect(distance(text, m.legend, "G", "SX") - distance(text, m.legend, "G")).toBe(4);
    }
  });
});
