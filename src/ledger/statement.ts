/**
 * in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md) carrying one of our
 * entry kinds as its predicate. Every predicate names its `actor` (the key that must have signed
 * it), its `time`, and the `log` it is written for (the checkpoint origin), so an entry copied from
 * another ledger is refused by this one.
 *
 * `Statement` is a discriminated union on `kind`: a `switch (s.kind)` narrows the predicate, and a
 * pass keyed by every kind (`EntryHandlers`) fails to compile until it handles a new kind.
 */
import { z } from "zod";
import { FormatError } from "../errors.js";
import { preview } from "./base64.js";
import {
  type ResourceRecord,
  type ScopeRecord,
  type SpanPlace,
  type SpanRecord,
  spanBatchProblem,
  spanPlaces,
} from "./span-batch.js";

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
  "span-batch",
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export function predicateType(kind: EntryKind): string {
  return `${PREDICATE_PREFIX}${kind}/v1`;
}

/** Names of actors and optimizers are key names: printable ASCII, no spaces, no '+'. */
export const NAME_PATTERN = /^[\x21-\x2a\x2c-\x7e]+$/;
const name = z.string().min(1).max(255).regex(NAME_PATTERN, "printable ASCII without spaces or '+'");
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const text = z.string().max(64 * 1024);
const common = {
  actor: name,
  time: z.iso.datetime({ offset: true }),
  /** The checkpoint origin of the log this entry is written for. */
  log: z.string().min(1).max(255),
  /** An earlier entry this one depends on; it must come before this entry in the log. */
  parent: index.optional(),
};

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const scalar = z.union([z.number(), z.string().max(1024), z.boolean()]);
const processKind = z.string().min(1).max(64);

/**
 * What a creation declares about the new optimizer's process: the kind, its scalar parameters, its
 * budget and the kinds it may create. When a spec is recorded too, this must be what the spec says
 * (admission checks it), so the gate reads one place whether a spec is recorded or not.
 */
export const processDeclarationSchema = z.strictObject({
  kind: processKind,
  params: z.record(z.string().max(64), scalar).optional(),
  budget: z
    .strictObject({
      maxSteps: z.number().int().positive().optional(),
      maxWallSeconds: z.number().positive().optional(),
    })
    .optional(),
  mayCreate: z.array(processKind).max(64).optional(),
});
export type ProcessDeclaration = z.infer<typeof processDeclarationSchema>;

const newOptimizer = z.strictObject({
  name,
  key: z.string().max(512),
  process: processDeclarationSchema,
  /** Hex SHA-256 of the spec's canonical JSON; with no inline `spec`, the spec is a blob beside the log. */
  specDigest: hex64.optional(),
  /**
   * Hex SHA-256 of the canonical JSON of the spec's objective document (the objective, what it
   * stands in for and how that is measured): the objective registered with the creation, before
   * any step. Required when the spec has an objective; a later change needs an approved `change`.
   */
  objectiveDigest: hex64.optional(),
  spec: z.unknown().optional(),
});
export type NewOptimizer = z.infer<typeof newOptimizer>;

/** The gate's decision on a creation, with every reason (a denial is a value, recorded as such). */
const gateDecision = z.strictObject({
  mode: z.enum(["enforce", "audit"]),
  outcome: z.enum(["allow", "needs-approval", "deny"]),
  reasons: z.array(z.strictObject({ code: z.string().max(64), message: text })).max(256),
  policyDigest: hex64.optional(),
  approvals: z.number().int().nonnegative().max(64).optional(),
});
export type RecordedGateDecision = z.infer<typeof gateDecision>;

/** Most steps one batch may hold, and most metrics a step may carry. */
export const MAX_BATCH_STEPS = 100_000;
export const MAX_METRICS = 256;

/**
 * A step batch's steps, by column: `count` steps, each metric a column of `count` values (`null`
 * where a step did not report it). Columns serialise and parse three to four times faster than one
 * object per step (measured on 1,000-step batches: 0.19 ms against 0.55-0.84 ms to stringify).
 */
export interface StepColumns {
  readonly count: number;
  /** Milliseconds since the run started, per step. */
  readonly t?: readonly number[];
  readonly metrics?: Readonly<Record<string, readonly (number | null)[]>>;
}

/** Hand-written for the hot path: zod costs 1.5 ms per 1,000-step batch, this a few microseconds per column. */
const stepColumns = z.custom<StepColumns>((v) => stepColumnsProblem(v) === undefined, {
  error: (issue) => stepColumnsProblem(issue.input) ?? "invalid",
});

function stepColumnsProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "expected {count, t?, metrics?}";
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== "count" && k !== "t" && k !== "metrics") return `unexpected field ${preview(k)}`;
  const count = o.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > MAX_BATCH_STEPS)
    return `count: expected an integer 0..${MAX_BATCH_STEPS}`;
  const column = (c: unknown, nullable: boolean): boolean => {
    if (!Array.isArray(c) || c.length !== count) return false;
    for (const x of c) {
      if (x === null ? !nullable : typeof x !== "number" || !Number.isFinite(x)) return false;
    }
    return true;
  };
  if (o.t !== undefined && !column(o.t, false)) return `t: expected ${count} finite numbers`;
  if (o.metrics !== undefined) {
    const m = o.metrics;
    if (typeof m !== "object" || m === null || Array.isArray(m)) return "metrics: expected a mapping";
    const keys = Object.keys(m);
    if (keys.length > MAX_METRICS) return `metrics: expected at most ${MAX_METRICS} columns`;
    for (const k of keys) {
      if (k.length === 0 || k.length > 64) return `metrics: column names are 1..64 characters`;
      if (!column((m as Record<string, unknown>)[k], true))
        return `metrics.${k}: expected ${count} finite numbers or nulls`;
    }
  }
  return undefined;
}

/** A span batch's resources, scopes and spans, checked together (spans point at the other two by index). */
const spanBatch = z
  .strictObject({
    ...common,
    resources: z.custom<readonly ResourceRecord[]>(() => true),
    scopes: z.custom<readonly ScopeRecord[]>(() => true),
    spans: z.custom<readonly SpanRecord[]>(() => true),
  })
  .superRefine((v, ctx) => {
    const problem = spanBatchProblem(v.resources, v.scopes, v.spans);
    if (problem !== undefined) {
      const [head, ...rest] = problem.split(": ");
      ctx.addIssue({ code: "custom", path: (head ?? "").split("."), message: rest.join(": ") || problem });
    }
  });

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
    /** The gate's decision as the writer saw it; admission re-derives it and refuses a mismatch. */
    gate: gateDecision.optional(),
    /** The writer's note that an audit-mode policy let this through; the log derives its own mark. */
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
    steps: stepColumns,
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
      .max(MAX_BATCH_STEPS)
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
  /**
   * OpenTelemetry spans one OTLP export request carried, signed by the collector (a `system` actor)
   * that received them: what agents outside the SDK say they did, attested by the collector, not by
   * the agents (docs/otlp.md).
   */
  "span-batch": spanBatch,
} as const satisfies Record<EntryKind, z.ZodType>;

export type Predicate<K extends EntryKind = EntryKind> = {
  [P in K]: z.infer<(typeof PREDICATE_SCHEMAS)[P]>;
}[K];

/** A predicate as a writer builds it: the log fills in `log` (its origin). */
export type PredicateInput<K extends EntryKind> = K extends EntryKind
  ? Omit<Predicate<K>, "log"> & { readonly log?: string }
  : never;

export interface StatementOf<K extends EntryKind> {
  readonly kind: K;
  readonly subject: readonly { name: string; digest: { sha256: string } }[];
  readonly predicate: Predicate<K>;
}

/** A parsed statement; `switch (s.kind)` narrows `s.predicate`. */
export type Statement = { [K in EntryKind]: StatementOf<K> }[EntryKind];

/**
 * What the admission rules and the control state read of an entry: the whole predicate for every
 * kind but step batches, whose steps and queries are summarised by their counts (the rules never
 * read them, and not copying them keeps admission cheap).
 */
export interface StepBatchHead extends Omit<Predicate<"step-batch">, "steps" | "queries"> {
  readonly stepCount: number;
  readonly queryCount: number;
  /** Per-episode figures when the steps carry an `episode` column (see {@link EpisodeFigures}). */
  readonly episodes?: readonly EpisodeFigures[];
}

/**
 * What a step batch says about each episode it touches, in the conventions the Goodhart detector
 * reads (docs/conventions.md): the `reward` column summed, the last `R` (else `return`) the
 * batch reported, the episode's total so far, and whether its steps mark it an evaluation episode
 * (`evaluation` 1). The rules that judge an optimizer's record (the ancestry monitors) read these
 * instead of the steps, so admission never copies the steps out.
 */
