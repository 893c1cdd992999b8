import { describe, expect, it } from "vitest";
import { MAX_PROXY_DEPTH } from "./limits.js";
import { loadObjectiveDocument } from "./objective-document.js";
import { printObjective } from "./printer.js";
import type { WorldDescription } from "./world-description.js";

const WORLD: WorldDescription = {
  variables: [
    { name: "clicks", domain: { kind: "int", min: 0, max: 1_000_000 }, tags: [] },
    { name: "watched", domain: { kind: "boolean" }, tags: ["oversight"] },
    { name: "satisfied", domain: { kind: "boolean" }, tags: [] },
  ],
};

describe("loadObjectiveDocument", () => {
  it("parses and checks a document with a proxy and its measure", () => {
    const loaded = loadObjectiveDocument(
      {
        sense: "maximize",
        expr: "clicks - penalty * 1",
        constants: { penalty: 3 },
        proxyFor: { sense: "maximize", expr: "E[satisfied]" },
        measuredBy: "monthly user survey",
      },
      WORLD,
    );
    expect(loaded.errors).toEqual([]);
    expect(loaded.objective && printObjective(loaded.objective)).toBe("maximize clicks - penalty * 1");
    expect(loaded.type).toEqual({ kind: "number", unit: undefined });
    expect(loaded.constants).toEqual({ penalty: 3 });
    expect(loaded.measuredBy).toBe("monthly user survey");
    const proxy = loaded.proxyFor;
    expect(proxy && "objective" in proxy && proxy.objective && printObjective(proxy.objective)).toBe(
      "maximize E[satisfied]",
    );
  });

  it("keeps a proxy given by reference", () => {
    const loaded = loadObjectiveDocument(
      { sense: "maximize", expr: "clicks", proxyFor: "user_wellbeing" },
      WORLD,
    );
    expect(loaded.errors).toEqual([]);
    expect(loaded.proxyFor).toEqual({ reference: "user_wellbeing" });
  });

  it("locates every error by its path in the document and its position in the expression", () => {
    const loaded = loadObjectiveDocument(
      {
        sense: "satisfy",
        expr: "clicks > 10 and watched",
        constants: { clicks: 2 },
        proxyFor: { sense: "maximize", expr: "satisfied +", proxyFor: { sense: "minimize", expr: "clickz" } },
      },
      WORLD,
      { forbiddenTags: ["oversight"] },
    );
    expect(loaded.errors.map((e) => [e.code, e.path, e.line, e.column, e.suggestion])).toEqual([
      ["CONSTANT_INVALID", "constants.clicks", 1, 1, undefined],
      ["FORBIDDEN_VARIABLE", "expr", 1, 17, undefined],
      ["UNEXPECTED_TOKEN", "proxyFor.expr", 1, 12, undefined],
      ["UNKNOWN_IDENTIFIER", "proxyFor.proxyFor.expr", 1, 1, "clicks"],
    ]);
    expect(loaded.errors[2]?.message).toBe("proxyFor.expr: expected an operand at 1:12, got end of input");
  });

  it("rejects a malformed shape without throwing", () => {
    const cases: unknown[] = [
      null,
      42,
      "maximize x",
      [],
      {},
      { sense: "maximise", expr: "clicks" },
      { sense: "maximize", expr: 3 },
      { sense: "maximize", expr: "clicks", proxy_for: "x" },
      { sense: "maximize", expr: "clicks", constants: { k: "1" } },
      { sense: "maximize", expr: "clicks", proxyFor: "" },
      { sense: "maximize", expr: "clicks", proxyFor: { sense: "maximize" } },
      { sense: "maximize", expr: "clicks", measuredBy: 7 },
    ];
    for (const input of cases) {
      const loaded = loadObjectiveDocument(input, WORLD);
      expect(loaded.errors.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(loaded.errors.every((e) => e.code === "DOCUMENT_INVALID" && e.path !== undefined)).toBe(true);
    }
  });

  it("reports hostile expressions as located errors", () => {
    const cases: Array<[string, string]> = [
      ["(".repeat(10_000), "TOO_DEEP"],
      ["x+".repeat(3_000_000), "INPUT_TOO_LARGE"],
      ["clicks \u0000", "UNEXPECTED_CHARACTER"],
      ["", "EMPTY_INPUT"],
    ];
    for (const [expr, code] of cases) {
      const loaded = loadObjectiveDocument({ sense: "maximize", expr }, WORLD);
      expect(loaded.objective).toBeUndefined();
      expect(loaded.errors.map((e) => [e.code, e.path])).toEqual([[code, "expr"]]);
    }
  });

  it("bounds the proxyFor chain, including a cycle", () => {
    const cyclic: Record<string, unknown> = { sense: "maximize", expr: "clicks" };
    cyclic["proxyFor"] = cyclic;
    const loaded = loadObjectiveDocument(cyclic, WORLD);
    expect(loaded.errors.map((e) => e.code)).toEqual(["TOO_DEEP"]);
    expect(loaded.errors[0]?.path).toBe(
      Array(MAX_PROXY_DEPTH + 1)
        .fill("proxyFor")
        .join("."),
    );
  });
});
