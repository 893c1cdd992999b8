import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRng } from "../../model/world-model/index.js";
import { compareFindings, DetectorError, type Finding, SEVERITIES } from "./finding.js";
import {
  detectGoodhart,
  GOODHART_CODES,
  GOODHART_DEFAULTS,
  GOODHART_MAX_POINTS,
  type GoodhartCode,
  type GoodhartSeries,
} from "./goodhart.js";
import {
  CONTROL_VARIANTS,
  GOODHART_VARIANTS,
  type GoodhartVariant,
  goodhartStream,
} from "./goodhart-streams.js";

/** The `code` of the error a function throws, or "no error": tests assert codes, never wording. */
function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof DetectorError ? error.code : `not a DetectorError: ${String(error)}`;
  }
  return "no error";
}

const codes = (findings: readonly Finding[]): string[] => findings.map((f) => f.code).sort();
const firstEpisode = (f: Finding): number => f.firstAt?.episode ?? Number.NaN;

/** Gaussian noise from a seeded generator, so every hand-made stream is the same on every run. */
function noise(seed: number, sd: number): () => number {
  const rng = seededRng(seed);
  return () => sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** A hand-made stream: proxy and intended from functions of the episode, plus small noise. */
function stream(n: number, proxy: (e: number) => number, intended: (e: number) => number, sd = 0.1) {
  const a = noise(1, sd);
  const b = noise(2, sd);
  return {
    proxy: Array.from({ length: n }, (_, e) => proxy(e) + a()),
    intended: Array.from({ length: n }, (_, e) => intended(e) + b()),
  };
}

describe("detectGoodhart on clean hand-made streams", () => {
  const onset = 100;

  it("over-optimization: flags divergence, the turning point, decorrelation and the gap, all after the onset", () => {
    // The goal follows the proxy up to episode 100, then falls while the proxy keeps rising.
    const s = stream(
      200,
      (e) => e / 20,
      (e) => (e <= onset ? e / 20 : onset / 20 - (e - onset) / 20),
    );
    const findings = detectGoodhart(s);
    expect(codes(findings)).toEqual([...GOODHART_CODES].sort());
    for (const f of findings) {
      expect(firstEpisode(f)).toBeGreaterThanOrEqual(onset);
      expect(firstEpisode(f)).toBeLessThan(onset + 40);
      expect(f.detector).toBe("goodhart");
    }
    const turning = findings.find((f) => f.code === "GOODHART_TURNING_POINT");
    expect(Math.abs((turning?.evidence.numbers?.["turningPoint"] ?? 0) - onset)).toBeLessThanOrEqual(5);
    expect(turning?.evidence.episodes).toContain(turning?.evidence.numbers?.["turningPoint"]);
  });

  it("a stalled goal (causal: the proxy is moved directly): divergence and gap, but no turning point", () => {
    const s = stream(
      200,
      (e) => e / 20,
      (e) => Math.min(e, onset) / 20,
    );
    const found = codes(detectGoodhart(s));
    expect(found).toContain("GOODHART_DIVERGENCE");
    expect(found).toContain("GOODHART_GAP");
    expect(found).not.toContain("GOODHART_TURNING_POINT");
    for (const f of detectGoodhart(s)) expect(firstEpisode(f)).toBeGreaterThanOrEqual(onset);
  });

  it("a goal that keeps rising at half the proxy's rate (regressional): a gap, not a divergence", () => {
    const s = stream(
      200,
      (e) => (e <= onset ? e / 20 : onset / 20 + (e - onset) / 10),
      (e) => e / 20,
    );
    const findings = detectGoodhart(s);
    expect(codes(findings)).toEqual(["GOODHART_GAP"]);
    expect(firstEpisode(findings[0] as Finding)).toBeGreaterThanOrEqual(onset);
  });

  it("finds a drift too slow for any window of points by reading block means", () => {
    // 0.128 of rise per 128 episodes under noise of sd 1: invisible to the point windows.
    const slow = stream(
      6000,
      (e) => e / 1000,
      (e) => (e <= 3000 ? e / 1000 : 3 - (e - 3000) / 1000),
      1,
    );
    const findings = detectGoodhart(slow);
    expect(codes(findings)).toContain("GOODHART_DIVERGENCE");
    expect(codes(findings)).toContain("GOODHART_TURNING_POINT");
    for (const f of findings) {
      expect(firstEpisode(f)).toBeGreaterThanOrEqual(3000);
      const numbers = f.evidence.numbers ?? {};
      expect(numbers["blockSize"]).toBeGreaterThan(1);
      expect(numbers["window"]).toBe(GOODHART_DEFAULTS.maxWindow * (numbers["blockSize"] ?? 0));
      expect((numbers["windowEnd"] ?? 0) - (numbers["windowStart"] ?? 0) + 1).toBe(numbers["window"]);
    }
    const turning = findings.find((f) => f.code === "GOODHART_TURNING_POINT");
    expect(Math.abs((turning?.evidence.numbers?.["turningPoint"] ?? 0) - 3000)).toBeLessThan(400);
  });

  it("stays quiet when proxy and goal rise, plateau and fall together", () => {
    const shape = (e: number) => (e < 80 ? e / 16 : e < 140 ? 5 : 5 - (e - 140) / 16);
    expect(detectGoodhart(stream(200, shape, shape, 0.3))).toEqual([]);
  });

  it("reads integer-valued rewards with many ties (a gridworld's R and P)", () => {
    // R climbs a whole point every 10 episodes and loses one in 30% of episodes (exploration);
    // P is R until episode 100, then stays at 10 (with the same exploration losses).
    const rng = seededRng(3);
    const slip = () => (rng() < 0.3 ? -1 : 0);
    const proxy = Array.from({ length: 200 }, (_, e) => Math.floor(e / 10) + slip());
    const intended = proxy.map((r, e) => (e < onset ? r : 10 + slip()));
    const found = detectGoodhart({ proxy, intended });
    expect(codes(found)).toContain("GOODHART_DIVERGENCE");
    for (const f of found) expect(firstEpisode(f)).toBeGreaterThanOrEqual(onset);
    expect(detectGoodhart({ proxy, intended: proxy })).toEqual([]);
  });
});

describe("detectGoodhart on the synthetic Goodhart variants", () => {
  // Each variant's defining finding (the benchmark reports every code; these are the ones the
  // variant's definition requires): regressional selection inflates the proxy over the goal (a
  // gap); extremal and adversarial pressure makes the goal fall while the proxy rises; a causal
  // lever moves the proxy and leaves the goal where it was.
  const CORE: Readonly<Record<GoodhartVariant, readonly GoodhartCode[]>> = {
    regressional: ["GOODHART_GAP"],
    extremal: ["GOODHART_DIVERGENCE", "GOODHART_TURNING_POINT"],
    causal: ["GOODHART_DIVERGENCE"],
    adversarial: ["GOODHART_DIVERGENCE"],
  };
  const SEEDS = 60;
  // 400 episodes: the slowest causal streams need more than the 80 to 120 episodes a 200-episode
  // stream leaves after its onset (the benchmark reports both lengths).
  const EPISODES = 400;

  for (const variant of GOODHART_VARIANTS) {
    it(`${variant}: fires its defining codes after the onset on at least 95% of ${SEEDS} seeds`, () => {
      let hits = 0;
      let early = 0;
      for (let seed = 0; seed < SEEDS; seed++) {
        const s = goodhartStream(variant, seed, { episodes: EPISODES });
        const findings = detectGoodhart({ proxy: s.proxy, intended: s.intended });
        const onset = s.onset as number;
        for (const f of findings)
          expect(s.expected, `${variant} seed ${seed}`).toContain(f.code as GoodhartCode);
        if (findings.some((f) => firstEpisode(f) < onset)) early++;
        const late = findings.filter((f) => firstEpisode(f) >= onset);
        if (CORE[variant].every((c) => late.some((f) => f.code === c))) hits++;
      }
      expect(hits / SEEDS).toBeGreaterThanOrEqual(0.95);
      // Random streams are not all clean: a noisy stretch before the onset can look like the real
      // thing (the benchmark counts these; none in 800 streams at the defaults, but not impossible).
      expect(early).toBeLessThanOrEqual(1);
    });
  }
});

describe("detectGoodhart on faithful controls", () => {
  // A statistical detector has a false-alarm rate above zero (the benchmark measures it: none in
  // 1000 control streams of 200 episodes, 1 in 1000 at 400). The property runs from a fixed fast-check seed so that
  // the suite is not flaky; change the seed to explore, run the benchmark to measure.
  for (const variant of CONTROL_VARIANTS) {
    it(`${variant}: no finding on any of 100 seeds`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
          const s = goodhartStream(variant, seed);
          expect(detectGoodhart({ proxy: s.proxy, intended: s.intended })).toEqual([]);
        }),
        { seed: 20_181_803, numRuns: 100 },
      );
    });
  }

  it("never fires when the proxy is the intended measure itself (R = P), whatever the series", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 300 }), (x) => {
        expect(detectGoodhart({ proxy: x, intended: x })).toEqual([]);
      }),
    );
  });
});

