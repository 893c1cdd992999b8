import { describe, expect, it } from "vitest";
import { MAX_ERRORS } from "./limits.js";
import { parseExpression, parseObjective } from "./parser.js";
import { checkExpression, checkObjective } from "./type-checker.js";
import type { WorldDescription } from "./world-description.js";

const WORLD: WorldDescription = {
  variables: [
    { name: "watered_tomatoes", domain: { kind: "int", min: 0, max: 100 }, tags: [] },
    { name: "steps", domain: { kind: "int", min: 0, max: 1000 }, tags: [] },
    { name: "observed", domain: { kind: "boolean" }, tags: ["oversight"] },
    { name: "camera_on", domain: { kind: "boolean" }, tags: ["sensor", "oversight"] },
    { name: "raining", domain: { kind: "boolean" }, tags: [] },
    { name: "weather", domain: { kind: "enum", values: ["sun", "rain", "storm"] }, tags: [] },
    { name: "forecast", domain: { kind: "enum", values: ["sun", "rain"] }, tags: [] },
    { name: "light", domain: { kind: "enum", values: ["red", "green"] }, tags: [] },
    { name: "cost", domain: { kind: "real", unit: "usd" }, tags: [] },
    { name: "mass", domain: { kind: "real", unit: "kg" }, tags: [] },
  ],
};

function codes(source: string, options = {}): string[] {
  return checkObjective(parseObjective(source), WORLD, options).errors.map((e) => e.code);
}

