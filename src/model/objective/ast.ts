/**
 * The objective language's syntax tree: readonly nodes tagged by `kind`, each with its source span.
 *
 * Sums, products, `and` and `or` are n-ary (`a + b - c` is one `sum` node with three operands), so
 * that a long weighted sum, the common shape of an objective, is a wide tree and not a deep one:
 * every recursive pass then stays within the nesting bound the parser enforces.
 */
import type { Span } from "./span.js";

export type Sense = "maximize" | "minimize" | "satisfy";
export const SENSES: readonly Sense[] = ["maximize", "minimize", "satisfy"];

export type FunctionName = "min" | "max" | "abs";
export const FUNCTION_NAMES: readonly FunctionName[] = ["min", "max", "abs"];

export type ComparisonOperator = "<" | "<=" | ">" | ">=" | "==" | "!=";
export type AdditiveOperator = "+" | "-";
export type MultiplicativeOperator = "*" | "/";

/** A non-negative finite number; negative numbers are `negate` of a literal. */
export interface NumberLiteral {
  readonly kind: "number";
  readonly value: number;
  readonly span: Span;
}

export interface BooleanLiteral {
  readonly kind: "boolean";
  readonly value: boolean;
  readonly span: Span;
}

/** A string literal; its only use is as an enumeration value (`weather == "rain"`). */
export interface StringLiteral {
  readonly kind: "string";
  readonly value: string;
  readonly span: Span;
}

/** A world-model variable or a named constant; which one is decided by the checker. */
export interface Identifier {
  readonly kind: "identifier";
  readonly name: string;
  readonly span: Span;
}

export interface Negate {
  readonly kind: "negate";
  readonly operand: Expr;
  readonly span: Span;
}

export interface Not {
  readonly kind: "not";
  readonly operand: Expr;
  readonly span: Span;
}

export interface SumTerm {
  readonly op: AdditiveOperator;
  readonly operand: Expr;
}

/** `first op1 t1 op2 t2 ...`, evaluated left to right; `rest` is never empty. */
export interface Sum {
  readonly kind: "sum";
  readonly first: Expr;
  readonly rest: readonly SumTerm[];
  readonly span: Span;
}

export interface ProductFactor {
  readonly op: MultiplicativeOperator;
  readonly operand: Expr;
}

/** `first op1 f1 op2 f2 ...`, evaluated left to right; `rest` is never empty. */
export interface Product {
  readonly kind: "product";
  readonly first: Expr;
  readonly rest: readonly ProductFactor[];
  readonly span: Span;
}

/** Comparisons do not chain: `a < b < c` is a syntax error, not `(a < b) < c`. */
export interface Comparison {
  readonly kind: "comparison";
  readonly op: ComparisonOperator;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

/** At least two operands, evaluated left to right with short circuit. */
export interface And {
  readonly kind: "and";
  readonly operands: readonly Expr[];
  readonly span: Span;
}

/** At least two operands, evaluated left to right with short circuit. */
export interface Or {
  readonly kind: "or";
  readonly operands: readonly Expr[];
  readonly span: Span;
}

/** `if condition then whenTrue else whenFalse`. */
export interface Conditional {
  readonly kind: "conditional";
  readonly condition: Expr;
  readonly whenTrue: Expr;
  readonly whenFalse: Expr;
  readonly span: Span;
}

export interface Call {
  readonly kind: "call";
  readonly callee: FunctionName;
  readonly args: readonly Expr[];
  readonly span: Span;
}

/** `E[operand]`: the expectation over the world model's distribution; of a boolean, its probability. */
export interface Expectation {
  readonly kind: "expectation";
  readonly operand: Expr;
  readonly span: Span;
}

export type Expr =
  | NumberLiteral
  | BooleanLiteral
  | StringLiteral
  | Identifier
  | Negate
  | Not
  | Sum
  | Product
  | Comparison
  | And
  | Or
  | Conditional
  | Call
  | Expectation;

export type ExprKind = Expr["kind"];

/** A whole objective: `maximize EXPR`, `minimize EXPR` or `satisfy EXPR`. */
export interface Objective {
  readonly kind: "objective";
  readonly sense: Sense;
  readonly expr: Expr;
  readonly span: Span;
}

/**
 * The direct sub-expressions of `expr`, in source order. Passes that only need to visit every node
 * (size, variables read) iterate with this and an explicit stack, so they need no depth bound.
 *
 * @example childrenOf(parseExpression("a + b * c")).length === 2
 */
export function childrenOf(expr: Expr): readonly Expr[] {
  switch (expr.kind) {
    case "number":
    case "boolean":
    case "string":
    case "identifier":
      return [];
    case "negate":
    case "not":
    case "expectation":
      return [expr.operand];
    case "sum":
    case "product": {
      const out: Expr[] = [expr.first];
      for (const term of expr.rest) out.push(term.operand);
      return out;
    }
    case "comparison":
      return [expr.left, expr.right];
    case "and":
    case "or":
      return expr.operands;
    case "conditional":
      return [expr.condition, expr.whenTrue, expr.whenFalse];
    case "call":
      return expr.args;
    default:
      return unreachable(expr);
  }
}

/**
 * Compile-time proof that a switch over `kind` handled every kind: adding a node kind makes each
 * pass that forgot it fail to type-check here.
 */
export function unreachable(node: never): never {
  throw new Error(`unhandled objective node ${JSON.stringify((node as { kind?: unknown }).kind)}`);
}
