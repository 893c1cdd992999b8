/**
 * The plan-based detectors over a ledger: every optimizer whose creation entry carries a spec with
 * an explicit world model is checked for oversight dependence and for plans that disable oversight.
 * A world model the decision-process reader cannot read is skipped here (the gate fails closed on
 * it; the audit reports only what it could check).
 */

import { OptprovError } from "../../errors.js";
import { detectDistributionalShift, type ObservedEpisode } from "./distributional-shift.js";
import { DetectorError, type Finding } from "./finding.js";
import type { LedgerScan } from "./ledger-scan.js";
import { detectOversightDependence, subjectFromSpec } from "./oversight-dependence.js";
import { detectOversightDisabled } from "./oversight-disabled.js";

function onSpecs(
  scan: LedgerScan,
  detect: (s: NonNullable<ReturnType<typeof subjectFromSpec>>) => Finding[],
): Finding[] {
  const findings: Finding[] = [];
  for (const o of scan.state.optimizers.values()) {
    if (o.spec === undefined) continue;
    try {
      const subject = subjectFromSpec(o.spec, o.name);
      if (subject !== undefined) {
        for (const f of detect(subject))
          findings.push({
            ...f,
            evidence: { ...f.evidence, entries: [o.index, ...(f.evidence.entries ?? [])] },
            firstAt: f.firstAt ?? { entry: o.index },
          });
      }
    } catch (err) {
      if (!(err instanceof OptprovError) && !(err instanceof DetectorError)) throw err;
    }
  }
  return findings;
}

/**
 * Distributional shift over a ledger: each optimizer's recorded `observations` artifacts (what it
 * saw, per episode) against the explicit world model its spec declared.
 */
export function detectDistributionalShiftInLedger(scan: LedgerScan): Finding[] {
  const byOptimizer = new Map<string, ObservedEpisode[]>();
  for (const { index, p } of scan.artifacts) {
    const data = p.data as { episode?: unknown; observations?: unknown } | undefined;
    if (p.name !== "observations" || typeof data?.episode !== "number" || !Array.isArray(data.observations))
      continue;
    const list = byOptimizer.get(p.actor) ?? [];
    list.push({
      episode: data.episode,
      observations: data.observations as Record<string, unknown>[],
      entry: index,
    });
    byOptimizer.set(p.actor, list);
  }
  const findings: Finding[] = [];
  for (const [name, episodes] of byOptimizer) {
    const o = scan.state.optimizers.get(name);
    if (o?.spec === undefined) continue;
    try {
      const subject = subjectFromSpec(o.spec, name);
      if (subject !== undefined)
        findings.push(...detectDistributionalShift({ optimizer: name, model: subject.model, episodes }));
    } catch (err) {
      if (!(err instanceof OptprovError)) throw err;
    }
  }
  return findings;
}

export const detectOversightDependenceInLedger = (scan: LedgerScan): Finding[] =>
  onSpecs(scan, detectOversightDependence);
export const detectOversightDisabledInLedger = (scan: LedgerScan): Finding[] =>
  onSpecs(scan, detectOversightDisabled);
