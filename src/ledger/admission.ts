/**
 * The rules an entry must meet to join the log, shared by the appender and the verifier so that
 * what the log admits is exactly what `verify` accepts:
 *  - the signer (DSSE keyid) is the key bound to the entry's actor;
 *  - an `actor` entry introduces a new root actor and is signed by the key it introduces;
 *  - an `optimizer` entry is signed by its creator and introduces the new optimizer's key;
 *  - a `parent` names an earlier entry.
 */

import type { OpenedEntry } from "./entry.js";
import { formatVerifierKey, parseVerifierKey, sameKey, type VerifierKey } from "./keys.js";

export interface ActorBinding {
  readonly name: string;
  /** The actor's verifier key, as a C2SP verifier key string. */
  readonly key: string;
  /** The index of the entry that introduced the actor. */
  readonly index: number;
  /** Who created it: undefined for a self-introduced root actor. */
  readonly creator: string | undefined;
  readonly role: string;
}

export type AdmissionCode = "ACTOR_UNKNOWN" | "ACTOR_KEY_MISMATCH" | "ACTOR_EXISTS" | "PARENT_NOT_BEFORE";

export type Admission =
  | { readonly ok: true; readonly introduces: ActorBinding | undefined }
  | { readonly ok: false; readonly code: AdmissionCode; readonly message: string };

function deny(code: AdmissionCode, message: string): Admission {
  return { ok: false, code, message };
}

function parseKey(text: string): VerifierKey | undefined {
  try {
    return parseVerifierKey(text);
  } catch {
    return undefined;
  }
}

/**
 * Decide whether `entry` may stand at `index`, given the actors bound so far.
 * A denial is a value; the caller turns it into an AdmissionError or a verification problem.
 */
export function admit(
  entry: OpenedEntry,
  index: number,
  actors: (name: string) => ActorBinding | undefined,
): Admission {
  const { statement, signer } = entry;
  const p = statement.predicate;
  if (p.parent !== undefined && p.parent >= index) {
    return deny("PARENT_NOT_BEFORE", `entry ${index} names parent ${p.parent}, which is not before it`);
  }
  if (statement.kind === "actor") {
    const pred = statement.predicate as { actor: string; key: string; role: string };
    const introduced = parseKey(pred.key);
    if (introduced === undefined || introduced.name !== pred.actor || !sameKey(introduced, signer)) {
      return deny(
        "ACTOR_KEY_MISMATCH",
        `actor entry ${index} for ${pred.actor} must be signed by the key it introduces`,
      );
    }
    if (actors(pred.actor) !== undefined) return deny("ACTOR_EXISTS", `actor ${pred.actor} already exists`);
    return {
      ok: true,
      introduces: {
        name: pred.actor,
        key: formatVerifierKey(introduced),
        index,
        creator: undefined,
        role: pred.role,
      },
    };
  }
  const bound = actors(p.actor);
  if (bound === undefined)
    return deny("ACTOR_UNKNOWN", `entry ${index} names actor ${p.actor}, who is not in the log`);
  const boundKey = parseKey(bound.key);
  if (boundKey === undefined || signer.name !== p.actor || !sameKey(boundKey, signer)) {
    return deny(
      "ACTOR_KEY_MISMATCH",
      `entry ${index} claims actor ${p.actor} but is signed by ${formatVerifierKey(signer)}`,
    );
  }
  if (statement.kind === "optimizer") {
    const o = (statement.predicate as { optimizer: { name: string; key: string } }).optimizer;
    const key = parseKey(o.key);
    if (key === undefined || key.name !== o.name) {
      return deny(
        "ACTOR_KEY_MISMATCH",
        `optimizer ${o.name} created at entry ${index} must be given a verifier key named ${o.name}`,
      );
    }
    if (actors(o.name) !== undefined) return deny("ACTOR_EXISTS", `optimizer ${o.name} already exists`);
    return {
      ok: true,
      introduces: { name: o.name, key: formatVerifierKey(key), index, creator: p.actor, role: "optimizer" },
    };
  }
  return { ok: true, introduces: undefined };
}
