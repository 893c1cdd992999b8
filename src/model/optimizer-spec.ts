/**
 * The optimizer spec: an optimizer declared as data, `{name, description?, worldModel, objective,
 * process, metadata?}`, as written in `*.optimizer.yaml` or `*.optimizer.json` (see
 * `spec/load-spec.ts` for reading the text, `spec/spec-digest.ts` for the digest the ledger binds).
 *
 * The zod schema here is what the published JSON Schema is generated from; validation runs each
 * part through the validator that owns it (the world model's, the objective's, the process's, the
 * implicit world model's) so every problem keeps the code and path its owner gives it, and every
 * problem is reported, not just the first.
 */
import { z } from "zod";
import {
  type ImplicitWorldModel,
  implicitVariables,
  implicitWorldModelSchema,
  validateImplicitWorldModel,
} from "./implicit-world-model.js";
import { suggest } from "./objective/did-you-mean.js";
import { type LoadedObjective, loadObjectiveDocument, type ObjectiveDocument } from "./objective/index.js";
import type { ObjectiveError } from "./objective/objective-error.js";
import type { VariableDescription, WorldDescription } from "./objective/world-description.js";
import { type Process, processSchema, validateProcess } from "./process.js";
import {
  type PathSegment,
  RESERVED_KEY,
  type SchemaIssue,
  schemaIssues,
  unknownKeys,
} from "./spec/schema-issues.js";
import type { SpecArea, SpecErrorCode } from "./spec/spec-error.js";
import type { ValidateWorldModelOptions } from "./world-model/compiled-model.js";
import { misspeltRoleTag, type RoleTag } from "./world-model/role-tags.js";
import type { Variable } from "./world-model/variable.js";
import type { WorldModel } from "./world-model/world-model.js";
import { validateWorldModel } from "./world-model/world-model.js";
import { WorldModelError } from "./world-model/world-model-error.js";
import { worldModelSchema } from "./world-model/world-model-schema.js";

/** An explicit world model in a spec: the world model itself, tagged `kind: explicit`. */
export type ExplicitWorldModelSection = { readonly kind: "explicit" } & WorldModel;
export type WorldModelSection = ExplicitWorldModelSection | ImplicitWorldModel;

