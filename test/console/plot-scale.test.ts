/** The episode plot's arithmetic: scales, round ticks that cover the data, and numbers as the axes print them. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatValue, linearScale, niceTicks } from "../../src/console/plot-scale.js";

describe("linearScale", () => {
  it("maps the domain's ends onto the range's, inverted ranges included", () => {
    const y = linearScale([-40, 60], [256, 24]);
    expect(y(-40)).toBeCloseTo(256, 9);
    expect(y(60)).toBeCloseTo(24, 9);
    expect(y(10)).toBeCloseTo(140, 9);
  });

  it("widens a domain of one value, so a flat series sits mid-range", () => {
    const x = linearScale([5, 5], [0, 100]);
    expect(x.domain).toEqual([4, 6]);
    expect(x(5)).toBe(50);
  });
});

describe("niceTicks", () => {
  it.each([
    [0, 97, 5, [0, 20, 40, 60, 80, 100]],
    [0, 299, 8, [0, 50, 100, 150, 200, 250, 300]],
    [-33.2, 58.1, 5, [-40, -20, 0, 20, 40, 60]],
    [0.001, 0.0042, 4, [0.001, 0.002, 0.003, 0.004, 0.005]],
    [3, 3, 5, [3]],
  ])("ticks %d..%d (about %d) as %j", (lo, hi, count, want) => {
    expect(niceTicks(lo, hi, count)).toEqual(want);
  });

  it("covers any finite range with at most 2 * count + 2 evenly spaced round ticks", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 10 }),
        (lo, width, count) => {
          const hi = lo + width;
          const t = niceTicks(lo, hi, count);
          expect(t[0]!).toBeLessThanOrEqual(lo);
          expect(t[t.length - 1]!).toBeGreaterThanOrEqual(hi - width * 1e-9);
          expect(t.length).toBeLessThanOrEqual(2 * count + 2);
          const step = t[1]! - t[0]!;
          const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
          expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
        },
      ),
    );
  });

  it("gives nothing for a range that is not finite", () => {
    expect(niceTicks(0, Number.POSITIVE_INFINITY)).toEqual([]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe("formatValue", () => {
  it.each([
    [40, "40"],
    [-20, "-20"],
    [19.6666, "19.67"],
    [0.0004, "4.00e-4"],
    [2.5e7, "2.50e+7"],
    [0, "0"],
  ])("prints %d as %s", (v, s) => {
    expect(formatValue(v)).toBe(s);
  });
});
