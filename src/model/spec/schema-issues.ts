/**
 * Schema issues: what is wrong with a document according to a zod schema, as plain data with a
 * path, so that each part of an optimizer spec (process, implicit world model, the spec itself)
 * can give the problems its own codes without re-reading zod's issue format.
 *
 * Unknown keys are found by walking the value alongside the schema instead of trusting zod's
 * `unrecognized_keys`: the world model's schema (owned by `world-model/`) strips unknown keys
 * silently, and a misspelt key (`localModel:` for `localModels:`) must be an error everywhere in a
 * spec, not a field quietly dropped from what the ledger binds to. The published JSON Schema says
 * `additionalProperties: false` for every object, so the walk makes validation agree with it.
 *
 * The walk also refuses the key `__proto__` where keys are free (records, and the free JSON inside
 * them): readers disagree on what it is. `JSON.parse` and yaml make it an own property, an object
 * literal or an assignment makes it the prototype, zod drops it from what it parses; a digest over
 * a key that one reader keeps and another drops binds nothing. In a closed object it is an
 * unknown key like any other.
 */
import type { z } from "zod";
import { suggest } from "../objective/did-you-mean.js";
import { preview } from "../world-model/world-model-error.js";

/** A property name or an array index. */
export type PathSegment = string | number;

export type SchemaProblem =
  /** A required field is absent. */
  | "missing"
  /** A field the schema does not know. */
  | "unknown-key"
  /** The key `__proto__` where keys are free (a record, free JSON): see the module comment. */
  | "reserved-key"
  /** A `kind` (discriminator) value no option has. */
  | "unknown-discriminator"
  /** A list or string above its maximum length. */
  | "too-large"
  /** Anything else: wrong type, out of range, bad format. */
  | "invalid";

export interface SchemaIssue {
  readonly problem: SchemaProblem;
  readonly path: readonly PathSegment[];
  /** What was expected and what came, without the path; ends with "(did you mean x?)" when there is a suggestion. */
  readonly message: string;
  /** For unknown keys and discriminators: the closest known name ("did you mean"). */
  readonly suggestion?: string;
}

/**
 * Validate `value` against `schema`: zod's issues (without `unrecognized_keys`) followed by every
 * unknown key found by {@link unknownKeys}. At most `limit` issues, so that a hostile document
 * with a million bad rows does not make a million error objects.
 *
 * @example
 * schemaIssues(z.object({ a: z.number() }), { a: "x", b: 1 })
 * // [{ problem: "invalid", path: ["a"], ... }, { problem: "unknown-key", path: ["b"], ... }]
 */
export function schemaIssues(schema: z.ZodType, value: unknown, limit = 1000): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (out.length >= limit) break;
      if (issue.code === "unrecognized_keys") continue;
      out.push(fromZodIssue(issue));
    }
  }
  for (const issue of unknownKeys(schema, value)) {
    if (out.length >= limit) break;
    out.push(issue);
  }
  return out;
}

function fromZodIssue(issue: z.core.$ZodIssue): SchemaIssue {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
  const field = path[path.length - 1];
  if (issue.code === "invalid_type" && issue.input === undefined && field !== undefined) {
    return { problem: "missing", path, message: `expected ${describeExpected(issue.expected)}, got nothing` };
  }
  if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator !== undefined) {
    const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
    // zod reports the whole object as the input; the discriminator's value is what was wrong.
    const input = (issue as { input?: unknown }).input;
    const got = isPlainObject(input) ? input[issue.discriminator] : input;
    const given = typeof got === "string" ? got : undefined;
    return {
      problem: given === undefined && got === undefined ? "missing" : "unknown-discriminator",
      path,
      ...withSuggestion(
        `expected one of ${options.join(", ")}, got ${got === undefined ? "nothing" : preview(got)}`,
        given === undefined ? undefined : suggest(given, options),
      ),
    };
  }
  if (issue.code === "too_big") return { problem: "too-large", path, message: withInput(issue) };
  return { problem: "invalid", path, message: withInput(issue) };
}

function describeExpected(expected: string): string {
  if (expected === "object") return "an object";
  if (expected === "array") return "a list";
  if (expected === "int") return "an integer";
  return `a ${expected}`;
}

/** zod's message, with the offending value when zod did not already name it. */
function withInput(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^Invalid input: /, "");
  if (issue.code === "invalid_type" || !("input" in issue) || issue.input === undefined) return message;
  if (typeof issue.input === "object" && issue.input !== null) return message;
  return `${message}, got ${preview(issue.input)}`;
}

function withSuggestion(
  message: string,
  close: string | undefined,
): { message: string; suggestion?: string } {
  return close === undefined
    ? { message }
    : { message: `${message} (did you mean ${close}?)`, suggestion: close };
}

/**
 * The few parts of zod's schema definitions the walk reads, described by what it needs (as kysely
 * describes a database client) rather than by zod's full internal types.
 */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, SchemaNode>>;
  readonly catchall?: SchemaNode;
  readonly element?: SchemaNode;
  readonly innerType?: SchemaNode;
  readonly options?: readonly SchemaNode[];
  readonly discriminator?: string;
  readonly items?: readonly SchemaNode[];
  readonly rest?: SchemaNode | null;
  readonly valueType?: SchemaNode;
  readonly in?: SchemaNode;
  readonly getter?: () => SchemaNode;
  readonly values?: readonly unknown[];
}
interface SchemaNode {
  readonly _zod: { readonly def: SchemaDef };
  safeParse(value: unknown): { readonly success: boolean };
}

