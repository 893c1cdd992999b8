/**
 * The log's own rules, which hold whatever rule set is plugged in on top (`rules.ts`), shared by the
 * appender and the verifier so that what the log admits is exactly what `verify` accepts:
 *  - the entry is written for this log (its `log` field is the log's origin), so a note copied
 *    from another ledger is refused;
 *  - it is not an exact copy of an envelope already in the log (a replay);
 *  - the signer (DSSE keyid) is the key bound to the entry's actor; an `actor` entry introduces a
 *    new root actor and is signed by the key it introduces; an `optimizer` entry is signed by its
 *    creator and introduces the new optimizer's key;
 *  - a `parent` names an earlier entry;
 *  - time: see `CLOCK_TOLERANCE_MS`.
 *
 * Parsing and signature checks run on worker threads (`openForAdmission`); only the entry's view
 * (its predicate, with step batches summarised) crosses back.
 */
import { OptprovError } from "../errors.js";
import { type OpenedEntry, openEntry, verifyEntrySignature } from "./entry.js";
import { formatVerifierKey, parseVerifierKey } from "./keys.js";
import { LeafSet } from "./leaf-set.js";
import type { Hash } from "./merkle.js";
import type { Journal } from "./rules.js";
import { type EntryView, type Statement, viewOf } from "./statement.js";

/**
 * How far an entry's time may run ahead of the log's clock, behind it, or behind the latest time
 * already in the log: five minutes. Writers sign an entry moments before submitting it, so honest
 * times sit within seconds of the log's clock; the tolerance absorbs clock skew between hosts and a
 * client's retries after a server restart. Without these bounds an entry could claim 9999 or 1970,
 * and `explain`, expiry of policies and the order of events would mean nothing.
 *
 * Admission checks all three against the log's own clock; `verify` re-checks what it can offline:
 * no entry more than the tolerance behind an earlier entry, and none beyond the tolerance ahead of
 * the verifier's clock.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

export interface ActorBinding {
  readonly name: string;
  /** The actor's verifier key, as a canonical C2SP verifier key string. */
  readonly key: string;
  /** The index of the entry that introduced the actor. */
  readonly index: number;
  /** Who created it: undefined for a self-introduced root actor. */
  readonly creator: string | undefined;
  readonly role: string;
}

/** An entry as the rules see it: its view, who signed it, and whether the signature checks out. */
export interface AdmissionEntry {
  readonly view: EntryView;
  /** The whole statement, when it was asked for (audits read step batches). */
  readonly statement?: Statement;
  /** The DSSE signer's canonical verifier key (an unauthenticated hint until bound to the actor). */
  readonly signer: string;
  readonly signerName: string;
  /** Undefined when the signature was not checked (replaying a log's own store). */
  readonly signatureValid: boolean | undefined;
}

/** An entry opened for admission, or why it does not parse. */
export type OpenResult =
  | { readonly ok: true; readonly entry: AdmissionEntry }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface OpenOptions {
  /** Check the signature (admission, verify); a log replaying its own store skips it. */
  readonly verify: boolean;
  /** Keep the whole statement as well as its view. */
  readonly full: boolean;
}

