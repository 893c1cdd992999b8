/**
 * Reference answers by brute force, for tests only: enumerate the full product of the declared
 * domains and filter. Written from the definitions, sharing no code with the algorithms under
 * test beyond the public data types, so that agreement means something.
 */
import type { Assignment } from "../assignment.js";
import type { Domain, Value } from "../domain.js";
import type { LocalModel } from "../local-model.js";
import type { WorldModel } from "../world-model.js";

export function valuesOf(domain: Domain): Value[] {
  switch (domain.kind) {
    case "boolean":
      return [false, true];
    case "enum":
      return [...domain.values];
    case "int":
      return Array.from({ length: domain.max - domain.min + 1 }, (_, i) => domain.min + i);
    case "real":
      throw new Error("brute force needs finite domains");
  }
}

/** Every full assignment of the declared domains (keep models small: this is the product). */
export function allAssignments(model: WorldModel, fixed: Assignment = {}): Assignment[] {
  let out: Record<string, Value>[] = [{}];
  for (const v of model.variables) {
    const values = Object.hasOwn(fixed, v.name) ? [fixed[v.name]!] : valuesOf(v.domain);
    const next: Record<string, Value>[] = [];
    for (const partial of out) for (const value of values) next.push({ ...partial, [v.name]: value });
    out = next;
  }
  return out;
}

function scope(m: LocalModel): string[] {
  return m.kind === "relation"
    ? [...m.variables]
    : m.kind === "table"
      ? [...m.inputs, m.output]
      : [...m.parents, m.child];
}

/** The weight a local model gives an assignment: its CPT probability, or 1/0 for tables and relations. */
export function weight(m: LocalModel, a: Assignment): number {
  const s = scope(m);
  const tuple = s.map((v) => a[v]);
  if (m.kind === "cpt") {
    const parents = tuple.slice(0, -1);
    const row = m.rows.find((r) => r.parents.every((p, i) => p === parents[i]));
    const entry = row?.distribution.find(([value]) => value === tuple[tuple.length - 1]);
    return entry?.[1] ?? 0;
  }
  return m.rows.some((r) => r.every((value, i) => value === tuple[i])) ? 1 : 0;
}

export function isSection(model: WorldModel, a: Assignment): boolean {
  return model.localModels.every((m) => weight(m, a) > 0);
}

export function bruteSections(model: WorldModel): Assignment[] {
  return allAssignments(model).filter((a) => isSection(model, a));
}

/** A canonical text for an assignment, for comparing sets of sections. */
export function sectionKey(a: Assignment): string {
  return JSON.stringify(
    Object.keys(a)
      .sort()
      .map((k) => [k, a[k]]),
  );
}

/** Every value that occurs anywhere in a model's rows, by variable: the active domains. */
export function activeValues(model: WorldModel): Map<string, Set<Value>> {
  const out = new Map(model.variables.map((v) => [v.name, new Set<Value>()]));
  for (const m of model.localModels) {
    const s = scope(m);
    if (m.kind === "cpt") {
      for (const r of m.rows) {
        r.parents.forEach((v, i) => {
          out.get(s[i]!)!.add(v);
        });
        for (const [v] of r.distribution) out.get(s[s.length - 1]!)!.add(v);
      }
    } else {
      for (const r of m.rows) {
        r.forEach((v, i) => {
          out.get(s[i]!)!.add(v);
        });
      }
    }
  }
  return out;
}

/**
 * predict by definition: intervene on the decisions (drop their CPTs and tables), give every
 * variable no remaining mechanism defines a uniform weight over its active values, multiply,
 * marginalise, normalise.
 */
export function brutePredict(
  model: WorldModel,
  decisions: Assignment,
  outcomes: readonly string[],
): { distribution: Map<string, number>; normalizer: number } {
  const decided = (v: string) => Object.hasOwn(decisions, v);
  const kept = model.localModels.filter(
    (m) => m.kind === "relation" || !decided(m.kind === "table" ? m.output : m.child),
  );
  const defined = new Set(
    kept.flatMap((m) => (m.kind === "table" ? [m.output] : m.kind === "cpt" ? [m.child] : [])),
  );
  const active = activeValues(model);
  const dist = new Map<string, number>();
  let total = 0;
  for (const a of allAssignments(model, decisions)) {
    let w = 1;
    for (const v of model.variables) {
      if (decided(v.name) || defined.has(v.name)) continue;
      const act = active.get(v.name)!;
      w *= act.has(a[v.name]!) ? 1 / act.size : 0;
    }
    for (const m of kept) w *= weight(m, a);
    if (w === 0) continue;
    total += w;
    const key = JSON.stringify(outcomes.map((o) => a[o]));
    dist.set(key, (dist.get(key) ?? 0) + w);
  }
  for (const [k, w] of dist) dist.set(k, w / total);
  return { distribution: dist, normalizer: total };
}

/** The least number of observed values that differ from some section; undefined without sections. */
export function bruteDistance(model: WorldModel, observation: Assignment): number | undefined {
  let best: number | undefined;
  for (const s of bruteSections(model)) {
    const d = Object.keys(observation).filter((k) => s[k] !== observation[k]).length;
    if (best === undefined || d < best) best = d;
  }
  return best;
}

/** Local models with no support row agreeing with the observation on their observed variables. */
export function bruteDisagreeing(model: WorldModel, observation: Assignment): string[] {
  return model.localModels
    .filter((m) => {
      const s = scope(m);
      const observed = s.filter((v) => Object.hasOwn(observation, v));
      if (observed.length === 0) return false;
      return !allAssignments(model, observation).some((a) => weight(m, a) > 0);
    })
    .map((m) => m.name);
}
