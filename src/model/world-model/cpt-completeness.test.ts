import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ValidateWorldModelOptions } from "./compiled-model.js";
import type { Value } from "./domain.js";
import { type CptRow, cpt } from "./local-model.js";
import { booleanVariable, enumVariable, intVariable, realVariable, type Variable } from "./variable.js";
import { validateWorldModel } from "./world-model.js";

const temperature = enumVariable("temperature", ["cold", "comfortable", "hot"]);
const heater = booleanVariable("heater");
const next = enumVariable("next_temperature", ["cold", "comfortable", "hot"]);
const stay = (t: string): CptRow["distribution"] => [[t, 1]];

/** The thermostat's dynamics, with the rows for the given (temperature, heater) pairs only. */
function dynamics(pairs: readonly [string, boolean][]) {
  return {
    name: "thermostat",
    variables: [temperature, heater, next],
    localModels: [
      cpt(
        "dynamics",
        "the room a minute later",
        ["temperature", "heater"],
        "next_temperature",
        pairs.map(([t, h]) => ({ parents: [t, h], distribution: stay(t) })),
      ),
    ],
  };
}

const ALL: [string, boolean][] = ["cold", "comfortable", "hot"].flatMap((t): [string, boolean][] => [
  [t, true],
  [t, false],
]);

const strict = { requireCompleteCpts: true } as const;
const codes = (model: unknown, options: ValidateWorldModelOptions = strict) =>
  validateWorldModel(model, options).map((e) => e.code);

describe("complete CPTs", () => {
  it("accepts a CPT with a row for every combination of its parents' values", () => {
    expect(codes(dynamics(ALL))).toEqual([]);
  });

  it("refuses one with a row missing, saying how many are covered of how many and which is not", () => {
    const problems = validateWorldModel(dynamics(ALL.slice(0, 5)), strict);
    expect(problems.map((e) => [e.code, e.path])).toEqual([["CPT_ROWS_MISSING", "localModels[0].rows"]]);
    expect(problems[0]?.detail).toBe(
      'expected a distribution for each of the 6 combinations of the parents\' values, got 5; none for temperature = "hot", heater = false',
    );
  });

  it("leaves unlisted rows outside the support when not asked (a world model built in code)", () => {
    expect(codes(dynamics(ALL.slice(0, 5)), {})).toEqual([]);
  });

  it("counts distinct parent rows, so a repeated row does not stand in for a missing one", () => {
    const model = dynamics([...ALL.slice(0, 5), ALL[0]!]);
    expect(codes(model)).toEqual(["DUPLICATE_ROW", "CPT_ROWS_MISSING"]);
  });

  it("asks a CPT without parents for its one row", () => {
    const model = { name: "w", variables: [heater], localModels: [cpt("h", "", [], "heater", [])] };
    const [problem] = validateWorldModel(model, strict);
    expect(problem).toMatchObject({ code: "CPT_ROWS_MISSING", path: "localModels[0].rows" });
    expect(problem?.detail).toContain("without parents");
  });

  it("refuses a real-valued parent, which no list of rows covers", () => {
    const model = {
      name: "w",
      variables: [realVariable("t", "degC"), heater],
      localModels: [cpt("h", "", ["t"], "heater", [{ parents: [20.5], distribution: [[true, 1]] }])],
    };
    const [problem] = validateWorldModel(model, strict);
    expect(problem?.code).toBe("CPT_ROWS_MISSING");
    expect(problem?.detail).toContain("parent t is real-valued");
  });

  it("does not tell a broken row twice: a parent value outside its domain is the only problem", () => {
    const model = dynamics(ALL);
    const rows = model.localModels[0]!.rows.map((r, i) => (i === 0 ? { ...r, parents: ["warm", true] } : r));
    const broken = { ...model, localModels: [{ ...model.localModels[0]!, rows }] };
    expect(codes(broken)).toEqual(["VALUE_OUT_OF_DOMAIN"]);
  });

  it("does not count the values of a broken domain", () => {
    const doubled = enumVariable("temperature", ["cold", "cold", "hot"]);
    const model = { ...dynamics([["cold", true]]), variables: [doubled, heater, next] };
    expect(codes(model)).toEqual(["DOMAIN_INVALID"]);
  });

  it("counts 10^7 combinations without listing them", () => {
    const model = {
      name: "w",
      variables: [intVariable("a", 0, 9_999), intVariable("b", 0, 999), heater],
      localModels: [
        cpt(
          "big",
          "",
          ["a", "b"],
          "heater",
          [
            [0, 0],
            [0, 1],
            [0, 2],
          ].map((parents) => ({ parents, distribution: [[true, 1]] })),
        ),
      ],
    };
    const [problem] = validateWorldModel(model, strict);
    expect(problem?.code).toBe("CPT_ROWS_MISSING");
    expect(problem?.detail).toContain("each of the 10,000,000 combinations of the parents' values, got 3");
    expect(problem?.detail).toContain("none for a = 0, b = 3");
  });

  it("counts exactly past 2^53, where a float product would round (and enumeration never ends)", () => {
    // (2^54 - 1)^2 combinations: checking them one by one would not finish, so finishing at all
    // bounds the work; the exact count shows the product was not taken in floating point.
    const wide = (name: string) =>
      intVariable(name, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) as Variable;
    const model = {
      name: "w",
      variables: [wide("a"), wide("b"), heater],
      localModels: [cpt("wide", "", ["a", "b"], "heater", [{ parents: [0, 0], distribution: [[true, 1]] }])],
    };
    const [problem] = validateWorldModel(model, strict);
    const exact = (2n ** 54n - 1n) ** 2n;
    expect(problem?.detail).toContain(`each of the ${exact.toLocaleString("en")} combinations`);
    expect(problem?.detail).toContain(
      `none for a = ${-Number.MAX_SAFE_INTEGER}, b = ${-Number.MAX_SAFE_INTEGER}`,
    );
  });

  it("names a missing combination exactly when there is one (against brute force)", () => {
    const domains: Variable[] = [
      booleanVariable("p"),
      enumVariable("q", ["x", "y", "z"]),
      intVariable("r", 1, 2),
    ];
    const combinations: Value[][] = [];
    for (const p of [false, true])
      for (const q of ["x", "y", "z"]) for (const r of [1, 2]) combinations.push([p, q, r]);
    fc.assert(
      fc.property(fc.subarray(combinations), (chosen) => {
        const model = {
          name: "w",
          variables: [...domains, heater],
          localModels: [
            cpt(
              "c",
              "",
              ["p", "q", "r"],
              "heater",
              chosen.map((parents) => ({ parents, distribution: [[true, 1]] })),
            ),
          ],
        };
        const problems = validateWorldModel(model, strict);
        if (chosen.length === combinations.length) {
          expect(problems).toEqual([]);
          return;
        }
        expect(problems.map((e) => e.code)).toEqual(["CPT_ROWS_MISSING"]);
        expect(problems[0]?.detail).toContain(`, got ${chosen.length};`);
        const named = /none for p = (\w+), q = "(\w)", r = (\d)$/.exec(problems[0]?.detail ?? "");
        expect(named).not.toBeNull();
        const example = [named![1] === "true", named![2], Number(named![3])];
        expect(chosen.some((row) => row.every((v, i) => v === example[i]))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
