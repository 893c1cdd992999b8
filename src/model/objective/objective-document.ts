/**
 * The objective document: how an objective is written in an optimizer spec, an HTTP body or a
 * ledger entry. Loading one validates its shape, parses its expression and type-checks it, and
 * returns the tree together with every error found, each located by its path in the document
 * (`proxyFor.expr`) and its line and column in the expression.
 */
import { z } from "zod";
import type { Objective, Sense } from "./ast.js";
import { suggest } from "./did-you-mean.js";
import { MAX_PROXY_DEPTH } from "./limits.js";
import { ObjectiveError } from "./objective-error.js";
import type { ObjectiveType } from "./objective-type.js";
import { parseExpression } from "./parser.js";
import { checkObjective } from "./type-checker.js";
import type { WorldDescription } from "./world-description.js";

export interface ObjectiveDocument {
  readonly sense: Sense;
  /** The expression, without the sense: `watered_tomatoes - step_cost * steps`. */
  readonly expr: string;
  readonly constants?: Readonly<Record<string, number>>;
  /**
   * The intended objective this one stands in for (Goodhart's curse lives in the gap), written out
   * or named by reference when it cannot be written over the world model's variables.
   */
  readonly proxyFor?: ObjectiveDocument | string;
  /** How the intended objective is measured, e.g. the name of an evaluation or a human rating. */
  readonly measuredBy?: string;
}

export interface LoadedObjective {
  /** The parsed objective, or undefined when the shape or the syntax is broken. */
  readonly objective: Objective | undefined;
  /** The expression's type, or undefined when errors left it unknown. */
  readonly type: ObjectiveType | undefined;
  readonly constants: Readonly<Record<string, number>>;
  readonly proxyFor: LoadedObjective | { readonly reference: string } | undefined;
  readonly measuredBy: string | undefined;
  /** Every error in this document and its `proxyFor` chain, each with its path; empty when valid. */
  readonly errors: readonly ObjectiveError[];
}

export interface LoadOptions {
  /** As {@link CheckOptions.forbiddenTags}; applied to the intended objective too. */
  readonly forbiddenTags?: readonly string[];
}

// The shape only; the expression's syntax and types are the parser's and checker's business.
// Strict, so a misspelt key (`proxy_for`) is an error instead of an objective silently without a proxy.
const DOCUMENT = z.strictObject({
  sense: z.enum(["maximize", "minimize", "satisfy"]),
  expr: z.string(),
  constants: z.record(z.string(), z.number()).optional(),
  proxyFor: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  measuredBy: z.string().min(1).optional(),
});

const FIELDS = Object.keys(DOCUMENT.shape);

/**
 * Validate, parse and type-check an objective document (and its `proxyFor` chain) against a
 * world-model description. Never throws for bad input: every problem is in `errors`.
 *
 * @example
 * const world = { variables: [{ name: "clicks", domain: { kind: "int", min: 0, max: 1e9 }, tags: [] }] };
 * const loaded = loadObjectiveDocument({ sense: "maximize", expr: "clicks", proxyFor: "user_wellbeing" }, world);
 * loaded.errors.length === 0 && loaded.proxyFor // { reference: "user_wellbeing" }
 */
export function loadObjectiveDocument(
  input: unknown,
  world: WorldDescription,
  options: LoadOptions = {},
): LoadedObjective {
  return load(input, world, options, "", 0);
}

function load(
  input: unknown,
  world: WorldDescription,
  options: LoadOptions,
  path: string,
  depth: number,
): LoadedObjective {
  const at = (field: string): string => (path === "" ? field : `${path}.${field}`);
  const empty = (errors: ObjectiveError[]): LoadedObjective => ({
    objective: undefined,
    type: undefined,
    constants: nullPrototypeRecord({}),
    proxyFor: undefined,
    measuredBy: undefined,
    errors,
  });
  if (depth > MAX_PROXY_DEPTH) {
    const where = path === "" ? "document" : path;
    return empty([
      new ObjectiveError(
        "TOO_DEEP",
        `${where}: expected at most ${MAX_PROXY_DEPTH} nested proxyFor objectives, got more`,
        { path: where },
      ),
    ]);
  }
  const shape = DOCUMENT.safeParse(input);
  if (!shape.success) {
    return empty(
      shape.error.issues.flatMap((issue) => {
        const where =
          issue.path.length === 0 ? (path === "" ? "document" : path) : at(issue.path.map(String).join("."));
        // One error per unknown key, at the key: zod reports them together at the document.
        if (issue.code === "unrecognized_keys" && issue.path.length === 0)
          return issue.keys.map((key) => {
            const close = suggest(key, FIELDS);
            const detail = `unknown field ${JSON.stringify(key)}; expected one of ${FIELDS.join(", ")}${close ? ` (did you mean ${close}?)` : ""}`;
            return new ObjectiveError("DOCUMENT_INVALID", `${at(key)}: ${detail}`, {
              path: at(key),
              ...(close ? { suggestion: close } : {}),
            });
          });
        return [new ObjectiveError("DOCUMENT_INVALID", `${where}: ${issue.message}`, { path: where })];
      }),
    );
  }
  const doc = shape.data;
  // From the input, not zod's copy: zod drops a `__proto__` key, and a spec's digest keeps it.
  const raw = input as { readonly constants?: unknown; readonly proxyFor?: unknown };
  const errors: ObjectiveError[] = [];
  if (
    typeof raw.constants === "object" &&
    raw.constants !== null &&
    Object.hasOwn(raw.constants, "__proto__")
  )
    errors.push(
      new ObjectiveError(
        "KEY_RESERVED",
        `${at("constants.__proto__")}: expected a key other than __proto__, which JSON readers disagree on`,
        { path: at("constants.__proto__") },
      ),
    );
  const constants = nullPrototypeRecord(doc.constants ?? {});
  let objective: Objective | undefined;
  let type: ObjectiveType | undefined;
  try {
    const expr = parseExpression(doc.expr);
    objective = { kind: "objective", sense: doc.sense, expr, span: expr.span };
  } catch (error) {
    if (!(error instanceof ObjectiveError)) throw error;
    errors.push(error.atPath(at("expr")));
  }
  if (objective !== undefined) {
    const checked = checkObjective(objective, world, {
      constants,
      forbiddenTags: options.forbiddenTags ?? [],
    });
    type = checked.type;
    for (const error of checked.errors) {
      // Constant errors already carry their path `constants.<name>`; the rest are in the expression.
      if (error.path === undefined) errors.push(error.atPath(at("expr")));
      else errors.push(path === "" ? error : error.atPath(path));
    }
  }
  let proxyFor: LoadedObjective["proxyFor"];
  if (typeof doc.proxyFor === "string") proxyFor = { reference: doc.proxyFor };
  else if (doc.proxyFor !== undefined) {
    // The input's own object, for the same reason as the constants: zod's copy has lost `__proto__`.
    proxyFor = load(raw.proxyFor, world, options, at("proxyFor"), depth + 1);
    errors.push(...proxyFor.errors);
  }
  return { objective, type, constants, proxyFor, measuredBy: doc.measuredBy, errors };
}

/**
 * A copy of a record without a prototype, so that looking up a name it lacks (`constructor`,
 * `toString`) finds nothing instead of an `Object.prototype` member.
 */
function nullPrototypeRecord<T>(record: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  const out: Record<string, T> = Object.create(null);
  for (const [key, value] of Object.entries(record)) out[key] = value;
  return out;
}