/** Parse an envelope, optionally check its signature, and take its view. Never throws for bad input. */
export function openForAdmission(bytes: Uint8Array, options: OpenOptions): OpenResult {
  try {
    const e: OpenedEntry = openEntry(bytes);
    return {
      ok: true,
      entry: {
        view: viewOf(e.statement),
        ...(options.full ? { statement: e.statement } : {}),
        signer: formatVerifierKey(e.signer),
        signerName: e.signer.name,
        signatureValid: options.verify ? verifyEntrySignature(e) : undefined,
      },
    };
  } catch (err) {
    if (err instanceof OptprovError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** What the log itself keeps, whatever rules are plugged in: keys, leaves, and the latest time. */
export class CoreState {
  readonly actors = new Map<string, ActorBinding>();
  readonly leaves = new LeafSet();
  /** The latest entry time seen, in ms since the epoch. */
  latestTime = Number.NEGATIVE_INFINITY;
}

export type CoreCode =
  | "ORIGIN_MISMATCH"
  | "ENTRY_DUPLICATE"
  | "PARENT_NOT_BEFORE"
  | "TIME_IN_FUTURE"
  | "TIME_STALE"
  | "TIME_BACKWARDS"
  | "ACTOR_UNKNOWN"
  | "ACTOR_EXISTS"
  | "ACTOR_KEY_MISMATCH";

export interface CoreContext {
  readonly index: number;
  readonly origin: string;
  /**
   * The clock to hold times to: the log's own at admission (future and stale both checked), the
   * verifier's offline (only the future: an entry's age at admission is not recorded anywhere).
   */
  readonly now: number | undefined;
  readonly admission: boolean;
}

export type CoreVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: CoreCode; readonly message: string };

function deny(code: CoreCode, message: string): CoreVerdict {
  return { ok: false, code, message };
}

function canonicalKey(text: string): { key: string; name: string } | undefined {
  try {
    const k = parseVerifierKey(text);
    return { key: formatVerifierKey(k), name: k.name };
  } catch {
    return undefined;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Decide whether an entry may stand at `ctx.index`, and if so record it in `core`. A denial is a
 * value; the caller turns it into an AdmissionError or a verification problem.
 */
export function admitCore(
  core: CoreState,
  e: AdmissionEntry,
  leaf: Hash,
  ctx: CoreContext,
  journal?: Journal,
): CoreVerdict {
  const { kind, predicate: p } = e.view;
  const { index } = ctx;
  if (p.log !== ctx.origin)
    return deny(
      "ORIGIN_MISMATCH",
      `entry ${index} is written for log ${JSON.stringify(p.log)}, not this log (${ctx.origin})`,
    );
  const earlier = core.leaves.find(leaf);
  if (earlier !== undefined)
    return deny("ENTRY_DUPLICATE", `entry ${index} is an exact copy of entry ${earlier} (a replay)`);
  if (p.parent !== undefined && p.parent >= index)
    return deny("PARENT_NOT_BEFORE", `entry ${index} names parent ${p.parent}, which is not before it`);

  const t = Date.parse(p.time);
  if (ctx.now !== undefined && t > ctx.now + CLOCK_TOLERANCE_MS)
    return deny(
      "TIME_IN_FUTURE",
      `entry ${index} is dated ${p.time}, more than ${CLOCK_TOLERANCE_MS / 60000} minutes after ${ctx.admission ? "the log's clock" : "the verifier's clock"} (${iso(ctx.now)})`,
    );
  if (ctx.admission && ctx.now !== undefined && t < ctx.now - CLOCK_TOLERANCE_MS)
    return deny(
      "TIME_STALE",
      `entry ${index} is dated ${p.time}, more than ${CLOCK_TOLERANCE_MS / 60000} minutes before the log's clock (${iso(ctx.now)})`,
    );
  if (t < core.latestTime - CLOCK_TOLERANCE_MS)
    return deny(
      "TIME_BACKWARDS",
      `entry ${index} is dated ${p.time}, more than ${CLOCK_TOLERANCE_MS / 60000} minutes before an earlier entry (${iso(core.latestTime)})`,
    );

  let introduces: ActorBinding | undefined;
  if (kind === "actor") {
    const k = canonicalKey(p.key);
    if (k === undefined || k.name !== p.actor || k.key !== e.signer)
      return deny(
        "ACTOR_KEY_MISMATCH",
        `actor entry ${index} for ${p.actor} must be signed by the key it introduces`,
      );
    if (core.actors.has(p.actor)) return deny("ACTOR_EXISTS", `actor ${p.actor} already exists`);
    introduces = { name: p.actor, key: k.key, index, creator: undefined, role: p.role };
  } else {
    const bound = core.actors.get(p.actor);
    if (bound === undefined)
      return deny("ACTOR_UNKNOWN", `entry ${index} names actor ${p.actor}, who is not in the log`);
    if (e.signerName !== p.actor || bound.key !== e.signer)
      return deny(
        "ACTOR_KEY_MISMATCH",
        `entry ${index} claims actor ${p.actor} but is signed by ${e.signer}`,
      );
    if (kind === "optimizer") {
      const o = p.optimizer;
      const k = canonicalKey(o.key);
      if (k === undefined || k.name !== o.name)
        return deny(
          "ACTOR_KEY_MISMATCH",
          `optimizer ${o.name} created at entry ${index} must be given a verifier key named ${o.name}`,
        );
      if (core.actors.has(o.name)) return deny("ACTOR_EXISTS", `optimizer ${o.name} already exists`);
      introduces = { name: o.name, key: k.key, index, creator: p.actor, role: "optimizer" };
    }
  }

  const leaves = core.leaves.size;
  core.leaves.add(leaf, index);
  journal?.record(() => core.leaves.truncate(leaves));
  if (t > core.latestTime) {
    const before = core.latestTime;
    core.latestTime = t;
    journal?.record(() => {
      core.latestTime = before;
    });
  }
  if (introduces !== undefined) {
    const name = introduces.name;
    core.actors.set(name, introduces);
    journal?.record(() => core.actors.delete(name));
  }
  return { ok: true };
}
