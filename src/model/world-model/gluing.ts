/**
 * Gluing local models: do they agree where they overlap, and do they glue into global sections?
 *
 * - *Pairwise consistency*: any two local models project to the same tuples on the variables they
 *   share.
 * - *Global consistency*: every row of every local model is the projection of some global section
 *   (nothing a local model allows is ruled out by the others).
 *
 * On an acyclic cover the two coincide (Beeri, Fagin, Maier, Yannakakis 1983) and Yannakakis'
 * full reducer decides it in linear time. On a cyclic cover pairwise consistency is not enough
 * (three pairwise-consistent relations around a triangle can have no global section), so global
 * consistency is decided by a budgeted exact search.
 */
import { checkBudget, SectionSearch } from "./backtracking.js";
import type { CompiledModel } from "./compiled-model.js";
import { compile } from "./compiled-model.js";
import type { Value } from "./domain.js";
import { type AcyclicJoinTree, type CyclicCore, describeCyclicCore, describeTree, gyo } from "./join-tree.js";
import type { Row } from "./local-model.js";
import { type Key, keyFunction } from "./row-key.js";
import type { WorldModel } from "./world-model.js";
import { fullyReduce, treeContext } from "./yannakakis.js";

/** Rows listed as examples in a report, per local model or pair. */
const EXAMPLES = 10;

export interface PairDisagreement {
  readonly models: readonly [string, string];
  /** The variables both models mention. */
  readonly shared: readonly string[];
  /** How many projected tuples the first allows and the second does not, with some examples. */
  readonly onlyInFirst: number;
  readonly onlyInSecond: number;
  readonly examplesOnlyInFirst: readonly Row[];
  readonly examplesOnlyInSecond: readonly Row[];
}

export interface PairwiseConsistency {
  readonly consistent: boolean;
  /** Pairs of local models that share variables, checked. */
  readonly pairsChecked: number;
  readonly disagreements: readonly PairDisagreement[];
}

/**
 * Check that every two local models sharing variables agree on them: their supports project to
 * the same set of tuples on the shared variables.
 *
 * @example
 * const p = pairwiseConsistency(model);
 * for (const d of p.disagreements) console.log(d.models, "disagree on", d.shared);
 */
export function pairwiseConsistency(model: WorldModel): PairwiseConsistency {
  const compiled = compile(model);
  const models = compiled.localModels;
  const byVariable: number[][] = compiled.variables.map(() => []);
  models.forEach((lm, e) => {
    for (const v of lm.scope) byVariable[v]!.push(e);
  });
  const seen = new Set<number>();
  const disagreements: PairDisagreement[] = [];
  let pairsChecked = 0;
  for (const list of byVariable) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        const pair = a * models.length + b;
        if (seen.has(pair)) continue;
        seen.add(pair);
        pairsChecked++;
        const d = comparePair(compiled, a, b);
        if (d !== undefined) disagreements.push(d);
      }
    }
  }
  return { consistent: disagreements.length === 0, pairsChecked, disagreements };
}

function comparePair(compiled: CompiledModel, a: number, b: number): PairDisagreement | undefined {
  const ma = compiled.localModels[a]!;
  const mb = compiled.localModels[b]!;
  const inB = new Set(mb.scope);
  const shared = ma.scope.filter((v) => inB.has(v)).sort((x, y) => x - y);
  const projA = project(compiled, a, shared);
  const projB = project(compiled, b, shared);
  const onlyA = [...projA.entries()].filter(([k]) => !projB.has(k)).map(([, row]) => row);
  const onlyB = [...projB.entries()].filter(([k]) => !projA.has(k)).map(([, row]) => row);
  if (onlyA.length === 0 && onlyB.length === 0) return undefined;
  return {
    models: [ma.name, mb.name],
    shared: shared.map((v) => compiled.variables[v]!.name),
    onlyInFirst: onlyA.length,
    onlyInSecond: onlyB.length,
    examplesOnlyInFirst: onlyA.slice(0, EXAMPLES),
    examplesOnlyInSecond: onlyB.slice(0, EXAMPLES),
  };
}

/** Distinct projections of a local model's support onto some variables, keyed, with their values. */
function project(compiled: CompiledModel, e: number, vars: readonly number[]): Map<Key, Row> {
  const lm = compiled.localModels[e]!;
  const cols = vars.map((v) => lm.scope.indexOf(v));
  const key = keyFunction(
    cols,
    vars.map((v) => compiled.variables[v]!.values.length),
  );
  const arity = lm.scope.length;
  const out = new Map<Key, Row>();
  for (let r = 0; r < lm.size; r++) {
    const k = key(lm.rows, r * arity);
    if (!out.has(k)) out.set(k, decodeColumns(compiled, e, r, cols));
  }
  return out;
}

function decodeColumns(compiled: CompiledModel, e: number, row: number, cols: readonly number[]): Row {
  const lm = compiled.localModels[e]!;
  const arity = lm.scope.length;
  return cols.map((c) => compiled.variables[lm.scope[c]!]!.values[lm.rows[row * arity + c]!] as Value);
}

