/**
 * The published JSON Schema of optimizer specs, generated from the same zod schemas that validate
 * them (`optimizer-spec.ts`, `process.ts`, `implicit-world-model.ts`, the world model's), so that
 * editors and other tools check what optprov checks. `scripts/generate-schema.ts` writes it to
 * `schemas/optimizer-spec.schema.json`; a test fails when the committed file is stale.
 *
 * Where zod checks less than the loader (rows are `unknown` to zod for speed; enumeration values,
 * probabilities and `mayCreate` repeats are checked later with their own codes), the zod schemas
 * carry the JSON Schema's words in `.meta()`, so that the published schema is as strict as the
 * loader wherever a JSON Schema can be. It uses no `format` (validators treat formats as optional
 * annotations) and compiles in Ajv's strict mode. What it cannot say is listed in FORMAT.md,
 * "Checked by the loader only"; `json-schema-corpus.test.ts` holds schema and loader to one verdict.
 */
import { z } from "zod";
import { NOT_RESERVED_KEY, optimizerSpecSchema } from "../optimizer-spec.js";

/** Where the schema is published; also its `$id`. */
export const OPTIMIZER_SPEC_SCHEMA_ID = "https://optprov.dev/schemas/optimizer-spec.schema.json";

/**
 * The JSON Schema (draft 2020-12) of an optimizer spec.
 *
 * @example optimizerSpecJsonSchema().$id === OPTIMIZER_SPEC_SCHEMA_ID
 */
export function optimizerSpecJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(optimizerSpecSchema, { target: "draft-2020-12", unrepresentable: "any" });
  const { $schema, $defs, ...rest } = generated as Record<string, unknown>;
  return {
    $schema,
    $id: OPTIMIZER_SPEC_SCHEMA_ID,
    ...rest,
    $defs: { ...($defs as Record<string, unknown>), JsonValue: JSON_VALUE },
  };
}

/**
 * Free JSON (what `metadata` holds), without a `__proto__` key at any depth. zod validates
 * `metadata` as a record of anything, so that a deep document costs no recursion there; the
 * loader's walk finds the reserved key, and this definition says the same to other validators.
 */
const JSON_VALUE = {
  title: "Free JSON, without a __proto__ key",
  anyOf: [
    { type: "null" },
    { type: "boolean" },
    { type: "number" },
    { type: "string" },
    { type: "array", items: { $ref: "#/$defs/JsonValue" } },
    {
      type: "object",
      propertyNames: NOT_RESERVED_KEY,
      additionalProperties: { $ref: "#/$defs/JsonValue" },
    },
  ],
} as const;

/**
 * The schema file's exact text: two-space JSON and a final newline.
 *
 * @example fs.writeFileSync("schemas/optimizer-spec.schema.json", renderOptimizerSpecJsonSchema())
 */
export function renderOptimizerSpecJsonSchema(): string {
  return `${JSON.stringify(optimizerSpecJsonSchema(), null, 2)}\n`;
}
