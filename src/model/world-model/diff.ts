/**
 * A legible diff between two versions of a world model: what an overseer reviews when an
 * optimizer's world model changes. The diff is data (for detectors and the console) and renders to
 * plain text (for people and the CLI).
 */
import { compile } from "./compiled-model.js";
import { domainsEqual, formatDomain, type Value } from "./domain.js";
import { asRelation, type CptModel, type LocalModel, type Row, scopeOf } from "./local-model.js";
import type { Variable } from "./variable.js";
import type { WorldModel } from "./world-model.js";

export interface VariableChange {
  readonly name: string;
  readonly before: Variable;
  readonly after: Variable;
  readonly domainChanged: boolean;
  readonly tagsAdded: readonly string[];
  readonly tagsRemoved: readonly string[];
}

export interface ProbabilityChange {
  /** The parent values of the CPT row, in the order of the model's parents. */
  readonly parents: Row;
  readonly value: Value;
  /** Probabilities, 0 where the value was not listed. */
  readonly before: number;
  readonly after: number;
}

export interface LocalModelChange {
  readonly name: string;
  readonly kind: { readonly before: LocalModel["kind"]; readonly after: LocalModel["kind"] };
  readonly description: { readonly before: string; readonly after: string } | undefined;
  /** The model's variables (inputs then output, parents then child), when they changed. */
  readonly scope: { readonly before: readonly string[]; readonly after: readonly string[] } | undefined;
  /**
   * What the rows below are over. For relations and tables, and for any model whose kind or variables
   * changed, rows are support tuples over the after-version's variables. For a CPT that stayed a CPT
   * over the same parents and child, rows are parent assignments (CPT rows added or removed), and
   * `probabilitiesChanged` lists the changes inside rows present in both versions.
   */
  readonly columns: readonly string[];
  /** What `rowsRemoved` is over: `columns`, unless the model's variables changed (then the old ones). */
  readonly removedColumns: readonly string[];
  readonly rowsAdded: readonly Row[];
  readonly rowsRemoved: readonly Row[];
  /** The CPT's child, when `probabilitiesChanged` applies. */
  readonly child: string | undefined;
  readonly probabilitiesChanged: readonly ProbabilityChange[];
}

export interface WorldModelDiff {
  readonly name: { readonly before: string; readonly after: string };
  readonly variablesAdded: readonly Variable[];
  readonly variablesRemoved: readonly Variable[];
  readonly variablesChanged: readonly VariableChange[];
  readonly localModelsAdded: readonly LocalModel[];
  readonly localModelsRemoved: readonly LocalModel[];
  readonly localModelsChanged: readonly LocalModelChange[];
}

/**
 * Compare two versions of a world model. Local models are matched by name, variables by name.
 *
 * @example
 * const d = diffWorldModels(v1, v2);
 * console.log(renderWorldModelDiff(d));
 */
export function diffWorldModels(before: WorldModel, after: WorldModel): WorldModelDiff {
  const a = compile(before, "before").model;
  const b = compile(after, "after").model;
  const varsA = new Map(a.variables.map((v) => [v.name, v]));
  const varsB = new Map(b.variables.map((v) => [v.name, v]));
  const variablesChanged: VariableChange[] = [];
  for (const v of b.variables) {
    const old = varsA.get(v.name);
    if (old === undefined) continue;
    const domainChanged = !domainsEqual(old.domain, v.domain);
    const tagsAdded = v.tags.filter((t) => !old.tags.includes(t));
    const tagsRemoved = old.tags.filter((t) => !v.tags.includes(t));
    if (domainChanged || tagsAdded.length > 0 || tagsRemoved.length > 0)
      variablesChanged.push({ name: v.name, before: old, after: v, domainChanged, tagsAdded, tagsRemoved });
  }
  const modelsA = new Map(a.localModels.map((m) => [m.name, m]));
  const modelsB = new Map(b.localModels.map((m) => [m.name, m]));
  const localModelsChanged: LocalModelChange[] = [];
  for (const m of b.localModels) {
    const old = modelsA.get(m.name);
    if (old === undefined) continue;
    const change = diffLocalModel(old, m);
    if (change !== undefined) localModelsChanged.push(change);
  }
  return {
    name: { before: a.name, after: b.name },
    variablesAdded: b.variables.filter((v) => !varsA.has(v.name)),
    variablesRemoved: a.variables.filter((v) => !varsB.has(v.name)),
    variablesChanged,
    localModelsAdded: b.localModels.filter((m) => !modelsA.has(m.name)),
    localModelsRemoved: a.localModels.filter((m) => !modelsB.has(m.name)),
    localModelsChanged,
  };
}

