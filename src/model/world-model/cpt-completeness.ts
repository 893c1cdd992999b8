/**
 * Whether a conditional probability table gives a distribution for every combination of its
 * parents' values, decided without listing the combinations.
 *
 * A CPT over parents with 10,000 and 1,000 values has 10^7 combinations; one over two parents of
 * type `int 0..2^53` has about 8·10^31. Enumerating them is out of the question, so completeness
 * is a count: the rows' distinct parent tuples (all inside the domains, duplicates already
 * refused) against the product of the domain sizes, taken in `bigint` so that no product
 * overflows or rounds. When the count falls short, one missing combination is found by walking
 * the combinations in order and stopping at the first that has no row: among the first
 * `covered + 1` combinations at least one is missing (there are only `covered` rows), so the walk
 * costs at most `covered + 1` lookups, i.e. no more than the rows themselves.
 */
import type { Domain, Value } from "./domain.js";

/** A parent as the check needs it: its name, its declared domain, and the codes of the values its rows use. */
export interface CptParent {
  readonly name: string;
  readonly domain: Domain;
  readonly codes: ReadonlyMap<Value, number>;
}

/** What a CPT's rows leave out. */
export type CptGap =
  /** A parent is real-valued: no finite list of rows covers its values. */
  | { readonly kind: "real-parent"; readonly parent: string }
  /** `covered` of `combinations` parent tuples have a row; `example` has none. */
  | {
      readonly kind: "missing";
      readonly covered: number;
      readonly combinations: bigint;
      readonly example: readonly Value[];
    };

/**
 * The combinations of parent values a CPT's rows leave out, or undefined when every combination
 * has a row. `covered` is the number of distinct parent tuples the rows give, and `hasRow` tells
 * whether a tuple of codes (one per parent, in the variables' code spaces) is one of them.
 *
 * @example
 * const rain = { name: "rain", domain: { kind: "boolean" }, codes: new Map([[true, 0]]) } as const;
 * cptGap([rain], 1, () => true) // { kind: "missing", covered: 1, combinations: 2n, example: [false] }
 */
export function cptGap(
  parents: readonly CptParent[],
  covered: number,
  hasRow: (codes: Int32Array) => boolean,
): CptGap | undefined {
  let combinations = 1n;
  for (const p of parents) {
    const size = finiteSize(p.domain);
    if (size === undefined) return { kind: "real-parent", parent: p.name };
    combinations *= size;
  }
  if (BigInt(covered) >= combinations) return undefined;
  const example = firstMissing(parents, covered, hasRow);
  // Unreachable while `covered` counts distinct in-domain tuples: fewer rows than combinations
  // leave one out among the first covered + 1. Kept so a miscount is a complete CPT, not a crash.
  if (example === undefined) return undefined;
  return { kind: "missing", covered, combinations, example };
}

/** Exact number of values of a finite domain; undefined for a real one. */
function finiteSize(domain: Domain): bigint | undefined {
  switch (domain.kind) {
    case "boolean":
      return 2n;
    case "enum":
      return BigInt(domain.values.length);
    case "int":
      // Both bounds are safe integers, but their difference may not be: 2^53 - (-2^53) + 1.
      return domain.max >= domain.min ? BigInt(domain.max) - BigInt(domain.min) + 1n : 0n;
    case "real":
      return undefined;
  }
}

/**
 * The first combination, in domain order with the last parent fastest, that has no row. Looks at
 * no more than `covered + 1` combinations, so the odometer's digits stay below `covered + 1` and
 * never index past a domain (each domain has at least that many values, or the walk would have
 * carried).
 */
function firstMissing(
  parents: readonly CptParent[],
  covered: number,
  hasRow: (codes: Int32Array) => boolean,
): Value[] | undefined {
  const digits = parents.map(() => 0);
  const sizes = parents.map((p) => finiteSize(p.domain) ?? 0n);
  const probe = new Int32Array(parents.length);
  for (let tried = 0; tried <= covered; tried++) {
    const values = parents.map((p, i) => valueAt(p.domain, digits[i]!));
    let known = true;
    for (let i = 0; i < parents.length; i++) {
      const code = parents[i]!.codes.get(values[i]!);
      // A value no row uses has no code, and so no row: this combination is missing.
      if (code === undefined) {
        known = false;
        break;
      }
      probe[i] = code;
    }
    if (!known || !hasRow(probe)) return values;
    let i = parents.length - 1;
    for (; i >= 0; i--) {
      digits[i] = digits[i]! + 1;
      if (BigInt(digits[i]!) < sizes[i]!) break;
      digits[i] = 0;
    }
    if (i < 0) return undefined;
  }
  return undefined;
}

function valueAt(domain: Domain, digit: number): Value {
  switch (domain.kind) {
    case "boolean":
      // The order `domainValues` lists them in.
      return digit !== 0;
    case "enum":
      return domain.values[digit]!;
    case "int":
      return domain.min + digit;
    case "real":
      return Number.NaN; // unreachable: real parents return before the walk
  }
}
