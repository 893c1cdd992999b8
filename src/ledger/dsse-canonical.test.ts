import { describe, expect, it } from "vitest";
import { canonicalEnvelopeBytes, parseEnvelope, serializeEnvelope } from "./dsse.js";

const envelope = serializeEnvelope({
  payloadType: "application/vnd.in-toto+json",
  payload: new TextEncoder().encode('{"a":1}'),
  signatures: [{ keyid: "k1", sig: new Uint8Array([1, 2, 3, 4]) }],
});
const value = JSON.parse(new TextDecoder().decode(envelope)) as Record<string, unknown>;

describe("canonicalEnvelopeBytes: the parse-free path for envelopes already in the log's form", () => {
  it("gives exactly what parsing and serialising gives", () => {
    expect(canonicalEnvelopeBytes(value)).toEqual(serializeEnvelope(parseEnvelope(envelope)));
  });

  it.each([
    [
      "fields in another order",
      { signatures: value.signatures, payload: value.payload, payloadType: value.payloadType },
    ],
    ["a keyid missing", { ...value, signatures: [{ sig: "AQIDBA==" }] }],
    ["non-canonical base64", { ...value, payload: "eyJhIjoxfQ" }],
    ["base64url characters", { ...value, signatures: [{ keyid: "k1", sig: "-_8=" }] }],
    ["an extra field", { ...value, extra: 1 }],
    ["no signatures", { ...value, signatures: [] }],
    ["not an object", [value]],
  ])("leaves %s to the full parse", (_, v) => {
    expect(canonicalEnvelopeBytes(v)).toBeUndefined();
  });
});