/**
 * Whether a diff records no change at all (a renamed world model counts as a change).
 *
 * @example isEmptyDiff(diffWorldModels(m, m)) === true
 */
export function isEmptyDiff(diff: WorldModelDiff): boolean {
  return (
    diff.name.before === diff.name.after &&
    diff.variablesAdded.length === 0 &&
    diff.variablesRemoved.length === 0 &&
    diff.variablesChanged.length === 0 &&
    diff.localModelsAdded.length === 0 &&
    diff.localModelsRemoved.length === 0 &&
    diff.localModelsChanged.length === 0
  );
}

/** Row identity for set comparison; values are JSON primitives, so this is exact. */
const rowId = (row: Row) => JSON.stringify(row);

function diffLocalModel(before: LocalModel, after: LocalModel): LocalModelChange | undefined {
  const scopeBefore = scopeOf(before);
  const scopeAfter = scopeOf(after);
  const sameScope =
    scopeBefore.length === scopeAfter.length && scopeBefore.every((v, i) => v === scopeAfter[i]);
  const description =
    before.description === after.description
      ? undefined
      : { before: before.description, after: after.description };
  const kind = { before: before.kind, after: after.kind };
  const scope = sameScope ? undefined : { before: scopeBefore, after: scopeAfter };

  let columns: readonly string[] = scopeAfter;
  let removedColumns: readonly string[] = scopeAfter;
  let rows: { added: Row[]; removed: Row[] };
  let child: string | undefined;
  let probabilitiesChanged: ProbabilityChange[] = [];
  if (before.kind === "cpt" && after.kind === "cpt" && sameScope) {
    columns = after.parents;
    removedColumns = after.parents;
    child = after.child;
    const cpt = diffCpt(before, after);
    rows = cpt.rows;
    probabilitiesChanged = cpt.changes;
  } else if (scopeBefore.length === scopeAfter.length && scopeAfter.every((v) => scopeBefore.includes(v))) {
    // Same variables, perhaps in another order or another kind: compare supports column by column.
    const cols = scopeAfter.map((v) => scopeBefore.indexOf(v));
    const reordered = asRelation(before).rows.map((r) => cols.map((c) => r[c]!));
    rows = diffRows(reordered, asRelation(after).rows);
  } else {
    // Different variables: no row can be matched, so the whole support is replaced.
    removedColumns = scopeBefore;
    rows = { added: [...asRelation(after).rows], removed: [...asRelation(before).rows] };
  }
  const unchanged =
    description === undefined &&
    kind.before === kind.after &&
    scope === undefined &&
    rows.added.length === 0 &&
    rows.removed.length === 0 &&
    probabilitiesChanged.length === 0;
  if (unchanged) return undefined;
  return {
    name: after.name,
    kind,
    description,
    scope,
    columns,
    removedColumns,
    rowsAdded: rows.added,
    rowsRemoved: rows.removed,
    child,
    probabilitiesChanged,
  };
}

function diffRows(before: readonly Row[], after: readonly Row[]): { added: Row[]; removed: Row[] } {
  const idsBefore = new Set(before.map(rowId));
  const idsAfter = new Set(after.map(rowId));
  return {
    added: after.filter((r) => !idsBefore.has(rowId(r))),
    removed: before.filter((r) => !idsAfter.has(rowId(r))),
  };
}

