import { describe, expect, it } from "vitest";
import { parseExpression, parseObjective } from "./parser.js";
import { variablesRead } from "./variables-read.js";

describe("variablesRead", () => {
  it("lists distinct variables in order of first appearance, without constants", () => {
    expect(variablesRead(parseExpression("a + k * b - a"), { k: 2 })).toEqual(["a", "b"]);
    expect(
      variablesRead(parseObjective('satisfy if z then E[y] > 1 else w == "x" and `if` and toString')),
    ).toEqual(["z", "y", "w", "if", "toString"]);
    expect(variablesRead(parseExpression("min(1, 2) + E[3]"))).toEqual([]);
  });
});
