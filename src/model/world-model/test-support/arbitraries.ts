/**
 * Random small world models for property tests. Structure comes from fast-check (so it shrinks);
 * the rows come from a seeded generator, so a failing case is reproduced from its printed seed.
 */
import fc from "fast-check";
import type { Assignment } from "../assignment.js";
import type { Domain, Value } from "../domain.js";
import type { CptRow, LocalModel, Row } from "../local-model.js";
import { type Rng, seededRng } from "../seeded-rng.js";
import type { Variable } from "../variable.js";
import type { WorldModel } from "../world-model.js";
import { valuesOf } from "./brute-force.js";

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function randomDomain(rng: Rng, maxSize: number): Domain {
  const size = 1 + Math.floor(rng() * maxSize);
  const k = Math.floor(rng() * 3);
  if (k === 0 && size === 2) return { kind: "boolean" };
  if (k === 1) return { kind: "enum", values: Array.from({ length: size }, (_, i) => `v${i}`) };
  const min = Math.floor(rng() * 5) - 2;
  return { kind: "int", min, max: min + size - 1 };
}

function variables(rng: Rng, n: number, maxDomain: number): Variable[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `x${i}`,
    domain: randomDomain(rng, maxDomain),
    tags: [],
  }));
}

/**
 * Scopes whose hypergraph is acyclic by construction: each new scope takes a subset of an earlier
 * scope's variables plus fresh ones, so every variable's scopes form a subtree.
 */
function acyclicScopes(rng: Rng, models: number, maxFresh: number): { scopes: number[][]; nVars: number } {
  const scopes: number[][] = [];
  let nVars = 0;
  for (let i = 0; i < models; i++) {
    const parent = i === 0 ? [] : pick(rng, scopes);
    const kept = parent.filter(() => rng() < 0.6);
    const fresh = Math.floor(rng() * (maxFresh + 1));
    const scope = [...kept];
    for (let f = 0; f < fresh; f++) scope.push(nVars++);
    if (scope.length === 0) scope.push(nVars++);
    scopes.push(scope);
  }
  return { scopes, nVars };
}

/** A cycle of pairwise scopes (length >= 3, so GYO cannot reduce it) plus a few ears. */
function cyclicScopes(rng: Rng, length: number, ears: number): { scopes: number[][]; nVars: number } {
  const scopes: number[][] = [];
  for (let i = 0; i < length; i++) scopes.push([i, (i + 1) % length]);
  for (let e = 0; e < ears; e++) {
    const base = pick(rng, scopes);
    scopes.push(rng() < 0.5 ? [pick(rng, base)] : [...base].reverse());
  }
  return { scopes, nVars: length };
}

/**
 * Relations whose rows are the projections of a random set of global assignments (so globally
 * consistent), then disturbed: `plants` times a random row is dropped or a random tuple added.
 */
function plantedRelations(rng: Rng, vars: Variable[], scopes: number[][], plants: number): LocalModel[] {
  const globals: Value[][] = [];
  const n = 1 + Math.floor(rng() * 6);
  for (let g = 0; g < n; g++) globals.push(vars.map((v) => pick(rng, valuesOf(v.domain))));
  const rows = scopes.map((s) => {
    const seen = new Map<string, Row>();
    for (const g of globals) {
      const row = s.map((v) => g[v]!);
      seen.set(JSON.stringify(row), row);
    }
    return seen;
  });
  for (let p = 0; p < plants; p++) {
    const m = Math.floor(rng() * scopes.length);
    const set = rows[m]!;
    if (rng() < 0.5 && set.size > 0) set.delete(pick(rng, [...set.keys()]));
    else {
      const row = scopes[m]!.map((v) => pick(rng, valuesOf(vars[v]!.domain)));
      set.set(JSON.stringify(row), row);
    }
  }
  return scopes.map((s, m) => ({
    kind: "relation",
    name: `r${m}`,
    description: `relation ${m}`,
    variables: s.map((v) => vars[v]!.name),
    rows: [...rows[m]!.values()],
  }));
}

export interface CoverShape {
  readonly seed: number;
  readonly models: number;
  readonly plants: number;
}

const shape = (maxModels: number) =>
  fc.record({
    seed: fc.integer(),
    models: fc.integer({ min: 1, max: maxModels }),
    plants: fc.integer({ min: 0, max: 3 }),
  });

/** Acyclic covers of relations with planted inconsistencies (at most 6 variables of up to 3 values). */
export const acyclicCover = (maxModels = 5): fc.Arbitrary<WorldModel> =>
  shape(maxModels).map(({ seed, models, plants }) => {
    const rng = seededRng(seed);
    let { scopes, nVars } = acyclicScopes(rng, models, 2);
    // Keep the brute-force product small.
    while (nVars > 6) {
      scopes = scopes.map((s) => s.filter((v) => v < 6)).filter((s) => s.length > 0);
      nVars = 6;
    }
    const vars = variables(rng, nVars, 3);
    return {
      name: `acyclic-${seed}`,
      variables: vars,
      localModels: plantedRelations(rng, vars, scopes, plants),
    };
  });

