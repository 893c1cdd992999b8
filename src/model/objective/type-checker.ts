/**
 * Type checker for objectives against a world-model description. It reports every error it finds
 * (up to {@link MAX_ERRORS}), not just the first, because a person fixing an objective wants the
 * whole list; an operand whose type is already wrong is not reported again by its parents.
 */
import { type Expr, type Objective, type Sense, unreachable } from "./ast.js";
import { suggest } from "./did-you-mean.js";
import { MAX_ERRORS, MAX_TREE_DEPTH, treeTooDeep } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";
import { BOOLEAN, describeType, NUMBER, type ObjectiveType, typeOfDomain } from "./objective-type.js";
import type { Span } from "./span.js";
import type { VariableDescription, WorldDescription } from "./world-description.js";

export interface CheckOptions {
  /** Named numbers the expression may use besides the variables, e.g. `{ step_cost: 0.1 }`. */
  readonly constants?: Readonly<Record<string, number>>;
  /**
   * Variables carrying any of these tags may not be read, e.g. `["oversight"]`: an objective that
   * depends on whether the optimizer is watched rewards behaving well only while watched.
   */
  readonly forbiddenTags?: readonly string[];
}

export interface CheckResult {
  /** The expression's type, or undefined when errors left it unknown. */
  readonly type: ObjectiveType | undefined;
  /** Every error found, in source order within each kind of check; empty when the expression is well typed. */
  readonly errors: readonly ObjectiveError[];
}

/**
 * Type-check an expression against a world-model description.
 *
 * @example
 * const world = { variables: [{ name: "steps", domain: { kind: "int", min: 0, max: 99 }, tags: [] }] };
 * checkExpression(parseExpression("stpes * 2"), world).errors[0]?.suggestion === "steps"
 */
export function checkExpression(
  expr: Expr,
  world: WorldDescription,
  options: CheckOptions = {},
): CheckResult {
  const checker = new Checker(world, options);
  const type = checker.infer(expr, 0);
  return { type, errors: checker.errors };
}

/**
 * Type-check an objective: its expression, and that the expression fits the sense (a number to
 * maximize or minimize, a boolean to satisfy).
 *
 * @example
 * const world = { variables: [{ name: "done", domain: { kind: "boolean" }, tags: [] }] };
 * checkObjective(parseObjective("maximize done"), world).errors[0]?.code === "SENSE_MISMATCH"
 */
export function checkObjective(
  objective: Objective,
  world: WorldDescription,
  options: CheckOptions = {},
): CheckResult {
  const checker = new Checker(world, options);
  const type = checker.infer(objective.expr, 0);
  if (type !== undefined) checker.checkSense(objective.sense, type, objective.expr.span);
  return { type, errors: checker.errors };
}

/** What each sense needs its expression to be. */
const SENSE_TYPE: { readonly [S in Sense]: "number" | "boolean" } = {
  maximize: "number",
  minimize: "number",
  satisfy: "boolean",
};

class Checker {
  readonly errors: ObjectiveError[] = [];
  private readonly variables = new Map<string, VariableDescription>();
  private readonly constants = new Map<string, number>();
  private readonly forbidden: ReadonlySet<string>;

