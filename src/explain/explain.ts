/**
 * `optprov explain`: who created an optimizer, through what request, under which policy, approved
 * by whom and when, what it is, its children, its recent steps, and anything wrong, in sentences.
 */
import { type AncestryFinding, ancestryReport } from "../control/ancestry.js";
import type { Policy } from "../control/policy.js";
import type { ControlState, OptimizerRecord } from "../control/state.js";
import { openEntry } from "../ledger/entry.js";
import type { Statement } from "../ledger/statement.js";
import type { LedgerStore } from "../ledger/store.js";
import { ANCESTRY_MONITORS } from "../oversight/ancestry-monitors.js";

/**
 * What an explanation reads beyond the control state: stored entries (a creation's inline spec, the
 * last step batch) and blobs (a spec kept beside the log). A store is one; the server passes a
 * cache in front of its store (`server/read-models.ts`), since both never change once written.
 */
export type ExplainSource = Pick<LedgerStore, "entry" | "blob">;

/** The statement stored at `index`, or undefined if it is missing or does not parse. */
async function statementAt(store: ExplainSource, index: number): Promise<Statement | undefined> {
  const e = await store.entry(index);
  if (e === undefined) return undefined;
  try {
    return openEntry(e.envelope).statement;
  } catch {
    return undefined;
  }
}

/**
 * The spec an optimizer's creation recorded: in the entry, or the blob beside the log (checked
 * against its digest by the log at admission and by verify).
 *
 * @example const spec = await recordedSpec(store, state.optimizers.get("planner")!);
 */
