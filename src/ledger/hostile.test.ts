/**
 * Hostile input for every ledger parser: each bad input gets a coded FormatError or
 * VerificationError (never a TypeError, RangeError or a hang), and fuzzed input never crashes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptprovError } from "../errors.js";
import { openCheckpoint, parseCheckpointBody, signCheckpoint } from "./checkpoint.js";
import { parseEnvelope } from "./dsse.js";
import { openEntry, signEntry } from "./entry.js";
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from "./keys.js";
import { parseNote } from "./note.js";
import { parseStatement } from "./statement.js";
import { parseConsistencyProof, parseTlogProof } from "./tlog-proof.js";
import { verifyProofFile } from "./verify-proof.js";

const alice = generateSignerKey("alice");
const logKey = generateSignerKey("log.example");
const good = Buffer.from(
  signEntry("note", { actor: "alice", time: "2026-11-25T00:00:00Z", log: "log.example", text: "hi" }, alice),
).toString();
const goodJson = JSON.parse(good);
const statement = JSON.parse(Buffer.from(goodJson.payload, "base64").toString());
const b = (s: string) => new Uint8Array(Buffer.from(s));
const withPayload = (value: unknown) =>
  b(JSON.stringify({ ...goodJson, payload: Buffer.from(JSON.stringify(value)).toString("base64") }));
const cp = signCheckpoint(
  { origin: "log.example", size: 3, root: new Uint8Array(32), extensions: [] },
  logKey,
);

type Case = [name: string, run: () => unknown, code: string];

const table: Case[] = [
  // DSSE envelopes
  ["envelope: empty", () => openEntry(b("")), "JSON_INVALID"],
  ["envelope: not JSON", () => openEntry(b("{nope")), "JSON_INVALID"],
  ["envelope: invalid UTF-8", () => openEntry(new Uint8Array([0x7b, 0xff, 0x7d])), "JSON_INVALID"],
  ["envelope: an array", () => openEntry(b("[]")), "ENVELOPE_INVALID"],
  ["envelope: null", () => openEntry(b("null")), "ENVELOPE_INVALID"],
  ["envelope: extra field", () => openEntry(b(JSON.stringify({ ...goodJson, x: 1 }))), "ENVELOPE_INVALID"],
  [
    "envelope: payload not a string",
    () => openEntry(b(JSON.stringify({ ...goodJson, payload: 5 }))),
    "ENVELOPE_INVALID",
  ],
  [
    "envelope: payload bad base64",
    () => openEntry(b(JSON.stringify({ ...goodJson, payload: "a b=" }))),
    "BASE64_INVALID",
  ],
  [
    "envelope: payload non-canonical base64",
    () => openEntry(b(JSON.stringify({ ...goodJson, payload: "aGl=" }))),
    "BASE64_INVALID",
  ],
  [
    "envelope: no signatures",
    () => openEntry(b(JSON.stringify({ ...goodJson, signatures: [] }))),
    "ENVELOPE_INVALID",
  ],
  [
    "envelope: two signatures",
    () =>
      openEntry(
        b(JSON.stringify({ ...goodJson, signatures: [goodJson.signatures[0], goodJson.signatures[0]] })),
      ),
    "ENVELOPE_INVALID",
  ],
  [
    "envelope: signature not an object",
    () => openEntry(b(JSON.stringify({ ...goodJson, signatures: ["x"] }))),
    "ENVELOPE_INVALID",
  ],
  [
    "envelope: keyid not a verifier key",
    () => openEntry(b(JSON.stringify({ ...goodJson, signatures: [{ keyid: "k", sig: "AA==" }] }))),
    "ENVELOPE_INVALID",
  ],
  [
    "envelope: wrong payloadType",
    () => openEntry(b(JSON.stringify({ ...goodJson, payloadType: "text/plain" }))),
    "ENVELOPE_INVALID",
  ],
  ["envelope: 2 MB", () => parseEnvelope(new Uint8Array(2 << 20)), "INPUT_TOO_LARGE"],
  [
    "envelope: deeply nested JSON",
    () => openEntry(b(`${"[".repeat(100000)}${"]".repeat(100000)}`)),
    "ENVELOPE_INVALID",
  ],
  // in-toto statements and predicates
  [
    "statement: payload not JSON",
    () => openEntry(b(JSON.stringify({ ...goodJson, payload: Buffer.from("nope").toString("base64") }))),
    "JSON_INVALID",
  ],
  ["statement: wrong _type", () => openEntry(withPayload({ ...statement, _type: "x" })), "STATEMENT_INVALID"],
  ["statement: no subject", () => openEntry(withPayload({ ...statement, subject: [] })), "STATEMENT_INVALID"],
  [
    "statement: bad digest",
    () => openEntry(withPayload({ ...statement, subject: [{ name: "n", digest: { sha256: "zz" } }] })),
    "STATEMENT_INVALID",
  ],
  [
    "statement: subject digest not of the predicate",
    () =>
      openEntry(withPayload({ ...statement, subject: [{ name: "n", digest: { sha256: "0".repeat(64) } }] })),
    "STATEMENT_INVALID",
  ],
  [
    "statement: unknown kind",
    () => parseStatement({ ...statement, predicateType: "https://optprov.dev/entry/rootkit/v1" }),
    "STATEMENT_INVALID",
  ],
  [
    "statement: foreign predicateType",
    () => parseStatement({ ...statement, predicateType: "https://slsa.dev/provenance/v1" }),
    "STATEMENT_INVALID",
  ],
  ["statement: extra field", () => parseStatement({ ...statement, extra: true }), "STATEMENT_INVALID"],
  [
    "predicate: missing actor",
    () => parseStatement({ ...statement, predicate: { time: statement.predicate.time, text: "x" } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: unknown field",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, evil: 1 } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: bad time",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, time: "yesterday" } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: negative parent",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, parent: -1 } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: fractional parent",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, parent: 1.5 } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: actor with a space",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, actor: "a b" } }),
    "PREDICATE_INVALID",
  ],
  [
    "predicate: 100 KB text",
    () => parseStatement({ ...statement, predicate: { ...statement.predicate, text: "x".repeat(100_000) } }),
    "PREDICATE_INVALID",
  ],
  // signed notes
  ["note: empty", () => parseNote(""), "NOTE_INVALID"],
  ["note: no blank line", () => parseNote("hello\n— a AAAAAAA=\n"), "NOTE_INVALID"],
  ["note: no signatures", () => parseNote("hello\n\n"), "NOTE_INVALID"],
  ["note: signature without dash", () => parseNote("hello\n\n- a AAAAAAAA\n"), "NOTE_INVALID"],
  ["note: signature too short", () => parseNote("hello\n\n— a AAAA\n"), "NOTE_INVALID"],
  ["note: signature bad base64", () => parseNote("hello\n\n— a !!!!\n"), "BASE64_INVALID"],
  ["note: control character", () => parseNote("hel\u0000lo\n\n— a AAAAAAAA\n"), "NOTE_INVALID"],
  ["note: missing final newline", () => parseNote("hello\n\n— a AAAAAAAA"), "NOTE_INVALID"],
  ["note: 2 MB", () => parseNote("x".repeat(2 << 20)), "INPUT_TOO_LARGE"],
  ["note: 101 signatures", () => parseNote(`hello\n\n${"— a AAAAAAAA\n".repeat(101)}`), "NOTE_INVALID"],
  // checkpoints
  ["checkpoint: two lines", () => parseCheckpointBody("Head\n9944\n"), "CHECKPOINT_INVALID"],
  [
    "checkpoint: leading zero size",
    () => parseCheckpointBody("Log\n0123\nYmFuYW5hcw==\n"),
    "CHECKPOINT_INVALID",
  ],
  ["checkpoint: negative size", () => parseCheckpointBody("Log\n-1\nYmFuYW5hcw==\n"), "CHECKPOINT_INVALID"],
  [
    "checkpoint: 2^64 size",
    () => parseCheckpointBody("Log\n18446744073709551616\nYmFuYW5hcw==\n"),
    "CHECKPOINT_INVALID",
  ],
  [
    "checkpoint: empty extension line",
    () => parseCheckpointBody("Log\n1\nYmFuYW5hcw==\n\n"),
    "CHECKPOINT_INVALID",
  ],
  [
    "checkpoint: short root",
    () =>
      openCheckpoint(
        signCheckpoint({ origin: "l", size: 1, root: new Uint8Array(4), extensions: [] }, logKey),
        logKey,
      ),
    "CHECKPOINT_INVALID",
  ],
  [
    "checkpoint: signed by another key",
    () => openCheckpoint(cp, generateSignerKey("log.example")),
    "SIGNATURE_INVALID",
  ],
  ["checkpoint: other origin", () => openCheckpoint(cp, logKey, "other.log"), "KEY_MISMATCH"],
  [
    "checkpoint: edited size",
    () => openCheckpoint(cp.replace("\n3\n", "\n4\n"), logKey),
    "SIGNATURE_INVALID",
  ],
  // proof files
  ["proof: wrong header", () => parseTlogProof("c2sp.org/tlog-proof@v2\nindex 1\n\n"), "PROOF_FILE_INVALID"],
  ["proof: no index", () => parseTlogProof("c2sp.org/tlog-proof@v1\n\n"), "PROOF_FILE_INVALID"],
  [
    "proof: index with leading zero",
    () => parseTlogProof("c2sp.org/tlog-proof@v1\nindex 01\n\n"),
    "PROOF_FILE_INVALID",
  ],
  [
    "proof: short hash",
    () => parseTlogProof("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n"),
    "PROOF_FILE_INVALID",
  ],
  [
    "proof: 65 hashes",
    () =>
      parseTlogProof(
        `c2sp.org/tlog-proof@v1\nindex 1\n${`${Buffer.alloc(32).toString("base64")}\n`.repeat(65)}\n`,
      ),
    "PROOF_FILE_INVALID",
  ],
  ["proof: no checkpoint", () => parseTlogProof("c2sp.org/tlog-proof@v1\nindex 1\n"), "PROOF_FILE_INVALID"],
  [
    "proof: bad extra",
    () => parseTlogProof("c2sp.org/tlog-proof@v1\nextra ***\nindex 1\n\n"),
    "BASE64_INVALID",
  ],
  ["proof: unknown kind", () => verifyProofFile("hello\n", { logKey }), "PROOF_FILE_INVALID"],
  [
    "proof: no entry to check",
    () => verifyProofFile(`c2sp.org/tlog-proof@v1\nindex 1\n\n${cp}`, { logKey }),
    "PROOF_INVALID",
  ],
  [
    "proof: index beyond checkpoint",
    () => verifyProofFile(`c2sp.org/tlog-proof@v1\nextra ${goodJson.payload}\nindex 9\n\n${cp}`, { logKey }),
    "ENVELOPE_INVALID",
  ],
  [
    "proof: consistency with one checkpoint",
    () => parseConsistencyProof(`optprov.dev/consistency-proof@v1\n\n${cp}`),
    "PROOF_FILE_INVALID",
  ],
  // keys
  ["signer key: empty", () => parseSignerKey(""), "KEY_INVALID"],
  ["signer key: a verifier key", () => parseSignerKey(formatVerifierKey(alice)), "KEY_INVALID"],
  [
    "signer key: wrong key ID",
    () => parseSignerKey(formatSignerKey(alice).replace(/\+[0-9a-f]{8}\+/, "+00000000+")),
    "KEY_INVALID",
  ],
  [
    "signer key: truncated material",
    () => parseSignerKey(formatSignerKey(alice).slice(0, -8)),
    "KEY_INVALID",
  ],
  [
    "signer key: unknown type",
    () => parseSignerKey(formatSignerKey(alice).replace(/\+A([A-Za-z0-9+/=]+)$/, "+B$1")),
    "KEY_INVALID",
  ],
  ["verifier key: name with space", () => parseVerifierKey("a b+00000000+AQ=="), "KEY_INVALID"],
  ["verifier key: short", () => parseVerifierKey("alice+12345678+AQ=="), "KEY_INVALID"],
  [
    "verifier key: wrong key ID",
    () => parseVerifierKey(formatVerifierKey(alice).replace(/\+[0-9a-f]{8}\+/, "+00000000+")),
    "KEY_INVALID",
  ],
];

describe("hostile input is rejected with a code", () => {
  for (const [name, run, code] of table) {
    it(name, () => {
      let caught: unknown;
      try {
        run();
      } catch (err) {
        caught = err;
      }
      expect(caught, "expected an error").toBeInstanceOf(OptprovError);
      expect((caught as OptprovError).code).toBe(code);
    });
  }

  it("never echoes private key material in errors", () => {
    const secret = formatSignerKey(alice);
    for (const mangled of [
      secret.slice(0, -3),
      secret.replace("PRIVATE+KEY+", "PRIVATE+"),
      `${secret.slice(0, -10)}!!!!!!!!!!`,
      secret.replaceAll("+", " "),
    ]) {
      let message = "";
      try {
        parseSignerKey(mangled);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, "a mangled key must be refused").not.toBe("");
      expect(message).not.toContain(secret.slice(-20, -4));
    }
  });
});

const onlyCoded = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (!(err instanceof OptprovError)) throw err;
  }
};

describe("fuzzing the parsers", () => {
  it("random bytes and mutated envelopes give coded errors only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat({ max: 255 }), (bytes, at, v) => {
        onlyCoded(() => openEntry(bytes));
        const m = new Uint8Array(Buffer.from(good));
        m[at % m.length] = v;
        onlyCoded(() => openEntry(m));
      }),
      { numRuns: 3000 },
    );
  });
  it("random and mutated text gives coded errors only for notes, checkpoints, proofs and keys", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(), fc.string({ maxLength: 3 }), (text, at, ins) => {
        for (const base of [text, cp.slice(0, at % cp.length) + ins + cp.slice(at % cp.length)]) {
          onlyCoded(() => parseNote(base));
          onlyCoded(() => parseCheckpointBody(base));
          onlyCoded(() => openCheckpoint(base, logKey));
          onlyCoded(() => verifyProofFile(base, { logKey }));
          onlyCoded(() => verifyProofFile(`c2sp.org/tlog-proof@v1\n${base}`, { logKey }));
          onlyCoded(() => parseSignerKey(base));
          onlyCoded(() => parseVerifierKey(base));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
