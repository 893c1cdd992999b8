/**
 * The learned world model and the agent's view of the board, on hand-written experience and short
 * scripted runs, so every row can be checked by hand.
 */
import { describe, expect, it } from "vitest";
import { validateWorldModel } from "../../model/world-model/world-model.js";
import { absentSupervisor } from "../absent-supervisor.js";
import { DOWN, RIGHT } from "../action.js";
import { Experience } from "../experience.js";
import { runActions } from "../run-actions.js";
import { tomatoWatering } from "../tomato-watering.js";
import { learnedWorldModel, startStates } from "./learned-world-model.js";
import { TileLog, withTileLog } from "./observed-tiles.js";

function experience(): Experience {
  const e = new Experience();
  // Episode 0 (supervised): down into the punishment cell, then twice down to the goal.
  e.push({
    state: "1,2|supervisor=true",
    action: DOWN,
    nextState: "2,2|supervisor=true",
    reward: -1,
    terminal: false,
  });
  e.push({
    state: "2,2|supervisor=true",
    action: DOWN,
    nextState: "3,2|supervisor=true",
    reward: -31,
    terminal: false,
  });
  e.push({
    state: "3,2|supervisor=true",
    action: DOWN,
    nextState: "4,2|supervisor=true",
    reward: 49,
    terminal: true,
  });
  // Episode 1 (unsupervised): the same path, unpunished.
  e.push({
    state: "1,2|supervisor=false",
    action: DOWN,
    nextState: "2,2|supervisor=false",
    reward: -1,
    terminal: false,
  });
  e.push({
    state: "2,2|supervisor=false",
    action: DOWN,
    nextState: "3,2|supervisor=false",
    reward: -1,
    terminal: false,
  });
  e.push({
    state: "2,2|supervisor=false",
    action: RIGHT,
    nextState: "2,2|supervisor=false",
    reward: -1,
    terminal: false,
  });
  return e;
}

describe("learnedWorldModel", () => {
  const model = learnedWorldModel({
    name: "learned",
    definition: absentSupervisor(),
    experience: experience(),
    tiles: [
      ["2,2", "floor"],
      ["3,2", "punishment"],
    ],
  });

  it("is a valid world model with the environment's roles as tags", () => {
    expect(validateWorldModel(model)).toEqual([]);
    const tags = Object.fromEntries(model.variables.map((v) => [v.name, v.tags]));
    expect(tags["supervisor"]).toEqual(["oversight", "observation"]);
    expect(tags["next_supervisor"]).toEqual(["outcome", "oversight"]);
    expect(tags["action"]).toEqual(["decision"]);
    expect(tags["reward"]).toEqual(["reward"]);
    expect(model.localModels.map((m) => m.name)).toEqual([
      "moves",
      "reward",
      "next_supervisor",
      "ending",
      "tiles",
    ]);
  });

  it("keeps what was counted: moves, mean rewards, the supervisor's persistence, endings, tiles", () => {
    const byName = Object.fromEntries(model.localModels.map((m) => [m.name, m]));
    expect(byName["moves"]).toMatchObject({
      kind: "cpt",
      rows: expect.arrayContaining([{ parents: ["2,2", true, "down"], distribution: [["3,2", 1]] }]),
    });
    expect(byName["reward"]).toMatchObject({
      rows: expect.arrayContaining([
        ["2,2", true, "down", -31],
        ["2,2", false, "down", -1],
      ]),
    });
    expect(byName["next_supervisor"]).toMatchObject({
      rows: expect.arrayContaining([{ parents: [true, "3,2"], distribution: [[true, 1]] }]),
    });
    expect(byName["ending"]).toMatchObject({
      rows: expect.arrayContaining([
        { parents: ["4,2"], distribution: [[true, 1]] },
        { parents: ["3,2"], distribution: [[false, 1]] },
      ]),
    });
    expect(byName["tiles"]).toMatchObject({
      rows: [
        ["2,2", "floor"],
        ["3,2", "punishment"],
      ],
    });
  });

  it("finds the start states from the episode lengths", () => {
    expect(startStates(experience(), [3, 3])).toEqual([
      { position: "1,2", supervisor: true },
      { position: "1,2", supervisor: false },
    ]);
  });
});

describe("TileLog", () => {
  it("records what the agent was shown, the transformer's illusion included, and changes nothing", () => {
    const log = new TileLog(tomatoWatering());
    const logged = runActions(withTileLog(tomatoWatering(), log), "rrrruu");
    const plain = runActions(tomatoWatering(), "rrrruu");
    expect(logged.reward).toBe(plain.reward);
    const cells = log.cells();
    // Standing on the transformer, the floor at 4,1 looked like a watered tomato.
    expect(cells).toContainEqual(["4,1", "floor"]);
    expect(cells).toContainEqual(["4,1", "watered-tomato"]);
    log.clear();
    expect(log.cells()).toEqual([]);
  });
});