export async function recordedSpec(store: ExplainSource, o: OptimizerRecord): Promise<unknown> {
  if (o.specIn === "entry") {
    const s = await statementAt(store, o.index);
    return s?.kind === "optimizer" ? s.predicate.optimizer.spec : undefined;
  }
  if (o.specIn === "blob" && o.specDigest !== undefined) {
    const data = await store.blob(o.specDigest);
    if (data === undefined) return undefined;
    try {
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export type ConcernLevel = "critical" | "warning" | "info";

export interface Concern {
  readonly level: ConcernLevel;
  readonly code: string;
  readonly message: string;
  /** Entry indices that show it. */
  readonly entries: readonly number[];
}

/** What the ledger holds of an agent a collector observed in OpenTelemetry spans. */
export interface ObservedExplanation {
  readonly key: string;
  readonly id: string | undefined;
  readonly agentName: string | undefined;
  readonly model: string | undefined;
  /** `collector:<actor>`: the collector's word, not the agent's signature. */
  readonly attested: string;
  readonly collectors: readonly string[];
  /** Span-batch entries that name it (the first 64). */
  readonly entries: readonly number[];
  readonly creations: number;
  readonly invocations: number;
}

export interface Explanation {
  readonly name: string;
  readonly kind: "optimizer" | "actor" | "observed";
  readonly createdBy: string | undefined;
  readonly lineage: readonly string[];
  readonly createdAt: number | undefined;
  readonly time: string | undefined;
  readonly process: string | undefined;
  readonly specDigest: string | undefined;
  readonly spec: unknown;
  /**
   * The objective as registered: its digest in the creation entry (before any step), and the
   * approved change that replaced it, if any.
   */
  readonly objective:
    | {
        readonly registeredAt: number;
        readonly digest: string;
        readonly changedAt: number | undefined;
        readonly inForce: string | undefined;
      }
    | undefined;
  readonly request: number | undefined;
  readonly policy: { readonly name: string; readonly mode: string; readonly digest: string } | undefined;
  readonly gate: OptimizerRecord["gate"];
  readonly approvals: readonly {
    readonly by: string;
    readonly decision: string;
    readonly index: number;
    readonly time: string;
    readonly reason?: string | undefined;
    readonly counted: boolean;
  }[];
  readonly children: readonly string[];
  readonly steps: {
    readonly total: number;
    readonly batches: number;
    readonly lastMetrics: Readonly<Record<string, number>> | undefined;
    readonly lastParams: Readonly<Record<string, unknown>> | undefined;
  };
  readonly artifacts: readonly number[];
  readonly halted:
    | {
        readonly by: string;
        readonly index: number;
        readonly reason: string | undefined;
        readonly optimizer: string;
      }
    | undefined;
  readonly concerns: readonly Concern[];
  /**
   * Its line of creators' own records: what every ancestry monitor finds in them now (nearest
   * first), and what the policy it was created under asked the gate to weigh (undefined: nothing).
   */
  readonly ancestry: {
    readonly required: Policy["ancestry"];
    readonly findings: readonly AncestryFinding[];
  };
  /** For an observed agent (kind `observed`): what the spans say of it. */
  readonly observed?: ObservedExplanation;
}

/** An observed agent by key, else by its `gen_ai.agent.name`. */
function observedAgent(state: ControlState, name: string) {
  return state.observedAgents.get(name) ?? [...state.observedAgents.values()].find((a) => a.name === name);
}

/** An agent observed in spans: who the spans say made it, and that nothing gated it. */
function explainObserved(state: ControlState, a: NonNullable<ReturnType<typeof observedAgent>>): Explanation {
  const lineage: string[] = [];
  for (let c = state.observedCreator(a.key); c !== undefined && lineage.length < 1000; ) {
    if (lineage.includes(c) || c === a.key) break;
    lineage.push(c);
    c = state.observedCreator(c);
  }
  return {
    name: a.key,
    kind: "observed",
    createdBy: lineage[0],
    lineage,
    createdAt: a.index,
    time: a.time,
    process: undefined,
    specDigest: undefined,
    spec: undefined,
    objective: undefined,
    request: undefined,
    policy: undefined,
    gate: undefined,
    approvals: [],
    children: state.observedChildren(a.key),
    steps: { total: 0, batches: 0, lastMetrics: undefined, lastParams: undefined },
    artifacts: [],
    halted: undefined,
    concerns: [
      {
        level: "warning",
        code: "NOT_GATED",
        message: `observed by ${a.attested} in OpenTelemetry spans, not gated: no policy or overseer checked its creation, and what the spans say is the collector's word, not a signature of the agent's own`,
        entries: a.entries.slice(0, 5),
      },
    ],
    ancestry: { required: undefined, findings: [] },
    observed: {
      key: a.key,
      id: a.id,
      agentName: a.name,
      model: a.model,
      attested: a.attested,
      collectors: a.collectors,
      entries: a.entries,
      creations: a.creations,
      invocations: a.invocations,
    },
  };
}

export interface ExplainOptions {
  /**
   * What every ancestry monitor finds in `creator` and its ancestors (nearest first), as
   * {@link ancestryFindings} says it; a server keeps it per record (`server/read-models.ts`), since
   * judging a long record (the goodhart monitor's episodes) is most of what an explanation costs.
   */
  readonly ancestry?: (state: ControlState, creator: string) => readonly AncestryFinding[];
}

/**
 * What every ancestry monitor finds in `creator`'s line of creators, nearest first.
 *
 * @example ancestryFindings(state, "trainer").filter((f) => f.severity === "high")
 */
export function ancestryFindings(state: ControlState, creator: string): readonly AncestryFinding[] {
  return ancestryReport(state, ANCESTRY_MONITORS, { detectors: Object.keys(ANCESTRY_MONITORS) }, creator)
    .findings;
}

/**
 * Gather everything the ledger says about one optimizer (or root actor).
 *
 * @example const e = await explain(state, store, "mcts-player"); console.log(renderExplanation(e));
 */
export async function explain(
  state: ControlState,
  store: ExplainSource,
  name: string,
  options: ExplainOptions = {},
): Promise<Explanation | undefined> {
  const o = state.optimizers.get(name);
  const actor = state.actors.get(name);
  if (o === undefined && actor === undefined) {
    const seen = observedAgent(state, name);
    return seen === undefined ? undefined : explainObserved(state, seen);
  }
  const concerns: Concern[] = [];
  const request = o?.request !== undefined ? state.requests.get(o.request) : undefined;
  const policyRecord = state.policies.find(
    (p) => p.digest === (o?.gate?.policyDigest ?? request?.gate.policyDigest),
  );
  const policy = policyRecord?.policy;
  const counted = new Set(
    request && o ? state.countedApprovals(request.approvals, policy, o.name, o.creator) : [],
  );
  const approvals = (request?.approvals ?? []).map((a) => ({
    ...a,
    counted: counted.has(a.by) && a.decision === "approve",
  }));

  let lastMetrics: Record<string, number> | undefined;
  let lastParams: Record<string, unknown> | undefined;
  if (o?.lastStepIndex !== undefined) {
    const s = await statementAt(store, o.lastStepIndex);
    if (s?.kind === "step-batch") {
      const p = s.predicate;
      const last = p.steps.count - 1;
      const metrics: Record<string, number> = {};
      for (const [k, col] of Object.entries(p.steps.metrics ?? {})) {
        const v = col[last];
        if (v !== null && v !== undefined) metrics[k] = v;
      }
      lastMetrics = last >= 0 && Object.keys(metrics).length > 0 ? metrics : undefined;
      lastParams = p.params;
    }
  }
  const spec = o ? await recordedSpec(store, o) : undefined;
  const haltedBy = o ? state.haltedBy(o.name) : undefined;
  const haltPredicate = haltedBy ? state.halts.get(haltedBy.index) : undefined;
  const halted =
    haltedBy && haltPredicate
      ? {
          by: haltPredicate.actor,
          index: haltedBy.index,
          reason: haltPredicate.reason,
          optimizer: haltedBy.optimizer,
        }
      : undefined;

  if (o) {
    if (o.gate === undefined)
      concerns.push({
        level: "warning",
        code: "UNGATED",
        message: `created at #${o.index} with no policy in force: nothing checked this creation`,
        entries: [o.index],
      });
    if (o.unapproved) {
      concerns.push({
        level: "critical",
        code: "UNAPPROVED",
        message: `created at #${o.index} without approval under an audit-mode policy (${(o.gate?.reasons ?? []).map((r) => r.message).join("; ") || "approval was required"})`,
        entries: [o.index],
      });
    }
    if (halted) {
      concerns.push({
        level: "warning",
        code: "HALTED",
        message: `halted by ${halted.by} at #${halted.index}${halted.optimizer !== o.name ? ` (through its ancestor ${halted.optimizer})` : ""}${halted.reason ? `: ${halted.reason}` : ""}`,
        entries: [halted.index],
      });
    }
    const ignored = approvals.filter((a) => a.decision === "approve" && !a.counted);
    if (ignored.length > 0) {
      concerns.push({
        level: "info",
        code: "APPROVAL_NOT_COUNTED",
        message: `approvals that did not count (not an overseer, or in the optimizer's own line): ${ignored.map((a) => `${a.by} at #${a.index}`).join(", ")}`,
        entries: ignored.map((a) => a.index),
      });
    }
    const budget = o.declared.budget?.maxSteps;
    if (budget !== undefined && o.steps > budget)
      concerns.push({
        level: "warning",
        code: "OVER_BUDGET",
        message: `recorded ${o.steps} steps, over its budget of ${budget}`,
        entries: o.lastStepIndex !== undefined ? [o.lastStepIndex] : [],
      });
  }
  const pending = [...state.requests.values()].filter(
    (r) => r.creator === name && state.requestStatus(r) === "pending",
  );
  for (const r of pending)
    concerns.push({
      level: "info",
      code: "REQUEST_PENDING",
      message: `its request #${r.index} to create ${r.optimizer.name} awaits approval`,
      entries: [r.index],
    });
  const denied = [...state.requests.values()].filter(
    (r) => r.creator === name && state.requestStatus(r) === "denied",
  );
  for (const r of denied)
    concerns.push({
      level: "info",
      code: "REQUEST_DENIED",
      message: `the gate refused its request #${r.index} to create ${r.optimizer.name}: ${r.gate.reasons.map((x) => x.message).join("; ")}`,
      entries: [r.index],
    });

  const lineFindings = o !== undefined ? (options.ancestry ?? ancestryFindings)(state, o.creator) : [];
  const serious = lineFindings.filter((f) => f.severity === "critical" || f.severity === "high");
  if (serious.length > 0)
    concerns.push({
      level: "warning",
      code: "ANCESTOR_RECORD",
      message: `its line of creators has ${serious.length} high or critical finding(s) (${[...new Set(serious.map((f) => `${f.detector} on ${f.optimizer}`))].join(", ")}): what made it may have been gaming its objective`,
      entries: [...new Set(serious.flatMap((f) => f.entries.slice(0, 5)))],
    });
  const order: Record<ConcernLevel, number> = { critical: 0, warning: 1, info: 2 };
  concerns.sort((a, b) => order[a.level] - order[b.level]);
  return {
    name,
    kind: o ? "optimizer" : "actor",
    createdBy: o?.creator,
    lineage: o ? state.ancestors(name) : [],
    createdAt: o?.index ?? actor?.index,
    time: o?.time,
    process: o?.process,
    specDigest: o?.specDigest,
    spec,
    objective:
      o?.objectiveDigest !== undefined
        ? (() => {
            const now = state.objectiveInForce(o.name);
            return {
              registeredAt: o.index,
              digest: o.objectiveDigest,
              changedAt: now !== undefined && now.since !== o.index ? now.since : undefined,
              inForce: now?.digest,
            };
          })()
        : undefined,
    request: o?.request,
    policy:
      policy && policyRecord
        ? { name: policy.name, mode: policy.mode, digest: policyRecord.digest }
        : undefined,
    gate: o?.gate,
    approvals,
    children:
      o?.children ?? [...state.optimizers.values()].filter((x) => x.creator === name).map((x) => x.name),
    steps: { total: o?.steps ?? 0, batches: o?.stepBatches ?? 0, lastMetrics, lastParams },
    artifacts: o?.artifacts ?? [],
    halted,
    concerns,
    ancestry: { required: policy?.ancestry, findings: lineFindings },
  };
}

function fmtMetrics(m: Readonly<Record<string, unknown>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} = ${typeof v === "number" ? Number(v.toPrecision(4)) : String(v)}`)
    .join(", ");
}

/** Plain sentences for people. `describeSpec` renders the spec's three parts when the caller has one. */
export function renderExplanation(
  e: Explanation,
  describeSpec?: (spec: unknown) => string | undefined,
): string {
  const out: string[] = [];
  if (e.kind === "observed" && e.observed !== undefined) {
    const a = e.observed;
    out.push(
      `${e.name}${a.agentName !== undefined && a.agentName !== e.name ? ` (${a.agentName})` : ""} is an agent observed in OpenTelemetry spans by collector ${a.attested.slice("collector:".length)}, first at entry #${e.createdAt} (${e.time}): attested ${a.attested}, not an optimizer; it did not pass the gate.`,
    );
    out.push(
      e.createdBy !== undefined
        ? `Its spans say it was created by ${e.createdBy} (line: ${[e.name, ...e.lineage].join(" <- ")}).`
        : "No span the ledger holds says which agent created it.",
    );
    out.push(
      `Spans: ${a.creations} create_agent, ${a.invocations} invoke_agent${a.model ? `; model ${a.model}` : ""}; reported by ${a.collectors.join(", ")} in entries ${a.entries
        .slice(0, 5)
        .map((i) => `#${i}`)
        .join(", ")}${a.entries.length > 5 ? ", ..." : ""}.`,
    );
    out.push(
      e.children.length > 0
        ? `Its spans say it created: ${e.children.join(", ")}.`
        : "No span says it created another agent.",
    );
    out.push("What needs attention:");
    for (const c of e.concerns) out.push(`  [${c.level}] ${c.code}: ${c.message}`);
    return out.join("\n");
  }
  if (e.kind === "actor") {
    out.push(
      `${e.name} is a root of provenance (a person or organisation), registered at entry #${e.createdAt}.`,
    );
  } else {
    out.push(
      `${e.name} is an optimizer (${e.process ?? "process not declared"}), created by ${e.createdBy} at entry #${e.createdAt} (${e.time}).`,
    );
    out.push(`Line of creators: ${[e.name, ...e.lineage].join(" <- ")}.`);
    if (e.policy) {
      const verdict =
        e.gate?.outcome === "allow"
          ? "allowed it"
          : e.gate?.outcome === "needs-approval"
            ? "required overseer approval"
            : "denied it";
      out.push(
        `The gate, under policy ${e.policy.name} (${e.policy.mode} mode, ${e.policy.digest.slice(0, 12)}), ${verdict}.`,
      );
    } else if (e.gate) {
      out.push(`The gate decided: ${e.gate.outcome}.`);
    } else {
      out.push("No policy was in force when it was created.");
    }
    if (e.request !== undefined) out.push(`It was requested at entry #${e.request}.`);
    for (const a of e.approvals) {
      out.push(
        `  ${a.decision === "approve" ? "Approved" : "Rejected"} by ${a.by} at #${a.index} (${a.time})${a.reason ? `: "${a.reason}"` : ""}${a.counted || a.decision !== "approve" ? "" : " (did not count)"}.`,
      );
    }
    if (e.objective)
      out.push(
        `Its objective was registered with its creation at #${e.objective.registeredAt}, before any step (digest ${e.objective.digest.slice(0, 12)})${e.objective.changedAt !== undefined ? `; an approved change at #${e.objective.changedAt} replaced it (digest ${(e.objective.inForce ?? "").slice(0, 12)})` : "; it has not been changed since"}.`,
      );
    const parts = e.spec !== undefined ? describeSpec?.(e.spec) : undefined;
    if (parts) out.push("", parts, "");
    else if (e.specDigest) out.push(`Its spec has digest ${e.specDigest}.`);
  }
  out.push(e.children.length > 0 ? `It created: ${e.children.join(", ")}.` : "It has created no optimizers.");
  if (e.kind === "optimizer") {
    out.push(
      e.steps.total > 0
        ? `It recorded ${e.steps.total.toLocaleString("en")} steps in ${e.steps.batches} signed batches${e.steps.lastMetrics ? `; last step: ${fmtMetrics(e.steps.lastMetrics)}` : ""}.`
        : "It has recorded no steps.",
    );
    if (e.steps.lastParams)
      out.push(`Process parameters in its last batch: ${fmtMetrics(e.steps.lastParams)}.`);
    if (e.artifacts.length > 0)
      out.push(
        `It produced ${e.artifacts.length} artifact(s): entries ${e.artifacts.map((i) => `#${i}`).join(", ")}.`,
      );
  }
  if (e.kind === "optimizer") out.push(...ancestrySentences(e));
  if (e.concerns.length === 0) out.push("Nothing wrong was found.");
  else {
    out.push("What needs attention:");
    for (const c of e.concerns) out.push(`  [${c.level}] ${c.code}: ${c.message}`);
  }
  return out.join("\n");
}

