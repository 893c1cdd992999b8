/**
 * The checked, encoded form of a world model that every operation works on.
 *
 * One pass over the input both finds every problem and encodes the rows: each value becomes a
 * small integer code in its variable's *active domain* (the values that occur in some row, in
 * order of first appearance), and each local model's support becomes a flat `Int32Array`. Since
 * every variable is covered by some local model, a global section only ever uses active values,
 * so nothing is lost, and real-valued variables work like any other.
 */
import { type CptGap, cptGap } from "./cpt-completeness.js";
import type { Domain, Value } from "./domain.js";
import { domainContains, domainsEqual, formatDomain } from "./domain.js";
import type { LocalModel } from "./local-model.js";
import { keyFunction } from "./row-key.js";
import type { WorldModel } from "./world-model.js";
import { preview, WorldModelError, type WorldModelErrorCode } from "./world-model-error.js";
import { checkShape, WORLD_MODEL_LIMITS, type WorldModelShape } from "./world-model-schema.js";

/** CPT rows must sum to 1 within this: far above the rounding of a short float sum, far below any probability a person writes. */
export const CPT_SUM_TOLERANCE = 1e-9;

export interface CompiledVariable {
  readonly name: string;
  readonly domain: Domain;
  readonly tags: readonly string[];
  /** The active domain: values in order of first appearance; `values[code]` decodes a code. */
  readonly values: Value[];
  /** Encodes a value; absent means the value occurs in no row. */
  readonly codes: Map<Value, number>;
}

export interface CompiledLocalModel {
  readonly index: number;
  readonly name: string;
  readonly kind: LocalModel["kind"];
  /** Variable indices in column order (for tables and CPTs the output/child is last). */
  readonly scope: readonly number[];
  /** Number of support rows. */
  readonly size: number;
  /** Support rows, row-major: `rows[r * scope.length + c]` is the code of column c in row r. */
  readonly rows: Int32Array;
  /** For a CPT, the probability of each support row; otherwise every support row weighs 1. */
  readonly weights: Float64Array | undefined;
  /** Whether this model is a mechanism for its last variable (a table or CPT), not just a constraint. */
  readonly isMechanism: boolean;
}

