/**
 * The JSON shape of a world model, checked with zod, and the size limits that bound it.
 *
 * Zod checks the structure (types, names, list lengths) and reports every issue with its path.
 * The rows themselves are only checked to be lists here: their values are checked against the
 * variables' domains in `compiled-model.ts`, in the same pass that encodes them. Measured on
 * 1,000,000 two-value rows: a per-value zod union takes about 400 ms, the hand-written loop about
 * 20 ms, and gluing a model that size must stay well under a second.
 */
import { z } from "zod";
import {
  formatPath,
  type PathSegment,
  WorldModelError,
  type WorldModelErrorCode,
} from "./world-model-error.js";

/**
 * Size limits. Hostile input is the normal case: a world model may come from another party's
 * ledger entry, so every list is bounded before anything iterates over it.
 */
export const WORLD_MODEL_LIMITS = {
  variables: 100_000,
  localModels: 100_000,
  /** Variables in one local model's scope. */
  scope: 32,
  rowsPerModel: 1_000_000,
  /** Rows (or CPT distribution entries) across all local models. */
  totalRows: 10_000_000,
  enumValues: 100_000,
  tags: 32,
  nameLength: 128,
  descriptionLength: 1_000,
  /** Problems a validation lists before it stops collecting. */
  problems: 1_000,
} as const;

/**
 * Variable names are identifiers, because objectives refer to them in expressions
 * (`watered_tomatoes - 0.1 * steps`). `__proto__` is refused: assignments are plain records.
 */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Local-model and world-model names are for people: any text without control characters. */
const DISPLAY_NAME = /^[^\x00-\x1f\x7f]+$/;

const variableName = z
  .string()
  .max(WORLD_MODEL_LIMITS.nameLength)
  .regex(VARIABLE_NAME)
  .refine((s) => s !== "__proto__", { message: "the name __proto__ is reserved" });
const displayName = z.string().max(WORLD_MODEL_LIMITS.nameLength).regex(DISPLAY_NAME);
const description = z.string().max(WORLD_MODEL_LIMITS.descriptionLength);
/** A reference to a variable in a scope; whether it exists is checked later (`UNKNOWN_VARIABLE`). */
const variableRef = z.string().max(WORLD_MODEL_LIMITS.nameLength);

const domainSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("boolean") }),
  z.object({
    kind: z.literal("enum"),
    values: z.array(z.string().max(WORLD_MODEL_LIMITS.nameLength)).max(WORLD_MODEL_LIMITS.enumValues),
  }),
  z.object({ kind: z.literal("int"), min: z.int(), max: z.int() }),
  z.object({ kind: z.literal("real"), unit: z.string().max(64) }),
]);

const variableSchema = z.object({
  name: variableName,
  domain: domainSchema,
  tags: z.array(z.string().max(64)).max(WORLD_MODEL_LIMITS.tags),
});

/** Rows are only required to be a bounded list here; see the module comment. */
const rowsSchema = z.array(z.unknown()).max(WORLD_MODEL_LIMITS.rowsPerModel);

const relationSchema = z.object({
  kind: z.literal("relation"),
  name: displayName,
  description,
  variables: z.array(variableRef).min(1).max(WORLD_MODEL_LIMITS.scope),
  rows: rowsSchema,
});

const tableSchema = z.object({
  kind: z.literal("table"),
  name: displayName,
  description,
  inputs: z.array(variableRef).max(WORLD_MODEL_LIMITS.scope - 1),
  output: variableRef,
  rows: rowsSchema,
});

const cptSchema = z.object({
  kind: z.literal("cpt"),
  name: displayName,
  description,
  parents: z.array(variableRef).max(WORLD_MODEL_LIMITS.scope - 1),
  child: variableRef,
  rows: z
    .array(
      z.object({
        parents: z.array(z.unknown()).max(WORLD_MODEL_LIMITS.scope),
        distribution: z
          .array(z.tuple([z.unknown(), z.number()]))
          .min(1)
          .max(WORLD_MODEL_LIMITS.enumValues),
      }),
    )
    .max(WORLD_MODEL_LIMITS.rowsPerModel),
});

const localModelSchema = z.discriminatedUnion("kind", [relationSchema, tableSchema, cptSchema]);

export const worldModelSchema = z.object({
  name: displayName,
  variables: z.array(variableSchema).max(WORLD_MODEL_LIMITS.variables),
  localModels: z.array(localModelSchema).max(WORLD_MODEL_LIMITS.localModels),
});

/** What the schema accepts; rows are still `unknown` until the domain pass has checked them. */
export type WorldModelShape = z.infer<typeof worldModelSchema>;

/**
 * Check the structure of untrusted input. Returns the shape, or every structural problem found
 * (capped at {@link WORLD_MODEL_LIMITS.problems}).
 */
export function checkShape(
  input: unknown,
): { ok: true; shape: WorldModelShape } | { ok: false; problems: WorldModelError[] } {
  const result = worldModelSchema.safeParse(input);
  if (result.success) return { ok: true, shape: result.data };
  const problems = result.error.issues.slice(0, WORLD_MODEL_LIMITS.problems).map((issue) => {
    const path = formatPath(issue.path.filter((s): s is PathSegment => typeof s !== "symbol"));
    return new WorldModelError(codeOf(issue), issue.message, { path });
  });
  return { ok: false, problems };
}

function codeOf(issue: z.core.$ZodIssue): WorldModelErrorCode {
  if (issue.code === "too_big") return "TOO_LARGE";
  // A malformed name is worth its own code: it is the commonest mistake and the easiest to fix.
  const aboutName = issue.path[issue.path.length - 1] === "name";
  if (aboutName && (issue.code === "invalid_format" || issue.code === "custom")) return "NAME_INVALID";
  return "SHAPE_INVALID";
}
