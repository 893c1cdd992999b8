/**
 * C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
 * one or more lines `— <name> <base64(key ID || signature)>`.
 */
import { FormatError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "./base64.js";
import { ed25519Sign, ed25519Verify, equalBytes } from "./crypto.js";
import { checkKeyName, type SignerKey, type VerifierKey } from "./keys.js";

export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** Everything after the 4-byte key ID: a bare signature, or a cosignature's timestamp and signature. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, with its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const DASH = "\u2014 ";
export const MAX_NOTE_BYTES = 1 << 20;
const MAX_SIGNATURES = 100;

/**
 * Parse a signed note without verifying it.
 *
 * @example parseNote("hello\n\n— alice AbCd...\n").text === "hello\n"
 */
export function parseNote(note: string): Note {
  if (Buffer.byteLength(note, "utf8") > MAX_NOTE_BYTES) {
    throw new FormatError("INPUT_TOO_LARGE", `note: expected at most ${MAX_NOTE_BYTES} bytes`);
  }
  if (note.includes("\uFFFD") || /[\x00-\x09\x0b-\x1f\x7f]/.test(note)) {
    throw new FormatError(
      "NOTE_INVALID",
      "note: expected UTF-8 text without control characters other than newline",
    );
  }
  const split = note.lastIndexOf("\n\n");
  if (split < 0)
    throw new FormatError("NOTE_INVALID", "note: expected a blank line between the text and the signatures");
  const text = note.slice(0, split + 1);
  const sigBlock = note.slice(split + 2);
  if (!sigBlock.endsWith("\n"))
    throw new FormatError("NOTE_INVALID", "note: expected the last signature line to end with a newline");
  const lines = sigBlock.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES)
    throw new FormatError(
      "NOTE_INVALID",
      `note: expected at most ${MAX_SIGNATURES} signatures, got ${lines.length}`,
    );
  const signatures = lines.map((line, i) => {
    if (!line.startsWith(DASH))
      throw new FormatError(
        "NOTE_INVALID",
        `note signature line ${i + 1}: expected to start with "— ", got ${preview(line)}`,
      );
    const rest = line.slice(DASH.length);
    const space = rest.indexOf(" ");
    if (space < 0)
      throw new FormatError("NOTE_INVALID", `note signature line ${i + 1}: expected "— <name> <base64>"`);
    const name = rest.slice(0, space);
    checkKeyName(name, `note signature line ${i + 1} name`);
    const raw = decodeBase64(rest.slice(space + 1), `note signature line ${i + 1}`);
    if (raw.length < 5)
      throw new FormatError(
        "NOTE_INVALID",
        `note signature line ${i + 1}: expected a key ID and a signature, got ${raw.length} bytes`,
      );
    return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
  });
  return { text, signatures };
}

export function formatSignatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `${DASH}${name} ${encodeBase64(new Uint8Array([...keyId, ...signature]))}\n`;
}

function checkText(text: string): void {
  if (!text.endsWith("\n") || text.includes("\n\n") || text.startsWith("\n")) {
    throw new FormatError("NOTE_INVALID", "note text: expected non-empty lines, each ending with a newline");
  }
}

/** Sign `text` (which must end in a newline) as a new note, or add a signature to an existing note. */
export function signNote(textOrNote: string, key: SignerKey): string {
  const existing = textOrNote.includes("\n\n") ? parseNote(textOrNote) : undefined;
  const text = existing ? existing.text : textOrNote;
  checkText(text);
  const sig = ed25519Sign(key.seed, Buffer.from(text, "utf8"));
  const line = formatSignatureLine(key.name, key.keyId, sig);
  return existing ? `${textOrNote}${line}` : `${text}\n${line}`;
}

/** The signatures on `note` made by `key` (matched by name and key ID) that verify. */
export function findSignature(note: Note, key: VerifierKey): NoteSignature | undefined {
  return note.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
}

/** True if `note` carries a valid Ed25519 signature by `key` over its text. */
export function verifyNoteSignature(note: Note, key: VerifierKey): boolean {
  const sig = findSignature(note, key);
  return sig !== undefined && ed25519Verify(key.publicKey, Buffer.from(note.text, "utf8"), sig.signature);
}
