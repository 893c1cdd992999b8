import { describe, expect, it } from "vitest";
import type { Expr } from "./ast.js";
import { evaluate, evaluateObjective, type State } from "./evaluator.js";
import { ObjectiveError } from "./objective-error.js";
import { parseExpression, parseObjective } from "./parser.js";
import { printExpression } from "./printer.js";

const run = (source: string, state: State = {}, options = {}) =>
  evaluate(parseExpression(source), state, options);

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (error instanceof ObjectiveError) return error.code;
    throw error;
  }
  return "none";
}

describe("evaluate", () => {
  it.each([
    ["watered - 0.1 * steps", { watered: 3, steps: 10 }, 2],
    ["10 - 4 - 3", {}, 3],
    ["2 * 3 / 4", {}, 1.5],
    ["-2 * -3", {}, 6],
    ["- -2", {}, 2],
    ["1 + 2 < 4 and not false", {}, true],
    ["1 < 2 or 1 / 0 > 0", {}, true],
    ["1 > 2 and 1 / 0 > 0", {}, false],
    ["d != 0 and n / d > 1", { d: 0, n: 5 }, false],
    ['if w == "rain" then 1 else 2', { w: "rain" }, 1],
    ['if w == "rain" then 1 else 1 / 0', { w: "rain" }, 1],
    ["min(3, x, 2)", { x: 1 }, 1],
    ["max(3, x, 2)", { x: 7 }, 7],
    ["abs(0 - x)", { x: 2.5 }, 2.5],
    ["k * x", { x: 2 }, 6],
    ["flag == true", { flag: true }, true],
    ["`water level` >= 1", { "water level": 1 }, true],
  ])("%s on %j is %j", (source, state, value) => {
    expect(run(source, state, { constants: { k: 3 } })).toBe(value);
  });

  it("takes expectations over weighted states, normalising the weights", () => {
    const expect_ = [
      { weight: 1, state: { tomatoes: 2, rain: true } },
      { weight: 3, state: { tomatoes: 6, rain: false } },
      { weight: 0, state: {} },
    ];
    expect(run("E[tomatoes]", {}, { expect: expect_ })).toBe(5);
    expect(run("E[rain]", {}, { expect: expect_ })).toBe(0.25);
    expect(run("E[tomatoes - E[tomatoes]]", {}, { expect: expect_ })).toBe(0);
  });

  it("takes expectations from a function given the operand and the current state", () => {
    const seen: string[] = [];
    const expectFn = (operand: Expr, state: State) => {
      seen.push(printExpression(operand));
      return Number(state["scale"]) * 10;
    };
    expect(run("E[a + b] + 1", { scale: 2 }, { expect: expectFn })).toBe(21);
    expect(seen).toEqual(["a + b"]);
  });

  it("evaluates objectives to the type their sense needs", () => {
    expect(evaluateObjective(parseObjective("satisfy temp < 25"), { temp: 21 })).toBe(true);
    expect(evaluateObjective(parseObjective("maximize temp * 2"), { temp: 21 })).toBe(42);
    expect(codeOf(() => evaluateObjective(parseObjective("maximize temp < 2"), { temp: 21 }))).toBe(
      "RUNTIME_TYPE",
    );
  });

  it("gives coded errors at run time", () => {
    expect(codeOf(() => run("x / (y - 2)", { x: 1, y: 2 }))).toBe("DIVISION_BY_ZERO");
    expect(codeOf(() => run("x + 1", { x: "rain" }))).toBe("RUNTIME_TYPE");
    expect(codeOf(() => run("x + 1", { x: Number.NaN }))).toBe("NOT_FINITE");
    expect(codeOf(() => run("x + 1", { x: null } as unknown as State))).toBe("RUNTIME_TYPE");
    expect(codeOf(() => run("x == 1", { x: true }))).toBe("RUNTIME_TYPE");
    expect(codeOf(() => run("x < 1", { x: true }))).toBe("RUNTIME_TYPE");
    expect(codeOf(() => run("if x then 1 else 2", { x: 1 }))).toBe("RUNTIME_TYPE");
    expect(codeOf(() => run("x + 1"))).toBe("UNBOUND_VARIABLE");
    expect(codeOf(() => run("toString + 1"))).toBe("UNBOUND_VARIABLE");
    expect(codeOf(() => run("1e308 * 10"))).toBe("NOT_FINITE");
    expect(codeOf(() => run("abs(1, 2)"))).toBe("ARITY_MISMATCH");
    expect(codeOf(() => run("E[x]", { x: 1 }))).toBe("EXPECTATION_UNAVAILABLE");
    expect(codeOf(() => run("E[x]", {}, { expect: [] }))).toBe("INVALID_DISTRIBUTION");
    expect(codeOf(() => run("E[x]", {}, { expect: [{ weight: -1, state: { x: 1 } }] }))).toBe(
      "INVALID_DISTRIBUTION",
    );
    expect(codeOf(() => run("E[x]", {}, { expect: () => Number.POSITIVE_INFINITY }))).toBe("NOT_FINITE");
  });

  it("points at the offending node", () => {
    try {
      run("1 +\n  x / 0", { x: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "DIVISION_BY_ZERO", line: 2, column: 7 });
    }
  });
});
