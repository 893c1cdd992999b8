/**
 * Local models: small, explicit pieces of a world model, each over a few variables.
 *
 * - a `relation` lists the tuples that are possible;
 * - a `table` is a deterministic function from input variables to one output variable, kept as
 *   rows so it stays explicit (build one from a JS function with {@link tableFromFunction});
 * - a `cpt` is a conditional probability table: for each assignment of the parents, a distribution
 *   over the child.
 *
 * Every local model is also a relation, its *support* ({@link asRelation}): that is the view the
 * gluing operations use. A row that a table or CPT does not list is outside the support, i.e.
 * declared impossible.
 */
import { DEFAULT_ENUMERATION_LIMIT, domainContains, domainValues, type Value } from "./domain.js";
import type { Variable } from "./variable.js";
import { preview, WorldModelError } from "./world-model-error.js";

/** One row of a relation or table: values in the order of the model's variables. */
export type Row = readonly Value[];

export interface RelationModel {
  readonly kind: "relation";
  readonly name: string;
  /** One line for people: what this piece of the world says. */
  readonly description: string;
  readonly variables: readonly string[];
  /** The allowed tuples, each in the order of `variables`. */
  readonly rows: readonly Row[];
}

export interface TableModel {
  readonly kind: "table";
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly string[];
  readonly output: string;
  /** Each row is `[...inputValues, outputValue]`; at most one row per input assignment. */
  readonly rows: readonly Row[];
}

/** One entry of a CPT row's distribution: a child value and its probability. */
export type Outcome = readonly [value: Value, probability: number];

export interface CptRow {
  /** Values of the parents, in the order of the model's `parents`. */
  readonly parents: readonly Value[];
  /** The child's distribution given those parent values; probabilities sum to 1 within 1e-9. */
  readonly distribution: readonly Outcome[];
}

export interface CptModel {
  readonly kind: "cpt";
  readonly name: string;
  readonly description: string;
  readonly parents: readonly string[];
  readonly child: string;
  readonly rows: readonly CptRow[];
}

export type LocalModel = RelationModel | TableModel | CptModel;

/**
 * A relation from its allowed tuples.
 *
 * @example relation("rain-wets", "rain makes the soil wet", ["rain", "soil"], [[true, "wet"], [false, "dry"], [false, "wet"]])
 */
export function relation(
  name: string,
  description: string,
  variables: readonly string[],
  rows: readonly Row[],
): RelationModel {
  return { kind: "relation", name, description, variables, rows };
}

/**
 * A deterministic table from explicit rows `[...inputs, output]`.
 *
 * @example table("valve", "the valve opens when the soil is dry", ["soil"], "valve", [["dry", true], ["wet", false]])
 */
export function table(
  name: string,
  description: string,
  inputs: readonly string[],
  output: string,
  rows: readonly Row[],
): TableModel {
  return { kind: "table", name, description, inputs, output, rows };
}

/**
 * A conditional probability table.
 *
 * @example cpt("rain", "it rains one day in three", [], "rain", [{ parents: [], distribution: [[true, 1 / 3], [false, 2 / 3]] }])
 */
export function cpt(
  name: string,
  description: string,
  parents: readonly string[],
  child: string,
  rows: readonly CptRow[],
): CptModel {
  return { kind: "cpt", name, description, parents, child, rows };
}

/**
 * The variables a local model is over, in the column order of its support.
 *
 * @example scopeOf(table("t", "", ["a", "b"], "c", [])) // ["a", "b", "c"]
 */
export function scopeOf(model: LocalModel): readonly string[] {
  switch (model.kind) {
    case "relation":
      return model.variables;
    case "table":
      return [...model.inputs, model.output];
    case "cpt":
      return [...model.parents, model.child];
  }
}

/**
 * The support of a local model as a relation: the tuples it allows. For a CPT these are the
 * (parents, child) pairs with non-zero probability.
 *
 * @example asRelation(cpt("c", "", [], "x", [{ parents: [], distribution: [[true, 1], [false, 0]] }])).rows // [[true]]
 */
export function asRelation(model: LocalModel): RelationModel {
  switch (model.kind) {
    case "relation":
      return model;
    case "table":
      return relation(model.name, model.description, scopeOf(model), model.rows);
    case "cpt": {
      const rows: Row[] = [];
      for (const row of model.rows) {
        for (const [value, p] of row.distribution) if (p > 0) rows.push([...row.parents, value]);
      }
      return relation(model.name, model.description, scopeOf(model), rows);
    }
  }
}

/**
 * Build a table by evaluating a JS function on every assignment of the (finite) input domains.
 * The function is run once here and never stored: the result is plain rows, so the model stays
 * explicit and checkable. Refuses real-valued inputs (`DOMAIN_NOT_FINITE`), more than `maxRows`
 * input assignments (`DOMAIN_TOO_LARGE`), and outputs outside the output's domain
 * (`VALUE_OUT_OF_DOMAIN`).
 *
 * @example
 * tableFromFunction("sum", "the sum of two dice", [intVariable("a", 1, 6), intVariable("b", 1, 6)],
 *   intVariable("s", 2, 12), (x) => (x["a"] as number) + (x["b"] as number))
 */
export function tableFromFunction(
  name: string,
  description: string,
  inputs: readonly Variable[],
  output: Variable,
  fn: (input: Readonly<Record<string, Value>>) => Value,
  maxRows = DEFAULT_ENUMERATION_LIMIT,
): TableModel {
  let total = 1;
  const valueLists = inputs.map((v) => {
    const values = domainValues(v.domain, maxRows, `tableFromFunction ${name}: input ${v.name}`);
    total *= values.length;
    return values;
  });
  if (total > maxRows) {
    throw new WorldModelError(
      "DOMAIN_TOO_LARGE",
      `tableFromFunction ${name}: expected at most ${maxRows} input assignments, got ${total}`,
    );
  }
  const rows: Row[] = [];
  const digits = inputs.map(() => 0);
  for (let n = 0; n < total; n++) {
    // Object.create(null): an input named like an Object.prototype member must not read the prototype.
    const assignment: Record<string, Value> = Object.create(null);
    const row: Value[] = [];
    inputs.forEach((v, i) => {
      const value = valueLists[i]![digits[i]!]!;
      assignment[v.name] = value;
      row.push(value);
    });
    const out = fn(assignment);
    if (!domainContains(output.domain, out)) {
      throw new WorldModelError(
        "VALUE_OUT_OF_DOMAIN",
        `tableFromFunction ${name}: output ${output.name} expected a value in its domain, got ${preview(out)} for ${preview(row)}`,
        { path: `rows[${n}][${inputs.length}]` },
      );
    }
    row.push(out);
    rows.push(row);
    // Odometer over the input domains, last input fastest.
    for (let i = inputs.length - 1; i >= 0; i--) {
      digits[i] = digits[i]! + 1;
      if (digits[i]! < valueLists[i]!.length) break;
      digits[i] = 0;
    }
  }
  return table(
    name,
    description,
    inputs.map((v) => v.name),
    output.name,
    rows,
  );
}
