/**
 * Reading an optimizer spec file (`*.optimizer.yaml` or `*.optimizer.json`) into a checked spec,
 * with every problem located by file, line, column and path.
 *
 * Both formats are parsed by the YAML parser (JSON is YAML 1.2), which gives positions for every
 * node. Duplicate keys are refused in both, where `JSON.parse` would silently keep the last one:
 * two parsers reading different values from one file is exactly the ambiguity a digest must not
 * have. JSON files are also run through `JSON.parse` first, so that YAML-only syntax in a `.json`
 * file is an error.
 *
 * Hostile input is the normal case (see `limits.ts`): size, nesting, alias expansion and error
 * count are bounded, and the loader returns coded errors for anything it cannot read; it does not
 * throw for bad input.
 */
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { ObjectiveDocument } from "../objective/index.js";
import {
  type OptimizerSpec,
  type SpecProblem,
  type ValidateSpecOptions,
  validateOptimizerSpec,
} from "../optimizer-spec.js";
import { formatPath } from "../world-model/world-model-error.js";
import { CanonicalJsonError } from "./canonical-json.js";
import { detectorNeeds } from "./detector-needs.js";
import { SPEC_LIMITS } from "./limits.js";
import type { PathSegment } from "./schema-issues.js";
import { expressionOffset, nodeAt, nodeOffset, positionAt } from "./source-positions.js";
import { specDigest } from "./spec-digest.js";
import { type SpecArea, SpecError, type SpecErrorCode } from "./spec-error.js";

export interface LoadSpecOptions extends ValidateSpecOptions {
  /** Largest accepted file in UTF-8 bytes; default `SPEC_LIMITS.bytes` (1 MiB). */
  readonly maxBytes?: number;
  /** As in {@link ValidateSpecOptions}, but on by default: a spec file is for people to review. */
  readonly requireCompleteCpts?: boolean;
  /**
   * Detectors the spec must be readable by (a policy's `detectors:`): each need of theirs the spec
   * does not meet is an error (`DETECTOR_ROLE_MISSING`, ..., `detector-needs.ts`), placed at the
   * part of the spec that lacks it.
   */
  readonly detectors?: readonly string[];
}

export interface LoadedSpec {
  /** The checked spec, when there are no errors. */
  readonly spec: OptimizerSpec | undefined;
  /** `sha256:<hex>` of the spec's canonical JSON, when there are no errors (`spec-digest.ts`). */
  readonly digest: string | undefined;
  /** Every error found (at most `SPEC_LIMITS.errors`), in file order. */
  readonly errors: readonly SpecError[];
  /**
   * Probable mistakes that leave the spec valid, located like errors, in file order: a tag one
   * typo away from a role tag (`ROLE_TAG_MISSPELT`). `loadSpec` always sets it (empty when the
   * file could not be read that far); optional so that results made elsewhere need not.
   */
  readonly warnings?: readonly SpecError[];
  readonly format: "yaml" | "json";
}

/**
 * Parse, bound and check a spec file's text. Never throws for bad input: every problem is in
 * `errors`, each with a code, the file, a 1-based line and column, and the path in the document.
 *
 * @example
 * const { spec, digest, errors } = loadSpec(fs.readFileSync(file, "utf8"), file);
 * for (const e of errors) console.log(e.format()); // thermostat.optimizer.yaml:12:7 objective.expr: ... [UNKNOWN_IDENTIFIER]
 */
