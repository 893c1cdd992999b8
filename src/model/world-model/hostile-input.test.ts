/**
 * Hostile input is the normal case: a world model may arrive from another party's ledger entry.
 * Every public operation must reject malformed input with a WorldModelError that has a code and a
 * path, and never crash with a TypeError.
 */
import { describe, expect, it } from "vitest";
import { compose } from "./compose.js";
import { consistencyRadius } from "./consistency-radius.js";
import { diffWorldModels } from "./diff.js";
import { condition, countSections, enumerateSections, sampleSections } from "./global-sections.js";
import { globalConsistency, pairwiseConsistency } from "./gluing.js";
import { joinTree } from "./join-tree.js";
import { predict } from "./predict.js";
import { seededRng } from "./seeded-rng.js";
import { garden } from "./test-support/garden.js";
import type { WorldModel } from "./world-model.js";
import { parseWorldModel } from "./world-model.js";
import { WorldModelError, type WorldModelErrorCode } from "./world-model-error.js";

function thrown(f: () => unknown): WorldModelError {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WorldModelError)) throw new Error(`expected a WorldModelError, got ${String(e)}`);
    return e;
  }
  throw new Error("expected a WorldModelError, nothing was thrown");
}

const boolVar = (name: string) => ({ name, domain: { kind: "boolean" }, tags: [] });
const rel = (rows: unknown, variables: unknown = ["a"]) => ({
  kind: "relation",
  name: "r",
  description: "",
  variables,
  rows,
});
const model = (localModels: unknown[], variables: unknown[] = [boolVar("a")]) => ({
  name: "w",
  variables,
  localModels,
});

const cyclicRow: unknown[] = [];
cyclicRow.push(cyclicRow);

const hostile: [string, unknown, WorldModelErrorCode, string][] = [
  ["null", null, "SHAPE_INVALID", ""],
  ["a number", 42, "SHAPE_INVALID", ""],
  ["an array", [], "SHAPE_INVALID", ""],
  ["variables not a list", { name: "w", variables: null, localModels: [] }, "SHAPE_INVALID", "variables"],
  ["a variable without domain", model([], [{ name: "a", tags: [] }]), "SHAPE_INVALID", "variables[0].domain"],
  [
    "a non-integer bound",
    model([], [{ name: "a", domain: { kind: "int", min: 0.5, max: 2 }, tags: [] }]),
    "SHAPE_INVALID",
    "variables[0].domain.min",
  ],
  [
    "an unsafe bound",
    model([], [{ name: "a", domain: { kind: "int", min: 0, max: 1e300 }, tags: [] }]),
    "TOO_LARGE",
    "variables[0].domain.max",
  ],
  ["rows not a list", model([rel(null)]), "SHAPE_INVALID", "localModels[0].rows"],
  ["a row not a list", model([rel([null])]), "SHAPE_INVALID", "localModels[0].rows[0]"],
  ["an object value", model([rel([[{}]])]), "VALUE_OUT_OF_DOMAIN", "localModels[0].rows[0][0]"],
  ["a NaN value", model([rel([[Number.NaN]])]), "VALUE_OUT_OF_DOMAIN", "localModels[0].rows[0][0]"],
  ["a bigint value", model([rel([[1n]])]), "VALUE_OUT_OF_DOMAIN", "localModels[0].rows[0][0]"],
  ["a row containing itself", model([rel([cyclicRow])]), "VALUE_OUT_OF_DOMAIN", "localModels[0].rows[0][0]"],
  [
    "an unknown kind",
    model([{ kind: "neural", name: "n", description: "" }]),
    "SHAPE_INVALID",
    "localModels[0].kind",
  ],
  ["an unknown variable", model([rel([[true]], ["zzz"])]), "UNKNOWN_VARIABLE", "localModels[0].variables[0]"],
  [
    "a variable name that is not a string",
    model([rel([[true]], [7])]),
    "SHAPE_INVALID",
    "localModels[0].variables[0]",
  ],
  [
    "a CPT entry that is not a pair",
    model([
      {
        kind: "cpt",
        name: "c",
        description: "",
        parents: [],
        child: "a",
        rows: [{ parents: [], distribution: [[true]] }],
      },
    ]),
    "SHAPE_INVALID",
    "localModels[0].rows[0].distribution[0]",
  ],
  [
    "a probability that is a string",
    model([
      {
        kind: "cpt",
        name: "c",
        description: "",
        parents: [],
        child: "a",
        rows: [{ parents: [], distribution: [[true, "1"]] }],
      },
    ]),
    "SHAPE_INVALID",
    "localModels[0].rows[0].distribution[0][1]",
  ],
  [
    "a probability of NaN",
    model([
      {
        kind: "cpt",
        name: "c",
        description: "",
        parents: [],
        child: "a",
        rows: [{ parents: [], distribution: [[true, Number.NaN]] }],
      },
    ]),
    "SHAPE_INVALID",
    "localModels[0].rows[0].distribution[0][1]",
  ],
  ["a huge name", { name: "w".repeat(10_000), variables: [], localModels: [] }, "TOO_LARGE", "name"],
  ["too many rows", model([rel(new Array(1_000_001).fill([true]))]), "TOO_LARGE", "localModels[0].rows"],
  [
    "too many enumeration values",
    model(
      [],
      [
        {
          name: "a",
          domain: { kind: "enum", values: Array.from({ length: 100_001 }, (_, i) => `v${i}`) },
          tags: [],
        },
      ],
    ),
    "TOO_LARGE",
    "variables[0].domain.values",
  ],
  ["too many variables", model([], new Array(100_001).fill(boolVar("a"))), "TOO_LARGE", "variables"],
  [
    "too wide a scope",
    model(
      [
        rel(
          [],
          Array.from({ length: 33 }, (_, i) => `v${i}`),
        ),
      ],
      Array.from({ length: 33 }, (_, i) => boolVar(`v${i}`)),
    ),
    "TOO_LARGE",
    "localModels[0].variables",
  ],
  [
    "too many rows in all",
    model(
      Array.from({ length: 11 }, (_, i) => ({ ...rel(new Array(1_000_000).fill([true])), name: `r${i}` })),
    ),
    "TOO_LARGE",
    "localModels",
  ],
];

