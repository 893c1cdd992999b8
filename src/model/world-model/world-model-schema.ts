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
  .refine((s) => s !== "__proto__", { message: "the name __proto__ is reserved" })
  // The refinement, in the one pattern a JSON Schema can carry.
  .meta({ pattern: "^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$" });
const displayName = z.string().max(WORLD_MODEL_LIMITS.nameLength).regex(DISPLAY_NAME);
const description = z.string().max(WORLD_MODEL_LIMITS.descriptionLength);
/** A reference to a variable in a scope; whether it exists is checked later (`UNKNOWN_VARIABLE`). */
const variableRef = z.string().max(WORLD_MODEL_LIMITS.nameLength);

/**
 * What the published JSON Schema says of a value in a row, where zod says nothing (see the module
 * comment): a boolean, a string (an enumeration's value, so no longer than one) or a number.
 * Which of them fits is the variable's domain's business.
 */
const SCALAR_JSON = {
  anyOf: [
    { type: "boolean" },
    { type: "string", maxLength: WORLD_MODEL_LIMITS.nameLength },
    { type: "number" },
  ],
} as const;
const value = z.unknown().meta(SCALAR_JSON);

const domainSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("boolean") }),
    z.object({
      kind: z.literal("enum"),
      values: z
        .array(z.string().max(WORLD_MODEL_LIMITS.nameLength))
        .max(WORLD_MODEL_LIMITS.enumValues)
        // Checked with their own code in compiled-model.ts (DOMAIN_INVALID); said here for the JSON Schema.
        .meta({ minItems: 1, uniqueItems: true }),
    }),
    z.object({ kind: z.literal("int"), min: z.int(), max: z.int() }),
    z.object({ kind: z.literal("real"), unit: z.string().max(64) }),
  ])
  .meta({ id: "Domain", title: "The values a variable can take" });

const variableSchema = z
  .object({
    name: variableName,
    domain: domainSchema,
    tags: z.array(z.string().max(64)).max(WORLD_MODEL_LIMITS.tags),
    nextOf: variableName
      .optional()
      .describe(
        "the state variable this variable is the value of after the decision (docs/conventions.md); same domain",
      ),
  })
  .meta({ id: "Variable", title: "A world-model variable" });

/** Rows are only required to be a bounded list here; see the module comment. */
const rowsSchema = z
  .array(
    z.unknown().meta({ type: "array", minItems: 1, maxItems: WORLD_MODEL_LIMITS.scope, items: SCALAR_JSON }),
  )
  .max(WORLD_MODEL_LIMITS.rowsPerModel);

const relationSchema = z
  .object({
    kind: z.literal("relation"),
    name: displayName,
    description,
    variables: z.array(variableRef).min(1).max(WORLD_MODEL_LIMITS.scope),
    rows: rowsSchema,
  })
  .meta({ id: "Relation", title: "The tuples of values that are possible" });

const tableSchema = z
  .object({
    kind: z.literal("table"),
    name: displayName,
    description,
    inputs: z.array(variableRef).max(WORLD_MODEL_LIMITS.scope - 1),
    output: variableRef,
    rows: rowsSchema,
  })
  .meta({ id: "Table", title: "A deterministic function from inputs to an output, row by row" });

const cptSchema = z
  .object({
    kind: z.literal("cpt"),
    name: displayName,
    description,
    parents: z.array(variableRef).max(WORLD_MODEL_LIMITS.scope - 1),
    child: variableRef,
    rows: z
      .array(
        z.object({
          parents: z.array(value).max(WORLD_MODEL_LIMITS.scope),
          distribution: z
            .array(z.tuple([value, z.number().meta({ minimum: 0, maximum: 1 })]))
            .min(1)
            .max(WORLD_MODEL_LIMITS.enumValues),
        }),
      )
      .max(WORLD_MODEL_LIMITS.rowsPerModel),
  })
  .meta({ id: "Cpt", title: "A conditional probability table: a distribution of the child per parent row" });

const localModelSchema = z.discriminatedUnion("kind", [relationSchema, tableSchema, cptSchema]);

export const worldModelSchema = z
  .object({
    name: displayName,
    variables: z.array(variableSchema).max(WORLD_MODEL_LIMITS.variables),
    localModels: z.array(localModelSchema).max(WORLD_MODEL_LIMITS.localModels),
  })
  .meta({ id: "WorldModel", title: "World model" });

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
