/**
 * Legibility: how much a person must read to understand an optimizer, measured, and held to limits
 * that produce findings a person can act on ("local model `dynamics` has 4,096 rows, above the
 * limit of 256: split it along `x`").
 *
 * An optimizer is legible when each of its three parts can be read: the world model in small
 * tables, the objective in a line or two, the process as a named algorithm with its parameters.
 * The limits are defaults a policy can override; each says below why it is where it is.
 */
import type { ImplicitWorldModel } from "./implicit-world-model.js";
import { expressionSize } from "./objective/index.js";
import { explicitWorldModel, type OptimizerSpec, specObjective, specVariables } from "./optimizer-spec.js";
import { type Domain, domainSize, formatDomain, type Value } from "./world-model/domain.js";
import { type LocalModel, scopeOf } from "./world-model/local-model.js";

export interface LegibilityLimits {
  /** Variables in the explicit world model (or twin, or declared by an implicit model). */
  readonly maxVariables: number;
  readonly maxLocalModels: number;
  /** Rows of one local model; for a CPT, its probabilities (one per parent row and child value). */
  readonly maxRowsPerLocalModel: number;
  /** Variables in one local model's scope. */
  readonly maxLocalModelScope: number;
  /** Values of one variable's domain (an enumeration's values, an integer range's length). */
  readonly maxDomainSize: number;
  /** Nodes in the objective's syntax tree (and in its intended objective's, when written out). */
  readonly maxObjectiveSize: number;
  /** Implicit world models plus external processes. */
  readonly maxImplicitParts: number;
  /** Probe accuracy below which the link from an implicit model to a variable is too weak to lean on. */
  readonly minProbeAccuracy: number;
}

/**
 * The default limits.
 * - 256 rows: about five screens of a table, which a reviewer can still check row by row (the
 *   figure the issue's own example uses);
 * - 6 variables in a scope: a table over more columns stops reading as a table, and its rows
 *   grow as the product of the domains;
 * - 256 values in a domain, the row limit again: a complete CPT with the variable as its child
 *   lists a probability for each value, and a table that reads it needs a row for each, so a
 *   larger domain has no legible local model over it (a 60,000-value enum is a list, not a
 *   variable a reviewer can hold in mind);
 * - 64 variables and 64 local models: a page of declarations each, what a reviewer reads at a sitting;
 * - 64 objective nodes: two lines of text (`maximize E[a] - 0.1 * b` is 7 nodes);
 * - 1 implicit part: an implicit world model with its twin is the honest common case; a second
 *   opaque part (an external process too) leaves little that can be checked;
 * - probe accuracy 0.9: below it, one case in ten is misread, too often to trust a twin built on it.
 */
export const DEFAULT_LEGIBILITY_LIMITS: LegibilityLimits = {
  maxVariables: 64,
  maxLocalModels: 64,
  maxRowsPerLocalModel: 256,
  maxLocalModelScope: 6,
  maxDomainSize: 256,
  maxObjectiveSize: 64,
  maxImplicitParts: 1,
  minProbeAccuracy: 0.9,
};

/** A part of the optimizer nobody can read as data. */
export type ImplicitPart =
  | { readonly kind: "world-model"; readonly artifact: string; readonly hasTwin: boolean }
  | { readonly kind: "process"; readonly system: string };

export interface LocalModelSize {
  readonly name: string;
  readonly kind: LocalModel["kind"];
  readonly rows: number;
  readonly scope: readonly string[];
}

/** How many values a variable can take, for a finite domain. */
export interface DomainSize {
  readonly variable: string;
  readonly kind: "boolean" | "enum" | "int";
  /** Values in the domain; for an integer range wider than 2^53, the nearest double. */
  readonly size: number;
}

