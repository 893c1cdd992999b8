/**
 * DSSE envelopes (github.com/secure-systems-lab/dsse, protocol.md and envelope.md).
 * Signatures cover PAE(payloadType, payload), never the JSON, so the JSON is free to be stored
 * byte for byte as it came and hashed as stored.
 */
import { FormatError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "./base64.js";

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: Uint8Array;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly DsseSignature[];
}

/** Entries are small records; a larger envelope is hostile or a mistake. */
export const MAX_ENVELOPE_BYTES = 1 << 20;
const MAX_SIGNATURES = 16;

/**
 * Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
 *
 * @example Buffer.from(pae("t", Buffer.from("hi"))).toString() === "DSSEv1 1 t 2 hi"
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, "utf8");
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, "utf8");
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/** Serialise an envelope. Field order is fixed so that our own envelopes are reproducible. */
export function serializeEnvelope(env: DsseEnvelope): Uint8Array {
  const json = JSON.stringify({
    payloadType: env.payloadType,
    payload: encodeBase64(env.payload),
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: encodeBase64(s.sig) })),
  });
  return Buffer.from(json, "utf8");
}

/** Canonical standard padded base64: exactly the text that decoding and encoding again gives back. */
const canonicalBase64 = (text: string) => Buffer.from(text, "base64").toString("base64") === text;

const ENVELOPE_KEYS = ["payloadType", "payload", "signatures"];
const SIGNATURE_KEYS = ["keyid", "sig"];
const sameKeys = (v: object, keys: readonly string[]) => {
  const own = Object.keys(v);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
};

/**
 * The bytes of an envelope (a parsed JSON value) that already is in {@link serializeEnvelope}'s
 * form: its fields in that order, every keyid present, canonical base64, within the size bound.
 * `JSON.stringify` of it is then exactly what parsing and serialising it would give, for a fraction
 * of the cost (a server takes client envelopes this way). Anything else is undefined: take the full
 * {@link parseEnvelope}, which also says what is wrong.
 */
export function canonicalEnvelopeBytes(e: unknown): Uint8Array | undefined {
  if (!isRecord(e) || !sameKeys(e, ENVELOPE_KEYS)) return undefined;
  const { payloadType, payload, signatures } = e;
  if (typeof payloadType !== "string" || payloadType.length === 0) return undefined;
  if (typeof payload !== "string" || !Array.isArray(signatures)) return undefined;
  if (signatures.length === 0 || signatures.length > MAX_SIGNATURES) return undefined;
  for (const sig of signatures as unknown[]) {
    if (!isRecord(sig) || !sameKeys(sig, SIGNATURE_KEYS)) return undefined;
    if (typeof sig.keyid !== "string" || typeof sig.sig !== "string" || !canonicalBase64(sig.sig))
      return undefined;
  }
  if (!canonicalBase64(payload)) return undefined;
  const bytes = Buffer.from(JSON.stringify(e), "utf8");
  return bytes.length <= MAX_ENVELOPE_BYTES ? bytes : undefined;
}

function fail(message: string): never {
  throw new FormatError("ENVELOPE_INVALID", `DSSE envelope: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parse envelope JSON defensively: bounded size, exact field set, strict base64. */
export function parseEnvelope(bytes: Uint8Array): DsseEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw new FormatError(
      "INPUT_TOO_LARGE",
      `DSSE envelope: expected at most ${MAX_ENVELOPE_BYTES} bytes, got ${bytes.length}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FormatError(
      "JSON_INVALID",
      `DSSE envelope: expected UTF-8 JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  if (!isRecord(value))
    fail(`expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`);
  for (const k of Object.keys(value)) {
    if (k !== "payload" && k !== "payloadType" && k !== "signatures") fail(`unexpected field ${preview(k)}`);
  }
  const { payload, payloadType, signatures } = value;
  if (typeof payloadType !== "string" || payloadType.length === 0)
    fail("payloadType: expected a non-empty string");
  if (typeof payload !== "string") fail(`payload: expected a base64 string, got ${typeof payload}`);
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    fail(`signatures: expected 1..${MAX_SIGNATURES} signatures`);
  }
  const sigs = signatures.map((s: unknown, i: number): DsseSignature => {
    if (!isRecord(s)) fail(`signatures[${i}]: expected an object`);
    for (const k of Object.keys(s))
      if (k !== "keyid" && k !== "sig") fail(`signatures[${i}]: unexpected field ${preview(k)}`);
    if (s.keyid !== undefined && typeof s.keyid !== "string")
      fail(`signatures[${i}].keyid: expected a string`);
    if (typeof s.sig !== "string") fail(`signatures[${i}].sig: expected a base64 string`);
    return { keyid: s.keyid ?? "", sig: decodeBase64(s.sig, `DSSE envelope signatures[${i}].sig`) };
  });
  return { payloadType, payload: decodeBase64(payload, "DSSE envelope payload"), signatures: sigs };
}
