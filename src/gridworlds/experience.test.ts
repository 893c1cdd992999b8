import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Action } from "./action.js";
import { Experience, type ExperienceTuple } from "./experience.js";

const tuple = fc.record({
  state: fc.constantFrom("1,1", "1,2|a=true", "2,2"),
  action: fc.constantFrom<Action>(0, 1, 2, 3),
  nextState: fc.constantFrom("1,1", "1,2|a=true", "9,9"),
  reward: fc.double({ noNaN: true }),
  terminal: fc.boolean(),
});

describe("Experience", () => {
  it("gives back every tuple pushed, in order, across growth", () => {
    fc.assert(
      fc.property(fc.array(tuple, { maxLength: 3000 }), (tuples: ExperienceTuple[]) => {
        const experience = new Experience();
        for (const t of tuples) experience.push(t);
        expect(experience.size).toBe(tuples.length);
        expect([...experience]).toEqual(tuples);
      }),
      { numRuns: 20 },
    );
  });

  it("interns state keys once", () => {
    const experience = new Experience();
    experience.push({ state: "1,1", action: 3, nextState: "1,2", reward: -1, terminal: false });
    experience.push({ state: "1,2", action: 2, nextState: "1,1", reward: -1, terminal: false });
    expect(experience.states).toEqual(["1,1", "1,2"]);
    expect(experience.at(2)).toBeUndefined();
    expect(experience.at(-1)).toBeUndefined();
  });
});