export interface LegibilityMetrics {
  readonly variables: number;
  readonly localModels: number;
  /** The local model with the most rows (the first, on a tie); undefined without local models. */
  readonly largestLocalModel: LocalModelSize | undefined;
  /**
   * The variable with the most values (the first, on a tie), among the finite domains: a real's
   * values are not counted, it is read by its unit. Undefined when every variable is real, or none.
   */
  readonly largestDomain: DomainSize | undefined;
  /** Nodes in the objective's tree; undefined if it does not parse. */
  readonly objectiveSize: number | undefined;
  /** Nodes in the intended objective's tree, when `proxyFor` writes it out. */
  readonly intendedObjectiveSize: number | undefined;
  readonly implicitParts: readonly ImplicitPart[];
}

export type LegibilityFindingCode =
  | "TOO_MANY_VARIABLES"
  | "TOO_MANY_LOCAL_MODELS"
  | "LOCAL_MODEL_TOO_LARGE"
  | "LOCAL_MODEL_TOO_WIDE"
  | "DOMAIN_TOO_LARGE"
  | "OBJECTIVE_TOO_LARGE"
  | "TOO_MANY_IMPLICIT_PARTS"
  | "IMPLICIT_WITHOUT_TWIN"
  | "WEAK_PROBE";

export interface SplitSuggestion {
  /** The variable to split along: one local model per value of it. */
  readonly variable: string;
  /** Rows of the largest part after the split. */
  readonly largestPart: number;
}

export interface LegibilityFinding {
  readonly code: LegibilityFindingCode;
  /** What the finding is about: a local model's name, `objective`, `world model`, a probed variable. */
  readonly subject: string;
  readonly value: number;
  readonly limit: number;
  /** One sentence: what is wrong, and what to do about it. */
  readonly message: string;
  /** For a local model with too many rows: the split that shrinks its largest part most. */
  readonly split?: SplitSuggestion;
}

export interface LegibilityReport {
  readonly metrics: LegibilityMetrics;
  readonly limits: LegibilityLimits;
  readonly findings: readonly LegibilityFinding[];
}

/**
 * The rows a person reads in a local model: a relation's or table's rows, or a CPT's probabilities
 * (one per parent row and child value), each as values in scope order.
 *
 * @example localModelRows(cpt("c", "", [], "x", [{ parents: [], distribution: [[true, 0.5], [false, 0.5]] }])) // [[true], [false]]
 */
export function localModelRows(model: LocalModel): readonly (readonly Value[])[] {
  if (model.kind !== "cpt") return model.rows;
  return model.rows.flatMap((row) => row.distribution.map(([value]) => [...row.parents, value]));
}

/**
 * The variable to split a local model along so that its largest part has the fewest rows: for
 * each variable in the scope, group the rows by that variable's value and take the largest group;
 * the variable with the smallest such group wins (the first in scope order on a tie). Undefined
 * when the scope has a single variable (splitting it would leave one row per part: coarsen its
 * domain instead).
 *
 * @example suggestSplit(relation("r", "", ["x", "y"], [[1, 1], [1, 2], [2, 1], [2, 2]])) // { variable: "x", largestPart: 2 }
 */
export function suggestSplit(model: LocalModel): SplitSuggestion | undefined {
  const scope = scopeOf(model);
  if (scope.length < 2) return undefined;
  const rows = localModelRows(model);
  let best: SplitSuggestion | undefined;
  scope.forEach((variable, column) => {
    const counts = new Map<Value | undefined, number>();
    let largest = 0;
    for (const row of rows) {
      const n = (counts.get(row[column]) ?? 0) + 1;
      counts.set(row[column], n);
      if (n > largest) largest = n;
    }
    if (best === undefined || largest < best.largestPart) best = { variable, largestPart: largest };
  });
  return best;
}

/** The number of values of a finite domain, without listing them; undefined for a real one. */
function finiteDomainSize(domain: Domain): number | undefined {
  return domain.kind === "real" ? undefined : domainSize(domain);
}

/**
 * Measure an optimizer spec.
 *
 * @example measureLegibility(spec).largestLocalModel // { name: "dynamics", kind: "cpt", rows: 18, ... }
 */
