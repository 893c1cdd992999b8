/**
 * How far observations are from what a world model allows, and which local models they
 * contradict.
 *
 * The distance of one observation (a partial assignment) is the least number of its observed
 * values that must change for it to agree with some global section: the Hamming distance, on the
 * observed variables, to the nearest section. The consistency radius of a set of observations is
 * the largest of these distances (Robinson's consistency radius of an assignment to a sheaf, with
 * the discrete metric); the mean is reported too. A radius of 0 means every observation is
 * explained by the model.
 *
 * Acyclic covers: exact, by min-sum dynamic programming over the join tree (linear in the rows per
 * observation). Cyclic covers: branch-and-bound search within a budget per observation; a result
 * found when the budget ran out is an upper bound, and says so.
 */
import { type Assignment, decodeAssignment, encodeAssignment, UNASSIGNED } from "./assignment.js";
import { checkBudget, SectionSearch } from "./backtracking.js";
import { type CompiledModel, compile } from "./compiled-model.js";
import { gyo } from "./join-tree.js";
import { downward, downwardIndex, MIN_SUM, upward } from "./join-tree-dp.js";
import { type Key, keyFunction } from "./row-key.js";
import type { WorldModel } from "./world-model.js";
import { preview, WorldModelError } from "./world-model-error.js";
import { assignRow, type TreeContext, treeContext } from "./yannakakis.js";

export interface ObservationDistance {
  /** Position in the list of observations. */
  readonly index: number;
  /** How many variables the observation gives values for. */
  readonly observedVariables: number;
  /** Fewest observed values that must change to reach a global section; undefined if none was found. */
  readonly distance: number | undefined;
  /** `distance / observedVariables` (0 when nothing is observed). */
  readonly fraction: number | undefined;
  /** The observed variables whose value differs in `nearest`. */
  readonly changed: readonly string[];
  /** A global section at that distance. */
  readonly nearest: Assignment | undefined;
  /** Local models whose support has no row agreeing with the observation on their variables. */
  readonly disagreeing: readonly string[];
  /** False when a cyclic-cover search ran out of budget: `distance` is then an upper bound. */
  readonly exact: boolean;
  readonly nodesSearched: number;
}

export interface ConsistencyRadius {
  readonly cover: "acyclic" | "cyclic";
  readonly observations: readonly ObservationDistance[];
  /** The largest distance; undefined when there are no observations or no section was found. */
  readonly radius: number | undefined;
  readonly meanDistance: number | undefined;
  readonly exact: boolean;
  readonly nodesSearched: number;
}

/**
 * Measure how far each observation is from the nearest global section, and name the local models
 * each one contradicts.
 *
 * @example
 * const r = consistencyRadius(model, [{ rain: true, soil: "dry" }]);
 * r.observations[0].distance // 1
 * r.observations[0].disagreeing // ["rain-wets"]
 */
export function consistencyRadius(
  model: WorldModel,
  observations: readonly Assignment[],
  options?: { readonly budget?: number },
): ConsistencyRadius {
  const budget = checkBudget(options?.budget);
  if (!Array.isArray(observations))
    throw new WorldModelError(
      "SHAPE_INVALID",
      `expected a list of observations, got ${preview(observations)}`,
      {
        path: "observations",
      },
    );
  const compiled = compile(model);
  const encoded = observations.map((o, i) => encodeAssignment(compiled, o, `observations[${i}]`));
  const cover = gyo(compiled);
  const agree = new SupportCheck(compiled);
  const ctx = cover.kind === "acyclic" ? treeContext(compiled, cover.tree) : undefined;
  const searcher = cover.kind === "cyclic" ? new SectionSearch(compiled) : undefined;
  const results = encoded.map((observed, index): ObservationDistance => {
    const nearest =
      ctx !== undefined ? nearestOnTree(ctx, observed) : nearestBySearch(searcher!, observed, budget);
    const observedVariables = observed.reduce((n, c) => n + (c === UNASSIGNED ? 0 : 1), 0);
    const changed: string[] = [];
    if (nearest.codes !== undefined) {
      observed.forEach((c, v) => {
        if (c !== UNASSIGNED && c !== nearest.codes![v]) changed.push(compiled.variables[v]!.name);
      });
    }
    const distance = nearest.codes === undefined ? undefined : changed.length;
    return {
      index,
      observedVariables,
      distance,
      fraction:
        distance === undefined ? undefined : observedVariables === 0 ? 0 : distance / observedVariables,
      changed,
      nearest: nearest.codes === undefined ? undefined : decodeAssignment(compiled, nearest.codes),
      disagreeing: compiled.localModels
        .filter((lm) => !agree.allows(lm.index, observed))
        .map((lm) => lm.name),
      exact: nearest.exact,
      nodesSearched: nearest.nodes,
    };
  });
  const distances = results.map((r) => r.distance);
  const known = distances.every((d) => d !== undefined) && distances.length > 0;
  return {
    cover: cover.kind,
    observations: results,
    radius: known ? Math.max(...(distances as number[])) : undefined,
    meanDistance: known ? (distances as number[]).reduce((a, b) => a + b, 0) / distances.length : undefined,
    exact: results.every((r) => r.exact),
    nodesSearched: results.reduce((n, r) => n + r.nodesSearched, 0),
  };
}

