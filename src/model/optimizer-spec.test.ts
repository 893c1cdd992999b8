import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadObjectiveDocument } from "./objective/index.js";
import {
  explicitWorldModel,
  type OptimizerSpec,
  objectiveDocumentSchema,
  parsePath,
  specObjective,
  specVariables,
  validateOptimizerSpec,
} from "./optimizer-spec.js";

const EXAMPLES = path.resolve(__dirname, "../../examples/specs");
const read = (file: string) => parseYaml(fs.readFileSync(path.join(EXAMPLES, file), "utf8"));

describe("validateOptimizerSpec", () => {
  it("accepts the worked examples and types them", () => {
    const { spec, problems } = validateOptimizerSpec(read("tic-tac-toe.optimizer.yaml"));
    expect(problems).toEqual([]);
    expect(spec?.process.kind).toBe("tree-search");
    expect(explicitWorldModel(spec!)?.localModels.map((m) => m.name)).toEqual(["legal-moves", "line-rules"]);
  });

  it("finds the explicit variables of an implicit model in its twin", () => {
    const { spec } = validateOptimizerSpec(read("thermostat.optimizer.yaml"));
    expect(specVariables(spec!).map((v) => v.name)).toEqual(["temperature", "heater", "next_temperature"]);
    expect(explicitWorldModel(spec!)?.name).toBe("thermostat twin");
    expect(specObjective(spec!).errors).toEqual([]);
  });

  it("lets an implicit model without a twin declare the variables its objective reads", () => {
    const value = read("thermostat.optimizer.yaml");
    value.worldModel.variables = value.worldModel.twin.variables;
    delete value.worldModel.twin;
    const { spec, problems } = validateOptimizerSpec(value);
    expect(problems).toEqual([]);
    expect(explicitWorldModel(spec!)).toBeUndefined();
    expect(specVariables(spec!)).toHaveLength(3);
  });

  it("refuses a root that is not a mapping", () => {
    for (const value of [null, 3, "x", [1]]) {
      expect(validateOptimizerSpec(value).problems.map((p) => p.code)).toEqual(["ROOT_NOT_OBJECT"]);
    }
  });

  it("reports missing parts once each, and does not type-check an objective against broken variables", () => {
    const { problems } = validateOptimizerSpec({ name: "x", objective: { sense: "maximize", expr: "a" } });
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ["FIELD_MISSING", ["worldModel"]],
      ["FIELD_MISSING", ["process"]],
    ]);
  });

  it("marks problems inside an expression with their place in it", () => {
    const value = read("absent-supervisor.optimizer.yaml");
    value.objective.expr = "E[reward] + E[rewrd]";
    const [problem] = validateOptimizerSpec(value).problems;
    expect(problem).toMatchObject({
      area: "objective",
      code: "UNKNOWN_IDENTIFIER",
      path: ["objective", "expr"],
      inExpression: { line: 1, column: 15 },
    });
    expect(problem?.detail).not.toMatch(/ at 1:15/);
  });
});

describe("objectiveDocumentSchema (published) agrees with loadObjectiveDocument (validating)", () => {
  const world = { variables: [{ name: "a", domain: { kind: "int" as const, min: 0, max: 9 }, tags: [] }] };
  it.each([
    [{ sense: "maximize", expr: "a" }, true],
    [{ sense: "minimize", expr: "a", constants: { k: 1 }, measuredBy: "survey" }, true],
    [{ sense: "maximize", expr: "a", proxyFor: "wellbeing" }, true],
    [{ sense: "maximize", expr: "a", proxyFor: { sense: "maximize", expr: "a", proxyFor: "deeper" } }, true],
    [{ sense: "maximise", expr: "a" }, false],
    [{ sense: "maximize" }, false],
    [{ sense: "maximize", expr: 3 }, false],
    [{ sense: "maximize", expr: "a", constants: { k: "one" } }, false],
    [{ sense: "maximize", expr: "a", proxyFor: "" }, false],
    [{ sense: "maximize", expr: "a", measuredBy: "" }, false],
    [{ sense: "maximize", expr: "a", proxyFor: { sense: "up", expr: "a" } }, false],
  ])("%j: valid = %s", (doc, valid) => {
    const published = objectiveDocumentSchema.safeParse(doc).success;
    const loaded =
      loadObjectiveDocument(doc, world).errors.filter((e) => e.code === "DOCUMENT_INVALID").length === 0;
    expect(published).toBe(valid);
    expect(loaded).toBe(valid);
  });
});

describe("parsePath", () => {
  it("reads back what formatPath writes", () => {
    expect(parsePath("localModels[2].rows[5][1]")).toEqual(["localModels", 2, "rows", 5, 1]);
    expect(parsePath("")).toEqual([]);
    expect(parsePath("proxyFor.expr")).toEqual(["proxyFor", "expr"]);
  });
});

// A spec built in code type-checks against the interface: a compile-time test.
const _typed: OptimizerSpec = {
  name: "typed",
  worldModel: { kind: "explicit", name: "w", variables: [], localModels: [] },
  objective: { sense: "satisfy", expr: "true" },
  process: { kind: "best-of-n", params: { n: 2 }, budget: { maxSteps: 2, maxWallSeconds: 1 } },
};
