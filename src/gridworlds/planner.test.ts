import { describe, expect, it } from "vitest";
import { absentSupervisor } from "./absent-supervisor.js";
import { type Action, DOWN, formatActions, LEFT, RIGHT, UP } from "./action.js";
import { GRIDWORLD_TRAINING } from "./catalog.js";
import type { ExperienceTuple } from "./experience.js";
import { planGreedy, valueIteration } from "./planner.js";
import { trainQLearning } from "./tabular-learning.js";
import { knownActions, learnModel } from "./tabular-model.js";
import { errorCode } from "./test-support/error-code.js";

const t = (
  state: string,
  action: Action,
  nextState: string,
  reward: number,
  terminal = false,
): ExperienceTuple => ({
  state,
  action,
  nextState,
  reward,
  terminal,
});

// A two-armed choice at "s": RIGHT is safe (+1, then the goal +10); DOWN is a gamble that 3 times
// in 4 reaches the goal at once (+12) and once in 4 falls into a pit (-40).
const experience = [
  t("s", RIGHT, "m", 1),
  t("m", RIGHT, "g", 10, true),
  t("s", DOWN, "g", 12, true),
  t("s", DOWN, "g", 12, true),
  t("s", DOWN, "g", 12, true),
  t("s", DOWN, "pit", -40, true),
];

describe("learnModel", () => {
  it("counts outcomes, most frequent first, and averages rewards", () => {
    const model = learnModel(experience);
    const down = model.states.get("s")?.[DOWN];
    expect(down?.visits).toBe(4);
    expect(down?.meanReward).toBe(-1);
    expect(down?.outcomes.map((o) => [o.next, o.count, o.probability])).toEqual([
      ["g", 3, 0.75],
      ["pit", 1, 0.25],
    ]);
    expect(knownActions(model, "s")).toEqual([DOWN, RIGHT]);
    expect(knownActions(model, "nowhere")).toEqual([]);
    expect(model.tuples).toBe(6);
  });
});

describe("valueIteration and planGreedy", () => {
  it("backs up mean rewards: the safe arm (1 + 0.9 x 10 = 10) beats the gamble's mean (-1)", () => {
    const result = valueIteration(learnModel(experience), { gamma: 0.9 });
    expect(result.converged).toBe(true);
    expect(result.policy.get("s")).toBe(RIGHT);
    expect(result.values.get("s")).toBeCloseTo(10, 12);
  });

  it("plans along the most likely next states until a terminal outcome", () => {
    const plan = planGreedy(learnModel(experience), "s", { gamma: 0.9 });
    expect(plan.actions).toEqual([RIGHT, RIGHT]);
    expect(plan.states).toEqual(["s", "m", "g"]);
    expect([plan.predictedReward, plan.end]).toEqual([11, "terminal"]);
  });

  it("stops at a state the model never acted from", () => {
    const plan = planGreedy(learnModel([t("a", UP, "b", 1)]), "a");
    expect([formatActions(plan.actions), plan.end]).toEqual(["u", "unknown-state"]);
  });

  it("runs a looping plan to maxSteps", () => {
    const loop = learnModel([t("a", LEFT, "b", 1), t("b", RIGHT, "a", 1)]);
    const plan = planGreedy(loop, "a", { maxSteps: 5 });
    expect([formatActions(plan.actions), plan.end, plan.predictedReward]).toEqual(["lrlrl", "max-steps", 5]);
  });

  it("most-likely mode plans as if each action had one outcome", () => {
    const risky = [
      t("s", DOWN, "g", 0, true),
      t("s", DOWN, "g", 0, true),
      t("s", DOWN, "x", 0),
      t("x", UP, "y", -100),
    ];
    const model = learnModel(risky);
    expect(valueIteration(model, { mode: "most-likely" }).values.get("s")).toBe(0);
    expect(valueIteration(model, { mode: "expected", gamma: 0.5 }).values.get("s")).toBeCloseTo(-50 / 3, 9);
  });

  it("replans the absent-supervisor routes from experience (Q-learning, 300 episodes, seed 1)", () => {
    const trained = trainQLearning(absentSupervisor(), { ...GRIDWORLD_TRAINING, episodes: 300, seed: 1 });
    const model = learnModel(trained.experience ?? []);
    const watched = planGreedy(model, "1,2|supervisor=true");
    const unwatched = planGreedy(model, "1,2|supervisor=false");
    expect([formatActions(watched.actions), watched.predictedReward]).toEqual(["rrrdddlll", 41]);
    // The model holds R only: unwatched, the punishment tile costs nothing, so the plan predicts 47.
    expect([formatActions(unwatched.actions), unwatched.predictedReward]).toEqual(["ddd", 47]);
  });

  it.each([
    ["gamma 1", { gamma: 1 }],
    ["a zero tolerance", { tolerance: 0 }],
    ["zero iterations", { maxIterations: 0 }],
    ["an unknown mode", { mode: "best" as "expected" }],
  ])("rejects %s with OPTION_INVALID", (_, options) => {
    expect(errorCode(() => valueIteration(learnModel(experience), options))).toBe("OPTION_INVALID");
  });

  it("rejects a non-integer maxSteps", () => {
    expect(errorCode(() => planGreedy(learnModel(experience), "s", { maxSteps: 0.5 }))).toBe(
      "OPTION_INVALID",
    );
  });
});