describe("checkObjective", () => {
  it("accepts well-typed objectives and gives their type", () => {
    const ok = [
      "maximize watered_tomatoes - 0.1 * steps",
      "maximize E[watered_tomatoes] - k * steps",
      "maximize E[raining]",
      'satisfy weather != "storm" and (raining or forecast == "sun")',
      "satisfy weather == forecast",
      "minimize cost + 2 * cost - cost / 3",
      "minimize max(cost, 0) + abs(min(cost, 1, 2))",
      'minimize if weather == "storm" then 10 * cost else cost',
      'satisfy (if raining then "rain" else forecast) == weather',
      "satisfy not raining",
    ];
    for (const source of ok) expect(codes(source, { constants: { k: 0.5 } }), source).toEqual([]);
    expect(checkExpression(parseExpression("cost * 2"), WORLD).type).toEqual({ kind: "number", unit: "usd" });
    expect(checkExpression(parseExpression("E[raining]"), WORLD).type).toEqual({
      kind: "number",
      unit: undefined,
    });
  });

  it("rejects an unknown variable and suggests the nearest name", () => {
    const { errors } = checkObjective(parseObjective("maximize watered_tomatos - 0.1 * stesp"), WORLD);
    expect(errors.map((e) => [e.code, e.suggestion, e.line, e.column])).toEqual([
      ["UNKNOWN_IDENTIFIER", "watered_tomatoes", 1, 10],
      ["UNKNOWN_IDENTIFIER", "steps", 1, 34],
    ]);
    expect(errors[0]?.message).toContain("did you mean `watered_tomatoes`?");
  });

  it("suggests constants too, and nothing when no name is close", () => {
    const [near] = checkExpression(parseExpression("step_cots"), WORLD, {
      constants: { step_cost: 1 },
    }).errors;
    expect(near?.suggestion).toBe("step_cost");
    const [far] = checkExpression(parseExpression("zzzzzz"), WORLD).errors;
    expect(far).toMatchObject({ code: "UNKNOWN_IDENTIFIER", suggestion: undefined });
  });

  it("rejects variables with a forbidden tag, naming the variable, the tag and the position", () => {
    const { errors } = checkObjective(
      parseObjective("maximize watered_tomatoes - (if observed then 0 else steps)"),
      WORLD,
      {
        forbiddenTags: ["oversight"],
      },
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: "FORBIDDEN_VARIABLE",
      variable: "observed",
      tag: "oversight",
      line: 1,
      column: 33,
    });
    expect(errors[0]?.message).toContain("`observed`");
    expect(codes("satisfy camera_on", { forbiddenTags: ["oversight", "sensor"] })).toEqual([
      "FORBIDDEN_VARIABLE",
      "FORBIDDEN_VARIABLE",
    ]);
    expect(codes("satisfy observed")).toEqual([]);
  });

  it("rejects an enumeration literal outside the domain, with a suggestion", () => {
    const { errors } = checkObjective(
      parseObjective('satisfy weather == "snow" or "stromm" != weather'),
      WORLD,
    );
    expect(errors.map((e) => [e.code, e.variable, e.column])).toEqual([
      ["ENUM_VALUE_UNKNOWN", "weather", 20],
      ["ENUM_VALUE_UNKNOWN", "weather", 30],
    ]);
    expect(errors[1]?.suggestion).toBe("storm");
    expect(codes("satisfy light == forecast")).toEqual(["TYPE_MISMATCH"]);
  });

  it("rejects a sense that does not fit the expression's type", () => {
    expect(codes("maximize raining")).toEqual(["SENSE_MISMATCH"]);
    expect(codes("minimize weather")).toEqual(["SENSE_MISMATCH"]);
    expect(codes("satisfy steps * 2")).toEqual(["SENSE_MISMATCH"]);
    const [error] = checkObjective(parseObjective("maximize raining"), WORLD).errors;
    expect(error).toMatchObject({ expected: "a number to maximize", got: "boolean", column: 10 });
  });

  it("rejects ill-typed operators, reporting each cause once", () => {
    expect(codes("maximize steps + raining")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("satisfy steps and raining")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("satisfy weather < 3")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("satisfy raining == 1")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("maximize if steps then 1 else 2")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("maximize if raining then 1 else raining")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("maximize E[weather]")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("maximize -raining")).toEqual(["TYPE_MISMATCH"]);
    expect(codes("satisfy not steps")).toEqual(["TYPE_MISMATCH"]);
    // The unknown name is the cause; its parents do not pile errors on top.
    expect(codes("maximize -(nope + 1) * 2")).toEqual(["UNKNOWN_IDENTIFIER"]);
  });

  it("checks arity", () => {
    expect(codes("maximize abs(steps, steps)")).toEqual(["ARITY_MISMATCH"]);
    expect(codes("maximize min()")).toEqual(["ARITY_MISMATCH"]);
    expect(codes("maximize abs(nope, 1)")).toEqual(["ARITY_MISMATCH", "UNKNOWN_IDENTIFIER"]);
  });

  it("checks declared units where a mismatch is certain and nowhere else", () => {
    expect(codes("minimize cost + mass")).toEqual(["UNIT_MISMATCH"]);
    expect(codes("satisfy cost < mass")).toEqual(["UNIT_MISMATCH"]);
    expect(codes("minimize max(cost, mass)")).toEqual(["UNIT_MISMATCH"]);
    expect(codes("minimize if raining then cost else mass")).toEqual(["UNIT_MISMATCH"]);
    expect(codes("minimize cost / mass + steps")).toEqual([]);
    expect(codes("minimize cost * mass + cost")).toEqual([]);
    expect(codes("minimize 3 * cost + 1 / cost")).toEqual([]);
    expect(codes("minimize 2 * cost / 3 + mass")).toEqual(["UNIT_MISMATCH"]);
    expect(codes("minimize 2 / cost + mass")).toEqual([]);
  });

  it("returns all errors, not just the first", () => {
    expect(codes('maximize nope + raining + weather == "x"')).toEqual([
      "UNKNOWN_IDENTIFIER",
      "TYPE_MISMATCH",
      "TYPE_MISMATCH",
    ]);
  });

  it("rejects bad constants", () => {
    const { errors } = checkExpression(parseExpression("k"), WORLD, {
      constants: { k: Number.NaN, steps: 1 },
    });
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ["CONSTANT_INVALID", "constants.k"],
      ["CONSTANT_INVALID", "constants.steps"],
      ["UNKNOWN_IDENTIFIER", undefined],
    ]);
  });

  it("does not take prototype members for names", () => {
    expect(
      checkExpression(parseExpression("constructor + toString + __proto__"), WORLD).errors.map((e) => e.code),
    ).toEqual(["UNKNOWN_IDENTIFIER", "UNKNOWN_IDENTIFIER", "UNKNOWN_IDENTIFIER"]);
  });

  it(`stops after ${MAX_ERRORS} errors`, () => {
    const source = Array.from({ length: 5000 }, (_, i) => `unknown_${i}`).join(" + ");
    const { errors } = checkExpression(parseExpression(source), WORLD);
    expect(errors).toHaveLength(MAX_ERRORS + 1);
    expect(errors.at(-1)?.code).toBe("TOO_MANY_ERRORS");
  });
});
