import { describe, expect, it } from "vitest";
import * as model from "./index.js";

describe("the model area's public surface", () => {
  it("exports exactly these values (types are checked by the compiler)", () => {
    expect(Object.keys(model).sort()).toEqual([
      "CanonicalJsonError",
      "DEFAULT_ENUMERATION_LIMIT",
      "DEFAULT_LEGIBILITY_LIMITS",
      "DEFAULT_MAX_CELLS",
      "DEFAULT_SEARCH_BUDGET",
      "DETECTOR_NEEDS",
      "DIGEST_PATTERN",
      "EPISODE_REWARD_ALIASES",
      "FUNCTION_NAMES",
      "IMPLICIT_LIMITS",
      "INTENDED_ALIASES",
      "ImplicitWorldModelError",
      "MEASURE_KEYS",
      "OBJECTIVE_MAX_DEPTH",
      "OBJECTIVE_MAX_ERRORS",
      "OBJECTIVE_MAX_INPUT_BYTES",
      "OBJECTIVE_MAX_PROXY_DEPTH",
      "OBJECTIVE_MAX_TOKENS",
      "OBJECTIVE_MAX_TREE_DEPTH",
      "OPTIMIZER_SPEC_SCHEMA_ID",
      "ObjectiveError",
      "PROBE_KINDS",
      "PROCESS_KINDS",
      "PROCESS_REGISTRY",
      "ProcessError",
      "ROLE_TAGS",
      "SENSES",
      "SPEC_LIMITS",
      "SpecError",
      "WELL_KNOWN_TAGS",
      "WORLD_MODEL_LIMITS",
      "WorldModelError",
      "asRelation",
      "booleanVariable",
      "canonicalJson",
      "checkExpression",
      "checkLegibility",
      "checkObjective",
      "childrenOf",
      "compose",
      "condition",
      "consistencyRadius",
      "countSections",
      "cpt",
      "describePart",
      "describeType",
      "detectorNeeds",
      "diffWorldModels",
      "domainContains",
      "domainSize",
      "domainValues",
      "domainsEqual",
      "enumVariable",
      "enumerateSections",
      "evaluate",
      "evaluateObjective",
      "explainSpec",
      "explicitWorldModel",
      "expressionSize",
      "formatDomain",
      "formatPath",
      "globalConsistency",
      "hasTag",
      "implicitVariables",
      "implicitWorldModelSchema",
      "intVariable",
      "intendedKeys",
      "isEmptyDiff",
      "isProcessKind",
      "isRoleTag",
      "joinTree",
      "loadObjectiveDocument",
      "loadSpec",
      "localModelRows",
      "measureLegibility",
      "measuredByKey",
      "misspeltRoleTag",
      "observationModelName",
      "optimizerSpecJsonSchema",
      "optimizerSpecSchema",
      "pairwiseConsistency",
      "parseExpression",
      "parseObjective",
      "parseWorldModel",
      "predict",
      "printExpression",
      "printObjective",
      "processSchema",
      "processSearches",
      "randomBelow",
      "realVariable",
      "relation",
      "renderExplanation",
      "renderOptimizerSpecJsonSchema",
      "renderWorldModelDiff",
      "sampleSections",
      "scopeOf",
      "seededRng",
      "specDigest",
      "specObjective",
      "specVariables",
      "suggestProcessKind",
      "suggestSplit",
      "table",
      "tableFromFunction",
      "validateImplicitWorldModel",
      "validateOptimizerSpec",
      "validateProcess",
      "validateWorldModel",
      "variableRoles",
      "variablesRead",
      "worldModel",
    ]);
  });

  it("works end to end from the index: load, digest, explain, measure", () => {
    const text = `name: tiny
worldModel:
  kind: explicit
  name: w
  variables: [{ name: a, domain: { kind: boolean }, tags: [decision] }]
  localModels: [{ kind: relation, name: r, description: a is free, variables: [a], rows: [[true], [false]] }]
objective: { sense: maximize, expr: "E[a]" }
process: { kind: exhaustive-search, params: {}, budget: { maxSteps: 2, maxWallSeconds: 1 } }
`;
    const { spec, digest, errors } = model.loadSpec(text, "tiny.optimizer.yaml");
    expect(errors).toEqual([]);
    expect(digest).toBe(model.specDigest(spec!));
    expect(model.renderExplanation(model.explainSpec(spec!))).toContain("It maximizes E[a].");
    expect(model.checkLegibility(spec!).findings).toEqual([]);
    expect(model.processSearches(spec!.process)).toBe(true);
  });
});
