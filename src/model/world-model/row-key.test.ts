import { describe, expect, it } from "vitest";
import { keyFunction } from "./row-key.js";

describe("row keys", () => {
  it("are mixed-radix numbers when they fit, distinct for distinct projections", () => {
    const key = keyFunction([2, 0, 1], [3, 5, 7]);
    const seen = new Set<number | string>();
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 7; b++) for (let c = 0; c < 3; c++) seen.add(key(Int32Array.of(a, b, c), 0));
    expect(seen.size).toBe(105);
    expect(typeof key(Int32Array.of(1, 2, 3), 0)).toBe("number");
  });

  it("fall back to strings when the radix product passes 2^53", () => {
    const big = 2 ** 20;
    const key = keyFunction([0, 1, 2], [big, big, big]);
    const k1 = key(Int32Array.of(1, 2, 3), 0);
    expect(typeof k1).toBe("string");
    expect(k1).not.toBe(key(Int32Array.of(12, 3, 0), 0));
    expect(keyFunction([], [])(Int32Array.of(), 0)).toBe(0);
  });

  it("read rows at an offset", () => {
    const key = keyFunction([1], [10]);
    expect(key(Int32Array.of(0, 4, 0, 9), 2)).toBe(9);
  });
});
