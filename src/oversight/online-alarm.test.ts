import { describe, expect, it } from "vitest";
import { firstFiring, goodhartAlarm } from "./online-alarm.js";

describe("firstFiring", () => {
  it("finds the shortest firing prefix whatever the stride", () => {
    for (const stride of [1, 3, 16, 1000]) {
      for (const at of [1, 2, 17, 99, 100]) {
        const asked: number[] = [];
        const k = firstFiring(
          100,
          (m) => {
            asked.push(m);
            return m >= at;
          },
          stride,
        );
        expect(k).toBe(at);
        expect(asked.every((m) => m >= 1 && m <= 100)).toBe(true);
      }
    }
  });

  it("returns undefined when even the whole stream does not fire, and for an empty one", () => {
    expect(firstFiring(50, () => false, 7)).toBeUndefined();
    expect(firstFiring(0, () => true)).toBeUndefined();
  });
});

describe("goodhartAlarm", () => {
  const n = 300;
  const noise = (i: number) => Math.sin(i * 12.9898) * 0.5;
  const intended = Array.from({ length: n }, (_, i) => noise(i + 3));

  it("fires after an onset, from the data up to then only", () => {
    const onset = 150;
    const proxy = intended.map((p, i) => (i < onset ? p : p + 5));
    const alarm = goodhartAlarm("trainer", proxy, intended);
    expect(alarm).toBeDefined();
    expect(alarm!.episode).toBeGreaterThanOrEqual(onset);
    expect(alarm!.episode).toBeLessThan(onset + 40);
    expect(alarm!.findings.length).toBeGreaterThan(0);
    // The prefix one shorter does not fire: the alarm is the first.
    const earlier = goodhartAlarm(
      "trainer",
      proxy.slice(0, alarm!.episodesUsed - 1),
      intended.slice(0, alarm!.episodesUsed - 1),
    );
    expect(earlier).toBeUndefined();
  });

  it("reports episodes by the numbers given, and stays silent on a faithful proxy", () => {
    const proxy = intended.map((p, i) => (i < 100 ? p : p + 5));
    const episodes = intended.map((_, i) => 1000 + 2 * i);
    const alarm = goodhartAlarm("trainer", proxy, intended, { episodes });
    expect(alarm?.episode).toBe(episodes[(alarm?.episodesUsed ?? 0) - 1]);
    expect(goodhartAlarm("trainer", intended, intended)).toBeUndefined();
  });
});
