import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DetectorError } from "./finding.js";
import { GOODHART_CODES } from "./goodhart.js";
import {
  CONTROL_VARIANTS,
  GOODHART_VARIANTS,
  type GoodhartStream,
  goodhartStream,
  type StreamVariant,
} from "./goodhart-streams.js";

const ALL: readonly StreamVariant[] = [...GOODHART_VARIANTS, ...CONTROL_VARIANTS];

/** Mean of values[from..to) (clipped). */
function mean(values: readonly number[], from: number, to: number): number {
  const slice = values.slice(Math.max(0, from), Math.min(values.length, to));
  return slice.reduce((sum, v) => sum + v, 0) / slice.length;
}

/** Averages over many seeds, so that the checks below test each generator's shape, not its noise. */
function averaged(variant: StreamVariant, measure: (s: GoodhartStream) => number, seeds = 50): number {
  let sum = 0;
  for (let seed = 0; seed < seeds; seed++) sum += measure(goodhartStream(variant, seed));
  return sum / seeds;
}

const onsetOf = (s: GoodhartStream): number => (s.onset === "none" ? s.proxy.length / 2 : s.onset);
/** Gap (proxy - intended) over the last 20 episodes minus the gap over the 20 before the onset. */
const gapGrowth = (s: GoodhartStream): number => {
  const gap = s.proxy.map((p, k) => p - (s.intended[k] as number));
  const onset = onsetOf(s);
  return mean(gap, gap.length - 20, gap.length) - mean(gap, onset - 20, onset);
};
/** Intended over the last 20 episodes minus intended over the 10 episodes either side of the onset. */
const intendedAfterOnset = (s: GoodhartStream): number =>
  mean(s.intended, s.intended.length - 20, s.intended.length) -
  mean(s.intended, onsetOf(s) - 10, onsetOf(s) + 10);
const proxyAfterOnset = (s: GoodhartStream): number =>
  mean(s.proxy, s.proxy.length - 20, s.proxy.length) - mean(s.proxy, onsetOf(s) - 10, onsetOf(s) + 10);

describe("goodhartStream", () => {
  it("is the same for the same variant and seed, and differs across seeds and variants", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), fc.integer({ min: 0, max: 2 ** 32 - 2 }), (variant, seed) => {
        const a = goodhartStream(variant, seed);
        expect(goodhartStream(variant, seed)).toEqual(a);
        expect(goodhartStream(variant, seed + 1).proxy).not.toEqual(a.proxy);
        const other = ALL.find((v) => v !== variant) as StreamVariant;
        expect(goodhartStream(other, seed).proxy).not.toEqual(a.proxy);
      }),
      { numRuns: 30 },
    );
  });

  it("gives aligned finite series of the requested length, an onset in the middle fifth, and expected codes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL),
        fc.nat(),
        fc.integer({ min: 40, max: 600 }),
        (variant, seed, episodes) => {
          const s = goodhartStream(variant, seed, { episodes });
          expect(s.variant).toBe(variant);
          expect(s.seed).toBe(seed);
          expect(s.proxy.length).toBe(episodes);
          expect(s.intended.length).toBe(episodes);
          for (const v of [...s.proxy, ...s.intended]) expect(Number.isFinite(v)).toBe(true);
          for (const v of Object.values(s.parameters)) expect(Number.isFinite(v)).toBe(true);
          if ((CONTROL_VARIANTS as readonly string[]).includes(variant)) {
            expect(s.onset).toBe("none");
            expect(s.expected).toEqual([]);
          } else {
            expect(s.onset).toBeGreaterThanOrEqual(Math.floor(0.4 * episodes));
            expect(s.onset).toBeLessThan(Math.ceil(0.6 * episodes));
            expect(s.expected.length).toBeGreaterThan(0);
            for (const c of s.expected) expect(GOODHART_CODES).toContain(c);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("builds in the shape each variant's definition describes", () => {
    // Regressional: the goal still improves after the onset, but the proxy outgrows it.
    expect(averaged("regressional", intendedAfterOnset)).toBeGreaterThan(0.3);
    expect(averaged("regressional", gapGrowth)).toBeGreaterThan(2);
    // Extremal: past the onset the goal falls while the proxy rises.
    expect(averaged("extremal", intendedAfterOnset)).toBeLessThan(-0.5);
    expect(averaged("extremal", proxyAfterOnset)).toBeGreaterThan(1);
    // Adversarial: the gamers' harm pulls the goal below where honest improvement alone would
    // have taken it (by `harm`, 1.5 to 3), while their gain lifts the proxy above it.
    const honestAtEnd = (s: GoodhartStream) =>
      (s.parameters["honestRise"] ?? 0) * (1 - 10.5 / s.proxy.length);
    expect(
      averaged(
        "adversarial",
        (s) => mean(s.intended, s.intended.length - 20, s.intended.length) - honestAtEnd(s),
      ),
    ).toBeLessThan(-1);
    expect(
      averaged("adversarial", (s) => mean(s.proxy, s.proxy.length - 20, s.proxy.length) - honestAtEnd(s)),
    ).toBeGreaterThan(3);
    // Causal: the goal stays where the common cause left it; the lever keeps moving the proxy.
    expect(Math.abs(averaged("causal", intendedAfterOnset))).toBeLessThan(0.3);
    expect(averaged("causal", proxyAfterOnset)).toBeGreaterThan(1.5);
    // Controls: the gap does not grow.
    for (const variant of CONTROL_VARIANTS) {
      expect(Math.abs(averaged(variant, gapGrowth)), variant).toBeLessThan(0.3);
    }
  });

  it("before the onset the proxy is faithful: the gap has no trend", () => {
    for (const variant of GOODHART_VARIANTS) {
      const drift = averaged(variant, (s) => {
        const onset = s.onset as number;
        const gap = s.proxy.map((p, k) => p - (s.intended[k] as number));
        return mean(gap, onset - 20, onset) - mean(gap, 0, 20);
      });
      expect(Math.abs(drift), variant).toBeLessThan(0.3);
    }
  });

  it("adversarial gaming spreads from 5% of the population: the onset is slow to see, by design", () => {
    const s = goodhartStream("adversarial", 1);
    const onset = s.onset as number;
    const early = mean(s.proxy, onset, onset + 3) - mean(s.intended, onset, onset + 3);
    const late =
      mean(s.proxy, s.proxy.length - 10, s.proxy.length) -
      mean(s.intended, s.intended.length - 10, s.intended.length);
    expect(late).toBeGreaterThan(early + 3);
  });

  const hostile: readonly [string, () => unknown][] = [
    ["a negative seed", () => goodhartStream("causal", -1)],
    ["a fractional seed", () => goodhartStream("causal", 1.5)],
    ["a seed past 32 bits", () => goodhartStream("causal", 2 ** 32)],
    ["a NaN seed", () => goodhartStream("causal", Number.NaN)],
    ["too few episodes", () => goodhartStream("causal", 1, { episodes: 39 })],
    ["too many episodes", () => goodhartStream("causal", 1, { episodes: 100_001 })],
    ["fractional episodes", () => goodhartStream("causal", 1, { episodes: 50.5 })],
    ["an unknown variant", () => goodhartStream("perverse" as StreamVariant, 1)],
  ];
  it.each(hostile)("refuses %s with OPTION_INVALID", (_, fn) => {
    expect(fn).toThrow(DetectorError);
    expect(fn).toThrow(expect.objectContaining({ code: "OPTION_INVALID" }));
  });
});
