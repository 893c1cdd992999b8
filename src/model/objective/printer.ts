/**
 * Canonical text for objectives: the output parses back to the same tree (spans aside), with only
 * the parentheses the tree needs. Canonical means one spelling per tree, so two objectives can be
 * compared, hashed and shown to an overseer as text: `and`/`or`/`not` rather than `&&`/`||`/`!`,
 * single spaces around binary operators, numbers as JavaScript's shortest round-trip form.
 */
import { type Expr, type Objective, unreachable } from "./ast.js";
import { BARE_IDENTIFIER, KEYWORDS } from "./lexer.js";
import { MAX_TREE_DEPTH, treeTooDeep } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";

/**
 * Binding strength of each kind, loosest first; a child printed where a tighter level is required
 * gets parentheses. The table is keyed by every kind, so a new kind does not compile until placed.
 */
const PRECEDENCE: { readonly [K in Expr["kind"]]: number } = {
  conditional: 0,
  or: 1,
  and: 2,
  not: 3,
  comparison: 4,
  sum: 5,
  product: 6,
  negate: 7,
  number: 8,
  boolean: 8,
  string: 8,
  identifier: 8,
  call: 8,
  expectation: 8,
};

/**
 * Print an expression canonically.
 *
 * @throws {ObjectiveError} `UNPRINTABLE` for a hand-built tree no text can express (a NaN literal,
 *   an identifier containing a backtick), `TOO_DEEP` past {@link MAX_TREE_DEPTH}.
 * @example printExpression(parseExpression("(a)+b*(c)")) === "a + b * c"
 */
export function printExpression(expr: Expr): string {
  return print(expr, 0, 0);
}

/**
 * Print an objective canonically: its sense, a space, its expression.
 *
 * @example printObjective(parseObjective("maximize   x-1")) === "maximize x - 1"
 */
export function printObjective(objective: Objective): string {
  return `${objective.sense} ${printExpression(objective.expr)}`;
}

function print(expr: Expr, minPrecedence: number, depth: number): string {
  // `depth` counts from 0 at the root, so a tree of MAX_TREE_DEPTH levels ends at MAX_TREE_DEPTH - 1.
  if (depth >= MAX_TREE_DEPTH) throw treeTooDeep(expr.span);
  const text = printBare(expr, depth + 1);
  return PRECEDENCE[expr.kind] < minPrecedence ? `(${text})` : text;
}

function printBare(expr: Expr, d: number): string {
  switch (expr.kind) {
    case "number":
      return printNumber(expr.value, expr);
    case "boolean":
      return expr.value ? "true" : "false";
    case "string":
      return printString(expr.value);
    case "identifier":
      return printIdentifier(expr.name, expr);
    case "negate": {
      const operand = print(expr.operand, PRECEDENCE.negate, d);
      // `- -x`, not `--x`, which reads as a decrement to most programmers.
      return operand.startsWith("-") ? `- ${operand}` : `-${operand}`;
    }
    case "not":
      return `not ${print(expr.operand, PRECEDENCE.not, d)}`;
    case "sum": {
      // Operands one level tighter: a nested sum keeps its parentheses and so its tree.
      let out = print(expr.first, PRECEDENCE.product, d);
      for (const term of expr.rest) out += ` ${term.op} ${print(term.operand, PRECEDENCE.product, d)}`;
      return out;
    }
    case "product": {
      let out = print(expr.first, PRECEDENCE.negate, d);
      for (const factor of expr.rest) out += ` ${factor.op} ${print(factor.operand, PRECEDENCE.negate, d)}`;
      return out;
    }
    case "comparison":
      return `${print(expr.left, PRECEDENCE.sum, d)} ${expr.op} ${print(expr.right, PRECEDENCE.sum, d)}`;
    case "and":
      return printList(expr.operands, PRECEDENCE.not, d, " and ");
    case "or":
      return printList(expr.operands, PRECEDENCE.and, d, " or ");
    case "conditional":
      return `if ${print(expr.condition, 0, d)} then ${print(expr.whenTrue, 0, d)} else ${print(expr.whenFalse, 0, d)}`;
    case "call":
      return `${expr.callee}(${printList(expr.args, 0, d, ", ")})`;
    case "expectation":
      return `E[${print(expr.operand, 0, d)}]`;
    default:
      return unreachable(expr);
  }
}

function printList(
  operands: readonly Expr[],
  minPrecedence: number,
  depth: number,
  separator: string,
): string {
  let out = "";
  for (let i = 0; i < operands.length; i++) {
    if (i > 0) out += separator;
    out += print(operands[i] as Expr, minPrecedence, depth);
  }
  return out;
}

function printNumber(value: number, node: Expr): string {
  if (!Number.isFinite(value)) {
    throw ObjectiveError.expected("UNPRINTABLE", node.span, "a finite number literal", String(value));
  }
  // A negative literal only comes from a hand-built tree; print it as the negation it means.
  if (value < 0 || Object.is(value, -0)) return `-${String(-value)}`;
  return String(value);
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * A string literal the lexer reads back as `value`: quotes, backslashes and control characters are
 * escaped; lone surrogates too, so even a malformed UTF-16 string survives the trip.
 */
function printString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const c = ch.charCodeAt(0);
    const escaped = Object.hasOwn(STRING_ESCAPES, ch) ? STRING_ESCAPES[ch] : undefined;
    if (escaped !== undefined) out += escaped;
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const low = value.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        out += value.slice(i, i + 2);
        i++;
      } else out += `\\u{${c.toString(16)}}`;
    } else if (c >= 0xdc00 && c <= 0xdfff) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

function printIdentifier(name: string, node: Expr): string {
  if (BARE_IDENTIFIER.test(name) && !KEYWORDS.has(name)) return name;
  // Backticks hold any name without a backtick or control character; there is no escape inside.
  if (name.length === 0 || !quotable(name)) {
    throw ObjectiveError.expected(
      "UNPRINTABLE",
      node.span,
      "a name without backticks or control characters",
      JSON.stringify(name),
    );
  }
  return `\`${name}\``;
}

/** What the lexer accepts between backticks: anything but a backtick or a control character. */
function quotable(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x60) return false;
  }
  return true;
}
