import { describe, expect, it } from "vitest";
import { z } from "zod";
import { schemaIssues, unknownKeys } from "./schema-issues.js";

const schema = z.object({
  name: z.string(),
  shape: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("circle"), radius: z.number() }),
    z.object({ kind: z.literal("square"), side: z.number() }),
  ]),
  points: z.array(z.tuple([z.number(), z.object({ label: z.string() })])).optional(),
  tags: z.record(z.string(), z.object({ weight: z.number() })).optional(),
  either: z.union([z.string(), z.object({ a: z.number() })]).optional(),
  loose: z.looseObject({ x: z.number() }).optional(),
});

describe("unknownKeys", () => {
  it("finds unknown keys through objects, unions, tuples, arrays, records and optionals", () => {
    const value = {
      name: "n",
      nmae: "typo",
      shape: { kind: "square", side: 1, radius: 2 },
      points: [[1, { label: "p", colour: "red" }]],
      tags: { t: { weight: 1, heavy: true } },
      either: { a: 1, b: 2 },
      loose: { x: 1, anything: "goes" },
    };
    expect(unknownKeys(schema, value).map((i) => [i.path, i.suggestion])).toEqual([
      [["nmae"], "name"],
      [["shape", "radius"], undefined],
      [["points", 0, 1, "colour"], undefined],
      [["tags", "t", "heavy"], undefined],
      [["either", "b"], "a"],
    ]);
  });

  it("does not descend where the value does not fit the schema", () => {
    expect(unknownKeys(schema, { name: 1, shape: "round", points: "none", either: 3 })).toEqual([]);
  });
});

describe("schemaIssues", () => {
  it("classifies missing fields, unknown discriminators, sizes and invalid values", () => {
    const issues = schemaIssues(
      z.object({
        a: z.string(),
        b: z.array(z.number()).max(1),
        c: z.number().min(0),
        d: z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("one") }),
          z.object({ kind: z.literal("two") }),
        ]),
      }),
      { b: [1, 2], c: -1, d: { kind: "tow" }, e: 1 },
    );
    expect(issues.map((i) => [i.problem, i.path, i.suggestion])).toEqual([
      ["missing", ["a"], undefined],
      ["too-large", ["b"], undefined],
      ["invalid", ["c"], undefined],
      ["unknown-discriminator", ["d", "kind"], "two"],
      ["unknown-key", ["e"], "a"],
    ]);
    expect(issues[2]?.message).toContain("got -1");
  });

  it("stops at the limit", () => {
    const issues = schemaIssues(
      z.array(z.string()),
      Array.from({ length: 50 }, () => 1),
      10,
    );
    expect(issues).toHaveLength(10);
  });
});
