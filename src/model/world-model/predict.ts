/**
 * Exact prediction: the distribution of some outcome variables once the decisions are made.
 *
 * Semantics, so that a person can check a prediction by hand:
 * - every CPT is a factor P(child | parents); every table a 0/1 factor (1 where its row says so);
 *   every relation a 0/1 factor (1 on its allowed tuples). A combination a table or CPT does not
 *   list gets weight 0.
 * - Decisions are interventions: a decision is set by the optimizer, not drawn from a mechanism,
 *   so a CPT or table whose output is a decided variable is removed (its name is reported in
 *   `replacedMechanisms`). Relations that mention a decision still constrain it.
 * - A variable that no remaining CPT or table outputs, and that is not decided, is uniform over
 *   its active domain (the values it takes in some row).
 * - The result is normalised; `normalizer` is the total weight before normalising. It is the
 *   probability that every relation holds when each variable has exactly one mechanism, and 1 for
 *   a plain Bayesian network.
 *
 * "Small", precisely: variable elimination (greedy, smallest clique first) must never build a
 * table with more than `maxCells` cells (default 1,000,000), where a table's cells are the
 * product, over its variables, of the number of values each can take (its active-domain size, or
 * 1 for a decided variable). The tables counted are each elimination clique (the union of the
 * factors that mention the variable being eliminated) and the final table over the outcomes.
 * The plan is made before any table is built; beyond the limit `predict` refuses with
 * `PREDICT_TOO_LARGE`, naming the size it found and the limit.
 */
import { type Assignment, encodeAssignment, resolveVariables, UNASSIGNED } from "./assignment.js";
import { compile } from "./compiled-model.js";
import type { Value } from "./domain.js";
import { type Factor, multiplyAndSum } from "./factor.js";
import type { WorldModel } from "./world-model.js";
import { preview, WorldModelError } from "./world-model-error.js";

/** The largest table exact inference may build unless told otherwise (8 MB of doubles). */
export const DEFAULT_MAX_CELLS = 1_000_000;

export interface Prediction {
  readonly outcomes: readonly string[];
  /** Each combination of outcome values with non-zero probability. Probabilities sum to 1. */
  readonly distribution: readonly { readonly assignment: Assignment; readonly p: number }[];
  /** CPTs and tables removed because their output was decided. */
  readonly replacedMechanisms: readonly string[];
  readonly normalizer: number;
  /** The variables summed out, in order. */
  readonly eliminationOrder: readonly string[];
  /** The largest table built, in cells, and the limit it had to stay within. */
  readonly largestTableCells: number;
  readonly maxCells: number;
}

/**
 * The distribution of `outcomes` given values for the `decisions`, by exact variable elimination.
 * See the module comment for the semantics and for the size limit.
 *
 * @example
 * predict(garden, { water: true }, ["tomatoes"]).distribution
 * // [{ assignment: { tomatoes: "thriving" }, p: 0.9 }, { assignment: { tomatoes: "wilting" }, p: 0.1 }]
 */
export function predict(
  model: WorldModel,
  decisions: Assignment,
  outcomes: readonly string[],
  options?: { readonly maxCells?: number },
): Prediction {
  const maxCells = options?.maxCells ?? DEFAULT_MAX_CELLS;
  if (typeof maxCells !== "number" || !Number.isSafeInteger(maxCells) || maxCells < 1)
    throw new WorldModelError("ARGUMENT_INVALID", `expected a positive integer, got ${preview(maxCells)}`, {
      path: "maxCells",
    });
  const compiled = compile(model);
  const decided = encodeAssignment(compiled, decisions, "decisions");
  const outs = resolveVariables(compiled, outcomes, "outcomes");
  const variables = compiled.variables;
  const isDecided = (v: number) => decided[v] !== UNASSIGNED;
  const sizes = variables.map((v, i) => (isDecided(i) ? 1 : v.values.length));
  const nameOf = (v: number) => variables[v]!.name;

  // Interventions: drop the mechanisms of decided variables.
  const replacedMechanisms: string[] = [];
  const kept = compiled.localModels.filter((lm) => {
    const drop = lm.isMechanism && isDecided(lm.scope[lm.scope.length - 1]!);
    if (drop) replacedMechanisms.push(lm.name);
    return !drop;
  });
  const defined = new Uint8Array(variables.length);
  for (const lm of kept) if (lm.isMechanism) defined[lm.scope[lm.scope.length - 1]!] = 1;

  // Symbolic factors first: plan the elimination and refuse before allocating anything big.
  const scopes: number[][] = kept.map((lm) => lm.scope.filter((v) => !isDecided(v)));
  const undefinedVars = variables.map((_, v) => v).filter((v) => defined[v] === 0 && !isDecided(v));
  for (const v of undefinedVars) scopes.push([v]);
  const plan = planElimination(scopes, outs, isDecided, sizes, maxCells, nameOf);

  const factors: (Factor | undefined)[] = kept.map((lm, i) => {
    const vars = scopes[i]!;
    const cols = vars.map((v) => lm.scope.indexOf(v));
    const strides = strideFor(vars, sizes);
    const values = new Float64Array(vars.reduce((p, v) => p * sizes[v]!, 1));
    const arity = lm.scope.length;
    rows: for (let r = 0; r < lm.size; r++) {
      const base = r * arity;
      for (let c = 0; c < arity; c++) {
        const v = lm.scope[c]!;
        if (isDecided(v) && decided[v] !== lm.rows[base + c]) continue rows;
      }
      let index = 0;
      for (let j = 0; j < cols.length; j++) index += lm.rows[base + cols[j]!]! * strides[j]!;
      values[index] = lm.weights === undefined ? 1 : lm.weights[r]!;
    }
    return { vars, values };
  });
  for (const v of undefinedVars)
    factors.push({ vars: [v], values: new Float64Array(sizes[v]!).fill(1 / sizes[v]!) });

  for (const step of plan.steps) {
    const inputs = step.factors.map((f) => factors[f]!);
    for (const f of step.factors) factors[f] = undefined;
    factors.push(
      multiplyAndSum(
        inputs,
        step.clique,
        step.clique.filter((v) => v !== step.variable),
        sizes,
      ),
    );
  }
  const finalVars = outs.filter((v) => !isDecided(v));
  const final = multiplyAndSum(
    factors.filter((f): f is Factor => f !== undefined),
    finalVars,
    finalVars,
    sizes,
  );
  let normalizer = 0;
  for (const w of final.values) normalizer += w;
  if (!(normalizer > 0)) {
    throw new WorldModelError(
      "EVIDENCE_IMPOSSIBLE",
      `the decisions ${preview(decisions)} have probability zero: no combination of values allowed by every local model agrees with them`,
      { path: "decisions" },
    );
  }

  const distribution: { assignment: Assignment; p: number }[] = [];
  const digits = new Int32Array(finalVars.length);
  for (let cell = 0; cell < final.values.length; cell++) {
    const p = final.values[cell]! / normalizer;
    if (p > 0) {
      const assignment: Record<string, Value> = {};
      for (const v of outs) {
        const name = nameOf(v);
        const j = finalVars.indexOf(v);
        assignment[name] = j < 0 ? (decisions[name] as Value) : variables[v]!.values[digits[j]!]!;
      }
      distribution.push({ assignment, p });
    }
    for (let d = finalVars.length - 1; d >= 0; d--) {
      digits[d] = digits[d]! + 1;
      if (digits[d]! < sizes[finalVars[d]!]!) break;
      digits[d] = 0;
    }
  }
  return {
    outcomes: outs.map(nameOf),
    distribution,
    replacedMechanisms,
    normalizer,
    eliminationOrder: plan.steps.map((s) => nameOf(s.variable)),
    largestTableCells: plan.largest,
    maxCells,
  };
}

