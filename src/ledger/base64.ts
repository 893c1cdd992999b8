import { FormatError } from "../errors.js";

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict standard base64 (RFC 4648 §4): padding required, no whitespace, canonical trailing bits.
 * Node's own decoder silently skips bad characters, which would let two texts decode to one value.
 *
 * @example decodeBase64("aGk=", "payload") // Uint8Array [104, 105]
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!STD.test(text)) {
    throw new FormatError("BASE64_INVALID", `${what}: expected standard padded base64, got ${preview(text)}`);
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) {
    throw new FormatError("BASE64_INVALID", `${what}: base64 is not canonical (non-zero trailing bits)`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** A short, printable rendering of untrusted text for error messages. */
export function preview(text: string, max = 40): string {
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return text.length > max ? `${shown} (${text.length} chars)` : shown;
}