export function loadSpec(text: string, fileName: string, options: LoadSpecOptions = {}): LoadedSpec {
  const format = /\.json$/i.test(fileName) ? "json" : "yaml";
  const fail = (errors: SpecError[], warnings: SpecError[] = []): LoadedSpec => ({
    spec: undefined,
    digest: undefined,
    errors,
    warnings,
    format,
  });
  const fileError = (code: SpecErrorCode, detail: string, line = 1, column = 1, path = "") =>
    new SpecError(code, "file", detail, { file: fileName, line, column, path });

  const maxBytes = options.maxBytes ?? SPEC_LIMITS.bytes;
  const bytes = utf8Length(text, maxBytes);
  if (bytes > maxBytes)
    return fail([fileError("SPEC_TOO_LARGE", `expected at most ${maxBytes} bytes, got more`)]);

  const lines = new LineCounter();
  const position = (offset: number) => positionAt(text, lines, offset);
  if (format === "json") {
    const problem = jsonSyntaxProblem(text);
    if (problem !== undefined) {
      // The line starts are needed to place the error; collecting them is one linear pass.
      lines.addNewLine(0);
      for (const m of text.matchAll(/\n/g)) lines.addNewLine(m.index + 1);
      const { line, column } = position(problem.offset);
      return fail([fileError("JSON_SYNTAX", problem.message, line, column)]);
    }
  }

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter: lines,
      // Pretty errors build a context excerpt with a regular expression that, on 10,000 nested
      // brackets, exhausts V8's regexp compiler and aborts the process; positions are ours anyway.
      prettyErrors: false,
      uniqueKeys: false, // checked in checkStructure, in linear time
      stringKeys: true,
      strict: true,
      merge: false,
      version: "1.2",
      schema: "core",
      // YAML 1.1 tags (`!!binary`, `!!timestamp`, `!!set`) would build values JSON cannot hold.
      resolveKnownTags: false,
      // "error", not "silent": silent also drops the MULTIPLE_DOCS error, and a second document
      // would then be ignored without a word. Nothing is printed either way.
      logLevel: "error",
    });
  } catch (error) {
    return fail([fileError("YAML_SYNTAX", `could not parse: ${(error as Error).message}`)]);
  }
  const yamlErrors = [...doc.errors, ...doc.warnings].slice(0, SPEC_LIMITS.syntaxErrors).map((e) => {
    const { line, column } = position(e.pos[0]);
    const detail =
      e.code === "RESOURCE_EXHAUSTION"
        ? `expected at most ${SPEC_LIMITS.depth} levels of nesting, got so many that the parser ran out of stack`
        : e.code === "MULTIPLE_DOCS"
          ? "expected one document, got several (separated by --- or ...)"
          : firstLine(e.message);
    return fileError(yamlCode(e.code, format), detail, line, column);
  });
  if (yamlErrors.length > 0) return fail(sortByPosition(yamlErrors));

  const structure = checkStructure(doc);
  if (structure.length > 0) {
    return fail(
      sortByPosition(
        structure.map((p) => {
          const { line, column } = position(nodeOffset(p.node));
          return fileError(p.code, p.detail, line, column);
        }),
      ),
    );
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: SPEC_LIMITS.aliasExpansion });
  } catch (error) {
    const code = error instanceof ReferenceError ? "ALIAS_LIMIT" : "YAML_SYNTAX";
    return fail([fileError(code, (error as Error).message)]);
  }
  const notJson = checkJsonValue(value, countNodes(doc) + SPEC_LIMITS.expandedNodes);
  if (notJson !== undefined) {
    const { line, column } = position(nodeOffset(nodeAt(doc, notJson.path).node));
    return fail([fileError(notJson.code, notJson.detail, line, column, formatPath(notJson.path))]);
  }

  const { spec, problems, warnings } = validateOptimizerSpec(value, {
    ...options,
    requireCompleteCpts: options.requireCompleteCpts ?? true,
  });
  const warned = sortByPosition(warnings.map((p) => locate(p, doc, text, fileName, position)));
  if (spec === undefined || problems.length > 0) {
    const located = sortByPosition(
      problems.slice(0, SPEC_LIMITS.errors).map((p) => locate(p, doc, text, fileName, position)),
    );
    if (problems.length > SPEC_LIMITS.errors) {
      // Last, after the errors it summarises, and placed at the last of them.
      const last = located[located.length - 1];
      const more = `${problems.length - SPEC_LIMITS.errors} more errors not shown`;
      located.push(fileError("TOO_MANY_ERRORS", more, last?.line, last?.column));
    }
    return fail(located, warned);
  }
  if (options.detectors !== undefined && options.detectors.length > 0) {
    const unmet = detectorNeeds(spec, options.detectors).map((p) =>
      locate(
        { area: "detector", code: p.code, path: p.path, detail: p.detail },
        doc,
        text,
        fileName,
        position,
      ),
    );
    if (unmet.length > 0) return fail(sortByPosition(unmet), warned);
  }
  try {
    const safe = withSafeRecords(spec);
    return { spec: safe, digest: specDigest(safe), errors: [], warnings: warned, format };
  } catch (error) {
    // Unreachable after checkJsonValue; kept so that a gap there is an error, not a crash.
    if (!(error instanceof CanonicalJsonError)) throw error;
    return fail([fileError("VALUE_NOT_JSON", error.message)]);
  }
}

function locate(
  problem: SpecProblem,
  doc: Document.Parsed,
  text: string,
  file: string,
  position: (offset: number) => { line: number; column: number },
): SpecError {
  const { node, exact } = nodeAt(doc, problem.path);
  let offset = nodeOffset(node);
  if (problem.inExpression !== undefined && exact && isScalar(node)) {
    offset = expressionOffset(text, node, problem.inExpression.line, problem.inExpression.column);
  }
  const { line, column } = position(offset);
  const area: SpecArea = problem.area;
  return new SpecError(problem.code, area, problem.detail, {
    file,
    line,
    column,
    path: formatPath(problem.path),
  });
}

function sortByPosition(errors: SpecError[]): SpecError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.column - b.e.column || a.i - b.i)
    .map(({ e }) => e);
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlCode(code: string, format: "yaml" | "json"): SpecErrorCode {
  switch (code) {
    case "DUPLICATE_KEY":
      return "DUPLICATE_KEY";
    case "RESOURCE_EXHAUSTION":
      return "SPEC_TOO_DEEP";
    case "MULTIPLE_DOCS":
      return "MULTIPLE_DOCUMENTS";
    case "TAG_RESOLVE_FAILED":
    case "BAD_COLLECTION_TYPE":
      return "YAML_TAG_UNSUPPORTED";
    case "NON_STRING_KEY":
      return "VALUE_NOT_JSON";
    default:
      return format === "json" ? "JSON_SYNTAX" : "YAML_SYNTAX";
  }
}

