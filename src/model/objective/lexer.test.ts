import { describe, expect, it } from "vitest";
import { describeCharacter, tokenize } from "./lexer.js";

const kinds = (source: string) => tokenize(source).map((t) => [t.kind, t.value]);

describe("tokenize", () => {
  it("reads operators by their canonical spelling", () => {
    expect(kinds("a<=b&&!c||d!=e")).toEqual([
      ["identifier", "a"],
      ["symbol", "<="],
      ["identifier", "b"],
      ["symbol", "and"],
      ["symbol", "not"],
      ["identifier", "c"],
      ["symbol", "or"],
      ["identifier", "d"],
      ["symbol", "!="],
      ["identifier", "e"],
      ["end", ""],
    ]);
  });

  it("reads numbers in every form String(number) produces", () => {
    expect(tokenize("0 12 0.5 .5 1e-7 1e+21 1.7976931348623157e+308 5e-324").map((t) => t.value)).toEqual([
      0,
      12,
      0.5,
      0.5,
      1e-7,
      1e21,
      Number.MAX_VALUE,
      5e-324,
      "",
    ]);
  });

  it("reads strings with escapes", () => {
    expect(tokenize(String.raw`"a\"b\\c\n\r\t\u{1F600}\u{0}"`)[0]?.value).toBe('a"b\\c\n\r\t😀\u0000');
  });

  it("reads dotted and backticked names, and keywords", () => {
    expect(kinds("room.temp `if` `a b` if E")).toEqual([
      ["identifier", "room.temp"],
      ["identifier", "if"],
      ["identifier", "a b"],
      ["symbol", "if"],
      ["identifier", "E"],
      ["end", ""],
    ]);
  });

  it("counts lines across LF, CRLF and CR, and columns in code points", () => {
    const spans = tokenize('a\nb\r\nc\rd "😀" e # 😀 comment\n  f').map((t) => [t.span.line, t.span.column]);
    expect(spans).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [4, 3],
      [4, 7],
      [5, 3],
      [5, 4],
    ]);
  });

  it("describes characters visibly in errors", () => {
    expect(describeCharacter("@")).toBe("`@`");
    expect(describeCharacter("\u0000")).toBe("U+0000");
    expect(describeCharacter("é")).toBe("`é` (U+00E9)");
  });
});
