/**
 * The detectors' side of an audit, as a replay feeds it: every ledger-level detector told of each
 * entry in order with the control state as of that entry (a `LogObserver`), and the findings they
 * hold at any point. `audit` runs one over a whole ledger and asks once; the server keeps one
 * running on its store and asks again as the log grows (`server/read-models.ts`), so neither
 * replays more than the entries it has not seen.
 *
 * A detector that throws is reported (`UNREADABLE`) and stopped, the others go on; entries the
 * replay skipped (a store edited behind the log's back) become `forgery` findings.
 */
import type { ControlState } from "../control/state.js";
import type { LogObserver } from "../ledger/log.js";
import type { Finding } from "./detectors/finding.js";
import { type LedgerDetector, type LedgerDetectorFactory, unreadable } from "./detectors/ledger-detector.js";

/** Entries skipped by the replay that are listed one by one; the rest are counted. */
const MAX_SKIPPED_LISTED = 50;

export interface AuditReplayOptions {
  /** The detectors by name (`LEDGER_DETECTORS` and any the caller adds). */
  readonly detectors: Readonly<Record<string, LedgerDetectorFactory>>;
  /** Run only these detectors (by name). */
  readonly only?: readonly string[] | undefined;
}

/**
 * @example
 * const replay = new AuditReplay({ detectors: LEDGER_DETECTORS });
 * const log = await Log.open(store, { rules: ledgerRules(), observer: replay.observer, onRefused: replay.onRefused });
 * replay.findings(log.state);
 */
export class AuditReplay {
  private readonly running = new Map<string, LedgerDetector>();
  /** Findings of the replay itself (unreadable specs, stopped detectors), in the order they came. */
  private readonly own: Finding[] = [];
  private readonly skipped: { index: number; code: string; message: string }[] = [];
  private skippedCount = 0;

  constructor(options: AuditReplayOptions) {
    for (const [name, make] of Object.entries(options.detectors))
      if (options.only === undefined || options.only.includes(name))
        this.guarded(name, () => this.running.set(name, make()));
  }

  /** The detectors still running, by name. */
  get detectorsRun(): readonly string[] {
    return [...this.running.keys()];
  }

  private guarded(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.running.delete(name);
      this.own.push(
        unreadable(
          name,
          `the ${name} detector stopped on input it could not read: ${(err as Error).message}; its findings are missing`,
        ),
      );
    }
  }

  /** Give to `Log.open` as `observer`: every admitted entry, with its whole statement. */
  readonly observer: LogObserver<ControlState> = {
    full: true,
    entry: (index, entry, blob, now) => {
      const s = entry.statement!;
      for (const [name, d] of this.running) if (d.entry) this.guarded(name, () => d.entry!(index, s, now));
      if (s.kind !== "optimizer") return;
      const o = now.optimizers.get(s.predicate.optimizer.name);
      if (o === undefined) return;
      const spec = specOf(s.predicate.optimizer, blob);
      if (spec === undefined) return;
      if (spec instanceof Error) {
        this.own.push(
          unreadable("audit", `${o.name}'s spec could not be read: ${spec.message}`, index, o.name),
        );
        return;
      }
      for (const [name, d] of this.running) if (d.spec) this.guarded(name, () => d.spec!(o, spec, now));
    },
  };

  /** Give to `Log.open` as `onRefused`: an entry that breaks a rule is skipped and remembered. */
  readonly onRefused = (index: number, code: string, message: string): void => {
    this.skippedCount++;
    if (this.skipped.length <= MAX_SKIPPED_LISTED) this.skipped.push({ index, code, message });
  };

  /** The replay could not go on at all; said as a finding. */
  failed(message: string): void {
    this.own.push(unreadable("audit", `the ledger could not be replayed: ${message}`));
  }

  /**
   * What the detectors hold now, with the replay's own findings and the skipped entries (except the
   * one at `knownProblem`, which the caller reports already), unsorted. May be asked any number of
   * times between entries; asking changes nothing the detectors keep.
   */
  findings(state: ControlState | undefined, knownProblem?: number): Finding[] {
    const out = [...this.own];
    for (const s of this.skipped.filter((x) => x.index !== knownProblem).slice(0, MAX_SKIPPED_LISTED))
      out.push({
        detector: "forgery",
        code: s.code,
        severity: "critical",
        message: `entry #${s.index} breaks the log's rules and was left out of this audit: ${s.message}`,
        evidence: { entries: [s.index] },
        firstAt: { entry: s.index },
      });
    if (this.skippedCount > MAX_SKIPPED_LISTED)
      out.push({
        detector: "forgery",
        code: "ENTRIES_SKIPPED",
        severity: "critical",
        message: `${this.skippedCount} entries in all break the log's rules and were left out of this audit`,
        evidence: { numbers: { skipped: this.skippedCount } },
      });
    if (state !== undefined)
      for (const [name, d] of this.running) {
        try {
          out.push(...d.finish(state));
        } catch (err) {
          this.running.delete(name);
          const stopped = unreadable(
            name,
            `the ${name} detector stopped on input it could not read: ${(err as Error).message}; its findings are missing`,
          );
          this.own.push(stopped);
          out.push(stopped);
        }
      }
    return out;
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