function strideFor(vars: readonly number[], sizes: readonly number[]): number[] {
  const strides = new Array<number>(vars.length);
  let s = 1;
  for (let i = vars.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= sizes[vars[i]!]!;
  }
  return strides;
}

interface Step {
  readonly variable: number;
  /** Indices of the factors multiplied (initial factors first, then one per earlier step). */
  readonly factors: readonly number[];
  readonly clique: readonly number[];
}

/**
 * Greedy elimination order: always the variable whose clique is smallest. Refuses when the best
 * available clique, or the final table over the outcomes, is over the limit.
 */
function planElimination(
  scopes: readonly (readonly number[])[],
  outcomes: readonly number[],
  isDecided: (v: number) => boolean,
  sizes: readonly number[],
  maxCells: number,
  nameOf: (v: number) => string,
): { steps: Step[]; largest: number } {
  const live = new Map<number, readonly number[]>();
  const byVar = new Map<number, Set<number>>();
  const add = (id: number, scope: readonly number[]) => {
    live.set(id, scope);
    for (const v of scope) {
      const set = byVar.get(v);
      if (set === undefined) byVar.set(v, new Set([id]));
      else set.add(id);
    }
  };
  scopes.forEach((s, i) => {
    add(i, s);
  });
  let nextId = scopes.length;
  const isOutcome = new Set(outcomes);
  const steps: Step[] = [];
  let largest = 0;
  const cliqueOf = (v: number): number[] => {
    const clique = new Set<number>();
    for (const id of byVar.get(v)!) for (const u of live.get(id)!) clique.add(u);
    return [...clique].sort((a, b) => a - b);
  };
  const cellsOf = (vars: readonly number[]) => vars.reduce((p, u) => p * sizes[u]!, 1);
  for (;;) {
    let best = -1;
    let bestCells = Number.POSITIVE_INFINITY;
    let bestClique: number[] = [];
    for (const [v, ids] of byVar) {
      if (isOutcome.has(v) || ids.size === 0) continue;
      const clique = cliqueOf(v);
      const cells = cellsOf(clique);
      if (cells < bestCells) {
        best = v;
        bestCells = cells;
        bestClique = clique;
      }
    }
    if (best < 0) break;
    if (bestCells > maxCells) {
      throw new WorldModelError(
        "PREDICT_TOO_LARGE",
        `exact inference needs a table of ${bestCells} cells (eliminating ${nameOf(best)} over ${bestClique.map(nameOf).join(", ")}), over the limit of ${maxCells} cells`,
      );
    }
    largest = Math.max(largest, bestCells);
    const ids = [...byVar.get(best)!];
    for (const id of ids) {
      for (const u of live.get(id)!) byVar.get(u)!.delete(id);
      live.delete(id);
    }
    byVar.delete(best);
    steps.push({ variable: best, factors: ids, clique: bestClique });
    add(
      nextId++,
      bestClique.filter((u) => u !== best),
    );
  }
  const finalCells = cellsOf(outcomes.filter((v) => !isDecided(v)));
  if (finalCells > maxCells) {
    throw new WorldModelError(
      "PREDICT_TOO_LARGE",
      `the distribution over ${outcomes.map(nameOf).join(", ")} has ${finalCells} cells, over the limit of ${maxCells} cells`,
      { path: "outcomes" },
    );
  }
  return { steps, largest: Math.max(largest, finalCells) };
}
