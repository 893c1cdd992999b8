import { describe, expect, it } from "vitest";
import { loadYamlDocument, POLICY_SCHEMA, parsePolicy } from "../control/policy.js";
import { CONFIG_LIMITS, CONFIG_SCHEMA } from "../sdk/config.js";
import { starterConfig, starterPolicy } from "./starter-files.js";

describe("the files optprov init writes", () => {
  it("a starter policy that parses, owned by the owner given, with a comment on every field", () => {
    const text = starterPolicy({
      owner: "alice",
      overseer: "reviewer",
      expires: "2030-01-01T00:00:00Z",
      file: ".optprov/policy.yaml",
    });
    const policy = parsePolicy(text, "policy.yaml");
    expect(policy).toMatchObject({
      owner: "alice",
      overseers: ["reviewer"],
      expires: "2030-01-01T00:00:00Z",
    });
    const lines = text.split("\n");
    // Every field the schema knows is written, and the line above each is a comment.
    for (const field of Object.keys(POLICY_SCHEMA.shape)) {
      const at = lines.findIndex((l) => l.startsWith(`${field}:`));
      expect(at, field).toBeGreaterThan(0);
      expect(lines[at - 1]?.trimStart().startsWith("#"), field).toBe(true);
    }
  });

  it("a starter optprov.yml that validates, with a comment on every setting", () => {
    const text = starterConfig({
      ledger: ".optprov/ledger.db",
      logKey: ".optprov/log.key",
      actorKey: ".optprov/alice.key",
    });
    const loaded = loadYamlDocument(text, "optprov.yml", CONFIG_SCHEMA, CONFIG_LIMITS);
    expect(loaded.problems).toEqual([]);
    expect(loaded.value).toMatchObject({
      version: 1,
      ledger: ".optprov/ledger.db",
      logKey: ".optprov/log.key",
    });
    for (const setting of Object.keys(CONFIG_SCHEMA.shape))
      expect(text, setting).toMatch(new RegExp(`^#? ?${setting}:`, "m"));
  });
});
