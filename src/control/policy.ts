/**
 * Gate policies, in the spirit of an in-toto layout: who may create which kinds of optimizers,
 * what each part of a new optimizer must satisfy, how many overseer approvals a creation needs,
 * and until when the policy holds. Written in YAML, signed into the ledger by its owner.
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import { PolicyError } from "../errors.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { canonicalJson } from "../model/spec/canonical-json.js";

const selector = z
  .strictObject({
    /** An optimizer or actor name; a trailing `*` matches a prefix, `*` alone matches anyone. */
    name: z.string().min(1).max(255).optional(),
    /** The creator's own process kind (root actors have none). */
    process: z.string().min(1).max(64).optional(),
    /** The creator's verifier key. */
    key: z.string().min(1).max(512).optional(),
  })
  .refine(
    (s) => s.name !== undefined || s.process !== undefined || s.key !== undefined,
    "a creator selector needs name, process or key",
  );

const budget = z.strictObject({
  maxSteps: z.number().int().positive().optional(),
  maxWallSeconds: z.number().positive().optional(),
});

const rule = z.strictObject({
  creator: selector,
  /** Process kinds this creator may create. */
  mayCreate: z.array(z.string().min(1).max(64)).max(64),
  /** `automatic`: the gate's allow is enough; `required`: overseers must approve. */
  approval: z.enum(["automatic", "required"]).default("required"),
  budget: budget.optional(),
});

export const POLICY_SCHEMA = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(255),
  /** The actor whose key signs the policy into the ledger. */
  owner: z.string().min(1).max(255),
  mode: z.enum(["enforce", "audit"]),
  expires: z.iso.datetime({ offset: true }),
  overseers: z.array(z.string().min(1).max(255)).min(1).max(64),
  /** Distinct overseer approvals a creation (or a resume, or the next policy) needs. */
  approvals: z.number().int().min(1).max(64).default(1),
  /** How deep the tree of optimizers may grow below a root actor (a root's child has depth 1). */
  maxDepth: z.number().int().min(1).max(64).default(4),
  legibility: z
    .strictObject({
      maxVariables: z.number().int().positive().optional(),
      maxLocalModelRows: z.number().int().positive().optional(),
      maxObjectiveSize: z.number().int().positive().optional(),
      allowImplicit: z.boolean().optional(),
    })
    .default({}),
  objective: z
    .strictObject({
      /** The objective must be stated over explicit world-model variables. */
      explicitOnly: z.boolean().default(true),
      /** Variable tags an objective may not read (the oversight mechanism, by default). */
      forbiddenTags: z.array(z.string().min(1).max(64)).default(["oversight"]),
    })
    .default({ explicitOnly: true, forbiddenTags: ["oversight"] }),
  rules: z.array(rule).min(1).max(256),
  /** Detectors that must pass before a creation is approved (see the oversight detectors). */
  detectors: z.array(z.string().min(1).max(64)).max(32).default([]),
});

export type Policy = z.infer<typeof POLICY_SCHEMA>;
export type PolicyRule = Policy["rules"][number];

export function policyDigest(policy: Policy): string {
  return toHex(sha256(Buffer.from(canonicalJson(policy), "utf8")));
}

const MAX_POLICY_BYTES = 256 * 1024;

/**
 * Parse and validate a policy from YAML or JSON text (or an already decoded value).
 * Every problem is reported with its path; the first becomes the error message.
 *
 * @example const policy = parsePolicy(fs.readFileSync("lab.policy.yaml", "utf8"), "lab.policy.yaml");
 */
export function parsePolicy(input: string | unknown, file = "policy"): Policy {
  let value: unknown = input;
  if (typeof input === "string") {
    if (input.length > MAX_POLICY_BYTES)
      throw new PolicyError("POLICY_INVALID", `${file}: expected at most ${MAX_POLICY_BYTES} bytes`);
    const doc = parseDocument(input, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const at = e.linePos?.[0];
      throw new PolicyError(
        "POLICY_INVALID",
        `${file}${at ? `:${at.line}:${at.col}` : ""}: ${e.message.split("\n")[0]}`,
      );
    }
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new PolicyError("POLICY_INVALID", `${file}: ${(cause as Error).message}`, [], { cause });
    }
  }
  const parsed = POLICY_SCHEMA.safeParse(value);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((i) => ({
      code: "POLICY_INVALID",
      message: `${i.path.join(".") || "(root)"}: ${i.message}`,
    }));
    throw new PolicyError("POLICY_INVALID", `${file}: ${reasons.map((r) => r.message).join("; ")}`, reasons);
  }
  return parsed.data;
}

/** Whether `name` matches a selector name (`*`, `prefix*`, or exact). */
export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