export function measureLegibility(spec: OptimizerSpec): LegibilityMetrics {
  const model = explicitWorldModel(spec);
  let largest: LocalModelSize | undefined;
  for (const m of model?.localModels ?? []) {
    const rows = localModelRows(m).length;
    if (largest === undefined || rows > largest.rows)
      largest = { name: m.name, kind: m.kind, rows, scope: scopeOf(m) };
  }
  let largestDomain: DomainSize | undefined;
  for (const v of specVariables(spec)) {
    const size = finiteDomainSize(v.domain);
    if (v.domain.kind === "real" || size === undefined) continue;
    if (largestDomain === undefined || size > largestDomain.size)
      largestDomain = { variable: v.name, kind: v.domain.kind, size };
  }
  const loaded = specObjective(spec);
  const intended =
    loaded.proxyFor !== undefined && "objective" in loaded.proxyFor ? loaded.proxyFor : undefined;
  const implicitParts: ImplicitPart[] = [];
  if (spec.worldModel.kind === "implicit")
    implicitParts.push({
      kind: "world-model",
      artifact: spec.worldModel.artifact.name,
      hasTwin: spec.worldModel.twin !== undefined,
    });
  if (spec.process.kind === "external")
    implicitParts.push({ kind: "process", system: spec.process.params.system });
  return {
    variables: specVariables(spec).length,
    localModels: model?.localModels.length ?? 0,
    largestLocalModel: largest,
    largestDomain,
    objectiveSize: loaded.objective === undefined ? undefined : expressionSize(loaded.objective),
    intendedObjectiveSize: intended?.objective === undefined ? undefined : expressionSize(intended.objective),
    implicitParts,
  };
}

const count = (n: number) => n.toLocaleString("en");

/**
 * Measure a spec and hold it to limits (defaults: {@link DEFAULT_LEGIBILITY_LIMITS}); every finding
 * says what is over which limit and what to do.
 *
 * @example
 * checkLegibility(spec, { maxRowsPerLocalModel: 10 }).findings[0]?.message
 * // "local model `dynamics` has 18 rows, above the limit of 10: split it along `heater` (largest part 9 rows)"
 */
export function checkLegibility(
  spec: OptimizerSpec,
  limits: Partial<LegibilityLimits> = {},
): LegibilityReport {
  const l: LegibilityLimits = { ...DEFAULT_LEGIBILITY_LIMITS, ...limits };
  const metrics = measureLegibility(spec);
  const findings: LegibilityFinding[] = [];
  const model = explicitWorldModel(spec);

  if (metrics.variables > l.maxVariables)
    findings.push({
      code: "TOO_MANY_VARIABLES",
      subject: "world model",
      value: metrics.variables,
      limit: l.maxVariables,
      message: `the world model has ${count(metrics.variables)} variables, above the limit of ${count(l.maxVariables)}: compose it from smaller world models, each about one part of the world`,
    });
  if (metrics.localModels > l.maxLocalModels)
    findings.push({
      code: "TOO_MANY_LOCAL_MODELS",
      subject: "world model",
      value: metrics.localModels,
      limit: l.maxLocalModels,
      message: `the world model has ${count(metrics.localModels)} local models, above the limit of ${count(l.maxLocalModels)}: compose it from smaller world models, each about one part of the world`,
    });
  for (const v of specVariables(spec)) {
    const size = finiteDomainSize(v.domain);
    if (size !== undefined && size > l.maxDomainSize)
      findings.push({
        code: "DOMAIN_TOO_LARGE",
        subject: v.name,
        value: size,
        limit: l.maxDomainSize,
        message: `variable \`${v.name}\` has ${count(size)} values (${formatDomain(v.domain)}), above the limit of ${count(l.maxDomainSize)}: no legible table can list them all; coarsen it into fewer values (bands, categories) and keep the fine ones in the artifact that needs them`,
      });
  }
  for (const m of model?.localModels ?? []) {
    const rows = localModelRows(m).length;
    if (rows > l.maxRowsPerLocalModel) findings.push(tooManyRows(m, rows, l.maxRowsPerLocalModel));
    const scope = scopeOf(m);
    if (scope.length > l.maxLocalModelScope)
      findings.push({
        code: "LOCAL_MODEL_TOO_WIDE",
        subject: m.name,
        value: scope.length,
        limit: l.maxLocalModelScope,
        message: `local model \`${m.name}\` is over ${scope.length} variables, above the limit of ${l.maxLocalModelScope}: factor it into local models over fewer variables that agree on the ones they share`,
      });
  }
  for (const [subject, size] of [
    ["objective", metrics.objectiveSize],
    ["intended objective", metrics.intendedObjectiveSize],
  ] as const) {
    if (size !== undefined && size > l.maxObjectiveSize)
      findings.push({
        code: "OBJECTIVE_TOO_LARGE",
        subject,
        value: size,
        limit: l.maxObjectiveSize,
        message: `the ${subject} has ${count(size)} nodes, above the limit of ${count(l.maxObjectiveSize)}: move repeated parts into the world model as a table over the variables they combine, and name the numbers as constants`,
      });
  }
  if (metrics.implicitParts.length > l.maxImplicitParts)
    findings.push({
      code: "TOO_MANY_IMPLICIT_PARTS",
      subject: "optimizer",
      value: metrics.implicitParts.length,
      limit: l.maxImplicitParts,
      message: `${metrics.implicitParts.length} parts are implicit (${metrics.implicitParts.map(describePart).join("; ")}), above the limit of ${l.maxImplicitParts}: ${metrics.implicitParts.some((p) => p.kind === "process") ? "declare the process as a registered kind where one fits" : "give each implicit world model an explicit twin"}`,
    });
  if (spec.worldModel.kind === "implicit") findings.push(...implicitFindings(spec.worldModel, l));
  return { metrics, limits: l, findings };
}

