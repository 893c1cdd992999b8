/**
 * The control state of a ledger (optimizers, pending requests, approvals, halts, policies), derived
 * by replaying entries in order through the control rules (`rules.ts`). The log keeps one current as
 * it admits entries; the SDK reads the log's; readers replay a store. Nothing here is trusted that
 * the entries do not say, and nothing the writer claims about the gate is kept: an optimizer's
 * `gate` and `unapproved` are what the rules re-derived.
 *
 * Every change goes through `journal`-aware setters, so a batch the log refuses half way leaves the
 * state as it was.
 */
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import type { Journal } from "../ledger/rules.js";
import type { SpanPlace } from "../ledger/span-batch.js";
import {
  dispatch,
  type EntryHandlers,
  type EntryView,
  type NewOptimizer,
  type Predicate,
  type ProcessDeclaration,
  type RecordedGateDecision,
} from "../ledger/statement.js";
import { canonicalJson } from "../model/index.js";
import { POLICY_SCHEMA, type Policy } from "./policy.js";

export interface ActorRecord {
  readonly name: string;
  readonly role: string;
  readonly key: string;
  readonly index: number;
}

export interface ApprovalRecord {
  readonly index: number;
  readonly by: string;
  readonly decision: "approve" | "reject";
  readonly reason: string | undefined;
  readonly time: string;
}

/** A new optimizer as a creation or request names it, without its (possibly large) spec. */
export type OptimizerDeclaration = Omit<NewOptimizer, "spec"> & {
  /** Where the spec is: in the entry itself, beside the log as a blob, or nowhere. */
  readonly specIn: "entry" | "blob" | undefined;
};

export interface OptimizerRecord {
  readonly name: string;
  readonly key: string;
  readonly creator: string;
  readonly index: number;
  readonly time: string;
  /** The process kind. */
  readonly process: string;
  /** What the creation declared about the process (kind, parameters, budget, what it may create). */
  readonly declared: ProcessDeclaration;
  readonly specDigest: string | undefined;
  /** The objective's digest, registered with the creation before any step (when the spec has one). */
  readonly objectiveDigest: string | undefined;
  readonly specIn: OptimizerDeclaration["specIn"];
  readonly request: number | undefined;
  /** The gate's decision as the log re-derived it at admission (undefined: no policy was in force). */
  readonly gate: RecordedGateDecision | undefined;
  /** The log let it through under an audit-mode policy that would have refused it in enforce mode. */
  readonly unapproved: boolean;
  /** The control codes behind `unapproved`. */
  readonly marks: readonly string[];
  readonly depth: number;
  readonly children: string[];
  /** Halt entries naming this optimizer (own or through `descendants`). */
  readonly halts: number[];
  steps: number;
  stepBatches: number;
  lastStepIndex: number | undefined;
  readonly artifacts: number[];
  /** Halts after which this optimizer handed in its final step batch (at most one each). */
  readonly finalFlushes: number[];
}

export interface RequestRecord {
  readonly index: number;
  readonly creator: string;
  readonly time: string;
  readonly optimizer: OptimizerDeclaration;
  readonly gate: RecordedGateDecision;
  readonly approvals: ApprovalRecord[];
  fulfilledBy: number | undefined;
}

/** A `change` entry: to a parameter (`params.<name>`), or a resume (`status` to `running`, parent = the halt). */
export interface ChangeRecord {
  readonly index: number;
  readonly by: string;
  readonly optimizer: string;
  readonly field: string;
  readonly to: unknown;
  /** The entry it answers (for a resume: the halt). */
  readonly parent: number | undefined;
  readonly time: string;
  readonly reason: string | undefined;
  /** For a change of field `objective`: the new objective's digest. */
  readonly objectiveDigest: string | undefined;
  readonly approvals: ApprovalRecord[];
}

export interface PolicyRecord {
  readonly index: number;
  readonly owner: string;
  readonly digest: string;
  readonly policy: Policy;
  readonly time: string;
  readonly approvals: ApprovalRecord[];
  activeFrom: number | undefined;
}

/** What the rules derived about a creation, kept on its record. */
export interface CreationDerivation {
  readonly gate: RecordedGateDecision | undefined;
  readonly unapproved: boolean;
  readonly marks: readonly string[];
}

