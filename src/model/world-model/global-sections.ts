/**
 * Global sections of a world model: the assignments to all variables that every local model
 * allows. Count them, list them, sample them, and condition on observations.
 *
 * On an acyclic cover everything runs on the join tree: counting by dynamic programming without
 * enumerating, listing by Yannakakis in time linear in input plus output, sampling exactly
 * uniformly from the counts. On a cyclic cover the same answers come from a budgeted exact search,
 * and every result says whether the budget ran out.
 */
import { type Assignment, decodeAssignment, encodeAssignment, UNASSIGNED } from "./assignment.js";
import { checkBudget, SectionSearch } from "./backtracking.js";
import { type CompiledModel, compile } from "./compiled-model.js";
import type { Value } from "./domain.js";
import { gyo } from "./join-tree.js";
import { COUNTING, downward, downwardIndex, upward } from "./join-tree-dp.js";
import { type LocalModel, relation } from "./local-model.js";
import { type Rng, randomBelow } from "./seeded-rng.js";
import { type WorldModel, worldModel } from "./world-model.js";
import { preview, WorldModelError } from "./world-model-error.js";
import { assignRow, fullyReduce, joinSections, treeContext } from "./yannakakis.js";

export interface SearchBudget {
  /** Nodes a cyclic-cover search may visit (default 1,000,000); unused on acyclic covers. */
  readonly budget?: number;
}

export interface SectionCount {
  /** The number of global sections; a lower bound when `exact` is false. */
  readonly count: bigint;
  readonly exact: boolean;
  readonly cover: "acyclic" | "cyclic";
  readonly nodesSearched: number;
  readonly budgetExhausted: boolean;
}

/**
 * Count the global sections. Acyclic covers: dynamic programming over the join tree, linear in the
 * rows, never enumerating. Cyclic covers: exhaustive search within the budget.
 *
 * @example countSections(model).count // 12n
 */
export function countSections(model: WorldModel, options?: SearchBudget): SectionCount {
  const budget = checkBudget(options?.budget);
  const compiled = compile(model);
  const cover = gyo(compiled);
  if (cover.kind === "acyclic") {
    const { total } = upward(treeContext(compiled, cover.tree), COUNTING);
    return { count: total, exact: true, cover: "acyclic", nodesSearched: 0, budgetExhausted: false };
  }
  let count = 0n;
  const outcome = new SectionSearch(compiled).run({
    budget,
    onSection: () => {
      count++;
      return true;
    },
  });
  return {
    count,
    exact: !outcome.budgetExhausted,
    cover: "cyclic",
    nodesSearched: outcome.nodes,
    budgetExhausted: outcome.budgetExhausted,
  };
}

export interface SectionList {
  readonly sections: readonly Assignment[];
  /** True when `sections` holds every global section. */
  readonly complete: boolean;
  /** Why the list is not complete. */
  readonly stoppedBy: "limit" | "budget" | undefined;
  readonly cover: "acyclic" | "cyclic";
  readonly nodesSearched: number;
}

/**
 * List up to `limit` global sections. On an acyclic cover the work is linear in the rows plus the
 * sections listed.
 *
 * @example enumerateSections(model, 10).sections[0] // { rain: true, soil: "wet" }
 */
export function enumerateSections(model: WorldModel, limit: number, options?: SearchBudget): SectionList {
  checkCount(limit, "limit");
  const budget = checkBudget(options?.budget);
  const compiled = compile(model);
  const cover = gyo(compiled);
  const sections: Assignment[] = [];
  if (cover.kind === "acyclic") {
    const ctx = treeContext(compiled, cover.tree);
    fullyReduce(ctx);
    // One past the limit tells whether the list is complete.
    const joined = joinSections(ctx, limit + 1);
    const more = joined.count > limit;
    const codes = new Int32Array(compiled.variables.length);
    for (let i = 0; i < Math.min(limit, joined.count); i++) {
      for (let e = 0; e < compiled.localModels.length; e++) assignRow(ctx, e, joined.chosen[e]![i]!, codes);
      sections.push(decodeAssignment(compiled, codes));
    }
    return {
      sections,
      complete: !more,
      stoppedBy: more ? "limit" : undefined,
      cover: "acyclic",
      nodesSearched: 0,
    };
  }
  let more = false;
  const outcome = new SectionSearch(compiled).run({
    budget,
    onSection: (codes) => {
      if (sections.length === limit) {
        more = true;
        return false;
      }
      sections.push(decodeAssignment(compiled, codes));
      return true;
    },
  });
  const stoppedBy = more ? "limit" : outcome.budgetExhausted ? "budget" : undefined;
  return {
    sections,
    complete: stoppedBy === undefined,
    stoppedBy,
    cover: "cyclic",
    nodesSearched: outcome.nodes,
  };
}

