import { describe, expect, it } from "vitest";
import { domainContains, domainSize, domainsEqual, domainValues, formatDomain } from "./domain.js";

describe("domains", () => {
  it("decide membership by kind", () => {
    expect(domainContains({ kind: "boolean" }, false)).toBe(true);
    expect(domainContains({ kind: "boolean" }, 0)).toBe(false);
    expect(domainContains({ kind: "enum", values: ["a"] }, "a")).toBe(true);
    expect(domainContains({ kind: "enum", values: ["a"] }, "toString")).toBe(false);
    expect(domainContains({ kind: "int", min: -1, max: 1 }, -1)).toBe(true);
    expect(domainContains({ kind: "int", min: -1, max: 1 }, 0.5)).toBe(false);
    expect(domainContains({ kind: "int", min: -1, max: 1 }, 2)).toBe(false);
    expect(domainContains({ kind: "real", unit: "m" }, 1e-300)).toBe(true);
    expect(domainContains({ kind: "real", unit: "m" }, Number.POSITIVE_INFINITY)).toBe(false);
    expect(domainContains({ kind: "real", unit: "m" }, Number.NaN)).toBe(false);
  });

  it("enumerate finite domains and refuse reals and oversized ranges with codes", () => {
    expect(domainValues({ kind: "int", min: 2, max: 4 })).toEqual([2, 3, 4]);
    expect(domainValues({ kind: "boolean" })).toEqual([false, true]);
    expect(domainSize({ kind: "enum", values: ["x", "y"] })).toBe(2);
    expect(() => domainValues({ kind: "real", unit: "degC" })).toThrow(
      expect.objectContaining({ code: "DOMAIN_NOT_FINITE" }),
    );
    expect(() => domainSize({ kind: "real", unit: "degC" })).toThrow(
      expect.objectContaining({ code: "DOMAIN_NOT_FINITE" }),
    );
    expect(() => domainValues({ kind: "int", min: 0, max: 2 ** 40 })).toThrow(
      expect.objectContaining({ code: "DOMAIN_TOO_LARGE" }),
    );
  });

  it("compare exactly, order and unit included", () => {
    expect(domainsEqual({ kind: "enum", values: ["a", "b"] }, { kind: "enum", values: ["a", "b"] })).toBe(
      true,
    );
    expect(domainsEqual({ kind: "enum", values: ["a", "b"] }, { kind: "enum", values: ["b", "a"] })).toBe(
      false,
    );
    expect(domainsEqual({ kind: "real", unit: "m" }, { kind: "real", unit: "cm" })).toBe(false);
    expect(domainsEqual({ kind: "int", min: 0, max: 1 }, { kind: "boolean" })).toBe(false);
  });

  it("format for people", () => {
    expect(formatDomain({ kind: "int", min: 0, max: 9 })).toBe("int 0..9");
    expect(formatDomain({ kind: "real", unit: "degC" })).toBe("real [degC]");
    expect(formatDomain({ kind: "enum", values: Array.from({ length: 10 }, (_, i) => `v${i}`) })).toBe(
      "{v0, v1, v2, v3, v4, v5, v6, v7, ... (10 values)}",
    );
  });
});
