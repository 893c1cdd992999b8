/**
 * The console's browser signer against the ledger's own: for the same key and predicate, the
 * envelope bytes are identical (Ed25519 is deterministic), and the log admits what the browser
 * twin signs. Runs on Node's WebCrypto, the same API the page calls in Chromium.
 */
import { describe, expect, it } from "vitest";
import { signEntry as browserSign, importSignerKey } from "../../src/console/sign.js";
import { openEntry, signEntry, verifyEntrySignature } from "../../src/ledger/entry.js";
import { formatSignerKey, formatVerifierKey, generateSignerKey } from "../../src/ledger/keys.js";
import { checkPredicate } from "../../src/ledger/statement.js";

const bob = generateSignerKey("bob");
const time = "2026-12-02T07:00:00.000Z";
const log = "log.console.test";

describe("the browser signer", () => {
  it("imports a key file's text and names the same verifier key", async () => {
    const me = await importSignerKey(`${formatSignerKey(bob)}\n`);
    expect(me.verifierKey).toBe(formatVerifierKey(bob));
  });

  it.each([
    [
      "an approval",
      { kind: "approval", actor: "bob", time, log, parent: 7, decision: "approve", reason: "ok ü" },
    ],
    [
      "a rejection without reason",
      { kind: "approval", actor: "bob", time, log, parent: 0, decision: "reject" },
    ],
    [
      "a halt",
      { kind: "halt", actor: "bob", time, log, optimizer: "trainer", descendants: true, reason: "x" },
    ],
  ] as const)("signs %s byte for byte as signEntry does", async (_, p) => {
    const me = await importSignerKey(formatSignerKey(bob));
    const { kind, ...predicate } = p;
    // What the log's own writer signs: the predicate after its schema (Log.sign).
    const expected = Buffer.from(signEntry(kind, checkPredicate(kind, predicate) as never, bob)).toString(
      "utf8",
    );
    const got = await browserSign(p, me);
    expect(got).toBe(expected);
    const opened = openEntry(Buffer.from(got, "utf8"));
    expect(verifyEntrySignature(opened)).toBe(true);
    expect(opened.statement.kind).toBe(kind);
  });

  it.each([
    ["a verifier key", formatVerifierKey(bob), "public verifier key"],
    ["a wrong key ID", formatSignerKey(bob).replace(/\+[0-9a-f]{8}\+/, "+00000000+"), "does not match"],
    ["junk", "hello", "PRIVATE+KEY+"],
    ["short material", "PRIVATE+KEY+bob+00000000+AQID", "32 seed bytes"],
  ])("refuses %s with KEY_INVALID", async (_, text, words) => {
    await expect(importSignerKey(text)).rejects.toMatchObject({ code: "KEY_INVALID" });
    await expect(importSignerKey(text)).rejects.toThrow(words);
  });

  it("refuses to sign for another actor", async () => {
    const me = await importSignerKey(formatSignerKey(bob));
    await expect(
      browserSign({ kind: "halt", actor: "carol", time, log, optimizer: "t", descendants: false }, me),
    ).rejects.toMatchObject({ code: "KEY_INVALID" });
  });
});
