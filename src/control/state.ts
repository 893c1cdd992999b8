/**
 * The control state of a ledger (optimizers, pending requests, approvals, halts, policies), derived
 * by replaying entries in order. The SDK keeps it current as it appends and polls; the CLI and
 * `explain` rebuild it from the ledger alone. Nothing here is trusted that the entries do not say.
 */
import { openEntry } from "../ledger/entry.js";
import type { Predicate, Statement } from "../ledger/statement.js";
import type { LedgerStore } from "../store/store.js";
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

export interface OptimizerRecord {
  readonly name: string;
  readonly key: string;
  readonly creator: string;
  readonly index: number;
  readonly time: string;
  readonly process: string | undefined;
  readonly specDigest: string | undefined;
  readonly spec: unknown;
  readonly request: number | undefined;
  readonly gate: Predicate<"optimizer">["gate"];
  readonly unapproved: boolean;
  readonly depth: number;
  readonly children: string[];
  /** Halt entries naming this optimizer, and resume requests answering them. */
  readonly halts: number[];
  steps: number;
  stepBatches: number;
  lastStepIndex: number | undefined;
  artifacts: number[];
}

export interface RequestRecord {
  readonly index: number;
  readonly creator: string;
  readonly time: string;
  readonly optimizer: Predicate<"request">["optimizer"];
  readonly gate: Predicate<"request">["gate"];
  readonly approvals: ApprovalRecord[];
  fulfilledBy: number | undefined;
}

/** A `change` entry: to a parameter (`params.<name>`), or a resume (`status` to `running`, parent = the halt). */
export interface ChangeRecord {
  readonly index: number;
  readonly optimizer: string;
  readonly field: string;
  readonly to: unknown;
  /** The entry it answers (for a resume: the halt). */
  readonly parent: number | undefined;
  readonly approvals: ApprovalRecord[];
}

export interface PolicyRecord {
  readonly index: number;
  readonly owner: string;
  readonly digest: string;
  readonly policy: Policy | undefined;
  readonly approvals: ApprovalRecord[];
  activeFrom: number | undefined;
}

export class ControlState {
  /** Replay a whole ledger. */
  static async fromStore(store: LedgerStore): Promise<ControlState> {
    const state = new ControlState();
    await state.catchUp(store);
    return state;
  }

  /** Apply the entries appended to `store` since this state last looked; returns how many. */
  async catchUp(store: LedgerStore, known?: Map<number, Statement>): Promise<number> {
    const size = await store.size();
    const from = this.size;
    for await (const chunk of store.entries(this.size, size)) {
      for (const e of chunk) {
        // Entries this process wrote itself need not be parsed again.
        const statement = known?.get(e.index) ?? openEntry(e.envelope).statement;
        known?.delete(e.index);
        this.apply(e.index, statement);
      }
    }
    return this.size - from;
  }

  readonly actors = new Map<string, ActorRecord>();
  readonly optimizers = new Map<string, OptimizerRecord>();
  readonly requests = new Map<number, RequestRecord>();
  readonly changes = new Map<number, ChangeRecord>();
  readonly policies: PolicyRecord[] = [];
  /** Halt entry index -> its predicate. */
  readonly halts = new Map<number, Predicate<"halt">>();
  /** One past the last entry applied. */
  size = 0;

