/**
 * Recursive-descent parser for objectives, one function per precedence level (GRAMMAR.md).
 *
 * Every construct through which the parser recurses (a parenthesis, a prefix `-` or `not`, an
 * `if`, a call, `E[...]`) goes through {@link Parser.enter}, which counts nesting and throws
 * `TOO_DEEP` at the construct that passes {@link MAX_DEPTH}: ten thousand `(` must give a coded
 * error, not a RangeError from an exhausted stack. The precedence levels in between recurse a
 * fixed number of times per construct, so the stack stays below about ten frames per level.
 */
import {
  type AdditiveOperator,
  type ComparisonOperator,
  type Expr,
  FUNCTION_NAMES,
  type FunctionName,
  type MultiplicativeOperator,
  type Objective,
  type ProductFactor,
  SENSES,
  type Sense,
  type SumTerm,
} from "./ast.js";
import { suggest } from "./did-you-mean.js";
import { describeToken, Lexer, type Token, type TokenSymbol } from "./lexer.js";
import { MAX_DEPTH, MAX_TREE_DEPTH, treeTooDeep } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";
import { joinSpans, type Span } from "./span.js";

const COMPARISONS: ReadonlySet<string> = new Set(["<", "<=", ">", ">=", "==", "!="]);

/**
 * Parse an expression (the `expr` of an objective document, without its sense).
 *
 * @throws {ObjectiveError} with a code, line and column for any text that is not an expression.
 * @example parseExpression("watered_tomatoes - 0.1 * steps").kind === "sum"
 */
export function parseExpression(source: string): Expr {
  const parser = new Parser(new Lexer(source));
  parser.requireInput();
  const expr = parser.expression();
  parser.requireEnd();
  return expr;
}

/**
 * Parse a whole objective: `maximize EXPR`, `minimize EXPR` or `satisfy EXPR`.
 *
 * The sense words are not reserved, so a variable may still be called `satisfy`.
 *
 * @throws {ObjectiveError} with a code, line and column for any text that is not an objective.
 * @example parseObjective("maximize E[watered_tomatoes]").sense === "maximize"
 */
export function parseObjective(source: string): Objective {
  const parser = new Parser(new Lexer(source));
  parser.requireInput();
  const first = parser.peek();
  const sense =
    first.kind === "identifier" && (SENSES as readonly string[]).includes(first.value)
      ? (first.value as Sense)
      : undefined;
  if (sense === undefined) {
    const said = first.kind === "identifier" ? suggest(first.value, SENSES) : undefined;
    throw ObjectiveError.expected(
      "UNKNOWN_SENSE",
      first.span,
      "`maximize`, `minimize` or `satisfy`",
      describeToken(first),
      {
        ...(said === undefined ? {} : { suggestion: said, hint: `did you mean \`${said}\`?` }),
      },
    );
  }
  parser.next();
  const expr = parser.expression();
  parser.requireEnd();
  return { kind: "objective", sense, expr, span: joinSpans(first.span, expr.span) };
}

class Parser {
  private depth = 0;
  /** Height of the tree the last parse method returned; see {@link Parser.built}. */
  private height = 0;

  /** One token of lookahead is all the grammar needs (`E` then `[`, a name then `(`). */
  private current: Token;
  private last: Token;

  constructor(private readonly lexer: Lexer) {
    this.current = lexer.next();
    this.last = this.current;
  }

  peek(): Token {
    return this.current;
  }

  next(): Token {
    const token = this.current;
    if (token.kind !== "end") {
      this.last = token;
      this.current = this.lexer.next();
    }
    return token;
  }

  private previous(): Token {
    return this.last;
  }

  private at(symbol: TokenSymbol): boolean {
    const token = this.peek();
    return token.kind === "symbol" && token.value === symbol;
  }

  private expect(symbol: TokenSymbol, hint?: string): Token {
    const token = this.peek();
    if (token.kind === "symbol" && token.value === symbol) return this.next();
    throw ObjectiveError.expected("UNEXPECTED_TOKEN", token.span, `\`${symbol}\``, describeToken(token), {
      hint,
    });
  }

