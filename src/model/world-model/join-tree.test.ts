import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinTree } from "./join-tree.js";
import { relation, scopeOf } from "./local-model.js";
import { acyclicCover, anyCover, cyclicCover } from "./test-support/arbitraries.js";
import { booleanVariable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";

function over(scopes: string[][]): WorldModel {
  const names = [...new Set(scopes.flat())];
  return worldModel(
    "h",
    names.map((n) => booleanVariable(n)),
    scopes.map((s, i) => relation(`m${i}`, `over ${s.join(",")}`, s, [s.map(() => true)])),
  );
}

/** A deliberately naive GYO (quadratic, no queues): the oracle for acyclicity. */
function naiveAcyclic(scopes: readonly (readonly string[])[]): boolean {
  let edges = scopes.map((s) => new Set(s));
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of edges) {
      for (const v of [...e]) {
        if (edges.filter((f) => f.has(v)).length === 1) {
          e.delete(v);
          changed = true;
        }
      }
    }
    const i = edges.findIndex(
      (e, i) => e.size === 0 || edges.some((f, j) => j !== i && [...e].every((v) => f.has(v))),
    );
    if (i >= 0) {
      edges = edges.filter((_, j) => j !== i);
      changed = true;
    }
  }
  return edges.length === 0;
}

describe("joinTree", () => {
  it("finds the tree of a chain", () => {
    const t = joinTree(
      over([
        ["a", "b"],
        ["b", "c"],
        ["c", "d"],
      ]),
    );
    expect(t.kind).toBe("acyclic");
    if (t.kind !== "acyclic") return;
    const edges = new Map(t.edges.map((e) => [`${e.child}-${e.parent}`, e.separator]));
    expect(t.edges).toHaveLength(2);
    // Whatever the root, the tree edges are m0-m1 on b and m1-m2 on c.
    const sep = (x: string, y: string) => edges.get(`${x}-${y}`) ?? edges.get(`${y}-${x}`);
    expect(sep("m0", "m1")).toEqual(["b"]);
    expect(sep("m1", "m2")).toEqual(["c"]);
  });

  it("reports the triangle as cyclic, with the hyperedges that remain", () => {
    const t = joinTree(over([["a", "b"], ["b", "c"], ["c", "a"], ["a"]]));
    expect(t).toEqual({
      kind: "cyclic",
      remaining: [
        { model: "m0", variables: ["a", "b"] },
        { model: "m1", variables: ["b", "c"] },
        { model: "m2", variables: ["a", "c"] },
      ],
    });
  });

  it("a scope covering the triangle makes it acyclic", () => {
    expect(
      joinTree(
        over([
          ["a", "b"],
          ["b", "c"],
          ["c", "a"],
          ["a", "b", "c"],
        ]),
      ).kind,
    ).toBe("acyclic");
  });

  it("joins disconnected parts with empty separators", () => {
    const t = joinTree(over([["a"], ["b"]]));
    expect(t).toMatchObject({ kind: "acyclic", edges: [{ separator: [] }] });
  });

  it("agrees with a naive GYO on random hypergraphs", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (scopes) => {
          expect(joinTree(over(scopes)).kind === "acyclic").toBe(naiveAcyclic(scopes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("returns trees with the running intersection property", () => {
    fc.assert(
      fc.property(acyclicCover(8), (model) => {
        const t = joinTree(model);
        expect(t.kind).toBe("acyclic");
        if (t.kind !== "acyclic") return;
        const scope = new Map(model.localModels.map((m) => [m.name, scopeOf(m)]));
        const parent = new Map(t.edges.map((e) => [e.child, e.parent]));
        expect(parent.size).toBe(model.localModels.length - 1);
        for (const e of t.edges) {
          const shared = scope.get(e.child)!.filter((v) => scope.get(e.parent)!.includes(v));
          expect([...e.separator].sort()).toEqual([...shared].sort());
        }
        // Each variable's models are connected: exactly one of them has no parent that also has it.
        for (const v of model.variables) {
          const holders = model.localModels.filter((m) => scopeOf(m).includes(v.name)).map((m) => m.name);
          const tops = holders.filter((m) => {
            const p = parent.get(m);
            return p === undefined || !scope.get(p)!.includes(v.name);
          });
          expect(tops).toHaveLength(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("classifies the generators' covers as they were built", () => {
    fc.assert(
      fc.property(cyclicCover(), (m) => {
        expect(joinTree(m).kind).toBe("cyclic");
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(anyCover(), (m) => {
        expect(joinTree(m).kind === "acyclic").toBe(naiveAcyclic(m.localModels.map(scopeOf)));
      }),
      { numRuns: 100 },
    );
  });
});
