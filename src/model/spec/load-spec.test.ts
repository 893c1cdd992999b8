import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SPEC_LIMITS } from "./limits.js";
import { loadSpec } from "./load-spec.js";
import { SpecError, type SpecErrorCode } from "./spec-error.js";

const EXAMPLES = path.resolve(__dirname, "../../../examples/specs");
const example = (name: string) => fs.readFileSync(path.join(EXAMPLES, name), "utf8");
const EXAMPLE_FILES = fs.readdirSync(EXAMPLES).filter((f) => /\.optimizer\.(ya?ml|json)$/.test(f));

/** A small valid spec, written so that every line is easy to point at. */
const MINIMAL = `name: minimal
worldModel:
  kind: explicit
  name: w
  variables:
    - name: a
      domain: { kind: int, min: 0, max: 3 }
      tags: []
    - name: watched
      domain: { kind: boolean }
      tags: [oversight]
  localModels:
    - kind: relation
      name: r
      description: a and watched go together
      variables: [a, watched]
      rows:
        - [0, false]
        - [3, true]
objective:
  sense: maximize
  expr: a
process:
  kind: best-of-n
  params: { n: 4 }
  budget: { maxSteps: 4, maxWallSeconds: 60 }
`;

describe("loadSpec on the worked examples", () => {
  it.each(EXAMPLE_FILES)("%s loads without errors and has a digest", (file) => {
    const loaded = loadSpec(example(file), file);
    expect(loaded.errors.map((e) => e.format())).toEqual([]);
    expect(loaded.spec?.name).toBeTruthy();
    expect(loaded.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("loads the example in FORMAT.md", () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "FORMAT.md"), "utf8");
    const yaml = doc.split("```yaml\n")[1]?.split("```")[0] ?? "";
    expect(loadSpec(yaml, "format.optimizer.yaml").errors).toEqual([]);
  });

  it("loads the minimal spec", () => {
    const loaded = loadSpec(MINIMAL, "minimal.optimizer.yaml");
    expect(loaded.errors).toEqual([]);
    expect(loaded.format).toBe("yaml");
    expect(loaded.spec?.process.kind).toBe("best-of-n");
  });
});

describe("the same spec in YAML and in JSON", () => {
  it.each(EXAMPLE_FILES.filter((f) => f.endsWith(".yaml")))("%s has one digest in both formats", (file) => {
    const yaml = loadSpec(example(file), file);
    const value = parseYaml(example(file));
    // Different key order and spacing, same value.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(value).reverse()), null, 3);
    const json = loadSpec(reordered, file.replace(/\.yaml$/, ".json"));
    expect(json.errors).toEqual([]);
    expect(json.format).toBe("json");
    expect(json.digest).toBe(yaml.digest);
  });

  it("the committed JSON thermostat has the YAML thermostat's digest", () => {
    const yaml = loadSpec(example("thermostat.optimizer.yaml"), "thermostat.optimizer.yaml");
    const json = loadSpec(example("thermostat.optimizer.json"), "thermostat.optimizer.json");
    expect(json.errors).toEqual([]);
    expect(json.digest).toBe(yaml.digest);
  });

  it("comments, quoting and number spelling do not change the digest; values do", () => {
    const base = loadSpec(MINIMAL, "a.yaml").digest;
    const restyled = MINIMAL.replace("name: minimal", '# a comment\nname: "minimal"').replace(
      "maxWallSeconds: 60",
      "maxWallSeconds: 60.0",
    );
    expect(loadSpec(restyled, "a.yaml").digest).toBe(base);
    expect(loadSpec(MINIMAL.replace("n: 4", "n: 5"), "a.yaml").digest).not.toBe(base);
    expect(loadSpec(MINIMAL.replace("name: minimal", "name: minimal2"), "a.yaml").digest).not.toBe(base);
  });
});

