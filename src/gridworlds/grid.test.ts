import { describe, expect, it } from "vitest";
import { BASE_LEGEND, findTiles, type Legend, parseMap, renderGrid, tileAt, withTiles } from "./grid.js";
import { errorCode } from "./test-support/error-code.js";

describe("parseMap", () => {
  it("reads the start, puts floor under the agent, and renders back", () => {
    const { grid, start } = parseMap("\n#####\n#A G#\n#####\n", BASE_LEGEND);
    expect(start).toEqual({ row: 1, col: 1 });
    expect([grid.width, grid.height]).toEqual([5, 3]);
    expect(tileAt(grid, start)).toBe(" ");
    expect(renderGrid(grid, start)).toEqual(["#####", "#A G#", "#####"]);
    expect(renderGrid(grid)).toEqual(["#####", "#  G#", "#####"]);
  });

  it("treats outside the map as wall", () => {
    const { grid } = parseMap("A", BASE_LEGEND);
    expect(tileAt(grid, { row: -1, col: 0 })).toBe("#");
    expect(tileAt(grid, { row: 0, col: 1 })).toBe("#");
  });

  it.each([
    ["empty", ""],
    ["ragged", "###\n#A\n###"],
    ["no agent", "###\n# #\n###"],
    ["two agents", "AA"],
    ["unknown character", "#A?#"],
    ["too large", "A" + " ".repeat(64)],
    ["too tall", ["A", ...Array.from({ length: 64 }, () => " ")].join("\n")],
  ])("rejects a map that is %s with MAP_INVALID", (_, text) => {
    expect(errorCode(() => parseMap(text, BASE_LEGEND))).toBe("MAP_INVALID");
  });

  it("does not take inherited properties for legend entries", () => {
    const legend: Legend = Object.assign(
      Object.create({ _: { name: "inherited", passable: true } }),
      BASE_LEGEND,
    );
    expect(errorCode(() => parseMap("A_", legend))).toBe("MAP_INVALID");
  });
});

describe("withTiles and findTiles", () => {
  it("changes a copy and leaves the original alone", () => {
    const { grid } = parseMap("#AG#", BASE_LEGEND);
    const changed = withTiles(grid, [{ at: { row: 0, col: 2 }, tile: " " }]);
    expect(renderGrid(changed)).toEqual(["#  #"]);
    expect(renderGrid(grid)).toEqual(["# G#"]);
    expect(findTiles(grid, "G")).toEqual([{ row: 0, col: 2 }]);
    expect(errorCode(() => withTiles(grid, [{ at: { row: 1, col: 0 }, tile: " " }]))).toBe(
      "DEFINITION_INVALID",
    );
  });
});