/**
 * An agent named by OpenTelemetry `create_agent` / `invoke_agent` spans that a collector signed
 * into the ledger (`span-batch` entries). It is what the spans say, attested by the collector, not
 * by the agent: it never passed the gate and is not an optimizer to the control rules.
 */
export interface ObservedAgentRecord {
  /** `gen_ai.agent.id`, else `gen_ai.agent.name`. */
  readonly key: string;
  readonly id: string | undefined;
  name: string | undefined;
  model: string | undefined;
  /** Who vouches for it: `collector:<actor>`, the collector that first reported it. */
  readonly attested: `collector:${string}`;
  /** Every collector that reported spans of it. */
  readonly collectors: string[];
  /** The first span-batch entry that named it, and when it was signed. */
  readonly index: number;
  readonly time: string;
  /** Span-batch entries that named it (the first {@link MAX_AGENT_SPANS}). */
  readonly entries: number[];
  /** Its `create_agent` and `invoke_agent` spans (`trace id + span id`), creations first, at most {@link MAX_AGENT_SPANS}. */
  readonly spans: string[];
  /** How many of `spans` (at the front) are `create_agent` spans. */
  creationSpans: number;
  creations: number;
  invocations: number;
}

/** Where a span sits in its trace, as the control state remembers it. */
export interface ObservedSpan {
  readonly parent: string | undefined;
  readonly links: readonly string[] | undefined;
  /** The agent it names (a `create_agent` or `invoke_agent` span). */
  readonly agent: string | undefined;
}

/**
 * Spans the state remembers the place of, newest kept: a creator edge can be followed through any
 * of them (the span that started a sub-agent may come in an earlier or a later export than the
 * sub-agent's own spans, or from another process). At about 150 bytes each, 262,144 spans cost
 * some 40 MB; older spans are forgotten in the order they came, the same in every replay.
 */
export const MAX_OBSERVED_SPANS = 262_144;
/** Spans and entries kept per observed agent. */
export const MAX_AGENT_SPANS = 64;
/** Most observed agents the state keeps; agents beyond it are counted, not recorded. */
export const MAX_OBSERVED_AGENTS = 65_536;

export type RequestStatus = "pending" | "approved" | "rejected" | "denied" | "fulfilled";

export class ControlState {
  /** Root actors (people, organisations, overseers, witnesses, systems), introduced by their own keys. */
  readonly actors = new Map<string, ActorRecord>();
  readonly optimizers = new Map<string, OptimizerRecord>();
  readonly requests = new Map<number, RequestRecord>();
  readonly changes = new Map<number, ChangeRecord>();
  readonly policies: PolicyRecord[] = [];
  /** Halt entry index -> its predicate. */
  readonly halts = new Map<number, Predicate<"halt">>();
  /** One past the last entry applied. */
  size = 0;
  /** Bumped by every entry that can change who may run (halts, changes, approvals, policies). */
  epoch = 0;
  /** Agents that collectors observed in OpenTelemetry spans, by key (see {@link ObservedAgentRecord}). */
  readonly observedAgents = new Map<string, ObservedAgentRecord>();
  /** The places of the latest spans (at most {@link MAX_OBSERVED_SPANS}), by trace id + span id, in two generations. */
  private spansNew = new Map<string, ObservedSpan>();
  private spansOld = new Map<string, ObservedSpan>();
  /** Span counts, and agents not recorded for want of room, over every span batch. */
  readonly spanTotals = { spans: 0, batches: 0, agentsOverflow: 0 };
  /** What each ancestry monitor remembers of the records so far, by monitor name (`ancestry.ts`). */
  readonly monitors = new Map<string, unknown>();

  /** The policy in force: the one most recently brought into force. */
  activePolicy(): PolicyRecord | undefined {
    let active: PolicyRecord | undefined;
    for (const p of this.policies)
      if (p.activeFrom !== undefined && (active === undefined || p.activeFrom > active.activeFrom!))
        active = p;
    return active;
  }

  policyByDigest(digest: string | undefined): PolicyRecord | undefined {
    return digest === undefined ? undefined : this.policies.find((p) => p.digest === digest);
  }

