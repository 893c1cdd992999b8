import { describe, expect, it } from "vitest";
import { randomBelow, seededRng } from "./seeded-rng.js";

describe("seeded randomness", () => {
  it("repeats from the seed", () => {
    const a = seededRng(9);
    const b = seededRng(9);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it("draws integers below any bigint, roughly uniformly", () => {
    const rng = seededRng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[Number(randomBelow(rng, 3n))]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100);
    const huge = 2n ** 200n + 7n;
    for (let i = 0; i < 20; i++) {
      const x = randomBelow(rng, huge);
      expect(x >= 0n && x < huge).toBe(true);
    }
    // The top half of a 200-bit range gets about half the draws: the high words are random too.
    let high = 0;
    for (let i = 0; i < 400; i++) if (randomBelow(rng, huge) >= huge / 2n) high++;
    expect(Math.abs(high - 200)).toBeLessThan(50);
  });
});
