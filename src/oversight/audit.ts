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
import type { AdmissionEntry } from "../ledger/admission.js";
import { Log, type LogObserver } from "../ledger/log.js";
import type { LedgerStore } from "../ledger/store.js";
import type { VerifyReport } from "../ledger/verify.js";
import type { WorkerPool } from "../ledger/worker-pool.js";
import { constraintLedgerDetector } from "./detectors/constraint.js";
import { compareFindings, type Finding } from "./detectors/finding.js";
import { forgeryFindings } from "./detectors/forgery.js";
import { goodhartLedgerDetector } from "./detectors/goodhart-ledger.js";
import { type LedgerDetector, type LedgerDetectorFactory, unreadable } from "./detectors/ledger-detector.js";
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

/** Entries skipped by the replay that are listed one by one; the rest are counted. */
const MAX_SKIPPED_LISTED = 50;

/**
 * @example const report = await audit(SqliteStore.open("ledger.db", { readonly: true }));
 */
export async function audit(store: LedgerStore, options: AuditOptions = {}): Promise<AuditReport> {
  const factories = { ...LEDGER_DETECTORS, ...options.detectors };
  const names = Object.keys(factories).filter((n) => options.only === undefined || options.only.includes(n));
  const findings: Finding[] = [];
  // One pass when the ledger verifies: the detectors ride on the verifier's replay.
  let scan = new Scan(factories, names);
  const verify = await verifyOrReport(store, options.pool, findings, scan);
  findings.push(...forgeryFindings(verify));
  const skipped: { index: number; code: string; message: string }[] = [];
  if (!verify.ok) {
    // A ledger that fails verification is read again leniently: entries that break a rule are
    // skipped and listed, and the detectors start afresh on what can still be read.
    scan = new Scan(factories, names);
    try {
      const log = await Log.open(store, {
        rules: ledgerRules(),
        ...(options.pool ? { pool: options.pool } : {}),
        onRefused: (index, code, message) => skipped.push({ index, code, message }),
        observer: scan,
      });
      scan.state = log.state;
      await log.settle();
    } catch (err) {
      if (!(err instanceof OptprovError)) throw err;
      scan.findings.push(unreadable("audit", `the ledger could not be replayed: ${err.message}`));
    }
  }
  const seen = new Set([verify.problem?.index]);
  for (const s of skipped.filter((x) => !seen.has(x.index)).slice(0, MAX_SKIPPED_LISTED))
    findings.push({
      detector: "forgery",
      code: s.code,
      severity: "critical",
      message: `entry #${s.index} breaks the log's rules and was left out of this audit: ${s.message}`,
      evidence: { entries: [s.index] },
      firstAt: { entry: s.index },
    });
  if (skipped.length > MAX_SKIPPED_LISTED)
    findings.push({
      detector: "forgery",
      code: "ENTRIES_SKIPPED",
      severity: "critical",
      message: `${skipped.length} entries in all break the log's rules and were left out of this audit`,
      evidence: { numbers: { skipped: skipped.length } },
    });
  const state = scan.finish();
  findings.push(...scan.findings);
  findings.sort(compareFindings);
  const optimizers = [...(state?.optimizers.values() ?? [])].map((o) => ({
    name: o.name,
    chain: [o.name, ...state!.ancestors(o.name)],
    findings: findings.filter((f) => f.optimizer === o.name),
  }));
  return { verify, detectorsRun: ["forgery", ...scan.running.keys()], findings, optimizers };
}

/**
 * The detectors over one replay, as its observer: each sees every admitted entry and every recorded
 * spec; a detector that throws is reported and stopped, the others go on.
 */
class Scan implements LogObserver<ControlState> {
  readonly full = true;
  readonly running = new Map<string, LedgerDetector>();
  readonly findings: Finding[] = [];
  /** The control state the replay reached; undefined when it never started. */
  state: ControlState | undefined;

  constructor(factories: Readonly<Record<string, LedgerDetectorFactory>>, names: readonly string[]) {
    for (const name of names) this.guarded(name, () => this.running.set(name, factories[name]!()));
  }

  entry(
    index: number,
    entry: AdmissionEntry,
    blob: (digest: string) => Uint8Array | undefined,
    now: ControlState,
  ) {
    this.state = now;
    const s = entry.statement!;
    for (const [name, d] of this.running) if (d.entry) this.guarded(name, () => d.entry!(index, s, now));
    if (s.kind !== "optimizer") return;
    const o = now.optimizers.get(s.predicate.optimizer.name);
    if (o === undefined) return;
    const spec = specOf(s.predicate.optimizer, blob);
    if (spec === undefined) return;
    if (spec instanceof Error) {
      this.findings.push(
        unreadable("audit", `${o.name}'s spec could not be read: ${spec.message}`, index, o.name),
      );
      return;
    }
    for (const [name, d] of this.running) if (d.spec) this.guarded(name, () => d.spec!(o, spec, now));
  }

  /** Each detector's closing findings; the final state (a fresh one for an empty ledger). */
  finish(): ControlState | undefined {
    const final = this.state;
    if (final !== undefined)
      for (const [name, d] of this.running) this.guarded(name, () => this.findings.push(...d.finish(final)));
    return final;
  }

  private guarded(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.running.delete(name);
      this.findings.push(
        unreadable(
          name,
          `the ${name} detector stopped on input it could not read: ${(err as Error).message}; its findings are missing`,
        ),
      );
    }
  }
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

/** The spec a creation recorded: inline, or the blob beside the log; an Error when it cannot be read. */
function specOf(
  o: { readonly spec?: unknown; readonly specDigest?: string | undefined },
  blob: (digest: string) => Uint8Array | undefined,
): unknown {
  if (o.spec !== undefined) return o.spec;
  if (o.specDigest === undefined) return undefined;
  const data = blob(o.specDigest);
  if (data === undefined) return new Error(`its blob ${o.specDigest} is not stored beside the log`);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch (err) {
    return new Error(`its blob ${o.specDigest} is not UTF-8 JSON (${(err as Error).message})`);
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
