import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { condition, countSections, enumerateSections, sampleSections } from "./global-sections.js";
import { relation } from "./local-model.js";
import { seededRng } from "./seeded-rng.js";
import { acyclicCover, anyCover, observationOf } from "./test-support/arbitraries.js";
import { bruteSections, sectionKey } from "./test-support/brute-force.js";
import { garden } from "./test-support/garden.js";
import { EQUAL, triangle } from "./test-support/triangle.js";
import { booleanVariable, intVariable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";
import { WorldModelError } from "./world-model-error.js";

const coverWithObservation = anyCover().chain((m) => observationOf(m).map((obs) => ({ m, obs })));

/** x in {0,1}; x = 0 allows y = 0 only, x = 1 allows y in {0,1,2}: four sections, unevenly branched. */
function uneven(): WorldModel {
  return worldModel(
    "uneven",
    [intVariable("x", 0, 1), intVariable("y", 0, 2)],
    [
      relation("x", "x is free", ["x"], [[0], [1]]),
      relation(
        "xy",
        "y depends on x",
        ["x", "y"],
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [1, 2],
        ],
      ),
    ],
  );
}

describe("countSections", () => {
  it("counts the garden's sections by hand", () => {
    // rain x water (4 ways) fix the soil; tomatoes can go either way in every case.
    expect(countSections(garden())).toEqual({
      count: 8n,
      exact: true,
      cover: "acyclic",
      nodesSearched: 0,
      budgetExhausted: false,
    });
  });

  it("counts past 2^53 exactly, without enumerating", () => {
    const vars = Array.from({ length: 70 }, (_, i) => booleanVariable(`b${i}`));
    const m = worldModel(
      "free",
      vars,
      vars.map((v) => relation(v.name, "free", [v.name], [[true], [false]])),
    );
    expect(countSections(m).count).toBe(2n ** 70n);
  });

  it("on a cyclic cover, says when the budget ran out and gives a lower bound", () => {
    const vars = ["a", "b", "c"].map((n) => intVariable(n, 0, 9));
    const all: [number, number][] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) all.push([i, j]);
    const m = triangle("dense-triangle", all, vars);
    const full = countSections(m);
    expect(full).toMatchObject({ count: 1000n, exact: true, cover: "cyclic", budgetExhausted: false });
    const starved = countSections(m, { budget: 500 });
    expect(starved.exact).toBe(false);
    expect(starved.budgetExhausted).toBe(true);
    expect(starved.count < 1000n).toBe(true);
  });

  it("agrees with brute force on random covers", () => {
    fc.assert(
      fc.property(anyCover(), (m) => {
        expect(countSections(m).count).toBe(BigInt(bruteSections(m).length));
      }),
      { numRuns: 300 },
    );
  });
});

describe("enumerateSections", () => {
  it("lists up to the limit and says whether that is all", () => {
    const some = enumerateSections(garden(), 3);
    expect(some.sections).toHaveLength(3);
    expect(some).toMatchObject({ complete: false, stoppedBy: "limit" });
    const all = enumerateSections(garden(), 8);
    expect(all).toMatchObject({ complete: true, stoppedBy: undefined });
    expect(all.sections).toContainEqual({ rain: false, water: false, soil: "dry", tomatoes: "wilting" });
    expect(enumerateSections(garden(), 0)).toMatchObject({ sections: [], complete: false });
  });

  it("lists exactly the brute-force sections, each once", () => {
    fc.assert(
      fc.property(anyCover(), fc.integer({ min: 0, max: 10 }), (m, limit) => {
        const brute = new Set(bruteSections(m).map(sectionKey));
        const listed = enumerateSections(m, limit);
        const keys = listed.sections.map(sectionKey);
        expect(new Set(keys).size).toBe(keys.length);
        for (const k of keys) expect(brute.has(k)).toBe(true);
        expect(keys.length).toBe(Math.min(limit, brute.size));
        expect(listed.complete).toBe(brute.size <= limit);
        const everything = enumerateSections(m, 1000);
        expect(new Set(everything.sections.map(sectionKey))).toEqual(brute);
      }),
      { numRuns: 200 },
    );
  });

  it("lists exactly the brute-force sections on bushy trees with branching joins", () => {
    // Many local models over few variables: several children per node, each joining to several rows.
    fc.assert(
      fc.property(acyclicCover(10), (m) => {
        const brute = new Set(bruteSections(m).map(sectionKey));
        expect(new Set(enumerateSections(m, 1000).sections.map(sectionKey))).toEqual(brute);
      }),
      { numRuns: 300 },
    );
  });

  it("joins a star whose children each branch", () => {
    const ab = [
      [0, 0],
      [0, 1],
      [1, 2],
      [1, 3],
    ];
    const m = worldModel(
      "star",
      ["a", "b", "c", "d"].map((n) => intVariable(n, 0, 3)),
      [
        relation("b", "", ["a", "b"], ab),
        relation("c", "", ["a", "c"], ab),
        relation(
          "d",
          "d = a",
          ["a", "d"],
          [
            [0, 0],
            [1, 1],
          ],
        ),
        relation("a", "", ["a"], [[0], [1]]),
      ],
    );
    const sections = enumerateSections(m, 100).sections;
    expect(sections).toHaveLength(8);
    for (const s of sections) expect(s["d"]).toBe(s["a"]);
  });
});