export interface CompiledModel {
  readonly model: WorldModel;
  readonly variables: readonly CompiledVariable[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly localModels: readonly CompiledLocalModel[];
}

export interface Analysis {
  readonly problems: WorldModelError[];
  readonly compiled: CompiledModel | undefined;
}

export interface ValidateWorldModelOptions {
  /**
   * Refuse a CPT that does not give a distribution for every combination of its parents' values
   * (`CPT_ROWS_MISSING`). Off by default: a world model built in code may list only some parent
   * rows, and then the others are outside its support (declared impossible, see `local-model.ts`);
   * the gridworld agents' learned models do this for the state-action pairs they never tried.
   * Specs, which people review, ask for it (`spec/load-spec.ts`).
   */
  readonly requireCompleteCpts?: boolean;
}

/**
 * Check a world model and encode it. Without `throwOnProblems` it returns the problems; with it,
 * it throws the first one (carrying them all in `problems`).
 */
export function compileWorldModel(
  input: unknown,
  options?: { throwOnProblems?: boolean } & ValidateWorldModelOptions,
): Analysis {
  const shape = checkShape(input);
  const analysis = shape.ok
    ? analyse(shape.shape, {
        requireCompleteCpts: options?.requireCompleteCpts === true,
        badDomains: new Set(),
      })
    : { problems: shape.problems, compiled: undefined };
  if (options?.throwOnProblems && analysis.problems.length > 0)
    throw WorldModelError.fromProblems(analysis.problems);
  return analysis;
}

/**
 * The compiled form of a world model, throwing if it is invalid. Operations call this on entry,
 * so a model built by hand (or mutated) is checked before any algorithm trusts it. `within`
 * prefixes error paths when the model is one argument of several (`second.localModels[1]`).
 */
export function compile(model: WorldModel, within?: string): CompiledModel {
  try {
    return compileWorldModel(model, { throwOnProblems: true }).compiled!;
  } catch (e) {
    throw within !== undefined && e instanceof WorldModelError ? e.within(within) : e;
  }
}

/** Collects problems up to the limit, so a hostile model cannot make us build a million errors. */
class Problems {
  readonly list: WorldModelError[] = [];
  add(code: WorldModelErrorCode, path: string, message: string): void {
    if (this.list.length < WORLD_MODEL_LIMITS.problems)
      this.list.push(new WorldModelError(code, message, { path }));
  }
  get full(): boolean {
    return this.list.length >= WORLD_MODEL_LIMITS.problems;
  }
}

/** What the per-model passes need to know beyond the model itself. */
interface Context {
  readonly requireCompleteCpts: boolean;
  /** Variables whose domain has a problem: counting their values would only repeat it. */
  readonly badDomains: Set<number>;
}

function analyse(shape: WorldModelShape, context: Context): Analysis {
  const problems = new Problems();
  const variables: CompiledVariable[] = [];
  const indexOf = new Map<string, number>();

  shape.variables.forEach((v, i) => {
    if (indexOf.has(v.name)) {
      problems.add("DUPLICATE_VARIABLE", `variables[${i}].name`, `variable ${v.name} is declared twice`);
      return;
    }
    if (!checkDomain(v.domain, `variables[${i}].domain`, problems)) context.badDomains.add(variables.length);
    indexOf.set(v.name, variables.length);
    variables.push({ name: v.name, domain: v.domain, tags: v.tags, values: [], codes: new Map() });
  });

  shape.variables.forEach((v, i) => {
    if (v.nextOf === undefined) return;
    const at = `variables[${i}].nextOf`;
    const state = shape.variables[indexOf.get(v.nextOf) ?? -1];
    if (state === undefined)
      problems.add("UNKNOWN_VARIABLE", at, `expected a declared state variable, got ${preview(v.nextOf)}`);
    else if (v.nextOf === v.name)
      problems.add("NEXT_OF_INVALID", at, `expected another variable than ${v.name} itself`);
    else if (!domainsEqual(state.domain, v.domain))
      problems.add(
        "NEXT_OF_INVALID",
        at,
        `expected ${v.name} to have the domain of ${state.name}, ${formatDomain(state.domain)}, got ${formatDomain(v.domain)}`,
      );
  });

  const modelNames = new Set<string>();
  shape.localModels.forEach((m, i) => {
    if (modelNames.has(m.name))
      problems.add(
        "DUPLICATE_LOCAL_MODEL",
        `localModels[${i}].name`,
        `local model ${m.name} is declared twice`,
      );
    modelNames.add(m.name);
  });

  // Bound the total before touching any row (see WORLD_MODEL_LIMITS).
  let totalRows = 0;
  for (const m of shape.localModels) {
    totalRows += m.kind === "cpt" ? m.rows.reduce((n, r) => n + r.distribution.length, 0) : m.rows.length;
  }
  if (totalRows > WORLD_MODEL_LIMITS.totalRows) {
    problems.add(
      "TOO_LARGE",
      "localModels",
      `expected at most ${WORLD_MODEL_LIMITS.totalRows} rows in all local models, got ${totalRows}`,
    );
    return { problems: problems.list, compiled: undefined };
  }

  const covered = new Uint8Array(variables.length);
  const localModels: CompiledLocalModel[] = [];
  shape.localModels.forEach((m, i) => {
    if (problems.full) return;
    const compiled = compileLocalModel(m, i, variables, indexOf, problems, context);
    if (compiled === undefined) return;
    for (const v of compiled.scope) covered[v] = 1;
    localModels.push(compiled);
  });

  // Coverage is only meaningful when every scope resolved; an unknown name already explains the gap.
  if (localModels.length === shape.localModels.length) {
    variables.forEach((v, i) => {
      if (covered[i] === 0)
        problems.add("VARIABLE_NOT_COVERED", `variables[${i}]`, `no local model mentions variable ${v.name}`);
    });
  }

  if (problems.list.length > 0) return { problems: problems.list, compiled: undefined };
  return { problems: [], compiled: { model: shape as WorldModel, variables, indexOf, localModels } };
}

/** Records the domain's problems; true when it has none. */
function checkDomain(domain: Domain, path: string, problems: Problems): boolean {
  let ok = true;
  if (domain.kind === "enum") {
    if (domain.values.length === 0) {
      problems.add("DOMAIN_INVALID", `${path}.values`, "expected at least one value");
      ok = false;
    }
    const seen = new Set<string>();
    domain.values.forEach((value, j) => {
      if (seen.has(value)) {
        problems.add("DOMAIN_INVALID", `${path}.values[${j}]`, `value ${preview(value)} is listed twice`);
        ok = false;
      }
      seen.add(value);
    });
  } else if (domain.kind === "int" && domain.min > domain.max) {
    problems.add("DOMAIN_INVALID", path, `expected min <= max, got ${domain.min}..${domain.max}`);
    ok = false;
  }
  return ok;
}

type ShapeModel = WorldModelShape["localModels"][number];

/**
 * Resolve a scope to variable indices, -1 where a name is unknown or repeated (the problem is
 * recorded). Rows are still checked against the columns that did resolve, so that one typo in a
 * scope does not hide the other problems of the model.
 */
function resolveScope(
  m: ShapeModel,
  path: string,
  indexOf: ReadonlyMap<string, number>,
  problems: Problems,
): { scope: number[]; complete: boolean } {
  const refs: [string, string][] =
    m.kind === "relation"
      ? m.variables.map((v, j) => [v, `${path}.variables[${j}]`])
      : m.kind === "table"
        ? [
            ...m.inputs.map((v, j): [string, string] => [v, `${path}.inputs[${j}]`]),
            [m.output, `${path}.output`],
          ]
        : [
            ...m.parents.map((v, j): [string, string] => [v, `${path}.parents[${j}]`]),
            [m.child, `${path}.child`],
          ];
  const scope: number[] = [];
  let complete = true;
  for (const [name, at] of refs) {
    const index = indexOf.get(name);
    if (index === undefined) {
      problems.add("UNKNOWN_VARIABLE", at, `expected a declared variable, got ${preview(name)}`);
      complete = false;
      scope.push(-1);
    } else if (scope.includes(index)) {
      problems.add("REPEATED_VARIABLE", at, `variable ${name} appears twice in local model ${m.name}`);
      complete = false;
      scope.push(-1);
    } else {
      scope.push(index);
    }
  }
  return { scope, complete };
}

/**
 * Encode one value, recording a problem if it is outside the variable's domain. An unresolved
 * column (no variable) gives -1 without a problem: the scope's problem already explains it.
 */
function encode(
  variable: CompiledVariable | undefined,
  value: unknown,
  path: string,
  problems: Problems,
): number {
  if (variable === undefined) return -1;
  if (!domainContains(variable.domain, value)) {
    problems.add(
      "VALUE_OUT_OF_DOMAIN",
      path,
      `variable ${variable.name} expected a value in ${formatDomain(variable.domain)}, got ${preview(value)}`,
    );
    return -1;
  }
  let code = variable.codes.get(value);
  if (code === undefined) {
    code = variable.values.length;
    variable.codes.set(value, code);
    variable.values.push(value);
  }
  return code;
}

function compileLocalModel(
  m: ShapeModel,
  index: number,
  variables: CompiledVariable[],
  indexOf: ReadonlyMap<string, number>,
  problems: Problems,
  context: Context,
): CompiledLocalModel | undefined {
  const path = `localModels[${index}]`;
  const { scope, complete } = resolveScope(m, path, indexOf, problems);
  const compiled =
    m.kind === "cpt"
      ? compileCpt(m, index, scope, variables, problems, context)
      : compileRows(m, index, scope, variables, problems);
  return complete ? compiled : undefined;
}

/** Relations and tables: rows are tuples in scope order. */
function compileRows(
  m: Extract<ShapeModel, { kind: "relation" | "table" }>,
  index: number,
  scope: number[],
  variables: CompiledVariable[],
  problems: Problems,
): CompiledLocalModel | undefined {
  const path = `localModels[${index}]`;
  const arity = scope.length;
  const codes = new Int32Array(m.rows.length * arity);
  const valid = new Uint8Array(m.rows.length);
  let allValid = true;
  m.rows.forEach((row, r) => {
    if (problems.full) return;
    if (!Array.isArray(row)) {
      problems.add(
        "SHAPE_INVALID",
        `${path}.rows[${r}]`,
        `expected a list of ${arity} values, got ${preview(row)}`,
      );
      allValid = false;
      return;
    }
    if (row.length !== arity) {
      problems.add("ARITY_MISMATCH", `${path}.rows[${r}]`, `expected ${arity} values, got ${row.length}`);
      allValid = false;
      return;
    }
    let ok = true;
    for (let c = 0; c < arity; c++) {
      const code = encode(variables[scope[c]!], row[c], `${path}.rows[${r}][${c}]`, problems);
      codes[r * arity + c] = code;
      if (code < 0) ok = false;
    }
    valid[r] = ok ? 1 : 0;
    if (!ok) allValid = false;
  });

  // An unresolved column leaves nothing to compare rows by; its problem is already recorded.
  if (scope.includes(-1)) return undefined;
  // Second pass, now that this model's codes are final: duplicates, and tables that are not functions.
  const radices = scope.map((v) => variables[v]!.values.length);
  const all = scope.map((_, c) => c);
  const rowKey = keyFunction(all, radices);
  const inputKey = keyFunction(all.slice(0, -1), radices.slice(0, -1));
  const seenRows = new Map<number | string, number>();
  const seenInputs = new Map<number | string, number>();
  for (let r = 0; r < m.rows.length; r++) {
    if (valid[r] === 0) continue;
    const key = rowKey(codes, r * arity);
    const first = seenRows.get(key);
    if (first !== undefined) {
      problems.add("DUPLICATE_ROW", `${path}.rows[${r}]`, `same tuple as rows[${first}]`);
      allValid = false;
      continue;
    }
    seenRows.set(key, r);
    if (m.kind === "table") {
      const inKey = inputKey(codes, r * arity);
      const firstInput = seenInputs.get(inKey);
      if (firstInput !== undefined) {
        problems.add(
          "TABLE_NOT_FUNCTION",
          `${path}.rows[${r}]`,
          `same inputs as rows[${firstInput}] with a different output`,
        );
        allValid = false;
      }
      seenInputs.set(inKey, r);
    }
  }
  if (!allValid) return undefined;
  return {
    index,
    name: m.name,
    kind: m.kind,
    scope,
    size: m.rows.length,
    rows: codes,
    weights: undefined,
    isMechanism: m.kind === "table",
  };
}

function compileCpt(
  m: Extract<ShapeModel, { kind: "cpt" }>,
  index: number,
  scope: number[],
  variables: CompiledVariable[],
  problems: Problems,
  context: Context,
): CompiledLocalModel | undefined {
  const path = `localModels[${index}]`;
  const nParents = scope.length - 1;
  const child = variables[scope[nParents]!];
  const support: number[] = [];
  const weights: number[] = [];
  const parentCodes = new Int32Array(m.rows.length * Math.max(1, nParents));
  // 1: parents valid; 2: parents and distribution valid. Duplicate parents are worth reporting
  // even when a distribution is also wrong.
  const valid = new Uint8Array(m.rows.length);
  let allValid = true;
  m.rows.forEach((row, r) => {
    if (problems.full) return;
    const at = `${path}.rows[${r}]`;
    let ok = true;
    if (row.parents.length !== nParents) {
      problems.add(
        "ARITY_MISMATCH",
        `${at}.parents`,
        `expected ${nParents} parent values, got ${row.parents.length}`,
      );
      ok = false;
    } else {
      for (let c = 0; c < nParents; c++) {
        const code = encode(variables[scope[c]!], row.parents[c], `${at}.parents[${c}]`, problems);
        parentCodes[r * nParents + c] = code;
        if (code < 0) ok = false;
      }
    }
    const parentsOk = ok;
    const childSeen = new Map<number, number>();
    let sum = 0;
    row.distribution.forEach(([value, p], k) => {
      const code = encode(child, value, `${at}.distribution[${k}][0]`, problems);
      if (code < 0) ok = false;
      else if (childSeen.has(code)) {
        problems.add(
          "DUPLICATE_ROW",
          `${at}.distribution[${k}]`,
          `child value ${preview(value)} is listed twice (first at distribution[${childSeen.get(code)}])`,
        );
        ok = false;
      } else childSeen.set(code, k);
      if (!(p >= 0 && p <= 1)) {
        problems.add(
          "PROBABILITY_INVALID",
          `${at}.distribution[${k}][1]`,
          `expected a probability in [0, 1], got ${p}`,
        );
        ok = false;
      }
      sum += p;
    });
    if (Math.abs(sum - 1) > CPT_SUM_TOLERANCE) {
      problems.add("CPT_ROW_SUM", `${at}.distribution`, `expected probabilities summing to 1, got ${sum}`);
      ok = false;
    }
    valid[r] = ok ? 2 : parentsOk ? 1 : 0;
    if (!ok) allValid = false;
  });

  if (child === undefined || scope.includes(-1)) return undefined;
  const parentKey = keyFunction(
    scope.slice(0, -1).map((_, c) => c),
    scope.slice(0, -1).map((v) => variables[v]!.values.length),
  );
  const seen = new Map<number | string, number>();
  let parentsAllValid = true;
  for (let r = 0; r < m.rows.length; r++) {
    if (valid[r] === 0) {
      parentsAllValid = false;
      continue;
    }
    const key = parentKey(parentCodes, r * nParents);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add("DUPLICATE_ROW", `${path}.rows[${r}]`, `same parent values as rows[${first}]`);
      allValid = false;
      continue;
    }
    seen.set(key, r);
    if (valid[r] === 1) continue;
    // The support holds only outcomes with non-zero probability: a zero entry is an impossibility.
    for (const [value, p] of m.rows[r]!.distribution) {
      if (p === 0) continue;
      for (let c = 0; c < nParents; c++) support.push(parentCodes[r * nParents + c]!);
      support.push(child.codes.get(value as Value)!);
      weights.push(p);
    }
  }
  // Only when every row's parents could be read: a typo in one row would otherwise also show up
  // as a missing combination, one problem told twice.
  if (context.requireCompleteCpts && parentsAllValid && !problems.full) {
    const parents = scope.slice(0, -1).map((v) => variables[v]!);
    if (!scope.slice(0, -1).some((v) => context.badDomains.has(v))) {
      const gap = cptGap(parents, seen.size, (codes) => seen.has(parentKey(codes, 0)));
      if (gap !== undefined) {
        problems.add("CPT_ROWS_MISSING", `${path}.rows`, describeGap(gap, m.parents));
        allValid = false;
      }
    }
  }
  if (!allValid) return undefined;
  return {
    index,
    name: m.name,
    kind: "cpt",
    scope,
    size: weights.length,
    rows: Int32Array.from(support),
    weights: Float64Array.from(weights),
    isMechanism: true,
  };
}

const count = (n: number | bigint) => n.toLocaleString("en");

/** What a CPT's rows leave out, for people: how many combinations are covered of how many, and one that is not. */
function describeGap(gap: CptGap, parents: readonly string[]): string {
  if (gap.kind === "real-parent")
    return `expected a distribution for every value of the parents, but parent ${gap.parent} is real-valued and no list of rows covers it; band it into an enum or an int domain`;
  if (parents.length === 0) return "expected the one distribution of a CPT without parents, got no row";
  const example = parents.map((name, i) => `${name} = ${preview(gap.example[i])}`).join(", ");
  return `expected a distribution for each of the ${count(gap.combinations)} combinations of the parents' values, got ${count(gap.covered)}; none for ${example}`;
}
