/**
 * Source positions in a spec file: from a path in the document (`worldModel.localModels[2].rows[5]`)
 * to the line and column of the YAML or JSON node it names, and from a line and column inside an
 * expression string to the line and column of that character in the file.
 *
 * Lines and columns are 1-based and columns count code points, as the objective language's own
 * positions do (an editor shows code points; UTF-16 columns drift after an emoji).
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  Scalar,
  type YAMLMap,
} from "yaml";
import type { PathSegment } from "./schema-issues.js";

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * The line and column of a UTF-16 offset, using the line starts a `LineCounter` collected.
 *
 * @example positionAt("ab\ncd", lineCounter, 4) // { line: 2, column: 2 }
 */
export function positionAt(text: string, lines: LineCounter, offset: number): SourcePosition {
  const at = Math.max(0, Math.min(offset, text.length));
  const { line } = lines.linePos(at);
  const start = lines.lineStarts[line - 1] ?? 0;
  let column = 1;
  for (let i = start; i < at; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by its low half is one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < at) i++;
    column++;
  }
  return { line, column };
}

/**
 * The node a path names, or the deepest existing node on the way when the path goes further than
 * the document does (a missing field is reported at the mapping that lacks it). Aliases are
 * followed, so a problem inside aliased content points at the anchored original.
 *
 * @example nodeAt(doc, ["process", "params", "alpha"]) // the scalar 1.5 in `alpha: 1.5`
 */
export function nodeAt(
  doc: Document.Parsed,
  path: readonly PathSegment[],
): { readonly node: Node | undefined; readonly exact: boolean } {
  let node: Node | undefined = doc.contents ?? undefined;
  // Each alias hop is bounded by the path length, and resolving one alias is a lookup, not a walk
  // of the expansion, so even a hostile alias web costs O(path length).
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? node;
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(segment));
      if (pair === undefined) return { node, exact: false };
      const value = pair.value as Node | null;
      // `name:` with no value: point at the key, which is what a person would fix.
      if (
        value === null ||
        (isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1])
      )
        return { node: pair.key as Node, exact: i === path.length - 1 };
      node = value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (item === undefined) return { node, exact: false };
      node = item;
    } else {
      return { node, exact: false };
    }
  }
  return { node, exact: true };
}

/**
 * A mapping's pairs by key, built once per mapping: errors are located one by one, and a linear
 * search per error in a mapping of 60,000 keys took a second for a hundred errors.
 */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    pairIndex.set(map, index);
  }
  return index;
}

/**
 * The file offset of a node's first character (0 for a document without contents).
 *
 * @example nodeOffset(doc.contents) === 0
 */
export function nodeOffset(node: Node | undefined): number {
  return node?.range?.[0] ?? 0;
}

/** How far ahead to look for a character after an escape sequence: `\U0001F600` is ten long. */
const ESCAPE_WINDOW = 16;

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";

/**
 * The file offset of a character inside a string scalar, given by its 1-based line and column
 * (in code points) in the string's value. The value differs from the source by quotes, escapes,
 * block headers, indentation and folding, so the value is aligned with the source character by
 * character: whitespace runs match whitespace runs, other characters match the next equal source
 * character within a short window (past an escape). Linear in the scalar's length.
 *
 * @example expressionOffset(text, scalar, 1, 5) // the offset of `tomatos` in `expr: a + tomatos`
 */
export function expressionOffset(text: string, scalar: Scalar, line: number, column: number): number {
  const value = typeof scalar.value === "string" ? scalar.value : String(scalar.value);
  const [from = 0, to = text.length] = scalar.range ?? [];
  const target = valueOffset(value, line, column);
  let s = contentStart(text, scalar, from, to);
  for (let i = 0; i < target && i < value.length; i++) {
    const v = value[i];
    if (isSpace(v)) {
      while (s < to && isSpace(text[s])) s++;
      continue;
    }
    s = matchAt(text, skipSpace(text, s, to), to, v);
  }
  // The target's own text starts here: at its first character, or at the backslash of its escape.
  return isSpace(value[target]) ? Math.min(s, to) : skipSpace(text, s, to);
}

/** Past indentation: a character that is not whitespace in the value never comes from whitespace in the source. */
function skipSpace(text: string, s: number, to: number): number {
  let k = s;
  while (k < to && isSpace(text[k])) k++;
  return k;
}

/** Just past the next source character equal to `v`, looking past an escape sequence; one on if none. */
function matchAt(text: string, s: number, to: number, v: string | undefined): number {
  for (let k = s; k < Math.min(to, s + ESCAPE_WINDOW); k++) if (text[k] === v) return k + 1;
  return s + 1;
}

/** Where a scalar's characters start: after the quote, or after a block scalar's header line. */
function contentStart(text: string, scalar: Scalar, from: number, to: number): number {
  switch (scalar.type) {
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE:
      return from + 1;
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED: {
      const newline = text.indexOf("\n", from);
      return newline === -1 || newline >= to ? to : newline + 1;
    }
    default:
      return from;
  }
}

/** The UTF-16 offset of a 1-based line and code-point column in `value`, clamped to its length. */
function valueOffset(value: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = value.indexOf("\n", offset);
    if (next === -1) return value.length;
    offset = next + 1;
  }
  for (let c = 1; c < column && offset < value.length; c++) {
    const code = value.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return Math.min(offset, value.length);
}
