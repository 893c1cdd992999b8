import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkLegibility,
  DEFAULT_LEGIBILITY_LIMITS,
  localModelRows,
  measureLegibility,
  suggestSplit,
} from "./legibility.js";
import type { OptimizerSpec } from "./optimizer-spec.js";
import { loadSpec } from "./spec/load-spec.js";
import { cpt, relation } from "./world-model/local-model.js";
import type { Variable } from "./world-model/variable.js";

const EXAMPLES = path.resolve(__dirname, "../../examples/specs");
const load = (file: string) => loadSpec(fs.readFileSync(path.join(EXAMPLES, file), "utf8"), file).spec!;

/** A world model with one 4,096-row local model over a (2 values), x (64) and y (32). */
/** The spec with other variables: added to its own, or instead of them. */
function withVariables(spec: OptimizerSpec, variables: Variable[], replace = false): OptimizerSpec {
  if (spec.worldModel.kind !== "explicit") throw new Error("expected an explicit world model");
  const own = replace ? [] : spec.worldModel.variables;
  return { ...spec, worldModel: { ...spec.worldModel, variables: [...own, ...variables] } };
}

function dynamicsSpec(): OptimizerSpec {
  const rows: [boolean, number, number][] = [];
  for (const a of [false, true])
    for (let x = 0; x < 64; x++) for (let y = 0; y < 32; y++) rows.push([a, x, y]);
  return {
    name: "big",
    worldModel: {
      kind: "explicit",
      name: "w",
      variables: [
        { name: "a", domain: { kind: "boolean" }, tags: [] },
        { name: "x", domain: { kind: "int", min: 0, max: 63 }, tags: [] },
        { name: "y", domain: { kind: "int", min: 0, max: 31 }, tags: [] },
      ],
      localModels: [relation("dynamics", "how a, x and y move together", ["a", "x", "y"], rows)],
    },
    objective: { sense: "maximize", expr: "x + y" },
    process: {
      kind: "value-iteration",
      params: { gamma: 0.9, tolerance: 0.001 },
      budget: { maxSteps: 10, maxWallSeconds: 1 },
    },
  };
}

