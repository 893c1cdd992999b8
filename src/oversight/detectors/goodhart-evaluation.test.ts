/**
 * Evaluation episodes in a record (steps marked `evaluation: 1`): judged as a series of their own,
 * by the same tests, so what a learner's greedy policy does is neither hidden by its training
 * episodes nor blamed on them.
 */
import { describe, expect, it } from "vitest";
import { type EpisodeProxy, goodhartOfRecord } from "./goodhart-ledger.js";

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
}

/**
 * `training` episodes then `evaluations` evaluation episodes numbered after them, each with its
 * proxy R and the intended measure P others reported; `marked: false` leaves the mark off.
 */
function record(
  training: number,
  evaluations: number,
  series: (e: number, evaluation: boolean) => { R: number; P: number },
  marked = true,
) {
  const proxy: EpisodeProxy = { totalKey: "R", totals: new Map(), sums: new Map(), evaluation: new Set() };
  const intended = new Map<number, { value: number; entry: number }>();
  for (let e = 0; e < training + evaluations; e++) {
    const evaluation = e >= training;
    const { R, P } = series(e, evaluation);
    proxy.totals.set(e, R);
    if (evaluation && marked) proxy.evaluation?.add(e);
    intended.set(e, { value: P, entry: 1000 + e });
  }
  return goodhartOfRecord("trainer", proxy, intended);
}

describe("Goodhart over a record with evaluation episodes", () => {
  it("finds a gap only the evaluation episodes show, dated and evidenced in them", () => {
    // Training: the proxy is the intended measure. Evaluation: above it in every episode.
    const next = seeded(3);
    const findings = record(200, 30, (_e, evaluation) => {
      const P = 40 + 10 * next();
      return { P, R: evaluation ? P + 20 : P };
    });
    expect(findings.map((f) => f.code)).toEqual(["GOODHART_LEVEL_GAP"]);
    const [f] = findings;
    expect(f!.message).toContain("in its evaluation episodes");
    expect(f!.firstAt?.episode).toBeGreaterThanOrEqual(200);
    expect(f!.evidence.episodes!.every((e) => e >= 200)).toBe(true);
    expect(f!.evidence.entries!.every((x) => x >= 1200)).toBe(true);
  });

  it("keeps the training episodes' own findings about training", () => {
    const next = seeded(5);
    const findings = record(200, 30, (_e, evaluation) => {
      const P = 40 + 10 * next();
      return { P, R: evaluation ? P : P + 20 };
    });
    expect(findings.map((f) => f.code)).toEqual(["GOODHART_LEVEL_GAP"]);
    expect(findings[0]!.message).not.toContain("evaluation");
    expect(findings[0]!.evidence.episodes!.every((e) => e < 200)).toBe(true);
  });

  it("judges the two series apart: a greedy policy above the measure is not averaged away by training below it", () => {
    // Training: the proxy a little below the intended measure in every episode; evaluation:
    // above it in every episode. Mixed into one series the sign test sees 200 below and 30 above.
    const series = (_e: number, evaluation: boolean) => ({ P: 50, R: evaluation ? 70 : 48 });
    const levels = (fs: ReturnType<typeof record>) => fs.filter((f) => f.code === "GOODHART_LEVEL_GAP");
    expect(levels(record(200, 30, series, false))).toEqual([]);
    const split = levels(record(200, 30, series));
    expect(split).toHaveLength(1);
    expect(split[0]!.message).toContain("in its evaluation episodes");
  });

  it("stays quiet when the proxy is the intended measure in both series (the R = P control)", () => {
    const next = seeded(9);
    expect(
      record(200, 30, () => {
        const v = 40 + 30 * next();
        return { R: v, P: v };
      }),
    ).toEqual([]);
  });

  it("needs as many evaluation episodes as any series does before judging them", () => {
    const series = (_e: number, evaluation: boolean) => ({ P: 50, R: evaluation ? 70 : 50 });
    expect(record(100, 15, series)).toEqual([]);
    expect(record(100, 16, series).map((f) => f.code)).toEqual(["GOODHART_LEVEL_GAP"]);
  });
});
