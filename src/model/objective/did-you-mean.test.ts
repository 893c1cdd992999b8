import { describe, expect, it } from "vitest";
import { editDistance, suggest } from "./did-you-mean.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["a", "", 1],
    ["kitten", "sitting", 3],
    ["tomatos", "tomatoes", 1],
    ["stpes", "steps", 1],
    ["abc", "abc", 0],
  ])("%s to %s is %i", (a, b, d) => {
    expect(editDistance(a, b, 10)).toBe(d);
    expect(editDistance(b, a, 10)).toBe(d);
  });

  it("gives up early with max + 1", () => {
    expect(editDistance("aaaaaaaa", "bbbbbbbb", 2)).toBe(3);
    expect(editDistance("a", "abcdef", 2)).toBe(3);
  });
});

describe("suggest", () => {
  it("picks the closest plausible name, alphabetically on ties", () => {
    expect(suggest("tomatos", ["steps", "tomatoes", "potatoes"])).toBe("tomatoes");
    expect(suggest("cat", ["bat", "cab"])).toBe("bat");
    expect(suggest("cat", ["cab", "bat"])).toBe("bat");
    expect(suggest("temperature", ["pressure"])).toBeUndefined();
  });
});
