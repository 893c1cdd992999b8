import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isRoleTag, misspeltRoleTag, ROLE_TAGS } from "./role-tags.js";
import { WELL_KNOWN_TAGS } from "./variable.js";

describe("the role-tag vocabulary", () => {
  it("has one entry per tag, each with a one-line meaning", () => {
    const tags = ROLE_TAGS.map((r) => r.tag);
    expect(new Set(tags).size).toBe(tags.length);
    for (const { tag, meaning } of ROLE_TAGS) {
      expect(tag).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(meaning.length).toBeGreaterThan(10);
      expect(meaning).not.toContain("\n");
    }
  });

  it("includes every tag the rest of optprov already reads", () => {
    for (const tag of [...WELL_KNOWN_TAGS, "agent-process", "hidden"]) expect(isRoleTag(tag)).toBe(true);
  });

  it("is the table in FORMAT.md, in the same order", () => {
    const format = fs.readFileSync(path.resolve(__dirname, "../spec/FORMAT.md"), "utf8");
    const rows = [...format.matchAll(/^\| `([a-z-]+)` +\| (.+?) +\|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(ROLE_TAGS.map((r) => [r.tag, r.meaning]));
  });
});

describe("misspeltRoleTag", () => {
  it.each([
    ["oversigth", "oversight"],
    ["Oversight", "oversight"],
    ["OVERSIGHT", "oversight"],
    ["decison", "decision"],
    ["rewards", "reward"],
    ["next_state", "next-state"],
    ["reward_channel", "reward-channel"],
    ["safety_constraint", "safety-constraint"],
    ["capabilty", "capability"],
    ["termnal", "terminal"],
  ])("takes %s for %s", (tag, role) => {
    expect(misspeltRoleTag(tag)).toBe(role);
  });

  it.each(["oversight", "state", "start", "weather", "x", "", "constructor", "__proto__", "supervisor"])(
    "leaves %j alone (a role tag itself, or close to none)",
    (tag) => {
      expect(misspeltRoleTag(tag)).toBeUndefined();
    },
  );
});
