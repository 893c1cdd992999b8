import { describe, expect, it } from "vitest";
import { intendedKeys, MEASURE_KEYS, measuredByKey } from "./measures.js";

describe("the keys measures are reported under", () => {
  it("reads a key from measuredBy, bare or as observation.<key>, and none from words", () => {
    expect(measuredByKey("intended")).toBe("intended");
    expect(measuredByKey("observation.P")).toBe("P");
    expect(measuredByKey("the hidden-performance channel")).toBeUndefined();
    expect(measuredByKey(undefined)).toBeUndefined();
  });

  it("reads the named key first, then intended, then the older P and performance", () => {
    expect(intendedKeys()).toEqual([MEASURE_KEYS.intended, "P", "performance"]);
    expect(intendedKeys("score")).toEqual(["score", "intended", "P", "performance"]);
    expect(intendedKeys("P")).toEqual(["P", "intended", "performance"]);
  });
});
