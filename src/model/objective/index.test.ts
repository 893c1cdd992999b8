import { describe, expect, it } from "vitest";
import * as objective from "./index.js";

describe("public surface", () => {
  it("exports exactly these values (types are checked by the compiler)", () => {
    expect(Object.keys(objective).sort()).toEqual([
      "FUNCTION_NAMES",
      "MAX_DEPTH",
      "MAX_ERRORS",
      "MAX_INPUT_BYTES",
      "MAX_PROXY_DEPTH",
      "MAX_TOKENS",
      "MAX_TREE_DEPTH",
      "ObjectiveError",
      "SENSES",
      "checkExpression",
      "checkObjective",
      "childrenOf",
      "describeType",
      "evaluate",
      "evaluateObjective",
      "expressionSize",
      "loadObjectiveDocument",
      "parseExpression",
      "parseObjective",
      "printExpression",
      "printObjective",
      "variablesRead",
    ]);
  });

  it("works end to end from the index", () => {
    const world = {
      variables: [{ name: "tomatoes", domain: { kind: "int" as const, min: 0, max: 9 }, tags: [] }],
    };
    const parsed = objective.parseObjective("maximize tomatos");
    const [error] = objective.checkObjective(parsed, world).errors;
    expect(error).toBeInstanceOf(objective.ObjectiveError);
    expect(error?.suggestion).toBe("tomatoes");
  });
});
