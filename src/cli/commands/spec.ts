/**
 * `optprov spec check FILE... [--policy POLICY]` and `optprov spec explain FILE`: optimizer specs
 * checked and told in plain English. With a policy, a spec is also checked against what the policy
 * requires of it: every detector in its `detectors:` must be able to read the spec's world model
 * (`model/spec/detector-needs.ts`), and the objective must read none of its forbidden tags.
 * Exit codes: 0 clean, 2 a spec has errors (or bad usage).
 */
import type { Command } from "commander";
import { LineCounter, parseDocument } from "yaml";
import { type Policy, parsePolicy } from "../../control/policy.js";
import { UsageError } from "../../errors.js";
import { DEFAULT_LEGIBILITY_LIMITS, type LegibilityLimits } from "../../model/legibility.js";
import { explainSpec, renderExplanation } from "../../model/spec/explain-spec.js";
import { SPEC_LIMITS } from "../../model/spec/limits.js";
import { type LoadedSpec, loadSpec } from "../../model/spec/load-spec.js";
import { positionAt } from "../../model/spec/source-positions.js";
import { SpecError } from "../../model/spec/spec-error.js";
import { GATE_DETECTORS } from "../../oversight/gate-detectors.js";
import { readInputText } from "../../sdk/input-file.js";
import type { GlobalOptions } from "../context.js";
import { makeOutput } from "../output.js";
import type { Style } from "../style.js";

interface SpecOptions {
  forbidTag?: string[];
  policy?: string;
}

/** A policy given to `spec check`: what it requires, and where in its file each detector is named. */
interface PolicyFile {
  readonly policy: Policy;
  readonly problems: readonly SpecProblemLike[];
}

/** A problem as `spec check` prints it: a located spec error, or a file that could not be read. */
interface SpecProblemLike {
  format(): string;
  toJSON(): {
    code: string;
    area: string;
    file: string;
    line: number;
    column: number;
    path: string;
    message: string;
  };
}

interface LoadedFile {
  readonly loaded: LoadedSpec | undefined;
  readonly errors: readonly SpecProblemLike[];
}

/** A file that could not be read, placed at 1:1 like every other file-level problem. */
function unreadable(file: string, err: UsageError): SpecProblemLike {
  const json = { code: err.code, area: "file", file, line: 1, column: 1, path: "", message: err.message };
  return { format: () => `${file}:1:1 (document): ${err.message} [${err.code}]`, toJSON: () => json };
}

/**
 * Read and load one spec file through `readInputText`: regular files only (a FIFO, a directory or
 * `/dev/zero` is refused at once), at most `SPEC_LIMITS.bytes` read, strict UTF-8.
 */
function loadFile(file: string, opts: SpecOptions, policy?: PolicyFile): LoadedFile {
  let text: string;
  try {
    text = readInputText(file, { what: "spec file", maxBytes: SPEC_LIMITS.bytes });
  } catch (error) {
    if (error instanceof UsageError) return { loaded: undefined, errors: [unreadable(file, error)] };
    throw error;
  }
  const loaded = loadSpec(text, file, {
    forbiddenTags: opts.forbidTag ?? policy?.policy.objective.forbiddenTags ?? [],
    detectors: policy?.policy.detectors ?? [],
  });
  return { loaded, errors: loaded.errors };
}

/**
 * Read the policy `spec check --policy` checks against. A detector it requires that is not built in
 * is an error placed at its name in the policy file (`DETECTOR_UNKNOWN`): nothing says what it
 * needs, and a ledger opened without it registered refuses every creation the policy covers.
 *
 * @throws {UsageError} for a file that cannot be read; {@link PolicyError} for an invalid policy.
 */
function loadPolicyFile(file: string): PolicyFile {
  const text = readInputText(file, { what: "policy file", maxBytes: SPEC_LIMITS.bytes });
  const policy = parsePolicy(text, file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: SpecProblemLike[] = [];
  policy.detectors.forEach((name, i) => {
    if (Object.hasOwn(GATE_DETECTORS, name)) return;
    const node = doc.getIn(["detectors", i], true) as { range?: [number, number, number] } | undefined;
    const { line, column } = positionAt(text, lines, node?.range?.[0] ?? 0);
    problems.push(
      new SpecError(
        "DETECTOR_UNKNOWN",
        "detector",
        `expected a built-in gate detector (${Object.keys(GATE_DETECTORS).join(", ")}), got ${JSON.stringify(name)}; its needs are unknown, and a ledger opened without it registered refuses what the policy covers`,
        { file, line, column, path: `detectors[${i}]` },
      ),
    );
  });
  return { policy, problems };
}

/** `; readable by ...`: the built-in detectors the policy requires, which a clean spec has just been checked against. */
function readableBy(policy: PolicyFile | undefined): string {
  const known = (policy?.policy.detectors ?? []).filter((d) => Object.hasOwn(GATE_DETECTORS, d));
  return known.length > 0 ? `; readable by ${known.join(", ")}` : "";
}

/** The trailing `[CODE]` of a problem line, in the colour of failure. */
function paintProblem(line: string, style: Style): string {
  return line.replace(/\[[A-Z0-9_]+\]$/, (code) => style.bad(code));
}

function parseLimits(pairs: readonly string[] | undefined): Partial<LegibilityLimits> {
  const limits: Record<string, number> = {};
  for (const pair of pairs ?? []) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(pair);
    const name = m?.[1];
    if (name === undefined || !Object.hasOwn(DEFAULT_LEGIBILITY_LIMITS, name))
      throw new UsageError(
        "USAGE",
        `--limit: expected NAME=NUMBER with NAME one of ${Object.keys(DEFAULT_LEGIBILITY_LIMITS).join(", ")}, got ${JSON.stringify(pair)}`,
      );
    limits[name] = Number(m?.[2]);
  }
  return limits;
}

