import { describe, expect, it } from "vitest";
import type { Expr } from "./ast.js";
import { MAX_DEPTH, MAX_INPUT_BYTES } from "./limits.js";
import { ObjectiveError, type ObjectiveErrorCode } from "./objective-error.js";
import { parseExpression, parseObjective } from "./parser.js";
import { withoutSpans } from "./test-support/expr-arbitrary.js";

const id = (name: string) => ({ kind: "identifier", name });
const num = (value: number) => ({ kind: "number", value });

function shape(source: string): unknown {
  return withoutSpans(parseExpression(source));
}

/** The ObjectiveError `run` throws; fails the test if it throws anything else or nothing. */
function objectiveErrorOf(run: () => unknown): ObjectiveError {
  try {
    run();
  } catch (error) {
    if (error instanceof ObjectiveError) return error;
    throw new Error(`expected an ObjectiveError, got ${String(error)}`);
  }
  throw new Error("expected an ObjectiveError, got success");
}

describe("parseExpression", () => {
  it("builds n-ary sums and products with precedence", () => {
    expect(shape("a - 0.1 * b + c / 2 * d")).toEqual({
      kind: "sum",
      first: id("a"),
      rest: [
        { op: "-", operand: { kind: "product", first: num(0.1), rest: [{ op: "*", operand: id("b") }] } },
        {
          op: "+",
          operand: {
            kind: "product",
            first: id("c"),
            rest: [
              { op: "/", operand: num(2) },
              { op: "*", operand: id("d") },
            ],
          },
        },
      ],
    });
  });

  it("binds not looser than comparison and tighter than and", () => {
    expect(shape("not a < b and c")).toEqual({
      kind: "and",
      operands: [
        { kind: "not", operand: { kind: "comparison", op: "<", left: id("a"), right: id("b") } },
        id("c"),
      ],
    });
  });

  it("reads the C spellings as the keywords", () => {
    expect(shape("a && !b || c")).toEqual(shape("a and not b or c"));
  });

  it("binds unary minus tighter than products", () => {
    expect(shape("-a * b")).toEqual({
      kind: "product",
      first: { kind: "negate", operand: id("a") },
      rest: [{ op: "*", operand: id("b") }],
    });
  });

  it("parses if, calls, expectations, strings and booleans", () => {
    expect(shape('if w == "rain" then min(a, 2) else E[abs(x)]')).toEqual({
      kind: "conditional",
      condition: { kind: "comparison", op: "==", left: id("w"), right: { kind: "string", value: "rain" } },
      whenTrue: { kind: "call", callee: "min", args: [id("a"), num(2)] },
      whenFalse: { kind: "expectation", operand: { kind: "call", callee: "abs", args: [id("x")] } },
    });
    expect(shape("true or false")).toEqual({
      kind: "or",
      operands: [
        { kind: "boolean", value: true },
        { kind: "boolean", value: false },
      ],
    });
  });

  it("keeps E, function names and sense words usable as variable names", () => {
    expect(shape("E + min + maximize")).toEqual({
      kind: "sum",
      first: id("E"),
      rest: [
        { op: "+", operand: id("min") },
        { op: "+", operand: id("maximize") },
      ],
    });
    expect(shape("`if` + `water level` + room.temp")).toEqual({
      kind: "sum",
      first: id("if"),
      rest: [
        { op: "+", operand: id("water level") },
        { op: "+", operand: id("room.temp") },
      ],
    });
  });

  it("gives every node its span; line and column count code points", () => {
    const source = 'x == "😀" and\r\n  yy > 2';
    const expr = parseExpression(source);
    expect(expr.kind).toBe("and");
    if (expr.kind !== "and") return;
    const [left, right] = expr.operands as [Expr, Expr];
    expect(source.slice(expr.span.start, expr.span.end)).toBe(source);
    expect(source.slice(left.span.start, left.span.end)).toBe('x == "😀"');
    expect(right.span).toMatchObject({ line: 2, column: 3 });
    expect(source.slice(right.span.start, right.span.end)).toBe("yy > 2");
    const error = objectiveErrorOf(() => parseExpression('"😀😀" @'));
    expect([error.line, error.column]).toEqual([1, 6]);
  });
});

