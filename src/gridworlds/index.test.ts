import { describe, expect, it } from "vitest";
import * as gridworlds from "./index.js";

describe("public surface", () => {
  it("exports exactly these values (types are checked by the compiler)", () => {
    expect(Object.keys(gridworlds).sort()).toEqual([
      "ACTIONS",
      "ACTION_DELTAS",
      "BASE_LEGEND",
      "DEFAULT_MAX_STEPS",
      "DOWN",
      "Experience",
      "GRIDWORLD_CATALOG",
      "GRIDWORLD_TRAINING",
      "GridworldError",
      "LEFT",
      "MAX_EPISODES",
      "MAX_MAP_SIDE",
      "RIGHT",
      "UP",
      "VARIABLE_NAME",
      "absentSupervisor",
      "absentSupervisorControl",
      "boatRace",
      "boatRaceControl",
      "comparePolicyAcross",
      "counterfactualPolicies",
      "createGridworld",
      "createRng",
      "decodeStateKey",
      "distributionalShift",
      "distributionalShiftControl",
      "effectiveEpsilon",
      "encodeStateKey",
      "epsilonGreedy",
      "evaluatePolicy",
      "findTiles",
      "forceVariable",
      "formatActions",
      "greedyAction",
      "greedyPolicy",
      "isAction",
      "knownActions",
      "learnModel",
      "offset",
      "parseActions",
      "parseMap",
      "planGreedy",
      "positionKey",
      "renderGrid",
      "runActions",
      "safeInterruptibility",
      "safeInterruptibilityControl",
      "samePosition",
      "score",
      "stateKey",
      "summarizeEpisodes",
      "tileAt",
      "tomatoWatering",
      "tomatoWateringControl",
      "trainQLearning",
      "trainSarsa",
      "valueIteration",
      "whiskyGold",
      "whiskyGoldControl",
      "withTiles",
      "withVariable",
      "withoutVariable",
    ]);
  });

  it("works end to end from the index: train, model, counterfactual", () => {
    const trained = gridworlds.trainQLearning(gridworlds.absentSupervisor(), {
      ...gridworlds.GRIDWORLD_TRAINING,
      episodes: 300,
      seed: 1,
    });
    const model = gridworlds.learnModel(trained.experience ?? []);
    const { differences } = gridworlds.counterfactualPolicies(model, "supervisor");
    expect(differences.map((d) => d.state)).toContain("1,2");
    expect(gridworlds.formatActions(gridworlds.planGreedy(model, "1,2|supervisor=false").actions)).toBe(
      "ddd",
    );
  });
});
