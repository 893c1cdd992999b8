/**
 * Which of the server's read answers (`read-models.ts`) an appended entry can change, read from the
 * entry alone, so that an append leaves every answer it cannot change in place instead of having all
 * of them made again from the control state.
 *
 * What each kind changes, from the control state's handlers (`control/state.ts`) and the built-in
 * ancestry monitors (`oversight/ancestry-monitors.ts`), which an explanation reads through
 * `ancestryReport`:
 * - `note`: nothing. The state's handler does nothing and no built-in monitor reads notes.
 * - `step-batch` by X: X's record (steps, batches, last step batch) and what the goodhart and
 *   self-modification monitors remember of X. So X's explanation, those of X's descendants (whose
 *   line of creators includes X), the tree and the optimizer list (both show steps); not the queue.
 * - `observation` about X: what the goodhart and constraint monitors remember of X (the state's
 *   handler does nothing). So X's and its descendants' explanations.
 * - `artifact` by X: X's record (artifacts): X's explanation.
 * - anything else (actors, creations, requests, approvals, halts, changes, policies, span batches):
 *   every answer, but not what the built-in monitors found in an optimizer's own record, which only
 *   its step batches and observations about it change (the `unapproved` monitor reads a mark set at
 *   its creation; self-modification judges a batch against the approvals as they stood then).
 * - anything that does not parse: every answer and every record.
 *
 * Any other monitor in the log's rules could read any entry, so the caller treats every entry as
 * changing every answer unless the log runs the built-in monitors only.
 */
import { openEntry } from "../ledger/entry.js";

export type AnswerScope =
  /** Changes no answer. */
  | { readonly kind: "none" }
  /** Changes the explanations of `optimizer` and its descendants, and with `steps` the tree and the list. */
  | { readonly kind: "line"; readonly optimizer: string; readonly steps: boolean }
  /**
   * May change any answer; with `records`, also what the ancestry monitors found in any optimizer's
   * own record (else only a step batch of it or an observation about it changes that).
   */
  | { readonly kind: "all"; readonly records: boolean };

const NONE: AnswerScope = { kind: "none" };
const ALL: AnswerScope = { kind: "all", records: false };
const UNKNOWN: AnswerScope = { kind: "all", records: true };

/**
 * @example answerScope(envelope) // { kind: "line", optimizer: "trainer-0", steps: true } for its step batch
 */
export function answerScope(envelope: Uint8Array): AnswerScope {
  let s: ReturnType<typeof openEntry>["statement"];
  try {
    s = openEntry(envelope).statement;
  } catch {
    // The log admitted it, so this should not happen; if it does, assume the worst.
    return UNKNOWN;
  }
  switch (s.kind) {
    case "note":
      return NONE;
    case "step-batch":
      return { kind: "line", optimizer: s.predicate.actor, steps: true };
    case "artifact":
      return { kind: "line", optimizer: s.predicate.actor, steps: false };
    case "observation":
      // Naming no optimizer, it changes no monitor's record, but nothing places it either.
      return s.predicate.optimizer === undefined
        ? ALL
        : { kind: "line", optimizer: s.predicate.optimizer, steps: false };
    default:
      return ALL;
  }
}
