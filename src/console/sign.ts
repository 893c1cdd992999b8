/// <reference lib="dom" />
/**
 * Entries signed in the browser: the browser twin of `ledger/entry.ts` (which needs `Buffer` and
 * `node:crypto`). The statement payload, the DSSE PAE and the envelope are built byte for byte as
 * `signEntry` builds them (`test/console/sign.test.ts` compares the two), and signed with
 * WebCrypto's Ed25519 (deterministic, RFC 8032, so equal inputs give equal envelopes).
 *
 * The signer key text (`PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, `ledger/keys.ts`)
 * is parsed here and the key lives only in this page's memory: it is never sent anywhere.
 */

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";
const PREDICATE_PREFIX = "https://optprov.dev/entry/";
const ALG_ED25519 = 0x01;
/** PKCS#8 DER for an Ed25519 private key, before its 32-byte seed (RFC 8410 §7). */
const PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/** A coded error, shown to people as `code: message`. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConsoleError";
  }
}

export interface BrowserSigner {
  readonly name: string;
  /** `<name>+<hex id>+<base64(0x01 || public key)>`, the DSSE keyid. */
  readonly verifierKey: string;
  readonly privateKey: CryptoKey;
}

const utf8 = new TextEncoder();

export function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 0x8000)));
  return btoa(s);
}

function decodeBase64(text: string, what: string): Uint8Array {
  // Canonical, padded base64 only, as `ledger/base64.ts` accepts.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text))
    throw new ConsoleError("KEY_INVALID", `${what}: expected base64`);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return decodeBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4), "public key");
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

/**
 * Parse an optprov signer key file's text and import it into WebCrypto (non-extractable once
 * imported). The key ID must match the key, as `parseSignerKey` requires.
 *
 * @example const me = await importSignerKey(await file.text()); me.verifierKey // "bob+1a2b3c4d+AQ..."
 */
export async function importSignerKey(text: string): Promise<BrowserSigner> {
  const fields = text.trim().split("+");
  // base64 may itself hold '+': everything after the fourth '+' is the key material.
  const [p1, p2, name = "", hexId = "", ...rest] = fields;
  const b64 = rest.join("+");
  if (p1 !== "PRIVATE" || p2 !== "KEY")
    throw new ConsoleError(
      "KEY_INVALID",
      /^[^+\s]+\+[0-9a-f]{8}\+/.test(text.trim())
        ? "this is a public verifier key; the console signs with the private key file (PRIVATE+KEY+...)"
        : "signer key: expected to start with PRIVATE+KEY+ (a key file written by optprov keygen)",
    );
  if (!/^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(name))
    throw new ConsoleError("KEY_INVALID", "signer key name: expected printable ASCII without spaces or '+'");
  if (!/^[0-9a-f]{8}$/.test(hexId))
    throw new ConsoleError("KEY_INVALID", "signer key: key ID expected 8 lowercase hex digits");
  const raw = decodeBase64(b64, "signer key material");
  // Never echo key material into a message.
  if (raw.length !== 33 || raw[0] !== ALG_ED25519)
    throw new ConsoleError(
      "KEY_INVALID",
      `signer key: expected type 0x01 and 32 seed bytes, got ${raw.length} bytes of type ${raw[0]}`,
    );
  const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...raw.subarray(1)]);
  let extractable: CryptoKey;
  try {
    extractable = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  } catch (err) {
    throw new ConsoleError(
      "CRYPTO_UNAVAILABLE",
      `this browser cannot import an Ed25519 key through WebCrypto (${(err as Error).message})`,
    );
  }
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const publicKey = fromBase64Url(jwk.x ?? "");
  const keyId = (await sha256(utf8.encode(`${name}\n`), new Uint8Array([ALG_ED25519]), publicKey)).subarray(
    0,
    4,
  );
  if (hex(keyId) !== hexId)
    throw new ConsoleError("KEY_INVALID", `signer key: key ID ${hexId} does not match the key`);
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
  return {
    name,
    verifierKey: `${name}+${hexId}+${encodeBase64(new Uint8Array([ALG_ED25519, ...publicKey]))}`,
    privateKey,
  };
}

/** The entry kinds the console writes, with their predicates (fields in the schema's order). */
export type ConsolePredicate =
  | {
      readonly kind: "approval";
      readonly actor: string;
      readonly time: string;
      readonly log: string;
      readonly parent: number;
      readonly decision: "approve" | "reject";
      readonly reason?: string;
    }
  | {
      readonly kind: "halt";
      readonly actor: string;
      readonly time: string;
      readonly log: string;
      readonly optimizer: string;
      readonly descendants: boolean;
      readonly reason?: string;
    };

/** The predicate object as the log's schema orders it (zod's strict objects keep the schema's key order). */
function predicateOf(p: ConsolePredicate): Record<string, unknown> {
  const reason = p.reason !== undefined && p.reason !== "" ? { reason: p.reason } : {};
  return p.kind === "approval"
    ? { actor: p.actor, time: p.time, log: p.log, parent: p.parent, decision: p.decision, ...reason }
    : {
        actor: p.actor,
        time: p.time,
        log: p.log,
        optimizer: p.optimizer,
        descendants: p.descendants,
        ...reason,
      };
}

/** `ledger/entry.ts` `statementPayload`, for the console's kinds. */
export async function statementPayload(p: ConsolePredicate): Promise<Uint8Array> {
  const pred = JSON.stringify(predicateOf(p));
  const subjectName = p.kind === "halt" ? p.optimizer : p.actor;
  const subject = JSON.stringify([
    { name: `${p.kind}:${subjectName}`, digest: { sha256: hex(await sha256(utf8.encode(pred))) } },
  ]);
  return utf8.encode(
    `{"_type":${JSON.stringify(STATEMENT_TYPE)},"subject":${subject},"predicateType":${JSON.stringify(`${PREDICATE_PREFIX}${p.kind}/v1`)},"predicate":${pred}}`,
  );
}

/** DSSE Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const type = utf8.encode(payloadType);
  const head = utf8.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/**
 * Sign an entry: the envelope's JSON text, fields in `serializeEnvelope`'s order.
 *
 * @example const text = await signEntry({ kind: "halt", actor: "bob", time, log, optimizer: "trainer", descendants: false }, me);
 */
export async function signEntry(p: ConsolePredicate, signer: BrowserSigner): Promise<string> {
  if (p.actor !== signer.name)
    throw new ConsoleError(
      "KEY_INVALID",
      `the entry's actor ${p.actor} is not the key's name ${signer.name}`,
    );
  const payload = await statementPayload(p);
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, signer.privateKey, pae(PAYLOAD_TYPE, payload)),
  );
  return JSON.stringify({
    payloadType: PAYLOAD_TYPE,
    payload: encodeBase64(payload),
    signatures: [{ keyid: signer.verifierKey, sig: encodeBase64(sig) }],
  });
}
