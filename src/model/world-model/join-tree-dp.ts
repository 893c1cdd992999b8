/**
 * Dynamic programming over a join tree in a semiring: one upward pass that summarises each
 * subtree by its separator key, then a downward pass that picks one row per local model.
 *
 * With (bigint, +, ×) it counts global sections without enumerating them, and the downward pass
 * samples them uniformly; with (number, min, +) it finds the section nearest an observation. Each
 * pass touches every row once and looks up its children's summaries in hash maps, so it runs in
 * time linear in the total number of rows.
 */
import type { Key } from "./row-key.js";
import { childIndexes, type GroupIndex, rootRows, type TreeContext } from "./yannakakis.js";

export interface Semiring<T> {
  readonly zero: T;
  readonly one: T;
  plus(a: T, b: T): T;
  times(a: T, b: T): T;
}

/** Counting: the number of ways to complete a row below it. */
export const COUNTING: Semiring<bigint> = {
  zero: 0n,
  one: 1n,
  plus: (a, b) => a + b,
  times: (a, b) => a * b,
};

/** Min-sum: the least cost of completing a row below it. */
export const MIN_SUM: Semiring<number> = {
  zero: Number.POSITIVE_INFINITY,
  one: 0,
  plus: Math.min,
  times: (a, b) => a + b,
};

export interface Upward<T> {
  /** Per local model, per row: its own weight times its children's summaries (zero when dead). */
  readonly value: readonly T[][];
  /** Per non-root local model: for each separator key, the sum of `value` over its rows with that key. */
  readonly message: readonly (Map<Key, T> | undefined)[];
  /** The sum over the root's rows: the semiring value of the whole tree. */
  readonly total: T;
}

/** The upward pass, leaves first. `weight` gives each row's own factor (default: one). */
export function upward<T>(
  ctx: TreeContext,
  ring: Semiring<T>,
  weight?: (model: number, row: number) => T,
): Upward<T> {
  const { order, children } = ctx.tree;
  const models = ctx.compiled.localModels;
  const value: T[][] = models.map(() => []);
  const message: (Map<Key, T> | undefined)[] = models.map(() => undefined);
  let total = ring.zero;
  if (order.length === 0) return { value, message, total: ring.one };
  for (let i = order.length - 1; i >= 0; i--) {
    const e = order[i]!;
    const lm = models[e]!;
    const arity = lm.scope.length;
    const alive = ctx.alive[e]!;
    const kids = children[e]!;
    const values: T[] = new Array(lm.size);
    for (let r = 0; r < lm.size; r++) {
      if (alive[r] === 0) {
        values[r] = ring.zero;
        continue;
      }
      let v = weight === undefined ? ring.one : weight(e, r);
      for (const k of kids) {
        const m = message[k]!.get(ctx.parentKey[k]!(lm.rows, r * arity));
        v = ring.times(v, m === undefined ? ring.zero : m);
      }
      values[r] = v;
    }
    value[e] = values;
    if (i === 0) {
      for (let r = 0; r < lm.size; r++) total = ring.plus(total, values[r]!);
    } else {
      const key = ctx.childKey[e]!;
      const sums = new Map<Key, T>();
      for (let r = 0; r < lm.size; r++) {
        if (alive[r] === 0) continue;
        const k = key(lm.rows, r * arity);
        const prev = sums.get(k);
        sums.set(k, prev === undefined ? values[r]! : ring.plus(prev, values[r]!));
      }
      message[e] = sums;
    }
  }
  return { value, message, total };
}

/**
 * Chooses one row among the candidates `rows[lo..hi)`, given every row's upward value and the
 * candidates' sum. Returns the chosen row.
 */
export type Pick<T> = (rows: Int32Array, lo: number, hi: number, values: readonly T[], sum: T) => number;

/** Row groups for a downward pass, built once and reused across many passes (e.g. many samples). */
export interface DownwardIndex {
  readonly root: Int32Array;
  readonly children: readonly (GroupIndex | undefined)[];
}

export function downwardIndex(ctx: TreeContext): DownwardIndex {
  const root = ctx.tree.order[0];
  return { root: root === undefined ? new Int32Array(0) : rootRows(ctx, root), children: childIndexes(ctx) };
}

/**
 * The downward pass: choose a root row, then for each child a row that agrees with its parent on
 * the separator. Returns the chosen row of every local model.
 */
export function downward<T>(
  ctx: TreeContext,
  up: Upward<T>,
  pick: Pick<T>,
  index: DownwardIndex,
): Int32Array {
  const { order, parent } = ctx.tree;
  const models = ctx.compiled.localModels;
  const chosen = new Int32Array(models.length);
  if (order.length === 0) return chosen;
  const root = order[0]!;
  chosen[root] = pick(index.root, 0, index.root.length, up.value[root]!, up.total);
  for (let i = 1; i < order.length; i++) {
    const e = order[i]!;
    const p = parent[e]!;
    const pm = models[p]!;
    const key = ctx.parentKey[e]!(pm.rows, chosen[p]! * pm.scope.length);
    const groups = index.children[e]!;
    // The parent's row has a non-zero value, so this child has rows under its key.
    const g = groups.group.get(key)!;
    chosen[e] = pick(
      groups.rows,
      groups.start[g]!,
      groups.start[g + 1]!,
      up.value[e]!,
      up.message[e]!.get(key)!,
    );
  }
  return chosen;
}
