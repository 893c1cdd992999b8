/**
 * fast-check arbitraries for objective trees, shared by the round-trip and fuzz tests.
 */
import fc from "fast-check";
import type { Expr, FunctionName, Objective, Sense } from "../ast.js";
import type { Span } from "../span.js";

/** The span hand-built trees carry; comparisons ignore spans. */
export const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

/** Names, bare and needing backticks (keywords, spaces, Unicode), and the contextual words. */
export const nameArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}(\.[a-z_][a-z0-9]{0,3})?$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "E",
      "min",
      "max",
      "abs",
      "if",
      "true",
      "not",
      "maximize",
      "satisfy",
      "E.x",
      "x.if",
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: "binary", minLength: 1, maxLength: 8 })
      .filter((s) => ![...s].some((ch) => ch === "`" || (ch.codePointAt(0) ?? 0) < 0x20 || ch === "\u007f")),
  },
);

/** Any string, including quotes, backslashes, control characters and lone surrogates. */
export const stringValueArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("", '"', "\\", "\n\r\t", "\u0000", "\ud800", "\udc00x", "😀", "\u{10ffff}"),
);

const numberArbitrary: fc.Arbitrary<number> = fc
  .oneof(fc.nat(1000), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }))
  .map((x) => (Object.is(x, -0) ? 0 : x));

const functionArbitrary: fc.Arbitrary<FunctionName> = fc.constantFrom("min", "max", "abs");

/** Random well-formed trees (spans are {@link NO_SPAN}), up to `maxDepth` levels. */
export function exprArbitrary(maxDepth = 5): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr; leaf: Expr }>((tie) => {
    const sub = tie("expr") as fc.Arbitrary<Expr>;
    return {
      leaf: fc.oneof(
        numberArbitrary.map((value): Expr => ({ kind: "number", value, span: NO_SPAN })),
        fc.boolean().map((value): Expr => ({ kind: "boolean", value, span: NO_SPAN })),
        stringValueArbitrary.map((value): Expr => ({ kind: "string", value, span: NO_SPAN })),
        nameArbitrary.map((name): Expr => ({ kind: "identifier", name, span: NO_SPAN })),
      ),
      expr: fc.oneof(
        { maxDepth, depthSize: "small", withCrossShrink: true },
        tie("leaf") as fc.Arbitrary<Expr>,
        sub.map((operand): Expr => ({ kind: "negate", operand, span: NO_SPAN })),
        sub.map((operand): Expr => ({ kind: "not", operand, span: NO_SPAN })),
        fc
          .tuple(
            sub,
            fc.array(fc.record({ op: fc.constantFrom("+" as const, "-" as const), operand: sub }), {
              minLength: 1,
              maxLength: 3,
            }),
          )
          .map(([first, rest]): Expr => ({ kind: "sum", first, rest, span: NO_SPAN })),
        fc
          .tuple(
            sub,
            fc.array(fc.record({ op: fc.constantFrom("*" as const, "/" as const), operand: sub }), {
              minLength: 1,
              maxLength: 3,
            }),
          )
          .map(([first, rest]): Expr => ({ kind: "product", first, rest, span: NO_SPAN })),
        fc
          .tuple(
            fc.constantFrom(
              "<" as const,
              "<=" as const,
              ">" as const,
              ">=" as const,
              "==" as const,
              "!=" as const,
            ),
            sub,
            sub,
          )
          .map(([op, left, right]): Expr => ({ kind: "comparison", op, left, right, span: NO_SPAN })),
        fc
          .array(sub, { minLength: 2, maxLength: 3 })
          .map((operands): Expr => ({ kind: "and", operands, span: NO_SPAN })),
        fc
          .array(sub, { minLength: 2, maxLength: 3 })
          .map((operands): Expr => ({ kind: "or", operands, span: NO_SPAN })),
        fc.tuple(sub, sub, sub).map(
          ([condition, whenTrue, whenFalse]): Expr => ({
            kind: "conditional",
            condition,
            whenTrue,
            whenFalse,
            span: NO_SPAN,
          }),
        ),
        fc
          .tuple(functionArbitrary, fc.array(sub, { maxLength: 3 }))
          .map(([callee, args]): Expr => ({ kind: "call", callee, args, span: NO_SPAN })),
        sub.map((operand): Expr => ({ kind: "expectation", operand, span: NO_SPAN })),
      ),
    };
  });
  return expr;
}

export function objectiveArbitrary(maxDepth = 5): fc.Arbitrary<Objective> {
  return fc
    .tuple(fc.constantFrom<Sense>("maximize", "minimize", "satisfy"), exprArbitrary(maxDepth))
    .map(([sense, expr]) => ({ kind: "objective", sense, expr, span: NO_SPAN }));
}

/** A deep copy of `tree` without `span` fields, for comparing trees regardless of where they came from. */
export function withoutSpans(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(withoutSpans);
  if (tree === null || typeof tree !== "object") return tree;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) if (key !== "span") out[key] = withoutSpans(value);
  return out;
}
