/**
 * The published JSON Schema of optimizer specs, generated from the same zod schemas that validate
 * them (`optimizer-spec.ts`, `process.ts`, `implicit-world-model.ts`, the world model's), so that
 * editors and other tools check what optprov checks. `scripts/generate-schema.ts` writes it to
 * `schemas/optimizer-spec.schema.json`; a test fails when the committed file is stale.
 *
 * What the JSON Schema cannot say, and only `optprov spec check` checks: that rows fit their
 * variables' domains, CPT rows sum to 1, scopes name declared variables, the objective parses and
 * type-checks against the world model, probes name known variables, and `mayCreate` has no repeats.
 */
import { z } from "zod";
import { optimizerSpecSchema } from "../optimizer-spec.js";

/** Where the schema is published; also its `$id`. */
export const OPTIMIZER_SPEC_SCHEMA_ID = "https://optprov.dev/schemas/optimizer-spec.schema.json";

/**
 * The JSON Schema (draft 2020-12) of an optimizer spec.
 *
 * @example optimizerSpecJsonSchema().$id === OPTIMIZER_SPEC_SCHEMA_ID
 */
export function optimizerSpecJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(optimizerSpecSchema, { target: "draft-2020-12", unrepresentable: "any" });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, $id: OPTIMIZER_SPEC_SCHEMA_ID, ...rest };
}

/**
 * The schema file's exact text: two-space JSON and a final newline.
 *
 * @example fs.writeFileSync("schemas/optimizer-spec.schema.json", renderOptimizerSpecJsonSchema())
 */
export function renderOptimizerSpecJsonSchema(): string {
  return `${JSON.stringify(optimizerSpecJsonSchema(), null, 2)}\n`;
}
