/**
 * The Sigstore bundle export of ledger entries: valid against the published bundle schema and
 * accepted by @sigstore/bundle's own v0.3 parser; the DSSE signature and the RFC 6962 proof check
 * against the log-signed checkpoint; every tampered part is refused with its code.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleFromJSON, isBundleWithDsseEnvelope, isBundleWithPublicKey } from "@sigstore/bundle";
import { crypto as sigstoreCrypto } from "@sigstore/core";
import { signatureContent } from "@sigstore/verify/dist/bundle/index.js";
import { verifyTLogBody, verifyTLogInclusion } from "@sigstore/verify/dist/tlog/index.js";
import type { TLogAuthority } from "@sigstore/verify/dist/trust/trust.types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64 } from "../ledger/base64.js";
import { generateSignerKey } from "../ledger/keys.js";
import { readLedger } from "../oversight/read-ledger.js";
import { openLedger } from "../sdk/ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { type SigstoreBundle, toSigstoreBundle, verifySigstoreBundle } from "./sigstore-bundle.js";
import { buildInteropLedger, type InteropFixture } from "./test-support/ledger-fixture.js";
import { sigstoreBundleValidator } from "./test-support/schemas.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-sigstore-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const validate = sigstoreBundleValidator();
let fixture: InteropFixture;
let size: number;
const bundles = new Map<number, SigstoreBundle>();

beforeAll(async () => {
  fixture = await buildInteropLedger(dir);
  const store = SqliteStore.open(fixture.file, { readonly: true });
  try {
    const { log } = await readLedger(store);
    size = log.size;
    for (const i of [0, fixture.entries.player, size - 1]) bundles.set(i, await toSigstoreBundle(log, i));
  } finally {
    await store.close();
  }
});

// biome-ignore lint/suspicious/noExplicitAny: tampering reaches into the bundle's JSON by path
type Json = any;
const clone = (b: SigstoreBundle) => structuredClone(b) as unknown as Record<string, Json>;
const flip = (b64: string) => {
  const b = decodeBase64(b64, "test");
  b[b.length - 1]! ^= 1;
  return encodeBase64(b);
};

describe("Sigstore bundle export", () => {
  it("is valid against the published bundle schema and parses as a v0.3 bundle with @sigstore/bundle", () => {
    for (const [i, b] of bundles) {
      expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
      const parsed = bundleFromJSON(b);
      expect(parsed.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
      expect(isBundleWithDsseEnvelope(parsed) && isBundleWithPublicKey(parsed)).toBe(true);
      expect(parsed.verificationMaterial.tlogEntries[0]!.logIndex).toBe(String(i));
      expect(parsed.verificationMaterial.tlogEntries[0]!.inclusionProof!.treeSize).toBe(String(size));
    }
    // The schema (as corrected) still refuses a bundle without content or with an unknown field.
    const b = clone(bundles.get(0)!);
    delete b.dsseEnvelope;
    expect(validate(b)).toBe(false);
    expect(validate({ ...clone(bundles.get(0)!), extra: 1 })).toBe(false);
    const numeric = clone(bundles.get(0)!);
    numeric.verificationMaterial.tlogEntries[0].inclusionProof.treeSize = size;
    expect(validate(numeric)).toBe(false);
    expect(() => bundleFromJSON({ ...clone(bundles.get(0)!), mediaType: "application/json" })).toThrow();
  });

  it("checks offline: the DSSE signature by the hinted key, and the proof against the log-signed checkpoint", () => {
    const logKey = fixture.logKey;
    for (const [i, b] of bundles) {
      const check = verifySigstoreBundle(JSON.parse(JSON.stringify(b)), { logKey });
      expect(check.proof).toMatchObject({ kind: "inclusion", index: i, size, origin: fixture.origin });
      expect(check.signer).toBe(b.dsseEnvelope.signatures[0].keyid);
    }
    const player = verifySigstoreBundle(bundles.get(fixture.entries.player), { logKey });
    expect(player.proof.entry?.statement).toMatchObject({
      kind: "optimizer",
      predicate: { actor: "search" },
    });
    expect(player.signer).toMatch(/^search\+[0-9a-f]{8}\+/);
  });

  const b0 = () => clone(bundles.get(fixture.entries.player)!);
  const tl = (b: Record<string, Json>) => b.verificationMaterial.tlogEntries[0];
  const TAMPERED: [string, (b: Record<string, Json>) => void, string][] = [
    [
      "the payload",
      (b) => {
        b.dsseEnvelope.payload = flip(b.dsseEnvelope.payload);
      },
      "PROOF_INVALID",
    ],
    [
      "the signature",
      (b) => {
        b.dsseEnvelope.signatures[0].sig = flip(b.dsseEnvelope.signatures[0].sig);
      },
      "PROOF_INVALID",
    ],
    [
      "the signature in the logged body and the content alike",
      (b) => {
        const env = JSON.parse(Buffer.from(tl(b).canonicalizedBody, "base64").toString());
        env.signatures[0].sig = flip(env.signatures[0].sig);
        tl(b).canonicalizedBody = Buffer.from(JSON.stringify(env)).toString("base64");
        b.dsseEnvelope.signatures[0].sig = env.signatures[0].sig;
      },
      "SIGNATURE_INVALID",
    ],
    [
      "a proof hash",
      (b) => {
        tl(b).inclusionProof.hashes[0] = flip(tl(b).inclusionProof.hashes[0]);
      },
      "ROOT_MISMATCH",
    ],
    [
      "a dropped proof hash",
      (b) => {
        tl(b).inclusionProof.hashes.pop();
      },
      "PROOF_INVALID",
    ],
    [
      "the root hash",
      (b) => {
        tl(b).inclusionProof.rootHash = flip(tl(b).inclusionProof.rootHash);
      },
      "ROOT_MISMATCH",
    ],
    [
      "the tree size",
      (b) => {
        tl(b).inclusionProof.treeSize = String(size + 1);
      },
      "ROOT_MISMATCH",
    ],
    [
      "the index, in both places",
      (b) => {
        tl(b).logIndex = "0";
        tl(b).inclusionProof.logIndex = "0";
      },
      "ROOT_MISMATCH",
    ],
    [
      "the index, in one place",
      (b) => {
        tl(b).logIndex = "0";
      },
      "BUNDLE_INVALID",
    ],
    [
      "the checkpoint's root line",
      (b) => {
        const lines = tl(b).inclusionProof.checkpoint.envelope.split("\n");
        lines[2] = flip(lines[2]);
        tl(b).inclusionProof.checkpoint.envelope = lines.join("\n");
      },
      "SIGNATURE_INVALID",
    ],
    [
      "the key hint",
      (b) => {
        b.verificationMaterial.publicKey.hint = "mallory+00000000+AQ";
      },
      "KEY_MISMATCH",
    ],
    [
      "the log id",
      (b) => {
        tl(b).logId.keyId = flip(tl(b).logId.keyId);
      },
      "KEY_MISMATCH",
    ],
    [
      "the kind",
      (b) => {
        tl(b).kindVersion = { kind: "dsse", version: "0.0.1" };
      },
      "BUNDLE_INVALID",
    ],
    [
      "the media type",
      (b) => {
        b.mediaType = "application/vnd.dev.sigstore.bundle.v0.2+json";
      },
      "BUNDLE_INVALID",
    ],
    [
      "a hostile index",
      (b) => {
        tl(b).logIndex = "99999999999999999999";
      },
      "BUNDLE_INVALID",
    ],
  ];
  it.each(TAMPERED)("refuses a bundle with %s changed", (_, tamper, code) => {
    const b = b0();
    tamper(b);
    expect(() => verifySigstoreBundle(b, { logKey: fixture.logKey })).toThrow(
      expect.objectContaining({ code }),
    );
  });

  const HOSTILE: [string, () => unknown][] = [
    ["null", () => null],
    ["an array", () => []],
    ["an empty object", () => ({})],
    ["a numeric media type", () => ({ mediaType: 3 })],
    ["no verification material", () => ({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" })],
    [
      "two log entries",
      () => {
        const b = clone(bundles.get(0)!);
        b.verificationMaterial.tlogEntries.push(b.verificationMaterial.tlogEntries[0]);
        return b;
      },
    ],
    [
      "65 proof hashes",
      () => {
        const b = clone(bundles.get(0)!);
        const proof = b.verificationMaterial.tlogEntries[0].inclusionProof;
        proof.hashes = Array(65).fill(proof.rootHash);
        return b;
      },
    ],
  ];
  it.each(HOSTILE)("refuses %s as a bundle, cleanly", (_, input) => {
    expect(() => verifySigstoreBundle(input(), { logKey: fixture.logKey })).toThrow(
      expect.objectContaining({ code: "BUNDLE_INVALID" }),
    );
  });

  it("refuses a bundle checked with another log's key", () => {
    const other = generateSignerKey(fixture.logKey.name);
    expect(() => verifySigstoreBundle(b0(), { logKey: other })).toThrow(
      expect.objectContaining({ code: "KEY_MISMATCH" }),
    );
  });

  it("refuses an entry out of range, and one no checkpoint covers yet", async () => {
    const ledger = await openLedger({ path: fixture.file, logKey: fixture.logKey });
    await ledger.root({ name: "late", key: generateSignerKey("late") });
    await ledger.close();
    const store = SqliteStore.open(fixture.file, { readonly: true });
    try {
      const { log } = await readLedger(store);
      await expect(toSigstoreBundle(log, log.size)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
      await expect(toSigstoreBundle(log, log.size - 1)).rejects.toMatchObject({ code: "CHECKPOINT_MISSING" });
      expect((await toSigstoreBundle(log, log.size - 2)).verificationMaterial.tlogEntries[0].logIndex).toBe(
        String(log.size - 2),
      );
    } finally {
      await store.close();
    }
  });
});

/**
 * sigstore-js as the independent checker: its own checkpoint, Merkle and DSSE code (the parts of
 * @sigstore/verify that do not assume Rekor), given a trust root that lists the log's key.
 */