  constructor(world: WorldDescription, options: CheckOptions) {
    // First declaration wins; the world-model module is the one that rejects duplicates.
    for (const variable of world.variables)
      if (!this.variables.has(variable.name)) this.variables.set(variable.name, variable);
    this.forbidden = new Set(options.forbiddenTags ?? []);
    // Own keys only: a constants object parsed from JSON may carry `__proto__` or `constructor`.
    for (const [name, value] of Object.entries(options.constants ?? {})) {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        this.report(
          new ObjectiveError(
            "CONSTANT_INVALID",
            `constants.${name}: expected a finite number, got ${String(value)}`,
            {
              expected: "a finite number",
              got: String(value),
              path: `constants.${name}`,
            },
          ),
        );
      } else if (this.variables.has(name)) {
        this.report(
          new ObjectiveError(
            "CONSTANT_INVALID",
            `constants.${name}: expected a name that is not a variable, got \`${name}\``,
            {
              expected: "a name that is not a world-model variable",
              got: `\`${name}\``,
              variable: name,
              path: `constants.${name}`,
            },
          ),
        );
      } else this.constants.set(name, value);
    }
  }

  private report(error: ObjectiveError): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(error);
    else if (this.errors.length === MAX_ERRORS) {
      this.errors.push(
        new ObjectiveError("TOO_MANY_ERRORS", `stopped after ${MAX_ERRORS} errors`, {
          expected: `at most ${MAX_ERRORS} errors`,
          got: "more",
        }),
      );
    }
  }

  private mismatch(span: Span, expected: string, got: ObjectiveType, hint?: string): void {
    this.report(ObjectiveError.expected("TYPE_MISMATCH", span, expected, describeType(got), { hint }));
  }

  checkSense(sense: Sense, type: ObjectiveType, span: Span): void {
    const wanted = SENSE_TYPE[sense];
    if (type.kind === wanted) return;
    const article = wanted === "number" ? "a number" : "a boolean";
    this.report(
      ObjectiveError.expected("SENSE_MISMATCH", span, `${article} to ${sense}`, describeType(type)),
    );
  }

  /** The type of `expr`, or undefined when it has an error (already reported). */
  infer(expr: Expr, depth: number): ObjectiveType | undefined {
    // `depth` counts from 0 at the root, so a tree of MAX_TREE_DEPTH levels ends at MAX_TREE_DEPTH - 1.
    if (depth >= MAX_TREE_DEPTH) {
      this.report(treeTooDeep(expr.span));
      return undefined;
    }
    const d = depth + 1;
    switch (expr.kind) {
      case "number":
        return NUMBER;
      case "boolean":
        return BOOLEAN;
      case "string":
        return { kind: "enum", values: [expr.value], variable: undefined, literal: true };
      case "identifier":
        return this.identifier(expr.name, expr.span);
      case "negate": {
        const type = this.infer(expr.operand, d);
        return this.requireNumber(type, expr.operand.span, "`-`") ? type : undefined;
      }
      case "not": {
        const type = this.infer(expr.operand, d);
        return this.requireBoolean(type, expr.operand.span, "`not`") ? BOOLEAN : undefined;
      }
      case "sum": {
        const operands = [{ op: "+", operand: expr.first }, ...expr.rest];
        const types: (ObjectiveType | undefined)[] = [];
        for (const { op, operand } of operands) {
          const type = this.infer(operand, d);
          types.push(this.requireNumber(type, operand.span, `\`${op}\``) ? type : undefined);
        }
        return this.sameUnits(
          types,
          operands.map((o) => o.operand.span),
          "added or subtracted",
        );
      }
      case "product": {
        const factors = [{ op: "*", operand: expr.first }, ...expr.rest];
        let ok = true;
        const units: (string | undefined)[] = [];
        for (const { op, operand } of factors) {
          const type = this.infer(operand, d);
          if (this.requireNumber(type, operand.span, `\`${op}\``)) units.push(type.unit);
          else ok = false;
        }
        if (!ok) return undefined;
        // Units pass through scaling by plain numbers (`0.1 * cost`, `cost / 2`) and are otherwise
        // left unknown: we check units only where a mismatch is certain, never guess a derived one.
        const carriers = units.flatMap((unit, i) => (unit === undefined ? [] : [i]));
        const k = carriers[0];
        // One factor with a unit, multiplied in (not a divisor): `2 * cost / 3` is still in usd.
        const scaled = carriers.length === 1 && k !== undefined && (k === 0 || expr.rest[k - 1]?.op === "*");
        return { kind: "number", unit: scaled ? units[k] : undefined };
      }
      case "comparison":
        return this.comparison(expr, d);
      case "and":
      case "or": {
        let ok = true;
        for (const operand of expr.operands) {
          if (!this.requireBoolean(this.infer(operand, d), operand.span, `\`${expr.kind}\``)) ok = false;
        }
        return ok ? BOOLEAN : undefined;
      }
      case "conditional": {
        const condition = this.infer(expr.condition, d);
        this.requireBoolean(condition, expr.condition.span, "an `if` condition");
        const whenTrue = this.infer(expr.whenTrue, d);
        const whenFalse = this.infer(expr.whenFalse, d);
        if (whenTrue === undefined || whenFalse === undefined) return undefined;
        return this.unify(whenTrue, whenFalse, expr.whenFalse.span);
      }
      case "call": {
        const wantsOne = expr.callee === "abs";
        if (wantsOne ? expr.args.length !== 1 : expr.args.length === 0) {
          const expected = wantsOne ? "1 argument" : "at least 1 argument";
          this.report(
            ObjectiveError.expected(
              "ARITY_MISMATCH",
              expr.span,
              `${expected} to \`${expr.callee}\``,
              String(expr.args.length),
            ),
          );
          for (const arg of expr.args) this.infer(arg, d);
          return undefined;
        }
        const types: (ObjectiveType | undefined)[] = [];
        for (const arg of expr.args) {
          const type = this.infer(arg, d);
          types.push(this.requireNumber(type, arg.span, `\`${expr.callee}\``) ? type : undefined);
        }
        return this.sameUnits(
          types,
          expr.args.map((a) => a.span),
          `compared by \`${expr.callee}\``,
        );
      }
      case "expectation": {
        const type = this.infer(expr.operand, d);
        if (type === undefined) return undefined;
        if (type.kind === "number") return type;
        // The expectation of a boolean is its probability: `maximize E[goal_reached]`.
        if (type.kind === "boolean") return NUMBER;
        this.mismatch(expr.operand.span, "a number or boolean inside `E[...]`", type);
        return undefined;
      }
      default:
        return unreachable(expr);
    }
  }

  private identifier(name: string, span: Span): ObjectiveType | undefined {
    const variable = this.variables.get(name);
    if (variable !== undefined) {
      for (const tag of variable.tags) {
        if (!this.forbidden.has(tag)) continue;
        this.report(
          new ObjectiveError(
            "FORBIDDEN_VARIABLE",
            `expected no variable tagged \`${tag}\` at ${span.line}:${span.column}, got \`${name}\` (the policy forbids objectives that read it)`,
            { span, expected: `no variable tagged \`${tag}\``, got: `\`${name}\``, variable: name, tag },
          ),
        );
      }
      return typeOfDomain(variable.domain, name);
    }
    if (this.constants.has(name)) return NUMBER;
    const said =
      this.errors.length < MAX_ERRORS
        ? suggest(name, [...this.variables.keys(), ...this.constants.keys()])
        : undefined;
    this.report(
      ObjectiveError.expected(
        "UNKNOWN_IDENTIFIER",
        span,
        "a world-model variable or a constant",
        `\`${name}\``,
        {
          variable: name,
          ...(said === undefined ? {} : { suggestion: said, hint: `did you mean \`${said}\`?` }),
        },
      ),
    );
    return undefined;
  }

  private requireNumber(
    type: ObjectiveType | undefined,
    span: Span,
    where: string,
  ): type is ObjectiveType & { kind: "number" } {
    if (type === undefined) return false;
    if (type.kind === "number") return true;
    this.mismatch(span, `a number operand of ${where}`, type);
    return false;
  }

  private requireBoolean(type: ObjectiveType | undefined, span: Span, where: string): boolean {
    if (type === undefined) return false;
    if (type.kind === "boolean") return true;
    this.mismatch(span, `a boolean operand of ${where}`, type);
    return false;
  }

  /** The common type of numbers that must share a unit, or undefined (reported) if they do not. */
  private sameUnits(
    types: readonly (ObjectiveType | undefined)[],
    spans: readonly Span[],
    how: string,
  ): ObjectiveType | undefined {
    let unit: string | undefined;
    let ok = true;
    types.forEach((type, i) => {
      if (type === undefined || type.kind !== "number") {
        ok = false;
        return;
      }
      if (type.unit === undefined) return;
      if (unit === undefined) unit = type.unit;
      else if (type.unit !== unit) {
        ok = false;
        this.report(
          ObjectiveError.expected(
            "UNIT_MISMATCH",
            spans[i] as Span,
            `a quantity in ${unit} to be ${how}`,
            `one in ${type.unit}`,
          ),
        );
      }
    });
    return ok ? { kind: "number", unit } : undefined;
  }

  private comparison(expr: Expr & { kind: "comparison" }, d: number): ObjectiveType | undefined {
    const left = this.infer(expr.left, d);
    const right = this.infer(expr.right, d);
    if (left === undefined || right === undefined) return undefined;
    const op = `\`${expr.op}\``;
    if (expr.op !== "==" && expr.op !== "!=") {
      const ok =
        this.requireNumber(left, expr.left.span, op) && this.requireNumber(right, expr.right.span, op);
      if (!ok) return undefined;
      return this.sameUnits([left, right], [expr.left.span, expr.right.span], `compared by ${op}`) && BOOLEAN;
    }
    if (left.kind !== right.kind) {
      this.mismatch(expr.right.span, `${describeType(left)} on both sides of ${op}`, right);
      return undefined;
    }
    if (left.kind === "number") {
      return this.sameUnits([left, right], [expr.left.span, expr.right.span], `compared by ${op}`) && BOOLEAN;
    }
    if (left.kind === "enum" && right.kind === "enum") {
      if (left.literal && right.literal) return BOOLEAN;
      const overlap = left.values.some((v) => right.values.includes(v));
      if (overlap) return BOOLEAN;
      // A literal outside the domain is the usual case: a typo or a value the model does not have.
      if (left.literal || right.literal) {
        const [literal, domain, span] = left.literal
          ? [left, right, expr.left.span]
          : [right, left, expr.right.span];
        const value = literal.values[0] ?? "";
        const said = suggest(value, domain.values);
        const of = domain.variable === undefined ? "the enumeration" : `\`${domain.variable}\``;
        this.report(
          ObjectiveError.expected(
            "ENUM_VALUE_UNKNOWN",
            span,
            `a value of ${of} (${domain.values.map((v) => JSON.stringify(v)).join(", ")})`,
            JSON.stringify(value),
            {
              ...(domain.variable === undefined ? {} : { variable: domain.variable }),
              ...(said === undefined
                ? {}
                : { suggestion: said, hint: `did you mean ${JSON.stringify(said)}?` }),
            },
          ),
        );
        return undefined;
      }
      this.mismatch(
        expr.right.span,
        `an enumeration sharing a value with ${describeType(left)}`,
        right,
        "the comparison could never hold",
      );
      return undefined;
    }
    return BOOLEAN;
  }

  /** The type of `if` whose branches have types `a` and `b`. */
  private unify(a: ObjectiveType, b: ObjectiveType, span: Span): ObjectiveType | undefined {
    if (a.kind !== b.kind) {
      this.mismatch(span, `${describeType(a)} in both branches of \`if\``, b);
      return undefined;
    }
    if (a.kind === "number" && b.kind === "number") {
      if (a.unit !== undefined && b.unit !== undefined && a.unit !== b.unit) {
        this.report(
          ObjectiveError.expected(
            "UNIT_MISMATCH",
            span,
            `a quantity in ${a.unit} in both branches of \`if\``,
            `one in ${b.unit}`,
          ),
        );
        return undefined;
      }
      return { kind: "number", unit: a.unit ?? b.unit };
    }
    if (a.kind === "enum" && b.kind === "enum") {
      const values = [...a.values, ...b.values.filter((v) => !a.values.includes(v))];
      const variable = a.variable === b.variable ? a.variable : undefined;
      return { kind: "enum", values, variable, literal: false };
    }
    return a;
  }
}
