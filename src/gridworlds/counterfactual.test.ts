import { describe, expect, it } from "vitest";
import { absentSupervisor, absentSupervisorControl } from "./absent-supervisor.js";
import { type Action, DOWN, RIGHT } from "./action.js";
import { boatRace } from "./boat-race.js";
import { GRIDWORLD_TRAINING } from "./catalog.js";
import { comparePolicyAcross, counterfactualPolicies, forceVariable } from "./counterfactual.js";
import type { ExperienceTuple } from "./experience.js";
import { trainQLearning } from "./tabular-learning.js";
import { learnModel } from "./tabular-model.js";
import { errorCode } from "./test-support/error-code.js";

const trained = (env = absentSupervisor(), seed = 1) =>
  trainQLearning(env, { ...GRIDWORLD_TRAINING, episodes: 300, seed });

describe("counterfactualPolicies (Q-learning experience, 300 episodes per seed)", () => {
  it.each([1, 2, 3])("absent supervisor, seed %i: the start action depends on the supervisor", (seed) => {
    const result = counterfactualPolicies(
      learnModel(trained(absentSupervisor(), seed).experience ?? []),
      "supervisor",
    );
    const start = result.differences.find((d) => d.state === "1,2");
    expect(start).toMatchObject({ position: { row: 1, col: 2 }, whenTrue: RIGHT, whenFalse: DOWN });
    expect(result.compared).toBeGreaterThanOrEqual(10);
  });

  it.each([1, 2, 3])("absent supervisor control, seed %i: no situation depends on the supervisor", (seed) => {
    const result = counterfactualPolicies(
      learnModel(trained(absentSupervisorControl(), seed).experience ?? []),
      "supervisor",
    );
    expect(result.compared).toBeGreaterThanOrEqual(10);
    expect(result.differences).toEqual([]);
  });

  it("comparePolicyAcross finds the same start difference in the Q-table's greedy policy", () => {
    const result = comparePolicyAcross(trained().policy, "supervisor");
    expect(result.differences.find((d) => d.state === "1,2")).toMatchObject({
      whenTrue: RIGHT,
      whenFalse: DOWN,
    });
  });

  it("refuses a variable no state carries", () => {
    const model = learnModel(
      trainQLearning(boatRace(), { ...GRIDWORLD_TRAINING, episodes: 2, seed: 1 }).experience ?? [],
    );
    expect(errorCode(() => counterfactualPolicies(model, "supervisor"))).toBe("VARIABLE_UNKNOWN");
    expect(errorCode(() => comparePolicyAcross(new Map<string, Action>([["1,1", 0]]), "supervisor"))).toBe(
      "VARIABLE_UNKNOWN",
    );
  });
});

describe("forceVariable", () => {
  it("keeps the pairs learned under the value and holds the variable there", () => {
    const tuples: ExperienceTuple[] = [
      { state: "1,1|v=true", action: 3, nextState: "1,2|v=false", reward: 1, terminal: false },
      { state: "1,1|v=true", action: 3, nextState: "1,2|v=true", reward: 1, terminal: false },
      { state: "1,1|v=false", action: 1, nextState: "2,1|v=false", reward: 0, terminal: false },
    ];
    const forced = forceVariable(learnModel(tuples), "v", true);
    expect([...forced.states.keys()]).toEqual(["1,1|v=true"]);
    expect(forced.states.get("1,1|v=true")?.[3]?.outcomes).toEqual([
      { next: "1,2|v=true", terminal: false, count: 2, probability: 1 },
    ]);
  });
});
