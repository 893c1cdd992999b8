import { describe, expect, it } from "vitest";
import { Journal } from "../../ledger/rules.js";
import { episodeFigures } from "../../ledger/statement.js";
import { addEpisodeFigures, emptyEpisodeProxy } from "./goodhart-ledger.js";

const steps = (episode: number[], reward: number[], extra: Record<string, (number | null)[]> = {}) => ({
  count: episode.length,
  metrics: { episode, reward, ...extra },
});

describe("addEpisodeFigures: the one per-episode accumulation", () => {
  it("sums rewards across batches, keeps the last total and marks evaluation episodes", () => {
    const proxy = emptyEpisodeProxy();
    addEpisodeFigures(proxy, episodeFigures(steps([0, 0, 1], [1, 2, 5], { R: [null, 3, 5] }))!);
    addEpisodeFigures(proxy, episodeFigures(steps([1, 2], [4, 7], { R: [9, 7], evaluation: [0, 1] }))!);
    expect(proxy.totalKey).toBe("R");
    expect([...proxy.sums]).toEqual([
      [0, 3],
      [1, 9],
      [2, 7],
    ]);
    expect([...proxy.totals]).toEqual([
      [0, 3],
      [1, 9],
      [2, 7],
    ]);
    expect([...proxy.evaluation!]).toEqual([2]);
  });

  it("takes every change back on a journal's rollback", () => {
    const proxy = emptyEpisodeProxy();
    addEpisodeFigures(proxy, episodeFigures(steps([0], [1]))!);
    const journal = new Journal();
    addEpisodeFigures(proxy, episodeFigures(steps([0, 1], [2, 3], { R: [3, 3], evaluation: [1, 1] }))!, {
      journal,
    });
    expect(proxy.sums.get(0)).toBe(3);
    journal.rollback();
    expect(proxy).toEqual({ ...emptyEpisodeProxy(), sums: new Map([[0, 1]]) });
  });

  it("holds at most `limit` episodes and says when it dropped some", () => {
    const proxy = emptyEpisodeProxy();
    expect(addEpisodeFigures(proxy, episodeFigures(steps([0, 1], [1, 1]))!, { limit: 2 })).toBe(true);
    expect(addEpisodeFigures(proxy, episodeFigures(steps([1, 2], [1, 1]))!, { limit: 2 })).toBe(false);
    expect([...proxy.sums]).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