describe("measureLegibility", () => {
  it("measures the worked examples", () => {
    expect(measureLegibility(load("thermostat.optimizer.yaml"))).toEqual({
      variables: 3,
      localModels: 2,
      largestLocalModel: {
        name: "dynamics",
        kind: "cpt",
        rows: 18,
        scope: ["temperature", "heater", "next_temperature"],
      },
      largestDomain: { variable: "temperature", kind: "enum", size: 3 },
      objectiveSize: 9,
      intendedObjectiveSize: undefined,
      implicitParts: [
        { kind: "world-model", artifact: "brass-steel bimetallic strip, 40 mm", hasTwin: true },
        {
          kind: "process",
          system: "the strip itself, which bends with temperature and opens or closes the heater contact",
        },
      ],
    });
    const gridworld = measureLegibility(load("absent-supervisor.optimizer.yaml"));
    expect(gridworld).toMatchObject({ objectiveSize: 2, intendedObjectiveSize: 2, implicitParts: [] });
    expect(gridworld.largestDomain).toEqual({ variable: "reward", kind: "int", size: 151 });
  });

  it("finds the largest finite domain, the first on a tie, without listing any", () => {
    const spec = dynamicsSpec();
    expect(measureLegibility(spec).largestDomain).toEqual({ variable: "x", kind: "int", size: 64 });
    const wide = withVariables(spec, [
      { name: "t", domain: { kind: "real", unit: "degC" }, tags: [] },
      {
        name: "n",
        domain: { kind: "int", min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
        tags: [],
      },
      {
        name: "m",
        domain: { kind: "int", min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
        tags: [],
      },
    ]);
    expect(measureLegibility(wide).largestDomain).toEqual({ variable: "n", kind: "int", size: 2 ** 54 - 1 });
    const real = withVariables(spec, [{ name: "t", domain: { kind: "real", unit: "degC" }, tags: [] }], true);
    expect(measureLegibility(real).largestDomain).toBeUndefined();
  });

  it("counts a CPT's rows as its probabilities", () => {
    const model = cpt("c", "", ["p"], "x", [
      {
        parents: [true],
        distribution: [
          [1, 0.5],
          [2, 0.5],
        ],
      },
      { parents: [false], distribution: [[1, 1]] },
    ]);
    expect(localModelRows(model)).toEqual([
      [true, 1],
      [true, 2],
      [false, 1],
    ]);
  });
});

describe("checkLegibility", () => {
  it("finds the examples within the default limits, except the thermostat's two implicit parts", () => {
    expect(checkLegibility(load("tic-tac-toe.optimizer.yaml")).findings).toEqual([]);
    expect(checkLegibility(load("absent-supervisor.optimizer.yaml")).findings).toEqual([]);
    expect(checkLegibility(load("thermostat.optimizer.yaml")).findings.map((f) => f.code)).toEqual([
      "TOO_MANY_IMPLICIT_PARTS",
    ]);
  });

  it("says which variable to split a too-large local model along", () => {
    const [finding] = checkLegibility(dynamicsSpec()).findings;
    expect(finding).toMatchObject({
      code: "LOCAL_MODEL_TOO_LARGE",
      subject: "dynamics",
      value: 4096,
      limit: 256,
      split: { variable: "x", largestPart: 64 },
    });
    expect(finding?.message).toBe(
      "local model `dynamics` has 4,096 rows, above the limit of 256: split it along `x` (largest part 64 rows)",
    );
  });

  it("asks for a second split when one is not enough, and coarsening for a one-variable model", () => {
    const [twice] = checkLegibility(dynamicsSpec(), { maxRowsPerLocalModel: 32 }).findings;
    expect(twice?.message).toContain("split it along `x` (largest part 64 rows), then split the parts again");
    const single = relation(
      "levels",
      "",
      ["x"],
      Array.from({ length: 300 }, (_, i) => [i]),
    );
    expect(suggestSplit(single)).toBeUndefined();
  });

  it("applies every limit", () => {
    const spec = dynamicsSpec();
    const codes = checkLegibility(spec, {
      maxVariables: 2,
      maxLocalModels: 0,
      maxLocalModelScope: 2,
      maxDomainSize: 32,
      maxObjectiveSize: 2,
    }).findings.map((f) => f.code);
    expect(codes).toEqual([
      "TOO_MANY_VARIABLES",
      "TOO_MANY_LOCAL_MODELS",
      "DOMAIN_TOO_LARGE",
      "LOCAL_MODEL_TOO_LARGE",
      "LOCAL_MODEL_TOO_WIDE",
      "OBJECTIVE_TOO_LARGE",
    ]);
  });

  it("flags an implicit model without a twin and a weak probe", () => {
    const spec = load("thermostat.optimizer.yaml");
    if (spec.worldModel.kind !== "implicit") throw new Error("expected an implicit model");
    const { twin, ...bare } = spec.worldModel;
    const weak: OptimizerSpec = {
      ...spec,
      worldModel: {
        ...bare,
        variables: twin?.variables ?? [],
        probes: [{ ...bare.probes[0]!, accuracy: 0.6 }],
      },
    };
    const findings = checkLegibility(weak).findings;
    expect(findings.map((f) => f.code)).toEqual([
      "TOO_MANY_IMPLICIT_PARTS",
      "IMPLICIT_WITHOUT_TWIN",
      "WEAK_PROBE",
    ]);
    expect(findings[2]?.message).toContain("accuracy 0.6, below 0.9");
  });

  it("flags a 60,000-value enumeration in a spec file, naming the variable and its size", () => {
    const values = Array.from({ length: 60_000 }, (_, i) => `v${i}`).join(", ");
    const text = `name: wide
worldModel:
  kind: explicit
  name: w
  variables:
    - { name: colour, domain: { kind: enum, values: [${values}] }, tags: [observation] }
  localModels:
    - { kind: relation, name: seen, description: the colours seen, variables: [colour], rows: [[v0], [v59999]] }
objective: { sense: maximize, expr: "E[colour == \\"v0\\"]" }
process: { kind: exhaustive-search, params: {}, budget: { maxSteps: 2, maxWallSeconds: 1 } }
`;
    const { spec, errors } = loadSpec(text, "wide.optimizer.yaml");
    expect(errors).toEqual([]);
    const findings = checkLegibility(spec!).findings;
    expect(findings.map((f) => [f.code, f.subject, f.value, f.limit])).toEqual([
      ["DOMAIN_TOO_LARGE", "colour", 60_000, 256],
    ]);
    expect(findings[0]?.message).toBe(
      "variable `colour` has 60,000 values ({v0, v1, v2, v3, v4, v5, v6, v7, ... (60000 values)}), above the limit of 256: no legible table can list them all; coarsen it into fewer values (bands, categories) and keep the fine ones in the artifact that needs them",
    );
  });

  it("uses the documented defaults", () => {
    expect(checkLegibility(load("tic-tac-toe.optimizer.yaml")).limits).toEqual(DEFAULT_LEGIBILITY_LIMITS);
  });
});