export interface OptimizerSpec {
  /** What a person calls this optimizer. */
  readonly name: string;
  readonly description?: string;
  readonly worldModel: WorldModelSection;
  readonly objective: ObjectiveDocument;
  readonly process: Process;
  /** Free JSON for tools (owner, creator run, links); covered by the digest, read by nothing here. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export const SPEC_NAME_LENGTH = 128;
export const SPEC_DESCRIPTION_LENGTH = 4_000;

/** A key that is not `__proto__`, as the published JSON Schema says it (`spec/schema-issues.ts` says why). */
export const NOT_RESERVED_KEY = { type: "string", not: { const: RESERVED_KEY } } as const;

const displayName = z
  .string()
  .min(1)
  .max(SPEC_NAME_LENGTH)
  .regex(/^[^\x00-\x1f\x7f]+$/, "expected a name without control characters");

/**
 * The shape of an objective document, for the published schema. Validation itself is
 * `loadObjectiveDocument`'s (which also parses and type-checks the expression); the test
 * `optimizer-spec.test.ts` holds the two to the same verdicts on the shapes that matter.
 */
export const objectiveDocumentSchema = z
  .object({
    sense: z.enum(["maximize", "minimize", "satisfy"]),
    expr: z
      .string()
      // An empty or blank expression is EMPTY_INPUT to the parser.
      .meta({ minLength: 1, pattern: "\\S" })
      .describe("the expression, in the objective language (GRAMMAR.md)"),
    constants: z
      .record(z.string(), z.number())
      .meta({ propertyNames: NOT_RESERVED_KEY })
      .optional()
      .describe("named constants the expression uses"),
    get proxyFor() {
      return z
        .union([z.string().min(1), objectiveDocumentSchema])
        .optional()
        .describe("the intended objective this one stands in for, written out or named");
    },
    measuredBy: z.string().min(1).optional().describe("how the intended objective is measured"),
  })
  .meta({ id: "ObjectiveDocument", title: "Objective" });

export const explicitWorldModelSchema = worldModelSchema
  .extend({ kind: z.literal("explicit") })
  .meta({ id: "ExplicitWorldModel", title: "Explicit world model" });

export const worldModelSectionSchema = z.discriminatedUnion("kind", [
  explicitWorldModelSchema,
  implicitWorldModelSchema,
]);

/** The whole spec; `spec/json-schema.ts` publishes it as `schemas/optimizer-spec.schema.json`. */
export const optimizerSpecSchema = z
  .object({
    name: displayName.describe("what a person calls this optimizer"),
    description: z.string().max(SPEC_DESCRIPTION_LENGTH).optional(),
    worldModel: worldModelSectionSchema,
    objective: objectiveDocumentSchema,
    process: processSchema,
    metadata: z
      .record(z.string(), z.unknown())
      // Free JSON without a __proto__ key at any depth (KEY_RESERVED); `spec/json-schema.ts` defines JsonValue.
      .meta({ propertyNames: NOT_RESERVED_KEY, additionalProperties: { $ref: "#/$defs/JsonValue" } })
      .optional()
      .describe("free JSON for tools; covered by the digest"),
  })
  .meta({
    id: "OptimizerSpec",
    title: "Optimizer spec",
    description: "An optimizer declared by its world model, objective and optimization process",
  });

const SECTIONS = new Set<PathSegment>(["worldModel", "objective", "process"]);

/** One problem with a spec, located by its path; `spec/load-spec.ts` turns it into a file position. */
export interface SpecProblem {
  readonly area: SpecArea;
  readonly code: SpecErrorCode;
  readonly path: readonly PathSegment[];
  /** What was expected and what came, without the path. */
  readonly detail: string;
  /** For a problem inside an expression string: its 1-based line and column in that string. */
  readonly inExpression?: { readonly line: number; readonly column: number };
}

export interface ValidateSpecOptions {
  /** Variable tags the objective must not read, e.g. `oversight` (see `loadObjectiveDocument`). */
  readonly forbiddenTags?: readonly string[];
  /**
   * Refuse a CPT without a row for every combination of its parents' values (`CPT_ROWS_MISSING`).
   * `loadSpec` asks for it unless told otherwise; here it is off by default, because specs built
   * in code from a learned world model (the gridworld agents') list only the parent rows seen and
   * reach the gate through this function. See FORMAT.md, "Complete tables".
   */
  readonly requireCompleteCpts?: boolean;
}

export interface SpecValidation {
  /** The spec, typed, when there are no problems. */
  readonly spec: OptimizerSpec | undefined;
  readonly problems: readonly SpecProblem[];
  /**
   * What is probably a mistake but does not make the spec invalid: a tag one typo away from a
   * role tag (`ROLE_TAG_MISSPELT`, see `world-model/role-tags.ts`). At most `WARNING_LIMIT`.
   */
  readonly warnings: readonly SpecProblem[];
}

/** Most warnings listed for one spec. */
export const WARNING_LIMIT = 100;

/**
 * Check a parsed spec document: its top-level fields, its world model (explicit, or implicit with
 * or without a twin), its objective against the world model's variables (unknown variables,
 * forbidden tags, types), and its process. Never throws for bad input.
 *
 * @example
 * const { spec, problems } = validateOptimizerSpec(JSON.parse(text), { forbiddenTags: ["oversight"] });
 * problems.map((p) => p.code) // e.g. ["UNKNOWN_IDENTIFIER"]
 */
export function validateOptimizerSpec(value: unknown, options: ValidateSpecOptions = {}): SpecValidation {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
    return {
      spec: undefined,
      warnings: [],
      problems: [
        {
          area: "spec",
          code: "ROOT_NOT_OBJECT",
          path: [],
          detail: `expected a mapping at the top, got ${got}`,
        },
      ],
    };
  }
  const doc = value as Record<string, unknown>;
  const problems: SpecProblem[] = [];
  for (const issue of schemaIssues(optimizerSpecSchema, doc)) {
    const section = issue.path[0];
    const own = section === undefined || !SECTIONS.has(section);
    if (own || (issue.path.length === 1 && issue.problem === "missing")) problems.push(topLevel(issue));
  }
  if (doc.worldModel !== undefined)
    problems.push(
      ...worldModelProblems(doc.worldModel, { requireCompleteCpts: options.requireCompleteCpts === true }),
    );
  if (doc.objective !== undefined) problems.push(...objectiveProblems(doc, options));
  if (doc.process !== undefined) {
    for (const e of validateProcess(doc.process).errors)
      problems.push({
        area: "process",
        code: e.code,
        path: ["process", ...parsePath(e.path)],
        detail: e.detail,
      });
  }
  return {
    spec: problems.length === 0 ? (doc as unknown as OptimizerSpec) : undefined,
    problems,
    warnings: roleTagWarnings(doc.worldModel),
  };
}