  /** The chain of creators above `name`, nearest first (optimizers, then the root actor). */
  ancestors(name: string): string[] {
    const out: string[] = [];
    let cur = this.optimizers.get(name)?.creator;
    while (cur !== undefined && out.length < 1000) {
      out.push(cur);
      cur = this.optimizers.get(cur)?.creator;
    }
    return out;
  }

  depth(name: string): number {
    return this.optimizers.get(name)?.depth ?? 0;
  }

  /**
   * The agent that created an observed agent, read from span parentage: the nearest ancestor span
   * (through the trace context, so across processes too) of one of its `create_agent` spans, else
   * of its `invoke_agent` spans, that names another agent; failing that, the agent a span link of
   * one of those spans leads to. Undefined when no remembered span leads to another agent.
   */
  /** Where a remembered span sits in its trace (`ref` is its trace id followed by its span id). */
  observedSpan(ref: string): ObservedSpan | undefined {
    return this.spansNew.get(ref) ?? this.spansOld.get(ref);
  }

  observedCreator(key: string): string | undefined {
    const agent = this.observedAgents.get(key);
    if (agent === undefined) return undefined;
    const above = (start: string | undefined): string | undefined => {
      let ref = start;
      for (let hops = 0; ref !== undefined && hops < 10_000; hops++) {
        const span = this.observedSpan(ref);
        if (span === undefined) return undefined;
        if (span.agent !== undefined && span.agent !== key) return span.agent;
        ref = span.parent;
      }
      return undefined;
    };
    for (const ref of agent.spans) {
      const found = above(this.observedSpan(ref)?.parent);
      if (found !== undefined) return found;
    }
    for (const ref of agent.spans)
      for (const link of this.observedSpan(ref)?.links ?? []) {
        const found = above(link);
        if (found !== undefined) return found;
      }
    return undefined;
  }

  /** Observed agents whose creator (by {@link observedCreator}) is `key`. */
  observedChildren(key: string): string[] {
    return [...this.observedAgents.keys()].filter((k) => k !== key && this.observedCreator(k) === key);
  }

  /** Whether `name` is a root actor (a person, organisation, overseer or witness), not an optimizer. */
  isRoot(name: string): boolean {
    return this.actors.has(name);
  }

  /**
   * Distinct approvers that count: root actors named as overseers by `policy`, none of them
   * `subject`, `creator` or the creator's ancestors.
   */
  countedApprovals(
    approvals: readonly ApprovalRecord[],
    policy: Policy | undefined,
    subject: string,
    creator: string,
    decision: "approve" | "reject" = "approve",
  ): string[] {
    if (policy === undefined) return [];
    const excluded = new Set([subject, creator, ...this.ancestors(creator)]);
    const by = new Set<string>();
    for (const a of approvals)
      if (
        a.decision === decision &&
        policy.overseers.includes(a.by) &&
        this.isRoot(a.by) &&
        !excluded.has(a.by)
      )
        by.add(a.by);
    return [...by];
  }

  /** A request's standing: approved once enough counted approvals arrive, rejected by any counted rejection. */
  requestStatus(r: RequestRecord): RequestStatus {
    if (r.fulfilledBy !== undefined) return "fulfilled";
    if (r.gate.outcome === "deny") return "denied";
    if (r.gate.outcome === "allow") return "approved";
    const policy = this.policyByDigest(r.gate.policyDigest)?.policy;
    if (this.countedApprovals(r.approvals, policy, r.optimizer.name, r.creator, "reject").length > 0)
      return "rejected";
    const need = policy?.approvals ?? 1;
    return this.countedApprovals(r.approvals, policy, r.optimizer.name, r.creator).length >= need
      ? "approved"
      : "pending";
  }

  /** A change (a resume, a parameter) takes effect once the policy in force's overseers approve it. */
  changeApproved(c: ChangeRecord): boolean {
    return this.changeStatus(c) === "approved";
  }