interface Nearest {
  readonly codes: Int32Array | undefined;
  readonly exact: boolean;
  readonly nodes: number;
}

/**
 * Min-sum over the join tree. Each observed variable is charged in exactly one local model (the
 * first in the tree's pre-order that mentions it), so a section's cost is its number of mismatches.
 */
function nearestOnTree(ctx: TreeContext, observed: Int32Array): Nearest {
  const { compiled, tree } = ctx;
  const owner = new Int32Array(compiled.variables.length).fill(-1);
  for (const e of tree.order)
    for (const v of compiled.localModels[e]!.scope) if (owner[v] === -1) owner[v] = e;
  const charged = compiled.localModels.map((lm, e) =>
    lm.scope.flatMap((v, c) => (owner[v] === e && observed[v] !== UNASSIGNED ? [c] : [])),
  );
  const up = upward(ctx, MIN_SUM, (e, r) => {
    const lm = compiled.localModels[e]!;
    const base = r * lm.scope.length;
    let cost = 0;
    for (const c of charged[e]!) if (lm.rows[base + c] !== observed[lm.scope[c]!]) cost++;
    return cost;
  });
  if (up.total === Number.POSITIVE_INFINITY) return { codes: undefined, exact: true, nodes: 0 };
  const nearest = (rows: Int32Array, lo: number, hi: number, values: readonly number[]): number => {
    let best = rows[lo]!;
    for (let i = lo + 1; i < hi; i++) if (values[rows[i]!]! < values[best]!) best = rows[i]!;
    return best;
  };
  const chosen = downward(ctx, up, nearest, downwardIndex(ctx));
  const codes = new Int32Array(compiled.variables.length);
  for (let e = 0; e < compiled.localModels.length; e++) assignRow(ctx, e, chosen[e]!, codes);
  return { codes, exact: true, nodes: 0 };
}

function nearestBySearch(searcher: SectionSearch, observed: Int32Array, budget: number): Nearest {
  let best = Number.POSITIVE_INFINITY;
  let codes: Int32Array | undefined;
  const outcome = searcher.run({
    budget,
    observed,
    bound: () => best,
    onSection: (assignment) => {
      let cost = 0;
      observed.forEach((c, v) => {
        if (c !== UNASSIGNED && c !== assignment[v]) cost++;
      });
      if (cost < best) {
        best = cost;
        codes = assignment.slice();
      }
      return best > 0; // nothing beats an exact match
    },
  });
  return { codes, exact: !outcome.budgetExhausted, nodes: outcome.nodes };
}

/**
 * Whether a local model's support has a row agreeing with an observation on the model's observed
 * variables. Projections are cached per (model, observed columns), since a batch of observations
 * usually observes the same variables.
 */
class SupportCheck {
  readonly #compiled: CompiledModel;
  readonly #cache = new Map<string, Set<Key>>();
  constructor(compiled: CompiledModel) {
    this.#compiled = compiled;
  }

  allows(e: number, observed: Int32Array): boolean {
    const lm = this.#compiled.localModels[e]!;
    const cols = lm.scope.flatMap((v, c) => (observed[v] === UNASSIGNED ? [] : [c]));
    if (cols.length === 0) return true;
    const radices = cols.map((c) => this.#compiled.variables[lm.scope[c]!]!.values.length);
    // An observed value in no row at all cannot agree with any row.
    if (cols.some((c) => observed[lm.scope[c]!]! < 0)) return false;
    const cacheKey = `${e}:${cols.join(",")}`;
    let keys = this.#cache.get(cacheKey);
    if (keys === undefined) {
      const key = keyFunction(cols, radices);
      const arity = lm.scope.length;
      keys = new Set();
      for (let r = 0; r < lm.size; r++) keys.add(key(lm.rows, r * arity));
      this.#cache.set(cacheKey, keys);
    }
    const probe = keyFunction(
      cols.map((c) => lm.scope[c]!),
      radices,
    );
    return keys.has(probe(observed, 0));
  }
}
