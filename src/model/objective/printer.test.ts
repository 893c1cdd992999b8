import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Expr } from "./ast.js";
import { ObjectiveError } from "./objective-error.js";
import { parseExpression, parseObjective } from "./parser.js";
import { printExpression, printObjective } from "./printer.js";
import { exprArbitrary, NO_SPAN, objectiveArbitrary, withoutSpans } from "./test-support/expr-arbitrary.js";

describe("printExpression", () => {
  it.each([
    ["(a)+b*(c)", "a + b * c"],
    ["(a + b) * c", "(a + b) * c"],
    ["a - (b - c)", "a - (b - c)"],
    ["(a - b) - c", "(a - b) - c"],
    ["a - b - c", "a - b - c"],
    ["a && b || !c", "a and b or not c"],
    ["(a or b) and c", "(a or b) and c"],
    ["not (a and b)", "not (a and b)"],
    ["not a < b", "not a < b"],
    ["(not a) == b", "(not a) == b"],
    ["--x", "- -x"],
    ["-(a * b)", "-(a * b)"],
    ["-a * b", "-a * b"],
    ["(a < b) == c", "(a < b) == c"],
    ["1 + (if c then 2 else 3)", "1 + (if c then 2 else 3)"],
    [
      "if a then (if b then 1 else 2) else if c then 3 else 4",
      "if a then if b then 1 else 2 else if c then 3 else 4",
    ],
    ["min( a ,b,  (c) )", "min(a, b, c)"],
    ["E[ (x) ]", "E[x]"],
    ["E", "E"],
    ["`if` + `water level`", "`if` + `water level`"],
    ["1e21 + 0.000001 + 1e-7 + .5", "1e+21 + 0.000001 + 1e-7 + 0.5"],
    ['w == "a\\"b\\\\c\\n\\u{1}"', 'w == "a\\"b\\\\c\\n\\u{1}"'],
    ["a # a comment\n + b", "a + b"],
  ])("%s prints as %s", (source, printed) => {
    expect(printExpression(parseExpression(source))).toBe(printed);
  });

  it("prints objectives with their sense", () => {
    expect(printObjective(parseObjective("maximize   E[tomatoes]-0.1*steps"))).toBe(
      "maximize E[tomatoes] - 0.1 * steps",
    );
  });

  it("prints hand-built negative literals as negations and rejects what has no text", () => {
    expect(printExpression({ kind: "number", value: -2, span: NO_SPAN })).toBe("-2");
    const nan: Expr = { kind: "number", value: Number.NaN, span: NO_SPAN };
    expect(() => printExpression(nan)).toThrow(expect.objectContaining({ code: "UNPRINTABLE" }));
    const tick: Expr = { kind: "identifier", name: "a`b", span: NO_SPAN };
    expect(() => printExpression(tick)).toThrow(ObjectiveError);
  });

  it("refuses hand-built trees deeper than the tree limit instead of overflowing the stack", () => {
    let deep: Expr = { kind: "identifier", name: "x", span: NO_SPAN };
    for (let i = 0; i < 100_000; i++) deep = { kind: "negate", operand: deep, span: NO_SPAN };
    expect(() => printExpression(deep)).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
  });
});

describe("parse/print round trip", () => {
  it("parse(print(tree)) is the tree, spans aside", () => {
    fc.assert(
      fc.property(exprArbitrary(), (tree) => {
        const printed = printExpression(tree);
        expect(withoutSpans(parseExpression(printed))).toEqual(withoutSpans(tree));
      }),
      { numRuns: 2000 },
    );
  });

  it("print(parse(print(tree))) is print(tree)", () => {
    fc.assert(
      fc.property(exprArbitrary(), (tree) => {
        const printed = printExpression(tree);
        expect(printExpression(parseExpression(printed))).toBe(printed);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips whole objectives", () => {
    fc.assert(
      fc.property(objectiveArbitrary(), (objective) => {
        const printed = printObjective(objective);
        const reparsed = parseObjective(printed);
        expect(withoutSpans(reparsed)).toEqual(withoutSpans(objective));
        expect(printObjective(reparsed)).toBe(printed);
      }),
      { numRuns: 1000 },
    );
  });
});
