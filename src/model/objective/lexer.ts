/**
 * Lexer for the objective language: source text to tokens, with positions, in one pass over the
 * code units (char codes, no regular expression per character: a 1 MB objective lexes in about
 * 60 ms on the benchmark machine).
 */
import { MAX_INPUT_BYTES, MAX_TOKENS } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";
import type { Span } from "./span.js";

/** Punctuation, operators and keywords, by their canonical spelling (`&&` lexes as `and`). */
export type TokenSymbol =
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "+"
  | "-"
  | "*"
  | "/"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "and"
  | "or"
  | "not"
  | "if"
  | "then"
  | "else"
  | "true"
  | "false";

export type Token =
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly text: string; readonly span: Span }
  | { readonly kind: "identifier"; readonly value: string; readonly text: string; readonly span: Span }
  | { readonly kind: "symbol"; readonly value: TokenSymbol; readonly text: string; readonly span: Span }
  | { readonly kind: "end"; readonly value: ""; readonly text: ""; readonly span: Span };

/** Words that cannot be bare identifiers; a variable with such a name is written `` `if` ``. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "not",
  "if",
  "then",
  "else",
  "true",
  "false",
]);

/**
 * A bare identifier: letters, digits and `_`, not starting with a digit, optionally in dotted
 * segments (`room.temperature`), because world models glued from local models namespace their
 * variables that way. Anything else needs backticks.
 */
export const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_QUOTE = 34;
const CH_HASH = 35;
const CH_DOT = 46;
const CH_BACKSLASH = 92;
const CH_BACKTICK = 96;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Low surrogates occupy a code unit but not a column. */
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** True when the code unit at `at` is the second half of a surrogate pair. */
function endsPair(source: string, at: number): boolean {
  const c = source.charCodeAt(at);
  if (c < 0xdc00 || c > 0xdfff) return false;
  const p = source.charCodeAt(at - 1);
  return p >= 0xd800 && p <= 0xdbff;
}

/**
 * How a character appears in an error: printable ASCII between backticks, everything else by its
 * code point too, so a NUL or a look-alike Unicode letter is visible in the message.
 */
export function describeCharacter(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (cp >= 0x21 && cp <= 0x7e) return `\`${ch}\``;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff)) return hex;
  return `\`${ch}\` (${hex})`;
}

/**
 * UTF-8 length of `source`, stopping early once it passes `limit`: the check must not cost more
 * than the limit it enforces.
 */