describe("hostile world models", () => {
  it.each(hostile)("rejects %s with a coded error and its path", (_, input, code, path) => {
    const err = thrown(() => parseWorldModel(input));
    expect(err.code).toBe(code);
    expect(err.path).toBe(path);
  });

  // Every operation validates on entry; the cheap inputs are enough to show it.
  const cheap = hostile.filter(([what]) => !what.startsWith("too many") && !what.startsWith("too wide"));
  const operations: [string, (m: WorldModel) => unknown][] = [
    ["joinTree", (m) => joinTree(m)],
    ["pairwiseConsistency", (m) => pairwiseConsistency(m)],
    ["globalConsistency", (m) => globalConsistency(m)],
    ["countSections", (m) => countSections(m)],
    ["enumerateSections", (m) => enumerateSections(m, 5)],
    ["sampleSections", (m) => sampleSections(m, seededRng(1), 1)],
    ["condition", (m) => condition(m, {})],
    ["predict", (m) => predict(m, {}, [])],
    ["consistencyRadius", (m) => consistencyRadius(m, [])],
    ["compose (second)", (m) => compose(garden(), m)],
    ["diffWorldModels (after)", (m) => diffWorldModels(garden(), m)],
  ];
  for (const [name, op] of operations) {
    it(`${name} rejects every malformed model with a coded error`, () => {
      for (const [, input, code] of cheap) {
        const err = thrown(() => op(input as WorldModel));
        expect(err.code).toBe(code);
        expect(typeof err.path).toBe("string");
      }
    });
  }
  it("prefixes paths with the argument when there are two models", () => {
    const err = thrown(() => compose(garden(), model([rel([[1]])]) as unknown as WorldModel));
    expect(err.path).toBe("second.localModels[0].rows[0][0]");
  });
});

describe("hostile arguments", () => {
  const g = garden();
  const cases: [string, () => unknown, WorldModelErrorCode, string][] = [
    ["observations not a list", () => consistencyRadius(g, "rain" as never), "SHAPE_INVALID", "observations"],
    [
      "an observation not an object",
      () => consistencyRadius(g, [null as never]),
      "SHAPE_INVALID",
      "observations[0]",
    ],
    [
      "an unknown observed variable",
      () => consistencyRadius(g, [{ snow: true }]),
      "UNKNOWN_VARIABLE",
      "observations[0].snow",
    ],
    [
      "an observed value outside the domain",
      () => consistencyRadius(g, [{ soil: "muddy" }]),
      "VALUE_OUT_OF_DOMAIN",
      "observations[0].soil",
    ],
    [
      "a prototype name in an observation",
      () => consistencyRadius(g, [{ constructor: 1 } as never]),
      "UNKNOWN_VARIABLE",
      "observations[0].constructor",
    ],
    ["decisions not an object", () => predict(g, 7 as never, ["tomatoes"]), "SHAPE_INVALID", "decisions"],
    ["outcomes not a list", () => predict(g, {}, "tomatoes" as never), "SHAPE_INVALID", "outcomes"],
    ["an outcome not a string", () => predict(g, {}, [3 as never]), "UNKNOWN_VARIABLE", "outcomes[0]"],
    ["an outcome twice", () => predict(g, {}, ["soil", "soil"]), "REPEATED_VARIABLE", "outcomes[1]"],
    ["maxCells zero", () => predict(g, {}, ["soil"], { maxCells: 0 }), "ARGUMENT_INVALID", "maxCells"],
    ["a negative limit", () => enumerateSections(g, -1), "ARGUMENT_INVALID", "limit"],
    ["a fractional budget", () => countSections(g, { budget: 1.5 }), "ARGUMENT_INVALID", "budget"],
    ["a NaN budget", () => globalConsistency(g, { budget: Number.NaN }), "ARGUMENT_INVALID", "budget"],
    ["no rng", () => sampleSections(g, undefined as never, 1), "ARGUMENT_INVALID", "rng"],
    ["a broken rng", () => sampleSections(g, () => 0.999999999, 1), "ARGUMENT_INVALID", "rng"],
    [
      "an unknown conditioned variable",
      () => condition(g, { snow: true }),
      "UNKNOWN_VARIABLE",
      "observation.snow",
    ],
  ];
  it.each(cases)("rejects %s", (_, f, code, path) => {
    const err = thrown(f);
    expect(err.code).toBe(code);
    expect(err.path).toBe(path);
  });
});
