import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, xoshiro128StarStar } from "./prng.js";
import { errorCode } from "./test-support/error-code.js";

describe("xoshiro128**", () => {
  it("matches the reference outputs from state (1, 2, 3, 4)", () => {
    // First words of the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c) from s = {1, 2, 3, 4}.
    const next = xoshiro128StarStar(1, 2, 3, 4);
    expect([next(), next(), next(), next()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("is deterministic per seed and stream, and streams differ", () => {
    const draw = (seed: number, stream: number) => {
      const rng = createRng(seed, stream);
      return Array.from({ length: 8 }, () => rng.next());
    };
    expect(draw(7, 0)).toEqual(draw(7, 0));
    expect(draw(7, 0)).not.toEqual(draw(7, 1));
    expect(draw(7, 0)).not.toEqual(draw(8, 0));
  });

  it("next() lies in [0, 1) and below(n) in [0, n)", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const rng = createRng(seed);
        for (let i = 0; i < 50; i++) {
          const x = rng.next();
          expect(x >= 0 && x < 1).toBe(true);
          const k = rng.below(n);
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
        }
      }),
    );
  });

  it("below(4) is close to uniform", () => {
    const rng = createRng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[rng.below(4)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it("rejects seeds that are not 32-bit words and bounds that are not positive integers", () => {
    expect(errorCode(() => createRng(-1))).toBe("OPTION_INVALID");
    expect(errorCode(() => createRng(1.5))).toBe("OPTION_INVALID");
    expect(errorCode(() => createRng(2 ** 32))).toBe("OPTION_INVALID");
    expect(errorCode(() => createRng(1).below(0))).toBe("OPTION_INVALID");
  });
});