  changeStatus(c: ChangeRecord): "pending" | "approved" | "rejected" {
    const policy = this.activePolicy()?.policy;
    const creator = this.optimizers.get(c.optimizer)?.creator ?? "";
    if (this.countedApprovals(c.approvals, policy, c.optimizer, creator, "reject").length > 0)
      return "rejected";
    const need = policy?.approvals ?? 1;
    return this.countedApprovals(c.approvals, policy, c.optimizer, creator).length >= need
      ? "approved"
      : "pending";
  }

  /** A policy's standing: in force now, was in force once, awaiting approval, or rejected. */
  policyStatus(p: PolicyRecord): "in-force" | "retired" | "pending" | "rejected" {
    if (p === this.activePolicy()) return "in-force";
    if (p.activeFrom !== undefined) return "retired";
    const current = this.activePolicy();
    const since = p.approvals.filter((a) => a.index > (current?.activeFrom ?? -1));
    return this.countedApprovals(since, current?.policy, "", p.owner, "reject").length > 0
      ? "rejected"
      : "pending";
  }

  /** The halt in force on `name` itself (not resumed), if any. */
  ownHalt(name: string): number | undefined {
    const o = this.optimizers.get(name);
    if (o === undefined) return undefined;
    for (let i = o.halts.length - 1; i >= 0; i--) {
      const h = o.halts[i]!;
      let resumed = false;
      for (const c of this.changes.values())
        if (c.optimizer === name && c.field === "status" && c.parent === h && this.changeApproved(c))
          resumed = true;
      if (!resumed) return h;
    }
    return undefined;
  }

  /** Why `name` may not run: its own halt or an ancestor's (a child never outlives a halted parent). */
  haltedBy(name: string): { readonly optimizer: string; readonly index: number } | undefined {
    for (const n of [name, ...this.ancestors(name)]) {
      const h = this.ownHalt(n);
      if (h !== undefined) return { optimizer: n, index: h };
    }
    return undefined;
  }

  /**
   * The objective in force for `name`: the one registered at its creation, or the latest approved
   * `change` of field `objective` (with the entry that made it so).
   */
  objectiveInForce(
    name: string,
  ): { readonly digest: string | undefined; readonly since: number } | undefined {
    const o = this.optimizers.get(name);
    if (o === undefined) return undefined;
    let current: { digest: string | undefined; since: number } = {
      digest: o.objectiveDigest,
      since: o.index,
    };
    for (const c of this.changes.values())
      if (c.optimizer === name && c.field === "objective" && this.changeApproved(c))
        current = { digest: c.objectiveDigest, since: c.index };
    return current;
  }

  /** The overseers of the policy in force, if any. */
  overseers(): readonly string[] {
    return this.activePolicy()?.policy.overseers ?? [];
  }

  /**
   * Apply one admitted entry. Entries must come in index order; `derived` carries what the rules
   * decided about a creation. Undo steps go to `journal` when one is given.
   */
  apply(index: number, view: EntryView, journal?: Journal, derived?: CreationDerivation): void {
    const size = this.size;
    const epoch = this.epoch;
    this.size = index + 1;
    journal?.record(() => {
      this.size = size;
      this.epoch = epoch;
    });
    dispatch(this.handlers, view, index, journal, derived);
  }

  private set<K, V>(map: Map<K, V>, key: K, value: V, journal: Journal | undefined): void {
    map.set(key, value);
    journal?.record(() => map.delete(key));
  }

  private push<T>(list: T[], value: T, journal: Journal | undefined): void {
    list.push(value);
    journal?.record(() => list.pop());
  }

  private bump(): void {
    this.epoch++;
  }

