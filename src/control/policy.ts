/**
 * Gate policies, in the spirit of an in-toto layout: who may create which kinds of optimizers,
 * what each part of a new optimizer must satisfy, how many overseer approvals a creation needs,
 * and until when the policy holds. Written in YAML, signed into the ledger by its owner.
 *
 * A policy file is read like a spec file (`model/spec/load-spec.ts`, whose position machinery this
 * reuses): every problem is reported as `file:line:column path: message [CODE]`, and size, nesting,
 * alias expansion and error count are bounded, because a policy may come from another party.
 */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLError,
} from "yaml";
import { z } from "zod";
import { PolicyError } from "../errors.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { canonicalJson } from "../model/spec/canonical-json.js";
import { type PathSegment, schemaIssues } from "../model/spec/schema-issues.js";
import { nodeAt, nodeOffset, positionAt } from "../model/spec/source-positions.js";
import { formatPath } from "../model/world-model/world-model-error.js";

const selector = z
  .strictObject({
    /** An optimizer or actor name; a trailing `*` matches a prefix, `*` alone matches anyone. */
    name: z.string().min(1).max(255).optional(),
    /** The creator's own process kind (root actors have none). */
    process: z.string().min(1).max(64).optional(),
    /** The creator's verifier key. */
    key: z.string().min(1).max(512).optional(),
  })
  .refine(
    (s) => s.name !== undefined || s.process !== undefined || s.key !== undefined,
    "a creator selector needs name, process or key",
  );

const budget = z.strictObject({
  maxSteps: z.number().int().positive().optional(),
  maxWallSeconds: z.number().positive().optional(),
});

const rule = z.strictObject({
  creator: selector,
  /** Process kinds this creator may create. */
  mayCreate: z.array(z.string().min(1).max(64)).max(64),
  /** `automatic`: the gate's allow is enough; `required`: overseers must approve. */
  approval: z.enum(["automatic", "required"]).default("required"),
  budget: budget.optional(),
});

export const POLICY_SCHEMA = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(255),
  /** The actor whose key signs the policy into the ledger. */
  owner: z.string().min(1).max(255),
  mode: z.enum(["enforce", "audit"]),
  expires: z.iso.datetime({ offset: true }),
  overseers: z.array(z.string().min(1).max(255)).min(1).max(64),
  /** Distinct overseer approvals a creation (or a resume, or the next policy) needs. */
  approvals: z.number().int().min(1).max(64).default(1),
  /** How deep the tree of optimizers may grow below a root actor (a root's child has depth 1). */
  maxDepth: z.number().int().min(1).max(64).default(4),
  legibility: z
    .strictObject({
      maxVariables: z.number().int().positive().optional(),
      maxLocalModelRows: z.number().int().positive().optional(),
      maxObjectiveSize: z.number().int().positive().optional(),
      allowImplicit: z.boolean().optional(),
    })
    .default({}),
  objective: z
    .strictObject({
      /** The objective must be stated over explicit world-model variables. */
      explicitOnly: z.boolean().default(true),
      /** Variable tags an objective may not read (the oversight mechanism, by default). */
      forbiddenTags: z.array(z.string().min(1).max(64)).default(["oversight"]),
    })
    .default({ explicitOnly: true, forbiddenTags: ["oversight"] }),
  rules: z.array(rule).min(1).max(256),
  /** Detectors that must pass before a creation is approved (see the oversight detectors). */
  detectors: z.array(z.string().min(1).max(64)).max(32).default([]),
  /**
   * Clean ancestry: detectors run over the creator's own recorded history and each ancestor's (up
   * to `generations` above the child; all by default); a finding at or above `severity` denies the
   * creation (enforce) or marks it (audit). A creator's record counts against what it makes.
   */
  ancestry: z
    .strictObject({
      detectors: z.array(z.string().min(1).max(64)).min(1).max(32),
      severity: z.enum(["critical", "high", "medium", "low"]).default("high"),
      generations: z.number().int().min(1).max(64).optional(),
    })
    .optional(),
});

export type Policy = z.infer<typeof POLICY_SCHEMA>;
export type PolicyRule = Policy["rules"][number];

export function policyDigest(policy: Policy): string {
  return toHex(sha256(Buffer.from(canonicalJson(policy), "utf8")));
}

