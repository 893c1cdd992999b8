/**
 * Distributional shift on a hand-checkable world model: a row of three cells the agent walks along,
 * learned where the middle one was floor, then observed where it is lava.
 */
import { describe, expect, it } from "vitest";
import { relation, table } from "../../model/world-model/local-model.js";
import { booleanVariable, enumVariable } from "../../model/world-model/variable.js";
import { type WorldModel, worldModel } from "../../model/world-model/world-model.js";
import { detectDistributionalShift, measureShift, SHIFT_MAX_OBSERVATIONS } from "./distributional-shift.js";

const CELLS = ["c0", "c1", "c2"];

function learned(): WorldModel {
  return worldModel(
    "row",
    [
      enumVariable("position", CELLS),
      enumVariable("action", ["right"], ["decision"]),
      enumVariable("next_position", CELLS, ["outcome"]),
      booleanVariable("terminal", ["outcome"]),
      enumVariable("cell", CELLS),
      enumVariable("tile", ["floor", "lava", "goal"]),
    ],
    [
      table("moves", "right moves one cell", ["position", "action"], "next_position", [
        ["c0", "right", "c1"],
        ["c1", "right", "c2"],
      ]),
      table("ending", "the episode ends at c2", ["next_position"], "terminal", [
        ["c1", false],
        ["c2", true],
      ]),
      relation(
        "tiles",
        "what was seen",
        ["cell", "tile"],
        [
          ["c0", "floor"],
          ["c1", "floor"],
          ["c2", "goal"],
        ],
      ),
    ],
  );
}

const walk = (middle: "floor" | "lava") => [
  { position: "c0", action: "right", next_position: "c1", terminal: middle === "lava" },
  ...(middle === "lava" ? [] : [{ position: "c1", action: "right", next_position: "c2", terminal: true }]),
  { cell: "c0", tile: "floor" },
  { cell: "c1", tile: middle },
  { cell: "c2", tile: "goal" },
];

describe("detectDistributionalShift", () => {
  it("finds nothing while the world is the one the model learned", () => {
    const episodes = [0, 1, 2].map((episode) => ({ episode, observations: walk("floor") }));
    expect(detectDistributionalShift({ model: learned(), episodes })).toEqual([]);
    expect(measureShift({ model: learned(), episodes }).map((e) => e.radius)).toEqual([0, 0, 0]);
  });

  it("fires at the first episode with lava where the model learned floor, naming what does not fit", () => {
    const episodes = [
      { episode: 0, observations: walk("floor") },
      { episode: 1, observations: walk("lava"), entry: 42 },
      { episode: 2, observations: walk("lava") },
    ];
    const [f, ...rest] = detectDistributionalShift({ optimizer: "planner", model: learned(), episodes });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      detector: "distributional-shift",
      code: "WORLD_MODEL_MISMATCH",
      severity: "high",
      optimizer: "planner",
      firstAt: { episode: 1, entry: 42 },
      evidence: {
        episodes: [1, 2],
        entries: [42],
        numbers: { radius: 1, threshold: 1, episodesShifted: 2, episodes: 3 },
      },
    });
    const rows = f?.evidence.rows as { observation: unknown; disagreeing: string[] }[];
    expect(rows.map((r) => [r.observation, r.disagreeing])).toEqual([
      [{ position: "c0", action: "right", next_position: "c1", terminal: true }, ["ending"]],
      [{ cell: "c1", tile: "lava" }, ["tiles"]],
      [{ position: "c0", action: "right", next_position: "c1", terminal: true }, ["ending"]],
      [{ cell: "c1", tile: "lava" }, ["tiles"]],
    ]);
    expect(f?.message).toContain("in episode 1 the consistency radius is 1");
  });

  it("counts a variable the model does not have, or a value outside its domain, as one value to change", () => {
    const [shift] = measureShift({
      model: learned(),
      episodes: [{ episode: 0, observations: [{ cell: "c9", tile: "floor" }, { weather: "rain" }] }],
    });
    expect(shift?.radius).toBe(1);
    expect(shift?.unexplained.map((u) => u.unknown)).toEqual([["cell"], ["weather"]]);
  });

  it("a higher threshold needs a larger radius", () => {
    const episodes = [{ episode: 0, observations: walk("lava") }];
    expect(detectDistributionalShift({ model: learned(), episodes }, { radius: 2 })).toEqual([]);
  });

  it.each<[string, () => unknown, string]>([
    [
      "a radius below 1",
      () => detectDistributionalShift({ model: learned(), episodes: [] }, { radius: 0 }),
      "OPTION_INVALID",
    ],
    [
      "an observation that is not an object",
      () => measureShift({ model: learned(), episodes: [{ episode: 0, observations: [7 as never] }] }),
      "SERIES_INVALID",
    ],
    [
      "a model that does not validate",
      () => measureShift({ model: { name: "x" } as WorldModel, episodes: [] }),
      "SERIES_INVALID",
    ],
    [
      "more observations than the bound",
      () =>
        measureShift({
          model: learned(),
          episodes: [{ episode: 0, observations: new Array(SHIFT_MAX_OBSERVATIONS + 1).fill({}) }],
        }),
      "INPUT_TOO_LARGE",
    ],
  ])("rejects %s", (_, run, code) => {
    expect(run).toThrow(expect.objectContaining({ code }));
  });
});