/** Cyclic covers (a cycle of 3 to 5 pairwise relations plus ears) with planted inconsistencies. */
export const cyclicCover = (): fc.Arbitrary<WorldModel> =>
  fc
    .record({
      seed: fc.integer(),
      length: fc.integer({ min: 3, max: 5 }),
      ears: fc.integer({ min: 0, max: 2 }),
      plants: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ seed, length, ears, plants }) => {
      const rng = seededRng(seed);
      const { scopes, nVars } = cyclicScopes(rng, length, ears);
      const vars = variables(rng, nVars, 3);
      return {
        name: `cyclic-${seed}`,
        variables: vars,
        localModels: plantedRelations(rng, vars, scopes, plants),
      };
    });

/** Either kind. */
export const anyCover = (): fc.Arbitrary<WorldModel> => fc.oneof(acyclicCover(), cyclicCover());

function randomDistribution(rng: Rng, values: readonly Value[]): CptRow["distribution"] {
  const weights: number[] = values.map(() => (rng() < 0.25 ? 0 : 1 + Math.floor(rng() * 4)));
  if (!weights.some((w) => w > 0)) weights[0] = 1;
  const total = weights.reduce((a, b) => a + b, 0);
  // weight / total can be off by an ulp, far inside the 1e-9 tolerance on row sums.
  return values.map((v, i) => [v, weights[i]! / total] as const);
}

/**
 * A small Bayesian network (3 to 5 variables, CPTs over up to two earlier parents, some tables),
 * plus a random relation as a constraint, one decision and one or two outcomes.
 */
export const bayesNet = (): fc.Arbitrary<{ model: WorldModel; decision: string; outcomes: string[] }> =>
  fc
    .record({ seed: fc.integer(), n: fc.integer({ min: 2, max: 5 }), withRelation: fc.boolean() })
    .map(({ seed, n, withRelation }) => {
      const rng = seededRng(seed);
      const vars = variables(rng, n, 3);
      const localModels: LocalModel[] = [];
      vars.forEach((v, i) => {
        const parents = vars
          .slice(0, i)
          .filter(() => rng() < 0.5)
          .slice(0, 2);
        const parentRows: Value[][] = [[]];
        for (const p of parents) {
          const next: Value[][] = [];
          for (const r of parentRows) for (const value of valuesOf(p.domain)) next.push([...r, value]);
          parentRows.splice(0, parentRows.length, ...next);
        }
        if (rng() < 0.25) {
          localModels.push({
            kind: "table",
            name: `t-${v.name}`,
            description: `${v.name} as a function of its inputs`,
            inputs: parents.map((p) => p.name),
            output: v.name,
            rows: parentRows.map((r) => [...r, pick(rng, valuesOf(v.domain))]),
          });
        } else {
          localModels.push({
            kind: "cpt",
            name: `p-${v.name}`,
            description: `how ${v.name} depends on its parents`,
            parents: parents.map((p) => p.name),
            child: v.name,
            rows: parentRows.map((r) => ({
              parents: r,
              distribution: randomDistribution(rng, valuesOf(v.domain)),
            })),
          });
        }
      });
      if (withRelation && n >= 2) {
        const a = vars[0]!;
        const b = vars[n - 1]!;
        const rows: Row[] = [];
        for (const x of valuesOf(a.domain))
          for (const y of valuesOf(b.domain)) if (rng() < 0.7) rows.push([x, y]);
        localModels.push({
          kind: "relation",
          name: "constraint",
          description: "a constraint",
          variables: [a.name, b.name],
          rows,
        });
      }
      const decision = pick(rng, vars).name;
      const others = vars.map((v) => v.name).filter((name) => name !== decision);
      const outcomes = others.length === 0 ? [decision] : others.filter(() => rng() < 0.5).slice(0, 2);
      if (outcomes.length === 0) outcomes.push(others[0]!);
      return { model: { name: `bn-${seed}`, variables: vars, localModels }, decision, outcomes };
    });

/** A random partial assignment of a model's variables, drawn from their declared domains. */
export const observationOf = (m: WorldModel): fc.Arbitrary<Assignment> =>
  fc
    .tuple(...m.variables.map((v) => fc.option(fc.constantFrom(...valuesOf(v.domain)), { nil: undefined })))
    .map((values) => {
      const obs: Record<string, Value> = {};
      m.variables.forEach((v, i) => {
        if (values[i] !== undefined) obs[v.name] = values[i]!;
      });
      return obs;
    });
