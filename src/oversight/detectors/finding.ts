/**
 * What every detector returns: a finding is a value with evidence, not an exception (STYLE.md,
 * habit 4). An overseer reads the `message`, then follows the evidence (entry indices, episodes,
 * steps, numbers, the local-model rows or states involved) back into the ledger to check it.
 *
 * Exceptions are kept for broken input: a detector handed a series with NaN in it throws a
 * {@link DetectorError} with a stable code, because "no finding" on garbage would read as "all clear".
 */
import { OptprovError } from "../../errors.js";

/** Most severe first; `compareFindings` sorts in this order. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;

/**
 * - `critical`: the record itself cannot be trusted (forgery) or oversight was switched off;
 * - `high`: the optimizer is working against what was intended (deception, Goodhart divergence);
 * - `medium`: a warning sign that needs a person to look (a growing proxy gap, decorrelation);
 * - `low`: worth knowing, not worth waking anyone for.
 */
export type Severity = (typeof SEVERITIES)[number];

/** Where a detector's evidence lives. Every field is optional: each detector fills what it has. */
export interface Evidence {
  /** Ledger entry indices a reader can open (`optprov log show <i>`). */
  readonly entries?: readonly number[];
  readonly episodes?: readonly number[];
  readonly steps?: readonly number[];
  /** The measured quantities behind the finding, named (slopes, z-scores, thresholds, ...). */
  readonly numbers?: Readonly<Record<string, number>>;
  /** Local-model rows involved (oversight dependence), as the world model prints them. */
  readonly rows?: readonly unknown[];
  /** States where behaviour differs (counterfactual checks). */
  readonly states?: readonly unknown[];
}

/** The earliest point at which the detector would have fired, had it been watching live. */
export interface FirstAt {
  readonly episode?: number;
  readonly step?: number;
  readonly entry?: number;
}

export interface Finding {
  /** The detector that produced it, kebab-case (`goodhart`, `forgery`, ...). */
  readonly detector: string;
  /** Stable code within the detector (`GOODHART_DIVERGENCE`); tests and tools key on it. */
  readonly code: string;
  readonly severity: Severity;
  /** Name of the optimizer the finding is about, when there is one. */
  readonly optimizer?: string;
  /** A sentence a person can act on: what was seen, where, and why it matters. */
  readonly message: string;
  readonly evidence: Evidence;
  readonly firstAt?: FirstAt;
}

const RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * Order for the overseer's report: most severe first, then the one that fired earliest (a reader
 * follows the story forwards), then by detector and code so that the order never depends on the
 * order detectors happened to run in.
 *
 * @example findings.toSorted(compareFindings)[0]?.severity // "critical" if there is any
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    compareOptional(a.firstAt?.entry, b.firstAt?.entry) ||
    compareOptional(a.firstAt?.episode, b.firstAt?.episode) ||
    compareOptional(a.firstAt?.step, b.firstAt?.step) ||
    compareText(a.detector, b.detector) ||
    compareText(a.code, b.code) ||
    compareText(a.optimizer ?? "", b.optimizer ?? "")
  );
}

/** Known positions before unknown ones: an unplaced finding sorts after every placed one. */
function compareOptional(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

/** Code-unit order, not locale order, so the report is the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type DetectorErrorCode =
  /** A series that is not an array of finite numbers (NaN, Infinity, a string). */
  | "SERIES_INVALID"
  /** Series that should be aligned point for point but have different lengths. */
  | "SERIES_MISMATCH"
  /** A detector option out of range (a window below its minimum, a negative threshold). */
  | "OPTION_INVALID"
  /** More input than the detector bounds its work to; aggregate (per episode) first. */
  | "INPUT_TOO_LARGE";

/** Broken input to a detector. Tests assert the code, never the wording. */
export class DetectorError extends OptprovError<DetectorErrorCode> {}
