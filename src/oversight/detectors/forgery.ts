/** Forgery: the verifier's first problem, as a finding, so the overseer's report shows it first. */
import type { VerifyReport } from "../../ledger/verify.js";
import type { Finding } from "./finding.js";

export function forgeryFindings(report: VerifyReport): Finding[] {
  if (report.ok || report.problem === undefined) return [];
  const p = report.problem;
  return [
    {
      detector: "forgery",
      code: p.code,
      severity: "critical",
      message: `the ledger does not verify: ${p.message}. Nothing after entry #${p.index ?? 0} can be trusted until this is explained.`,
      evidence: {
        ...(p.index !== undefined ? { entries: [p.index] } : {}),
        numbers: { verifiedEntries: report.entries },
      },
      ...(p.index !== undefined ? { firstAt: { entry: p.index } } : {}),
    },
  ];
}