  private readonly handlers: EntryHandlers<
    EntryView,
    [number, Journal | undefined, CreationDerivation | undefined],
    void
  > = {
    actor: ({ predicate: p }, index, j) => {
      this.set(this.actors, p.actor, { name: p.actor, role: p.role, key: p.key, index }, j);
    },
    optimizer: ({ predicate: p }, index, j, derived) => {
      const parent = this.optimizers.get(p.actor);
      const request = p.parent !== undefined ? this.requests.get(p.parent) : undefined;
      const fulfils =
        request !== undefined &&
        request.fulfilledBy === undefined &&
        request.optimizer.name === p.optimizer.name;
      if (fulfils) {
        request.fulfilledBy = index;
        j?.record(() => {
          request.fulfilledBy = undefined;
        });
      }
      const o = p.optimizer;
      this.set(
        this.optimizers,
        o.name,
        {
          name: o.name,
          key: o.key,
          creator: p.actor,
          index,
          time: p.time,
          process: o.process.kind,
          declared: o.process,
          specDigest: o.specDigest,
          objectiveDigest: o.objectiveDigest,
          specIn: specIn(o),
          request: fulfils ? request.index : undefined,
          gate: derived?.gate,
          unapproved: derived?.unapproved ?? false,
          marks: derived?.marks ?? [],
          depth: (parent?.depth ?? 0) + 1,
          children: [],
          halts: [],
          steps: 0,
          stepBatches: 0,
          lastStepIndex: undefined,
          artifacts: [],
          finalFlushes: [],
        },
        j,
      );
      if (parent) this.push(parent.children, o.name, j);
    },
    request: ({ predicate: p }, index, j) => {
      const { spec: _, ...declaration } = p.optimizer;
      this.set(
        this.requests,
        index,
        {
          index,
          creator: p.actor,
          time: p.time,
          optimizer: { ...declaration, specIn: specIn(p.optimizer) },
          gate: p.gate,
          approvals: [],
          fulfilledBy: undefined,
        },
        j,
      );
    },
    approval: ({ predicate: p }, index, j) => {
      this.bump();
      if (p.parent === undefined) return;
      const record: ApprovalRecord = {
        index,
        by: p.actor,
        decision: p.decision,
        reason: p.reason,
        time: p.time,
      };
      const policy = this.policies.find((x) => x.index === p.parent);
      const target = this.requests.get(p.parent) ?? this.changes.get(p.parent) ?? policy;
      if (target !== undefined) this.push(target.approvals, record, j);
      const current = this.activePolicy();
      if (policy !== undefined && policy !== current) {
        // Approvals given since the policy in force took effect count (so a retired policy can be
        // brought back by fresh approvals, not by the ones that first enacted it).
        const since = policy.approvals.filter((a) => a.index > (current?.activeFrom ?? -1));
        const need = current?.policy.approvals ?? 1;
        const rejected = this.countedApprovals(since, current?.policy, "", policy.owner, "reject").length > 0;
        if (!rejected && this.countedApprovals(since, current?.policy, "", policy.owner).length >= need) {
          const before = policy.activeFrom;
          policy.activeFrom = index;
          j?.record(() => {
            policy.activeFrom = before;
          });
        }
      }
    },
    halt: ({ predicate: p }, index, j) => {
      this.bump();
      this.set(this.halts, index, p, j);
      const targets = [p.optimizer];
      if (p.descendants) {
        for (let i = 0; i < targets.length; i++)
          targets.push(...(this.optimizers.get(targets[i]!)?.children ?? []));
      }
      for (const t of targets) {
        const o = this.optimizers.get(t);
        if (o) this.push(o.halts, index, j);
      }
    },
    change: ({ predicate: p }, index, j) => {
      this.bump();
      this.set(
        this.changes,
        index,
        {
          index,
          by: p.actor,
          optimizer: p.optimizer,
          field: p.field,
          to: p.to,
          parent: p.parent,
          time: p.time,
          reason: p.reason,
          objectiveDigest:
            p.field === "objective" && p.to !== undefined
              ? toHex(sha256(Buffer.from(canonicalJson(p.to), "utf8")))
              : undefined,
          approvals: [],
        },
        j,
      );
    },
    policy: ({ predicate: p }, index, j) => {
      this.bump();
      // The first policy is in force from its own entry (trust on first use); later ones need approval.
      // The rules admit only policies that parse; parsing again fills in the schema's defaults.
      this.push(
        this.policies,
        {
          index,
          owner: p.actor,
          digest: p.digest,
          policy: POLICY_SCHEMA.parse(p.policy),
          time: p.time,
          approvals: [],
          activeFrom: this.policies.length === 0 ? index : undefined,
        },
        j,
      );
    },
    "step-batch": ({ predicate: p }, index, j) => {
      const o = this.optimizers.get(p.actor);
      if (o === undefined) return;
      const before = { steps: o.steps, stepBatches: o.stepBatches, lastStepIndex: o.lastStepIndex };
      o.steps += p.stepCount;
      o.stepBatches++;
      o.lastStepIndex = index;
      j?.record(() => Object.assign(o, before));
      const halt = this.haltedBy(p.actor);
      if (halt !== undefined && p.parent === halt.index) this.push(o.finalFlushes, halt.index, j);
    },
    artifact: ({ predicate: p }, index, j) => {
      const o = this.optimizers.get(p.actor);
      if (o) this.push(o.artifacts, index, j);
    },
    note: () => undefined,
    observation: () => undefined,
    "span-batch": ({ predicate: p }, index, j) => {
      const totals = { ...this.spanTotals };
      j?.record(() => Object.assign(this.spanTotals, totals));
      this.spanTotals.spans += p.spanCount;
      this.spanTotals.batches++;
      this.rememberAll(p.spans, j);
      for (const place of p.spans) {
        const a = place.agent;
        if (a === undefined) continue;
        let agent = this.observedAgents.get(a.key);
        if (agent === undefined) {
          if (this.observedAgents.size >= MAX_OBSERVED_AGENTS) {
            this.spanTotals.agentsOverflow++;
            continue;
          }
          agent = {
            key: a.key,
            id: a.id,
            name: a.name,
            model: a.model,
            attested: `collector:${p.actor}`,
            collectors: [],
            index,
            time: p.time,
            entries: [],
            spans: [],
            creationSpans: 0,
            creations: 0,
            invocations: 0,
          };
          this.set(this.observedAgents, a.key, agent, j);
        }
        const o = agent;
        const before = { name: o.name, model: o.model, creations: o.creations, invocations: o.invocations };
        j?.record(() => Object.assign(o, before));
        o.name ??= a.name;
        o.model ??= a.model;
        if (a.operation === "create_agent") o.creations++;
        else o.invocations++;
        if (!o.collectors.includes(p.actor)) this.push(o.collectors, p.actor, j);
        if (o.entries.at(-1) !== index && o.entries.length < MAX_AGENT_SPANS) this.push(o.entries, index, j);
        if (o.spans.length < MAX_AGENT_SPANS && !o.spans.includes(place.ref)) {
          // Creations first: the span that made the agent says best who made it.
          const at = a.operation === "create_agent" ? o.creationSpans : o.spans.length;
          o.spans.splice(at, 0, place.ref);
          if (a.operation === "create_agent") o.creationSpans++;
          j?.record(() => {
            o.spans.splice(at, 1);
            if (a.operation === "create_agent") o.creationSpans--;
          });
        }
      }
    },
  };

