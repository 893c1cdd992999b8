import { describe, expect, it } from "vitest";
import { parseExpression, parseObjective } from "./parser.js";
import { expressionSize } from "./size.js";

describe("expressionSize", () => {
  it.each([
    ["x", 1],
    ["a + b + c", 4],
    ["((a))", 1],
    ["maximize_me - 0.1 * steps", 5],
    ["if c then min(a, 2) else E[-x]", 8],
  ])("%s has %i nodes", (source, size) => {
    expect(expressionSize(parseExpression(source))).toBe(size);
  });

  it("measures objectives by their expression", () => {
    expect(expressionSize(parseObjective("maximize a + b"))).toBe(3);
  });
});