function utf8LengthExceeds(source: string, limit: number): boolean {
  if (source.length > limit) return true;
  if (source.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(source.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

/** Single-character tokens by char code. */
const SINGLE: ReadonlyMap<number, TokenSymbol> = new Map<number, TokenSymbol>([
  [40, "("],
  [41, ")"],
  [91, "["],
  [93, "]"],
  [44, ","],
  [43, "+"],
  [45, "-"],
  [42, "*"],
  [47, "/"],
]);

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

/**
 * Split objective text into tokens, ending with one `end` token.
 *
 * Whitespace is space, tab, CR and LF (`\r\n`, `\r` and `\n` each end a line); `#` starts a comment
 * that runs to the end of the line. Throws {@link ObjectiveError} on anything else it cannot read.
 *
 * @example tokenize("x >= 2").map((t) => t.text) // ["x", ">=", "2", ""]
 */
export function tokenize(source: string): Token[] {
  const lexer = new Lexer(source);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === "end") return tokens;
  }
}

/**
 * Reads tokens on demand. The parser pulls them one at a time, so a 1 MB objective never holds
 * half a million token objects at once: they die young and cost the garbage collector little.
 * Measured with benchmarks/objective.bench.ts, lexing into an array first, with the lexer's state
 * in closure variables, made lexing and parsing 1 MB take 390 ms; pulling tokens from this class,
 * whose state lives in fields, takes 170 ms.
 */
export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  /** Low surrogates seen on this line before `i`: columns count code points, not code units. */
  private surrogates = 0;
  /** Column of the token being lexed, fixed at its start: surrogates inside it must not shift it. */
  private tokenColumn = 1;
  private count = 0;
  private readonly n: number;

  constructor(private readonly source: string) {
    if (utf8LengthExceeds(source, MAX_INPUT_BYTES)) {
      throw new ObjectiveError(
        "INPUT_TOO_LARGE",
        `expected at most ${MAX_INPUT_BYTES} bytes of objective text at 1:1`,
        {
          line: 1,
          column: 1,
          expected: `at most ${MAX_INPUT_BYTES} bytes`,
          got: "more",
        },
      );
    }
    this.n = source.length;
  }

  /** The next token; after the end of input, an `end` token every time. */
  next(): Token {
    const token = this.read();
    if (token.kind !== "end" && ++this.count > MAX_TOKENS) {
      throw ObjectiveError.expected("TOO_MANY_TOKENS", token.span, `at most ${MAX_TOKENS} tokens`, "more");
    }
    return token;
  }

  private read(): Token {
    const source = this.source;
    const n = this.n;
    while (this.i < n) {
      const c = source.charCodeAt(this.i);
      if (c === CH_SPACE || c === CH_TAB) {
        this.i++;
        continue;
      }
      if (c === CH_LF || c === CH_CR) {
        this.i += c === CH_CR && source.charCodeAt(this.i + 1) === CH_LF ? 2 : 1;
        this.line++;
        this.lineStart = this.i;
        this.surrogates = 0;
        continue;
      }
      if (c === CH_HASH) {
        while (this.i < n) {
          const d = source.charCodeAt(this.i);
          if (d === CH_LF || d === CH_CR) break;
          if (endsPair(source, this.i)) this.surrogates++;
          this.i++;
        }
        continue;
      }
      const start = this.i;
      this.tokenColumn = start - this.lineStart - this.surrogates + 1;
      if (isDigit(c) || (c === CH_DOT && isDigit(source.charCodeAt(start + 1)))) return this.number();
      if (isIdentStart(c)) return this.word();
      if (c === CH_QUOTE) return this.string();
      if (c === CH_BACKTICK) return this.quotedIdentifier();
      const single = SINGLE.get(c);
      if (single !== undefined) {
        this.i++;
        return { kind: "symbol", value: single, text: single, span: this.spanFrom(start) };
      }
      return this.operator();
    }
    return { kind: "end", value: "", text: "", span: this.hereAt(n) };
  }

  private spanFrom(start: number): Span {
    return { start, end: this.i, line: this.line, column: this.tokenColumn };
  }

  private hereAt(at: number): Span {
    return { start: at, end: at, line: this.line, column: at - this.lineStart - this.surrogates + 1 };
  }

  private charAt(at: number): string {
    return String.fromCodePoint(this.source.codePointAt(at) ?? 0);
  }

  private gotAt(at: number): string {
    return at >= this.n ? "end of input" : describeCharacter(this.charAt(at));
  }

  private operator(): Token {
    const source = this.source;
    const start = this.i;
    const ch = source[start] as string;
    const next = source[start + 1];
    let symbol: TokenSymbol | undefined;
    let width = 1;
    if (ch === "<") [symbol, width] = next === "=" ? ["<=", 2] : ["<", 1];
    else if (ch === ">") [symbol, width] = next === "=" ? [">=", 2] : [">", 1];
    else if (ch === "!") [symbol, width] = next === "=" ? ["!=", 2] : ["not", 1];
    else if (ch === "=" && next === "=") [symbol, width] = ["==", 2];
    else if (ch === "&" && next === "&") [symbol, width] = ["and", 2];
    else if (ch === "|" && next === "|") [symbol, width] = ["or", 2];
    if (symbol === undefined) {
      const pair: Readonly<Record<string, string>> = { "=": "`==`", "&": "`&&`", "|": "`||`" };
      const expected = Object.hasOwn(pair, ch) ? (pair[ch] as string) : "an operand or an operator";
      const hint = ch === "=" ? "equality is `==`" : undefined;
      throw ObjectiveError.expected("UNEXPECTED_CHARACTER", this.hereAt(start), expected, this.gotAt(start), {
        hint,
      });
    }
    this.i += width;
    return { kind: "symbol", value: symbol, text: source.slice(start, this.i), span: this.spanFrom(start) };
  }

  private word(): Token {
    const source = this.source;
    const start = this.i;
    let i = start + 1;
    for (;;) {
      while (i < this.n && isIdentPart(source.charCodeAt(i))) i++;
      if (source.charCodeAt(i) === CH_DOT && isIdentStart(source.charCodeAt(i + 1))) i++;
      else break;
    }
    this.i = i;
    const text = source.slice(start, i);
    const span = this.spanFrom(start);
    if (KEYWORDS.has(text)) return { kind: "symbol", value: text as TokenSymbol, text, span };
    return { kind: "identifier", value: text, text, span };
  }

  // Decimal: digits, optional fraction, optional exponent (`1e+21` is how String(1e21) spells it,
  // and the printer relies on String for shortest round-trip output).
  private number(): Token {
    const source = this.source;
    const start = this.i;
    let i = start;
    while (isDigit(source.charCodeAt(i))) i++;
    if (source.charCodeAt(i) === CH_DOT) {
      i++;
      if (!isDigit(source.charCodeAt(i))) {
        throw ObjectiveError.expected("INVALID_NUMBER", this.hereAt(i), "a digit after `.`", this.gotAt(i));
      }
      while (isDigit(source.charCodeAt(i))) i++;
    }
    const mantissaEnd = i;
    const e = source.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = source.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(source.charCodeAt(i))) {
        throw ObjectiveError.expected(
          "INVALID_NUMBER",
          this.hereAt(i),
          "a digit in the exponent",
          this.gotAt(i),
        );
      }
      while (isDigit(source.charCodeAt(i))) i++;
    }
    // `2x` is almost always a forgotten `*`; saying so beats "expected end of input, got `x`".
    const after = source.charCodeAt(i);
    if (isIdentPart(after) || after === CH_DOT) {
      throw ObjectiveError.expected(
        "INVALID_NUMBER",
        this.hereAt(i),
        "an operator after a number",
        this.gotAt(i),
        {
          hint: "multiplication is written `*`",
        },
      );
    }
    this.i = i;
    const text = source.slice(start, i);
    const value = Number(text);
    const span = this.spanFrom(start);
    // Overflow gives Infinity; underflow gives 0 from a mantissa that is not: both would silently
    // change what the objective says.
    if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(source.slice(start, mantissaEnd)))) {
      const shown = text.length > 24 ? `${text.slice(0, 20)}...` : text;
      throw ObjectiveError.expected(
        "NUMBER_OUT_OF_RANGE",
        span,
        "a number a double can hold",
        `\`${shown}\``,
      );
    }
    return { kind: "number", value, text, span };
  }

  private string(): Token {
    const source = this.source;
    const start = this.i;
    this.i++;
    let value = "";
    let chunk = this.i;
    for (;;) {
      if (this.i >= this.n) {
        throw ObjectiveError.expected(
          "UNTERMINATED_STRING",
          this.spanFrom(start),
          'a closing `"`',
          "end of input",
        );
      }
      const d = source.charCodeAt(this.i);
      if (d === CH_QUOTE) break;
      if (d < 0x20 || d === 0x7f) {
        // Raw control characters (a line break above all) inside a string are a cut-off literal or
        // an attempt to hide text from the person reading the objective; escapes spell them.
        const code = d === CH_LF || d === CH_CR ? "UNTERMINATED_STRING" : "UNEXPECTED_CHARACTER";
        throw ObjectiveError.expected(
          code,
          this.hereAt(this.i),
          'a closing `"` or a printable character',
          this.gotAt(this.i),
        );
      }
      if (d === CH_BACKSLASH) {
        value += source.slice(chunk, this.i);
        value += this.escape();
        chunk = this.i;
        continue;
      }
      if (endsPair(source, this.i)) this.surrogates++;
      this.i++;
    }
    value += source.slice(chunk, this.i);
    this.i++;
    return { kind: "string", value, text: source.slice(start, this.i), span: this.spanFrom(start) };
  }

  // Escapes: \" \\ \n \r \t and \u{hex}, enough to write any string the printer may need.
  private escape(): string {
    const source = this.source;
    const at = this.i;
    const e = source[at + 1];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      this.i += 2;
      return simple;
    }
    if (e === "u" && source[at + 2] === "{") {
      let j = at + 3;
      while (j < this.n && j < at + 10 && isHexDigit(source.charCodeAt(j))) j++;
      const hex = source.slice(at + 3, j);
      const cp = Number.parseInt(hex, 16);
      if (source[j] === "}" && hex.length >= 1 && hex.length <= 6 && cp <= 0x10ffff) {
        this.i = j + 1;
        return String.fromCodePoint(cp);
      }
      const got = `\`${source.slice(at, Math.min(j + 1, at + 16))}\``;
      throw ObjectiveError.expected(
        "INVALID_ESCAPE",
        this.hereAt(at),
        "`\\u{` 1 to 6 hex digits up to 10FFFF `}`",
        got,
      );
    }
    const shown = e === undefined ? "end of input" : describeCharacter(this.charAt(at + 1));
    throw ObjectiveError.expected(
      "INVALID_ESCAPE",
      this.hereAt(at),
      'one of `\\"` `\\\\` `\\n` `\\r` `\\t` `\\u{...}`',
      `\`\\\` then ${shown}`,
    );
  }

  private quotedIdentifier(): Token {
    const source = this.source;
    const start = this.i;
    this.i++;
    for (;;) {
      if (this.i >= this.n) {
        throw ObjectiveError.expected(
          "INVALID_IDENTIFIER",
          this.spanFrom(start),
          "a closing backtick",
          "end of input",
        );
      }
      const d = source.charCodeAt(this.i);
      if (d === CH_BACKTICK) break;
      if (d < 0x20 || d === 0x7f) {
        throw ObjectiveError.expected(
          "INVALID_IDENTIFIER",
          this.hereAt(this.i),
          "a closing backtick or a printable character",
          this.gotAt(this.i),
        );
      }
      if (endsPair(source, this.i)) this.surrogates++;
      this.i++;
    }
    const name = source.slice(start + 1, this.i);
    this.i++;
    const span = this.spanFrom(start);
    if (name.length === 0)
      throw ObjectiveError.expected("INVALID_IDENTIFIER", span, "a name between backticks", "``");
    return { kind: "identifier", value: name, text: source.slice(start, this.i), span };
  }
}

/**
 * How a token appears in an error: its text between backticks, cut to 24 characters, or "end of input".
 *
 * @example describeToken(tokenize("then")[0]!) === "`then`"
 */
export function describeToken(token: Token): string {
  if (token.kind === "end") return "end of input";
  const text = token.text.length > 24 ? `${token.text.slice(0, 20)}...` : token.text;
  return `\`${text}\``;
}
