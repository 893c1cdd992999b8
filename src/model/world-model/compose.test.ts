import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compose } from "./compose.js";
import { countSections } from "./global-sections.js";
import { cpt, relation, scopeOf } from "./local-model.js";
import { anyCover } from "./test-support/arbitraries.js";
import { bruteSections, sectionKey } from "./test-support/brute-force.js";
import { garden } from "./test-support/garden.js";
import { booleanVariable, enumVariable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";

function seasons(): WorldModel {
  return worldModel(
    "seasons",
    [enumVariable("season", ["summer", "winter"]), booleanVariable("rain", ["observation", "weather"])],
    [
      relation(
        "rainy-winters",
        "it only rains in winter",
        ["season", "rain"],
        [
          ["summer", false],
          ["winter", true],
          ["winter", false],
        ],
      ),
    ],
  );
}

/** The sections of a model split in two, joined on their shared variables: brute force. */
function bruteJoin(a: WorldModel, b: WorldModel): Set<string> {
  const out = new Set<string>();
  for (const x of bruteSections(a)) {
    for (const y of bruteSections(b)) {
      if (Object.keys(y).every((k) => !(k in x) || x[k] === y[k])) out.add(sectionKey({ ...x, ...y }));
    }
  }
  return out;
}

describe("compose", () => {
  it("glues two models on their shared variables and merges tags", () => {
    const both = compose(garden(), seasons());
    expect(both.name).toBe("garden + seasons");
    expect(both.variables.map((v) => v.name)).toEqual(["rain", "water", "soil", "tomatoes", "season"]);
    expect(both.variables[0]!.tags).toEqual(["observation", "weather"]);
    // 8 garden sections; rain = true allows winter only, rain = false both seasons: 4 * 1 + 4 * 2.
    expect(countSections(both).count).toBe(12n);
  });

  it("refuses a shared variable whose domains differ, naming it and both domains", () => {
    const other = worldModel(
      "soils",
      [enumVariable("soil", ["dry", "moist", "wet"])],
      [relation("any", "", ["soil"], [["moist"]])],
    );
    expect(() => compose(garden(), other)).toThrow(
      expect.objectContaining({
        code: "DOMAIN_MISMATCH",
        path: "second.variables[0].domain",
        message: expect.stringContaining(
          "soil has domain {dry, wet} in garden but {dry, moist, wet} in soils",
        ),
      }),
    );
  });

  it("reports every local-model name clash, and keeps identical local models once", () => {
    const g = garden();
    const clash = worldModel(
      "clash",
      [booleanVariable("rain"), booleanVariable("water")],
      [
        cpt("weather", "it always rains", [], "rain", [{ parents: [], distribution: [[true, 1]] }]),
        cpt("habit", "never waters", [], "water", [{ parents: [], distribution: [[false, 1]] }]),
      ],
    );
    let err: unknown;
    try {
      compose(g, clash);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "LOCAL_MODEL_NAME_CLASH", path: "second.localModels[0].name" });
    expect((err as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual([
      "second.localModels[0].name",
      "second.localModels[1].name",
    ]);
    const self = compose(g, g, { name: "twice" });
    expect(self.localModels).toHaveLength(g.localModels.length);
  });

  it("composing the two halves of a model gives back its sections (against brute force)", () => {
    fc.assert(
      fc.property(anyCover(), fc.integer({ min: 0, max: 10 }), (m, cut) => {
        const k = 1 + (cut % Math.max(1, m.localModels.length - 1));
        const half = (models: typeof m.localModels, name: string): WorldModel => {
          const used = new Set(models.flatMap(scopeOf));
          return { name, variables: m.variables.filter((v) => used.has(v.name)), localModels: models };
        };
        const a = half(m.localModels.slice(0, k), "a");
        const b = half(m.localModels.slice(k), "b");
        if (b.localModels.length === 0) return;
        const composed = compose(a, b);
        const sections = new Set(bruteSections(composed).map(sectionKey));
        expect(sections).toEqual(bruteJoin(a, b));
        expect(countSections(composed).count).toBe(BigInt(bruteSections(m).length));
      }),
      { numRuns: 200 },
    );
  });
});
