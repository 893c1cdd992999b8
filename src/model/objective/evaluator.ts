/**
 * Evaluator for objectives on one world state. `and`, `or` and `if` evaluate only what they need,
 * left to right, so `d != 0 and n / d > 1` is safe. Run-time failures (division by zero, a state
 * value of the wrong type, a non-finite result) are coded {@link ObjectiveError}s at the node's span.
 */
import { type Expr, type Objective, unreachable } from "./ast.js";
import { MAX_TREE_DEPTH, treeTooDeep } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";
import type { Span } from "./span.js";

export type Value = number | boolean | string;

/** Values of world-model variables: numbers, booleans, and enumeration values as strings. */
export type State = Readonly<Record<string, Value>>;

export interface WeightedState {
  /** Non-negative; weights are normalised by their sum, so they need not add up to 1. */
  readonly weight: number;
  readonly state: State;
}

/**
 * How `E[operand]` gets its value: a function that computes the expectation of `operand` (a world
 * model that can do exact inference, or a sampler), given the current state to condition on, or an
 * explicit distribution as weighted states.
 */
export type ExpectationSource = ((operand: Expr, state: State) => number) | readonly WeightedState[];

export interface EvaluateOptions {
  readonly constants?: Readonly<Record<string, number>>;
  /** Required when the expression contains `E[...]`. */
  readonly expect?: ExpectationSource;
}

/**
 * Evaluate an expression on a state.
 *
 * @throws {ObjectiveError} `DIVISION_BY_ZERO`, `RUNTIME_TYPE`, `UNBOUND_VARIABLE`, `NOT_FINITE`,
 *   `EXPECTATION_UNAVAILABLE`, `INVALID_DISTRIBUTION`, `ARITY_MISMATCH`.
 * @example evaluate(parseExpression("watered - 0.1 * steps"), { watered: 3, steps: 10 }) === 2
 */
export function evaluate(expr: Expr, state: State, options: EvaluateOptions = {}): Value {
  return new Evaluator(options).run(expr, state, 0);
}

/**
 * Evaluate an objective: a number for `maximize` and `minimize`, a boolean for `satisfy`.
 *
 * @throws {ObjectiveError} as {@link evaluate}, and `RUNTIME_TYPE` if the value does not fit the sense.
 * @example evaluateObjective(parseObjective("satisfy temp < 25"), { temp: 21 }) === true
 */
export function evaluateObjective(
  objective: Objective,
  state: State,
  options: EvaluateOptions = {},
): number | boolean {
  const value = evaluate(objective.expr, state, options);
  const wanted = objective.sense === "satisfy" ? "boolean" : "number";
  if (typeof value !== wanted) {
    throw ObjectiveError.expected(
      "RUNTIME_TYPE",
      objective.expr.span,
      `a ${wanted} to ${objective.sense}`,
      describeValue(value),
    );
  }
  return value as number | boolean;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return value === null ? "null" : typeof value;
}

class Evaluator {
  private readonly constants: ReadonlyMap<string, number>;
  private readonly expect: ExpectationSource | undefined;

  constructor(options: EvaluateOptions) {
    this.constants = new Map(Object.entries(options.constants ?? {}));
    this.expect = options.expect;
  }

