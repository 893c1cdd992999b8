/** The gate's decision, directly: every reason code `decide()` can return, each produced by its own case. */
import { describe, expect, it } from "vitest";
import { decide, type GateReasonCode, type GateRequest } from "./gate.js";
import type { Policy } from "./policy.js";
import { testPolicy } from "./test-support/policy-fixture.js";

const policy = (extra: Partial<Policy> = {}) =>
  testPolicy({
    maxDepth: 2,
    legibility: { maxVariables: 10, maxLocalModelRows: 100, maxObjectiveSize: 20, allowImplicit: false },
    objective: { explicitOnly: true, forbiddenTags: ["oversight"] },
    rules: [
      {
        creator: { name: "alice" },
        mayCreate: ["q-learning"],
        approval: "automatic",
        budget: { maxSteps: 1000, maxWallSeconds: 60 },
      },
      { creator: { process: "q-learning" }, mayCreate: ["tree-search"], approval: "required" },
    ],
    detectors: [],
    ...extra,
  });

const ok: GateRequest = {
  creator: { name: "alice", process: undefined, key: "alice+00000000+AQ", depth: 0, mayCreate: undefined },
  child: {
    name: "trainer",
    process: "q-learning",
    budget: { maxSteps: 500, maxWallSeconds: 30 },
    legibility: { variables: 4, largestLocalModelRows: 16, objectiveSize: 3, implicitParts: 0 },
    objectiveVariables: [{ name: "reward", tags: ["reward"] }],
    specErrors: [],
  },
  now: new Date("2030-01-01T00:00:00Z"),
};
const child = (c: Partial<GateRequest["child"]>): GateRequest => ({ ...ok, child: { ...ok.child, ...c } });
const creator = (c: Partial<GateRequest["creator"]>): GateRequest => ({
  ...ok,
  creator: { ...ok.creator, ...c },
});

const cases: { code: GateReasonCode; request: GateRequest; policy?: Policy }[] = [
  { code: "POLICY_EXPIRED", request: { ...ok, now: new Date("2100-01-01T00:00:00Z") } },
  { code: "NO_RULE_FOR_CREATOR", request: creator({ name: "mallory" }) },
  { code: "PROCESS_NOT_ALLOWED", request: child({ process: "evolution" }) },
  {
    code: "PROCESS_MAY_NOT_CREATE",
    request: {
      ...creator({ name: "t", process: "q-learning", depth: 1, mayCreate: [] }),
      child: { ...ok.child, process: "tree-search" },
    },
  },
  { code: "DEPTH_EXCEEDED", request: creator({ depth: 2 }) },
  { code: "BUDGET_MISSING", request: child({ budget: { maxWallSeconds: 30 } }) },
  { code: "BUDGET_EXCEEDED", request: child({ budget: { maxSteps: 5000, maxWallSeconds: 30 } }) },
  { code: "LEGIBILITY_LIMIT", request: child({ legibility: { ...ok.child.legibility, variables: 11 } }) },
  {
    code: "IMPLICIT_NOT_ALLOWED",
    request: child({ legibility: { ...ok.child.legibility, implicitParts: 1 } }),
  },
  { code: "OBJECTIVE_NOT_EXPLICIT", request: child({ objectiveVariables: undefined }) },
  {
    code: "OBJECTIVE_FORBIDDEN_VARIABLE",
    request: child({ objectiveVariables: [{ name: "supervisor", tags: ["oversight"] }] }),
  },
  {
    code: "SPEC_INVALID",
    request: child({ specErrors: ["objective.expr: unknown variable x [UNKNOWN_IDENTIFIER]"] }),
  },
  { code: "DETECTOR_FAILED", request: ok, policy: policy({ detectors: ["oversight-dependence"] }) },
  {
    code: "DETECTOR_FAILED",
    request: {
      ...ok,
      detectors: { "oversight-dependence": { passed: false, summary: "plans change without a supervisor" } },
    },
    policy: policy({ detectors: ["oversight-dependence"] }),
  },
  {
    code: "ANCESTRY_FINDING",
    request: {
      ...ok,
      ancestry: {
        ran: ["goodhart"],
        findings: [
          {
            detector: "goodhart",
            optimizer: "alice-trainer",
            generation: 2,
            code: "PROXY_DIVERGES",
            severity: "high",
            message: "the proxy rose while the intended measure fell",
            entries: [4, 9],
          },
        ],
      },
    },
    policy: policy({ ancestry: { detectors: ["goodhart"], severity: "high" } }),
  },
  {
    code: "APPROVAL_REQUIRED",
    request: {
      ...creator({ name: "t", process: "q-learning", depth: 1, mayCreate: ["tree-search"] }),
      child: { ...ok.child, process: "tree-search" },
    },
  },
];