describe("errors carry code, file, line, column and path", () => {
  it("locates an unknown variable in the objective at its column in the file", () => {
    const text = MINIMAL.replace("expr: a", "expr: a + tomatos");
    const [error] = loadSpec(text, "t.optimizer.yaml").errors;
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toMatchObject({
      code: "UNKNOWN_IDENTIFIER",
      area: "objective",
      file: "t.optimizer.yaml",
      line: 22,
      column: 13,
      path: "objective.expr",
    });
    expect(error?.format()).toMatch(
      /^t\.optimizer\.yaml:22:13 objective\.expr: .*tomatos.* \[UNKNOWN_IDENTIFIER\]$/,
    );
  });

  it("offsets expression positions into block scalars, quoted scalars and proxies", () => {
    const block = MINIMAL.replace("expr: a", "expr: |\n    a +\n      2 * nope");
    expect(loadSpec(block, "b.yaml").errors[0]).toMatchObject({
      line: 24,
      column: 11,
      path: "objective.expr",
    });
    const quoted = MINIMAL.replace("expr: a", 'expr: "a + \\"x\\" * 2"');
    // The string literal "x" is in a product: TYPE_MISMATCH at the literal, after an escaped quote.
    expect(loadSpec(quoted, "q.yaml").errors[0]).toMatchObject({
      code: "TYPE_MISMATCH",
      line: 22,
      column: 14,
    });
    const proxy = MINIMAL.replace("expr: a", "expr: a\n  proxyFor: { sense: maximize, expr: a + bogus }");
    expect(loadSpec(proxy, "p.yaml").errors[0]).toMatchObject({
      code: "UNKNOWN_IDENTIFIER",
      path: "objective.proxyFor.expr",
      line: 23,
      column: 42,
    });
  });

  it("maps world-model errors back to the row that has them", () => {
    const text = MINIMAL.replace("- [3, true]", "- [7, true]");
    expect(loadSpec(text, "w.yaml").errors[0]).toMatchObject({
      code: "VALUE_OUT_OF_DOMAIN",
      area: "world-model",
      path: "worldModel.localModels[0].rows[1][0]",
      line: 19,
      column: 12,
    });
  });

  it("gathers every error across the parts of the spec, in file order", () => {
    const text = MINIMAL.replace("name: minimal", "name: minimal\ncolour: red")
      .replace("- [3, true]", "- [7, true]")
      .replace("expr: a", "expr: b")
      .replace("n: 4", "n: 1, m: 2")
      .replace("      tags: []", "      tags: []\n      tag: [x]");
    const errors = loadSpec(text, "all.yaml").errors;
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ["FIELD_UNKNOWN", "colour"],
      ["FIELD_UNKNOWN", "worldModel.variables[0].tag"],
      ["VALUE_OUT_OF_DOMAIN", "worldModel.localModels[0].rows[1][0]"],
      ["UNKNOWN_IDENTIFIER", "objective.expr"],
      ["PARAMS_INVALID", "process.params.n"],
      ["FIELD_UNKNOWN", "process.params.m"],
    ]);
    const lines = errors.map((e) => e.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it("suggests the field meant by a misspelt one", () => {
    const [error] = loadSpec(MINIMAL.replace("objective:", "objectiv:"), "s.yaml").errors.filter(
      (e) => e.code === "FIELD_UNKNOWN",
    );
    expect(error?.detail).toContain("did you mean objective?");
  });

  it("reports a missing field at the mapping that lacks it", () => {
    const text = MINIMAL.replace("  budget: { maxSteps: 4, maxWallSeconds: 60 }\n", "");
    expect(loadSpec(text, "m.yaml").errors[0]).toMatchObject({
      code: "FIELD_MISSING",
      path: "process.budget",
      line: 24,
      column: 3,
    });
  });

  it("refuses an objective that reads a forbidden tag, when asked to", () => {
    const text = MINIMAL.replace("expr: a", "expr: a + (if watched then 1 else 0)");
    expect(loadSpec(text, "f.yaml").errors).toEqual([]);
    const [error] = loadSpec(text, "f.yaml", { forbiddenTags: ["oversight"] }).errors;
    expect(error).toMatchObject({ code: "FORBIDDEN_VARIABLE", path: "objective.expr", line: 22, column: 17 });
  });

  it("checks an implicit model's probes against its twin", () => {
    const text = example("thermostat.optimizer.yaml").replace("variable: heater", "variable: heatr");
    const [error] = loadSpec(text, "t.yaml").errors;
    expect(error).toMatchObject({
      code: "PROBE_VARIABLE_UNKNOWN",
      area: "implicit-world-model",
      path: "worldModel.probes[1].variable",
    });
    expect(error?.detail).toContain("did you mean heater?");
  });

  it("points JSON errors at their line and column too", () => {
    const json = JSON.stringify(parseYaml(MINIMAL.replace("n: 4", "n: 0")), null, 2);
    const [error] = loadSpec(json, "m.optimizer.json").errors;
    const line = json.split("\n").findIndex((l) => l.includes('"n": 0')) + 1;
    expect(error).toMatchObject({ code: "PARAMS_INVALID", path: "process.params.n", line, column: 12 });
  });
});

/**
 * Hostile input: every case gives coded errors with positions and never throws. Each row is
 * [what, text, file name, the code of the first error].
 */
const laughs = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;
const wide = `a: &a [${Array.from({ length: 5000 }, (_, i) => i).join(",")}]\nb: [${Array(60).fill("*a").join(",")}]\n`;
let deepBlock = "";
for (let i = 0; i < 1000; i++) deepBlock += `${" ".repeat(i)}a:\n`;

const HOSTILE: [string, string, string, SpecErrorCode][] = [
  ["an empty file", "", "x.yaml", "ROOT_NOT_OBJECT"],
  ["only a comment", "# nothing\n", "x.yaml", "ROOT_NOT_OBJECT"],
  ["a scalar root", "42\n", "x.yaml", "ROOT_NOT_OBJECT"],
  ["a list root", "- name: x\n", "x.yaml", "ROOT_NOT_OBJECT"],
  ["a JSON list root", "[1, 2]", "x.json", "ROOT_NOT_OBJECT"],
  ["a JSON null root", "null", "x.json", "ROOT_NOT_OBJECT"],
  ["a file over the size limit", `a: ${"x".repeat(SPEC_LIMITS.bytes)}`, "x.yaml", "SPEC_TOO_LARGE"],
  ["multi-byte text over the limit", `a: ${"é".repeat(SPEC_LIMITS.bytes / 2)}`, "x.yaml", "SPEC_TOO_LARGE"],
  ["a billion laughs", laughs, "x.yaml", "ALIAS_LIMIT"],
  ["an alias repeating a large list", wide, "x.yaml", "ALIAS_LIMIT"],
  ["a recursive alias", "a: &a [*a]\n", "x.yaml", "VALUE_NOT_JSON"],
  ["10,000 nested lists", `${"[".repeat(10_000)}${"]".repeat(10_000)}`, "x.yaml", "SPEC_TOO_DEEP"],
  ["10,000 nested JSON lists", `${"[".repeat(10_000)}${"]".repeat(10_000)}`, "x.json", "SPEC_TOO_DEEP"],
  ["100 nested lists", `${"[".repeat(100)}${"]".repeat(100)}`, "x.yaml", "SPEC_TOO_DEEP"],
  ["1,000 nested block mappings", deepBlock, "x.yaml", "SPEC_TOO_DEEP"],
  ["a duplicate key", "name: a\nname: b\n", "x.yaml", "DUPLICATE_KEY"],
  ["a duplicate key in JSON", '{"name": "a", "name": "b"}', "x.json", "DUPLICATE_KEY"],
  ["keys 1 and '1'", '1: a\n"1": b\n', "x.yaml", "DUPLICATE_KEY"],
  ["a non-scalar key", "? [a, b]\n: 1\n", "x.yaml", "VALUE_NOT_JSON"],
  ["an infinite number", "name: x\nmetadata: { n: .inf }\n", "x.yaml", "VALUE_NOT_JSON"],
  ["not a number", "name: .nan\n", "x.yaml", "VALUE_NOT_JSON"],
  ["a !!binary value", "name: !!binary aGVsbG8=\n", "x.yaml", "YAML_TAG_UNSUPPORTED"],
  ["a !!timestamp value", "name: !!timestamp 2001-12-14\n", "x.yaml", "YAML_TAG_UNSUPPORTED"],
  ["a custom tag", "name: !js/function 'return 1'\n", "x.yaml", "YAML_TAG_UNSUPPORTED"],
  ["an unclosed flow list", "a: [1, 2\nb: 3\n", "x.yaml", "YAML_SYNTAX"],
  ["an expression read as a flow list", "o: { expr: E[a, b] }\n", "x.yaml", "YAML_SYNTAX"],
  ["tab indentation", "a:\n\tb: 1\n", "x.yaml", "YAML_SYNTAX"],
  ["two documents", "name: a\n---\nname: b\n", "x.yaml", "MULTIPLE_DOCUMENTS"],
  ["a trailing comma in JSON", '{\n  "name": "a",\n}', "x.json", "JSON_SYNTAX"],
  ["YAML in a .json file", "name: a\n", "x.json", "JSON_SYNTAX"],
  ["a truncated JSON file", '{"name": ', "x.json", "JSON_SYNTAX"],
  ["a merge key", "base: &b { name: x }\n<<: *b\n", "x.yaml", "FIELD_UNKNOWN"],
  ["a __proto__ key", "__proto__: { polluted: true }\n", "x.yaml", "FIELD_UNKNOWN"],
  ["a control character in the name", 'name: "a\\u0000b"\n', "x.yaml", "FIELD_INVALID"],
  ["a world model that is a string", "worldModel: big\n", "x.yaml", "FIELD_INVALID"],
  ["an unknown world-model kind", "worldModel: { kind: explict }\n", "x.yaml", "WORLD_MODEL_KIND_UNKNOWN"],
  ["a process that is a list", "process: [1]\n", "x.yaml", "SHAPE_INVALID"],
  ["an objective that is a number", "objective: 3\n", "x.yaml", "DOCUMENT_INVALID"],
];

describe("hostile input", () => {
  it.each(HOSTILE)("%s gives a coded error with a position", (_what, text, file, code) => {
    const loaded = loadSpec(text, file);
    expect(loaded.spec).toBeUndefined();
    expect(loaded.digest).toBeUndefined();
    expect(loaded.errors.length).toBeGreaterThan(0);
    expect(loaded.errors.map((e) => e.code)).toContain(code);
    for (const e of loaded.errors) {
      expect(e).toBeInstanceOf(SpecError);
      expect(e.file).toBe(file);
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reports a thousand bad rows as a hundred errors and a count of the rest", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `[${i + 4}, true]`).join(", ");
    const text = MINIMAL.replace(
      "        - [0, false]\n        - [3, true]\n",
      `        [${rows}]\n`,
    ).replace("      rows:\n", "      rows:\n");
    const errors = loadSpec(text.replace("rows:\n        [", "rows: ["), "r.yaml").errors;
    expect(errors).toHaveLength(SPEC_LIMITS.errors + 1);
    expect(errors[errors.length - 1]?.code).toBe("TOO_MANY_ERRORS");
  });

  it("reports every duplicate key, and stays linear on a mapping of 60,000 keys", () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}: ${i}`).join("\n");
    const started = Date.now();
    const loaded = loadSpec(`${keys}\nk5: again\nk7: again\n`, "k.yaml");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(loaded.errors.map((e) => e.code)).toEqual(["DUPLICATE_KEY", "DUPLICATE_KEY"]);
    expect(loaded.errors.map((e) => e.line)).toEqual([60_001, 60_002]);
  });

  it("never throws on mutated examples, and every error is coded and placed (fuzz)", () => {
    const base = example("absent-supervisor.optimizer.yaml");
    fc.assert(
      fc.property(
        fc.nat(base.length),
        fc.nat(40),
        fc.string({
          unit: fc.constantFrom("[", "]", "{", "}", ":", "-", " ", "\n", "&a", "*a", '"', "x", "1", "#", "!"),
        }),
        (at, cut, insert) => {
          const text = base.slice(0, at) + insert + base.slice(at + cut);
          const loaded = loadSpec(text, "fuzz.optimizer.yaml");
          for (const e of loaded.errors) {
            expect(e).toBeInstanceOf(SpecError);
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.column).toBeGreaterThanOrEqual(1);
          }
          expect(loaded.errors.length === 0).toBe(loaded.spec !== undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary text, in either format", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.boolean(), (text, json) => {
        const loaded = loadSpec(text, json ? "a.json" : "a.yaml");
        expect(loaded.spec === undefined).toBe(loaded.errors.length > 0);
      }),
      { numRuns: 500 },
    );
  });
});

describe("complete CPTs", () => {
  const withCpt = (rows: string) =>
    MINIMAL.replace(
      "        - [3, true]\n",
      `        - [3, true]\n    - kind: cpt\n      name: watching\n      description: who watches depends on a\n      parents: [a]\n      child: watched\n      rows:\n${rows}`,
    );
  const row = (a: number) => `        - { parents: [${a}], distribution: [[true, 0.5], [false, 0.5]] }\n`;

  it("loads a CPT with a row for each parent value", () => {
    expect(loadSpec(withCpt([0, 1, 2, 3].map(row).join("")), "c.yaml").errors).toEqual([]);
  });

  it("refuses a CPT with a missing parent row, at its rows, with the count and an example", () => {
    const text = withCpt([0, 1, 3].map(row).join(""));
    const errors = loadSpec(text, "c.optimizer.yaml").errors;
    expect(errors.map((e) => [e.code, e.area, e.path, e.line, e.column])).toEqual([
      ["CPT_ROWS_MISSING", "world-model", "worldModel.localModels[1].rows", 26, 9],
    ]);
    expect(errors[0]?.format()).toBe(
      "c.optimizer.yaml:26:9 worldModel.localModels[1].rows: expected a distribution for each of the 4 combinations of the parents' values, got 3; none for a = 2 [CPT_ROWS_MISSING]",
    );
  });

  it("loads it anyway when told to treat unlisted rows as impossible", () => {
    const text = withCpt([0, 1, 3].map(row).join(""));
    expect(loadSpec(text, "c.yaml", { requireCompleteCpts: false }).errors).toEqual([]);
  });

  it("refuses a CPT over 10^7 parent combinations with three rows, counting rather than listing", () => {
    const text = MINIMAL.replace(
      "      tags: [oversight]\n",
      "      tags: [oversight]\n    - { name: p, domain: { kind: int, min: 0, max: 9999 }, tags: [] }\n    - { name: q, domain: { kind: int, min: 0, max: 999 }, tags: [] }\n",
    ).replace(
      "        - [3, true]\n",
      `        - [3, true]\n    - kind: cpt\n      name: huge\n      description: three rows of ten million\n      parents: [p, q]\n      child: watched\n      rows:\n${[0, 1, 2].map((q) => `        - { parents: [0, ${q}], distribution: [[true, 1]] }\n`).join("")}`,
    );
    const errors = loadSpec(text, "huge.optimizer.yaml").errors;
    expect(errors.map((e) => [e.code, e.path, e.line])).toEqual([
      ["CPT_ROWS_MISSING", "worldModel.localModels[1].rows", 28],
    ]);
    expect(errors[0]?.detail).toContain(
      "10,000,000 combinations of the parents' values, got 3; none for p = 0, q = 3",
    );
  });
});

describe("role tags", () => {
  it("warns, without failing, about a tag one typo away from a role tag, at the tag", () => {
    const text = MINIMAL.replace("tags: [oversight]", "tags: [oversigth, weather]");
    const loaded = loadSpec(text, "r.optimizer.yaml");
    expect(loaded.errors).toEqual([]);
    expect(loaded.spec).toBeDefined();
    expect(loaded.warnings?.map((w) => [w.code, w.area, w.path, w.line, w.column])).toEqual([
      ["ROLE_TAG_MISSPELT", "world-model", "worldModel.variables[1].tags[0]", 11, 14],
    ]);
    expect(loaded.warnings?.[0]?.format()).toBe(
      'r.optimizer.yaml:11:14 worldModel.variables[1].tags[0]: tag "oversigth" is close to the role tag oversight but is not it (did you mean oversight?); detectors read role tags exactly [ROLE_TAG_MISSPELT]',
    );
  });

  it("warns in an implicit model's twin too, and alongside errors", () => {
    const text = example("thermostat.optimizer.yaml")
      .replace("tags: [decision]", "tags: [Decision]")
      .replace("accuracy: 0.96", "accuracy: 1.96");
    const loaded = loadSpec(text, "t.optimizer.yaml");
    expect(loaded.errors.map((e) => e.code)).toEqual(["ACCURACY_INVALID"]);
    expect(loaded.warnings?.map((w) => [w.code, w.path])).toEqual([
      ["ROLE_TAG_MISSPELT", "worldModel.twin.variables[1].tags[0]"],
    ]);
  });

  it("says nothing about role tags spelt right or tags far from any", () => {
    expect(loadSpec(MINIMAL, "m.yaml").warnings).toEqual([]);
    for (const file of EXAMPLE_FILES) expect(loadSpec(example(file), file).warnings).toEqual([]);
  });
});
