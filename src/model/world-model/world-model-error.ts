/**
 * The error every world-model operation throws on broken input or an operation it refuses.
 *
 * Validation collects every problem rather than stopping at the first: a person fixing a world
 * model wants the whole list. Each problem carries a stable `code` and the `path` inside the world
 * model where it was found (`localModels[2].rows[5][1]`).
 */
import { OptprovError } from "../../errors.js";

export type WorldModelErrorCode =
  /** A field has the wrong JSON type, or is missing. */
  | "SHAPE_INVALID"
  /** A size limit was exceeded (rows, variables, names, enumeration values). */
  | "TOO_LARGE"
  /** A variable or local-model name that is empty, malformed or reserved. */
  | "NAME_INVALID"
  /** An enumeration with no values or repeated values, an integer range with min > max, ... */
  | "DOMAIN_INVALID"
  | "DUPLICATE_VARIABLE"
  | "DUPLICATE_LOCAL_MODEL"
  | "UNKNOWN_VARIABLE"
  /**
   * A variable's `nextOf` that names the variable itself, or a state variable of another domain
   * (a next state takes the values its state takes).
   */
  | "NEXT_OF_INVALID"
  /** The same variable twice in one local model's scope. */
  | "REPEATED_VARIABLE"
  /** A row with a different number of values than the local model has variables. */
  | "ARITY_MISMATCH"
  | "VALUE_OUT_OF_DOMAIN"
  | "DUPLICATE_ROW"
  /** A table with two rows for the same inputs. */
  | "TABLE_NOT_FUNCTION"
  /** A probability that is not a number in [0, 1]. */
  | "PROBABILITY_INVALID"
  /** A CPT row whose probabilities do not sum to 1 within 1e-9. */
  | "CPT_ROW_SUM"
  /**
   * A CPT without a row for some combination of its parents' values (checked when asked, as specs
   * do): the message gives how many combinations are covered of how many, and one that is not.
   */
  | "CPT_ROWS_MISSING"
  /** A variable that no local model mentions. */
  | "VARIABLE_NOT_COVERED"
  /** An operation that must enumerate a domain was given a real-valued variable. */
  | "DOMAIN_NOT_FINITE"
  /** An operation that must enumerate domains would enumerate more than its limit. */
  | "DOMAIN_TOO_LARGE"
  /** Exact inference would build a factor larger than the limit. */
  | "PREDICT_TOO_LARGE"
  /** The given decisions or observations have probability zero. */
  | "EVIDENCE_IMPOSSIBLE"
  /** Two world models declare the same variable with different domains. */
  | "DOMAIN_MISMATCH"
  /** Two world models hold different local models under the same name. */
  | "LOCAL_MODEL_NAME_CLASH"
  /** A search ran out of its node budget where an exact answer was required. */
  | "BUDGET_EXHAUSTED"
  /** Sampling from a world model that has no global section. */
  | "NO_SECTIONS"
  /** A bad argument to an operation (a negative limit, a budget that is not an integer, ...). */
  | "ARGUMENT_INVALID";

export class WorldModelError extends OptprovError<WorldModelErrorCode> {
  /** Where in the world model (or in the operation's argument) the problem is, e.g. `localModels[2].rows[5][1]`. */
  readonly path: string | undefined;
  /** Every problem found, when this error stands for a validation that found several (this one first). */
  readonly problems: readonly WorldModelError[];
  /** The message without the path in front. */
  readonly detail: string;

  constructor(
    code: WorldModelErrorCode,
    message: string,
    options?: { path?: string; problems?: readonly WorldModelError[]; cause?: unknown },
  ) {
    super(code, options?.path ? `${options.path}: ${message}` : message, {
      cause: options?.cause,
    });
    this.path = options?.path;
    this.problems = options?.problems ?? [this];
    this.detail = message;
  }

  /**
   * The same problem (and its companions) seen from one level up, e.g. inside the second of two
   * world models being composed: `localModels[1]` becomes `second.localModels[1]`.
   *
   * @example err.within("second").path === "second.localModels[1].name"
   */
  within(prefix: string): WorldModelError {
    const move = (e: WorldModelError) =>
      new WorldModelError(e.code, e.detail, {
        path: e.path ? `${prefix}.${e.path}` : prefix,
        cause: e.cause,
      });
    return WorldModelError.fromProblems(this.problems.map(move));
  }

  /**
   * One error standing for several problems: the first problem's code, path and message, and all
   * of them in `problems`.
   *
   * @example throw WorldModelError.fromProblems(validateWorldModel(input))
   */
  static fromProblems(problems: readonly WorldModelError[]): WorldModelError {
    const first = problems[0];
    if (first === undefined)
      return new WorldModelError("ARGUMENT_INVALID", "fromProblems: expected at least one problem");
    if (problems.length === 1) return first;
    return new WorldModelError(first.code, `${first.detail} (and ${problems.length - 1} more problems)`, {
      path: first.path,
      problems,
      cause: first.cause,
    });
  }
}

/** A path as segments: property names and array indices. */
export type PathSegment = string | number;

/**
 * Render path segments the way a person reads them: `localModels[2].rows[5][1]`.
 *
 * @example formatPath(["localModels", 2, "rows", 5, 1]) === "localModels[2].rows[5][1]"
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/** Show a hostile value in a message without letting it flood the message. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? String(value));
  } catch {
    // Cyclic structures and BigInts make JSON.stringify throw; a type name is enough then.
    text = `<${typeof value}>`;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