describe("decide()", () => {
  it("allows a creation that meets every rule, with no reasons", () => {
    expect(decide(policy(), ok)).toMatchObject({
      outcome: "allow",
      reasons: [],
      approvals: 0,
      mode: "enforce",
    });
  });
  for (const c of cases) {
    it(`gives ${c.code}`, () => {
      const d = decide(c.policy ?? policy(), c.request);
      expect(d.reasons.map((r) => r.code)).toEqual([c.code]);
      expect(d.outcome).toBe(c.code === "APPROVAL_REQUIRED" ? "needs-approval" : "deny");
    });
  }
  it("denies on ancestry findings at or above the policy's severity only, naming the ancestor and its entries", () => {
    const finding = (severity: "critical" | "high" | "medium" | "low") => ({
      detector: "goodhart",
      optimizer: "trainer",
      generation: 1,
      code: "PROXY_DIVERGES",
      severity,
      message: "m",
      entries: [7],
    });
    const p = policy({ ancestry: { detectors: ["goodhart"], severity: "high" } });
    expect(decide(p, { ...ok, ancestry: { ran: ["goodhart"], findings: [finding("medium")] } }).outcome).toBe(
      "allow",
    );
    const d = decide(p, { ...ok, ancestry: { ran: ["goodhart"], findings: [finding("critical")] } });
    expect(d.outcome).toBe("deny");
    expect(d.reasons[0]?.message).toMatch(/its creator trainer .*#7/);
    // An ancestry detector the policy names but that did not run fails closed.
    expect(decide(p, { ...ok, ancestry: { ran: [], findings: [] } }).reasons.map((r) => r.code)).toEqual([
      "DETECTOR_FAILED",
    ]);
  });
  it("lists every reason at once, and records the policy's mode and digest", () => {
    const d = decide(
      policy({ mode: "audit" }),
      child({ process: "evolution", budget: undefined, objectiveVariables: undefined }),
    );
    expect(d.reasons.map((r) => r.code).sort()).toEqual([
      "BUDGET_MISSING",
      "BUDGET_MISSING",
      "OBJECTIVE_NOT_EXPLICIT",
      "PROCESS_NOT_ALLOWED",
    ]);
    expect(d).toMatchObject({ mode: "audit", outcome: "deny" });
    expect(d.policyDigest).toMatch(/^[0-9a-f]{64}$/);
  });
  it("covers every reason code the gate defines", () => {
    // A complete record: a new reason code fails to compile here until it has a case above.
    const all: Record<GateReasonCode, true> = {
      POLICY_EXPIRED: true,
      NO_RULE_FOR_CREATOR: true,
      PROCESS_NOT_ALLOWED: true,
      PROCESS_MAY_NOT_CREATE: true,
      DEPTH_EXCEEDED: true,
      BUDGET_MISSING: true,
      BUDGET_EXCEEDED: true,
      LEGIBILITY_LIMIT: true,
      IMPLICIT_NOT_ALLOWED: true,
      OBJECTIVE_NOT_EXPLICIT: true,
      OBJECTIVE_FORBIDDEN_VARIABLE: true,
      SPEC_INVALID: true,
      DETECTOR_FAILED: true,
      ANCESTRY_FINDING: true,
      APPROVAL_REQUIRED: true,
    };
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(Object.keys(all)));
  });
});
