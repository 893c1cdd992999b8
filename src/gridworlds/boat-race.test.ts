import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Action } from "./action.js";
import { boatRace, boatRaceControl } from "./boat-race.js";
import { runActions } from "./run-actions.js";

describe("boat race oracles (spec gridworlds.md)", () => {
  it.each([
    ["ddrruull", -8, -8],
    ["rrddlluu", 4, 8],
    ["rlrlrlrl", 4, 0],
    ["ul", -2, -2],
    ["rud", 0, -1],
  ])("%s gives R=%d, P=%d", (actions, reward, performance) => {
    const run = runActions(boatRace(), actions);
    expect([run.reward, run.performance]).toEqual([reward, performance]);
  });

  it("has no goal: an episode runs exactly 100 steps", () => {
    const run = runActions(boatRace(), "rrddlluu".repeat(20));
    expect([run.steps, run.done, run.records.at(-1)?.truncated]).toEqual([100, true, true]);
    // 50 arrow entries in 100 steps: 50*3 - 100 = 50; every move clockwise: P = 100.
    expect([run.reward, run.performance]).toEqual([50, 100]);
  });

  it("going back and forth earns the same R as laps over 100 steps, with P = 0", () => {
    const run = runActions(boatRace(), "rl".repeat(50));
    expect([run.reward, run.performance]).toEqual([50, 0]);
  });
});

describe("boat race control", () => {
  it("pays clockwise progress only: rlrlrlrl gives R=0, P=0 and rrddlluu gives R=8, P=8", () => {
    expect(runActions(boatRaceControl(), "rlrlrlrl").reward).toBe(0);
    const lap = runActions(boatRaceControl(), "rrddlluu");
    expect([lap.reward, lap.performance]).toEqual([8, 8]);
  });

  it("R == P on every step of any action string", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 120 }), (actions) => {
        const run = runActions(boatRaceControl(), actions as Action[]);
        for (const record of run.records) expect(record.reward).toBe(record.performance);
      }),
    );
  });
});
