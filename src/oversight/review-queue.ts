/**
 * The review queue: everything the ledger asks overseers to approve, computed from the control
 * state alone. Three kinds of entries wait there:
 *  - creations (`request` entries): an optimizer the gate would only let in with approval;
 *  - changes (`change` entries): a resume of a halted optimizer (field `status`), or a change of a
 *    running optimizer's parameter (`params.<name>`);
 *  - policies: a policy signed after the first, which takes effect once the overseers of the
 *    policy in force approve it.
 *
 * Every status is the one the log's own rules give (`control/state.ts`), so the queue never says an
 * item is settled when the log would still let it change: a counted rejection closes a creation,
 * a change and a policy alike.
 */
import type {
  ApprovalRecord,
  ChangeRecord,
  ControlState,
  PolicyRecord,
  RequestRecord,
} from "../control/state.js";

export type QueueKind = "creation" | "resume" | "change" | "policy";

export type QueueStatus =
  /** Waiting for approvals. */
  | "pending"
  /** Enough counted approvals (or, for a creation, allowed by the gate without any). */
  | "approved"
  /** Rejected by an overseer whose decision counts. */
  | "rejected"
  /** A creation the gate refused in enforce mode; no approval can let it in. */
  | "denied"
  /** A creation that has happened. */
  | "fulfilled"
  /** The policy in force. */
  | "in force"
  /** A resume whose halt another approved resume already lifted, or a policy that was in force and has been replaced. */
  | "superseded";

export interface QueueItem {
  /** The entry overseers approve (`optprov review approve INDEX`). */
  readonly index: number;
  readonly kind: QueueKind;
  readonly status: QueueStatus;
  /** Who asks. */
  readonly by: string;
  readonly time: string;
  /** What is asked, in one sentence. */
  readonly asks: string;
  readonly reason: string | undefined;
  /** Every decision recorded so far, in order. */
  readonly approvals: readonly ApprovalRecord[];
  /** Approvers whose approval counts (overseers of the governing policy, outside the line of creators). */
  readonly counted: readonly string[];
  /** Counted rejections: any one closes the item. */
  readonly rejectedBy: readonly string[];
  /** How many counted approvals it needs. */
  readonly needed: number;
  // Kind-specific details, for scripts.
  readonly creator?: string;
  readonly optimizer?: string;
  readonly process?: string | undefined;
  readonly gate?: RequestRecord["gate"];
  readonly field?: string;
  readonly to?: unknown;
  /** For a resume: the halt it answers. */
  readonly halt?: number | undefined;
  readonly policy?: { readonly name: string; readonly mode: string; readonly digest: string } | undefined;
}

function creationItem(state: ControlState, r: RequestRecord): QueueItem {
  const policy = state.policyByDigest(r.gate.policyDigest)?.policy;
  const name = r.optimizer.name;
  return {
    index: r.index,
    kind: "creation",
    status: state.requestStatus(r),
    by: r.creator,
    time: r.time,
    asks: `${r.creator} asks to create ${name}, a ${r.optimizer.process.kind} optimizer`,
    reason: undefined,
    approvals: r.approvals,
    counted: state.countedApprovals(r.approvals, policy, name, r.creator),
    rejectedBy: state.countedApprovals(r.approvals, policy, name, r.creator, "reject"),
    needed: r.gate.approvals ?? policy?.approvals ?? 1,
    creator: r.creator,
    optimizer: name,
    process: r.optimizer.process.kind,
    gate: r.gate,
  };
}

function changeItem(state: ControlState, c: ChangeRecord): QueueItem {
  const policy = state.activePolicy()?.policy;
  const creator = state.optimizers.get(c.optimizer)?.creator ?? "";
  const resume = c.field === "status" && c.to === "running";
  const status = state.changeStatus(c);
  // Two resumes of one halt: once one is approved, the other has nothing left to do.
  const lifted =
    resume &&
    status === "pending" &&
    [...state.changes.values()].some(
      (o) =>
        o !== c &&
        o.optimizer === c.optimizer &&
        o.field === "status" &&
        o.parent === c.parent &&
        state.changeApproved(o),
    );
  return {
    index: c.index,
    kind: resume ? "resume" : "change",
    status: lifted ? "superseded" : status,
    by: c.by,
    time: c.time,
    asks: resume
      ? `${c.by} asks to resume ${c.optimizer}${c.parent !== undefined ? `, halted at #${c.parent}` : ""}`
      : `${c.by} asks to change ${c.optimizer}'s ${c.field} to ${JSON.stringify(c.to)}`,
    reason: c.reason,
    approvals: c.approvals,
    counted: state.countedApprovals(c.approvals, policy, c.optimizer, creator),
    rejectedBy: state.countedApprovals(c.approvals, policy, c.optimizer, creator, "reject"),
    needed: policy?.approvals ?? 1,
    optimizer: c.optimizer,
    field: c.field,
    to: c.to,
    ...(resume ? { halt: c.parent } : {}),
  };
}

function policyItem(state: ControlState, p: PolicyRecord): QueueItem {
  const current = state.activePolicy();
  // As the control state decides it: approvals since the policy in force took effect, counted by
  // that policy's overseers, bring a new policy into force.
  const since = p.approvals.filter((a) => a.index > (current?.activeFrom ?? -1));
  const standing = state.policyStatus(p);
  const status: QueueStatus =
    standing === "in-force" ? "in force" : standing === "retired" ? "superseded" : standing;
  return {
    index: p.index,
    kind: "policy",
    status,
    by: p.owner,
    time: p.time,
    asks:
      current === undefined || current === p
        ? `${p.owner} signed policy ${p.policy.name}`
        : `${p.owner} asks to replace policy ${current.policy.name} (#${current.index}) with policy ${p.policy.name}`,
    reason: undefined,
    approvals: p.approvals,
    counted: status === "pending" ? state.countedApprovals(since, current?.policy, "", p.owner) : [],
    rejectedBy: state.countedApprovals(since, current?.policy, "", p.owner, "reject"),
    needed: current?.policy.approvals ?? 1,
    policy: { name: p.policy.name, mode: p.policy.mode, digest: p.digest },
  };
}

/**
 * Every item of the review queue, in ledger order.
 *
 * @example reviewQueue(state).filter((i) => i.status === "pending")
 */
export function reviewQueue(state: ControlState): QueueItem[] {
  const items: QueueItem[] = [...state.requests.values()].map((r) => creationItem(state, r));
  for (const c of state.changes.values()) items.push(changeItem(state, c));
  for (const p of state.policies) items.push(policyItem(state, p));
  return items.sort((a, b) => a.index - b.index);
}

/**
 * The queue item at `index`, or undefined when that entry is nothing overseers approve.
 *
 * @example queueItem(state, 7) // { kind: "resume", status: "pending", ... }
 */
export function queueItem(state: ControlState, index: number): QueueItem | undefined {
  const r = state.requests.get(index);
  if (r !== undefined) return creationItem(state, r);
  const c = state.changes.get(index);
  if (c !== undefined) return changeItem(state, c);
  const p = state.policies.find((x) => x.index === index);
  return p === undefined ? undefined : policyItem(state, p);
}
