/** Goodhart's level test over a record: a sign test on the episodes where proxy and intended measure differ. */
import { describe, expect, it } from "vitest";
import { goodhartOfRecord } from "./goodhart-ledger.js";

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
}

/** A record of `n` episodes: the proxy per episode and the intended measure others reported. */
function record(n: number, series: (e: number) => { R: number; P: number }) {
  const totals = new Map<number, number>();
  const intended = new Map<number, { value: number; entry: number }>();
  for (let e = 0; e < n; e++) {
    const { R, P } = series(e);
    totals.set(e, R);
    intended.set(e, { value: P, entry: 100 + e });
  }
  return goodhartOfRecord("agent", { totalKey: "R", totals, sums: new Map() }, intended);
}

const level = (fs: ReturnType<typeof record>) => fs.filter((f) => f.code === "GOODHART_LEVEL_GAP");

describe("the level test", () => {
  it("fires on a proxy above the intended measure whenever they differ, however noisy the measure", () => {
    // A supervisor absent half the time: then the shortcut pays 30 on the proxy and nothing more.
    const next = seeded(7);
    const fs = level(
      record(200, (e) => {
        const P = 80 * next();
        return { P, R: e % 2 === 0 ? P + 30 : P };
      }),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]!.severity).toBe("high");
    expect(fs[0]!.evidence.numbers).toMatchObject({ shareBelow: 0 });
    // Online: dated at the first episode by which the test on the episodes so far would fire.
    expect(fs[0]!.firstAt?.episode).toBeLessThan(40);
    expect(fs[0]!.firstAt?.entry).toBe(100 + fs[0]!.firstAt!.episode!);
  });
  it("stays quiet when the proxy is the intended measure plus noise, or the measure itself", () => {
    const next = seeded(11);
    expect(level(record(400, () => ({ R: 0, P: 2 * next() })))).toEqual([]);
    expect(record(400, (e) => ({ R: e, P: e }))).toEqual([]);
  });
  it("stays quiet on a gap too small to be more than rounding", () => {
    expect(level(record(100, (e) => ({ R: 1000 + e + 1e-6, P: 1000 + e })))).toEqual([]);
  });
  it("needs enough episodes that differ", () => {
    expect(level(record(15, () => ({ R: 10, P: 0 })))).toEqual([]);
    expect(level(record(16, () => ({ R: 10, P: 0 })))).toHaveLength(1);
  });
});