/**
 * Tags one typo away from a role tag, on every declared variable (of the explicit model, the
 * twin, or an implicit model's declared variables). Each distinct tag is looked up once, so a
 * hostile spec repeating one tag a million times costs one suggestion.
 */
function roleTagWarnings(section: unknown): SpecProblem[] {
  if (typeof section !== "object" || section === null) return [];
  const s = section as { kind?: unknown; variables?: unknown; twin?: unknown };
  const twin = s.kind === "implicit" && typeof s.twin === "object" && s.twin !== null;
  const list = twin ? (s.twin as { variables?: unknown }).variables : s.variables;
  if (!Array.isArray(list)) return [];
  const base: PathSegment[] = twin ? ["worldModel", "twin", "variables"] : ["worldModel", "variables"];
  const seen = new Map<string, RoleTag | undefined>();
  const warnings: SpecProblem[] = [];
  list.forEach((v: unknown, i) => {
    const tags = (v as { tags?: unknown } | null)?.tags;
    if (!Array.isArray(tags)) return;
    tags.forEach((tag: unknown, j) => {
      if (typeof tag !== "string" || warnings.length >= WARNING_LIMIT) return;
      if (!seen.has(tag)) seen.set(tag, tag.length <= 64 ? misspeltRoleTag(tag) : undefined);
      const role = seen.get(tag);
      if (role !== undefined)
        warnings.push({
          area: "world-model",
          code: "ROLE_TAG_MISSPELT",
          path: [...base, i, "tags", j],
          detail: `tag ${JSON.stringify(tag)} is close to the role tag ${role} but is not it (did you mean ${role}?); detectors read role tags exactly`,
        });
    });
  });
  return warnings;
}

function topLevel(issue: SchemaIssue): SpecProblem {
  const code: SpecErrorCode =
    issue.problem === "missing"
      ? "FIELD_MISSING"
      : issue.problem === "unknown-key"
        ? "FIELD_UNKNOWN"
        : issue.problem === "reserved-key"
          ? "KEY_RESERVED"
          : "FIELD_INVALID";
  return { area: "spec", code, path: issue.path, detail: issue.message };
}

function worldModelProblems(section: unknown, options: ValidateWorldModelOptions): SpecProblem[] {
  const at = (path: string | undefined): PathSegment[] => ["worldModel", ...parsePath(path ?? "")];
  if (typeof section !== "object" || section === null || Array.isArray(section))
    return [{ area: "spec", code: "FIELD_INVALID", path: ["worldModel"], detail: "expected a mapping" }];
  const { kind, ...rest } = section as Record<string, unknown>;
  if (kind === "explicit") {
    const problems: SpecProblem[] = unknownKeys(explicitWorldModelSchema, section).map((issue) => ({
      area: "world-model",
      code: "FIELD_UNKNOWN",
      path: ["worldModel", ...issue.path],
      detail: issue.message,
    }));
    for (const e of validateWorldModel(rest, options)) problems.push(fromWorldModel(e, at(e.path)));
    return problems;
  }
  if (kind === "implicit") {
    return validateImplicitWorldModel(section, options).map((e) =>
      e instanceof WorldModelError
        ? fromWorldModel(e, at(e.path))
        : { area: "implicit-world-model", code: e.code, path: at(e.path), detail: e.detail },
    );
  }
  const got = kind === undefined ? "nothing" : JSON.stringify(kind);
  const close = typeof kind === "string" ? suggest(kind, ["explicit", "implicit"]) : undefined;
  return [
    {
      area: "spec",
      code: "WORLD_MODEL_KIND_UNKNOWN",
      path: ["worldModel", "kind"],
      detail: `expected explicit or implicit, got ${got}${close ? ` (did you mean ${close}?)` : ""}`,
    },
  ];
}