/** Bounds on a YAML document read by {@link loadYamlDocument}; each turns a hang or a crash into a coded problem. */
export interface DocumentLimits {
  /** Largest document, in UTF-8 bytes. */
  readonly bytes: number;
  /** Deepest nesting of mappings and lists. */
  readonly depth: number;
  /** Most times aliases may be followed (yaml's `maxAliasCount`). */
  readonly aliases: number;
  /** Most nodes aliases may add to the document once expanded. */
  readonly expandedNodes: number;
  /** Most problems reported. */
  readonly errors: number;
}

/**
 * Bounds on policy files. The policy entry keeps the source text, and its schema allows 256 KiB of
 * it, so that is the size limit. A policy nests five deep (`rules[3].creator.name`); 32 leaves
 * room and stays far below the depth where yaml's own recursion runs out of stack (about 1,000
 * levels of flow collections, reported as RESOURCE_EXHAUSTION, and a crash before this bound).
 */
export const POLICY_LIMITS: DocumentLimits = {
  bytes: 256 * 1024,
  depth: 32,
  aliases: 100,
  expandedNodes: 100_000,
  errors: 100,
};

/** Codes of the problems in a YAML document read against a schema (policies, optprov.yml). */
export type DocumentProblemCode =
  | "DOCUMENT_TOO_LARGE"
  | "YAML_SYNTAX"
  /** More than one document in the stream (`---` or `...` separating them). */
  | "MULTIPLE_DOCUMENTS"
  /** A tag the YAML core schema does not define (`!!binary`, `!foo`). */
  | "YAML_TAG_UNSUPPORTED"
  /** The same key twice in one mapping: parsers disagree on which wins, so a digest would be ambiguous. */
  | "DUPLICATE_KEY"
  /** Aliases followed too often or expanding too far (a "billion laughs" document). */
  | "ALIAS_LIMIT"
  | "DOCUMENT_TOO_DEEP"
  /** A value JSON cannot hold (`.inf`, `.nan`, a non-scalar key, a self-containing alias). */
  | "VALUE_NOT_JSON"
  /** The document is not a mapping of fields. */
  | "ROOT_NOT_OBJECT"
  | "FIELD_MISSING"
  | "FIELD_UNKNOWN"
  | "FIELD_INVALID"
  /** More problems than the limit; the rest are not listed. */
  | "TOO_MANY_ERRORS"
  /** Policies: the owner named in the file is not who signs it. */
  | "OWNER_MISMATCH"
  /** Policies: `expires` has passed. */
  | "POLICY_EXPIRED";

/** One problem in a document, located: `file:line:column path: detail [CODE]`. */
export interface DocumentProblem {
  readonly code: DocumentProblemCode;
  readonly file: string;
  /** 1-based; undefined when the input was already-decoded data rather than text. */
  readonly line: number | undefined;
  /** 1-based, in code points. */
  readonly column: number | undefined;
  /** The path in the document, e.g. `rules[2].creator`; `""` for the whole document. */
  readonly path: string;
  /** What was expected and what came, without location. */
  readonly detail: string;
  /** `file:line:column path: detail`. */
  readonly message: string;
}

/**
 * Build a located problem.
 *
 * @example documentProblem("FIELD_MISSING", "p.yaml", 1, 1, "", "expected a string, got nothing").message
 * // "p.yaml:1:1 (document): expected a string, got nothing"
 */
export function documentProblem(
  code: DocumentProblemCode,
  file: string,
  line: number | undefined,
  column: number | undefined,
  path: string,
  detail: string,
): DocumentProblem {
  const at = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return {
    code,
    file,
    line,
    column,
    path,
    detail,
    message: `${at} ${path === "" ? "(document)" : path}: ${detail}`,
  };
}

/**
 * A problem as one line for people: `file:line:column path: message [CODE]`.
 *
 * @example formatProblem(problem) === "lab.policy.yaml:4:7 mode: expected one of enforce|audit [FIELD_INVALID]"
 */
export function formatProblem(p: { readonly code: string; readonly message: string }): string {
  return `${p.message} [${p.code}]`;
}

export interface LoadedDocument<T> {
  /** The checked value, when there are no problems. */
  readonly value: T | undefined;
  /** Every problem found (at most `limits.errors` and a TOO_MANY_ERRORS), in file order. */
  readonly problems: readonly DocumentProblem[];
  /** The 1-based line and column of the node a path names (the nearest existing one), or of its key. */
  readonly locate: (
    path: readonly PathSegment[],
    atKey?: boolean,
  ) => { readonly line: number; readonly column: number };
}

