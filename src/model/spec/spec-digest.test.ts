import { describe, expect, it } from "vitest";
import type { OptimizerSpec } from "../optimizer-spec.js";
import { specDigest } from "./spec-digest.js";

describe("specDigest", () => {
  it("is SHA-256 over the canonical JSON's UTF-8 bytes (vector from sha256sum)", () => {
    // printf '%s' '{"a":[1,"x"],"b":null}' | sha256sum
    const value = { b: null, a: [1.0, "x"] } as unknown as OptimizerSpec;
    expect(specDigest(value)).toBe("sha256:854ef06dc57f5dfed10206344ab2d02e0b6c84b0e19436703a5afd0f1f9f2687");
  });

  it("hashes non-ASCII text as UTF-8", () => {
    // printf '%s' '{"name":"é"}' | sha256sum
    expect(specDigest({ name: "é" } as unknown as OptimizerSpec)).toBe(
      "sha256:2f16b8477146a1b2ba7d6bb7cf7c9979c191cc2838a107dbf5f0d920b4cb3ba1",
    );
  });
});
