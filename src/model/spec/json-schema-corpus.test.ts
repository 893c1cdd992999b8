/**
 * The published JSON Schema and the loader, held to the same verdicts: every worked example is
 * valid under both, every spec in a table of broken ones is refused by both, and on random
 * mutations of the examples the schema never refuses what the loader accepts. The checks only the
 * loader can make (FORMAT.md, "Checked by the loader only") have their own table: valid under the
 * schema, refused by the loader with the code given.
 */
import fs from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadSpec } from "./load-spec.js";
import type { SpecErrorCode } from "./spec-error.js";

const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLES = path.join(ROOT, "examples/specs");
const EXAMPLE_FILES = fs.readdirSync(EXAMPLES).filter((f) => /\.optimizer\.(ya?ml|json)$/.test(f));
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas/optimizer-spec.schema.json"), "utf8"));

// strict: true turns on every strict check (unknown keywords and formats, union types, tuples,
// required fields not among the properties): the schema must need no plugin and no leniency.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemaValid = ajv.compile(SCHEMA);

type Doc = Record<string, unknown>;
const read = (file: string): Doc => parseYaml(fs.readFileSync(path.join(EXAMPLES, file), "utf8")) as Doc;
/** The loader's verdict on a document, written as JSON: its error codes. */
const loaderCodes = (doc: unknown): SpecErrorCode[] =>
  loadSpec(JSON.stringify(doc, null, 2), "corpus.optimizer.json").errors.map((e) => e.code);

/** An own property, even for `__proto__` (assignment would set the prototype instead). */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

describe("the published JSON Schema compiles in Ajv's strict mode", () => {
  it("compiles, with no format keyword to need a plugin", () => {
    expect(() => new Ajv2020({ strict: true }).compile(SCHEMA)).not.toThrow();
    expect(JSON.stringify(SCHEMA)).not.toContain('"format"');
  });

  it("closes every object and requires only fields it declares", () => {
    const open: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (typeof node !== "object" || node === null) return;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) visit(node[i], `${at}/${i}`);
        return;
      }
      const schema = node as Doc;
      if (schema.properties !== undefined) {
        if (schema.additionalProperties !== false && !at.includes("dependentSchemas")) open.push(at);
        const declared = Object.keys(schema.properties as Doc);
        for (const field of (schema.required as string[] | undefined) ?? [])
          expect(declared, `${at} requires ${field}`).toContain(field);
      }
      for (const [key, child] of Object.entries(schema)) visit(child, `${at}/${key}`);
    };
    visit(SCHEMA, "#");
    expect(open).toEqual([]);
  });
});

describe("schema and loader agree on the worked examples", () => {
  it.each(EXAMPLE_FILES)("%s is valid under both", (file) => {
    const doc = read(file);
    expect(loaderCodes(doc)).toEqual([]);
    expect(schemaValid(doc), JSON.stringify(schemaValid.errors)).toBe(true);
  });

  it("the example in FORMAT.md is valid under both", () => {
    const text = fs.readFileSync(path.join(__dirname, "FORMAT.md"), "utf8");
    const doc = parseYaml(text.split("```yaml\n")[1]?.split("```")[0] ?? "");
    expect(loaderCodes(doc)).toEqual([]);
    expect(schemaValid(doc), JSON.stringify(schemaValid.errors)).toBe(true);
  });
});

/* Mutations of the worked examples: [what, example, change, the loader's code]. */
type Case = [string, string, (doc: Doc) => void, SpecErrorCode];
const AS = "absent-supervisor.optimizer.yaml";
const TH = "thermostat.optimizer.yaml";
const TT = "tic-tac-toe.optimizer.yaml";
// Loosely typed access into a parsed example, for the mutations below.
// biome-ignore lint/suspicious/noExplicitAny: test fixtures are mutated by path
const at = (doc: Doc): any => doc;
const D64 = "0".repeat(64);

