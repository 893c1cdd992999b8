/**
 * Exact search for global sections of a cover that has no join tree (a cyclic cover), under a
 * budget.
 *
 * The search picks local models in an order where each next model shares as many variables as
 * possible with those already placed, and extends the partial assignment by that model's rows that
 * agree with it, found through a hash index on the already-bound variables. A *node* is one row
 * tried or one row indexed while planning an order; the budget bounds nodes, so a hostile or simply
 * hard cover cannot run forever, and every caller reports whether the budget ran out and how many
 * nodes were searched.
 */
import { UNASSIGNED } from "./assignment.js";
import type { CompiledModel } from "./compiled-model.js";
import { type Key, type KeyFunction, keyFunction } from "./row-key.js";
import { preview, WorldModelError } from "./world-model-error.js";

/** Nodes a search may visit unless told otherwise. */
export const DEFAULT_SEARCH_BUDGET = 1_000_000;

/**
 * Check a budget argument from a caller; undefined means {@link DEFAULT_SEARCH_BUDGET}.
 *
 * @example checkBudget(undefined) === 1_000_000
 */
export function checkBudget(budget: unknown): number {
  if (budget === undefined) return DEFAULT_SEARCH_BUDGET;
  if (typeof budget !== "number" || !Number.isSafeInteger(budget) || budget < 0) {
    throw new WorldModelError("ARGUMENT_INVALID", `expected a non-negative integer, got ${preview(budget)}`, {
      path: "budget",
    });
  }
  return budget;
}

export interface SearchOptions {
  /** Maximum number of nodes (rows tried). */
  readonly budget: number;
  /** Only sections that use this row of this local model. */
  readonly start?: { readonly model: number; readonly row: number };
  /**
   * Called with each section found (the encoded assignment and the row chosen in each local
   * model; both buffers are reused, copy to keep). Return false to stop the search.
   */
  readonly onSection: (assignment: Int32Array, chosen: Int32Array) => boolean;
  /** Branch and bound: prune partial assignments that already mismatch these values `bound()` times. */
  readonly observed?: Int32Array;
  readonly bound?: () => number;
}

export interface SearchOutcome {
  readonly nodes: number;
  readonly budgetExhausted: boolean;
  /** Whether `onSection` asked to stop. */
  readonly stopped: boolean;
}

interface Step {
  readonly model: number;
  /** Columns of the model whose variable is bound by an earlier step. */
  readonly lookup: KeyFunction;
  readonly index: Map<Key, number[]>;
  /** Columns whose variable this step binds. */
  readonly newCols: readonly number[];
}

/**
 * Backtracking search over one compiled model. Orders (and their indexes) are built once per
 * starting local model and reused across runs.
 *
 * @example new SectionSearch(compiled).run({ budget: 1e6, onSection: () => false }) // stops at the first section
 */
export class SectionSearch {
  readonly #compiled: CompiledModel;
  readonly #plans = new Map<number, Step[]>();

  constructor(compiled: CompiledModel) {
    this.#compiled = compiled;
  }

  run(options: SearchOptions): SearchOutcome {
    const compiled = this.#compiled;
    const first = options.start?.model ?? -1;
    let nodes = 0;
    let steps = this.#plans.get(first);
    if (steps === undefined) {
      // Indexing costs a node per row, so that the budget bounds all the work, planning included.
      let rows = 0;
      for (const lm of compiled.localModels) rows += lm.size;
      if (rows > options.budget) return { nodes: options.budget, budgetExhausted: true, stopped: false };
      nodes = rows;
      steps = plan(compiled, first < 0 ? undefined : first);
      this.#plans.set(first, steps);
    }
    return walk(compiled, steps, options, nodes);
  }
}

function walk(
  compiled: CompiledModel,
  steps: readonly Step[],
  options: SearchOptions,
  spent: number,
): SearchOutcome {
  const nVars = compiled.variables.length;
  const assignment = new Int32Array(nVars).fill(UNASSIGNED);
  const chosen = new Int32Array(compiled.localModels.length);
  let nodes = spent;
  if (steps.length === 0) {
    const go = options.onSection(assignment, chosen);
    return { nodes, budgetExhausted: false, stopped: !go };
  }
  const observed = options.observed;
  const bound = options.bound;
  const levels = steps.length;
  const candidates: number[][] = new Array(levels);
  const position = new Int32Array(levels);
  const mismatches = new Int32Array(levels + 1);
  candidates[0] = options.start === undefined ? (steps[0]!.index.get(0) ?? []) : [options.start.row];
  let level = 0;
  while (level >= 0) {
    const list = candidates[level]!;
    if (position[level]! >= list.length) {
      level--;
      continue;
    }
    if (nodes >= options.budget) return { nodes, budgetExhausted: true, stopped: false };
    nodes++;
    const step = steps[level]!;
    const row = list[position[level]!]!;
    position[level]!++;
    const lm = compiled.localModels[step.model]!;
    const base = row * lm.scope.length;
    let cost = mismatches[level]!;
    for (const c of step.newCols) {
      const v = lm.scope[c]!;
      const code = lm.rows[base + c]!;
      assignment[v] = code;
      if (observed !== undefined && observed[v] !== UNASSIGNED && observed[v] !== code) cost++;
    }
    if (bound !== undefined && cost >= bound()) continue;
    chosen[step.model] = row;
    if (level === levels - 1) {
      if (!options.onSection(assignment, chosen)) return { nodes, budgetExhausted: false, stopped: true };
      continue;
    }
    level++;
    mismatches[level] = cost;
    const next = steps[level]!;
    candidates[level] = next.index.get(next.lookup(assignment, 0)) ?? [];
    position[level] = 0;
  }
  return { nodes, budgetExhausted: false, stopped: false };
}

/**
 * Order the local models so that each shares as many variables as possible with the ones before
 * it (binding variables early prunes early), and index each by its already-bound variables.
 */
function plan(compiled: CompiledModel, first: number | undefined): Step[] {
  const models = compiled.localModels;
  const bound = new Uint8Array(compiled.variables.length);
  const placed = new Uint8Array(models.length);
  const steps: Step[] = [];
  for (let n = 0; n < models.length; n++) {
    let best = -1;
    let bestShared = -1;
    if (n === 0 && first !== undefined) best = first;
    else {
      for (let e = 0; e < models.length; e++) {
        if (placed[e] === 1) continue;
        const lm = models[e]!;
        let shared = 0;
        for (const v of lm.scope) shared += bound[v]!;
        // More shared variables first; among equals, the smaller model (fewer branches).
        if (shared > bestShared || (shared === bestShared && lm.size < models[best]!.size)) {
          best = e;
          bestShared = shared;
        }
      }
    }
    placed[best] = 1;
    const lm = models[best]!;
    const boundCols: number[] = [];
    const newCols: number[] = [];
    lm.scope.forEach((v, c) => {
      (bound[v] === 1 ? boundCols : newCols).push(c);
    });
    const radices = boundCols.map((c) => compiled.variables[lm.scope[c]!]!.values.length);
    const rowKey = keyFunction(boundCols, radices);
    const index = new Map<Key, number[]>();
    const arity = lm.scope.length;
    for (let r = 0; r < lm.size; r++) {
      const k = rowKey(lm.rows, r * arity);
      const list = index.get(k);
      if (list === undefined) index.set(k, [r]);
      else list.push(r);
    }
    steps.push({
      model: best,
      lookup: keyFunction(
        boundCols.map((c) => lm.scope[c]!),
        radices,
      ),
      index,
      newCols,
    });
    for (const v of lm.scope) bound[v] = 1;
  }
  return steps;
}