  run(expr: Expr, state: State, depth: number): Value {
    // `depth` counts from 0 at the root, so a tree of MAX_TREE_DEPTH levels ends at MAX_TREE_DEPTH - 1.
    if (depth >= MAX_TREE_DEPTH) throw treeTooDeep(expr.span);
    const d = depth + 1;
    switch (expr.kind) {
      case "number":
      case "boolean":
      case "string":
        return expr.value;
      case "identifier":
        return this.lookup(expr.name, expr.span, state);
      case "negate":
        return this.finite(-this.number(expr.operand, state, d), expr.span);
      case "not":
        return !this.boolean(expr.operand, state, d);
      case "sum": {
        let total = this.number(expr.first, state, d);
        for (const term of expr.rest) {
          const x = this.number(term.operand, state, d);
          total = term.op === "+" ? total + x : total - x;
        }
        return this.finite(total, expr.span);
      }
      case "product": {
        let total = this.number(expr.first, state, d);
        for (const factor of expr.rest) {
          const x = this.number(factor.operand, state, d);
          if (factor.op === "*") total *= x;
          else if (x === 0)
            throw ObjectiveError.expected("DIVISION_BY_ZERO", factor.operand.span, "a non-zero divisor", "0");
          else total /= x;
        }
        return this.finite(total, expr.span);
      }
      case "comparison": {
        const left = this.run(expr.left, state, d);
        const right = this.run(expr.right, state, d);
        if (expr.op === "==" || expr.op === "!=") {
          if (typeof left !== typeof right) {
            throw ObjectiveError.expected(
              "RUNTIME_TYPE",
              expr.right.span,
              `a ${typeof left} to compare with`,
              describeValue(right),
            );
          }
          return (left === right) === (expr.op === "==");
        }
        const a = this.asNumber(left, expr.left.span);
        const b = this.asNumber(right, expr.right.span);
        switch (expr.op) {
          case "<":
            return a < b;
          case "<=":
            return a <= b;
          case ">":
            return a > b;
          case ">=":
            return a >= b;
        }
        return unreachable(expr.op);
      }
      case "and":
        for (const operand of expr.operands) if (!this.boolean(operand, state, d)) return false;
        return true;
      case "or":
        for (const operand of expr.operands) if (this.boolean(operand, state, d)) return true;
        return false;
      case "conditional":
        return this.boolean(expr.condition, state, d)
          ? this.run(expr.whenTrue, state, d)
          : this.run(expr.whenFalse, state, d);
      case "call": {
        const args: number[] = [];
        for (const arg of expr.args) args.push(this.number(arg, state, d));
        if (expr.callee === "abs" ? args.length !== 1 : args.length === 0) {
          throw ObjectiveError.expected(
            "ARITY_MISMATCH",
            expr.span,
            `the right number of arguments to \`${expr.callee}\``,
            String(args.length),
          );
        }
        if (expr.callee === "abs") return Math.abs(args[0] as number);
        // A loop, not Math.min(...args): spreading a few hundred thousand arguments overflows the stack.
        let best = args[0] as number;
        for (const x of args) if (expr.callee === "min" ? x < best : x > best) best = x;
        return best;
      }
      case "expectation":
        return this.expectation(expr.operand, expr.span, state, d);
      default:
        return unreachable(expr);
    }
  }

  private lookup(name: string, span: Span, state: State): Value {
    const constant: unknown = this.constants.get(name);
    if (constant !== undefined) {
      if (typeof constant === "number") return this.finite(constant, span);
      throw ObjectiveError.expected(
        "RUNTIME_TYPE",
        span,
        `a number for constant \`${name}\``,
        describeValue(constant),
      );
    }
    // Own properties only: `toString` or `__proto__` must not resolve to Object.prototype members.
    if (!Object.hasOwn(state, name)) {
      throw ObjectiveError.expected(
        "UNBOUND_VARIABLE",
        span,
        `a value for \`${name}\` in the state`,
        "none",
        { variable: name },
      );
    }
    const value = state[name];
    if (typeof value === "number") return this.finite(value, span);
    if (typeof value === "boolean" || typeof value === "string") return value;
    throw ObjectiveError.expected(
      "RUNTIME_TYPE",
      span,
      `a number, boolean or string for \`${name}\``,
      describeValue(value),
      { variable: name },
    );
  }

  private number(expr: Expr, state: State, depth: number): number {
    return this.asNumber(this.run(expr, state, depth), expr.span);
  }

  private asNumber(value: Value, span: Span): number {
    if (typeof value === "number") return value;
    throw ObjectiveError.expected("RUNTIME_TYPE", span, "a number", describeValue(value));
  }

  private boolean(expr: Expr, state: State, depth: number): boolean {
    const value = this.run(expr, state, depth);
    if (typeof value === "boolean") return value;
    throw ObjectiveError.expected("RUNTIME_TYPE", expr.span, "a boolean", describeValue(value));
  }

  private finite(value: number, span: Span): number {
    if (Number.isFinite(value)) return value;
    throw ObjectiveError.expected("NOT_FINITE", span, "a finite number", String(value));
  }

  private expectation(operand: Expr, span: Span, state: State, depth: number): number {
    const expect = this.expect;
    if (expect === undefined) {
      throw ObjectiveError.expected(
        "EXPECTATION_UNAVAILABLE",
        span,
        "an `expect` function or weighted states to evaluate `E[...]`",
        "neither",
      );
    }
    if (typeof expect === "function") {
      const value: unknown = expect(operand, state);
      if (typeof value !== "number")
        throw ObjectiveError.expected("RUNTIME_TYPE", span, "a number from `expect`", describeValue(value));
      return this.finite(value, span);
    }
    let total = 0;
    let weights = 0;
    for (const { weight, state: world } of expect) {
      if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
        throw ObjectiveError.expected(
          "INVALID_DISTRIBUTION",
          span,
          "finite non-negative weights",
          String(weight),
        );
      }
      if (weight === 0) continue;
      const value = this.run(operand, world, depth);
      // A boolean's expectation is its probability.
      const x = typeof value === "boolean" ? Number(value) : this.asNumber(value, operand.span);
      total += weight * x;
      weights += weight;
    }
    if (!(weights > 0))
      throw ObjectiveError.expected(
        "INVALID_DISTRIBUTION",
        span,
        "weights with a positive sum",
        String(weights),
      );
    return this.finite(total / weights, span);
  }
}
