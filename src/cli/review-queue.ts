/**
 * The review queue: everything the ledger asks overseers to approve, computed from the control
 * state alone. Three kinds of entries wait there:
 *  - creations (`request` entries): an optimizer the gate would only let in with approval;
 *  - changes (`change` entries): a resume of a halted optimizer (field `status`), or a change of a
 *    running optimizer's parameter (`params.<name>`);
 *  - policies: a policy signed after the first, which takes effect once the overseers of the
 *    policy in force approve it.
 *
 * Every status is the one the log's own rules give (`control/state.ts`), so the queue never says
 * an item is settled when the log would still let it change. In particular the control state
 * counts rejections only for creations: a resume, a parameter change or a policy that an overseer
 * rejected still takes effect if enough approvals come later, so those stay `pending` with the
 * rejections listed, rather than being shown as closed.
 */
import type {
  ApprovalRecord,
  ChangeRecord,
  ControlState,
  PolicyRecord,
  RequestRecord,
} from "../control/state.js";
import { openEntry } from "../ledger/entry.js";
import type { LedgerStore } from "../store/store.js";

export type QueueKind = "creation" | "resume" | "change" | "policy";

export type QueueStatus =
  /** Waiting for approvals. */
  | "pending"
  /** Enough counted approvals (or, for a creation, allowed by the gate without any). */
  | "approved"
  /** A creation an overseer of its policy rejected. */
  | "rejected"
  /** A creation the gate refused in enforce mode; no approval can let it in. */
  | "denied"
  /** A creation that has happened. */
  | "fulfilled"
  /** The policy in force. */
  | "in force"
  /** A resume whose halt another approved resume already lifted, or a policy that was in force and has been replaced. */
  | "superseded"
  /** A policy entry whose policy does not validate: it can never take effect. */
  | "invalid";