describe("detectGoodhart is unit-free", () => {
  it("scaling both series by a power of two, or shifting either, changes neither codes nor timing", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GOODHART_VARIANTS, ...CONTROL_VARIANTS),
        fc.nat(1000),
        fc.constantFrom(0.25, 0.5, 2, 8),
        fc.integer({ min: -64, max: 64 }),
        (variant, seed, scale, shift) => {
          const s = goodhartStream(variant, seed);
          const summary = (series: GoodhartSeries) =>
            detectGoodhart(series).map((f) => [f.code, firstEpisode(f), f.evidence.numbers?.["window"]]);
          const scaled = {
            proxy: s.proxy.map((v) => v * scale + shift),
            intended: s.intended.map((v) => v * scale + shift),
          };
          expect(summary(scaled)).toEqual(summary(s));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("detectGoodhart evidence", () => {
  const s = stream(
    200,
    (e) => e / 20,
    (e) => (e <= 100 ? e / 20 : 5 - (e - 100) / 20),
  );

  it("names the optimizer and the series, and cites entries and steps when given them", () => {
    const at = s.proxy.map((_, k) => 1000 + 50 * k);
    const entries = s.proxy.map((_, k) => 7 + 3 * k);
    const findings = detectGoodhart({
      ...s,
      label: { proxy: "visible reward R", intended: "hidden performance P" },
      optimizer: "q-learner",
      axis: "step",
      at,
      entries,
    });
    expect(findings.length).toBe(4);
    for (const f of findings) {
      expect(f.optimizer).toBe("q-learner");
      expect(f.message).toMatch(/^q-learner: /);
      expect(f.message).toMatch(/visible reward R/);
      expect(f.message).toMatch(/hidden performance P/);
      expect(f.evidence.episodes).toBeUndefined();
      const steps = f.evidence.steps ?? [];
      const cited = f.evidence.entries ?? [];
      expect(cited.length).toBe(steps.length);
      // Each cited entry is the one that recorded the cited step.
      for (const [i, step] of steps.entries()) expect(cited[i]).toBe(entries[at.indexOf(step)]);
      const stepAt = f.firstAt?.step as number;
      expect(f.firstAt?.entry).toBe(entries[at.indexOf(stepAt)]);
      expect(f.evidence.numbers?.["windowEnd"]).toBe(stepAt);
      // Slopes are per step, not per point: the proxy rises 1/20 per point, 50 steps apart.
      expect(f.evidence.numbers?.["proxySlope"]).toBeCloseTo(1 / 1000, 3);
    }
  });

  it("gives the measured numbers behind every finding, all finite", () => {
    for (const f of detectGoodhart(s)) {
      const numbers = f.evidence.numbers ?? {};
      for (const key of [
        "windowStart",
        "windowEnd",
        "window",
        "threshold",
        "proxySlope",
        "intendedSlope",
        "gapSlope",
      ]) {
        expect(Number.isFinite(numbers[key]), `${f.code} ${key}`).toBe(true);
      }
      for (const v of Object.values(numbers)) expect(Number.isFinite(v)).toBe(true);
      expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    }
  });

  it("sorts most severe first with compareFindings", () => {
    const sorted = detectGoodhart(s).toSorted(compareFindings);
    const ranks = sorted.map((f) => SEVERITIES.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(sorted[0]?.severity).toBe("high");
    const critical: Finding = {
      detector: "forgery",
      code: "X",
      severity: "critical",
      message: "m",
      evidence: {},
    };
    expect([...sorted, critical].toSorted(compareFindings)[0]).toBe(critical);
  });
});

describe("detectGoodhart on hostile input", () => {
  const ok = Array.from({ length: 40 }, (_, k) => k);
  const cases: readonly [string, () => unknown, string][] = [
    [
      "NaN in proxy",
      () => detectGoodhart({ proxy: [...ok.slice(1), Number.NaN], intended: ok }),
      "SERIES_INVALID",
    ],
    [
      "Infinity in intended",
      () => detectGoodhart({ proxy: ok, intended: [Number.POSITIVE_INFINITY, ...ok.slice(1)] }),
      "SERIES_INVALID",
    ],
    [
      "a string in proxy",
      () => detectGoodhart({ proxy: ["1", ...ok.slice(1)] as unknown as number[], intended: ok }),
      "SERIES_INVALID",
    ],
    [
      "proxy not an array",
      () => detectGoodhart({ proxy: "1,2,3" as unknown as number[], intended: ok }),
      "SERIES_INVALID",
    ],
    ["no series at all", () => detectGoodhart(null as unknown as GoodhartSeries), "SERIES_INVALID"],
    ["mismatched lengths", () => detectGoodhart({ proxy: ok, intended: ok.slice(1) }), "SERIES_MISMATCH"],
    [
      "at of another length",
      () => detectGoodhart({ proxy: ok, intended: ok, at: [1, 2] }),
      "SERIES_MISMATCH",
    ],
    [
      "at not increasing",
      () => detectGoodhart({ proxy: ok, intended: ok, at: ok.map((k) => (k === 5 ? 3 : k)) }),
      "SERIES_INVALID",
    ],
    [
      "fractional at",
      () => detectGoodhart({ proxy: ok, intended: ok, at: ok.map((k) => k / 2) }),
      "SERIES_INVALID",
    ],
    [
      "entries of another length",
      () => detectGoodhart({ proxy: ok, intended: ok, entries: [1] }),
      "SERIES_MISMATCH",
    ],
    [
      "a negative entry",
      () => detectGoodhart({ proxy: ok, intended: ok, entries: ok.map((k) => k - 1) }),
      "SERIES_INVALID",
    ],
    [
      "a fractional entry",
      () => detectGoodhart({ proxy: ok, intended: ok, entries: ok.map((k) => k + 0.5) }),
      "SERIES_INVALID",
    ],
    [
      "a window below 8",
      () => detectGoodhart({ proxy: ok, intended: ok }, { minWindow: 4 }),
      "OPTION_INVALID",
    ],
    [
      "maxWindow below minWindow",
      () => detectGoodhart({ proxy: ok, intended: ok }, { maxWindow: 8 }),
      "OPTION_INVALID",
    ],
    [
      "a NaN threshold",
      () => detectGoodhart({ proxy: ok, intended: ok }, { z: Number.NaN }),
      "OPTION_INVALID",
    ],
    ["zWeak above z", () => detectGoodhart({ proxy: ok, intended: ok }, { zWeak: 5 }), "OPTION_INVALID"],
    [
      "a negative persistence",
      () => detectGoodhart({ proxy: ok, intended: ok }, { persistence: -1 }),
      "OPTION_INVALID",
    ],
    [
      "more points than the bound",
      () => detectGoodhart({ proxy: new Array(GOODHART_MAX_POINTS + 1).fill(0), intended: [] }),
      "INPUT_TOO_LARGE",
    ],
  ];
  it.each(cases)("%s is refused with a code", (_, fn, code) => {
    expect(errorCode(fn)).toBe(code);
  });

  it("gives no finding, rather than a guess, on series too short to judge (empty, one point, a short window)", () => {
    expect(detectGoodhart({ proxy: [], intended: [] })).toEqual([]);
    expect(detectGoodhart({ proxy: [1], intended: [0] })).toEqual([]);
    const short = GOODHART_DEFAULTS.minWindow - 1;
    expect(
      detectGoodhart({ proxy: ok.slice(0, short), intended: ok.slice(0, short).map((v) => -v) }),
    ).toEqual([]);
  });

  it("gives no finding on constant series", () => {
    expect(detectGoodhart({ proxy: new Array(300).fill(3), intended: new Array(300).fill(-1) })).toEqual([]);
  });

  it("answers any array of numbers with findings or a DetectorError, never another exception", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { maxLength: 80 }),
        fc.array(fc.double(), { maxLength: 80 }),
        (p, q) => {
          const code = errorCode(() => detectGoodhart({ proxy: p, intended: q }));
          expect(["no error", "SERIES_INVALID", "SERIES_MISMATCH"]).toContain(code);
        },
      ),
    );
  });

  it("refuses values past 1e100, and reads values up to it without overflowing", () => {
    const huge = ok.map((k) => k * Number.MAX_VALUE * 0.01);
    expect(errorCode(() => detectGoodhart({ proxy: huge, intended: ok }))).toBe("SERIES_INVALID");
    // The largest values allowed, the proxy soaring and the goal sinking: every number stays finite.
    const n = 600;
    const proxy = Array.from({ length: n }, (_, k) => 1e100 * (k / n));
    const findings = detectGoodhart({
      proxy,
      intended: proxy.map((v) => -v),
      at: proxy.map((_, k) => k * 1e12),
    });
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      for (const v of Object.values(f.evidence.numbers ?? {})) expect(Number.isFinite(v)).toBe(true);
    }
  });
});
