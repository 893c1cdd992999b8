/**
 * Clean ancestry: a creator's own record counts against the optimizers it makes. Monitors follow
 * every optimizer's record as the log admits it (its steps, what the environment reports about it,
 * its parameter changes); when an optimizer creates another, the gate asks them what they found in
 * the creator and each ancestor, and a policy's `ancestry:` turns findings at or above a severity
 * into denials. Like every control rule, the log re-derives this at admission and `verify` re-runs
 * it offline, so a monitor must be deterministic given the same entries, keep bounded memory, and
 * record how to undo each change (a batch refused half way leaves no trace).
 *
 * The monitors themselves live with the detectors (`oversight/`); control only runs them.
 */
import type { Journal } from "../ledger/rules.js";
import type { EntryView } from "../ledger/statement.js";
import type { ControlState } from "./state.js";

/** Most severe first, as the detectors' findings are ranked. */
export type AncestrySeverity = "critical" | "high" | "medium" | "low";
export const SEVERITY_RANK: Readonly<Record<AncestrySeverity, number>> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
};

/** What a monitor found in one optimizer's record. */
export interface MonitorFinding {
  readonly code: string;
  readonly severity: AncestrySeverity;
  readonly message: string;
  /** Entries that show it. */
  readonly entries: readonly number[];
}

/** A finding about one of a creation's ancestors, as the gate reads it. */
export interface AncestryFinding extends MonitorFinding {
  readonly detector: string;
  /** The ancestor it is about. */
  readonly optimizer: string;
  /** 1 for the creator, 2 for the creator's creator, and so on. */
  readonly generation: number;
}

export interface AncestryMonitor<M = unknown> {
  /** Fresh memory for an empty log. */
  create(): M;
  /** Told of every admitted entry, in order, after the control state applied it. */
  observe(memory: M, index: number, view: EntryView, state: ControlState, journal: Journal | undefined): void;
  /** What it found in `optimizer`'s record so far. */
  findings(memory: M, optimizer: string, state: ControlState): readonly MonitorFinding[];
}

export type AncestryMonitors = Readonly<Record<string, AncestryMonitor>>;

/** What the gate learns about a creation's line of creators. */
export interface AncestryReport {
  /** The monitors the policy asked for that exist (an unknown one fails the gate, closed). */
  readonly ran: readonly string[];
  readonly findings: readonly AncestryFinding[];
}

/**
 * Ask the monitors the policy names about `creator` and its ancestors (optimizers only: a person
 * at the root has no record to judge), nearest first, up to `generations` above the child.
 *
 * @example ancestryReport(state, monitors, { detectors: ["self-modification"] }, "trainer")
 */
export function ancestryReport(
  state: ControlState,
  monitors: AncestryMonitors,
  wanted: { readonly detectors: readonly string[]; readonly generations?: number | undefined },
  creator: string,
): AncestryReport {
  // A monitor runs when the log was replayed with it (its memory is there); else it did not run.
  const ran = wanted.detectors.filter((d) => monitors[d] !== undefined && state.monitors.has(d));
  const line = [creator, ...state.ancestors(creator)].filter((n) => state.optimizers.has(n));
  const findings: AncestryFinding[] = [];
  for (const [i, optimizer] of line.entries()) {
    const generation = i + 1;
    if (wanted.generations !== undefined && generation > wanted.generations) break;
    for (const d of ran)
      for (const f of monitors[d]!.findings(state.monitors.get(d), optimizer, state))
        findings.push({ ...f, detector: d, optimizer, generation });
  }
  return { ran, findings };
}