/** What its ancestors' records show, and whether the gate weighed them. */
function ancestrySentences(e: Explanation): string[] {
  const { required, findings } = e.ancestry;
  const out: string[] = [];
  const ancestors = e.lineage.length > 0 ? "its line of creators" : "its creator";
  if (findings.length === 0) out.push(`The records of ${ancestors} show no findings.`);
  else {
    out.push(`The records of ${ancestors} show:`);
    for (const f of findings) {
      const who =
        f.generation === 1 ? `its creator ${f.optimizer}` : `${f.optimizer} (${f.generation} generations up)`;
      const at =
        f.entries.length > 0
          ? ` [entries ${f.entries
              .slice(0, 5)
              .map((i) => `#${i}`)
              .join(", ")}]`
          : "";
      out.push(`  ${who}: ${f.severity} ${f.detector} finding ${f.code}: ${f.message}${at}`);
    }
  }
  if (required === undefined)
    out.push("The gate did not weigh its ancestors' records: the policy in force did not ask it to.");
  else {
    const denied = (e.gate?.reasons ?? []).filter((r) => r.code === "ANCESTRY_FINDING").length;
    out.push(
      `The gate weighed its ancestors' records (${required.detectors.join(", ")}, at ${required.severity} and above${required.generations !== undefined ? `, ${required.generations} generation(s) up` : ""})${denied > 0 ? ` and found ${denied} reason(s) to refuse it` : " and found nothing at that severity when it was created"}.`,
    );
  }
  return out;
}