const BOTH_REFUSE: Case[] = [
  // Unknown keys, everywhere.
  ["an unknown top-level field", AS, (d) => define(d, "colour", "red"), "FIELD_UNKNOWN"],
  ["an unknown world-model field", AS, (d) => define(at(d).worldModel, "localModel", []), "FIELD_UNKNOWN"],
  ["an unknown variable field", AS, (d) => define(at(d).worldModel.variables[0], "tag", []), "FIELD_UNKNOWN"],
  [
    "an unknown domain field",
    AS,
    (d) => define(at(d).worldModel.variables[0].domain, "size", 2),
    "FIELD_UNKNOWN",
  ],
  [
    "an unknown local-model field",
    AS,
    (d) => define(at(d).worldModel.localModels[1], "note", "x"),
    "FIELD_UNKNOWN",
  ],
  [
    "an unknown CPT-row field",
    AS,
    (d) => define(at(d).worldModel.localModels[0].rows[0], "p", 1),
    "FIELD_UNKNOWN",
  ],
  ["an unknown objective field", AS, (d) => define(at(d).objective, "proxy_for", "x"), "DOCUMENT_INVALID"],
  ["an unknown parameter", AS, (d) => define(at(d).process.params, "lambda", 0.9), "FIELD_UNKNOWN"],
  ["an unknown budget field", AS, (d) => define(at(d).process.budget, "maxMemory", 1), "FIELD_UNKNOWN"],
  ["an unknown artifact field", TH, (d) => define(at(d).worldModel.artifact, "size", 1), "FIELD_UNKNOWN"],
  ["an unknown probe field", TH, (d) => define(at(d).worldModel.probes[0], "score", 1), "FIELD_UNKNOWN"],
  ["an unknown twin field", TH, (d) => define(at(d).worldModel.twin, "kind", "explicit"), "FIELD_UNKNOWN"],
  ["a __proto__ key at the top", AS, (d) => define(d, "__proto__", { polluted: true }), "FIELD_UNKNOWN"],
  [
    "a __proto__ key deep in metadata",
    AS,
    (d) => {
      at(d).metadata.x = {};
      define(at(d).metadata.x, "__proto__", 1);
    },
    "KEY_RESERVED",
  ],
  [
    "a constant named __proto__",
    TH,
    (d) => define(at(d).objective.constants, "__proto__", 1),
    "KEY_RESERVED",
  ],
  // Missing fields.
  ["no name", AS, (d) => delete d.name, "FIELD_MISSING"],
  ["no process", AS, (d) => delete d.process, "FIELD_MISSING"],
  ["no budget", AS, (d) => delete at(d).process.budget, "FIELD_MISSING"],
  ["no required parameter", AS, (d) => delete at(d).process.params.alpha, "FIELD_MISSING"],
  ["no expression", AS, (d) => delete at(d).objective.expr, "DOCUMENT_INVALID"],
  ["no local-model rows", AS, (d) => delete at(d).worldModel.localModels[1].rows, "SHAPE_INVALID"],
  ["no variable tags", AS, (d) => delete at(d).worldModel.variables[0].tags, "SHAPE_INVALID"],
  ["no artifact URI", TH, (d) => delete at(d).worldModel.artifact.uri, "FIELD_MISSING"],
  ["no probe dataset", TH, (d) => delete at(d).worldModel.probes[0].dataset, "FIELD_MISSING"],
  // Names.
  ["a control character in the name", AS, (d) => (d.name = "a\u0000b"), "FIELD_INVALID"],
  ["an empty name", AS, (d) => (d.name = ""), "FIELD_INVALID"],
  ["a newline in the world model's name", AS, (d) => (at(d).worldModel.name = "a\nb"), "NAME_INVALID"],
  [
    "a bell in a local model's name",
    AS,
    (d) => (at(d).worldModel.localModels[0].name = "a\u0007"),
    "NAME_INVALID",
  ],
  [
    "a variable name that is not an identifier",
    AS,
    (d) => (at(d).worldModel.variables[0].name = "a-b"),
    "NAME_INVALID",
  ],
  [
    "a variable named __proto__",
    AS,
    (d) => (at(d).worldModel.variables[0].name = "__proto__"),
    "NAME_INVALID",
  ],
  [
    "a control character in the artifact's name",
    TH,
    (d) => (at(d).worldModel.artifact.name = "x\u001b"),
    "SHAPE_INVALID",
  ],
  ["a name over 128 characters", AS, (d) => (d.name = "n".repeat(129)), "FIELD_INVALID"],
  // Numbers out of range.
  ["alpha above 1", AS, (d) => (at(d).process.params.alpha = 1.5), "PARAMS_INVALID"],
  ["a negative discount", AS, (d) => (at(d).process.params.gamma = -0.1), "PARAMS_INVALID"],
  ["no steps in the budget", AS, (d) => (at(d).process.budget.maxSteps = 0), "BUDGET_INVALID"],
  ["a fractional step budget", AS, (d) => (at(d).process.budget.maxSteps = 1.5), "BUDGET_INVALID"],
  ["negative wall seconds", AS, (d) => (at(d).process.budget.maxWallSeconds = -1), "BUDGET_INVALID"],
  ["a probe accuracy above 1", TH, (d) => (at(d).worldModel.probes[0].accuracy = 1.2), "ACCURACY_INVALID"],
  [
    "a probability above 1",
    TH,
    (d) => (at(d).worldModel.twin.localModels[0].rows[0].distribution[0][1] = 1.5),
    "PROBABILITY_INVALID",
  ],
  [
    "a negative probability",
    TH,
    (d) => (at(d).worldModel.twin.localModels[0].rows[0].distribution[0][1] = -0.1),
    "PROBABILITY_INVALID",
  ],
  [
    "a fractional integer bound",
    AS,
    (d) => (at(d).worldModel.variables[2].domain.min = 1.5),
    "SHAPE_INVALID",
  ],
  [
    "an integer bound beyond 2^53",
    AS,
    (d) => (at(d).worldModel.variables[2].domain.max = 2 ** 60),
    "TOO_LARGE",
  ],
  // Wrong enumerations.
  ["a misspelt sense", AS, (d) => (at(d).objective.sense = "maximise"), "DOCUMENT_INVALID"],
  ["an unknown process kind", AS, (d) => (at(d).process.kind = "q_learning"), "PROCESS_KIND_UNKNOWN"],
  ["an unknown world-model kind", AS, (d) => (at(d).worldModel.kind = "explict"), "WORLD_MODEL_KIND_UNKNOWN"],
  [
    "an unknown domain kind",
    AS,
    (d) => (at(d).worldModel.variables[0].domain.kind = "float"),
    "SHAPE_INVALID",
  ],
  [
    "an unknown local-model kind",
    AS,
    (d) => (at(d).worldModel.localModels[1].kind = "matrix"),
    "SHAPE_INVALID",
  ],
  ["an unknown probe kind", TH, (d) => (at(d).worldModel.probes[0].probe = "linear-ish"), "SHAPE_INVALID"],
  ["an unknown kind in mayCreate", AS, (d) => (at(d).process.mayCreate = ["search"]), "MAY_CREATE_INVALID"],
  [
    "a kind twice in mayCreate",
    AS,
    (d) => (at(d).process.mayCreate = ["planner", "planner"]),
    "MAY_CREATE_INVALID",
  ],
  // Digests and URIs.
  [
    "an upper-case digest",
    TH,
    (d) => (at(d).worldModel.artifact.digest = `sha256:${"A".repeat(64)}`),
    "DIGEST_INVALID",
  ],
  [
    "a short dataset digest",
    TH,
    (d) => (at(d).worldModel.probes[0].dataset = "sha256:abc"),
    "DIGEST_INVALID",
  ],
  ["another hash's digest", TH, (d) => (at(d).worldModel.artifact.digest = `md5:${D64}`), "DIGEST_INVALID"],
  ["a URI that is a sentence", TH, (d) => (at(d).worldModel.artifact.uri = "not a uri"), "URI_INVALID"],
  ["a URI with a leading space", TH, (d) => (at(d).worldModel.artifact.uri = " urn:x:y"), "URI_INVALID"],
  // Shapes the loader checks with its own codes.
  ["a twin and declared variables", TH, (d) => (at(d).worldModel.variables = []), "VARIABLES_WITH_TWIN"],
  [
    "an enumeration without values",
    AS,
    (d) => (at(d).worldModel.variables[1].domain.values = []),
    "DOMAIN_INVALID",
  ],
  [
    "an enumeration value twice",
    AS,
    (d) => at(d).worldModel.variables[1].domain.values.push("long-way-round"),
    "DOMAIN_INVALID",
  ],
  [
    "an object in a row",
    AS,
    (d) => (at(d).worldModel.localModels[2].rows[0][1] = { n: 17 }),
    "VALUE_OUT_OF_DOMAIN",
  ],
  ["a null in a row", AS, (d) => (at(d).worldModel.localModels[2].rows[0][1] = null), "VALUE_OUT_OF_DOMAIN"],
  ["an empty row", AS, (d) => (at(d).worldModel.localModels[2].rows[0] = []), "ARITY_MISMATCH"],
  [
    "a row of 33 values",
    AS,
    (d) => (at(d).worldModel.localModels[2].rows[0] = Array(33).fill(17)),
    "ARITY_MISMATCH",
  ],
  ["a row that is not a list", AS, (d) => (at(d).worldModel.localModels[2].rows[0] = "17"), "SHAPE_INVALID"],
  [
    "a three-part outcome",
    TH,
    (d) => at(d).worldModel.twin.localModels[0].rows[0].distribution[0].push(1),
    "TOO_LARGE",
  ],
  [
    "a relation over no variables",
    TT,
    (d) => (at(d).worldModel.localModels[0].variables = []),
    "SHAPE_INVALID",
  ],
  [
    "33 tags on a variable",
    AS,
    (d) => (at(d).worldModel.variables[0].tags = Array(33).fill("t")),
    "TOO_LARGE",
  ],
  ["a blank expression", AS, (d) => (at(d).objective.expr = "  "), "EMPTY_INPUT"],
  ["an empty measuredBy", AS, (d) => (at(d).objective.measuredBy = ""), "DOCUMENT_INVALID"],
  [
    "a constant that is not a number",
    TH,
    (d) => (at(d).objective.constants.energy_price = "0.1"),
    "DOCUMENT_INVALID",
  ],
  ["metadata that is a list", AS, (d) => (d.metadata = [1]), "FIELD_INVALID"],
  ["a description over 4,000 characters", AS, (d) => (d.description = "d".repeat(4001)), "FIELD_INVALID"],
];