  /**
   * Remember a batch's span places, with one undo step for the batch. Spans live in two
   * generations: when the newer holds half of {@link MAX_OBSERVED_SPANS}, the older is forgotten
   * and the newer becomes the older. Eviction depends only on the order entries came in, and
   * undoing it is swapping two maps back.
   */
  private rememberAll(places: readonly SpanPlace[], j: Journal | undefined): void {
    const { spansNew, spansOld } = this;
    const written: string[] = [];
    const previous: (ObservedSpan | undefined)[] = [];
    const maps: Map<string, ObservedSpan>[] = [];
    for (const place of places) {
      if (this.spansNew.size >= MAX_OBSERVED_SPANS / 2) {
        this.spansOld = this.spansNew;
        this.spansNew = new Map();
      }
      const spans = this.spansNew;
      if (j !== undefined) {
        written.push(place.ref);
        previous.push(spans.get(place.ref));
        maps.push(spans);
      }
      spans.set(place.ref, { parent: place.parent, links: place.links, agent: place.agent?.key });
    }
    j?.record(() => {
      for (let i = written.length - 1; i >= 0; i--) {
        const before = previous[i];
        if (before === undefined) maps[i]!.delete(written[i]!);
        else maps[i]!.set(written[i]!, before);
      }
      this.spansNew = spansNew;
      this.spansOld = spansOld;
    });
  }
}

function specIn(o: NewOptimizer): OptimizerDeclaration["specIn"] {
  return o.spec !== undefined ? "entry" : o.specDigest !== undefined ? "blob" : undefined;
}
