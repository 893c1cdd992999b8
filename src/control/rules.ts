/**
 * Mesa-optimizer control as rules the log enforces at admission and `verify` re-checks offline:
 * the same object for both (a `LedgerRules` plug-in), so the two can never disagree, and a writer
 * that skips the SDK and signs entries itself is held to exactly what the SDK would be.
 *
 * Every decision is re-derived from what the log holds, never from what the writer claims:
 *  - creations (`optimizer`) under an enforce-mode policy must be allowed by the gate as re-run on
 *    the recorded spec, or fulfil an approved request made under the same policy; a recorded gate
 *    decision that differs from the re-derived one is refused. Under an audit-mode policy the entry
 *    is admitted and marked (`unapproved`, with the codes that would have refused it);
 *  - requests carry the gate's decision, which must be the re-derived one;
 *  - approvals count only from root actors the governing policy names as overseers, never from the
 *    optimizer concerned, its creator or their ancestors; others are refused;
 *  - halts come from an overseer of the policy in force or the target's own line of creators;
 *  - a halted optimizer (or any descendant of one) may append only a `note` (to say why it stopped,
 *    or anything else a person should read) and one final `step-batch` naming the halt as its parent
 *    (the steps it took before the halt reached it, so they are not lost); it may not step on,
 *    create, ask, emit or propose. It runs again only after an approved resume;
 *  - policies are signed by a root actor who is their owner, parse, match their digest (and their
 *    source text), and are not already expired;
 *  - step batches stay within the budget the creation declared;
 *  - a spec too large for its entry is a blob beside the log whose digest the entry names;
 *  - span batches (OpenTelemetry spans) come from a collector, a registered actor of role system;
 *    the agents they name are recorded as observed, never as optimizers, and the gate ignores them.
 * Halts and the other hard rules hold in audit mode too: audit mode relaxes the gate, not control.
 */

import type { ControlCode } from "../errors.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import {
  ADMITTED,
  type Journal,
  type LedgerRules,
  type RuleContext,
  type RuleVerdict,
} from "../ledger/rules.js";
import {
  dispatch,
  type EntryHandlers,
  type EntryView,
  type EntryViewOf,
  type NewOptimizer,
  type RecordedGateDecision,
} from "../ledger/statement.js";
import { canonicalJson } from "../model/index.js";
import type { AncestryMonitors } from "./ancestry.js";
import { decide, type GateDecision } from "./gate.js";
import {
  type GateDetector,
  gateRequestFor,
  type SpecSummary,
  sameDeclaration,
  summariseSpec,
} from "./gate-request.js";
import { POLICY_SCHEMA, parsePolicy, policyDigest } from "./policy.js";
import type { ControlState, PolicyRecord, RequestRecord } from "./state.js";
import { ControlState as State } from "./state.js";

export interface ControlRulesOptions {
  /** Detectors a policy may require at the gate, by name (the built-in ones come from `optprov/oversight`). */
  readonly detectors?: Readonly<Record<string, GateDetector>>;
  /** Monitors of every optimizer's record a policy's `ancestry:` may name (`ancestry.ts`). */
  readonly monitors?: AncestryMonitors;
}

type Handler<K extends EntryView["kind"]> = (
  entry: EntryViewOf<K>,
  state: ControlState,
  ctx: RuleContext,
  journal: Journal | undefined,
) => RuleVerdict;

/** Hex SHA-256 of a value's canonical JSON. */
function digestOf(value: unknown): string {
  return toHex(sha256(Buffer.from(canonicalJson(value), "utf8")));
}

/** A recorded spec's objective document, if it has one. */
export function objectiveOf(spec: unknown): unknown {
  const objective = (spec as { objective?: unknown } | null | undefined)?.objective;
  return typeof objective === "object" && objective !== null ? objective : undefined;
}

function refuse(code: ControlCode, message: string): RuleVerdict {
  return { ok: false, code, message };
}

/** The gate's decision as recorded in an entry. */
export function recordOf(d: GateDecision): RecordedGateDecision {
  return {
    mode: d.mode,
    outcome: d.outcome,
    reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })),
    policyDigest: d.policyDigest,
    approvals: d.approvals,
  };
}

