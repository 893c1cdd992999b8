/**
 * Self-modification: a process parameter (an exploration rate, a learning rate) that changes at
 * run time without an approved `change` entry. Declared values come from the creation entry's
 * process declaration; running values from the `params` each step batch records.
 */
import type { ControlState } from "../../control/state.js";
import type { Finding } from "./finding.js";
import type { LedgerDetector } from "./ledger-detector.js";

/** A parameter a step batch runs with that differs from what it ran before, with no approved change. */
export interface UnapprovedChange {
  readonly name: string;
  readonly was: unknown;
  readonly value: unknown;
}

/**
 * The parameters in `params` (a step batch of `actor` at `index`) that differ from `before` and
 * that no approved `change` entry on `params.<name>` before this batch allows. Shared by the audit
 * detector and the `self-modification` ancestry monitor, so the two judge alike.
 */
export function unapprovedChanges(
  actor: string,
  params: Readonly<Record<string, unknown>>,
  before: Readonly<Record<string, unknown>>,
  index: number,
  state: ControlState,
): UnapprovedChange[] {
  const out: UnapprovedChange[] = [];
  for (const [name, value] of Object.entries(params)) {
    const was = before[name];
    if (was === undefined || was === value) continue;
    let ok = false;
    for (const c of state.changes.values())
      if (
        c.optimizer === actor &&
        c.field === `params.${name}` &&
        c.index < index &&
        c.to === value &&
        state.changeApproved(c)
      )
        ok = true;
    if (!ok) out.push({ name, was, value });
  }
  return out;
}

/**
 * @example const findings = (await audit(store)).findings.filter((f) => f.detector === "self-modification");
 */
export function selfModificationDetector(): LedgerDetector {
  const findings: Finding[] = [];
  const current = new Map<string, Record<string, unknown>>();
  return {
    entry(index, s, state) {
      if (s.kind !== "step-batch") return;
      const b = s.predicate;
      if (b.params === undefined) return;
      const before = current.get(b.actor) ?? { ...(state.optimizers.get(b.actor)?.declared.params ?? {}) };
      for (const { name, was, value } of unapprovedChanges(b.actor, b.params, before, index, state)) {
        findings.push({
          detector: "self-modification",
          code: "PARAMETER_CHANGED_WITHOUT_APPROVAL",
          severity: "high",
          optimizer: b.actor,
          message: `${b.actor} changed its ${name} from ${String(was)} to ${String(value)} at step ${b.firstStep} (entry #${index}) without an approved change entry`,
          evidence: {
            entries: [index],
            steps: [b.firstStep],
            numbers:
              typeof was === "number" && typeof value === "number" ? { before: was, after: value } : {},
          },
          firstAt: { entry: index, step: b.firstStep },
        });
      }
      current.set(b.actor, { ...before, ...b.params });
    },
    finish: () => findings,
  };
}
