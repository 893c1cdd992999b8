/**
 * Assignments of values to variables: global sections, observations, decisions.
 */
import type { CompiledModel } from "./compiled-model.js";
import { domainContains, formatDomain, type Value } from "./domain.js";
import { preview, WorldModelError } from "./world-model-error.js";

/** Values by variable name. A global section assigns every variable; an observation some of them. */
export type Assignment = Readonly<Record<string, Value>>;

/** In an encoded assignment: the variable has no value. */
export const UNASSIGNED = -2;
/** In an encoded assignment: the value is in the domain but occurs in no row, so no section has it. */
export const INACTIVE = -1;

/**
 * Check an untrusted partial assignment and encode it, one slot per variable: a code,
 * {@link UNASSIGNED} or {@link INACTIVE}. Every problem (not an object, unknown variable, value
 * outside the domain) is reported with its path, e.g. `observations[3].soil`.
 */
export function encodeAssignment(compiled: CompiledModel, assignment: unknown, path: string): Int32Array {
  if (typeof assignment !== "object" || assignment === null || Array.isArray(assignment)) {
    throw new WorldModelError(
      "SHAPE_INVALID",
      `expected an object of values by variable name, got ${preview(assignment)}`,
      {
        path,
      },
    );
  }
  const codes = new Int32Array(compiled.variables.length).fill(UNASSIGNED);
  const problems: WorldModelError[] = [];
  // Own keys only: a name like "constructor" must never read Object.prototype.
  for (const [name, value] of Object.entries(assignment)) {
    const at = `${path}.${name}`;
    const index = compiled.indexOf.get(name);
    if (index === undefined) {
      problems.push(
        new WorldModelError("UNKNOWN_VARIABLE", `expected a declared variable, got ${preview(name)}`, {
          path: at,
        }),
      );
      continue;
    }
    const variable = compiled.variables[index]!;
    if (!domainContains(variable.domain, value)) {
      problems.push(
        new WorldModelError(
          "VALUE_OUT_OF_DOMAIN",
          `variable ${name} expected a value in ${formatDomain(variable.domain)}, got ${preview(value)}`,
          { path: at },
        ),
      );
      continue;
    }
    codes[index] = variable.codes.get(value) ?? INACTIVE;
  }
  if (problems.length > 0) throw WorldModelError.fromProblems(problems);
  return codes;
}

/** Turn an encoded (complete) assignment back into values, in declaration order. */
export function decodeAssignment(compiled: CompiledModel, codes: Int32Array): Assignment {
  const out: Record<string, Value> = {};
  compiled.variables.forEach((v, i) => {
    const code = codes[i]!;
    if (code >= 0) out[v.name] = v.values[code]!;
  });
  return out;
}

/** Check a list of variable names; returns their indices. */
export function resolveVariables(compiled: CompiledModel, names: unknown, path: string): number[] {
  if (!Array.isArray(names))
    throw new WorldModelError("SHAPE_INVALID", `expected a list of variable names, got ${preview(names)}`, {
      path,
    });
  const out: number[] = [];
  names.forEach((name, i) => {
    const index = typeof name === "string" ? compiled.indexOf.get(name) : undefined;
    if (index === undefined)
      throw new WorldModelError("UNKNOWN_VARIABLE", `expected a declared variable, got ${preview(name)}`, {
        path: `${path}[${i}]`,
      });
    if (out.includes(index))
      throw new WorldModelError("REPEATED_VARIABLE", `variable ${name} is listed twice`, {
        path: `${path}[${i}]`,
      });
    out.push(index);
  });
  return out;
}
