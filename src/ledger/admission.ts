/**
 * The rules an entry must meet to join the log, shared by the appender and the verifier so that
 * what the log admits is exactly what `verify` accepts:
 *  - the signer (DSSE keyid) is the key bound to the entry's actor;
 *  - an `actor` entry introduces a new root actor and is signed by the key it introduces;
 *  - an `optimizer` entry is signed by its creator and introduces the new optimizer's key;
 *  - a `parent` names an earlier entry.
 *
 * The rules run on `EntryFacts`, a few strings extracted from an opened entry, so that parsing and
 * signature checks can run on worker threads and only the facts cross back.
 */
import { OptprovError } from "../errors.js";
import { type OpenedEntry, openEntry, verifyEntrySignature } from "./entry.js";
import { formatVerifierKey, parseVerifierKey } from "./keys.js";
import type { EntryKind, Predicate } from "./statement.js";

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

export interface EntryFacts {
  readonly kind: EntryKind;
  readonly actor: string;
  readonly parent: number | undefined;
  /** The DSSE signer's canonical verifier key. */
  readonly signer: string;
  readonly signerName: string;
  /** For `actor` and `optimizer` entries: who is introduced, with which key (undefined if malformed). */
  readonly introduces:
    | {
        readonly name: string;
        readonly role: string;
        readonly key: string | undefined;
        readonly keyName: string | undefined;
      }
    | undefined;
}

function canonicalKey(text: string): { key: string; name: string } | undefined {
  try {
    const k = parseVerifierKey(text);
    return { key: formatVerifierKey(k), name: k.name };
  } catch {
    return undefined;
  }
}

export function entryFacts(e: OpenedEntry): EntryFacts {
  const { kind, predicate } = e.statement;
  let introduces: EntryFacts["introduces"];
  if (kind === "actor") {
    const p = predicate as Predicate<"actor">;
    const k = canonicalKey(p.key);
    introduces = { name: p.actor, role: p.role, key: k?.key, keyName: k?.name };
  } else if (kind === "optimizer") {
    const o = (predicate as Predicate<"optimizer">).optimizer;
    const k = canonicalKey(o.key);
    introduces = { name: o.name, role: "optimizer", key: k?.key, keyName: k?.name };
  }
  return {
    kind,
    actor: predicate.actor,
    parent: predicate.parent,
    signer: formatVerifierKey(e.signer),
    signerName: e.signer.name,
    introduces,
  };
}

/** An entry opened for admission: its facts and whether its signature verifies, or why it is malformed. */
export type OpenResult =
  | { readonly ok: true; readonly facts: EntryFacts; readonly signatureValid: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Parse an envelope, check its signature, and extract its facts. Never throws for bad input. */
export function openForAdmission(bytes: Uint8Array): OpenResult {
  try {
    const e = openEntry(bytes);
    return { ok: true, facts: entryFacts(e), signatureValid: verifyEntrySignature(e) };
  } catch (err) {
    if (err instanceof OptprovError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

export type AdmissionCode = "ACTOR_UNKNOWN" | "ACTOR_KEY_MISMATCH" | "ACTOR_EXISTS" | "PARENT_NOT_BEFORE";

export type Admission =
  | { readonly ok: true; readonly introduces: ActorBinding | undefined }
  | { readonly ok: false; readonly code: AdmissionCode; readonly message: string };

function deny(code: AdmissionCode, message: string): Admission {
  return { ok: false, code, message };
}

/**
 * Decide whether an entry may stand at `index`, given the actors bound so far.
 * A denial is a value; the caller turns it into an AdmissionError or a verification problem.
 */
export function admit(
  f: EntryFacts,
  index: number,
  actors: (name: string) => ActorBinding | undefined,
): Admission {
  if (f.parent !== undefined && f.parent >= index) {
    return deny("PARENT_NOT_BEFORE", `entry ${index} names parent ${f.parent}, which is not before it`);
  }
  if (f.kind === "actor") {
    const i = f.introduces!;
    if (i.key === undefined || i.keyName !== f.actor || i.key !== f.signer) {
      return deny(
        "ACTOR_KEY_MISMATCH",
        `actor entry ${index} for ${f.actor} must be signed by the key it introduces`,
      );
    }
    if (actors(f.actor) !== undefined) return deny("ACTOR_EXISTS", `actor ${f.actor} already exists`);
    return { ok: true, introduces: { name: f.actor, key: i.key, index, creator: undefined, role: i.role } };
  }
  const bound = actors(f.actor);
  if (bound === undefined)
    return deny("ACTOR_UNKNOWN", `entry ${index} names actor ${f.actor}, who is not in the log`);
  if (f.signerName !== f.actor || bound.key !== f.signer) {
    return deny("ACTOR_KEY_MISMATCH", `entry ${index} claims actor ${f.actor} but is signed by ${f.signer}`);
  }
  if (f.kind === "optimizer") {
    const i = f.introduces!;
    if (i.key === undefined || i.keyName !== i.name) {
      return deny(
        "ACTOR_KEY_MISMATCH",
        `optimizer ${i.name} created at entry ${index} must be given a verifier key named ${i.name}`,
      );
    }
    if (actors(i.name) !== undefined) return deny("ACTOR_EXISTS", `optimizer ${i.name} already exists`);
    return { ok: true, introduces: { name: i.name, key: i.key, index, creator: f.actor, role: "optimizer" } };
  }
  return { ok: true, introduces: undefined };
}