/**
 * Parse a YAML (or JSON) document, bound it, and check it against a zod schema, every problem
 * located. Never throws for bad input. The YAML options and the bounds follow the spec loader
 * (`model/spec/load-spec.ts`): core schema, no YAML 1.1 tags, no merge keys, duplicate keys and
 * nesting checked by an explicit-stack walk so that nothing recurses on attacker-chosen depth.
 *
 * @example
 * const { value, problems } = loadYamlDocument(text, "optprov.yml", CONFIG_SCHEMA, CONFIG_LIMITS);
 * for (const p of problems) console.error(formatProblem(p)); // optprov.yml:3:9 server: ... [FIELD_INVALID]
 */
export function loadYamlDocument<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  limits: DocumentLimits,
): LoadedDocument<z.output<S>> {
  const lines = new LineCounter();
  let doc: Document.Parsed | undefined;
  const position = (offset: number) => positionAt(text, lines, offset);
  const locate = (path: readonly PathSegment[], atKey = false) => {
    if (doc === undefined) return { line: 1, column: 1 };
    if (atKey && path.length > 0) {
      // An unknown field is fixed at its key, not its value.
      const parent = nodeAt(doc, path.slice(0, -1));
      const name = String(path[path.length - 1]);
      const pair =
        parent.exact && isMap(parent.node)
          ? parent.node.items.find((p) => isScalar(p.key) && String(p.key.value) === name)
          : undefined;
      if (pair !== undefined) return position(nodeOffset(pair.key as Node));
    }
    return position(nodeOffset(nodeAt(doc, path).node));
  };
  const fail = (problems: DocumentProblem[]): LoadedDocument<z.output<S>> => ({
    value: undefined,
    problems: sortByPosition(problems),
    locate,
  });
  const at = (code: DocumentProblemCode, detail: string, offset = 0, path = "") => {
    const { line, column } = position(offset);
    return documentProblem(code, file, line, column, path, detail);
  };

  // Every UTF-16 unit is at least one UTF-8 byte, so the length alone refuses most oversized texts.
  if (text.length > limits.bytes || Buffer.byteLength(text, "utf8") > limits.bytes)
    return fail([
      documentProblem(
        "DOCUMENT_TOO_LARGE",
        file,
        1,
        1,
        "",
        `expected at most ${limits.bytes} bytes, got more`,
      ),
    ]);

  try {
    doc = parseDocument(text, {
      lineCounter: lines,
      // Pretty errors build a context excerpt with a regular expression that exhausts V8 on
      // thousands of nested brackets, and they would quote the file; positions are ours anyway.
      prettyErrors: false,
      uniqueKeys: false, // checked in checkStructure, in linear time
      stringKeys: true,
      strict: true,
      merge: false,
      version: "1.2",
      schema: "core",
      resolveKnownTags: false,
      logLevel: "error",
    });
  } catch (error) {
    return fail([at("YAML_SYNTAX", `could not parse: ${firstLine((error as Error).message)}`)]);
  }
  const syntax = [...doc.errors, ...doc.warnings]
    .slice(0, 10)
    .map((e) => at(yamlCode(e), yamlDetail(e, limits), e.pos[0]));
  if (syntax.length > 0) return fail(syntax);

  const structure = checkStructure(doc, limits);
  if (structure.length > 0)
    return fail(structure.map((p) => at(p.code, p.detail, nodeOffset(p.node), formatPath(p.path))));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.aliases });
  } catch (error) {
    const code = error instanceof ReferenceError ? "ALIAS_LIMIT" : "YAML_SYNTAX";
    return fail([at(code, firstLine((error as Error).message))]);
  }
  const notJson = checkJsonValue(value, countNodes(doc) + limits.expandedNodes, limits.depth);
  if (notJson !== undefined) {
    const { line, column } = locate(notJson.path);
    return fail([
      documentProblem(notJson.code, file, line, column, formatPath(notJson.path), notJson.detail),
    ]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    // The value's type only, never the value: a secret symlinked here is one long scalar.
    return fail([at("ROOT_NOT_OBJECT", `expected a mapping of fields, got ${kindOf(value)}`)]);

  const checked = checkValue(value, file, schema, limits, locate);
  return { ...checked, locate };
}

/** Check an already-decoded value against a schema; problems carry paths and, given `locate`, positions. */
function checkValue<S extends z.ZodType>(
  value: unknown,
  file: string,
  schema: S,
  limits: DocumentLimits,
  locate?: LoadedDocument<unknown>["locate"],
): { value: z.output<S> | undefined; problems: DocumentProblem[] } {
  const issues = schemaIssues(schema, value, limits.errors + 1);
  if (issues.length === 0) {
    const parsed = schema.safeParse(value);
    if (parsed.success) return { value: parsed.data, problems: [] };
  }
  const problems = issues.slice(0, limits.errors).map((issue) => {
    const code: DocumentProblemCode =
      issue.problem === "missing"
        ? "FIELD_MISSING"
        : issue.problem === "unknown-key"
          ? "FIELD_UNKNOWN"
          : "FIELD_INVALID";
    const pos = locate?.(issue.path, issue.problem === "unknown-key");
    return documentProblem(code, file, pos?.line, pos?.column, formatPath(issue.path), issue.message);
  });
  const sorted = sortByPosition(problems);
  if (issues.length > limits.errors) {
    const last = sorted[sorted.length - 1];
    sorted.push(
      documentProblem("TOO_MANY_ERRORS", file, last?.line, last?.column, "", "more problems not shown"),
    );
  }
  if (sorted.length === 0) {
    const pos = locate?.([]);
    sorted.push(
      documentProblem("FIELD_INVALID", file, pos?.line, pos?.column, "", "does not match the schema"),
    );
  }
  return { value: undefined, problems: sorted };
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "an empty document";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}

function sortByPosition(problems: DocumentProblem[]): DocumentProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlCode(e: YAMLError): DocumentProblemCode {
  switch (e.code) {
    case "DUPLICATE_KEY":
      return "DUPLICATE_KEY";
    case "RESOURCE_EXHAUSTION":
      return "DOCUMENT_TOO_DEEP";
    case "MULTIPLE_DOCS":
      return "MULTIPLE_DOCUMENTS";
    case "TAG_RESOLVE_FAILED":
    case "BAD_COLLECTION_TYPE":
      return "YAML_TAG_UNSUPPORTED";
    case "NON_STRING_KEY":
      return "VALUE_NOT_JSON";
    default:
      return "YAML_SYNTAX";
  }
}

function yamlDetail(e: YAMLError, limits: DocumentLimits): string {
  if (e.code === "RESOURCE_EXHAUSTION") return `expected at most ${limits.depth} levels of nesting`;
  if (e.code === "MULTIPLE_DOCS") return "expected one document, got several (separated by --- or ...)";
  return firstLine(e.message);
}

/**
 * Nesting deeper than the limit and keys repeated in one mapping, found by an explicit-stack walk
 * of the parsed nodes (aliases are not followed; their expansion is bounded when the value is built).
 */
function checkStructure(
  doc: Document.Parsed,
  limits: DocumentLimits,
): { code: DocumentProblemCode; detail: string; node: Node; path: PathSegment[] }[] {
  const problems: { code: DocumentProblemCode; detail: string; node: Node; path: PathSegment[] }[] = [];
  const stack: [Node, PathSegment[]][] = doc.contents ? [[doc.contents, []]] : [];
  for (let top = stack.pop(); top !== undefined && problems.length < limits.errors; top = stack.pop()) {
    const [node, path] = top;
    if (!isMap(node) && !isSeq(node)) continue;
    if (path.length >= limits.depth)
      return [
        {
          code: "DOCUMENT_TOO_DEEP",
          detail: `expected at most ${limits.depth} levels of nesting`,
          node,
          path,
        },
      ];
    const keys = new Set<string>();
    node.items.forEach((item, i) => {
      if (isPair(item)) {
        const key = isScalar(item.key) ? String(item.key.value) : undefined;
        if (key !== undefined && keys.has(key))
          problems.push({
            code: "DUPLICATE_KEY",
            detail: `key ${JSON.stringify(key)} appears twice in this mapping`,
            node: item.key as Node,
            path: [...path, key],
          });
        if (key !== undefined) keys.add(key);
        if (item.value) stack.push([item.value as Node, [...path, key ?? i]]);
      } else stack.push([item as Node, [...path, i]]);
    });
  }
  return problems;
}

function countNodes(doc: Document.Parsed): number {
  let count = 0;
  const stack: unknown[] = doc.contents ? [doc.contents] : [];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    count++;
    if (isMap(node)) for (const pair of node.items) stack.push(pair.value ?? undefined);
    else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return count;
}

/**
 * The first place where the built value is not plain JSON: a non-finite number, a value that
 * contains itself (a recursive alias), nesting beyond the limit once aliases are expanded, or more
 * nodes than `budget`. Iterative, so neither depth nor cycles can overflow the stack.
 */
function checkJsonValue(
  root: unknown,
  budget: number,
  depth: number,
): { code: DocumentProblemCode; detail: string; path: PathSegment[] } | undefined {
  type Frame = { value: unknown; path: PathSegment[]; exit: boolean };
  const open = new Set<object>();
  const stack: Frame[] = [{ value: root, path: [], exit: false }];
  let visited = 0;
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, path } = frame;
    if (frame.exit) {
      open.delete(value as object);
      continue;
    }
    if (++visited > budget)
      return { code: "ALIAS_LIMIT", detail: `aliases expand the document beyond ${budget} nodes`, path };
    if (typeof value === "number" && !Number.isFinite(value))
      return { code: "VALUE_NOT_JSON", detail: `expected a finite number, got ${value}`, path };
    if (typeof value !== "object" || value === null) continue;
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null)
      return { code: "VALUE_NOT_JSON", detail: "expected a mapping, a list or a scalar", path };
    if (open.has(value))
      return {
        code: "VALUE_NOT_JSON",
        detail: "an alias refers to a mapping or list that contains it",
        path,
      };
    if (path.length >= depth)
      return { code: "DOCUMENT_TOO_DEEP", detail: `expected at most ${depth} levels of nesting`, path };
    open.add(value);
    stack.push({ value, path, exit: true });
    const entries: [PathSegment, unknown][] = Array.isArray(value)
      ? value.map((v, i): [PathSegment, unknown] => [i, v])
      : Object.entries(value as Record<string, unknown>);
    for (const [key, v] of entries) stack.push({ value: v, path: [...path, key], exit: false });
  }
  return undefined;
}

