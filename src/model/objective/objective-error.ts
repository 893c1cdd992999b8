/**
 * Errors from the objective language: lexing, parsing, type checking, evaluation and documents.
 * Every error has a stable code and a 1-based line and column in the expression text, so a
 * console can underline it and a test can assert the code instead of the wording.
 */
import { OptprovError } from "../../errors.js";
import type { Span } from "./span.js";

export type ObjectiveErrorCode =
  // Limits on hostile input (see limits.ts).
  | "INPUT_TOO_LARGE"
  | "TOO_MANY_TOKENS"
  | "TOO_DEEP"
  // Lexing.
  | "UNEXPECTED_CHARACTER"
  | "INVALID_NUMBER"
  | "NUMBER_OUT_OF_RANGE"
  | "UNTERMINATED_STRING"
  | "INVALID_ESCAPE"
  | "INVALID_IDENTIFIER"
  // Parsing.
  | "EMPTY_INPUT"
  | "UNEXPECTED_TOKEN"
  | "CHAINED_COMPARISON"
  | "UNKNOWN_FUNCTION"
  | "UNKNOWN_SENSE"
  // Type checking.
  | "UNKNOWN_IDENTIFIER"
  | "FORBIDDEN_VARIABLE"
  | "TYPE_MISMATCH"
  | "UNIT_MISMATCH"
  | "ENUM_VALUE_UNKNOWN"
  | "ARITY_MISMATCH"
  | "SENSE_MISMATCH"
  | "CONSTANT_INVALID"
  | "TOO_MANY_ERRORS"
  // Evaluation.
  | "DIVISION_BY_ZERO"
  | "RUNTIME_TYPE"
  | "UNBOUND_VARIABLE"
  | "NOT_FINITE"
  | "EXPECTATION_UNAVAILABLE"
  | "INVALID_DISTRIBUTION"
  // Printing a hand-built tree that has no text form.
  | "UNPRINTABLE"
  // Objective documents.
  | "DOCUMENT_INVALID"
  /** A constant named `__proto__`, which JSON readers disagree on (see `spec/schema-issues.ts`). */
  | "KEY_RESERVED";

/** What an error points at and what it says beyond its message, for programs that act on it. */
export interface ObjectiveErrorDetails {
  /** The offending text, when there is one. */
  readonly span?: Span;
  /** 1-based position; taken from `span` when omitted, else 1:1. */
  readonly line?: number;
  readonly column?: number;
  /** What the parser or checker wanted there, e.g. "`)`" or "a number". */
  readonly expected?: string;
  /** What it found, e.g. "`then`" or "boolean". */
  readonly got?: string;
  /** A close known name for a misspelt one ("did you mean"). */
  readonly suggestion?: string;
  /** The world-model variable involved (forbidden or unknown). */
  readonly variable?: string;
  /** The forbidden tag the variable carries. */
  readonly tag?: string;
  /** Where in an objective document the expression sits, e.g. `proxyFor.expr`. */
  readonly path?: string;
}

export class ObjectiveError extends OptprovError<ObjectiveErrorCode> {
  readonly line: number;
  readonly column: number;
  readonly span: Span | undefined;
  readonly expected: string | undefined;
  readonly got: string | undefined;
  readonly suggestion: string | undefined;
  readonly variable: string | undefined;
  readonly tag: string | undefined;
  readonly path: string | undefined;

  constructor(
    code: ObjectiveErrorCode,
    message: string,
    details: ObjectiveErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.span = details.span;
    this.line = details.line ?? details.span?.line ?? 1;
    this.column = details.column ?? details.span?.column ?? 1;
    this.expected = details.expected;
    this.got = details.got;
    this.suggestion = details.suggestion;
    this.variable = details.variable;
    this.tag = details.tag;
    this.path = details.path;
  }

  /**
   * The usual shape: "expected `)` at 1:14, got `then`", with an optional hint after it.
   *
   * @example ObjectiveError.expected("UNEXPECTED_TOKEN", span, "`)`", "`then`").message === "expected `)` at 1:14, got `then`"
   */
  static expected(
    code: ObjectiveErrorCode,
    at: Span | { readonly line: number; readonly column: number },
    expected: string,
    got: string,
    more: Omit<ObjectiveErrorDetails, "expected" | "got" | "span" | "line" | "column"> & {
      readonly hint?: string;
    } = {},
  ): ObjectiveError {
    const { hint, ...rest } = more;
    const span = "start" in at ? at : undefined;
    const suffix = hint === undefined ? "" : ` (${hint})`;
    return new ObjectiveError(code, `expected ${expected} at ${at.line}:${at.column}, got ${got}${suffix}`, {
      ...rest,
      span,
      line: at.line,
      column: at.column,
      expected,
      got,
    });
  }

  /**
   * The same error located inside an objective document: the message gains the path as a prefix.
   *
   * @example err.atPath("proxyFor.expr").message.startsWith("proxyFor.expr: ")
   */
  atPath(path: string): ObjectiveError {
    const full = this.path === undefined ? path : `${path}.${this.path}`;
    const bare = this.path === undefined ? this.message : this.message.slice(this.path.length + 2);
    const { span, line, column, expected, got, suggestion, variable, tag } = this;
    return new ObjectiveError(
      this.code,
      `${full}: ${bare}`,
      { span, line, column, expected, got, suggestion, variable, tag, path: full },
      { cause: this.cause },
    );
  }
}