/** Support rows of one local model that no global section uses. */
export interface UnextendableRows {
  readonly model: string;
  readonly count: number;
  /** Up to ten of them, as tuples in the model's variable order (its support, for a CPT). */
  readonly examples: readonly Row[];
}

export type GlobalConsistency =
  | {
      readonly kind: "acyclic";
      readonly joinTree: AcyclicJoinTree;
      /** Every row of every local model extends to a global section. */
      readonly consistent: boolean;
      /** At least one global section exists. */
      readonly hasSection: boolean;
      readonly unextendable: readonly UnextendableRows[];
    }
  | {
      readonly kind: "cyclic";
      /** The hyperedges GYO reduction could not remove. */
      readonly remaining: CyclicCore["remaining"];
      /** `"unknown"` when the budget ran out before every row was decided. */
      readonly consistent: boolean | "unknown";
      readonly hasSection: boolean | "unknown";
      /** Rows proven not to extend (complete only when the budget did not run out). */
      readonly unextendable: readonly UnextendableRows[];
      /** Rows the search had no budget left to decide. */
      readonly undecidedRows: number;
      readonly budget: number;
      readonly nodesSearched: number;
      readonly budgetExhausted: boolean;
    };

/**
 * Decide whether a world model's local models glue: on an acyclic cover by Yannakakis' full
 * reducer (time linear in the total number of rows), on a cyclic cover by exact backtracking
 * search bounded by `budget` nodes (default 1,000,000).
 *
 * @example
 * const g = globalConsistency(model);
 * if (!g.hasSection) console.log("the local models contradict each other");
 */
export function globalConsistency(model: WorldModel, options?: { budget?: number }): GlobalConsistency {
  const budget = checkBudget(options?.budget);
  const compiled = compile(model);
  const cover = gyo(compiled);
  if (cover.kind === "acyclic") {
    const ctx = treeContext(compiled, cover.tree);
    fullyReduce(ctx);
    const unextendable = collectRows(compiled, (e, r) => ctx.alive[e]![r] === 0);
    const root = cover.tree.order[0];
    const hasSection = root === undefined || ctx.alive[root]!.includes(1);
    const joinTree = describeTree(compiled, cover.tree);
    return { kind: "acyclic", joinTree, consistent: unextendable.length === 0, hasSection, unextendable };
  }
  const { remaining } = describeCyclicCore(compiled, cover.remaining);
  return { kind: "cyclic", remaining, ...searchEveryRow(compiled, budget) };
}

/**
 * For each row not yet known to extend, search for a section through it; every section found
 * marks one row in every local model, so most rows are settled by another row's search.
 */
function searchEveryRow(compiled: CompiledModel, budget: number) {
  const models = compiled.localModels;
  const marked = models.map((lm) => new Uint8Array(lm.size));
  const dead = models.map((lm) => new Uint8Array(lm.size));
  const searcher = new SectionSearch(compiled);
  let nodes = 0;
  let exhausted = false;
  let found = false;
  let noSections = models.some((lm) => lm.size === 0);
  for (let e = 0; e < models.length && !exhausted && !noSections; e++) {
    let deadHere = 0;
    for (let r = 0; r < models[e]!.size && !exhausted; r++) {
      if (marked[e]![r] === 1) continue;
      let hit = false;
      const outcome = searcher.run({
        budget: budget - nodes,
        start: { model: e, row: r },
        onSection: (_, chosen) => {
          chosen.forEach((row, m) => {
            marked[m]![row] = 1;
          });
          hit = true;
          return false;
        },
      });
      nodes += outcome.nodes;
      if (outcome.budgetExhausted) exhausted = true;
      else if (hit) found = true;
      else {
        dead[e]![r] = 1;
        deadHere++;
      }
    }
    // A local model none of whose rows extends means there is no global section at all.
    if (deadHere === models[e]!.size) noSections = true;
  }
  if (noSections) for (const d of dead) d.fill(1);
  const unextendable = collectRows(compiled, (e, r) => dead[e]![r] === 1);
  let undecidedRows = 0;
  models.forEach((lm, e) => {
    for (let r = 0; r < lm.size; r++) if (marked[e]![r] === 0 && dead[e]![r] === 0) undecidedRows++;
  });
  const consistent: boolean | "unknown" =
    unextendable.length > 0 ? false : undecidedRows > 0 ? "unknown" : true;
  const hasSection: boolean | "unknown" = found
    ? true
    : noSections
      ? false
      : models.length === 0
        ? true
        : "unknown";
  return {
    consistent,
    hasSection,
    unextendable,
    undecidedRows,
    budget,
    nodesSearched: nodes,
    budgetExhausted: exhausted,
  };
}

function collectRows(
  compiled: CompiledModel,
  isOut: (model: number, row: number) => boolean,
): UnextendableRows[] {
  const out: UnextendableRows[] = [];
  compiled.localModels.forEach((lm, e) => {
    let count = 0;
    const examples: Row[] = [];
    const all = lm.scope.map((_, c) => c);
    for (let r = 0; r < lm.size; r++) {
      if (!isOut(e, r)) continue;
      count++;
      if (examples.length < EXAMPLES) examples.push(decodeColumns(compiled, e, r, all));
    }
    if (count > 0) out.push({ model: lm.name, count, examples });
  });
  return out;
}
