/** The published vectors in ../shared/vectors: every happy path verifies, every mutation fails. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeBase64 } from "./base64.js";
import { parseCheckpointBody } from "./checkpoint.js";
import { ecdsaP256Verify, ed25519PublicKey, ed25519Sign, ed25519Verify } from "./crypto.js";
import { pae, parseEnvelope } from "./dsse.js";
import { parseSignerKey, parseVerifierKey } from "./keys.js";
import { EMPTY_ROOT, Frontier, leafHash, rootAt, verifyConsistency, verifyInclusion } from "./merkle.js";
import { parseNote, signNote, verifyNoteSignature } from "./note.js";

// The published vectors live in ../shared/vectors beside the project; a copy is kept in
// test/vectors (with its licence) so that a clone checked out anywhere still runs them.
const SHARED = path.resolve(__dirname, "../../../shared/vectors");
const VECTORS = fs.existsSync(SHARED) ? SHARED : path.resolve(__dirname, "../../test/vectors");
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const json = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? files(p) : d.name.endsWith(".json") ? [p] : [];
  });
}

describe("transparency-dev/merkle inclusion vectors", () => {
  const all = files(path.join(VECTORS, "merkle/inclusion"));
  it("found the vectors", () => expect(all.length).toBeGreaterThan(40));
  for (const file of all) {
    const v = json(file);
    it(`${path.relative(VECTORS, file)} (${v.desc}) ${v.wantErr ? "fails" : "verifies"}`, () => {
      const run = () =>
        verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
      if (v.wantErr) expect(run).toThrow(expect.objectContaining({ code: expect.any(String) }));
      else expect(run).not.toThrow();
    });
  }
});

describe("transparency-dev/merkle consistency vectors", () => {
  const all = files(path.join(VECTORS, "merkle/consistency"));
  it("found the vectors", () => expect(all.length).toBeGreaterThan(30));
  for (const file of all) {
    const v = json(file);
    it(`${path.relative(VECTORS, file)} (${v.desc}) ${v.wantErr ? "fails" : "verifies"}`, () => {
      const run = () =>
        verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
      if (v.wantErr) expect(run).toThrow(expect.objectContaining({ code: expect.any(String) }));
      else expect(run).not.toThrow();
    });
  }
});

describe("RFC 6962 eight-leaf tree", () => {
  const v = json(path.join(VECTORS, "rfc6962-8-leaves.json"));
  const leaves: Uint8Array[] = v.leafInputsHex.map(hex);
  it("leaf hashes", () => {
    for (const [i, l] of leaves.entries())
      expect(Buffer.from(leafHash(l)).toString("hex")).toBe(v.leafHashesHex[i]);
  });
  it("roots for every size, from the frontier and from stored nodes", async () => {
    expect(Buffer.from(EMPTY_ROOT).toString("hex")).toBe(v.rootsBySizeHex[0]);
    const f = new Frontier();
    const nodes = new Map<string, Uint8Array>();
    for (const [i, l] of leaves.entries()) {
      const h = leafHash(l);
      nodes.set(`0/${i}`, h);
      for (const n of f.push(h)) nodes.set(`${n.level}/${n.index}`, n.hash);
      expect(Buffer.from(f.root()).toString("hex")).toBe(v.rootsBySizeHex[i + 1]);
    }
    for (let size = 1; size <= 8; size++) {
      const root = await rootAt(size, (ids) => ids.map((id) => nodes.get(`${id.level}/${id.index}`)!));
      expect(Buffer.from(root).toString("hex")).toBe(v.rootsBySizeHex[size]);
    }
  });
});

describe("signatures.json", () => {
  const v = json(path.join(VECTORS, "signatures.json"));
  it("RFC 8032 test 1: public key and signature reproduce, and verify", () => {
    const t = v.ed25519_rfc8032_test1;
    expect(Buffer.from(ed25519PublicKey(hex(t.seedHex))).toString("hex")).toBe(t.publicKeyHex);
    expect(Buffer.from(ed25519Sign(hex(t.seedHex), hex(t.messageHex))).toString("hex")).toBe(t.signatureHex);
    expect(ed25519Verify(hex(t.publicKeyHex), hex(t.messageHex), hex(t.signatureHex))).toBe(true);
    expect(ed25519Verify(hex(t.publicKeyHex), new Uint8Array([1]), hex(t.signatureHex))).toBe(false);
  });
  it("the C2SP signed-note example verifies, and fails when the text changes", () => {
    const t = v.signed_note_c2sp_example;
    const key = parseVerifierKey(t.verifierKey);
    expect(verifyNoteSignature(parseNote(t.note), key)).toBe(true);
    expect(verifyNoteSignature(parseNote(t.note.replace("example", "exampl3")), key)).toBe(false);
  });
  it("the Go note signing example reproduces byte for byte", () => {
    const t = v.signed_note_go_signing_example;
    const signer = parseSignerKey(t.signerKey);
    const verifier = parseVerifierKey(t.verifierKey);
    expect(Buffer.from(signer.publicKey)).toEqual(Buffer.from(verifier.publicKey));
    const signed = signNote(t.text, signer);
    expect(signed).toBe(`${t.text}\n${t.expectedSignatureLine}`);
    expect(verifyNoteSignature(parseNote(signed), verifier)).toBe(true);
  });
  it("checkpoint parse cases", () => {
    const t = v.checkpoint_parse_cases;
    for (const c of t.valid) {
      const cp = parseCheckpointBody(c.text);
      expect(cp.origin).toBe(c.origin);
      expect(cp.size).toBe(c.size);
      expect(Buffer.from(cp.root).toString("utf8")).toBe(c.rootUtf8);
    }
    for (const text of t.invalid)
      expect(() => parseCheckpointBody(text)).toThrow(
        expect.objectContaining({ code: "CHECKPOINT_INVALID" }),
      );
  });
  it("the DSSE example envelope: PAE matches and the P-256 signature verifies", () => {
    const t = v.dsse_example;
    const env = parseEnvelope(Buffer.from(JSON.stringify(t.envelope)));
    expect(Buffer.from(env.payload).toString("utf8")).toBe(t.payloadUtf8);
    const message = pae(env.payloadType, env.payload);
    expect(Buffer.from(message).toString("utf8")).toBe(t.pae);
    const point = { x: BigInt(t.publicKeyX), y: BigInt(t.publicKeyY) };
    expect(ecdsaP256Verify(point, message, env.signatures[0]!.sig)).toBe(true);
    expect(ecdsaP256Verify(point, pae(env.payloadType, new Uint8Array([1])), env.signatures[0]!.sig)).toBe(
      false,
    );
    expect(decodeBase64(t.envelope.payload, "payload")).toEqual(env.payload);
  });
});
