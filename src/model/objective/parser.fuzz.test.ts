/**
 * Fuzzing the public entry points with random text and with mutations of valid objectives: each
 * call either succeeds or throws an ObjectiveError with a code and a position, never anything else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluator.js";
import { ObjectiveError } from "./objective-error.js";
import { parseExpression, parseObjective } from "./parser.js";
import { printExpression } from "./printer.js";
import { exprArbitrary, withoutSpans } from "./test-support/expr-arbitrary.js";
import { checkExpression } from "./type-checker.js";

const WORLD = {
  variables: [
    { name: "a", domain: { kind: "real" as const, unit: "m" }, tags: [] },
    { name: "b", domain: { kind: "int" as const, min: 0, max: 9 }, tags: ["oversight"] },
    { name: "c", domain: { kind: "boolean" as const }, tags: [] },
    { name: "w", domain: { kind: "enum" as const, values: ["rain", "sun"] }, tags: [] },
  ],
};

/** Runs `run`; passes if it returns or throws a well-formed ObjectiveError, fails otherwise. */
function onlyObjectiveErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ObjectiveError))
      throw new Error(`not an ObjectiveError: ${String(error)}`, { cause: error });
    expect(error.code).toMatch(/^[A-Z_]+$/);
    expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
    expect(Number.isInteger(error.column) && error.column >= 1).toBe(true);
  }
}

/** Everything downstream of a successful parse must behave too. */
function exercise(source: string): void {
  onlyObjectiveErrors(() => {
    const expr = parseExpression(source);
    const printed = printExpression(expr);
    expect(withoutSpans(parseExpression(printed))).toEqual(withoutSpans(expr));
    const { errors } = checkExpression(expr, WORLD, { forbiddenTags: ["oversight"], constants: { k: 2 } });
    for (const error of errors) expect(error).toBeInstanceOf(ObjectiveError);
    evaluate(
      expr,
      { a: 1.5, b: 0, c: true, w: "rain" },
      { constants: { k: 2 }, expect: [{ weight: 1, state: { a: 2, b: 1, c: false, w: "sun" } }] },
    );
  });
  onlyObjectiveErrors(() => parseObjective(source));
}

// Characters the grammar cares about, so random strings get past the lexer often enough to fuzz the parser.
const GRAMMAR_PIECES = [
  "a",
  "b",
  "c",
  "w",
  "k",
  "E",
  "min",
  "abs",
  "max",
  "if ",
  " then ",
  " else ",
  " and ",
  " or ",
  "not ",
  "true",
  "false",
  "(",
  ")",
  "[",
  "]",
  ",",
  "+",
  "-",
  "*",
  "/",
  "<",
  "<=",
  ">",
  ">=",
  "==",
  "!=",
  "!",
  "&&",
  "||",
  "0",
  "1.5",
  "2e3",
  '"rain"',
  '"',
  "`",
  "\\",
  " ",
  "\n",
  "#",
  ".",
  "=",
  "&",
  "|",
  "\u0000",
  "é",
  "😀",
  "\ud800",
  "maximize ",
];

describe("fuzz", () => {
  it("random text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), exercise), { numRuns: 2000 });
  });

  it("random sequences of grammar pieces", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...GRAMMAR_PIECES), { maxLength: 40 }), (pieces) =>
        exercise(pieces.join("")),
      ),
      { numRuns: 3000 },
    );
  });

  it("mutations of valid expressions", () => {
    const mutation = fc.record({
      at: fc.nat(),
      length: fc.nat(6),
      insert: fc.oneof(fc.constantFrom(...GRAMMAR_PIECES), fc.string({ unit: "binary", maxLength: 3 })),
      kind: fc.constantFrom("delete", "insert", "replace", "truncate", "duplicate"),
    });
    fc.assert(
      fc.property(exprArbitrary(4), fc.array(mutation, { minLength: 1, maxLength: 4 }), (tree, mutations) => {
        let source = printExpression(tree);
        for (const m of mutations) {
          const at = source.length === 0 ? 0 : m.at % (source.length + 1);
          const end = Math.min(source.length, at + m.length);
          if (m.kind === "delete") source = source.slice(0, at) + source.slice(end);
          else if (m.kind === "insert") source = source.slice(0, at) + m.insert + source.slice(at);
          else if (m.kind === "replace") source = source.slice(0, at) + m.insert + source.slice(end);
          else if (m.kind === "truncate") source = source.slice(0, at);
          else source = source.slice(0, end) + source.slice(at, end) + source.slice(end);
        }
        exercise(source);
      }),
      { numRuns: 3000 },
    );
  });
});
