/**
 * Implicit world models: a world model that lives inside an artifact (the weights of a network, a
 * bimetallic strip, a trained value table) and cannot be read as tables. It is declared by the
 * artifact that holds it (name, digest, URI), a description, and the evidence that ties it to
 * explicit variables: probe records (which variable, what kind of probe, how accurate, on which
 * dataset). An implicit model may carry its explicit *twin*, a legible world model that stands
 * for it; without a twin it may declare the explicit variables its probes read, so that an
 * objective can still be stated over named, typed variables.
 *
 * Implicit models are first-class (specs, ledger entries and policies handle them) but everything
 * that shows one says "implicit": nothing in it can be checked the way a table can.
 */
import { z } from "zod";
import { suggest } from "./objective/did-you-mean.js";
import { PartError } from "./spec/part-error.js";
import { type PathSegment, type SchemaIssue, schemaIssues } from "./spec/schema-issues.js";
import type { ValidateWorldModelOptions } from "./world-model/compiled-model.js";
import type { Variable } from "./world-model/variable.js";
import type { WorldModel } from "./world-model/world-model.js";
import { validateWorldModel } from "./world-model/world-model.js";
import { formatPath, type WorldModelError } from "./world-model/world-model-error.js";
import { worldModelSchema } from "./world-model/world-model-schema.js";

/**
 * An absolute URI as RFC 3986 §3 starts one (a scheme, then `:`), without whitespace or control
 * characters. A pattern rather than JSON Schema's `format: uri`, which validators treat as a mere
 * annotation unless given a plugin, so that the published schema checks what the loader checks.
 */
export const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$/;

/** A content digest: `sha256:` and 64 lower-case hex digits. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** How a probe related the artifact's insides to an explicit variable. */
export const PROBE_KINDS = [
  /** A linear read-out trained on the artifact's internal state. */
  "linear",
  /** A small non-linear read-out (an MLP, a decision tree). */
  "nonlinear",
  /** Setting the internal state and watching the variable change (or the reverse). */
  "causal-intervention",
  /** Only the artifact's behaviour was observed: inputs in, actions out. */
  "behavioural",
] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export interface ArtifactReference {
  /** What a person calls it: `policy-net-v3`, `brass-steel bimetallic strip`. */
  readonly name: string;
  /** `sha256:<hex>` of the artifact's bytes (or of its specification, for a physical part). */
  readonly digest: string;
  /** Where it can be fetched or looked up. */
  readonly uri: string;
}

export interface ProbeEvidence {
  /** The explicit variable the probe reads (a variable of the twin, or a declared variable). */
  readonly variable: string;
  readonly probe: ProbeKind;
  /** Fraction of held-out cases the probe got right, 0..1. */
  readonly accuracy: number;
  /** `sha256:<hex>` of the dataset the accuracy was measured on. */
  readonly dataset: string;
  readonly note?: string;
}

export interface ImplicitWorldModel {
  readonly kind: "implicit";
  readonly artifact: ArtifactReference;
  /** What the artifact is believed to model, in a sentence or two. */
  readonly description: string;
  readonly probes: readonly ProbeEvidence[];
  /** The explicit world model that stands for this one, when there is one. */
  readonly twin?: WorldModel;
  /** Without a twin: the explicit variables the probes read and the objective may use. */
  readonly variables?: readonly Variable[];
}

export const IMPLICIT_LIMITS = {
  probes: 1_000,
  descriptionLength: 2_000,
  nameLength: 128,
  uriLength: 2_048,
} as const;

const digest = z.string().regex(DIGEST_PATTERN, "expected sha256: followed by 64 lower-case hex digits");
const displayName = z
  .string()
  .min(1)
  .max(IMPLICIT_LIMITS.nameLength)
  .regex(/^[^\x00-\x1f\x7f]+$/, "expected a name without control characters");

export const artifactSchema = z
  .object({
    name: displayName.describe("what a person calls the artifact"),
    digest: digest.describe("sha256:<hex> of the artifact's bytes"),
    uri: z
      .string()
      .max(IMPLICIT_LIMITS.uriLength)
      .regex(URI_PATTERN, {
        message: "expected a URI: a scheme, a colon, and no spaces or control characters",
        abort: true, // one error per URI: the parser is not asked about a string that is not one
      })
      // Only the loader can ask a URL parser; the JSON Schema carries the pattern (FORMAT.md).
      .refine((s) => URL.canParse(s), { message: "expected a URI that a URL parser accepts" })
      .describe("where the artifact can be found"),
  })
  .meta({ id: "Artifact", title: "The artifact that holds an implicit world model" });

export const probeSchema = z
  .object({
    variable: z.string().max(IMPLICIT_LIMITS.nameLength).describe("the explicit variable the probe reads"),
    probe: z.enum(PROBE_KINDS).describe("how the probe relates the artifact to the variable"),
    accuracy: z.number().min(0).max(1).describe("fraction of held-out cases the probe got right"),
    dataset: digest.describe("sha256:<hex> of the dataset the accuracy was measured on"),
    note: z.string().max(IMPLICIT_LIMITS.descriptionLength).optional(),
  })
  .meta({ id: "ProbeEvidence", title: "Evidence tying an implicit world model to an explicit variable" });

export const implicitWorldModelSchema = z
  .object({
    kind: z.literal("implicit"),
    artifact: artifactSchema,
    description: z.string().min(1).max(IMPLICIT_LIMITS.descriptionLength),
    probes: z.array(probeSchema).max(IMPLICIT_LIMITS.probes),
    twin: worldModelSchema.optional().describe("the explicit world model that stands for the implicit one"),
    variables: worldModelSchema.shape.variables
      .optional()
      .describe("without a twin: the explicit variables the probes read"),
  })
  .meta({
    id: "ImplicitWorldModel",
    title: "Implicit world model",
    // VARIABLES_WITH_TWIN, for the JSON Schema: with a twin, no declared variables beside it.
    dependentSchemas: { twin: { type: "object", properties: { variables: false } } },
  });