function worldSummary(loaded: LoadedSpec | undefined): string {
  const spec = loaded?.spec;
  if (spec === undefined) return "";
  const world = spec.worldModel;
  const model =
    world.kind === "explicit"
      ? `explicit world model, ${world.variables.length} variables, ${world.localModels.length} local models`
      : `implicit world model${world.twin ? " with an explicit twin" : ""}`;
  return `${model}; ${spec.objective.sense}; ${spec.process.kind}`;
}

export function registerSpec(program: Command, globals: () => GlobalOptions): void {
  const spec = program
    .command("spec")
    .description("Optimizer specs (*.optimizer.yaml or *.optimizer.json): check them, explain them");

  spec
    .command("check")
    .description(
      "Check spec files; print every error as file:line:column path: message [CODE] and exit 2 if there is any",
    )
    .argument("<files...>", "spec files")
    .option("--forbid-tag <tags...>", "variable tags the objective must not read, e.g. oversight")
    .option(
      "--policy <file>",
      `check against a policy: the gate detectors it requires (${Object.keys(GATE_DETECTORS).join(", ")}) must be able to read each spec, and its forbidden tags apply`,
    )
    .action((files: string[], opts: SpecOptions) => {
      const out = makeOutput(globals().json === true);
      const policy = opts.policy !== undefined ? loadPolicyFile(opts.policy) : undefined;
      const policyErrors = policy?.problems ?? [];
      const results = files.map((file) => ({ file, read: loadFile(file, opts, policy) }));
      const errors = [...policyErrors, ...results.flatMap((r) => r.read.errors)];
      const bad = results.filter((r) => r.read.errors.length > 0).length;
      out.result(
        {
          ok: errors.length === 0,
          ...(opts.policy !== undefined
            ? { policy: { file: opts.policy, errors: policyErrors.map((e) => e.toJSON()) } }
            : {}),
          files: results.map(({ file, read }) => ({
            file,
            ok: read.errors.length === 0,
            ...(read.loaded?.spec ? { name: read.loaded.spec.name, digest: read.loaded.digest } : {}),
            errors: read.errors.map((e) => e.toJSON()),
          })),
        },
        () => {
          const lines: string[] = [];
          const { style } = out;
          lines.push(...policyErrors.map((e) => paintProblem(e.format(), style)));
          for (const { file, read } of results) {
            if (read.errors.length > 0)
              lines.push(...read.errors.map((e) => paintProblem(e.format(), style)));
            else
              lines.push(
                `${style.good("OK")} ${file}: optimizer \`${read.loaded?.spec?.name}\` (${worldSummary(read.loaded)}), digest ${read.loaded?.digest}${readableBy(policy)}`,
              );
          }
          if (errors.length > 0 || files.length > 1)
            lines.push(
              errors.length === 0
                ? `${files.length} specs checked, all clean`
                : `${errors.length} ${errors.length === 1 ? "error" : "errors"} in ${bad} of ${files.length} ${files.length === 1 ? "spec" : "specs"}${policyErrors.length > 0 ? " and the policy" : ""}`,
            );
          return lines.join("\n");
        },
      );
      if (errors.length > 0) process.exitCode = 2;
    });

  spec
    .command("explain")
    .description(
      "Explain a spec in plain English: what it models, what it optimizes, how, and its legibility",
    )
    .argument("<file>", "a spec file")
    .option("--forbid-tag <tags...>", "variable tags the objective must not read, e.g. oversight")
    .option(
      "--limit <limits...>",
      `legibility limits as NAME=NUMBER (defaults: ${Object.entries(DEFAULT_LEGIBILITY_LIMITS)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")})`,
    )
    .action((file: string, opts: SpecOptions & { limit?: string[] }) => {
      const out = makeOutput(globals().json === true);
      const limits = parseLimits(opts.limit);
      const { loaded, errors } = loadFile(file, opts);
      if (loaded?.spec === undefined) {
        out.result({ ok: false, file, errors: errors.map((e) => e.toJSON()) }, () =>
          [
            ...errors.map((e) => paintProblem(e.format(), out.style)),
            `cannot explain ${file}: fix the errors above first`,
          ].join("\n"),
        );
        process.exitCode = 2;
        return;
      }
      const explanation = explainSpec(loaded.spec, { limits });
      out.result({ ok: true, file, ...explanation }, () => renderExplanation(explanation));
    });
}