  private spanFrom(first: Token): Span {
    return joinSpans(first.span, this.previous().span);
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) {
      throw ObjectiveError.expected("TOO_DEEP", token.span, `at most ${MAX_DEPTH} levels of nesting`, "more");
    }
  }

  private leave(): void {
    this.depth--;
  }

  /**
   * Record the height of a new node over children of height `childHeight`. Nesting alone does not
   * bound the tree (one level of nesting can hold seven nested nodes), and the printer,
   * checker and evaluator recurse once per tree level, so the tree's height is bounded too.
   */
  private built<E extends Expr>(node: E, childHeight: number): E {
    this.height = childHeight + 1;
    if (this.height > MAX_TREE_DEPTH) throw treeTooDeep(node.span);
    return node;
  }

  requireInput(): void {
    const token = this.peek();
    if (token.kind === "end")
      throw ObjectiveError.expected("EMPTY_INPUT", token.span, "an expression", "end of input");
  }

  requireEnd(): void {
    const token = this.peek();
    if (token.kind === "end") return;
    if (token.kind === "symbol" && COMPARISONS.has(token.value)) throw this.chained(token);
    const hint = token.kind === "symbol" && token.value === ")" ? "this `)` closes nothing" : undefined;
    throw ObjectiveError.expected(
      "UNEXPECTED_TOKEN",
      token.span,
      "an operator or end of input",
      describeToken(token),
      { hint },
    );
  }

  /**
   * expression := `if` expression `then` expression `else` expression | or
   *
   * An `else if` chain is read in a loop and nested afterwards, so a piecewise objective with
   * hundreds of cases costs one level of nesting (its tree height is still bounded).
   */
  expression(): Expr {
    const first = this.peek();
    if (!this.at("if")) return this.or();
    this.enter(first);
    const arms: {
      readonly token: Token;
      readonly condition: Expr;
      readonly whenTrue: Expr;
      readonly height: number;
    }[] = [];
    do {
      const token = this.next();
      const condition = this.expression();
      const conditionHeight = this.height;
      this.expect("then");
      const whenTrue = this.expression();
      arms.push({ token, condition, whenTrue, height: Math.max(conditionHeight, this.height) });
      this.expect("else", "every `if` needs an `else`");
    } while (this.at("if"));
    let expr = this.expression();
    let height = this.height;
    const end = this.previous().span;
    for (let i = arms.length - 1; i >= 0; i--) {
      const { token, condition, whenTrue, height: armHeight } = arms[i] as (typeof arms)[number];
      expr = this.built(
        { kind: "conditional", condition, whenTrue, whenFalse: expr, span: joinSpans(token.span, end) },
        Math.max(armHeight, height),
      );
      height = this.height;
    }
    this.leave();
    return expr;
  }

  /** or := and (`or` and)* */
  private or(): Expr {
    return this.junction("or", this.and);
  }

  /** and := not (`and` not)* */
  private and(): Expr {
    return this.junction("and", this.not);
  }

  /** One n-ary `and` or `or` node over operands read by `operand`, or the lone operand itself. */
  private junction(kind: "and" | "or", operand: (this: Parser) => Expr): Expr {
    const first = this.peek();
    const head = operand.call(this);
    if (!this.at(kind)) return head;
    const operands: Expr[] = [head];
    let h = this.height;
    while (this.at(kind)) {
      this.next();
      operands.push(operand.call(this));
      h = Math.max(h, this.height);
    }
    return this.built({ kind, operands, span: this.spanFrom(first) }, h);
  }

  /** not := `not` not | comparison */
  private not(): Expr {
    const first = this.peek();
    if (!this.at("not")) return this.comparison();
    this.next();
    this.enter(first);
    const operand = this.not();
    this.leave();
    return this.built({ kind: "not", operand, span: this.spanFrom(first) }, this.height);
  }

  /** comparison := sum (op sum)?, op one of < <= > >= == != */
  private comparison(): Expr {
    const first = this.peek();
    const left = this.sum();
    const opToken = this.peek();
    if (opToken.kind !== "symbol" || !COMPARISONS.has(opToken.value)) return left;
    const h = this.height;
    this.next();
    const right = this.sum();
    const after = this.peek();
    if (after.kind === "symbol" && COMPARISONS.has(after.value)) throw this.chained(after);
    const node: Expr = {
      kind: "comparison",
      op: opToken.value as ComparisonOperator,
      left,
      right,
      span: this.spanFrom(first),
    };
    return this.built(node, Math.max(h, this.height));
  }

  private chained(token: Token): ObjectiveError {
    return ObjectiveError.expected(
      "CHAINED_COMPARISON",
      token.span,
      "`and`, `or`, `)` or end of input",
      describeToken(token),
      {
        hint: "comparisons do not chain; write `a < b and b < c`",
      },
    );
  }

  /** sum := product ((`+` | `-`) product)* */
  private sum(): Expr {
    const first = this.peek();
    const head = this.product();
    if (!this.at("+") && !this.at("-")) return head;
    const rest: SumTerm[] = [];
    let h = this.height;
    while (this.at("+") || this.at("-")) {
      const op = this.next().value as AdditiveOperator;
      rest.push({ op, operand: this.product() });
      h = Math.max(h, this.height);
    }
    return this.built({ kind: "sum", first: head, rest, span: this.spanFrom(first) }, h);
  }

  /** product := unary ((`*` | `/`) unary)* */
  private product(): Expr {
    const first = this.peek();
    const head = this.unary();
    if (!this.at("*") && !this.at("/")) return head;
    const rest: ProductFactor[] = [];
    let h = this.height;
    while (this.at("*") || this.at("/")) {
      const op = this.next().value as MultiplicativeOperator;
      rest.push({ op, operand: this.unary() });
      h = Math.max(h, this.height);
    }
    return this.built({ kind: "product", first: head, rest, span: this.spanFrom(first) }, h);
  }

  /** unary := `-` unary | primary */
  private unary(): Expr {
    const first = this.peek();
    if (!this.at("-")) return this.primary();
    this.next();
    this.enter(first);
    const operand = this.unary();
    this.leave();
    return this.built({ kind: "negate", operand, span: this.spanFrom(first) }, this.height);
  }

  /** primary := number | string | `true` | `false` | name | call | `E[` expression `]` | `(` expression `)` */
  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case "number":
        this.next();
        return this.built({ kind: "number", value: token.value, span: token.span }, 0);
      case "string":
        this.next();
        return this.built({ kind: "string", value: token.value, span: token.span }, 0);
      case "identifier":
        return this.name(token);
      case "symbol":
        if (token.value === "true" || token.value === "false") {
          this.next();
          return this.built({ kind: "boolean", value: token.value === "true", span: token.span }, 0);
        }
        if (token.value === "(") {
          this.next();
          this.enter(token);
          const inner = this.expression();
          this.expect(")", `to close the \`(\` at ${token.span.line}:${token.span.column}`);
          this.leave();
          return inner;
        }
        if (token.value === "if") {
          throw ObjectiveError.expected("UNEXPECTED_TOKEN", token.span, "an operand", "`if`", {
            hint: "an `if` inside an operator goes in parentheses: `1 + (if c then 2 else 3)`",
          });
        }
        break;
      case "end":
        break;
    }
    throw ObjectiveError.expected("UNEXPECTED_TOKEN", token.span, "an operand", describeToken(token));
  }

  /** A name: `E[...]`, a call `f(...)`, or a plain identifier. */
  private name(token: Token & { kind: "identifier" }): Expr {
    this.next();
    const quoted = token.text.startsWith("`");
    if (!quoted && token.value === "E" && this.at("[")) {
      this.next();
      this.enter(token);
      const operand = this.expression();
      this.expect("]", `to close the \`E[\` at ${token.span.line}:${token.span.column}`);
      this.leave();
      return this.built({ kind: "expectation", operand, span: this.spanFrom(token) }, this.height);
    }
    if (!quoted && this.at("(")) {
      const callee = token.value;
      if (!(FUNCTION_NAMES as readonly string[]).includes(callee)) {
        const said = suggest(callee, FUNCTION_NAMES);
        const hint =
          callee === "E"
            ? "an expectation is written `E[...]`"
            : said === undefined
              ? undefined
              : `did you mean \`${said}\`?`;
        throw ObjectiveError.expected(
          "UNKNOWN_FUNCTION",
          token.span,
          "one of `min`, `max`, `abs`",
          describeToken(token),
          {
            hint,
            ...(said === undefined ? {} : { suggestion: said }),
          },
        );
      }
      this.next();
      this.enter(token);
      const args: Expr[] = [];
      let h = 0;
      if (!this.at(")")) {
        args.push(this.expression());
        h = this.height;
        while (this.at(",")) {
          this.next();
          args.push(this.expression());
          h = Math.max(h, this.height);
        }
      }
      this.expect(")", `to close the call to \`${callee}\` at ${token.span.line}:${token.span.column}`);
      this.leave();
      return this.built(
        { kind: "call", callee: callee as FunctionName, args, span: this.spanFrom(token) },
        h,
      );
    }
    return this.built({ kind: "identifier", name: token.value, span: token.span }, 0);
  }
}
