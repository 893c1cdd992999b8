/**
 * in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md) carrying one of our
 * entry kinds as its predicate. Every predicate names its `actor`, the key that must have signed it.
 */
import { z } from "zod";
import { FormatError } from "../errors.js";
import { preview } from "./base64.js";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const PREDICATE_PREFIX = "https://optprov.dev/entry/";

export const ENTRY_KINDS = [
  "actor",
  "optimizer",
  "change",
  "approval",
  "halt",
  "step-batch",
  "note",
  "policy",
  "request",
  "artifact",
  "observation",
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export function predicateType(kind: EntryKind): string {
  return `${PREDICATE_PREFIX}${kind}/v1`;
}

const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x2a\x2c-\x7e]+$/, "printable ASCII without spaces or '+'");
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const text = z.string().max(64 * 1024);
const common = {
  actor: name,
  time: z.iso.datetime({ offset: true }),
  /** An earlier entry this one depends on; it must come before this entry in the log. */
  parent: index.optional(),
};

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const newOptimizer = z.strictObject({
  name,
  key: z.string().max(512),
  process: z.string().max(64).optional(),
  specDigest: hex64.optional(),
  spec: z.unknown().optional(),
});
/** The gate's decision on a creation, with every reason (a denial is a value, recorded as such). */
const gateDecision = z.strictObject({
  mode: z.enum(["enforce", "audit"]),
  outcome: z.enum(["allow", "needs-approval", "deny"]),
  reasons: z.array(z.strictObject({ code: z.string().max(64), message: text })).max(256),
  policyDigest: hex64.optional(),
  approvals: z.number().int().nonnegative().max(64).optional(),
});
const scalar = z.union([z.number(), z.string().max(1024), z.boolean()]);

/** Each entry kind's predicate. Strict objects: an unknown field is an error, not silently kept. */
export const PREDICATE_SCHEMAS = {
  /** A person, organisation, overseer or witness at the root of provenance; self-signed. */
  actor: z.strictObject({
    ...common,
    role: z.enum(["person", "organisation", "overseer", "witness", "system"]),
    key: z.string().max(512),
    description: text.optional(),
  }),
  /** Creation of an optimizer by `actor`; introduces the new optimizer's key. */
  optimizer: z.strictObject({
    ...common,
    optimizer: newOptimizer,
    /** The gate's decision; `unapproved` marks a creation let through by an audit-mode policy. */
    gate: gateDecision.optional(),
    unapproved: z.boolean().optional(),
  }),
  change: z.strictObject({
    ...common,
    optimizer: name,
    field: z.string().min(1).max(255),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
    reason: text.optional(),
  }),
  approval: z.strictObject({
    ...common,
    decision: z.enum(["approve", "reject"]),
    reason: text.optional(),
  }),
  halt: z.strictObject({
    ...common,
    optimizer: name,
    descendants: z.boolean(),
    reason: text.optional(),
  }),
  "step-batch": z.strictObject({
    ...common,
    firstStep: index,
    steps: z
      .array(
        z.strictObject({ t: z.number().optional(), metrics: z.record(z.string(), z.number()).optional() }),
      )
      .max(100_000),
    /** World-model queries made by the optimizer (`ctx.predict`, `ctx.evaluate`) since the last batch. */
    queries: z
      .array(
        z.strictObject({
          kind: z.enum(["predict", "evaluate"]),
          step: index,
          input: z.unknown(),
          value: z.unknown().optional(),
        }),
      )
      .max(100_000)
      .optional(),
    /** Process parameters as the optimizer ran them (a change without an approved `change` entry is flagged). */
    params: z.record(z.string(), scalar).optional(),
  }),
  note: z.strictObject({ ...common, text }),
  /** A gate policy, signed by its owner; it takes effect once approved as the policy in force requires. */
  policy: z.strictObject({
    ...common,
    digest: hex64,
    policy: z.unknown(),
    source: z
      .string()
      .max(256 * 1024)
      .optional(),
  }),
  /** A request to create an optimizer, with the gate's decision; approvals name it as their parent. */
  request: z.strictObject({ ...common, optimizer: newOptimizer, gate: gateDecision }),
  /** Something an optimizer produced (a plan, a model, an action), pointing back to it. */
  artifact: z.strictObject({
    ...common,
    name: z.string().min(1).max(255),
    digest: hex64.optional(),
    mediaType: z.string().max(255).optional(),
    data: z.unknown().optional(),
  }),
  /** Measurements reported by an environment or an evaluator under its own key (e.g. hidden performance). */
  observation: z.strictObject({
    ...common,
    optimizer: name.optional(),
    episode: index.optional(),
    values: z.record(z.string(), scalar),
  }),
} as const satisfies Record<EntryKind, z.ZodType>;

export type Predicate<K extends EntryKind = EntryKind> = {
  [P in K]: z.infer<(typeof PREDICATE_SCHEMAS)[P]>;
}[K];

export interface Statement<K extends EntryKind = EntryKind> {
  readonly kind: K;
  readonly subject: readonly { name: string; digest: { sha256: string } }[];
  readonly predicate: Predicate<K>;
}

function fail(message: string): never {
  throw new FormatError("STATEMENT_INVALID", `in-toto statement: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validate a decoded statement and its predicate.
 *
 * @example parseStatement(JSON.parse(payloadText)).kind // "note"
 */
export function parseStatement(value: unknown): Statement {
  if (!isRecord(value)) fail("expected a JSON object");
  for (const k of Object.keys(value)) {
    if (k !== "_type" && k !== "subject" && k !== "predicateType" && k !== "predicate")
      fail(`unexpected field ${preview(k)}`);
  }
  if (value._type !== STATEMENT_TYPE)
    fail(`_type: expected ${STATEMENT_TYPE}, got ${preview(String(value._type))}`);
  const subject = value.subject;
  if (!Array.isArray(subject) || subject.length === 0 || subject.length > 64)
    fail("subject: expected 1..64 subjects");
  subject.forEach((s: unknown, i) => {
    if (
      !isRecord(s) ||
      typeof s.name !== "string" ||
      !isRecord(s.digest) ||
      typeof s.digest.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(s.digest.sha256)
    ) {
      fail(`subject[${i}]: expected {name, digest: {sha256: 64 hex digits}}`);
    }
  });
  const type = value.predicateType;
  if (typeof type !== "string" || !type.startsWith(PREDICATE_PREFIX) || !type.endsWith("/v1")) {
    fail(`predicateType: expected ${PREDICATE_PREFIX}<kind>/v1, got ${preview(String(type))}`);
  }
  const kind = type.slice(PREDICATE_PREFIX.length, -3) as EntryKind;
  if (!ENTRY_KINDS.includes(kind))
    fail(`predicateType: unknown entry kind ${preview(kind)}; expected one of ${ENTRY_KINDS.join(", ")}`);
  const parsed = PREDICATE_SCHEMAS[kind].safeParse(value.predicate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? ["predicate", ...issue.path.map(String)].join(".") : "predicate";
    throw new FormatError("PREDICATE_INVALID", `${kind} entry: ${path}: ${issue?.message ?? "invalid"}`);
  }
  return { kind, subject: subject as Statement["subject"], predicate: parsed.data as Predicate };
}