/** UTF-8 length of `text`, counting no further than just past `stop` (a 1 GB string costs nothing extra). */
function utf8Length(text: string, stop: number): number {
  // Every UTF-16 unit is at least one byte and at most three, so the bounds often decide alone.
  if (text.length > stop) return text.length;
  if (text.length * 3 <= stop) return text.length * 3;
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stop; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function jsonSyntaxProblem(text: string): { message: string; offset: number } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const offset = at?.[1] !== undefined ? Number(at[1]) : text.length;
    return {
      message: message.replace(/ in JSON at position \d+.*$/, "").replace(/\s*\(line \d+ column \d+\)$/, ""),
      offset,
    };
  }
}

/**
 * Nesting deeper than the limit, and keys repeated in one mapping, found by an explicit-stack walk
 * of the parsed nodes (aliases are not followed here; their expansion is bounded when the value is
 * built). Duplicate keys are checked here rather than by yaml's `uniqueKeys`, which compares each
 * key with every earlier one: 60,000 keys in one mapping took 36 s that way, and 0.9 s without.
 */
function checkStructure(doc: Document.Parsed): { code: SpecErrorCode; detail: string; node: Node }[] {
  const problems: { code: SpecErrorCode; detail: string; node: Node }[] = [];
  const stack: [Node, number][] = doc.contents ? [[doc.contents, 1]] : [];
  for (let top = stack.pop(); top !== undefined && problems.length < SPEC_LIMITS.errors; top = stack.pop()) {
    const [node, depth] = top;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > SPEC_LIMITS.depth)
      return [
        { code: "SPEC_TOO_DEEP", detail: `expected at most ${SPEC_LIMITS.depth} levels of nesting`, node },
      ];
    const keys = new Set<string>();
    for (const item of node.items) {
      if (isPair(item)) {
        // With `stringKeys`, every key is a scalar (anything else is already a NON_STRING_KEY error),
        // and `1` and "1" are the same key, as they are once the value is built.
        const key = isScalar(item.key) ? String(item.key.value) : undefined;
        if (key !== undefined && keys.has(key))
          problems.push({
            code: "DUPLICATE_KEY",
            detail: `key ${JSON.stringify(key)} appears twice in this mapping`,
            node: item.key as Node,
          });
        if (key !== undefined) keys.add(key);
        if (item.value) stack.push([item.value as Node, depth + 1]);
      } else stack.push([item as Node, depth + 1]);
    }
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
 * The first place where the built value is not plain JSON: a non-finite number (YAML's `.inf`,
 * `.nan`), a value that contains itself (a recursive alias), nesting beyond the limit once aliases
 * are expanded, or more nodes than `budget` (aliases multiplying a large anchored subtree).
 * Iterative, so neither depth nor cycles can overflow the stack.
 */
function checkJsonValue(
  root: unknown,
  budget: number,
): { code: SpecErrorCode; detail: string; path: PathSegment[] } | undefined {
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
    if (path.length >= SPEC_LIMITS.depth)
      return {
        code: "SPEC_TOO_DEEP",
        detail: `expected at most ${SPEC_LIMITS.depth} levels of nesting`,
        path,
      };
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
 * The spec with its records rebuilt without a prototype: `metadata` and every object inside it,
 * and each objective's `constants`. Their keys are the author's, so looking up a key they lack
 * (`constructor`, `toString`) must find nothing rather than an `Object.prototype` member. The
 * closed objects are left as they are: only their declared fields are ever read.
 */
function withSafeRecords(spec: OptimizerSpec): OptimizerSpec {
  const safe: { -readonly [K in keyof OptimizerSpec]: OptimizerSpec[K] } = {
    ...spec,
    objective: safeObjective(spec.objective),
  };
  if (spec.metadata !== undefined)
    safe.metadata = nullPrototypeJson(spec.metadata) as Record<string, unknown>;
  return safe;
}

function safeObjective(objective: ObjectiveDocument): ObjectiveDocument {
  const safe: { -readonly [K in keyof ObjectiveDocument]: ObjectiveDocument[K] } = { ...objective };
  if (objective.constants !== undefined)
    safe.constants = nullPrototypeJson(objective.constants) as Record<string, number>;
  if (typeof objective.proxyFor === "object") safe.proxyFor = safeObjective(objective.proxyFor);
  return safe;
}

/** A copy of a JSON value whose objects have no prototype; its depth is bounded by `checkJsonValue`. */
function nullPrototypeJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullPrototypeJson);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, v] of Object.entries(value)) out[key] = nullPrototypeJson(v);
  return out;
}