/**
 * Draw `n` global sections independently and uniformly at random, using the caller's seeded `rng`.
 * Acyclic covers: exact, from the counts of the join-tree dynamic program. Cyclic covers: every
 * section is found by search first, so the budget must suffice (`BUDGET_EXHAUSTED` otherwise).
 * Throws `NO_SECTIONS` when there is nothing to sample.
 *
 * @example sampleSections(model, seededRng(7), 3) // three sections, the same for seed 7 every time
 */
export function sampleSections(model: WorldModel, rng: Rng, n: number, options?: SearchBudget): Assignment[] {
  checkCount(n, "n");
  if (typeof rng !== "function")
    throw new WorldModelError(
      "ARGUMENT_INVALID",
      `expected a function returning numbers in [0, 1), got ${preview(rng)}`,
      {
        path: "rng",
      },
    );
  const budget = checkBudget(options?.budget);
  const compiled = compile(model);
  const cover = gyo(compiled);
  const out: Assignment[] = [];
  if (cover.kind === "acyclic") {
    const ctx = treeContext(compiled, cover.tree);
    const up = upward(ctx, COUNTING);
    if (up.total === 0n) throw noSections(compiled);
    const index = downwardIndex(ctx);
    const pick = (
      rows: Int32Array,
      lo: number,
      hi: number,
      counts: readonly bigint[],
      sum: bigint,
    ): number => {
      let target = randomBelow(rng, sum);
      for (let i = lo; i < hi; i++) {
        const c = counts[rows[i]!]!;
        if (target < c) return rows[i]!;
        target -= c;
      }
      return rows[hi - 1]!; // unreachable: the counts sum to `sum`
    };
    const codes = new Int32Array(compiled.variables.length);
    for (let s = 0; s < n; s++) {
      const chosen = downward(ctx, up, pick, index);
      for (let e = 0; e < compiled.localModels.length; e++) assignRow(ctx, e, chosen[e]!, codes);
      out.push(decodeAssignment(compiled, codes));
    }
    return out;
  }
  const all: Int32Array[] = [];
  const outcome = new SectionSearch(compiled).run({
    budget,
    onSection: (codes) => {
      all.push(codes.slice());
      return true;
    },
  });
  if (outcome.budgetExhausted) {
    throw new WorldModelError(
      "BUDGET_EXHAUSTED",
      `uniform sampling on a cyclic cover needs every section; the search ran out of its budget of ${budget} nodes`,
    );
  }
  if (all.length === 0) throw noSections(compiled);
  for (let s = 0; s < n; s++)
    out.push(decodeAssignment(compiled, all[Number(randomBelow(rng, BigInt(all.length)))]!));
  return out;
}

function noSections(compiled: CompiledModel): WorldModelError {
  return new WorldModelError(
    "NO_SECTIONS",
    `world model ${compiled.model.name} has no global section to sample`,
  );
}

function checkCount(n: unknown, what: string): void {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
    throw new WorldModelError("ARGUMENT_INVALID", `expected a non-negative integer, got ${preview(n)}`, {
      path: what,
    });
}

/**
 * The name {@link condition} gives the local model that records an observation of `variable`.
 *
 * @example observationModelName("soil") === "observed soil"
 */
export function observationModelName(variable: string): string {
  return `observed ${variable}`;
}

/**
 * Condition a world model on an observation (a partial assignment): the result is the same world
 * model glued with one single-row relation per observed variable, so its global sections are
 * exactly the original ones that agree with the observation. An observation is itself a local
 * section; conditioning is gluing. One relation per variable (rather than one over all of them)
 * keeps an acyclic cover acyclic.
 *
 * @example countSections(condition(model, { rain: true })).count
 */
export function condition(model: WorldModel, observation: Assignment): WorldModel {
  const compiled = compile(model);
  const codes = encodeAssignment(compiled, observation, "observation");
  const added: LocalModel[] = [];
  compiled.variables.forEach((v, i) => {
    if (codes[i] === UNASSIGNED) return;
    const value = observation[v.name] as Value;
    added.push(
      relation(
        observationModelName(v.name),
        `observed ${v.name} = ${JSON.stringify(value)}`,
        [v.name],
        [[value]],
      ),
    );
  });
  return worldModel(compiled.model.name, compiled.model.variables, [...compiled.model.localModels, ...added]);
}
