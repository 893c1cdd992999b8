import { describe, expect, it } from "vitest";
import { cpt, relation, table } from "./local-model.js";
import { garden } from "./test-support/garden.js";
import { booleanVariable, enumVariable, intVariable, realVariable } from "./variable.js";
import { parseWorldModel, validateWorldModel, worldModel } from "./world-model.js";
import { WorldModelError } from "./world-model-error.js";

const problems = (input: unknown) => validateWorldModel(input).map((e) => [e.code, e.path]);

describe("validateWorldModel", () => {
  it("accepts a valid model", () => {
    expect(validateWorldModel(garden())).toEqual([]);
    expect(validateWorldModel({ name: "empty", variables: [], localModels: [] })).toEqual([]);
  });

  it("reports every problem, each with its code and path", () => {
    const input = {
      name: "broken",
      variables: [
        { name: "a", domain: { kind: "int", min: 0, max: 3 }, tags: [] },
        { name: "b", domain: { kind: "enum", values: ["x", "y", "x"] }, tags: [] },
        { name: "a", domain: { kind: "boolean" }, tags: [] },
        { name: "lonely", domain: { kind: "boolean" }, tags: [] },
      ],
      localModels: [
        relation(
          "r",
          "a relation",
          ["a", "b"],
          [
            [1, "x"],
            [1, "x"],
            [9, "y"],
          ],
        ),
        relation("s", "unknown variable", ["a", "nope"], [[1, true]]),
        table("t", "not a function", ["a"], "b", [[0, "x"], [0, "y"], [1]]),
        cpt("c", "bad probabilities", ["a"], "b", [
          {
            parents: [0],
            distribution: [
              ["x", 0.5],
              ["y", 0.6],
            ],
          },
          { parents: [0], distribution: [["x", 1]] },
          {
            parents: [1],
            distribution: [
              ["x", -0.5],
              ["x", 1.5],
            ],
          },
        ]),
        relation("r", "duplicate name", ["a", "a"], []),
      ],
    };
    expect(problems(input)).toEqual([
      ["DOMAIN_INVALID", "variables[1].domain.values[2]"],
      ["DUPLICATE_VARIABLE", "variables[2].name"],
      ["DUPLICATE_LOCAL_MODEL", "localModels[4].name"],
      ["VALUE_OUT_OF_DOMAIN", "localModels[0].rows[2][0]"],
      ["DUPLICATE_ROW", "localModels[0].rows[1]"],
      ["UNKNOWN_VARIABLE", "localModels[1].variables[1]"],
      ["ARITY_MISMATCH", "localModels[2].rows[2]"],
      ["TABLE_NOT_FUNCTION", "localModels[2].rows[1]"],
      ["CPT_ROW_SUM", "localModels[3].rows[0].distribution"],
      ["PROBABILITY_INVALID", "localModels[3].rows[2].distribution[0][1]"],
      ["DUPLICATE_ROW", "localModels[3].rows[2].distribution[1]"],
      ["PROBABILITY_INVALID", "localModels[3].rows[2].distribution[1][1]"],
      ["DUPLICATE_ROW", "localModels[3].rows[1]"],
      ["REPEATED_VARIABLE", "localModels[4].variables[1]"],
    ]);
  });

  it("reports variables no local model covers", () => {
    const input = {
      name: "w",
      variables: [booleanVariable("a"), booleanVariable("b")],
      localModels: [relation("r", "", ["a"], [[true]])],
    };
    expect(problems(input)).toEqual([["VARIABLE_NOT_COVERED", "variables[1]"]]);
  });

  it("reports structural problems with zod's paths and our codes", () => {
    expect(
      problems({
        name: "w",
        variables: [{ name: "1bad", domain: { kind: "boolean" }, tags: [] }],
        localModels: [],
      }),
    ).toEqual([["NAME_INVALID", "variables[0].name"]]);
    expect(
      problems({
        name: "w",
        variables: [{ name: "__proto__", domain: { kind: "boolean" }, tags: [] }],
        localModels: [],
      }),
    ).toEqual([["NAME_INVALID", "variables[0].name"]]);
    expect(problems({ name: "w", variables: "none", localModels: [] })).toEqual([
      ["SHAPE_INVALID", "variables"],
    ]);
    expect(
      problems({
        name: "w",
        variables: [{ name: "a", domain: { kind: "complex" }, tags: [] }],
        localModels: [],
      }),
    ).toEqual([["SHAPE_INVALID", "variables[0].domain.kind"]]);
  });

  it("checks real values are finite numbers, and accepts any of them", () => {
    const ok = {
      name: "w",
      variables: [realVariable("t", "degC")],
      localModels: [relation("r", "", ["t"], [[21.5], [-3]])],
    };
    expect(problems(ok)).toEqual([]);
    const bad = { ...ok, localModels: [relation("r", "", ["t"], [["hot"], [Number.POSITIVE_INFINITY]])] };
    expect(problems(bad)).toEqual([
      ["VALUE_OUT_OF_DOMAIN", "localModels[0].rows[0][0]"],
      ["VALUE_OUT_OF_DOMAIN", "localModels[0].rows[1][0]"],
    ]);
  });
});

describe("parseWorldModel and worldModel", () => {
  it("throw the first problem, carrying all of them", () => {
    const input = {
      name: "w",
      variables: [intVariable("a", 0, 1)],
      localModels: [relation("r", "", ["a"], [[2], [3]])],
    };
    let caught: unknown;
    try {
      parseWorldModel(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorldModelError);
    const err = caught as WorldModelError;
    expect(err.code).toBe("VALUE_OUT_OF_DOMAIN");
    expect(err.path).toBe("localModels[0].rows[0][0]");
    expect(err.problems.map((p) => p.path)).toEqual([
      "localModels[0].rows[0][0]",
      "localModels[0].rows[1][0]",
    ]);
  });

  it("returns a typed model for valid input", () => {
    const m = worldModel("w", [enumVariable("s", ["dry", "wet"])], [relation("r", "", ["s"], [["dry"]])]);
    expect(m.localModels[0]!.kind).toBe("relation");
  });
});
