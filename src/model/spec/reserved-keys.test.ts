/**
 * `__proto__`, `constructor` and `prototype` as keys, in every place a spec has keys: refused
 * (`__proto__` where keys are free), unknown (any of them where fields are fixed), or kept as
 * written (`constructor` and `prototype` where keys are free), with loader and digest agreeing.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { validateOptimizerSpec } from "../optimizer-spec.js";
import { formatPath } from "../world-model/world-model-error.js";
import { loadSpec } from "./load-spec.js";
import type { PathSegment } from "./schema-issues.js";
import { specDigest } from "./spec-digest.js";
import type { SpecErrorCode } from "./spec-error.js";

const EXAMPLES = path.resolve(__dirname, "../../../examples/specs");

/** A spec with a value at every place that has keys: records, free JSON and closed objects. */
const BASE = `name: keys
worldModel:
  kind: explicit
  name: w
  variables:
    - { name: a, domain: { kind: int, min: 0, max: 3 }, tags: [] }
  localModels:
    - { kind: relation, name: r, description: a is free, variables: [a], rows: [[0], [3]] }
objective:
  sense: maximize
  expr: a + k
  constants: { k: 1 }
  proxyFor: { sense: maximize, expr: a + j, constants: { j: 2 } }
process:
  kind: best-of-n
  params: { n: 4 }
  budget: { maxSteps: 4, maxWallSeconds: 60 }
metadata: { owner: me, nested: { deep: { x: 1 } }, list: [{ y: 1 }] }
`;

const base = () => parseYaml(BASE) as Record<string, unknown>;
const thermostat = () =>
  parseYaml(fs.readFileSync(path.join(EXAMPLES, "thermostat.optimizer.yaml"), "utf8")) as Record<
    string,
    unknown
  >;

/** The object at `at` in `doc`, with an own property `key` (assignment would set the prototype). */
function withKey(doc: Record<string, unknown>, at: readonly PathSegment[], key: string, value: unknown) {
  let target = doc as Record<string | number, unknown>;
  for (const segment of at) target = target[segment] as Record<string | number, unknown>;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return doc;
}

/** The 1-based line and column of the value of the one `"key": ` in JSON text. */
function valuePosition(json: string, key: string): { line: number; column: number } {
  const lines = json.split("\n");
  const index = lines.findIndex((l) => l.includes(`"${key}": `));
  const column = (lines[index] ?? "").indexOf(`"${key}": `) + key.length + 5;
  return { line: index + 1, column };
}

const KEYS = ["__proto__", "constructor", "prototype"] as const;

/** Places where keys are the author's: `__proto__` is refused there, the others kept. */
const FREE: [string, () => Record<string, unknown>, PathSegment[], unknown][] = [
  ["objective.constants", base, ["objective", "constants"], 5],
  ["objective.proxyFor.constants", base, ["objective", "proxyFor", "constants"], 5],
  ["metadata", base, ["metadata"], "x"],
  ["metadata, nested", base, ["metadata", "nested", "deep"], "x"],
  ["metadata, in a list", base, ["metadata", "list", 0], "x"],
];

/** Places where fields are fixed: each of the three is an unknown field there, with its part's code. */
const CLOSED: [string, () => Record<string, unknown>, PathSegment[], SpecErrorCode][] = [
  ["the spec", base, [], "FIELD_UNKNOWN"],
  ["the world model", base, ["worldModel"], "FIELD_UNKNOWN"],
  ["a variable", base, ["worldModel", "variables", 0], "FIELD_UNKNOWN"],
  ["a domain", base, ["worldModel", "variables", 0, "domain"], "FIELD_UNKNOWN"],
  ["a local model", base, ["worldModel", "localModels", 0], "FIELD_UNKNOWN"],
  ["the objective", base, ["objective"], "DOCUMENT_INVALID"],
  ["the intended objective", base, ["objective", "proxyFor"], "DOCUMENT_INVALID"],
  ["the process", base, ["process"], "FIELD_UNKNOWN"],
  ["the process's params", base, ["process", "params"], "FIELD_UNKNOWN"],
  ["the process's budget", base, ["process", "budget"], "FIELD_UNKNOWN"],
  ["an implicit model's artifact", thermostat, ["worldModel", "artifact"], "FIELD_UNKNOWN"],
  ["an implicit model's probe", thermostat, ["worldModel", "probes", 0], "FIELD_UNKNOWN"],
  ["an implicit model's twin", thermostat, ["worldModel", "twin"], "FIELD_UNKNOWN"],
];

