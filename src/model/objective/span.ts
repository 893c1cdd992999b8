/**
 * Where a token or AST node sits in the objective's source text.
 *
 * Offsets index UTF-16 code units so `source.slice(span.start, span.end)` gives the node's text;
 * line and column are 1-based and count code points, because that is what an editor shows a person
 * reading the error (a column counted in UTF-16 units would drift after an emoji in a string).
 */
export interface Span {
  /** Offset of the first code unit. */
  readonly start: number;
  /** Offset one past the last code unit. */
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  /** 1-based column of `start`, in code points. */
  readonly column: number;
}

/**
 * The span from the start of `first` to the end of `last`.
 *
 * @example joinSpans({start: 0, end: 1, line: 1, column: 1}, {start: 4, end: 5, line: 1, column: 5}).end === 5
 */
export function joinSpans(first: Span, last: Span): Span {
  return { start: first.start, end: last.end, line: first.line, column: first.column };
}