function diffCpt(
  before: CptModel,
  after: CptModel,
): { rows: { added: Row[]; removed: Row[] }; changes: ProbabilityChange[] } {
  const rowsBefore = new Map(before.rows.map((r) => [rowId(r.parents), r]));
  const rowsAfter = new Map(after.rows.map((r) => [rowId(r.parents), r]));
  const changes: ProbabilityChange[] = [];
  for (const r of after.rows) {
    const old = rowsBefore.get(rowId(r.parents));
    if (old === undefined) continue;
    const pBefore = new Map(old.distribution.map(([v, p]) => [rowId([v]), p]));
    const pAfter = new Map(r.distribution.map(([v, p]) => [rowId([v]), p]));
    const values = [...old.distribution.map(([v]) => v), ...r.distribution.map(([v]) => v)];
    const seen = new Set<string>();
    for (const value of values) {
      const id = rowId([value]);
      if (seen.has(id)) continue;
      seen.add(id);
      const p0 = pBefore.get(id) ?? 0;
      const p1 = pAfter.get(id) ?? 0;
      if (p0 !== p1) changes.push({ parents: r.parents, value, before: p0, after: p1 });
    }
  }
  return {
    rows: {
      added: after.rows.filter((r) => !rowsBefore.has(rowId(r.parents))).map((r) => r.parents),
      removed: before.rows.filter((r) => !rowsAfter.has(rowId(r.parents))).map((r) => r.parents),
    },
    changes,
  };
}

/**
 * Render a diff as plain text for people: `+` added, `-` removed, `~` changed.
 *
 * @example
 * renderWorldModelDiff(diffWorldModels(v1, v2))
 * // world model garden
 * // ~ local model rain-wets (relation)
 * //     + rain=false, soil=wet
 */
export function renderWorldModelDiff(diff: WorldModelDiff): string {
  const lines: string[] = [];
  lines.push(
    diff.name.before === diff.name.after
      ? `world model ${diff.name.after}`
      : `world model ${diff.name.before} -> ${diff.name.after}`,
  );
  const tags = (v: Variable) => (v.tags.length > 0 ? ` [${v.tags.join(", ")}]` : "");
  for (const v of diff.variablesAdded)
    lines.push(`+ variable ${v.name}: ${formatDomain(v.domain)}${tags(v)}`);
  for (const v of diff.variablesRemoved)
    lines.push(`- variable ${v.name}: ${formatDomain(v.domain)}${tags(v)}`);
  for (const c of diff.variablesChanged) {
    const parts: string[] = [];
    if (c.domainChanged)
      parts.push(`domain ${formatDomain(c.before.domain)} -> ${formatDomain(c.after.domain)}`);
    if (c.tagsAdded.length > 0) parts.push(`tags added ${c.tagsAdded.join(", ")}`);
    if (c.tagsRemoved.length > 0) parts.push(`tags removed ${c.tagsRemoved.join(", ")}`);
    lines.push(`~ variable ${c.name}: ${parts.join("; ")}`);
  }
  for (const m of diff.localModelsAdded) {
    lines.push(`+ local model ${m.name} (${m.kind}, ${m.rows.length} rows): ${m.description}`);
  }
  for (const m of diff.localModelsRemoved) {
    lines.push(`- local model ${m.name} (${m.kind}, ${m.rows.length} rows): ${m.description}`);
  }
  for (const c of diff.localModelsChanged) {
    lines.push(
      `~ local model ${c.name} (${c.kind.before === c.kind.after ? c.kind.after : `${c.kind.before} -> ${c.kind.after}`})`,
    );
    if (c.description !== undefined)
      lines.push(
        `    description: ${JSON.stringify(c.description.before)} -> ${JSON.stringify(c.description.after)}`,
      );
    if (c.scope !== undefined)
      lines.push(`    variables: (${c.scope.before.join(", ")}) -> (${c.scope.after.join(", ")})`);
    const shown = (row: Row, columns = c.columns) =>
      row.map((v, i) => `${columns[i] ?? `#${i}`}=${String(v)}`).join(", ");
    const what = c.child === undefined ? "" : "row for ";
    for (const r of c.rowsAdded) lines.push(`    + ${what}${shown(r) || "(no parents)"}`);
    for (const r of c.rowsRemoved) lines.push(`    - ${what}${shown(r, c.removedColumns) || "(no parents)"}`);
    for (const p of c.probabilitiesChanged) {
      const given = p.parents.length === 0 ? "" : ` | ${shown(p.parents)}`;
      lines.push(`    P(${c.child}=${String(p.value)}${given}): ${p.before} -> ${p.after}`);
    }
  }
  if (lines.length === 1) lines.push("  no changes");
  return `${lines.join("\n")}\n`;
}
