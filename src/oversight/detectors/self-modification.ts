/**
 * Self-modification: a process parameter (an exploration rate, a learning rate) that changes at
 * run time without an approved `change` entry. Declared values come from the creation entry's
 * process declaration; running values from the `params` each step batch records.
 */
import type { Finding } from "./finding.js";
import type { LedgerDetector } from "./ledger-detector.js";

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
      for (const [name, value] of Object.entries(b.params)) {
        const was = before[name];
        if (was === undefined || was === value) continue;
        // Approved parameter changes: a `change` entry on `params.<name>` that the overseers approved, before this batch.
        let ok = false;
        for (const c of state.changes.values())
          if (
            c.optimizer === b.actor &&
            c.field === `params.${name}` &&
            c.index < index &&
            c.to === value &&
            state.changeApproved(c)
          )
            ok = true;
        if (ok) continue;
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