describe("sampleSections", () => {
  it("samples uniformly over sections, not over branches", () => {
    const samples = sampleSections(uneven(), seededRng(2024), 4000);
    const freq = new Map<string, number>();
    for (const s of samples) freq.set(sectionKey(s), (freq.get(sectionKey(s)) ?? 0) + 1);
    expect(freq.size).toBe(4);
    // Expected 1000 each; a walk choosing x uniformly would give (0,0) about 2000.
    for (const n of freq.values()) expect(Math.abs(n - 1000)).toBeLessThan(120);
  });

  it("is reproducible from the seed", () => {
    expect(sampleSections(garden(), seededRng(5), 10)).toEqual(sampleSections(garden(), seededRng(5), 10));
  });

  it("only returns sections, on acyclic and cyclic covers", () => {
    fc.assert(
      fc.property(anyCover(), fc.integer(), (m, seed) => {
        const brute = new Set(bruteSections(m).map(sectionKey));
        if (brute.size === 0) {
          expect(() => sampleSections(m, seededRng(seed), 1)).toThrow(WorldModelError);
          return;
        }
        for (const s of sampleSections(m, seededRng(seed), 5)) expect(brute.has(sectionKey(s))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses when there is nothing to sample, or not enough budget to sample fairly", () => {
    const none = worldModel("none", [booleanVariable("a")], [relation("r", "", ["a"], [])]);
    expect(() => sampleSections(none, seededRng(1), 1)).toThrow(
      expect.objectContaining({ code: "NO_SECTIONS" }),
    );
    const cyclic = triangle("cyc", EQUAL);
    expect(() => sampleSections(cyclic, seededRng(1), 1, { budget: 2 })).toThrow(
      expect.objectContaining({ code: "BUDGET_EXHAUSTED" }),
    );
    const s = sampleSections(cyclic, seededRng(1), 200);
    const trues = s.filter((a) => a["x"] === true).length;
    expect(trues).toBeGreaterThan(70);
    expect(trues).toBeLessThan(130);
  });
});

describe("condition", () => {
  it("glues the observation in as one-row relations", () => {
    const dry = condition(garden(), { soil: "dry" });
    expect(dry.localModels.at(-1)).toEqual(
      relation("observed soil", 'observed soil = "dry"', ["soil"], [["dry"]]),
    );
    const sections = enumerateSections(dry, 10).sections;
    expect(sections).toEqual([
      { rain: false, water: false, soil: "dry", tomatoes: "thriving" },
      { rain: false, water: false, soil: "dry", tomatoes: "wilting" },
    ]);
  });

  it("keeps exactly the sections that agree with the observation", () => {
    fc.assert(
      fc.property(coverWithObservation, ({ m, obs }) => {
        const agree = bruteSections(m).filter((s) => Object.entries(obs).every(([k, v]) => s[k] === v));
        expect(countSections(condition(m, obs)).count).toBe(BigInt(agree.length));
      }),
      { numRuns: 200 },
    );
  });
});
