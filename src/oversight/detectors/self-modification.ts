/**
 * Self-modification: a process parameter (an exploration rate, a learning rate) that changes at
 * run time without an approved `change` entry. Declared values come from the creation entry's
 * spec; running values from the `params` each step batch records.
 */
import type { Finding } from "./finding.js";
import type { LedgerScan } from "./ledger-scan.js";

function declaredParams(spec: unknown): Record<string, unknown> {
  const p = (spec as { process?: { params?: Record<string, unknown> } } | undefined)?.process?.params;
  return p && typeof p === "object" ? p : {};
}

/**
 * @example for (const f of detectSelfModification(await scanLedger(store))) console.log(f.message);
 */
export function detectSelfModification(scan: LedgerScan): Finding[] {
  const { state } = scan;
  const findings: Finding[] = [];
  const current = new Map<string, Record<string, unknown>>();
  for (const o of state.optimizers.values()) current.set(o.name, { ...declaredParams(o.spec) });
  // Approved parameter changes: a `change` entry on `params.<name>` that the overseers approved.
  const approved = [...state.changes.values()].filter(
    (c) => c.field.startsWith("params.") && state.changeApproved(c),
  );
  for (const b of scan.batches) {
    if (b.params === undefined) continue;
    const before = current.get(b.actor) ?? {};
    for (const [name, value] of Object.entries(b.params)) {
      const was = before[name];
      if (was === undefined || was === value) continue;
      const ok = approved.some(
        (c) => c.optimizer === b.actor && c.field === `params.${name}` && c.index < b.index && c.to === value,
      );
      if (!ok) {
        findings.push({
          detector: "self-modification",
          code: "PARAMETER_CHANGED_WITHOUT_APPROVAL",
          severity: "high",
          optimizer: b.actor,
          message: `${b.actor} changed its ${name} from ${String(was)} to ${String(value)} at step ${b.firstStep} (entry #${b.index}) without an approved change entry`,
          evidence: {
            entries: [b.index],
            steps: [b.firstStep],
            numbers:
              typeof was === "number" && typeof value === "number" ? { before: was, after: value } : {},
          },
          firstAt: { entry: b.index, step: b.firstStep },
        });
      }
    }
    current.set(b.actor, { ...before, ...b.params });
  }
  return findings;
}
