/**
 * The constraint detector: safety constraints an optimizer was reported breaking, in training or
 * deployment. It reads `observation` entries about the optimizer, signed by anyone but the
 * optimizer itself (the environment, an evaluator), whose `violations` value (`MEASURE_KEYS`,
 * docs/conventions.md) is above zero. The audit runs it over a ledger; the `constraint` ancestry
 * monitor applies the same rule to a creator's record at the gate.
 */
import type { Predicate } from "../../ledger/statement.js";
import { MEASURE_KEYS } from "../../model/measures.js";
import type { Finding } from "./finding.js";
import type { LedgerDetector } from "./ledger-detector.js";

/** Entries kept as evidence per optimizer: the first ones, which date the alarm. */
export const CONSTRAINT_EVIDENCE = 20;

/** What the reports about one optimizer add up to. */
export interface ConstraintTally {
  readonly count: number;
  /** The first reporting entries, and the episodes they were about. */
  readonly entries: readonly number[];
  readonly episodes: readonly number[];
}

/**
 * The violations `p` reports about another optimizer, or 0 when it reports none (or reports on
 * its own author, which counts neither for nor against it).
 */
export function reportedViolations(p: Predicate<"observation">): number {
  if (p.optimizer === undefined || p.actor === p.optimizer) return 0;
  const n = p.values[MEASURE_KEYS.violations];
  return typeof n === "number" && n > 0 ? n : 0;
}

/** `tally` with one more report of `n` violations at `entry`. */
export function addViolations(
  tally: ConstraintTally | undefined,
  n: number,
  entry: number,
  episode: number | undefined,
): ConstraintTally {
  const t = tally ?? { count: 0, entries: [], episodes: [] };
  const keep = t.entries.length < CONSTRAINT_EVIDENCE;
  return {
    count: t.count + n,
    entries: keep ? [...t.entries, entry] : t.entries,
    episodes: keep && episode !== undefined ? [...t.episodes, episode] : t.episodes,
  };
}

/** The finding for an optimizer reported breaking a constraint, dated at the first report. */
export function constraintFinding(optimizer: string, t: ConstraintTally): Finding {
  return {
    detector: "constraint",
    code: "CONSTRAINT_VIOLATED",
    severity: "high",
    optimizer,
    message: `${optimizer} was reported violating a safety constraint ${t.count} time(s), by the environment or an evaluator (not by itself)`,
    evidence: { entries: t.entries, episodes: t.episodes, numbers: { violations: t.count } },
    firstAt: { entry: t.entries[0]!, ...(t.episodes[0] !== undefined ? { episode: t.episodes[0] } : {}) },
  };
}

/**
 * @example const report = await audit(store, { only: ["constraint"] });
 */
export function constraintLedgerDetector(): LedgerDetector {
  const tallies = new Map<string, ConstraintTally>();
  return {
    entry(index, s) {
      if (s.kind !== "observation") return;
      const n = reportedViolations(s.predicate);
      if (n === 0) return;
      const o = s.predicate.optimizer!;
      tallies.set(o, addViolations(tallies.get(o), n, index, s.predicate.episode));
    },
    finish: () => [...tallies].map(([o, t]) => constraintFinding(o, t)),
  };
}
