import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consistencyRadius } from "./consistency-radius.js";
import { anyCover, observationOf } from "./test-support/arbitraries.js";
import { bruteDisagreeing, bruteDistance, isSection } from "./test-support/brute-force.js";
import { garden } from "./test-support/garden.js";
import { NOT_EQUAL, triangle } from "./test-support/triangle.js";
import { intVariable } from "./variable.js";

describe("consistencyRadius", () => {
  it("measures the garden's observations by hand", () => {
    const r = consistencyRadius(garden(), [{ rain: true, soil: "dry" }, { rain: false }]);
    expect(r.cover).toBe("acyclic");
    expect(r.observations[0]).toMatchObject({
      observedVariables: 2,
      distance: 1,
      fraction: 0.5,
      disagreeing: ["wetting"],
      exact: true,
    });
    // Either value could change; the nearest section found must be at distance 1 either way.
    expect(r.observations[0]!.changed).toHaveLength(1);
    expect(r.observations[1]).toMatchObject({ distance: 0, changed: [], disagreeing: [] });
    expect(r.radius).toBe(1);
    expect(r.meanDistance).toBe(0.5);
  });

  it("counts every observed value that must change", () => {
    // Rain with dry soil contradicts the wetting table; changing one of the two values fixes it,
    // and changing water would not help.
    const r = consistencyRadius(garden(), [{ rain: true, water: false, soil: "dry", tomatoes: "thriving" }]);
    expect(r.observations[0]!.distance).toBe(1);
    expect(r.observations[0]!.nearest).toMatchObject({ water: false });
  });

  it("has no distance when the model has no section, and still names the disagreeing models", () => {
    const m = triangle("odd", NOT_EQUAL);
    const r = consistencyRadius(m, [{ x: true, y: true }]);
    expect(r).toMatchObject({ cover: "cyclic", radius: undefined, meanDistance: undefined, exact: true });
    expect(r.observations[0]).toMatchObject({ distance: undefined, nearest: undefined, disagreeing: ["xy"] });
  });

  it("on a cyclic cover, says when the budget ran out", () => {
    const vars = ["a", "b", "c"].map((n) => intVariable(n, 0, 9));
    const all: [number, number][] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (i !== j) all.push([i, j]);
    const m = triangle("triangle", all, vars);
    const obs = [{ a: 1, b: 1, c: 1 }];
    expect(consistencyRadius(m, obs).observations[0]).toMatchObject({ distance: 2, exact: true });
    const starved = consistencyRadius(m, obs, { budget: 5 });
    expect(starved.exact).toBe(false);
  });

  it("agrees with brute force on random covers and observations", () => {
    const cases = anyCover().chain((m) =>
      fc.array(observationOf(m), { minLength: 1, maxLength: 3 }).map((obs) => ({ m, obs })),
    );
    fc.assert(
      fc.property(cases, ({ m, obs }) => {
        const r = consistencyRadius(m, obs);
        expect(r.exact).toBe(true);
        r.observations.forEach((o, i) => {
          const expected = bruteDistance(m, obs[i]!);
          expect(o.distance).toBe(expected);
          expect([...o.disagreeing].sort()).toEqual(bruteDisagreeing(m, obs[i]!).sort());
          if (expected !== undefined) {
            expect(isSection(m, o.nearest!)).toBe(true);
            const differing = Object.keys(obs[i]!).filter((k) => o.nearest![k] !== obs[i]![k]);
            expect([...o.changed].sort()).toEqual(differing.sort());
          }
        });
        const ds = r.observations.map((o) => o.distance);
        if (ds.every((d) => d !== undefined)) expect(r.radius).toBe(Math.max(...(ds as number[])));
      }),
      { numRuns: 200 },
    );
  });
});