function mutated(file: string, change: (doc: Doc) => void): Doc {
  const doc = read(file);
  change(doc);
  return doc;
}

describe("schema and loader refuse the same broken specs", () => {
  it.each(BOTH_REFUSE)("%s", (_what, file, change, code) => {
    const doc = mutated(file, change);
    expect(loaderCodes(doc)).toContain(code);
    expect(schemaValid(doc)).toBe(false);
  });
});

/* Valid under the JSON Schema, refused by the loader alone: FORMAT.md lists these. */
const LOADER_ONLY: Case[] = [
  [
    "a CPT row summing to 0.9",
    TH,
    (d) => (at(d).worldModel.twin.localModels[0].rows[0].distribution[0][1] = 0.2),
    "CPT_ROW_SUM",
  ],
  [
    "a CPT without a row for some parents",
    TH,
    (d) => at(d).worldModel.twin.localModels[1].rows.pop(),
    "CPT_ROWS_MISSING",
  ],
  [
    "a value outside its variable's domain",
    AS,
    (d) => (at(d).worldModel.localModels[2].rows[0][1] = 51),
    "VALUE_OUT_OF_DOMAIN",
  ],
  [
    "an enumeration value not in the list",
    AS,
    (d) => (at(d).worldModel.localModels[2].rows[0][0] = "fly"),
    "VALUE_OUT_OF_DOMAIN",
  ],
  [
    "a row with one value too few",
    AS,
    (d) => at(d).worldModel.localModels[1].rows[0].pop(),
    "ARITY_MISMATCH",
  ],
  [
    "a scope naming no declared variable",
    AS,
    (d) => (at(d).worldModel.localModels[2].inputs = ["rout"]),
    "UNKNOWN_VARIABLE",
  ],
  [
    "a variable twice in a scope",
    TT,
    (d) => (at(d).worldModel.localModels[0].variables = ["move", "move", "my_threat"]),
    "REPEATED_VARIABLE",
  ],
  [
    "a variable declared twice",
    AS,
    (d) => at(d).worldModel.variables.push(at(d).worldModel.variables[0]),
    "DUPLICATE_VARIABLE",
  ],
  [
    "a local model declared twice",
    AS,
    (d) => at(d).worldModel.localModels.push(at(d).worldModel.localModels[2]),
    "DUPLICATE_LOCAL_MODEL",
  ],
  [
    "a variable no local model covers",
    AS,
    (d) => at(d).worldModel.variables.push({ name: "z", domain: { kind: "boolean" }, tags: [] }),
    "VARIABLE_NOT_COVERED",
  ],
  [
    "a repeated row",
    TT,
    (d) => at(d).worldModel.localModels[0].rows.push(at(d).worldModel.localModels[0].rows[0]),
    "DUPLICATE_ROW",
  ],
  [
    "a table with two outputs for one input",
    AS,
    (d) => at(d).worldModel.localModels[2].rows.push(["long-way-round", 40]),
    "TABLE_NOT_FUNCTION",
  ],
  [
    "an integer range upside down",
    AS,
    (d) => (at(d).worldModel.variables[2].domain = { kind: "int", min: 50, max: -100 }),
    "DOMAIN_INVALID",
  ],
  [
    "an objective over an unknown variable",
    AS,
    (d) => (at(d).objective.expr = "E[rewrd]"),
    "UNKNOWN_IDENTIFIER",
  ],
  [
    "an objective that does not type-check",
    AS,
    (d) => (at(d).objective.expr = 'E[reward] + "x"'),
    "TYPE_MISMATCH",
  ],
  ["an objective that does not parse", AS, (d) => (at(d).objective.expr = "E[reward"), "UNEXPECTED_TOKEN"],
  [
    "a constant named like a variable",
    AS,
    (d) => (at(d).objective.constants = { reward: 1 }),
    "CONSTANT_INVALID",
  ],
  [
    "a probe of an unknown variable",
    TH,
    (d) => (at(d).worldModel.probes[0].variable = "temprature"),
    "PROBE_VARIABLE_UNKNOWN",
  ],
  ["a URI a URL parser refuses", TH, (d) => (at(d).worldModel.artifact.uri = "http://[bad"), "URI_INVALID"],
  [
    "proxyFor nested 17 deep",
    AS,
    (d) => {
      let objective = at(d).objective;
      for (let i = 0; i < 17; i++)
        objective = objective.proxyFor = { sense: "maximize", expr: "E[performance]" };
    },
    "TOO_DEEP",
  ],
];

