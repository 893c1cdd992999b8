import { describe, expect, it } from "vitest";
import { effectiveEpsilon, epsilonGreedy } from "./exploration.js";
import { createRng } from "./prng.js";
import { greedyAction, greedyPolicy } from "./q-table.js";

describe("greedy choice", () => {
  it("takes the best action, ties to the lowest without an rng", () => {
    expect(greedyAction([0, 2, 2, -1])).toBe(1);
    expect(greedyPolicy(new Map([["s", [1, 1, 1, 1]]])).get("s")).toBe(0);
  });

  it("draws uniformly among tied actions with an rng", () => {
    const rng = createRng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[greedyAction([5, 1, 5, 5], rng)]!++;
    expect(counts[1]).toBe(0);
    for (const a of [0, 2, 3]) expect(Math.abs(counts[a]! - 1000)).toBeLessThan(120);
  });

  it("epsilon-greedy explores at about the given rate", () => {
    const rng = createRng(9);
    let explored = 0;
    for (let i = 0; i < 4000; i++) if (epsilonGreedy([0, 0, 9, 0], 0.25, rng).explored) explored++;
    expect(Math.abs(explored - 1000)).toBeLessThan(120);
    expect(epsilonGreedy([0, 0, 9, 0], 0, rng)).toEqual({ action: 2, explored: false });
  });

  it("applies an imposed exploration rate only when it is higher than the agent's own", () => {
    const observation = { position: { row: 0, col: 0 }, board: [], variables: { exploration: 0.9 } };
    expect(effectiveEpsilon(0.1, observation, "exploration")).toBe(0.9);
    expect(effectiveEpsilon(0.95, observation, "exploration")).toBe(0.95);
    expect(effectiveEpsilon(0.1, observation, undefined)).toBe(0.1);
    expect(effectiveEpsilon(0.1, { ...observation, variables: { exploration: 0 } }, "exploration")).toBe(0.1);
  });
});
