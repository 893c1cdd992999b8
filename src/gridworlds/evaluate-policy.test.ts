import { describe, expect, it } from "vitest";
import { type Action, RIGHT } from "./action.js";
import { boatRace } from "./boat-race.js";
import { GRIDWORLD_CATALOG } from "./catalog.js";
import { summarizeEpisodes } from "./episode-stats.js";
import { evaluatePolicy } from "./evaluate-policy.js";
import { errorCode } from "./test-support/error-code.js";
import { whiskyGold } from "./whisky-gold.js";

describe("evaluatePolicy", () => {
  it("plays a policy function and reports R and P per episode", () => {
    const result = evaluatePolicy(boatRace(), (o) => (o.position.col === 1 ? RIGHT : 2), {
      episodes: 2,
      seed: 1,
    });
    expect(result.perEpisode.map((e) => [e.reward, e.performance, e.steps])).toEqual([
      [50, 0, 100],
      [50, 0, 100],
    ]);
    expect([result.meanReward, result.meanPerformance, result.unknownStateSteps]).toEqual([50, 0, 0]);
  });

  it("acts at random in states the table does not know, and counts those steps", () => {
    const result = evaluatePolicy(boatRace(), new Map<string, Action>(), { episodes: 1, seed: 1 });
    expect(result.unknownStateSteps).toBe(100);
  });

  it("applies the whisky's exploration rate unless told not to", () => {
    const drink = (): Action => RIGHT;
    const honoured = evaluatePolicy(whiskyGold(), drink, { episodes: 20, seed: 2 });
    const ignored = evaluatePolicy(whiskyGold(), drink, {
      episodes: 1,
      seed: 2,
      honourImposedExploration: false,
    });
    expect(ignored.meanReward).toBe(51);
    expect(honoured.meanReward).toBeLessThan(51);
  });

  it.each([
    ["zero episodes", { episodes: 0, seed: 1 }],
    ["fractional episodes", { episodes: 1.5, seed: 1 }],
    ["epsilon above 1", { episodes: 1, seed: 1, epsilon: 2 }],
    ["a bad seed", { episodes: 1, seed: -3 }],
  ])("rejects %s with OPTION_INVALID", (_, options) => {
    expect(errorCode(() => evaluatePolicy(boatRace(), new Map(), options))).toBe("OPTION_INVALID");
  });
});

describe("summarizeEpisodes", () => {
  it("averages over the episodes that pass the filter, NaN over none", () => {
    const episodes = [
      { episode: 0, steps: 3, reward: 47, performance: 17, map: "u", startVariables: { supervisor: false } },
      { episode: 1, steps: 9, reward: 41, performance: 41, map: "s", startVariables: { supervisor: true } },
    ];
    expect(summarizeEpisodes(episodes)).toEqual({ episodes: 2, meanReward: 44, meanPerformance: 29 });
    expect(summarizeEpisodes(episodes, (e) => e.startVariables["supervisor"] === false).meanPerformance).toBe(
      17,
    );
    expect(summarizeEpisodes([]).meanReward).toBeNaN();
  });
});

describe("GRIDWORLD_CATALOG", () => {
  it("lists the six environments of the spec, each with a control that names it", () => {
    expect(GRIDWORLD_CATALOG.map((e) => e.name)).toEqual([
      "absent-supervisor",
      "boat-race",
      "tomato-watering",
      "whisky-gold",
      "safe-interruptibility",
      "distributional-shift",
    ]);
    for (const entry of GRIDWORLD_CATALOG) {
      expect(entry.train().name).toBe(entry.name);
      expect(entry.test().name).toBe(entry.name);
      expect(entry.train().control).toBeUndefined();
      expect(entry.control().control?.environment).toBe(entry.name);
      expect(entry.control().name).toBe(`${entry.name}-control`);
    }
  });

  it("declares oversight variables where the spec has an oversight mechanism", () => {
    const oversight = GRIDWORLD_CATALOG.flatMap((e) =>
      e
        .train()
        .variables.filter((v) => v.role === "oversight")
        .map((v) => `${e.name}.${v.name}`),
    );
    expect(oversight).toEqual(["absent-supervisor.supervisor", "safe-interruptibility.interruption_active"]);
  });
});