  /** The policy in force: the one most recently brought into force. */
  activePolicy(): PolicyRecord | undefined {
    let active: PolicyRecord | undefined;
    for (const p of this.policies)
      if (p.activeFrom !== undefined && (active === undefined || p.activeFrom > active.activeFrom!))
        active = p;
    return active;
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

  /** Distinct approvers that count: overseers of `policy`, none of them `subject` or its ancestors. */
  countedApprovals(
    approvals: readonly ApprovalRecord[],
    policy: Policy | undefined,
    subject: string,
    creator: string,
  ): string[] {
    if (policy === undefined) return [];
    const excluded = new Set([subject, creator, ...this.ancestors(creator)]);
    const by = new Set<string>();
    for (const a of approvals)
      if (a.decision === "approve" && policy.overseers.includes(a.by) && !excluded.has(a.by)) by.add(a.by);
    return [...by];
  }

  /** A request's standing: approved once enough counted approvals arrive, rejected by any counted rejection. */
  requestStatus(r: RequestRecord): "pending" | "approved" | "rejected" | "denied" | "fulfilled" {
    if (r.fulfilledBy !== undefined) return "fulfilled";
    if (r.gate.outcome === "deny" && r.gate.mode === "enforce") return "denied";
    if (r.gate.outcome === "allow") return "approved";
    const policy = this.policyByDigest(r.gate.policyDigest);
    const excluded = new Set([r.optimizer.name, r.creator, ...this.ancestors(r.creator)]);
    if (
      r.approvals.some(
        (a) => a.decision === "reject" && policy?.overseers.includes(a.by) && !excluded.has(a.by),
      )
    )
      return "rejected";
    const need = r.gate.approvals ?? policy?.approvals ?? 1;
    return this.countedApprovals(r.approvals, policy, r.optimizer.name, r.creator).length >= need
      ? "approved"
      : "pending";
  }

  policyByDigest(digest: string | undefined): Policy | undefined {
    return this.policies.find((p) => p.digest === digest)?.policy ?? this.activePolicy()?.policy;
  }

  /** The halt in force on `name` itself (not resumed), if any. */
  ownHalt(name: string): number | undefined {
    const o = this.optimizers.get(name);
    if (o === undefined) return undefined;
    for (let i = o.halts.length - 1; i >= 0; i--) {
      const h = o.halts[i]!;
      const resumed = [...this.changes.values()].some(
        (c) =>
          c.optimizer === name &&
          c.field === "status" &&
          c.to === "running" &&
          c.parent === h &&
          this.changeApproved(c),
      );
      if (!resumed) return h;
    }
    return undefined;
  }

  /** A change (a resume, a parameter) takes effect once the policy in force's overseers approve it. */
  changeApproved(c: ChangeRecord): boolean {
    const policy = this.activePolicy()?.policy;
    const creator = this.optimizers.get(c.optimizer)?.creator ?? "";
    const need = policy?.approvals ?? 1;
    return this.countedApprovals(c.approvals, policy, c.optimizer, creator).length >= need;
  }

  /** Why `name` may not run: its own halt or an ancestor's (a child never outlives a halted parent). */
  haltedBy(name: string): { readonly optimizer: string; readonly index: number } | undefined {
    for (const n of [name, ...this.ancestors(name)]) {
      const h = this.ownHalt(n);
      if (h !== undefined) return { optimizer: n, index: h };
    }
    return undefined;
  }

  /** Apply one entry. Entries must come in index order. */
  apply(index: number, s: Statement): void {
    this.size = index + 1;
    const approval = (p: Predicate<"approval">): ApprovalRecord => ({
      index,
      by: p.actor,
      decision: p.decision,
      reason: p.reason,
      time: p.time,
    });
    switch (s.kind) {
      case "actor": {
        const p = s.predicate as Predicate<"actor">;
        this.actors.set(p.actor, { name: p.actor, role: p.role, key: p.key, index });
        return;
      }
      case "optimizer": {
        const p = s.predicate as Predicate<"optimizer">;
        const parent = this.optimizers.get(p.actor);
        const request = p.parent !== undefined ? this.requests.get(p.parent) : undefined;
        if (request !== undefined) request.fulfilledBy = index;
        this.optimizers.set(p.optimizer.name, {
          name: p.optimizer.name,
          key: p.optimizer.key,
          creator: p.actor,
          index,
          time: p.time,
          process: p.optimizer.process,
          specDigest: p.optimizer.specDigest,
          spec: p.optimizer.spec,
          request: request?.index,
          gate: p.gate ?? request?.gate,
          unapproved: p.unapproved === true,
          depth: (parent?.depth ?? 0) + 1,
          children: [],
          halts: [],
          steps: 0,
          stepBatches: 0,
          lastStepIndex: undefined,
          artifacts: [],
        });
        parent?.children.push(p.optimizer.name);
        return;
      }
      case "request": {
        const p = s.predicate as Predicate<"request">;
        this.requests.set(index, {
          index,
          creator: p.actor,
          time: p.time,
          optimizer: p.optimizer,
          gate: p.gate,
          approvals: [],
          fulfilledBy: undefined,
        });
        return;
      }
      case "approval": {
        const p = s.predicate as Predicate<"approval">;
        if (p.parent === undefined) return;
        const target =
          this.requests.get(p.parent) ??
          this.changes.get(p.parent) ??
          this.policies.find((x) => x.index === p.parent);
        target?.approvals.push(approval(p));
        const policy = this.policies.find((x) => x.index === p.parent);
        const current = this.activePolicy();
        if (policy !== undefined && policy !== current) {
          // Approvals given since the policy in force took effect count (so a retired policy can be
          // brought back by fresh approvals, not by the ones that first enacted it).
          const since = policy.approvals.filter((a) => a.index > (current?.activeFrom ?? -1));
          const need = current?.policy?.approvals ?? 1;
          if (
            policy.policy !== undefined &&
            this.countedApprovals(since, current?.policy, "", policy.owner).length >= need
          )
            policy.activeFrom = index;
        }
        return;
      }
      case "halt": {
        const p = s.predicate as Predicate<"halt">;
        this.halts.set(index, p);
        const targets = [p.optimizer];
        if (p.descendants) {
          for (let i = 0; i < targets.length; i++)
            targets.push(...(this.optimizers.get(targets[i]!)?.children ?? []));
        }
        for (const t of targets) this.optimizers.get(t)?.halts.push(index);
        return;
      }
      case "change": {
        const p = s.predicate as Predicate<"change">;
        this.changes.set(index, {
          index,
          optimizer: p.optimizer,
          field: p.field,
          to: p.to,
          parent: p.parent,
          approvals: [],
        });
        return;
      }
      case "policy": {
        const p = s.predicate as Predicate<"policy">;
        const parsed = POLICY_SCHEMA.safeParse(p.policy);
        // The first policy is in force from its own entry (trust on first use); later ones need approval.
        const bootstrap = this.policies.length === 0;
        this.policies.push({
          index,
          owner: p.actor,
          digest: p.digest,
          policy: parsed.success ? parsed.data : undefined,
          approvals: [],
          activeFrom: bootstrap && parsed.success ? index : undefined,
        });
        return;
      }
      case "step-batch": {
        const p = s.predicate as Predicate<"step-batch">;
        const o = this.optimizers.get(p.actor);
        if (o !== undefined) {
          o.steps += p.steps.length;
          o.stepBatches++;
          o.lastStepIndex = index;
        }
        return;
      }
      case "artifact": {
        this.optimizers.get(s.predicate.actor)?.artifacts.push(index);
        return;
      }
      case "note":
      case "observation":
        return;
      default: {
        // Adding an entry kind fails to compile until the control state decides what it means.
        const unhandled: never = s.kind;
        throw new Error(`control state cannot apply entry kind ${String(unhandled)}`);
      }
    }
  }
}
