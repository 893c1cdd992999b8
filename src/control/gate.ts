/**
 * The gate: the one decision every creation of an optimizer goes through. Pure and deterministic,
 * so an auditor can re-run it from the ledger. A denial is a value with every reason, not an exception.
 */
import { type AncestryReport, SEVERITY_RANK } from "./ancestry.js";
import { nameMatches, type Policy, type PolicyRule, policyDigest } from "./policy.js";

export type GateReasonCode =
  | "POLICY_EXPIRED"
  | "NO_RULE_FOR_CREATOR"
  | "PROCESS_NOT_ALLOWED"
  | "PROCESS_MAY_NOT_CREATE"
  | "DEPTH_EXCEEDED"
  | "BUDGET_MISSING"
  | "BUDGET_EXCEEDED"
  | "LEGIBILITY_LIMIT"
  | "IMPLICIT_NOT_ALLOWED"
  | "OBJECTIVE_NOT_EXPLICIT"
  | "OBJECTIVE_FORBIDDEN_VARIABLE"
  | "SPEC_INVALID"
  | "DETECTOR_FAILED"
  | "ANCESTRY_FINDING"
  | "APPROVAL_REQUIRED";

export interface GateReason {
  readonly code: GateReasonCode;
  readonly message: string;
}

/** What the gate needs to know about a creation: who creates what, summarised from the spec. */
export interface GateRequest {
  readonly creator: {
    readonly name: string;
    /** The creator's own process kind; undefined for a root actor (a person or organisation). */
    readonly process: string | undefined;
    readonly key: string;
    /** 0 for a root actor, 1 for its children, and so on. */
    readonly depth: number;
    /** Process kinds the creator's own process declares it may create (undefined for root actors). */
    readonly mayCreate: readonly string[] | undefined;
  };
  readonly child: {
    readonly name: string;
    readonly process: string;
    readonly budget:
      | { readonly maxSteps?: number | undefined; readonly maxWallSeconds?: number | undefined }
      | undefined;
    readonly legibility: {
      readonly variables: number;
      readonly largestLocalModelRows: number;
      readonly objectiveSize: number;
      readonly implicitParts: number;
    };
    /** The variables the objective reads, with their tags; undefined when it is not over explicit variables. */
    readonly objectiveVariables:
      | readonly { readonly name: string; readonly tags: readonly string[] }[]
      | undefined;
    /** Problems found when the spec was checked (any one denies). */
    readonly specErrors: readonly string[];
  };
  /** Detector results required by the policy, by name (false = the detector fired). */
  readonly detectors?: Readonly<Record<string, { readonly passed: boolean; readonly summary: string }>>;
  /**
   * What the policy's ancestry detectors found in the creator's and its ancestors' records
   * (`control/ancestry.ts`), nearest first; each at or above the policy's severity denies.
   */
  readonly ancestry?: AncestryReport;
  readonly now: Date;
}

export interface GateDecision {
  readonly mode: Policy["mode"];
  readonly outcome: "allow" | "needs-approval" | "deny";
  readonly reasons: readonly GateReason[];
  readonly policyDigest: string;
  /** Distinct overseer approvals needed when the outcome is needs-approval. */
  readonly approvals: number;
}

function ruleFor(policy: Policy, creator: GateRequest["creator"]): PolicyRule | undefined {
  return policy.rules.find(
    (r) =>
      (r.creator.name === undefined || nameMatches(r.creator.name, creator.name)) &&
      (r.creator.process === undefined || r.creator.process === creator.process) &&
      (r.creator.key === undefined || r.creator.key === creator.key),
  );
}

/**
 * Decide on a creation. Every applicable check runs, so a denial lists all its reasons at once.
 *
 * @example
 * const d = decide(policy, request);
 * if (d.outcome === "deny") console.log(d.reasons.map((r) => r.message).join("\n"));
 */