export type ImplicitWorldModelErrorCode =
  | "SHAPE_INVALID"
  | "FIELD_MISSING"
  | "FIELD_UNKNOWN"
  | "DIGEST_INVALID"
  | "URI_INVALID"
  | "ACCURACY_INVALID"
  /** A probe names a variable that neither the twin nor the declared variables have. */
  | "PROBE_VARIABLE_UNKNOWN"
  /** Both a twin and declared variables: the twin's variables are the explicit ones. */
  | "VARIABLES_WITH_TWIN";

/** A problem with an implicit world model, at a path inside it (`probes[1].accuracy`). */
export class ImplicitWorldModelError extends PartError<ImplicitWorldModelErrorCode> {}

/**
 * Every problem with a (possibly hostile) implicit world model: its shape, digests, URI, probe
 * accuracies, probes that name unknown variables, and every problem of its twin as the world-model
 * validator reports it (a `WorldModelError` whose path starts with `twin.`). Never throws for bad
 * input. An empty list means the model is valid.
 *
 * @example
 * validateImplicitWorldModel({ kind: "implicit", description: "a strip",
 *   artifact: { name: "strip", digest: "sha256:" + "0".repeat(64), uri: "urn:example:strip" },
 *   probes: [] }) // []
 */
export function validateImplicitWorldModel(
  input: unknown,
  options: ValidateWorldModelOptions = {},
): readonly (ImplicitWorldModelError | WorldModelError)[] {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return [new ImplicitWorldModelError("SHAPE_INVALID", "expected an object", "")];
  const value = input as Record<string, unknown>;
  const errors: (ImplicitWorldModelError | WorldModelError)[] = [];
  // The twin and the declared variables belong to the world-model validator, which gives its own
  // codes (VALUE_OUT_OF_DOMAIN, CPT_ROW_SUM, ...); zod's view of them would only repeat it vaguely.
  const delegated = (issue: SchemaIssue) =>
    issue.problem !== "unknown-key" && (issue.path[0] === "twin" || issue.path[0] === "variables");
  for (const issue of schemaIssues(implicitWorldModelSchema, value)) {
    if (!delegated(issue)) errors.push(toError(issue));
  }
  if (value.twin !== undefined) {
    for (const problem of validateWorldModel(value.twin, options)) errors.push(problem.within("twin"));
    if (value.variables !== undefined)
      errors.push(
        new ImplicitWorldModelError(
          "VARIABLES_WITH_TWIN",
          "declare the explicit variables in the twin, not beside it",
          "variables",
        ),
      );
  } else if (value.variables !== undefined) {
    // Declared variables have no local models yet, so "not covered" is expected, not a problem.
    for (const problem of validateWorldModel({
      name: "declared",
      variables: value.variables,
      localModels: [],
    }))
      if (problem.code !== "VARIABLE_NOT_COVERED") errors.push(problem);
  }
  errors.push(...probeVariableErrors(value));
  return errors;
}

function probeVariableErrors(value: Record<string, unknown>): ImplicitWorldModelError[] {
  const known = explicitVariableNames(value);
  if (known === undefined || !Array.isArray(value.probes)) return [];
  const errors: ImplicitWorldModelError[] = [];
  value.probes.forEach((probe: unknown, i) => {
    const name = (probe as { variable?: unknown } | null)?.variable;
    if (typeof name !== "string" || known.includes(name)) return;
    const where = value.twin !== undefined ? "the twin" : "the declared variables";
    const close = suggest(name, known);
    errors.push(
      new ImplicitWorldModelError(
        "PROBE_VARIABLE_UNKNOWN",
        `expected a variable of ${where}, got ${JSON.stringify(name)}${close ? ` (did you mean ${close}?)` : ""}`,
        `probes[${i}].variable`,
        close,
      ),
    );
  });
  return errors;
}

/** Names of the explicit variables the probes may read, or undefined when they cannot be known. */
function explicitVariableNames(value: Record<string, unknown>): string[] | undefined {
  const list =
    value.twin !== undefined ? (value.twin as { variables?: unknown } | null)?.variables : value.variables;
  if (list === undefined) return value.twin === undefined ? [] : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((v: unknown) => {
    const name = (v as { name?: unknown } | null)?.name;
    return typeof name === "string" ? [name] : [];
  });
}

function toError(issue: SchemaIssue): ImplicitWorldModelError {
  const path = formatPath(issue.path);
  const last: PathSegment | undefined = issue.path[issue.path.length - 1];
  switch (issue.problem) {
    case "missing":
      return new ImplicitWorldModelError("FIELD_MISSING", issue.message, path);
    case "unknown-key":
      return new ImplicitWorldModelError("FIELD_UNKNOWN", issue.message, path, issue.suggestion);
    default:
      if (last === "digest" || last === "dataset")
        return new ImplicitWorldModelError("DIGEST_INVALID", issue.message, path);
      if (last === "uri") return new ImplicitWorldModelError("URI_INVALID", issue.message, path);
      if (last === "accuracy") return new ImplicitWorldModelError("ACCURACY_INVALID", issue.message, path);
      return new ImplicitWorldModelError("SHAPE_INVALID", issue.message, path);
  }
}

/**
 * The explicit variables an implicit model exposes: its twin's, or the declared ones.
 *
 * @example implicitVariables(model).map((v) => v.name) // ["temperature", "heater", ...]
 */
export function implicitVariables(model: ImplicitWorldModel): readonly Variable[] {
  return model.twin?.variables ?? model.variables ?? [];
}
