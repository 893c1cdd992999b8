/**
 * Bounds on objective text. Objectives arrive in specs, HTTP bodies and ledger entries written by
 * optimizers we are trying to hold to account, so every one of them is treated as hostile: each
 * bound below turns what would be a hang, an out-of-memory or a stack overflow into a coded error.
 */
import { ObjectiveError } from "./objective-error.js";
import type { Span } from "./span.js";

/**
 * Largest accepted source, in UTF-8 bytes. A 1 MB generated objective lexes, parses and checks in
 * well under a second (benchmarks/objective.bench.ts); 4 MB leaves room and still bounds the work.
 */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * Most tokens in one expression. Dense input such as `a+a+a+...` makes two tokens per byte, so the
 * byte limit alone would allow two million token objects; a person cannot read even a tenth of that.
 */
export const MAX_TOKENS = 1_000_000;

/**
 * Deepest nesting of parentheses, prefix `-` and `not`, `if` (an `else if` chain counts once),
 * calls and `E[...]`. The parser
 * recurses through a fixed number of precedence levels per nesting level, so this bounds its stack
 * use before it recurses; 256 is far beyond anything legible.
 */
export const MAX_DEPTH = 256;

/**
 * Deepest AST, counted in nodes from the root to the deepest leaf. The parser refuses taller
 * trees and the recursive passes (printer, checker, evaluator) refuse hand-built ones, because
 * each of them recurses once per level. Measured under Node 20's default stack (room for about
 * 11,000 trivial frames): the checker, the hungriest pass, used nine tenths of it on an
 * 1,800-level tree; at 512 levels it uses about a fifth, leaving the rest to whatever called it.
 * 512 still admits 256 levels of parentheses, `not` or `-`, and an `else if` chain of 500 cases.
 */
export const MAX_TREE_DEPTH = 512;

/**
 * The error for a tree taller than {@link MAX_TREE_DEPTH}, at the node where the limit was crossed.
 *
 * @example treeTooDeep(expr.span).code === "TOO_DEEP"
 */
export function treeTooDeep(span: Span): ObjectiveError {
  return ObjectiveError.expected(
    "TOO_DEEP",
    span,
    `a tree at most ${MAX_TREE_DEPTH} levels deep`,
    "a deeper one",
  );
}

/**
 * Most errors the checker reports for one expression. A 1 MB objective over the wrong world model
 * could yield a hundred thousand unknown names; the first hundred say what is wrong.
 */
export const MAX_ERRORS = 100;

/**
 * Longest chain of `proxyFor` documents (a proxy for a proxy for ...). Real chains are one or two
 * long; the bound stops a self-referencing object or a generated thousand-deep chain.
 */
export const MAX_PROXY_DEPTH = 16;