function fromWorldModel(e: WorldModelError, path: PathSegment[]): SpecProblem {
  return { area: "world-model", code: e.code, path, detail: e.detail };
}

/** Codes about names the world model does not provide: meaningless when its variables are broken. */
const ABOUT_VARIABLES = new Set<string>(["UNKNOWN_IDENTIFIER", "FORBIDDEN_VARIABLE"]);

function objectiveProblems(doc: Record<string, unknown>, options: ValidateSpecOptions): SpecProblem[] {
  const world = describeDeclaredVariables(doc.worldModel);
  const loaded = loadObjectiveDocument(doc.objective, world ?? { variables: [] }, {
    forbiddenTags: options.forbiddenTags ?? [],
  });
  const problems: SpecProblem[] = [];
  for (const e of loaded.errors) {
    if (world === undefined && ABOUT_VARIABLES.has(e.code)) continue;
    problems.push(fromObjective(e));
  }
  return problems;
}

function fromObjective(e: ObjectiveError): SpecProblem {
  const local = e.path === undefined || e.path === "document" ? "" : e.path;
  let detail =
    e.path !== undefined && e.message.startsWith(`${e.path}: `)
      ? e.message.slice(e.path.length + 2)
      : e.message;
  const path: PathSegment[] = ["objective", ...parsePath(local)];
  const inExpression = local === "expr" || local.endsWith(".expr") ? e.code !== "DOCUMENT_INVALID" : false;
  if (!inExpression) return { area: "objective", code: e.code, path, detail };
  // The file position goes in front of the message, so the expression-relative one is dropped.
  detail = detail.replace(` at ${e.line}:${e.column}`, "");
  return { area: "objective", code: e.code, path, detail, inExpression: { line: e.line, column: e.column } };
}

const variableSchema = worldModelSchema.shape.variables.element;

/**
 * The variables an objective may read, from a world-model section that may be broken: the ones
 * that are well-formed, or undefined when the list itself cannot be read.
 */
function describeDeclaredVariables(section: unknown): WorldDescription | undefined {
  if (typeof section !== "object" || section === null) return undefined;
  const s = section as { kind?: unknown; variables?: unknown; twin?: unknown };
  const list =
    s.kind === "explicit"
      ? s.variables
      : s.kind === "implicit"
        ? s.twin !== undefined
          ? (s.twin as { variables?: unknown } | null)?.variables
          : (s.variables ?? [])
        : undefined;
  if (!Array.isArray(list)) return undefined;
  const variables: VariableDescription[] = [];
  for (const v of list) {
    const parsed = variableSchema.safeParse(v);
    if (parsed.success) variables.push(parsed.data);
  }
  return { variables };
}

/**
 * Read a path written by `formatPath` back into segments.
 *
 * @example parsePath("localModels[2].rows[5][1]") // ["localModels", 2, "rows", 5, 1]
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[1] !== undefined) segments.push(m[1]);
  }
  return segments;
}

/**
 * The explicit world model of a spec: the world model itself, or an implicit model's twin.
 *
 * @example explicitWorldModel(spec)?.localModels.length
 */
export function explicitWorldModel(spec: OptimizerSpec): WorldModel | undefined {
  const section = spec.worldModel;
  if (section.kind === "explicit") {
    const { kind: _, ...model } = section;
    return model;
  }
  return section.twin;
}

/**
 * The explicit variables of a spec: those of its explicit world model or twin, or those an
 * implicit model declares.
 *
 * @example specVariables(spec).map((v) => v.name)
 */
export function specVariables(spec: OptimizerSpec): readonly Variable[] {
  const section = spec.worldModel;
  return section.kind === "explicit" ? section.variables : implicitVariables(section);
}

/**
 * Load a valid spec's objective against its own variables: the parsed tree, for printing and measuring.
 *
 * @example printObjective(specObjective(spec).objective!)
 */
export function specObjective(spec: OptimizerSpec, options: ValidateSpecOptions = {}): LoadedObjective {
  return loadObjectiveDocument(
    spec.objective,
    { variables: specVariables(spec) },
    { forbiddenTags: options.forbiddenTags ?? [] },
  );
}
