import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeStateKey, encodeStateKey, withoutVariable, withVariable } from "./state-key.js";
import { errorCode } from "./test-support/error-code.js";

const parts = fc.record({
  position: fc.record({ row: fc.integer({ min: -5, max: 99 }), col: fc.integer({ min: -5, max: 99 }) }),
  variables: fc.dictionary(
    fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
    fc.oneof(fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
    { maxKeys: 4 },
  ),
});

describe("state keys", () => {
  it("round-trip through encode and decode", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const decoded = decodeStateKey(encodeStateKey(p));
        expect(decoded.position).toEqual(p.position);
        expect(Object.keys(decoded.variables).sort()).toEqual(Object.keys(p.variables).sort());
        for (const [name, value] of Object.entries(p.variables)) {
          // -0 prints as 0: the key does not tell them apart, and no environment needs it to.
          expect(decoded.variables[name]).toBe(Object.is(value, -0) ? 0 : value);
        }
      }),
    );
  });

  it("orders variables by name so equal states have equal keys", () => {
    const a = encodeStateKey({ position: { row: 1, col: 2 }, variables: { b: true, a: 0.9 } });
    expect(a).toBe("1,2|a=0.9|b=true");
  });

  it("sets and removes one variable", () => {
    expect(withVariable("1,2|supervisor=false", "supervisor", true)).toBe("1,2|supervisor=true");
    expect(withoutVariable("1,2|exploration=0|supervisor=false", "supervisor")).toBe("1,2|exploration=0");
  });

  it.each([
    ["empty", ""],
    ["no column", "1"],
    ["no value", "1,2|supervisor"],
    ["a bad name", "1,2|Supervisor=true"],
    ["a repeated name", "1,2|a=1|a=2"],
    ["a non-number", "1,2|a=yes"],
    ["an empty value", "1,2|a="],
    ["an infinite value", "1,2|a=Infinity"],
    ["a huge key", `1,2|a=${"1".repeat(5000)}`],
  ])("rejects %s with STATE_KEY_INVALID", (_, key) => {
    expect(errorCode(() => decodeStateKey(key))).toBe("STATE_KEY_INVALID");
  });

  it("refuses to encode a name or value it could not decode", () => {
    expect(
      errorCode(() => encodeStateKey({ position: { row: 0, col: 0 }, variables: { "a|b": true } })),
    ).toBe("STATE_KEY_INVALID");
    expect(
      errorCode(() => encodeStateKey({ position: { row: 0, col: 0 }, variables: { a: Number.NaN } })),
    ).toBe("STATE_KEY_INVALID");
  });
});
