/**
 * Rules beyond the log's own: a plug-in the log runs at admission and the verifier runs offline,
 * the same object for both, so what the log admits is exactly what `verify` accepts. The ledger
 * knows nothing about what the rules mean (mesa-optimizer control supplies them from `control/`);
 * it only promises to call `admit` on every entry, in index order, with the state the rules built
 * from every earlier entry.
 */
import type { ActorBinding } from "./admission.js";
import type { EntryView } from "./statement.js";

/**
 * Undo steps for a batch that may still be refused. A rule set records how to reverse each change
 * it makes to its state; a refused (or unwritten) batch rolls them back, newest first.
 */
export class Journal {
  private readonly undo: (() => void)[] = [];

  record(step: () => void): void {
    this.undo.push(step);
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }

  commit(): void {
    this.undo.length = 0;
  }
}

/** What a rule set is told about the entry it decides on, besides the entry itself. */
export interface RuleContext {
  readonly index: number;
  /** The log's origin. */
  readonly origin: string;
  /** The signer's canonical verifier key (already bound to the entry's actor by the log's own rules). */
  readonly signer: string;
  /** Every actor and optimizer the log knows, with their keys and creators. */
  readonly actor: (name: string) => ActorBinding | undefined;
  /** A blob stored beside the log (or arriving with this batch), by hex SHA-256. */
  readonly blob: (digest: string) => Uint8Array | undefined;
}

/** A refusal: the entry may not stand at this index. */
export interface RuleRefusal {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

/** An admission, possibly marked (an audit-mode policy let through what enforce mode would refuse). */
export interface RuleAdmission {
  readonly ok: true;
  readonly marks?: readonly { readonly code: string; readonly message: string }[];
}

export type RuleVerdict = RuleAdmission | RuleRefusal;

export const ADMITTED: RuleAdmission = { ok: true };

export interface LedgerRules<S> {
  /** A name for reports (`control`). */
  readonly name: string;
  /** The state for an empty log. */
  create(): S;
  /**
   * Decide on `entry` at `ctx.index`; when it is admitted, apply it to `state` (recording undo steps
   * in `journal` when one is given). Must depend on nothing but `state`, the entry and `ctx`, so
   * admission and an offline verifier reach the same verdict.
   */
  admit(state: S, entry: EntryView, ctx: RuleContext, journal?: Journal): RuleVerdict;
  /** Blob digests `entry` refers to, so callers can fetch them before `admit` (which is synchronous). */
  blobsOf?(entry: EntryView): readonly string[];
}

/** The rules of a log with no rules beyond its own. */
export const NO_RULES: LedgerRules<undefined> = {
  name: "none",
  create: () => undefined,
  admit: () => ADMITTED,
};