export interface QueueItem {
  /** The entry overseers approve (`optprov review approve INDEX`). */
  readonly index: number;
  readonly kind: QueueKind;
  readonly status: QueueStatus;
  /** Who asks. */
  readonly by: string;
  readonly time: string | undefined;
  /** What is asked, in one sentence. */
  readonly asks: string;
  readonly reason: string | undefined;
  /** Every decision recorded so far, in order. */
  readonly approvals: readonly ApprovalRecord[];
  /** Approvers whose approval counts (overseers of the governing policy, outside the line of creators). */
  readonly counted: readonly string[];
  /** Counted rejections (for creations they close the request; see the module comment for the rest). */
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

interface EntryInfo {
  readonly actor: string;
  readonly time: string | undefined;
  readonly reason: string | undefined;
}

async function entryInfo(store: LedgerStore, index: number): Promise<EntryInfo> {
  const e = await store.entry(index);
  if (e === undefined) return { actor: "?", time: undefined, reason: undefined };
  const p = openEntry(e.envelope).statement.predicate as { actor: string; time?: string; reason?: string };
  return { actor: p.actor, time: p.time, reason: p.reason };
}

/** Distinct counted rejections, by the same rule as counted approvals. */
function countedRejections(
  state: ControlState,
  approvals: readonly ApprovalRecord[],
  overseers: readonly string[] | undefined,
  subject: string,
  creator: string,
): string[] {
  if (overseers === undefined) return [];
  const excluded = new Set([subject, creator, ...state.ancestors(creator)]);
  return [
    ...new Set(
      approvals
        .filter((a) => a.decision === "reject" && overseers.includes(a.by) && !excluded.has(a.by))
        .map((a) => a.by),
    ),
  ];
}

function creationItem(state: ControlState, r: RequestRecord): QueueItem {
  const policy = state.policyByDigest(r.gate.policyDigest);
  return {
    index: r.index,
    kind: "creation",
    status: state.requestStatus(r),
    by: r.creator,
    time: r.time,
    asks: `${r.creator} asks to create ${r.optimizer.name}, a ${r.optimizer.process ?? "undeclared"} optimizer`,
    reason: undefined,
    approvals: r.approvals,
    counted: state.countedApprovals(r.approvals, policy, r.optimizer.name, r.creator),
    rejectedBy: countedRejections(state, r.approvals, policy?.overseers, r.optimizer.name, r.creator),
    needed: r.gate.approvals ?? policy?.approvals ?? 1,
    creator: r.creator,
    optimizer: r.optimizer.name,
    process: r.optimizer.process,
    gate: r.gate,
  };
}

async function changeItem(state: ControlState, store: LedgerStore, c: ChangeRecord): Promise<QueueItem> {
  const info = await entryInfo(store, c.index);
  const policy = state.activePolicy()?.policy;
  const creator = state.optimizers.get(c.optimizer)?.creator ?? "";
  const resume = c.field === "status" && c.to === "running";
  const approved = state.changeApproved(c);
  // Two resumes of one halt: once one is approved, the other has nothing left to do.
  const lifted =
    resume &&
    !approved &&
    [...state.changes.values()].some(
      (o) =>
        o !== c &&
        o.optimizer === c.optimizer &&
        o.field === "status" &&
        o.to === "running" &&
        o.parent === c.parent &&
        state.changeApproved(o),
    );
  return {
    index: c.index,
    kind: resume ? "resume" : "change",
    status: approved ? "approved" : lifted ? "superseded" : "pending",
    by: info.actor,
    time: info.time,
    asks: resume
      ? `${info.actor} asks to resume ${c.optimizer}${c.parent !== undefined ? `, halted at #${c.parent}` : ""}`
      : `${info.actor} asks to change ${c.optimizer}'s ${c.field} to ${JSON.stringify(c.to)}`,
    reason: info.reason,
    approvals: c.approvals,
    counted: state.countedApprovals(c.approvals, policy, c.optimizer, creator),
    rejectedBy: countedRejections(state, c.approvals, policy?.overseers, c.optimizer, creator),
    needed: policy?.approvals ?? 1,
    optimizer: c.optimizer,
    field: c.field,
    to: c.to,
    ...(resume ? { halt: c.parent } : {}),
  };
}

async function policyItem(state: ControlState, store: LedgerStore, p: PolicyRecord): Promise<QueueItem> {
  const info = await entryInfo(store, p.index);
  const current = state.activePolicy();
  // As the control state decides it: approvals since the policy in force took effect, counted by
  // that policy's overseers, bring a new policy into force.
  const since = p.approvals.filter((a) => a.index > (current?.activeFrom ?? -1));
  const status: QueueStatus =
    p.policy === undefined
      ? "invalid"
      : current === p
        ? "in force"
        : p.activeFrom !== undefined
          ? "superseded"
          : "pending";
  const name = p.policy?.name ?? "(invalid)";
  return {
    index: p.index,
    kind: "policy",
    status,
    by: p.owner,
    time: info.time,
    asks:
      current === undefined || current === p
        ? `${p.owner} signed policy ${name}`
        : `${p.owner} asks to replace policy ${current.policy?.name ?? "?"} (#${current.index}) with policy ${name}`,
    reason: undefined,
    approvals: p.approvals,
    counted: status === "pending" ? state.countedApprovals(since, current?.policy, "", p.owner) : [],
    rejectedBy:
      status === "pending" ? countedRejections(state, since, current?.policy?.overseers, "", p.owner) : [],
    needed: current?.policy?.approvals ?? 1,
    policy: p.policy ? { name: p.policy.name, mode: p.policy.mode, digest: p.digest } : undefined,
  };
}

/**
 * Every item of the review queue, in ledger order.
 *
 * @example (await reviewQueue(state, store)).filter((i) => i.status === "pending")
 */
export async function reviewQueue(state: ControlState, store: LedgerStore): Promise<QueueItem[]> {
  const items: QueueItem[] = [...state.requests.values()].map((r) => creationItem(state, r));
  for (const c of state.changes.values()) items.push(await changeItem(state, store, c));
  for (const p of state.policies) items.push(await policyItem(state, store, p));
  return items.sort((a, b) => a.index - b.index);
}

/**
 * The queue item at `index`, or undefined when that entry is nothing overseers approve.
 *
 * @example await queueItem(state, store, 7) // { kind: "resume", status: "pending", ... }
 */
export async function queueItem(
  state: ControlState,
  store: LedgerStore,
  index: number,
): Promise<QueueItem | undefined> {
  const r = state.requests.get(index);
  if (r !== undefined) return creationItem(state, r);
  const c = state.changes.get(index);
  if (c !== undefined) return changeItem(state, store, c);
  const p = state.policies.find((x) => x.index === index);
  return p === undefined ? undefined : policyItem(state, store, p);
}