describe("__proto__ where keys are free", () => {
  it.each(FREE)("is refused in %s, at its place in the file", (_where, make, at, value) => {
    const json = JSON.stringify(withKey(make(), at, "__proto__", value), null, 2);
    const loaded = loadSpec(json, "k.optimizer.json");
    expect(loaded.spec).toBeUndefined();
    expect(loaded.errors.map((e) => [e.code, e.path])).toEqual([
      ["KEY_RESERVED", formatPath([...at, "__proto__"])],
    ]);
    expect(loaded.errors[0]).toMatchObject(valuePosition(json, "__proto__"));
    // The same document built in code is refused too: no route gives it a digest.
    expect(validateOptimizerSpec(JSON.parse(json)).problems.map((p) => p.code)).toEqual(["KEY_RESERVED"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("is refused in YAML too, at the key's value", () => {
    const text = BASE.replace("owner: me", "owner: me, __proto__: { polluted: true }");
    const [error] = loadSpec(text, "k.optimizer.yaml").errors;
    expect(error).toMatchObject({ code: "KEY_RESERVED", path: "metadata.__proto__", line: 18, column: 35 });
    expect(error?.format()).toBe(
      "k.optimizer.yaml:18:35 metadata.__proto__: expected a key other than __proto__, which JSON readers disagree on [KEY_RESERVED]",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("constructor and prototype where keys are free", () => {
  it.each(
    FREE.flatMap(([where, make, at, value]) =>
      KEYS.slice(1).map((key) => [where, key, make, at, value] as const),
    ),
  )("are kept as written in %s (%s), and the digest covers them", (_where, key, make, at, value) => {
    const json = JSON.stringify(withKey(make(), at, key, value), null, 2);
    const loaded = loadSpec(json, "k.optimizer.json");
    expect(loaded.errors).toEqual([]);
    let target: unknown = loaded.spec;
    for (const segment of at) target = (target as Record<string | number, unknown>)[segment];
    expect(Object.hasOwn(target as object, key)).toBe(true);
    expect((target as Record<string, unknown>)[key]).toBe(value);
    // The loader and the digest agree: the loaded spec's digest is that of the document as JSON
    // reads it, and differs from the same document without the key.
    expect(loaded.digest).toBe(specDigest(JSON.parse(json)));
    expect(loaded.digest).not.toBe(loadSpec(JSON.stringify(make()), "k.optimizer.json").digest);
  });

  it("gives records no prototype, so a name they lack finds nothing", () => {
    const spec = loadSpec(BASE, "k.optimizer.yaml").spec;
    if (spec === undefined) throw new Error("expected the base spec to load");
    const records = [
      spec.metadata,
      (spec.metadata as { nested?: object }).nested,
      spec.objective.constants,
      typeof spec.objective.proxyFor === "object" ? spec.objective.proxyFor.constants : undefined,
    ];
    for (const record of records) {
      expect(record).toBeDefined();
      expect(Object.getPrototypeOf(record)).toBeNull();
      expect((record as Record<string, unknown>).constructor).toBeUndefined();
    }
  });

  it("lets an objective use a constant named constructor, and not one it did not declare", () => {
    const declared = BASE.replace(
      "expr: a + k\n  constants: { k: 1 }",
      "expr: a + constructor\n  constants: { constructor: 1 }",
    );
    expect(loadSpec(declared, "k.yaml").errors).toEqual([]);
    const undeclared = BASE.replace("expr: a + k\n  constants: { k: 1 }", "expr: a + constructor + toString");
    expect(loadSpec(undeclared, "k.yaml").errors.map((e) => [e.code, e.column])).toEqual([
      ["UNKNOWN_IDENTIFIER", 13],
      ["UNKNOWN_IDENTIFIER", 27],
    ]);
  });
});

describe("__proto__, constructor and prototype where fields are fixed", () => {
  it.each(
    CLOSED.flatMap(([where, make, at, code]) => KEYS.map((key) => [where, key, make, at, code] as const)),
  )("are unknown fields of %s (%s)", (_where, key, make, at, code) => {
    const json = JSON.stringify(withKey(make(), at, key, 1), null, 2);
    const loaded = loadSpec(json, "k.optimizer.json");
    expect(loaded.spec).toBeUndefined();
    expect(loaded.errors.map((e) => e.code)).toEqual([code]);
    expect(loaded.errors[0]?.line).toBe(valuePosition(json, key).line);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
