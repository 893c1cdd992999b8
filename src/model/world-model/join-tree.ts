/**
 * Join trees of world models, found by GYO reduction (Graham; Yu and Özsoyoğlu).
 *
 * The local models' scopes form a hypergraph. GYO repeatedly removes a variable that only one
 * scope mentions, and a scope contained in another (an *ear*, attached to the scope containing
 * it). The hypergraph is acyclic exactly when this empties it, and the attachments form a join
 * tree: every variable's scopes form a connected subtree (the running intersection property),
 * which is what lets local agreement along tree edges imply global agreement.
 */
import type { CompiledModel } from "./compiled-model.js";
import { compile } from "./compiled-model.js";
import type { WorldModel } from "./world-model.js";

/** A join tree over local-model indices. Disconnected parts hang under the root with empty separators. */
export interface CompiledJoinTree {
  /** Local-model indices in pre-order: the root first, every parent before its children. */
  readonly order: readonly number[];
  /** The parent of each local model, or -1 for the root. */
  readonly parent: Int32Array;
  /** The children of each local model. */
  readonly children: readonly (readonly number[])[];
  /** For each local model, the variables (indices, ascending) it shares with its parent. */
  readonly separator: readonly (readonly number[])[];
}

export type CompiledGyo =
  | { readonly kind: "acyclic"; readonly tree: CompiledJoinTree }
  | {
      readonly kind: "cyclic";
      /** What GYO could not remove: local-model indices and their remaining variables. */
      readonly remaining: readonly { readonly model: number; readonly variables: readonly number[] }[];
    };

/** The public form: names instead of indices. */
export type JoinTree =
  | {
      readonly kind: "acyclic";
      readonly root: string;
      /** One edge per non-root local model, in pre-order. */
      readonly edges: readonly {
        readonly child: string;
        readonly parent: string;
        readonly separator: readonly string[];
      }[];
    }
  | {
      readonly kind: "cyclic";
      /** The hyperedges left when GYO reduction got stuck: the cyclic core of the cover. */
      readonly remaining: readonly { readonly model: string; readonly variables: readonly string[] }[];
    };

/**
 * Whether a world model's cover is acyclic, with its join tree, or else the hyperedges that remain
 * after GYO reduction.
 *
 * @example
 * const t = joinTree(model);
 * if (t.kind === "cyclic") console.log("cyclic core:", t.remaining.map((e) => e.model));
 */
export function joinTree(model: WorldModel): JoinTree {
  const compiled = compile(model);
  const result = gyo(compiled);
  return result.kind === "acyclic"
    ? describeTree(compiled, result.tree)
    : describeCyclicCore(compiled, result.remaining);
}

export type AcyclicJoinTree = Extract<JoinTree, { kind: "acyclic" }>;
export type CyclicCore = Extract<JoinTree, { kind: "cyclic" }>;

/** The public form of a join tree: local-model and variable names. */
export function describeTree(compiled: CompiledModel, tree: CompiledJoinTree): AcyclicJoinTree {
  const names = compiled.localModels.map((m) => m.name);
  const varNames = compiled.variables.map((v) => v.name);
  return {
    kind: "acyclic",
    root: names[tree.order[0]!] ?? "",
    edges: tree.order.slice(1).map((m) => ({
      child: names[m]!,
      parent: names[tree.parent[m]!]!,
      separator: tree.separator[m]!.map((v) => varNames[v]!),
    })),
  };
}

/** The public form of what GYO could not reduce. */
export function describeCyclicCore(
  compiled: CompiledModel,
  remaining: Extract<CompiledGyo, { kind: "cyclic" }>["remaining"],
): CyclicCore {
  return {
    kind: "cyclic",
    remaining: remaining.map((e) => ({
      model: compiled.localModels[e.model]!.name,
      variables: e.variables.map((v) => compiled.variables[v]!.name),
    })),
  };
}

/**
 * GYO reduction with a work queue: each scope is re-examined only when one of its variables drops
 * to a single occurrence, so a tree-shaped cover reduces in time near-linear in its size.
 */
export function gyo(compiled: CompiledModel): CompiledGyo {
  const m = compiled.localModels.length;
  const cur = compiled.localModels.map((lm) => new Set(lm.scope));
  const occ = compiled.variables.map(() => new Set<number>());
  compiled.localModels.forEach((lm, e) => {
    for (const v of lm.scope) occ[v]!.add(e);
  });
  const alive = new Uint8Array(m).fill(1);
  const parent = new Int32Array(m).fill(-1);
  const roots: number[] = [];
  const queue: number[] = [];
  for (let e = m - 1; e >= 0; e--) queue.push(e);

  while (queue.length > 0) {
    const e = queue.pop()!;
    if (alive[e] === 0) continue;
    const vars = cur[e]!;
    for (const v of vars) {
      if (occ[v]!.size === 1) {
        vars.delete(v);
        occ[v]!.delete(e);
      }
    }
    if (vars.size === 0) {
      // Everything this scope shares has been reduced away: it is the last scope of its component.
      alive[e] = 0;
      roots.push(e);
      continue;
    }
    const witness = containingScope(e, vars, occ, cur, alive);
    if (witness < 0) continue;
    alive[e] = 0;
    parent[e] = witness;
    for (const v of vars) {
      const o = occ[v]!;
      o.delete(e);
      // The remaining scope now owns v alone: it may have become an ear.
      if (o.size === 1) queue.push(o.values().next().value!);
    }
  }

  const remaining: { model: number; variables: number[] }[] = [];
  for (let e = 0; e < m; e++)
    if (alive[e] === 1) remaining.push({ model: e, variables: [...cur[e]!].sort((a, b) => a - b) });
  if (remaining.length > 0) return { kind: "cyclic", remaining };

  // One tree: further components hang under the first root with an empty separator, which the
  // join-tree algorithms treat as a cross product.
  const root = roots[roots.length - 1];
  for (const r of roots) if (r !== root) parent[r] = root ?? -1;
  const children: number[][] = Array.from({ length: m }, () => []);
  for (let e = 0; e < m; e++) if (parent[e]! >= 0) children[parent[e]!]!.push(e);
  const separator = compiled.localModels.map((lm, e) => {
    const p = parent[e]!;
    if (p < 0) return [];
    // Original scopes suffice: a variable in both was never reduced away while both were alive.
    const other = new Set(compiled.localModels[p]!.scope);
    return lm.scope.filter((v) => other.has(v)).sort((a, b) => a - b);
  });
  const order: number[] = [];
  if (root !== undefined) {
    const stack = [root];
    while (stack.length > 0) {
      const e = stack.pop()!;
      order.push(e);
      const kids = children[e]!;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }
  return { kind: "acyclic", tree: { order, parent, children, separator } };
}

/** Another alive scope containing `vars`, or -1. Only scopes sharing the rarest variable can. */
function containingScope(
  e: number,
  vars: ReadonlySet<number>,
  occ: readonly Set<number>[],
  cur: readonly Set<number>[],
  alive: Uint8Array,
): number {
  let rarest = -1;
  for (const v of vars) if (rarest < 0 || occ[v]!.size < occ[rarest]!.size) rarest = v;
  for (const f of occ[rarest]!) {
    if (f === e || alive[f] === 0) continue;
    const other = cur[f]!;
    let contained = true;
    for (const v of vars)
      if (!other.has(v)) {
        contained = false;
        break;
      }
    if (contained) return f;
  }
  return -1;
}