/**
 * Read a policy from YAML (or JSON) text: the checked policy, or every problem located by line,
 * column and path. Never throws for bad input.
 *
 * @example
 * const { policy, problems } = loadPolicy(text, "lab.policy.yaml");
 * for (const p of problems) console.error(formatProblem(p)); // lab.policy.yaml:4:7 mode: ... [FIELD_INVALID]
 */
export function loadPolicy(
  text: string,
  file = "policy",
): {
  readonly policy: Policy | undefined;
  readonly problems: readonly DocumentProblem[];
  readonly locate: LoadedDocument<Policy>["locate"];
} {
  const loaded = loadYamlDocument(text, file, POLICY_SCHEMA, POLICY_LIMITS);
  return { policy: loaded.value, problems: loaded.problems, locate: loaded.locate };
}

/**
 * Parse and validate a policy from YAML or JSON text (or an already decoded value). Throws
 * PolicyError POLICY_INVALID whose `reasons` are every problem (`file:line:column path: message`
 * with its own code); the first becomes the error message.
 *
 * @example const policy = parsePolicy(readInputText("lab.policy.yaml", { what: "policy", maxBytes }), "lab.policy.yaml");
 */
export function parsePolicy(input: string | unknown, file = "policy"): Policy {
  const { value, problems } =
    typeof input === "string"
      ? loadYamlDocument(input, file, POLICY_SCHEMA, POLICY_LIMITS)
      : checkValue(input, file, POLICY_SCHEMA, POLICY_LIMITS);
  if (value !== undefined) return value;
  throw policyProblems(problems);
}

/**
 * The PolicyError for a list of problems: POLICY_INVALID, or `code` when given.
 *
 * @example throw policyProblems([documentProblem("POLICY_EXPIRED", file, 5, 10, "expires", "expired")], "POLICY_EXPIRED");
 */
export function policyProblems(
  problems: readonly DocumentProblem[],
  code: "POLICY_INVALID" | "POLICY_EXPIRED" = "POLICY_INVALID",
): PolicyError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return new PolicyError(code, `${first ? formatProblem(first) : "policy: invalid"}${more}`, problems);
}

/** Whether `name` matches a selector name (`*`, `prefix*`, or exact). */
export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