describe("parseObjective", () => {
  it("reads the sense", () => {
    const objective = parseObjective("minimize  cost");
    expect(objective.sense).toBe("minimize");
    expect(withoutSpans(objective.expr)).toEqual(id("cost"));
  });

  it("suggests the spelling of a misspelt sense", () => {
    const error = objectiveErrorOf(() => parseObjective("maximise x"));
    expect(error).toMatchObject({ code: "UNKNOWN_SENSE", line: 1, column: 1, suggestion: "maximize" });
  });
});

describe("error messages", () => {
  it("say what was expected, where, and what came", () => {
    const error = objectiveErrorOf(() => parseExpression("if (a and b then c else d"));
    expect(error).toMatchObject({
      code: "UNEXPECTED_TOKEN",
      line: 1,
      column: 13,
      expected: "`)`",
      got: "`then`",
    });
    expect(error.message).toMatch(/^expected `\)` at 1:13, got `then`/);
  });

  it("suggest a known function", () => {
    expect(objectiveErrorOf(() => parseExpression("mni(a, b)"))).toMatchObject({
      code: "UNKNOWN_FUNCTION",
      suggestion: "min",
    });
  });
});

const MB5 = "x+".repeat((5 * 1024 * 1024) / 2);

/** Inputs every parser must reject with an ObjectiveError carrying a code, a line and a column. */
const HOSTILE: ReadonlyArray<readonly [string, string, ObjectiveErrorCode, number?, number?]> = [
  ["empty input", "", "EMPTY_INPUT", 1, 1],
  ["only blanks and a comment", "  \n\t# nothing\n", "EMPTY_INPUT", 3, 1],
  ["unbalanced (", "(a + b", "UNEXPECTED_TOKEN", 1, 7],
  ["unbalanced )", "a + b)", "UNEXPECTED_TOKEN", 1, 6],
  ["empty parens", "()", "UNEXPECTED_TOKEN", 1, 2],
  ["lone operator", "+", "UNEXPECTED_TOKEN", 1, 1],
  ["lone star", "*", "UNEXPECTED_TOKEN", 1, 1],
  ["trailing operator", "a +", "UNEXPECTED_TOKEN", 1, 4],
  ["two operators", "a * / b", "UNEXPECTED_TOKEN", 1, 5],
  ["juxtaposed names", "a b", "UNEXPECTED_TOKEN", 1, 3],
  ["stray @", "a @ b", "UNEXPECTED_CHARACTER", 1, 3],
  ["single =", "a = b", "UNEXPECTED_CHARACTER", 1, 3],
  ["single &", "a & b", "UNEXPECTED_CHARACTER", 1, 3],
  ["single |", "a | b", "UNEXPECTED_CHARACTER", 1, 3],
  ["NUL byte", "a\u0000", "UNEXPECTED_CHARACTER", 1, 2],
  ["NUL in a string", '"a\u0000"', "UNEXPECTED_CHARACTER", 1, 3],
  ["unicode letter", "café", "UNEXPECTED_CHARACTER", 1, 4],
  ["look-alike minus", "a − b", "UNEXPECTED_CHARACTER", 1, 3],
  ["emoji", "😀", "UNEXPECTED_CHARACTER", 1, 1],
  ["lone surrogate", "\ud800", "UNEXPECTED_CHARACTER", 1, 1],
  ["BOM", "\ufeffa", "UNEXPECTED_CHARACTER", 1, 1],
  ["huge number", "1e400", "NUMBER_OUT_OF_RANGE", 1, 1],
  ["400 nines", "9".repeat(400), "NUMBER_OUT_OF_RANGE", 1, 1],
  ["underflow", "1e-400", "NUMBER_OUT_OF_RANGE", 1, 1],
  ["number then name", "2x", "INVALID_NUMBER", 1, 2],
  ["trailing dot", "2.", "INVALID_NUMBER", 1, 3],
  ["bad exponent", "1e+", "INVALID_NUMBER", 1, 4],
  ["two dots", "1.2.3", "INVALID_NUMBER", 1, 4],
  ["unterminated string", '"abc', "UNTERMINATED_STRING", 1, 1],
  ["line break in string", '"ab\ncd"', "UNTERMINATED_STRING", 1, 4],
  ["bad escape", '"\\q"', "INVALID_ESCAPE", 1, 2],
  ["bad unicode escape", '"\\u{110000}"', "INVALID_ESCAPE", 1, 2],
  ["unterminated backtick", "`abc", "INVALID_IDENTIFIER", 1, 1],
  ["empty backticks", "``", "INVALID_IDENTIFIER", 1, 1],
  ["E[ unclosed", "E[x + 1", "UNEXPECTED_TOKEN", 1, 8],
  ["E[ empty", "E[]", "UNEXPECTED_TOKEN", 1, 3],
  ["E( instead of E[", "E(x)", "UNKNOWN_FUNCTION", 1, 1],
  ["unknown function", "sqrt(x)", "UNKNOWN_FUNCTION", 1, 1],
  ["call unclosed", "min(a, b", "UNEXPECTED_TOKEN", 1, 9],
  ["trailing comma", "min(a,)", "UNEXPECTED_TOKEN", 1, 7],
  ["comma outside a call", "a, b", "UNEXPECTED_TOKEN", 1, 2],
  ["stray ]", "a]", "UNEXPECTED_TOKEN", 1, 2],
  ["chained comparison", "a < b < c", "CHAINED_COMPARISON", 1, 7],
  ["if without else", "if a then b", "UNEXPECTED_TOKEN", 1, 12],
  ["if without then", "if a b else c", "UNEXPECTED_TOKEN", 1, 6],
  ["if as an operand", "1 + if a then 2 else 3", "UNEXPECTED_TOKEN", 1, 5],
  ["lone keyword", "then", "UNEXPECTED_TOKEN", 1, 1],
  ["lone not", "not", "UNEXPECTED_TOKEN", 1, 4],
  ["error on a later line", "a +\n  b *\r\n   )", "UNEXPECTED_TOKEN", 3, 4],
  ["10k nested parens", `${"(".repeat(10_000)}x${")".repeat(10_000)}`, "TOO_DEEP", 1, MAX_DEPTH + 1],
  ["10k unclosed parens", "(".repeat(10_000), "TOO_DEEP", 1, MAX_DEPTH + 1],
  ["10k nots", "not ".repeat(10_000) + "x", "TOO_DEEP"],
  ["10k minus signs", `${"-".repeat(10_000)}x`, "TOO_DEEP"],
  ["10k nested E[", `${"E[".repeat(10_000)}x${"]".repeat(10_000)}`, "TOO_DEEP"],
  ["10k nested calls", `${"abs(".repeat(10_000)}x${")".repeat(10_000)}`, "TOO_DEEP"],
  ["10k nested ifs", `${"if a then 1 else ".repeat(10_000)}0`, "TOO_DEEP"],
  ["5 MB input", MB5, "INPUT_TOO_LARGE", 1, 1],
  ["just over 4 MiB in multibyte text", `"${"é".repeat(MAX_INPUT_BYTES / 2)}"`, "INPUT_TOO_LARGE", 1, 1],
  ["too many tokens", "x+".repeat(600_000) + "x", "TOO_MANY_TOKENS", 1, 1_000_001],
];

const HOSTILE_CASES = HOSTILE.map(([name, source, code, line, column]) => ({
  name,
  source,
  code,
  line,
  column,
}));

describe("hostile input", () => {
  it.each(HOSTILE_CASES)("$name: rejected with a coded error", ({ source, code, line, column }) => {
    const error = objectiveErrorOf(() => parseExpression(source));
    expect(error.code).toBe(code);
    expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
    expect(Number.isInteger(error.column) && error.column >= 1).toBe(true);
    if (line !== undefined) expect(error.line).toBe(line);
    if (column !== undefined) expect(error.column).toBe(column);
    expect(error.message).toMatch(/ at \d+:\d+/);
  });

  it.each(HOSTILE_CASES)("$name: also rejected as an objective", ({ source }) => {
    const error = objectiveErrorOf(() => parseObjective(`maximize ${source}`));
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
  });

  it("accepts nesting up to the limit", () => {
    expect(() => parseExpression(`${"(".repeat(MAX_DEPTH)}x${")".repeat(MAX_DEPTH)}`)).not.toThrow();
  });
});
