import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globalConsistency, pairwiseConsistency } from "./gluing.js";
import { asRelation, relation, scopeOf } from "./local-model.js";
import { acyclicCover, anyCover, cyclicCover } from "./test-support/arbitraries.js";
import { bruteSections } from "./test-support/brute-force.js";
import { EQUAL, NOT_EQUAL, triangle } from "./test-support/triangle.js";
import { booleanVariable, intVariable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";

/** For each local model, how many of its support rows no brute-force section projects to. */
function bruteUnextendable(model: WorldModel): Map<string, number> {
  const sections = bruteSections(model);
  const out = new Map<string, number>();
  for (const m of model.localModels) {
    const s = scopeOf(m);
    const used = new Set(sections.map((a) => JSON.stringify(s.map((v) => a[v]))));
    const dead = asRelation(m).rows.filter((r) => !used.has(JSON.stringify(r))).length;
    if (dead > 0) out.set(m.name, dead);
  }
  return out;
}

/** Pairs of models whose projections on shared variables differ, by brute force. */
function brutePairwise(model: WorldModel): number {
  let bad = 0;
  const ms = model.localModels;
  for (let i = 0; i < ms.length; i++) {
    for (let j = i + 1; j < ms.length; j++) {
      const a = scopeOf(ms[i]!);
      const b = scopeOf(ms[j]!);
      const shared = a.filter((v) => b.includes(v));
      if (shared.length === 0) continue;
      const proj = (m: (typeof ms)[number], s: readonly string[]) =>
        new Set(asRelation(m).rows.map((r) => JSON.stringify(shared.map((v) => r[s.indexOf(v)]))));
      const pa = proj(ms[i]!, a);
      const pb = proj(ms[j]!, b);
      if (pa.size !== pb.size || [...pa].some((x) => !pb.has(x))) bad++;
    }
  }
  return bad;
}

const bools = (...names: string[]) => names.map((n) => booleanVariable(n));
const T = true;
const F = false;

describe("pairwiseConsistency", () => {
  it("names the pair that disagrees and the tuples only one allows", () => {
    const m = worldModel("w", bools("a", "b", "c"), [
      relation(
        "ab",
        "",
        ["a", "b"],
        [
          [T, T],
          [F, F],
        ],
      ),
      relation("bc", "", ["b", "c"], [[T, F]]),
    ]);
    expect(pairwiseConsistency(m)).toEqual({
      consistent: false,
      pairsChecked: 1,
      disagreements: [
        {
          models: ["ab", "bc"],
          shared: ["b"],
          onlyInFirst: 1,
          onlyInSecond: 0,
          examplesOnlyInFirst: [[F]],
          examplesOnlyInSecond: [],
        },
      ],
    });
  });

  it("agrees with brute-force projections on random covers", () => {
    fc.assert(
      fc.property(anyCover(), (m) => {
        const p = pairwiseConsistency(m);
        expect(p.disagreements.length).toBe(brutePairwise(m));
        expect(p.consistent).toBe(p.disagreements.length === 0);
      }),
      { numRuns: 200 },
    );
  });
});

describe("globalConsistency", () => {
  it("on an acyclic chain, finds the row that extends to no section", () => {
    const m = worldModel(
      "chain",
      [intVariable("x", 0, 2), intVariable("y", 0, 2), intVariable("z", 0, 2)],
      [
        relation(
          "xy",
          "",
          ["x", "y"],
          [
            [0, 0],
            [1, 1],
            [2, 2],
          ],
        ),
        relation(
          "yz",
          "",
          ["y", "z"],
          [
            [0, 1],
            [1, 2],
          ],
        ),
      ],
    );
    const g = globalConsistency(m);
    expect(g).toMatchObject({
      kind: "acyclic",
      consistent: false,
      hasSection: true,
      unextendable: [{ model: "xy", count: 1, examples: [[2, 2]] }],
    });
  });

  it("sees that a pairwise-consistent odd cycle of inequalities has no section", () => {
    const m = triangle("odd-cycle", NOT_EQUAL);
    expect(pairwiseConsistency(m).consistent).toBe(true);
    const g = globalConsistency(m);
    expect(g).toMatchObject({
      kind: "cyclic",
      consistent: false,
      hasSection: false,
      budgetExhausted: false,
      undecidedRows: 0,
    });
    expect(g.unextendable.map((u) => u.count)).toEqual([2, 2, 2]);
  });

  it("reports an exhausted budget as unknown, with how much was searched", () => {
    const m = triangle("even", EQUAL);
    const starved = globalConsistency(m, { budget: 3 });
    expect(starved).toMatchObject({
      kind: "cyclic",
      consistent: "unknown",
      budgetExhausted: true,
      budget: 3,
    });
    if (starved.kind === "cyclic") expect(starved.nodesSearched).toBeLessThanOrEqual(3);
    expect(globalConsistency(m)).toMatchObject({ kind: "cyclic", consistent: true, hasSection: true });
  });

  it("agrees with brute force on random acyclic and cyclic covers with planted inconsistencies", () => {
    fc.assert(
      fc.property(anyCover(), (m) => {
        const g = globalConsistency(m);
        const dead = bruteUnextendable(m);
        expect(new Map(g.unextendable.map((u) => [u.model, u.count]))).toEqual(dead);
        expect(g.consistent).toBe(dead.size === 0);
        expect(g.hasSection).toBe(bruteSections(m).length > 0);
        if (g.kind === "cyclic") expect(g.budgetExhausted).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("on acyclic covers, pairwise consistency of non-empty models is global consistency", () => {
    fc.assert(
      fc.property(acyclicCover(6), (m) => {
        const nonEmpty = m.localModels.every((l) => l.rows.length > 0);
        const pairwise = pairwiseConsistency(m).consistent;
        const global = globalConsistency(m).consistent;
        if (global) expect(pairwise).toBe(true);
        if (pairwise && nonEmpty) expect(global).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("on cyclic covers, global consistency implies pairwise but not the other way round", () => {
    fc.assert(
      fc.property(cyclicCover(), (m) => {
        if (globalConsistency(m).consistent === true) expect(pairwiseConsistency(m).consistent).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
