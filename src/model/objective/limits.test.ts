/**
 * The limits hold end to end: the deepest and widest inputs the parser accepts go through every
 * pass without exhausting the stack, and hand-built trees beyond the tree limit are refused.
 */
import { describe, expect, it } from "vitest";
import type { Expr } from "./ast.js";
import { evaluate } from "./evaluator.js";
import { MAX_DEPTH, MAX_TREE_DEPTH } from "./limits.js";
import { parseExpression } from "./parser.js";
import { printExpression } from "./printer.js";
import { expressionSize } from "./size.js";
import { NO_SPAN, withoutSpans } from "./test-support/expr-arbitrary.js";
import { checkExpression } from "./type-checker.js";
import { variablesRead } from "./variables-read.js";

const WORLD = {
  variables: [
    { name: "x", domain: { kind: "real" as const }, tags: [] },
    { name: "c", domain: { kind: "boolean" as const }, tags: [] },
  ],
};

function treeDepth(root: Expr): number {
  let max = 0;
  const stack: Array<[Expr, number]> = [[root, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [expr, depth] = top;
    max = Math.max(max, depth);
    const children: Expr[] =
      expr.kind === "sum" || expr.kind === "product"
        ? [expr.first, ...expr.rest.map((t) => t.operand)]
        : expr.kind === "and" || expr.kind === "or"
          ? [...expr.operands]
          : expr.kind === "comparison"
            ? [expr.left, expr.right]
            : expr.kind === "call"
              ? [...expr.args]
              : "operand" in expr
                ? [expr.operand]
                : expr.kind === "conditional"
                  ? [expr.condition, expr.whenTrue, expr.whenFalse]
                  : [];
    for (const child of children) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * A well-typed number expression packing the most nodes into each nesting level: call,
 * conditional, or, and, comparison, sum and product, then the next level inside the product.
 */
const PER_LEVEL = 7;
function packed(levels: number): string {
  return `${"min(if c or c and x == x + x * ".repeat(levels)}x${" then 1 else 2)".repeat(levels)}`;
}

describe("limits", () => {
  it("the tallest trees the parser accepts pass through every pass", () => {
    const levels = Math.floor((MAX_TREE_DEPTH - 1) / PER_LEVEL);
    // [source, its tree depth]
    const tallest: ReadonlyArray<readonly [string, number]> = [
      [packed(levels), levels * PER_LEVEL + 1],
      [`${"if c then 1 else ".repeat(MAX_TREE_DEPTH - 1)}0`, MAX_TREE_DEPTH],
      [`${"not ".repeat(MAX_DEPTH)}c`, MAX_DEPTH + 1],
      [`${"(".repeat(MAX_DEPTH)}c${")".repeat(MAX_DEPTH)}`, 1],
    ];
    for (const [source, depth] of tallest) {
      const expr = parseExpression(source);
      expect(treeDepth(expr)).toBe(depth);
      expect(withoutSpans(parseExpression(printExpression(expr)))).toEqual(withoutSpans(expr));
      expect(checkExpression(expr, WORLD).errors).toEqual([]);
      expect(["number", "boolean"]).toContain(typeof evaluate(expr, { x: 1, c: true }));
      expect(expressionSize(expr)).toBeGreaterThanOrEqual(depth);
      expect(variablesRead(expr).length).toBeGreaterThan(0);
    }
    expect(levels * PER_LEVEL + 1).toBeGreaterThan(MAX_TREE_DEPTH - PER_LEVEL);
  });

  it("one level more is TOO_DEEP", () => {
    const tooTall = [
      packed(Math.floor((MAX_TREE_DEPTH - 1) / PER_LEVEL) + 1),
      `${"if c then 1 else ".repeat(MAX_TREE_DEPTH)}0`,
      `${"not ".repeat(MAX_DEPTH + 1)}c`,
      `${"(".repeat(MAX_DEPTH + 1)}c${")".repeat(MAX_DEPTH + 1)}`,
    ];
    for (const source of tooTall)
      expect(() => parseExpression(source)).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
  });

  it("the passes keep most of the stack free for their caller", () => {
    const expr = parseExpression(packed(Math.floor((MAX_TREE_DEPTH - 1) / PER_LEVEL)));
    // Burn 5,000 frames first (about half of Node's default stack), then run every pass.
    const burn = (n: number): unknown =>
      n === 0
        ? [printExpression(expr), checkExpression(expr, WORLD), evaluate(expr, { x: 1, c: true })]
        : burn(n - 1);
    expect(() => burn(5_000)).not.toThrow();
  });

  it("a 200,000-term sum is wide, not deep", () => {
    const source = Array.from({ length: 200_000 }, (_, i) => `${i % 7} * x`).join(" + ");
    const expr = parseExpression(source);
    expect(treeDepth(expr)).toBe(3);
    expect(checkExpression(expr, WORLD).errors).toEqual([]);
    let total = 0;
    for (let i = 0; i < 200_000; i++) total += i % 7;
    expect(evaluate(expr, { x: 1 })).toBe(total);
    expect(printExpression(expr).length).toBe(source.length);
  });

  it("hand-built trees deeper than the tree limit get TOO_DEEP from every recursive pass", () => {
    let deep: Expr = { kind: "identifier", name: "x", span: NO_SPAN };
    for (let i = 0; i < 50_000; i++) deep = { kind: "negate", operand: deep, span: NO_SPAN };
    expect(() => printExpression(deep)).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
    expect(() => evaluate(deep, { x: 1 })).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
    expect(checkExpression(deep, WORLD).errors.map((e) => e.code)).toEqual(["TOO_DEEP"]);
    // The iterative passes need no limit.
    expect(expressionSize(deep)).toBe(50_001);
    expect(variablesRead(deep)).toEqual(["x"]);
  });
});
