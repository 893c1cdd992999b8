import { describe, expect, it } from "vitest";
import { asRelation, cpt, scopeOf, table, tableFromFunction } from "./local-model.js";
import { booleanVariable, enumVariable, intVariable, realVariable } from "./variable.js";
import { validateWorldModel } from "./world-model.js";

describe("local models", () => {
  it("view a CPT as the relation of its non-zero entries", () => {
    const c = cpt("c", "coin", ["fair"], "heads", [
      {
        parents: [true],
        distribution: [
          [true, 0.5],
          [false, 0.5],
        ],
      },
      {
        parents: [false],
        distribution: [
          [true, 1],
          [false, 0],
        ],
      },
    ]);
    expect(scopeOf(c)).toEqual(["fair", "heads"]);
    expect(asRelation(c).rows).toEqual([
      [true, true],
      [true, false],
      [false, true],
    ]);
    const t = table("t", "not", ["a"], "b", [
      [true, false],
      [false, true],
    ]);
    expect(asRelation(t)).toMatchObject({ kind: "relation", variables: ["a", "b"], rows: t.rows });
  });

  it("build an explicit table from a function over finite domains", () => {
    const a = intVariable("a", 1, 3);
    const b = intVariable("b", 1, 3);
    const sum = tableFromFunction(
      "sum",
      "a + b",
      [a, b],
      intVariable("s", 2, 6),
      (x) => (x["a"] as number) + (x["b"] as number),
    );
    expect(sum.rows).toHaveLength(9);
    expect(sum.rows[0]).toEqual([1, 1, 2]);
    expect(sum.rows[8]).toEqual([3, 3, 6]);
    const model = { name: "w", variables: [a, b, intVariable("s", 2, 6)], localModels: [sum] };
    expect(validateWorldModel(model)).toEqual([]);
    const none = tableFromFunction("const", "always on", [], booleanVariable("on"), () => true);
    expect(none.rows).toEqual([[true]]);
  });

  it("refuse real inputs, too many rows and outputs outside the domain, with codes", () => {
    expect(() =>
      tableFromFunction("t", "", [realVariable("x", "m")], booleanVariable("y"), () => true),
    ).toThrow(expect.objectContaining({ code: "DOMAIN_NOT_FINITE" }));
    const big = [intVariable("a", 0, 999), intVariable("b", 0, 999), intVariable("c", 0, 999)];
    expect(() => tableFromFunction("t", "", big, booleanVariable("y"), () => true)).toThrow(
      expect.objectContaining({ code: "DOMAIN_TOO_LARGE" }),
    );
    expect(() =>
      tableFromFunction("t", "", [booleanVariable("a")], enumVariable("y", ["on", "off"]), () => "maybe"),
    ).toThrow(expect.objectContaining({ code: "VALUE_OUT_OF_DOMAIN", path: "rows[0][1]" }));
  });
});
