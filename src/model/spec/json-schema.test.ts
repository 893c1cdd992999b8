import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROCESS_KINDS } from "../process.js";
import {
  OPTIMIZER_SPEC_SCHEMA_ID,
  optimizerSpecJsonSchema,
  renderOptimizerSpecJsonSchema,
} from "./json-schema.js";

const COMMITTED = path.resolve(__dirname, "../../../schemas/optimizer-spec.schema.json");

describe("the published JSON Schema", () => {
  it("is what the generator produces now (run `npx tsx scripts/generate-schema.ts` if not)", () => {
    // Compared as JSON values: the committed file is formatted by biome, the generator's text is not.
    const committed = JSON.parse(fs.readFileSync(COMMITTED, "utf8"));
    expect(committed).toEqual(JSON.parse(renderOptimizerSpecJsonSchema()));
  });

  it("is draft 2020-12 with an $id, closed objects and one member per process kind", () => {
    const schema = optimizerSpecJsonSchema() as {
      $schema: string;
      $id: string;
      $defs: Record<
        string,
        { oneOf?: { properties: { kind: { const: string } } }[]; additionalProperties?: unknown }
      >;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(OPTIMIZER_SPEC_SCHEMA_ID);
    expect(schema.$defs.OptimizerSpec?.additionalProperties).toBe(false);
    const kinds = schema.$defs.Process?.oneOf?.map((o) => o.properties.kind.const);
    expect(kinds).toEqual([...PROCESS_KINDS]);
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining([
        "ExplicitWorldModel",
        "ImplicitWorldModel",
        "ObjectiveDocument",
        "ProbeEvidence",
      ]),
    );
  });

  it("carries the parameter descriptions people read in `spec explain`", () => {
    const text = renderOptimizerSpecJsonSchema();
    expect(text).toContain('"description": "exploration rate"');
    expect(text).toContain('"description": "UCT exploration constant"');
  });
});