export function decide(policy: Policy, req: GateRequest, digest = policyDigest(policy)): GateDecision {
  const reasons: GateReason[] = [];
  const deny = (code: GateReasonCode, message: string) => reasons.push({ code, message });
  const { creator, child } = req;

  if (req.now.getTime() >= Date.parse(policy.expires))
    deny("POLICY_EXPIRED", `policy ${policy.name} expired at ${policy.expires}`);
  for (const e of child.specErrors) deny("SPEC_INVALID", e);
  const rule = ruleFor(policy, creator);
  if (rule === undefined) {
    deny(
      "NO_RULE_FOR_CREATOR",
      `no rule of policy ${policy.name} lets ${creator.name}${creator.process ? ` (${creator.process})` : ""} create optimizers`,
    );
  } else if (!rule.mayCreate.includes(child.process)) {
    deny(
      "PROCESS_NOT_ALLOWED",
      `${creator.name} may create ${rule.mayCreate.join(", ") || "nothing"}, not ${child.process}`,
    );
  }
  if (creator.mayCreate !== undefined && !creator.mayCreate.includes(child.process)) {
    deny(
      "PROCESS_MAY_NOT_CREATE",
      `${creator.name}'s own process (${creator.process}) declares it may create ${creator.mayCreate.join(", ") || "nothing"}, not ${child.process}`,
    );
  }
  if (creator.depth + 1 > policy.maxDepth) {
    deny(
      "DEPTH_EXCEEDED",
      `${child.name} would sit at depth ${creator.depth + 1}, beyond the policy's maximum of ${policy.maxDepth}`,
    );
  }
  const limit = rule?.budget;
  if (limit?.maxSteps !== undefined) {
    if (child.budget?.maxSteps === undefined)
      deny(
        "BUDGET_MISSING",
        `${child.name} declares no step budget; the rule allows at most ${limit.maxSteps}`,
      );
    else if (child.budget.maxSteps > limit.maxSteps)
      deny(
        "BUDGET_EXCEEDED",
        `${child.name} asks for ${child.budget.maxSteps} steps; the rule allows ${limit.maxSteps}`,
      );
  }
  if (limit?.maxWallSeconds !== undefined) {
    if (child.budget?.maxWallSeconds === undefined)
      deny(
        "BUDGET_MISSING",
        `${child.name} declares no wall-time budget; the rule allows at most ${limit.maxWallSeconds} s`,
      );
    else if (child.budget.maxWallSeconds > limit.maxWallSeconds)
      deny(
        "BUDGET_EXCEEDED",
        `${child.name} asks for ${child.budget.maxWallSeconds} s; the rule allows ${limit.maxWallSeconds} s`,
      );
  }
  const leg = policy.legibility;
  if (leg.maxVariables !== undefined && child.legibility.variables > leg.maxVariables) {
    deny(
      "LEGIBILITY_LIMIT",
      `${child.name}'s world model has ${child.legibility.variables} variables, above the limit of ${leg.maxVariables}`,
    );
  }
  if (leg.maxLocalModelRows !== undefined && child.legibility.largestLocalModelRows > leg.maxLocalModelRows) {
    deny(
      "LEGIBILITY_LIMIT",
      `${child.name}'s largest local model has ${child.legibility.largestLocalModelRows} rows, above the limit of ${leg.maxLocalModelRows}`,
    );
  }
  if (leg.maxObjectiveSize !== undefined && child.legibility.objectiveSize > leg.maxObjectiveSize) {
    deny(
      "LEGIBILITY_LIMIT",
      `${child.name}'s objective has ${child.legibility.objectiveSize} nodes, above the limit of ${leg.maxObjectiveSize}`,
    );
  }
  if (leg.allowImplicit === false && child.legibility.implicitParts > 0) {
    deny(
      "IMPLICIT_NOT_ALLOWED",
      `${child.name} has ${child.legibility.implicitParts} implicit part(s); the policy allows only explicit world models`,
    );
  }
  if (child.objectiveVariables === undefined) {
    if (policy.objective.explicitOnly)
      deny(
        "OBJECTIVE_NOT_EXPLICIT",
        `${child.name}'s objective is not stated over explicit world-model variables`,
      );
  } else {
    for (const v of child.objectiveVariables) {
      const tag = v.tags.find((t) => policy.objective.forbiddenTags.includes(t));
      if (tag !== undefined)
        deny(
          "OBJECTIVE_FORBIDDEN_VARIABLE",
          `${child.name}'s objective reads ${v.name}, tagged ${tag}, which the policy forbids`,
        );
    }
  }
  for (const name of policy.detectors) {
    const r = req.detectors?.[name];
    if (r === undefined) deny("DETECTOR_FAILED", `the policy requires detector ${name}, which did not run`);
    else if (!r.passed) deny("DETECTOR_FAILED", `detector ${name}: ${r.summary}`);
  }
  if (policy.ancestry !== undefined) {
    const bar = SEVERITY_RANK[policy.ancestry.severity];
    for (const name of policy.ancestry.detectors)
      if (!req.ancestry?.ran.includes(name))
        deny("DETECTOR_FAILED", `the policy requires ancestry detector ${name}, which did not run`);
    for (const f of req.ancestry?.findings ?? []) {
      if (SEVERITY_RANK[f.severity] > bar) continue;
      const who =
        f.generation === 1
          ? `its creator ${f.optimizer}`
          : `its ancestor ${f.optimizer} (${f.generation} generations up)`;
      deny(
        "ANCESTRY_FINDING",
        `${child.name}'s line of creators is not clean: ${who} has a ${f.severity} ${f.detector} finding (${f.code}): ${f.message}${f.entries.length ? ` [entries ${f.entries.map((i) => `#${i}`).join(", ")}]` : ""}`,
      );
    }
  }
  if (reasons.length > 0)
    return { mode: policy.mode, outcome: "deny", reasons, policyDigest: digest, approvals: policy.approvals };
  if (rule?.approval === "required") {
    return {
      mode: policy.mode,
      outcome: "needs-approval",
      reasons: [
        {
          code: "APPROVAL_REQUIRED",
          message: `${policy.approvals} distinct overseer approval(s) needed (${policy.overseers.join(", ")})`,
        },
      ],
      policyDigest: digest,
      approvals: policy.approvals,
    };
  }
  return { mode: policy.mode, outcome: "allow", reasons: [], policyDigest: digest, approvals: 0 };
}