export interface EpisodeFigures {
  readonly episode: number;
  readonly reward?: number;
  readonly total?: number;
  /** Present (true) when a step of the episode in this batch carries `evaluation: 1`. */
  readonly evaluation?: true;
}

/** Episodes a batch's view lists at most (a batch of one-step episodes keeps its first ones). */
export const MAX_VIEW_EPISODES = 4096;

/** A step batch's per-episode figures (undefined when its steps carry no `episode` column). */
export function episodeFigures(steps: StepColumns): EpisodeFigures[] | undefined {
  const m = steps.metrics;
  const episode = m?.episode;
  if (m === undefined || episode === undefined) return undefined;
  const reward = m.reward;
  const total = m.R ?? m.return;
  const evaluation = m.evaluation;
  const out: { episode: number; reward?: number; total?: number; evaluation?: true }[] = [];
  let current: { episode: number; reward?: number; total?: number; evaluation?: true } | undefined;
  for (let i = 0; i < steps.count; i++) {
    const e = episode[i];
    if (e === null || e === undefined || !Number.isInteger(e) || e < 0) continue;
    if (current?.episode !== e) {
      if (out.length === MAX_VIEW_EPISODES) break;
      current = { episode: e };
      out.push(current);
    }
    const r = reward?.[i];
    if (r !== null && r !== undefined) current.reward = (current.reward ?? 0) + r;
    const t = total?.[i];
    if (t !== null && t !== undefined) current.total = t;
    if (evaluation?.[i] === 1) current.evaluation = true;
  }
  return out;
}

/**
 * What the rules read of a span batch: its spans' places in their traces and the agents they name,
 * not their names, times and attributes.
 */
export interface SpanBatchHead extends Omit<Predicate<"span-batch">, "spans" | "resources" | "scopes"> {
  readonly spanCount: number;
  readonly spans: readonly SpanPlace[];
}

export type ViewPredicate<K extends EntryKind> = K extends "step-batch"
  ? StepBatchHead
  : K extends "span-batch"
    ? SpanBatchHead
    : Predicate<K>;
export interface EntryViewOf<K extends EntryKind> {
  readonly kind: K;
  readonly predicate: ViewPredicate<K>;
}
export type EntryView = { [K in EntryKind]: EntryViewOf<K> }[EntryKind];

/** The rules' view of a statement. */
export function viewOf(s: Statement): EntryView {
  if (s.kind === "span-batch") {
    const { spans, resources: _r, scopes: _s, ...head } = s.predicate;
    return { kind: "span-batch", predicate: { ...head, spanCount: spans.length, spans: spanPlaces(spans) } };
  }
  if (s.kind !== "step-batch") return s as EntryView;
  const { steps, queries, ...head } = s.predicate;
  const episodes = episodeFigures(steps);
  return {
    kind: "step-batch",
    predicate: {
      ...head,
      stepCount: steps.count,
      queryCount: queries?.length ?? 0,
      ...(episodes !== undefined ? { episodes } : {}),
    },
  };
}

/**
 * A pass over entries with one handler per kind. Being a complete record, adding an entry kind
 * fails to compile until every such pass decides what the new kind means (kysely's visitors).
 */
export type EntryHandlers<V extends { readonly kind: EntryKind }, A extends unknown[], R> = {
  readonly [K in EntryKind]: (entry: Extract<V, { readonly kind: K }>, ...args: A) => R;
};

/** Call the handler for `entry`'s kind. */
export function dispatch<V extends { readonly kind: EntryKind }, A extends unknown[], R>(
  handlers: EntryHandlers<V, A, R>,
  entry: V,
  ...args: A
): R {
  return (handlers[entry.kind] as (e: V, ...a: A) => R)(entry, ...args);
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
  return {
    kind,
    subject: subject as Statement["subject"],
    predicate: checkPredicate(kind, value.predicate),
  } as Statement;
}

/**
 * Validate a predicate of `kind`, as parsing a statement does; throws PREDICATE_INVALID naming the
 * first field at fault.
 *
 * @example checkPredicate("note", { actor: "alice", time, log, text: "hi" })
 */
export function checkPredicate<K extends EntryKind>(kind: K, predicate: unknown): Predicate<K> {
  const parsed = PREDICATE_SCHEMAS[kind].safeParse(predicate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? ["predicate", ...issue.path.map(String)].join(".") : "predicate";
    throw new FormatError("PREDICATE_INVALID", `${kind} entry: ${path}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data as Predicate<K>;
}
