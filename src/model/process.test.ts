import { describe, expect, it } from "vitest";
import {
  isProcessKind,
  PROCESS_KINDS,
  PROCESS_REGISTRY,
  type ProcessErrorCode,
  type ProcessKind,
  processSearches,
  suggestProcessKind,
  validateProcess,
} from "./process.js";

const budget = { maxSteps: 100, maxWallSeconds: 60 };

/** One valid declaration per kind: the registry's schemas must accept them. */
const VALID: Record<ProcessKind, Record<string, unknown>> = {
  "gradient-descent": { learningRate: 0.001, batchSize: 32, optimizer: "adam" },
  "tree-search": { simulations: 800, explorationConstant: 1.4 },
  "q-learning": { alpha: 0.1, gamma: 0.99, epsilon: 0.1 },
  sarsa: { alpha: 0.1, gamma: 0.99, epsilon: 0.05 },
  "value-iteration": { gamma: 0.9, tolerance: 1e-6 },
  evolution: { populationSize: 50, mutationRate: 0.01, selection: "tournament" },
  "best-of-n": { n: 16 },
  "exhaustive-search": {},
  planner: { algorithm: "A*", horizon: 20 },
  external: { system: "a PID loop in firmware", searches: false },
};

describe("the process registry", () => {
  it("has an entry for every kind, each with a summary and a parameter schema", () => {
    expect(Object.keys(PROCESS_REGISTRY).sort()).toEqual([...PROCESS_KINDS].sort());
    for (const kind of PROCESS_KINDS) {
      expect(PROCESS_REGISTRY[kind].kind).toBe(kind);
      expect(PROCESS_REGISTRY[kind].summary.length).toBeGreaterThan(10);
    }
  });

  it.each(PROCESS_KINDS)("accepts a valid %s declaration", (kind) => {
    const { process, errors } = validateProcess({
      kind,
      params: VALID[kind],
      budget,
      mayCreate: ["best-of-n"],
    });
    expect(errors).toEqual([]);
    expect(process?.kind).toBe(kind);
  });

  it("says which kinds search; external says so itself", () => {
    const searches = (kind: ProcessKind, params = VALID[kind]) =>
      processSearches(validateProcess({ kind, params, budget }).process!);
    expect(PROCESS_KINDS.filter((k) => searches(k))).toEqual([
      "tree-search",
      "value-iteration",
      "evolution",
      "best-of-n",
      "exhaustive-search",
      "planner",
    ]);
    expect(searches("external", { system: "an LLM sampling loop", searches: true })).toBe(true);
  });

  it("recognises and suggests kinds", () => {
    expect(isProcessKind("q-learning")).toBe(true);
    expect(isProcessKind("Q-Learning")).toBe(false);
    expect(suggestProcessKind("q_learning")).toBe("q-learning");
    expect(suggestProcessKind("zzzzzz")).toBeUndefined();
  });
});

const HOSTILE: [string, unknown, ProcessErrorCode, string][] = [
  ["null", null, "SHAPE_INVALID", ""],
  ["a list", [], "SHAPE_INVALID", ""],
  ["a string", "q-learning", "SHAPE_INVALID", ""],
  ["no kind", { params: {}, budget }, "FIELD_MISSING", "kind"],
  ["an unknown kind", { kind: "q_learning", params: {}, budget }, "PROCESS_KIND_UNKNOWN", "kind"],
  ["a kind that is a number", { kind: 3, params: {}, budget }, "PROCESS_KIND_UNKNOWN", "kind"],
  [
    "alpha out of range",
    { kind: "q-learning", params: { alpha: 1.5, gamma: 0.9, epsilon: 0.1 }, budget },
    "PARAMS_INVALID",
    "params.alpha",
  ],
  [
    "a missing parameter",
    { kind: "q-learning", params: { alpha: 0.5, gamma: 0.9 }, budget },
    "FIELD_MISSING",
    "params.epsilon",
  ],
  [
    "a misspelt parameter",
    { kind: "best-of-n", params: { n: 4, nn: 5 }, budget },
    "FIELD_UNKNOWN",
    "params.nn",
  ],
  ["n below 2", { kind: "best-of-n", params: { n: 1 }, budget }, "PARAMS_INVALID", "params.n"],
  ["a fractional n", { kind: "best-of-n", params: { n: 2.5 }, budget }, "PARAMS_INVALID", "params.n"],
  ["params that are a list", { kind: "best-of-n", params: [4], budget }, "PARAMS_INVALID", "params"],
  ["no budget", { kind: "best-of-n", params: { n: 4 } }, "FIELD_MISSING", "budget"],
  [
    "zero steps",
    { kind: "best-of-n", params: { n: 4 }, budget: { maxSteps: 0, maxWallSeconds: 1 } },
    "BUDGET_INVALID",
    "budget.maxSteps",
  ],
  [
    "an unsafe step count",
    { kind: "best-of-n", params: { n: 4 }, budget: { maxSteps: 2 ** 60, maxWallSeconds: 1 } },
    "BUDGET_INVALID",
    "budget.maxSteps",
  ],
  [
    "negative wall time",
    { kind: "best-of-n", params: { n: 4 }, budget: { maxSteps: 1, maxWallSeconds: -1 } },
    "BUDGET_INVALID",
    "budget.maxWallSeconds",
  ],
  [
    "an unknown kind in mayCreate",
    { kind: "best-of-n", params: { n: 4 }, budget, mayCreate: ["mesa"] },
    "MAY_CREATE_INVALID",
    "mayCreate[0]",
  ],
  [
    "a kind twice in mayCreate",
    { kind: "best-of-n", params: { n: 4 }, budget, mayCreate: ["planner", "planner"] },
    "MAY_CREATE_INVALID",
    "mayCreate[1]",
  ],
  [
    "a huge mayCreate",
    { kind: "best-of-n", params: { n: 4 }, budget, mayCreate: Array(1000).fill("planner") },
    "SHAPE_INVALID",
    "mayCreate",
  ],
  [
    "an external process without saying whether it searches",
    { kind: "external", params: { system: "x" }, budget },
    "FIELD_MISSING",
    "params.searches",
  ],
  [
    "an unknown top-level field",
    { kind: "best-of-n", params: { n: 4 }, budget, bugdet: 1 },
    "FIELD_UNKNOWN",
    "bugdet",
  ],
  [
    "a __proto__ parameter",
    JSON.parse(
      '{"kind": "best-of-n", "params": {"n": 4, "__proto__": {"x": 1}}, "budget": {"maxSteps": 1, "maxWallSeconds": 1}}',
    ),
    "FIELD_UNKNOWN",
    "params.__proto__",
  ],
];

describe("validateProcess on hostile input", () => {
  it.each(HOSTILE)("%s: %s at %s", (_what, input, code, path) => {
    const { process, errors } = validateProcess(input);
    expect(process).toBeUndefined();
    expect(errors.map((e) => [e.code, e.path])).toContainEqual([code, path]);
    for (const e of errors) expect(e.message.startsWith(e.path === "" ? e.detail : `${e.path}: `)).toBe(true);
  });

  it("suggests the kind and the parameter that were meant", () => {
    const kind = validateProcess({ kind: "tree_search", params: {}, budget }).errors[0];
    expect(kind?.suggestion).toBe("tree-search");
    expect(kind?.detail).toContain("did you mean tree-search?");
    const param = validateProcess({
      kind: "q-learning",
      params: { alpha: 0.1, gamma: 0.9, epsilon: 0.1, epsilno: 1 },
      budget,
    }).errors[0];
    expect(param?.suggestion).toBe("epsilon");
  });
});
