import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { condition, countSections } from "./global-sections.js";
import { cpt, relation } from "./local-model.js";
import { predict } from "./predict.js";
import { bayesNet } from "./test-support/arbitraries.js";
import { brutePredict, valuesOf } from "./test-support/brute-force.js";
import { garden } from "./test-support/garden.js";
import { booleanVariable, intVariable, realVariable } from "./variable.js";
import { worldModel } from "./world-model.js";

const probabilities = (p: ReturnType<typeof predict>) =>
  Object.fromEntries(p.distribution.map((d) => [Object.values(d.assignment).map(String).join(","), d.p]));

describe("predict", () => {
  it("computes the garden by hand", () => {
    // Not watering: tomatoes thrive if it rains (1/3 * 0.9) or despite dry soil (2/3 * 0.2).
    const dry = predict(garden(), { water: false }, ["tomatoes"]);
    expect(dry.replacedMechanisms).toEqual(["habit"]);
    expect(probabilities(dry)["thriving"]).toBeCloseTo((1 / 3) * 0.9 + (2 / 3) * 0.2, 12);
    expect(dry.normalizer).toBeCloseTo(1, 12);
    const watered = predict(garden(), { water: true }, ["tomatoes"]);
    expect(probabilities(watered)).toEqual({
      thriving: expect.closeTo(0.9, 12),
      wilting: expect.closeTo(0.1, 12),
    });
  });

  it("without a decision, uses the decision's own CPT", () => {
    const soil = predict(garden(), {}, ["soil"]);
    expect(soil.replacedMechanisms).toEqual([]);
    expect(probabilities(soil)["dry"]).toBeCloseTo((2 / 3) * 0.5, 12);
  });

  it("treats relations as constraints: conditioning on dry soil rules out rain", () => {
    const p = predict(condition(garden(), { soil: "dry" }), {}, ["rain"]);
    expect(probabilities(p)).toEqual({ false: 1 });
    expect(p.normalizer).toBeCloseTo(1 / 3, 12);
  });

  it("reports decided outcomes as certain", () => {
    const p = predict(garden(), { water: true }, ["water", "soil"]);
    expect(p.distribution).toEqual([{ assignment: { water: true, soil: "wet" }, p: 1 }]);
  });

  it("refuses decisions that the model makes impossible", () => {
    expect(() => predict(condition(garden(), { soil: "dry" }), { water: true }, ["tomatoes"])).toThrow(
      expect.objectContaining({ code: "EVIDENCE_IMPOSSIBLE" }),
    );
  });

  it("refuses inference beyond the size limit, naming the size and the limit", () => {
    const vars = ["a", "b", "c", "d"].map((n) => intVariable(n, 0, 9));
    const m = worldModel("wide", vars, [
      relation(
        "diagonal",
        "all four agree",
        ["a", "b", "c", "d"],
        Array.from({ length: 10 }, (_, k) => [k, k, k, k]),
      ),
    ]);
    expect(() => predict(m, {}, ["a"], { maxCells: 1000 })).toThrow(
      expect.objectContaining({
        code: "PREDICT_TOO_LARGE",
        message: expect.stringMatching(/10000 cells.*limit of 1000 cells/),
      }),
    );
    const ok = predict(m, {}, ["a"], { maxCells: 10_000 });
    expect(ok.largestTableCells).toBe(10_000);
    expect(ok.distribution.every((d) => Math.abs(d.p - 0.1) < 1e-12)).toBe(true);
    // Deciding one variable shrinks every table by its domain.
    expect(predict(m, { b: 3 }, ["a"], { maxCells: 1000 }).distribution).toEqual([
      { assignment: { a: 3 }, p: 1 },
    ]);
    expect(() => predict(m, {}, ["a", "b", "c", "d"], { maxCells: 1000 })).toThrow(
      expect.objectContaining({ code: "PREDICT_TOO_LARGE", path: "outcomes" }),
    );
  });

  it("works with real-valued variables through the values their rows list", () => {
    const thermostat = worldModel(
      "thermostat",
      [booleanVariable("heater", ["decision"]), realVariable("temperature", "degC", ["outcome"])],
      [
        cpt("room", "the heater warms the room, mostly", ["heater"], "temperature", [
          {
            parents: [true],
            distribution: [
              [21, 0.9],
              [18.5, 0.1],
            ],
          },
          { parents: [false], distribution: [[18.5, 1]] },
        ]),
      ],
    );
    expect(probabilities(predict(thermostat, { heater: true }, ["temperature"]))).toEqual({
      "21": 0.9,
      "18.5": 0.1,
    });
    expect(countSections(thermostat).count).toBe(3n);
    // A value in the domain that no row lists is possible to name but has probability zero.
    expect(() => predict(condition(thermostat, { temperature: 30 }), {}, ["heater"])).toThrow(
      expect.objectContaining({ code: "EVIDENCE_IMPOSSIBLE" }),
    );
  });

  it("agrees with brute-force enumeration on random small networks", () => {
    const cases = bayesNet().chain((c) => {
      const v = c.model.variables.find((x) => x.name === c.decision)!;
      return fc.constantFrom(...valuesOf(v.domain)).map((value) => ({ ...c, value }));
    });
    fc.assert(
      fc.property(cases, ({ model, decision, outcomes, value }) => {
        const brute = brutePredict(model, { [decision]: value }, outcomes);
        if (brute.normalizer === 0) {
          expect(() => predict(model, { [decision]: value }, outcomes)).toThrow(
            expect.objectContaining({ code: "EVIDENCE_IMPOSSIBLE" }),
          );
          return;
        }
        const p = predict(model, { [decision]: value }, outcomes);
        expect(p.normalizer).toBeCloseTo(brute.normalizer, 9);
        const got = new Map(
          p.distribution.map((d) => [JSON.stringify(outcomes.map((o) => d.assignment[o])), d.p]),
        );
        for (const [k, q] of brute.distribution) expect(got.get(k) ?? 0).toBeCloseTo(q, 9);
        for (const [k, q] of got) expect(brute.distribution.get(k) ?? 0).toBeCloseTo(q, 9);
      }),
      { numRuns: 300 },
    );
  });
});