describe("sigstore-js checks the exported bundle", () => {
  const spki = (publicKey: Uint8Array) =>
    sigstoreCrypto.createPublicKey(
      Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), publicKey]),
    );
  const authority = (key: { name: string; type: number; publicKey: Uint8Array }): TLogAuthority => ({
    // Sigstore's log id: SHA-256 over the key; a checkpoint signature's 4-byte hint is its prefix.
    logID: sigstoreCrypto.digest(
      "sha256",
      Buffer.from(`${key.name}\n`),
      Buffer.from([key.type]),
      key.publicKey,
    ),
    baseURL: key.name,
    publicKey: spki(key.publicKey),
    validFor: { start: new Date(0), end: new Date(8.64e15) },
  });
  // name+hexid+base64: names and ids hold no '+', the base64 may.
  const signerKey = (hint: string) =>
    spki(Buffer.from(hint.split("+").slice(2).join("+"), "base64").subarray(1));

  it("verifies the checkpoint signature, the inclusion proof and the DSSE signature", () => {
    for (const b of bundles.values()) {
      const parsed = bundleFromJSON(b);
      const entry = parsed.verificationMaterial.tlogEntries[0]!;
      expect(() => verifyTLogInclusion(entry, [authority(fixture.logKey)])).not.toThrow();
      expect(signatureContent(parsed).verifySignature(signerKey(b.verificationMaterial.publicKey.hint))).toBe(
        true,
      );
    }
  });

  it("refuses a tampered proof, checkpoint or signature, and another log's key", () => {
    const b = bundles.get(fixture.entries.player)!;
    const inclusion = (tamper: (x: Record<string, Json>) => void, key = fixture.logKey) => {
      const t = clone(b);
      tamper(t);
      return () =>
        verifyTLogInclusion(bundleFromJSON(t).verificationMaterial.tlogEntries[0]!, [authority(key)]);
    };
    const tl = (x: Record<string, Json>) => x.verificationMaterial.tlogEntries[0];
    const proofHash = (x: Record<string, Json>) => {
      tl(x).inclusionProof.hashes[0] = flip(tl(x).inclusionProof.hashes[0]);
    };
    expect(inclusion(proofHash)).toThrow(expect.objectContaining({ code: "TLOG_INCLUSION_PROOF_ERROR" }));
    expect(
      inclusion((x) => {
        const lines = tl(x).inclusionProof.checkpoint.envelope.split("\n");
        lines[1] = String(Number(lines[1]) + 1);
        tl(x).inclusionProof.checkpoint.envelope = lines.join("\n");
      }),
    ).toThrow(expect.objectContaining({ code: "TLOG_INCLUSION_PROOF_ERROR" }));
    expect(inclusion(() => undefined, generateSignerKey(fixture.logKey.name))).toThrow(
      expect.objectContaining({ code: "TLOG_INCLUSION_PROOF_ERROR" }),
    );
    const forged = clone(b);
    forged.dsseEnvelope.signatures[0].sig = flip(forged.dsseEnvelope.signatures[0].sig);
    expect(
      signatureContent(bundleFromJSON(forged)).verifySignature(
        signerKey(b.verificationMaterial.publicKey.hint),
      ),
    ).toBe(false);
  });

  it("does not take the body for a Rekor entry (what docs/interop.md says does not carry over)", () => {
    const parsed = bundleFromJSON(bundles.get(0)!);
    expect(() =>
      verifyTLogBody(parsed.verificationMaterial.tlogEntries[0]!, signatureContent(parsed)),
    ).toThrow(expect.objectContaining({ code: "TLOG_BODY_ERROR" }));
  });
});