describe("what only the loader checks", () => {
  it.each(LOADER_ONLY)("%s: valid under the schema, refused by the loader", (_what, file, change, code) => {
    const doc = mutated(file, change);
    expect(schemaValid(doc), JSON.stringify(schemaValid.errors)).toBe(true);
    expect(loaderCodes(doc)).toContain(code);
  });
});

/** Every path to a value in a JSON document. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) paths(value[i], [...at, i], out);
  else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

describe("the schema never refuses what the loader accepts", () => {
  it("on random changes to the worked examples (replace, delete or add a value anywhere)", () => {
    const bases = EXAMPLE_FILES.filter((f) => f.endsWith(".yaml")).map((f) => ({
      doc: read(f),
      all: paths(read(f)),
    }));
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.nat(),
        fc.constantFrom("replace", "delete", "add"),
        fc.jsonValue({ maxDepth: 2 }),
        fc.string({ maxLength: 12 }),
        (b, p, how, value, key) => {
          const base = bases[b]!;
          const doc = structuredClone(base.doc);
          const target = base.all[p % base.all.length]!;
          const parentPath = target.slice(0, -1);
          let parent: unknown = doc;
          for (const s of parentPath) parent = (parent as Record<string | number, unknown>)[s];
          const last = target[target.length - 1];
          if (how === "add") {
            const holder = (
              target.length === 0 ? doc : (parent as Record<string | number, unknown>)[last!]
            ) as unknown;
            if (Array.isArray(holder)) holder.push(value);
            else if (typeof holder === "object" && holder !== null) define(holder, key, value);
          } else if (last !== undefined) {
            const container = parent as Record<string | number, unknown>;
            if (how === "delete" && Array.isArray(container)) container.splice(last as number, 1);
            else if (how === "delete") delete container[last];
            else define(container, String(last), value);
          }
          if (loaderCodes(doc).length > 0) return;
          accepted++;
          expect(schemaValid(doc), JSON.stringify(schemaValid.errors)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
    // Enough of the changes were accepted for the property to say something.
    expect(accepted).toBeGreaterThan(20);
  });
});