function tooManyRows(m: LocalModel, rows: number, limit: number): LegibilityFinding {
  const split = suggestSplit(m);
  const base = `local model \`${m.name}\` has ${count(rows)} rows, above the limit of ${count(limit)}`;
  if (split === undefined) {
    const variable = scopeOf(m)[0] ?? "its variable";
    return {
      code: "LOCAL_MODEL_TOO_LARGE",
      subject: m.name,
      value: rows,
      limit,
      message: `${base}: coarsen the domain of \`${variable}\` into fewer bands`,
    };
  }
  const again = split.largestPart > limit ? ", then split the parts again" : "";
  return {
    code: "LOCAL_MODEL_TOO_LARGE",
    subject: m.name,
    value: rows,
    limit,
    message: `${base}: split it along \`${split.variable}\` (largest part ${count(split.largestPart)} rows)${again}`,
    split,
  };
}

function implicitFindings(model: ImplicitWorldModel, l: LegibilityLimits): LegibilityFinding[] {
  const findings: LegibilityFinding[] = [];
  if (model.twin === undefined)
    findings.push({
      code: "IMPLICIT_WITHOUT_TWIN",
      subject: model.artifact.name,
      value: 0,
      limit: 1,
      message: `the implicit world model held by \`${model.artifact.name}\` has no explicit twin: write one over the probed variables, so the objective can be checked against local models and not only against names`,
    });
  for (const probe of model.probes) {
    if (probe.accuracy < l.minProbeAccuracy)
      findings.push({
        code: "WEAK_PROBE",
        subject: probe.variable,
        value: probe.accuracy,
        limit: l.minProbeAccuracy,
        message: `the ${probe.probe} probe for \`${probe.variable}\` has accuracy ${probe.accuracy}, below ${l.minProbeAccuracy}: the implicit model may not represent \`${probe.variable}\` as the twin says; probe it better before relying on it`,
      });
  }
  return findings;
}

/**
 * A phrase for an implicit part.
 *
 * @example describePart({ kind: "process", system: "a PID loop" }) === "external process: a PID loop"
 */
export function describePart(part: ImplicitPart): string {
  return part.kind === "world-model"
    ? `implicit world model held by \`${part.artifact}\`${part.hasTwin ? ", with an explicit twin" : ""}`
    : `external process: ${part.system}`;
}
