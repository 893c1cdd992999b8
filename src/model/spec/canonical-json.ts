/**
 * Canonical JSON: one byte string per JSON value, so that a digest binds to the value and not to
 * how it was written (YAML or JSON, key order, spacing, `1.0` or `1`).
 *
 * Following RFC 8785 (JSON Canonicalization Scheme) as far as `JSON.stringify` allows:
 * - no whitespace between tokens;
 * - object members sorted by key, comparing keys as arrays of UTF-16 code units (RFC 8785 §3.2.3;
 *   this is what JavaScript's default string comparison does);
 * - numbers as ECMAScript's `Number.prototype.toString` writes them (RFC 8785 §3.2.2.3 adopts
 *   exactly that algorithm): `1.0` is `1`, `-0` is `0`, `1e21` is `1e+21`; NaN and infinities are
 *   refused because JSON has no spelling for them;
 * - strings as `JSON.stringify` writes them, which is RFC 8785 §3.2.2.2's escaping (`\"`, `\\`,
 *   `\b \f \n \r \t`, other controls as `\u00XX` in lower-case hex, everything else literal).
 *   One deviation: RFC 8785 refuses lone surrogates, `JSON.stringify` escapes them as `\udXXX`.
 *   Text read from a UTF-8 file cannot contain one; only a `"\ud800"` escape can make one.
 * - `null`, `true`, `false` as themselves. Object members whose value is `undefined` are left out
 *   (as `JSON.stringify` does); other values JSON cannot hold (`undefined` in a list, functions,
 *   BigInts, symbols, class instances) and cycles are refused.
 *
 * The digest is then SHA-256 over the UTF-8 bytes of this text (`spec-digest.ts`).
 */
import { OptprovError } from "../../errors.js";
import type { PathSegment } from "./schema-issues.js";

/** Deeper than this is refused rather than recursed into; specs are limited to 64 levels before this runs. */
export const CANONICAL_JSON_MAX_DEPTH = 256;

export class CanonicalJsonError extends OptprovError<"VALUE_NOT_JSON"> {
  readonly path: readonly PathSegment[];
  constructor(detail: string, path: readonly PathSegment[]) {
    super("VALUE_NOT_JSON", `${formatSegments(path)}: ${detail}`);
    this.path = path;
  }
}

function formatSegments(path: readonly PathSegment[]): string {
  return path.length === 0
    ? "(value)"
    : path.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("");
}

/**
 * The canonical JSON text of a value; throws `CanonicalJsonError` for a value JSON cannot hold.
 *
 * @example canonicalJson({ b: [1.0, "x"], a: null }) === '{"a":null,"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, [], new Set());
  return out.join("");
}

function write(value: unknown, out: string[], path: PathSegment[], open: Set<object>): void {
  if (value === null || typeof value === "boolean") {
    out.push(String(value));
    return;
  }
  if (typeof value === "string") {
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new CanonicalJsonError(`expected a finite number, got ${value}`, path);
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value !== "object")
    throw new CanonicalJsonError(`expected a JSON value, got ${typeof value}`, path);
  if (path.length >= CANONICAL_JSON_MAX_DEPTH)
    throw new CanonicalJsonError(`expected at most ${CANONICAL_JSON_MAX_DEPTH} levels of nesting`, path);
  if (open.has(value))
    throw new CanonicalJsonError("expected a tree, got a value that contains itself", path);
  open.add(value);
  if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out, [...path, i], open);
    });
    out.push("]");
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new CanonicalJsonError("expected a plain object, got an instance of a class", path);
    const record = value as Record<string, unknown>;
    // Members whose value is undefined are left out, as JSON.stringify leaves them out: a spec built
    // in code with `description: undefined` is the same spec as one without a description.
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(record[key], out, [...path, key], open);
    });
    out.push("}");
  }
  open.delete(value);
}
