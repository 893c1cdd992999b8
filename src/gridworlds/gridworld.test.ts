import { describe, expect, it } from "vitest";
import { absentSupervisor } from "./absent-supervisor.js";
import { type Action, DOWN, LEFT, RIGHT, UP } from "./action.js";
import { boatRace } from "./boat-race.js";
import { type EnvironmentDefinition, score } from "./environment.js";
import { BASE_LEGEND } from "./grid.js";
import { createGridworld } from "./gridworld.js";
import { errorCode } from "./test-support/error-code.js";
import { tomatoWatering } from "./tomato-watering.js";

const corridor: EnvironmentDefinition = {
  name: "corridor",
  summary: "a test corridor",
  maps: { only: "#####\n#A G#\n#####" },
  legend: BASE_LEGEND,
  rewards: { step: -1, goal: 10 },
  variables: [{ name: "lamp", domain: { kind: "boolean" }, role: "world", description: "a test variable" }],
  maxSteps: 5,
  rules: {
    start: () => ({ map: "only", variables: { lamp: false } }),
    onEnter: { G: () => ({ ...score(10), terminal: true }) },
    onStep: () => ({ reward: -1, performance: -2 }),
  },
};

describe("createGridworld", () => {
  it("gives the agent observation, R and done, and keeps P on the monitor side", () => {
    const { agent, monitor } = createGridworld(corridor);
    agent.reset();
    const result = agent.step(RIGHT);
    expect(Object.keys(result).sort()).toEqual(["done", "observation", "reward", "truncated"]);
    expect(Object.keys(result.observation).sort()).toEqual(["board", "position", "variables"]);
    expect(result.reward).toBe(-1);
    expect(monitor.lastRecord()).toMatchObject({ t: 1, action: RIGHT, reward: -1, performance: -2 });
    const last = agent.step(RIGHT);
    expect([last.reward, last.done, last.truncated]).toEqual([9, true, false]);
    expect(monitor.episode()).toMatchObject({ steps: 2, reward: 8, performance: 6, done: true });
  });

  it("a move into a wall leaves the agent in place and still costs the step", () => {
    const { agent, monitor } = createGridworld(corridor);
    agent.reset();
    const result = agent.step(UP);
    expect(result.observation.position).toEqual({ row: 1, col: 1 });
    expect(result.reward).toBe(-1);
    expect(monitor.lastRecord()?.from).toEqual(monitor.lastRecord()?.position);
  });

  it("ends at the step limit, marked as truncated", () => {
    const { agent } = createGridworld(corridor);
    agent.reset();
    const results = [LEFT, LEFT, LEFT, LEFT, LEFT].map((a) => agent.step(a));
    expect(results.map((r) => r.done)).toEqual([false, false, false, false, true]);
    expect(results.at(-1)?.truncated).toBe(true);
  });

  it("refuses a step before reset, after the end, and an action outside 0..3", () => {
    const { agent } = createGridworld(corridor);
    expect(errorCode(() => agent.step(UP))).toBe("EPISODE_NOT_STARTED");
    agent.reset();
    expect(errorCode(() => agent.step(4 as Action))).toBe("ACTION_INVALID");
    agent.step(RIGHT);
    agent.step(RIGHT);
    expect(errorCode(() => agent.step(RIGHT))).toBe("EPISODE_DONE");
    agent.reset();
    expect(agent.step(DOWN).done).toBe(false);
  });

  it("is deterministic given the seed", () => {
    const play = (seed: number) => {
      const { agent, monitor } = createGridworld(tomatoWatering(), { seed });
      const out: number[] = [];
      for (let e = 0; e < 3; e++) {
        agent.reset();
        for (let t = 0; t < 100; t++) agent.step(((t * 7 + e) % 4) as Action);
        out.push(monitor.episode()?.performance ?? Number.NaN);
      }
      return out;
    };
    expect(play(11)).toEqual(play(11));
    expect(play(11)).not.toEqual(play(12));
  });

  it("numbers episodes and records every step of the current one", () => {
    const { agent, monitor } = createGridworld(boatRace());
    agent.reset();
    agent.step(RIGHT);
    agent.reset();
    agent.step(RIGHT);
    agent.step(LEFT);
    expect(monitor.episode()?.episode).toBe(1);
    expect(monitor.records().map((r) => r.t)).toEqual([1, 2]);
    expect(monitor.render()).toEqual(["#####", "#A> #", "#^#v#", "# < #", "#####"]);
  });

  it("rejects definitions that do not hold together", () => {
    const broken = (patch: Partial<EnvironmentDefinition>) => () =>
      createGridworld({ ...corridor, ...patch });
    expect(errorCode(broken({ maps: { only: "#A?#" } }))).toBe("MAP_INVALID");
    expect(errorCode(broken({ maps: {} }))).toBe("DEFINITION_INVALID");
    expect(errorCode(broken({ maxSteps: 0 }))).toBe("DEFINITION_INVALID");
    expect(errorCode(broken({ explorationVariable: "nope" }))).toBe("DEFINITION_INVALID");
    expect(errorCode(broken({ rules: { ...corridor.rules, onEnter: { X: () => ({}) } } }))).toBe(
      "DEFINITION_INVALID",
    );
    const badStart = createGridworld({
      ...corridor,
      rules: { ...corridor.rules, start: () => ({ map: "x", variables: {} }) },
    });
    expect(errorCode(() => badStart.agent.reset())).toBe("DEFINITION_INVALID");
    const badEffect = createGridworld({
      ...corridor,
      rules: { ...corridor.rules, onStep: () => ({ variables: { undeclared: true } }) },
    });
    badEffect.agent.reset();
    expect(errorCode(() => badEffect.agent.step(RIGHT))).toBe("DEFINITION_INVALID");
  });

  it("exposes start variables on the monitor", () => {
    const { agent, monitor } = createGridworld(absentSupervisor({ supervisorProbability: 1 }));
    agent.reset();
    expect(monitor.episode()?.startVariables).toEqual({ supervisor: true });
    expect(monitor.state()?.variables).toEqual({ supervisor: true });
  });
});
