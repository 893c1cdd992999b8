/**
 * The overseer's report: every ledger-level detector over a ledger, findings grouped per optimizer
 * with its provenance chain, most severe first. `optprov audit` prints it.
 */
import { type VerifyReport, verifyLedger } from "../ledger/verify.js";
import type { LedgerStore } from "../store/store.js";
import { compareFindings, type Finding } from "./detectors/finding.js";
import { forgeryFindings } from "./detectors/forgery.js";
import { detectGoodhartInLedger } from "./detectors/goodhart-ledger.js";
import { type LedgerScan, scanLedger } from "./detectors/ledger-scan.js";
import { detectSelfModification } from "./detectors/self-modification.js";
import {
  detectDistributionalShiftInLedger,
  detectOversightDependenceInLedger,
  detectOversightDisabledInLedger,
} from "./detectors/spec-detectors.js";
import { detectUndeclaredOptimizers } from "./detectors/undeclared-optimizer.js";

/** A detector that reads the whole ledger. */
export type LedgerDetector = (scan: LedgerScan) => Finding[];

export const LEDGER_DETECTORS: Readonly<Record<string, LedgerDetector>> = {
  "distributional-shift": detectDistributionalShiftInLedger,
  goodhart: detectGoodhartInLedger,
  "oversight-dependence": detectOversightDependenceInLedger,
  "oversight-disabled": detectOversightDisabledInLedger,
  "self-modification": detectSelfModification,
  "undeclared-optimizer": detectUndeclaredOptimizers,
};

export interface AuditReport {
  readonly verify: VerifyReport;
  readonly detectorsRun: readonly string[];
  /** Every finding, most severe first. */
  readonly findings: readonly Finding[];
  readonly optimizers: readonly {
    readonly name: string;
    readonly chain: readonly string[];
    readonly findings: readonly Finding[];
  }[];
}

/**
 * @example const report = await audit(SqliteStore.open("ledger.db", { readonly: true }));
 */
export async function audit(
  store: LedgerStore,
  extra: Readonly<Record<string, LedgerDetector>> = {},
): Promise<AuditReport> {
  const verify = await verifyLedger(store);
  const findings: Finding[] = [...forgeryFindings(verify)];
  const detectors = { ...LEDGER_DETECTORS, ...extra };
  // A ledger that does not verify is still scanned (up to what parses), but its findings come first.
  const scan = await scanLedger(store);
  for (const d of Object.values(detectors)) findings.push(...d(scan));
  findings.sort(compareFindings);
  const optimizers = [...scan.state.optimizers.values()].map((o) => ({
    name: o.name,
    chain: [o.name, ...scan.state.ancestors(o.name)],
    findings: findings.filter((f) => f.optimizer === o.name),
  }));
  return { verify, detectorsRun: ["forgery", ...Object.keys(detectors)], findings, optimizers };
}

export function renderAudit(r: AuditReport): string {
  const lines = [
    `ledger: ${r.verify.ok ? "verifies" : `DOES NOT VERIFY (${r.verify.problem?.code})`}; ${r.verify.entries} entries; detectors: ${r.detectorsRun.join(", ")}`,
    `${r.findings.length} finding(s)`,
  ];
  for (const f of r.findings.filter((x) => x.optimizer === undefined))
    lines.push(`  [${f.severity}] ${f.detector}/${f.code}: ${f.message}`);
  const flagged = r.optimizers
    .filter((o) => o.findings.length > 0)
    .sort((a, b) => compareFindings(a.findings[0]!, b.findings[0]!));
  for (const o of flagged) {
    lines.push("", `${o.name}  (${o.chain.join(" <- ")})`);
    for (const f of o.findings) {
      lines.push(`  [${f.severity}] ${f.detector}/${f.code}: ${f.message}`);
      const ev = f.evidence;
      const bits = [
        ev.entries?.length ? `entries ${ev.entries.map((i) => `#${i}`).join(", ")}` : "",
        ev.episodes?.length ? `episodes ${ev.episodes.slice(0, 10).join(", ")}` : "",
        ev.numbers && Object.keys(ev.numbers).length
          ? Object.entries(ev.numbers)
              .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
              .join(" ")
          : "",
      ].filter(Boolean);
      if (bits.length) lines.push(`      evidence: ${bits.join("; ")}`);
    }
  }
  const clean = r.optimizers.length - flagged.length;
  if (clean > 0)
    lines.push(
      "",
      `${clean} optimizer(s) with no findings: ${r.optimizers
        .filter((o) => o.findings.length === 0)
        .map((o) => o.name)
        .join(", ")}`,
    );
  return lines.join("\n");
}