/**
 * Every key of a plain object in `value` that the matching object schema does not declare,
 * searched wherever the schema says what the value should be (objects, lists, tuples, records,
 * optionals, unions chosen by their discriminator). Objects with a catch-all accept any key.
 *
 * @example unknownKeys(z.object({ a: z.object({ b: z.number() }) }), { a: { b: 1, c: 2 } })[0].path // ["a", "c"]
 */
export function unknownKeys(schema: z.ZodType, value: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  walk(schema as unknown as SchemaNode, value, [], out);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The definition under wrappers that do not change what a value looks like (optional, nullable,
 * default, readonly, the input side of a pipe, a lazy or recursive reference). Bounded, because a
 * lazy schema can refer to itself.
 */
function unwrap(node: SchemaNode): SchemaDef {
  let def = node._zod.def;
  for (let hops = 0; hops < 64; hops++) {
    const inner =
      def.type === "lazy"
        ? def.getter?.()
        : def.type === "pipe"
          ? def.in
          : WRAPPERS.has(def.type)
            ? def.innerType
            : undefined;
    if (inner === undefined) return def;
    def = inner._zod.def;
  }
  return def;
}
const WRAPPERS = new Set(["optional", "nullable", "default", "readonly", "nonoptional"]);

function walk(node: SchemaNode, value: unknown, path: PathSegment[], out: SchemaIssue[]): void {
  const def = unwrap(node);
  switch (def.type) {
    case "object": {
      if (!isPlainObject(value) || def.shape === undefined) return;
      const known = Object.keys(def.shape);
      for (const key of Object.keys(value)) {
        const field = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
        if (field !== undefined) walk(field, value[key], [...path, key], out);
        else if (def.catchall === undefined || def.catchall._zod.def.type === "never") {
          out.push({
            problem: "unknown-key",
            path: [...path, key],
            ...withSuggestion(
              `unknown field ${preview(key)}; expected one of ${known.join(", ")}`,
              suggest(key, known),
            ),
          });
        }
      }
      return;
    }
    case "array":
      if (Array.isArray(value) && def.element) {
        const element = def.element;
        value.forEach((item, i) => {
          walk(element, item, [...path, i], out);
        });
      }
      return;
    case "tuple":
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          const itemSchema = def.items?.[i] ?? def.rest ?? undefined;
          if (itemSchema) walk(itemSchema, item, [...path, i], out);
        });
      }
      return;
    case "record":
      if (isPlainObject(value) && def.valueType) {
        const free = FREE.has(unwrap(def.valueType).type);
        for (const key of Object.keys(value)) {
          if (key === RESERVED_KEY) out.push(reservedKey([...path, key]));
          else if (free) reservedKeysIn(value[key], [...path, key], out);
          else walk(def.valueType, value[key], [...path, key], out);
        }
      }
      return;
    case "union": {
      const option = chooseOption(def, value);
      if (option !== undefined) walk(option, value, path, out);
      return;
    }
    default:
      return;
  }
}

/** The one key refused wherever keys are free. */
export const RESERVED_KEY = "__proto__";
/** Schemas that accept any JSON: below them every key is free. */
const FREE = new Set(["unknown", "any"]);

function reservedKey(path: PathSegment[]): SchemaIssue {
  return {
    problem: "reserved-key",
    path,
    message: `expected a key other than ${RESERVED_KEY}, which JSON readers disagree on`,
  };
}

/**
 * Every `__proto__` key in free JSON, by an explicit-stack walk (no recursion, so depth cannot
 * overflow the stack) that skips values it has seen (so a cycle built in code cannot loop).
 */
function reservedKeysIn(root: unknown, at: PathSegment[], out: SchemaIssue[]): void {
  const seen = new Set<object>();
  const stack: [unknown, PathSegment[]][] = [[root, at]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, path] = top;
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) stack.push([value[i], [...path, i]]);
    else
      for (const key of Object.keys(value)) {
        if (key === RESERVED_KEY) out.push(reservedKey([...path, key]));
        else stack.push([(value as Record<string, unknown>)[key], [...path, key]]);
      }
  }
}

/** The union member a value was meant for: by discriminator, else the first whose kind of JSON value fits. */
function chooseOption(def: SchemaDef, value: unknown): SchemaNode | undefined {
  const options = def.options ?? [];
  if (def.discriminator !== undefined) {
    if (!isPlainObject(value)) return undefined;
    const tag = value[def.discriminator];
    return options.find((o) => {
      const literal = unwrap(o).shape?.[def.discriminator as string]?._zod.def;
      return literal?.values?.includes(tag) === true;
    });
  }
  const fitting = options.filter((o) => fits(o, value));
  return fitting.find((o) => o.safeParse(value).success) ?? fitting[0];
}

function fits(node: SchemaNode, value: unknown): boolean {
  const type = unwrap(node).type;
  if (type === "object" || type === "record") return isPlainObject(value);
  if (type === "array" || type === "tuple") return Array.isArray(value);
  return false;
}
