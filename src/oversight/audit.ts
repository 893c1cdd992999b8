/**
 * The overseer's report: every ledger-level detector over a ledger, findings grouped per optimizer
 * with its provenance chain, most severe first. `optprov audit` prints it.
 *
 * An audit cannot be crashed: a ledger that fails verification yields a critical `forgery` finding
 * with the verifier's code and index, then whatever can still be read (entries that break a rule
 * are skipped and listed); an entry, a spec or a blob a detector cannot read is an `UNREADABLE`
 * finding; a detector that throws is reported and stopped, the others go on. It reads the ledger in
 * one streaming replay, so its memory is bounded by what the detectors keep, not by the ledger.
 */

import type { ControlState } from "../control/state.js";
import { OptprovError } from "../errors.js";
import { Log, type LogObserver } from "../ledger/log.js";
import type { LedgerStore } from "../ledger/store.js";
import type { VerifyReport } from "../ledger/verify.js";
import type { WorkerPool } from "../ledger/worker-pool.js";
import { AuditReplay } from "./audit-replay.js";
import { constraintLedgerDetector } from "./detectors/constraint.js";
import { compareFindings, type Finding } from "./detectors/finding.js";
import { forgeryFindings } from "./detectors/forgery.js";
import { goodhartLedgerDetector } from "./detectors/goodhart-ledger.js";
import type { LedgerDetectorFactory } from "./detectors/ledger-detector.js";
import { selfModificationDetector } from "./detectors/self-modification.js";
import {
  distributionalShiftLedgerDetector,
  oversightDependenceLedgerDetector,
  oversightDisabledLedgerDetector,
} from "./detectors/spec-detectors.js";
import { undeclaredOptimizerDetector } from "./detectors/undeclared-optimizer.js";
import { ledgerRules } from "./gate-detectors.js";
import { verifyLedger } from "./verify.js";

/** The ledger-level detectors `audit` runs, by name. */
export const LEDGER_DETECTORS: Readonly<Record<string, LedgerDetectorFactory>> = {
  constraint: constraintLedgerDetector,
  "distributional-shift": distributionalShiftLedgerDetector,
  goodhart: goodhartLedgerDetector,
  "oversight-dependence": oversightDependenceLedgerDetector,
  "oversight-disabled": oversightDisabledLedgerDetector,
  "self-modification": selfModificationDetector,
  "undeclared-optimizer": undeclaredOptimizerDetector,
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

export interface AuditOptions {
  /** Detectors beyond (or replacing, by name) the built-in ones. */
  readonly detectors?: Readonly<Record<string, LedgerDetectorFactory>>;
  /** Run only these detectors (by name); forgery, from the verifier, always runs. */
  readonly only?: readonly string[];
  readonly pool?: WorkerPool;
}

/**
 * @example const report = await audit(SqliteStore.open("ledger.db", { readonly: true }));
 */
export async function audit(store: LedgerStore, options: AuditOptions = {}): Promise<AuditReport> {
  const detectors = { ...LEDGER_DETECTORS, ...options.detectors };
  const findings: Finding[] = [];
  // One pass when the ledger verifies: the detectors ride on the verifier's replay.
  let replay = new AuditReplay({ detectors, only: options.only });
  let state: ControlState | undefined;
  const observer = (r: AuditReplay): LogObserver<ControlState> => ({
    full: true,
    entry(index, entry, blob, now) {
      state = now;
      r.observer.entry(index, entry, blob, now);
    },
  });
  const verify = await verifyOrReport(store, options.pool, findings, observer(replay));
  findings.push(...forgeryFindings(verify));
  if (!verify.ok) {
    // A ledger that fails verification is read again leniently: entries that break a rule are
    // skipped and listed, and the detectors start afresh on what can still be read.
    replay = new AuditReplay({ detectors, only: options.only });
    state = undefined;
    try {
      const log = await Log.open(store, {
        rules: ledgerRules(),
        ...(options.pool ? { pool: options.pool } : {}),
        onRefused: replay.onRefused,
        observer: observer(replay),
      });
      state = log.state;
      await log.settle();
    } catch (err) {
      if (!(err instanceof OptprovError)) throw err;
      replay.failed(err.message);
    }
  }
  findings.push(...replay.findings(state, verify.problem?.index));
  findings.sort(compareFindings);
  const final = state as ControlState | undefined;
  const optimizers = [...(final?.optimizers.values() ?? [])].map((o) => ({
    name: o.name,
    chain: [o.name, ...final!.ancestors(o.name)],
    findings: findings.filter((f) => f.optimizer === o.name),
  }));
  return { verify, detectorsRun: ["forgery", ...replay.detectorsRun], findings, optimizers };
}

/** Verify, turning a verifier that cannot even run (an unreadable store) into a finding. */
async function verifyOrReport(
  store: LedgerStore,
  pool: WorkerPool | undefined,
  findings: Finding[],
  observer: LogObserver<ControlState>,
): Promise<VerifyReport> {
  try {
    return await verifyLedger(store, { observer, ...(pool ? { pool } : {}) });
  } catch (err) {
    findings.push({
      detector: "forgery",
      code: "VERIFY_FAILED",
      severity: "critical",
      message: `the ledger could not be verified at all: ${(err as Error).message}`,
      evidence: {},
    });
    return {
      ok: false,
      origin: undefined,
      entries: 0,
      actors: 0,
      rootActors: [],
      checkpoints: 0,
      witnesses: [],
      root: "",
      marks: [],
      markCount: 0,
    };
  }
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