/**
 * Whether a recorded decision is the re-derived one. Reason messages are not compared: they are for
 * people and may be worded differently by another version; codes, outcome, mode, policy and the
 * number of approvals are what the decision is.
 */
function sameDecision(a: RecordedGateDecision, b: RecordedGateDecision): boolean {
  return (
    a.mode === b.mode &&
    a.outcome === b.outcome &&
    a.policyDigest === b.policyDigest &&
    (a.approvals ?? 0) === (b.approvals ?? 0) &&
    a.reasons.map((r) => r.code).join(",") === b.reasons.map((r) => r.code).join(",")
  );
}

/**
 * The control rule set.
 *
 * @example const log = await Log.open(store, { logKey, rules: controlRules({ detectors }) });
 */
/** The control rule set, with the detectors and monitors it runs (the SDK's pre-check uses the same). */
export interface ControlRules extends LedgerRules<ControlState> {
  readonly detectors: Readonly<Record<string, GateDetector>>;
  readonly monitors: AncestryMonitors;
}

export function controlRules(options: ControlRulesOptions = {}): ControlRules {
  const detectors = options.detectors ?? {};
  const monitors = options.monitors ?? {};
  // Specs are summarised (validated, measured) once per digest: a request and the creation that
  // fulfils it name the same spec, and replays see every creation again.
  const summaries = new Map<string, SpecSummary>();
  const summary = (spec: unknown, digest: string | undefined): SpecSummary => {
    if (digest === undefined) return summariseSpec(spec);
    let s = summaries.get(digest);
    if (s === undefined) {
      s = summariseSpec(spec);
      if (summaries.size > 1000) summaries.clear();
      summaries.set(digest, s);
    }
    return s;
  };

  /** The spec a creation or request names: inline (checked against its digest) or a blob. */
  const resolveSpec = (o: NewOptimizer, ctx: RuleContext): { spec: unknown } | { refusal: RuleVerdict } => {
    if (o.spec !== undefined) {
      let digest: string;
      try {
        digest = digestOf(o.spec);
      } catch (err) {
        return {
          refusal: refuse(
            "CONTROL_SPEC_MISMATCH",
            `${o.name}'s spec is not JSON data: ${(err as Error).message}`,
          ),
        };
      }
      if (o.specDigest !== undefined && o.specDigest !== digest)
        return {
          refusal: refuse(
            "CONTROL_SPEC_MISMATCH",
            `${o.name}'s specDigest ${o.specDigest} is not the digest of the spec in the entry (${digest})`,
          ),
        };
      return { spec: o.spec };
    }
    if (o.specDigest === undefined) return { spec: undefined };
    const data = ctx.blob(o.specDigest);
    if (data === undefined)
      return {
        refusal: refuse(
          "CONTROL_SPEC_MISSING",
          `${o.name}'s spec ${o.specDigest} is neither in the entry nor stored beside the log`,
        ),
      };
    let spec: unknown;
    try {
      spec = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
    } catch (err) {
      return {
        refusal: refuse(
          "CONTROL_SPEC_MISMATCH",
          `${o.name}'s spec blob is not UTF-8 JSON: ${(err as Error).message}`,
        ),
      };
    }
    const canonical = digestOf(spec);
    if (canonical !== o.specDigest)
      return {
        refusal: refuse(
          "CONTROL_SPEC_MISMATCH",
          `${o.name}'s spec blob is not in canonical form (its digest would be ${canonical})`,
        ),
      };
    return { spec };
  };

  /** Check the declared process against the spec, and decide under the policy in force. */
  const derive = (
    state: ControlState,
    ctx: RuleContext,
    creator: string,
    o: NewOptimizer,
    time: string,
  ): { refusal: RuleVerdict } | { policy: PolicyRecord | undefined; decision: GateDecision | undefined } => {
    const resolved = resolveSpec(o, ctx);
    if ("refusal" in resolved) return resolved;
    const s = summary(resolved.spec, o.specDigest);
    const objective = objectiveOf(resolved.spec);
    if (objective !== undefined) {
      const registered = digestOf(objective);
      if (o.objectiveDigest !== registered)
        return {
          refusal: refuse(
            "CONTROL_SPEC_MISMATCH",
            o.objectiveDigest === undefined
              ? `${o.name}'s spec has an objective, but its creation does not register its digest (objectiveDigest ${registered})`
              : `${o.name}'s objectiveDigest ${o.objectiveDigest} is not the digest of its spec's objective (${registered})`,
          ),
        };
    } else if (o.objectiveDigest !== undefined)
      return {
        refusal: refuse(
          "CONTROL_SPEC_MISMATCH",
          `${o.name} registers an objective digest, but its spec has no objective`,
        ),
      };
    if (resolved.spec !== undefined) {
      const kind = (resolved.spec as { process?: { kind?: unknown } } | null)?.process?.kind;
      const mismatch =
        s.declared !== undefined ? !sameDeclaration(s.declared, o.process) : kind !== o.process.kind;
      if (mismatch)
        return {
          refusal: refuse(
            "CONTROL_SPEC_MISMATCH",
            `${o.name}'s declared process ${canonicalJson(o.process)} is not what its spec declares${s.declared ? ` (${canonicalJson(s.declared)})` : ""}`,
          ),
        };
    }
    const policy = state.activePolicy();
    if (policy === undefined) return { policy, decision: undefined };
    const request = gateRequestFor({
      state,
      policy: policy.policy,
      creator: { name: creator, key: ctx.actor(creator)?.key ?? "" },
      child: o,
      spec: resolved.spec,
      summary: s,
      time,
      detectors,
      monitors,
    });
    return { policy, decision: decide(policy.policy, request, policy.digest) };
  };

  /** The one thing a halted optimizer may still do, besides notes: hand in its last steps once. */
  const haltedGuard = (state: ControlState, view: EntryView, index: number): RuleVerdict | undefined => {
    const actor = view.predicate.actor;
    const h = state.haltedBy(actor);
    if (h === undefined || view.kind === "note") return undefined;
    const through = h.optimizer === actor ? "" : ` (through its ancestor ${h.optimizer})`;
    if (view.kind === "step-batch" && view.predicate.parent === h.index) {
      if (!state.optimizers.get(actor)?.finalFlushes.includes(h.index)) return undefined;
      return refuse(
        "CONTROL_HALTED_ACTOR",
        `entry ${index}: ${actor} already handed in its final step batch after halt #${h.index}${through}`,
      );
    }
    return refuse(
      "CONTROL_HALTED_ACTOR",
      `entry ${index}: ${actor} is halted by #${h.index}${through}; it may append only notes and one final step batch naming the halt as parent, not a ${view.kind} entry`,
    );
  };

  /** Who may act on an optimizer: an overseer of the policy in force, or anyone in its line of creators. */
  const mayActOn = (state: ControlState, actor: string, target: string): boolean => {
    if (actor === target) return false;
    if (state.isRoot(actor) && state.overseers().includes(actor)) return true;
    if (state.ancestors(target).includes(actor)) return true;
    return state.activePolicy() === undefined && state.isRoot(actor);
  };

  const approvedRequest = (
    state: ControlState,
    creator: string,
    o: NewOptimizer,
    parent: number | undefined,
    policy: PolicyRecord,
  ): { request: RequestRecord } | { code: ControlCode; problem: string } => {
    const r = parent === undefined ? undefined : state.requests.get(parent);
    if (r === undefined)
      return { code: "CONTROL_UNAPPROVED", problem: `names no request (parent ${parent ?? "none"})` };
    const same =
      r.creator === creator &&
      r.optimizer.name === o.name &&
      r.optimizer.key === o.key &&
      r.optimizer.process.kind === o.process.kind &&
      r.optimizer.specDigest === o.specDigest &&
      r.optimizer.objectiveDigest === o.objectiveDigest;
    if (!same)
      return {
        code: "CONTROL_REQUEST_MISMATCH",
        problem: `names request #${r.index}, which asked for a different optimizer, creator, key or spec`,
      };
    if (r.gate.policyDigest !== policy.digest)
      return {
        code: "CONTROL_REQUEST_MISMATCH",
        problem: `names request #${r.index}, which was decided under another policy than the one in force`,
      };
    const status = state.requestStatus(r);
    if (status !== "approved")
      return {
        code: "CONTROL_UNAPPROVED",
        problem: `request #${r.index} is ${status}, not approved by ${policy.policy.approvals} distinct overseer(s) of ${policy.policy.name}`,
      };
    return { request: r };
  };

  const handlers: { readonly [K in EntryView["kind"]]: Handler<K> } = {
    actor: (e, state, ctx, j) => {
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    optimizer: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      const d = derive(state, ctx, p.actor, p.optimizer, p.time);
      if ("refusal" in d) return d.refusal;
      const { policy, decision } = d;
      if (policy === undefined || decision === undefined) {
        if (p.gate !== undefined)
          return refuse(
            "CONTROL_GATE_MISMATCH",
            `entry ${ctx.index} records a gate decision, but no policy is in force`,
          );
        state.apply(ctx.index, e, j, { gate: undefined, unapproved: false, marks: [] });
        return ADMITTED;
      }
      const derived = recordOf(decision);
      if (p.gate !== undefined && !sameDecision(p.gate, derived))
        return refuse(
          "CONTROL_GATE_MISMATCH",
          `entry ${ctx.index} records the gate's decision as ${p.gate.outcome} (${p.gate.reasons.map((r) => r.code).join(", ") || "no reasons"}), but re-deriving it under ${policy.policy.name} gives ${derived.outcome} (${derived.reasons.map((r) => r.code).join(", ") || "no reasons"})`,
        );
      let problem: { code: ControlCode; message: string } | undefined;
      if (decision.outcome === "deny") {
        problem = {
          code: "CONTROL_DENIED",
          message: `the gate, re-run under ${policy.policy.name}, denies ${p.optimizer.name}: ${decision.reasons.map((r) => `${r.code}: ${r.message}`).join("; ")}`,
        };
      } else if (decision.outcome === "needs-approval") {
        const r = approvedRequest(state, p.actor, p.optimizer, p.parent, policy);
        if ("problem" in r) {
          problem = {
            code: r.code,
            message: `${p.optimizer.name} needs ${policy.policy.approvals} overseer approval(s) under ${policy.policy.name}, and its creation ${r.problem}`,
          };
        }
      }
      if (problem !== undefined && policy.policy.mode === "enforce")
        return refuse(problem.code, `entry ${ctx.index}: ${problem.message}`);
      state.apply(ctx.index, e, j, {
        gate: derived,
        unapproved: problem !== undefined,
        marks: problem ? [problem.code] : [],
      });
      return problem ? { ok: true, marks: [problem] } : ADMITTED;
    },

    request: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      const d = derive(state, ctx, p.actor, p.optimizer, p.time);
      if ("refusal" in d) return d.refusal;
      if (d.decision === undefined)
        return refuse(
          "CONTROL_GATE_MISMATCH",
          `entry ${ctx.index} is a request, but no policy is in force to decide it`,
        );
      const derived = recordOf(d.decision);
      if (!sameDecision(p.gate, derived))
        return refuse(
          "CONTROL_GATE_MISMATCH",
          `request ${ctx.index} records the gate's decision as ${p.gate.outcome}, but re-deriving it gives ${derived.outcome} (${derived.reasons.map((r) => r.code).join(", ") || "no reasons"})`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    approval: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      const target = p.parent;
      const request = target === undefined ? undefined : state.requests.get(target);
      const change = target === undefined ? undefined : state.changes.get(target);
      const policy = target === undefined ? undefined : state.policies.find((x) => x.index === target);
      let governing: PolicyRecord | undefined;
      let subject = "";
      let creator = "";
      if (request !== undefined) {
        const status = state.requestStatus(request);
        if (status === "fulfilled" || status === "denied" || status === "rejected")
          return refuse(
            "CONTROL_APPROVAL_TARGET",
            `entry ${ctx.index} reviews request #${target}, which is ${status}`,
          );
        governing = state.policyByDigest(request.gate.policyDigest);
        subject = request.optimizer.name;
        creator = request.creator;
      } else if (change !== undefined) {
        if (state.changeStatus(change) === "rejected")
          return refuse(
            "CONTROL_APPROVAL_TARGET",
            `entry ${ctx.index} reviews change #${target}, which an overseer rejected`,
          );
        governing = state.activePolicy();
        subject = change.optimizer;
        creator = state.optimizers.get(change.optimizer)?.creator ?? "";
      } else if (policy !== undefined) {
        const standing = state.policyStatus(policy);
        if (standing === "in-force" || standing === "rejected")
          return refuse(
            "CONTROL_APPROVAL_TARGET",
            `entry ${ctx.index} reviews policy #${target}, which is ${standing === "rejected" ? "rejected" : "already in force"}`,
          );
        governing = state.activePolicy();
        creator = policy.owner;
      } else {
        return refuse(
          "CONTROL_APPROVAL_TARGET",
          `entry ${ctx.index} reviews ${target === undefined ? "nothing (no parent)" : `#${target}`}, which is not a request, resume, change or policy`,
        );
      }
      if (governing === undefined || !governing.policy.overseers.includes(p.actor) || !state.isRoot(p.actor))
        return refuse(
          "CONTROL_APPROVER_NOT_OVERSEER",
          `entry ${ctx.index}: ${p.actor} is not an overseer of ${governing ? `policy ${governing.policy.name} (${governing.policy.overseers.join(", ")})` : "any policy in force"}`,
        );
      if ([subject, creator, ...state.ancestors(creator)].includes(p.actor))
        return refuse(
          "CONTROL_SELF_APPROVAL",
          `entry ${ctx.index}: ${p.actor} cannot review #${target}: it concerns ${p.actor} or its own line of creators`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    halt: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      if (!state.optimizers.has(p.optimizer))
        return refuse(
          "CONTROL_TARGET_UNKNOWN",
          `entry ${ctx.index} halts ${p.optimizer}, which is not an optimizer in this log`,
        );
      if (!mayActOn(state, p.actor, p.optimizer))
        return refuse(
          "CONTROL_HALT_UNAUTHORISED",
          `entry ${ctx.index}: ${p.actor} may not halt ${p.optimizer}: only an overseer of the policy in force or ${p.optimizer}'s own line of creators may`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    change: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      if (!state.optimizers.has(p.optimizer))
        return refuse(
          "CONTROL_TARGET_UNKNOWN",
          `entry ${ctx.index} changes ${p.optimizer}, which is not an optimizer in this log`,
        );
      if (p.field === "status") {
        const own = state.ownHalt(p.optimizer);
        if (p.to !== "running" || own === undefined || p.parent !== own)
          return refuse(
            "CONTROL_RESUME_INVALID",
            `entry ${ctx.index}: a status change must ask to resume ${p.optimizer} (to "running") and name the halt in force on it${own !== undefined ? ` (#${own})` : " (it is not halted itself)"} as parent`,
          );
      }
      if (p.field === "objective" && objectiveOf({ objective: p.to }) === undefined)
        return refuse(
          "CONTROL_CHANGE_INVALID",
          `entry ${ctx.index}: a change of ${p.optimizer}'s objective must give the new objective document as "to"`,
        );
      // Its own parameters an optimizer may propose changing; anything else needs someone above it.
      const own = p.actor === p.optimizer && p.field.startsWith("params.");
      if (!own && !mayActOn(state, p.actor, p.optimizer))
        return refuse(
          "CONTROL_CHANGE_UNAUTHORISED",
          `entry ${ctx.index}: ${p.actor} may not propose changing ${p.optimizer}'s ${p.field}: only an overseer of the policy in force or ${p.optimizer}'s own line of creators may`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    "step-batch": (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      const o = state.optimizers.get(p.actor);
      const max = o?.declared.budget?.maxSteps;
      if (o !== undefined && max !== undefined && o.steps + p.stepCount > max)
        return refuse(
          "CONTROL_BUDGET_EXCEEDED",
          `entry ${ctx.index}: ${p.actor} would record ${o.steps + p.stepCount} steps, over the budget of ${max} its creation declared`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    note: (e, state, ctx, j) => {
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    policy: (e, state, ctx, j) => {
      const p = e.predicate;
      if (!state.isRoot(p.actor))
        return refuse(
          "CONTROL_POLICY_UNAUTHORISED",
          `entry ${ctx.index}: ${p.actor} is an optimizer; only a root actor (a person or organisation) may sign a policy`,
        );
      const parsed = POLICY_SCHEMA.safeParse(p.policy);
      if (!parsed.success)
        return refuse(
          "CONTROL_POLICY_INVALID",
          `entry ${ctx.index}: the policy does not parse: ${parsed.error.issues[0]?.path.join(".") || "(root)"}: ${parsed.error.issues[0]?.message}`,
        );
      const policy = parsed.data;
      if (policyDigest(policy) !== p.digest)
        return refuse("CONTROL_POLICY_INVALID", `entry ${ctx.index}: the policy's digest is not ${p.digest}`);
      if (policy.owner !== p.actor)
        return refuse(
          "CONTROL_POLICY_UNAUTHORISED",
          `entry ${ctx.index}: policy ${policy.name} names ${policy.owner} as owner but is signed by ${p.actor}`,
        );
      if (Date.parse(policy.expires) <= Date.parse(p.time))
        return refuse(
          "CONTROL_POLICY_INVALID",
          `entry ${ctx.index}: policy ${policy.name} expired at ${policy.expires}, before it was signed`,
        );
      if (p.source !== undefined) {
        let fromSource: string | undefined;
        try {
          fromSource = policyDigest(parsePolicy(p.source));
        } catch {
          fromSource = undefined;
        }
        if (fromSource !== p.digest)
          return refuse(
            "CONTROL_POLICY_INVALID",
            `entry ${ctx.index}: the policy's source text does not say what the entry's policy says`,
          );
      }
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    artifact: (e, state, ctx, j) => {
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    "span-batch": (e, state, ctx, j) => {
      const p = e.predicate;
      // Spans are attested by the collector that received them; only a registered system actor
      // (not a person, an overseer or an optimizer) may act as one.
      const actor = state.actors.get(p.actor);
      if (actor?.role !== "system")
        return refuse(
          "CONTROL_COLLECTOR_UNAUTHORISED",
          `entry ${ctx.index}: span batches are signed by a collector (a registered actor of role system); ${p.actor} is ${actor ? `an actor of role ${actor.role}` : state.optimizers.has(p.actor) ? "an optimizer" : "not a registered actor"}`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },

    observation: (e, state, ctx, j) => {
      const p = e.predicate;
      const halted = haltedGuard(state, e, ctx.index);
      if (halted) return halted;
      if (p.optimizer !== undefined && !state.optimizers.has(p.optimizer))
        return refuse(
          "CONTROL_TARGET_UNKNOWN",
          `entry ${ctx.index} reports on ${p.optimizer}, which is not an optimizer in this log`,
        );
      state.apply(ctx.index, e, j);
      return ADMITTED;
    },
  };

  return {
    name: "control",
    detectors,
    monitors,
    create: () => {
      const state = new State();
      for (const [name, m] of Object.entries(monitors)) state.monitors.set(name, m.create());
      return state;
    },
    admit: (state, entry, ctx, journal) => {
      const verdict = dispatch(
        handlers as unknown as EntryHandlers<
          EntryView,
          [ControlState, RuleContext, Journal | undefined],
          RuleVerdict
        >,
        entry,
        state,
        ctx,
        journal,
      );
      // Monitors follow every admitted entry, so the next creation is judged on the record so far.
      if (verdict.ok)
        for (const [name, m] of Object.entries(monitors))
          m.observe(state.monitors.get(name), ctx.index, entry, state, journal);
      return verdict;
    },
    blobsOf: (entry) => {
      if (entry.kind !== "optimizer" && entry.kind !== "request") return [];
      const o = entry.predicate.optimizer;
      return o.spec === undefined && o.specDigest !== undefined ? [o.specDigest] : [];
    },
  };
}
