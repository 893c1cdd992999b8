/**
 * Domains of world-model variables: booleans, enumerations, bounded integers, and reals with a unit.
 *
 * Which operations need a finite domain: only those that must *enumerate* a domain, namely
 * {@link domainValues}, {@link domainSize} and `tableFromFunction`. They refuse reals with
 * `DOMAIN_NOT_FINITE`. Everything else (validation, gluing, counting, sampling, prediction, the
 * consistency radius) works on the values that actually occur in the local models' rows (the
 * *active domain*), so a real-valued variable takes part as long as the rows list its values.
 */
import { WorldModelError } from "./world-model-error.js";

/** A value a variable can take: `true`/`false`, an enumeration's string, an integer, or a real. */
export type Value = boolean | string | number;

export interface BooleanDomain {
  readonly kind: "boolean";
}
export interface EnumDomain {
  readonly kind: "enum";
  /** The allowed strings, in the order people should see them. */
  readonly values: readonly string[];
}
export interface IntDomain {
  readonly kind: "int";
  /** Inclusive bounds, both safe integers. */
  readonly min: number;
  readonly max: number;
}
export interface RealDomain {
  readonly kind: "real";
  /** The unit of measure, e.g. `"degC"` or `"litre"`; `""` for a dimensionless quantity. */
  readonly unit: string;
}
export type Domain = BooleanDomain | EnumDomain | IntDomain | RealDomain;

/** The most values {@link domainValues} hands out unless told otherwise. */
export const DEFAULT_ENUMERATION_LIMIT = 1_000_000;

/**
 * Membership in an enum's values as a set, built once per values array: checking every row of a
 * learned table against a large enum with `includes` was quadratic (measured: 0.8 s of a 1.1 s
 * spec check for 20,000 rows over 10,000 values).
 */
const enumSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function enumSet(values: readonly string[]): ReadonlySet<string> {
  let set = enumSets.get(values);
  if (set === undefined) {
    set = new Set(values);
    enumSets.set(values, set);
  }
  return set;
}

/**
 * Whether `value` belongs to `domain`. Reals accept any finite number (never NaN or ±Infinity,
 * which would make equality of rows meaningless).
 *
 * @example domainContains({ kind: "int", min: 0, max: 3 }, 2) === true
 */
export function domainContains(domain: Domain, value: unknown): value is Value {
  switch (domain.kind) {
    case "boolean":
      return typeof value === "boolean";
    case "enum":
      return typeof value === "string" && enumSet(domain.values).has(value);
    case "int":
      return (
        Number.isSafeInteger(value) && (value as number) >= domain.min && (value as number) <= domain.max
      );
    case "real":
      return typeof value === "number" && Number.isFinite(value);
  }
}

/**
 * The number of values in a finite domain; refuses reals with `DOMAIN_NOT_FINITE`.
 *
 * @example domainSize({ kind: "enum", values: ["dry", "wet"] }) === 2
 */
export function domainSize(domain: Domain, what = "domain"): number {
  switch (domain.kind) {
    case "boolean":
      return 2;
    case "enum":
      return domain.values.length;
    case "int":
      return domain.max - domain.min + 1;
    case "real":
      throw new WorldModelError(
        "DOMAIN_NOT_FINITE",
        `${what}: expected a finite domain to enumerate, got ${formatDomain(domain)}`,
      );
  }
}

/**
 * Every value of a finite domain, in order. Refuses reals (`DOMAIN_NOT_FINITE`) and domains with
 * more than `limit` values (`DOMAIN_TOO_LARGE`), since an integer range like 0..2^53 is legal to
 * declare but not to list.
 *
 * @example domainValues({ kind: "int", min: 1, max: 3 }) // [1, 2, 3]
 */
export function domainValues(
  domain: Domain,
  limit = DEFAULT_ENUMERATION_LIMIT,
  what = "domain",
): readonly Value[] {
  const size = domainSize(domain, what);
  if (size > limit) {
    throw new WorldModelError(
      "DOMAIN_TOO_LARGE",
      `${what}: expected at most ${limit} values to enumerate, got ${size} in ${formatDomain(domain)}`,
    );
  }
  switch (domain.kind) {
    case "boolean":
      return [false, true];
    case "enum":
      return domain.values;
    case "int":
      return Array.from({ length: size }, (_, i) => domain.min + i);
    case "real":
      return []; // unreachable: domainSize refused it
  }
}

/**
 * Whether two domains are exactly the same: same kind, same enumeration values in the same order,
 * same bounds, same unit. Composition requires this for shared variables.
 *
 * @example domainsEqual({ kind: "boolean" }, { kind: "boolean" }) === true
 */
export function domainsEqual(a: Domain, b: Domain): boolean {
  switch (a.kind) {
    case "boolean":
      return b.kind === "boolean";
    case "enum":
      return (
        b.kind === "enum" &&
        a.values.length === b.values.length &&
        a.values.every((v, i) => v === b.values[i])
      );
    case "int":
      return b.kind === "int" && a.min === b.min && a.max === b.max;
    case "real":
      return b.kind === "real" && a.unit === b.unit;
  }
}

/**
 * A short human rendering of a domain.
 *
 * @example formatDomain({ kind: "enum", values: ["dry", "wet"] }) === "{dry, wet}"
 */
export function formatDomain(domain: Domain): string {
  switch (domain.kind) {
    case "boolean":
      return "boolean";
    case "enum": {
      const shown = domain.values.slice(0, 8).join(", ");
      return `{${shown}${domain.values.length > 8 ? `, ... (${domain.values.length} values)` : ""}}`;
    }
    case "int":
      return `int ${domain.min}..${domain.max}`;
    case "real":
      return domain.unit === "" ? "real" : `real [${domain.unit}]`;
  }
}
