/**
 * `optprov spec check FILE...` and `optprov spec explain FILE`: optimizer specs checked and told
 * in plain English. Exit codes: 0 clean, 2 a spec has errors (or bad usage).
 */
import fs from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { DEFAULT_LEGIBILITY_LIMITS, type LegibilityLimits } from "../../model/legibility.js";
import { explainSpec, renderExplanation } from "../../model/spec/explain-spec.js";
import { SPEC_LIMITS } from "../../model/spec/limits.js";
import { type LoadedSpec, loadSpec } from "../../model/spec/load-spec.js";
import { SpecError } from "../../model/spec/spec-error.js";
import type { GlobalOptions } from "../context.js";
import { makeOutput } from "../output.js";

interface SpecOptions {
  forbidTag?: string[];
}

/**
 * Read and load one spec file. The file's size is checked before it is read, so a hostile 10 GB
 * file costs a `stat`, and bytes that are not UTF-8 are an error rather than silently replaced.
 */
function loadFile(file: string, opts: SpecOptions): LoadedSpec {
  const format = /\.json$/i.test(file) ? "json" : "yaml";
  const fail = (code: "FILE_UNREADABLE" | "SPEC_TOO_LARGE", detail: string): LoadedSpec => ({
    spec: undefined,
    digest: undefined,
    errors: [new SpecError(code, "file", detail, { file, line: 1, column: 1, path: "" })],
    format,
  });
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > SPEC_LIMITS.bytes)
      return fail("SPEC_TOO_LARGE", `expected at most ${SPEC_LIMITS.bytes} bytes, got ${size}`);
    text = new TextDecoder("utf-8", { fatal: true }).decode(fs.readFileSync(file));
  } catch (error) {
    const reason = error instanceof TypeError ? "expected UTF-8 text" : (error as Error).message;
    return fail("FILE_UNREADABLE", `cannot read the file: ${reason}`);
  }
  return loadSpec(text, file, { forbiddenTags: opts.forbidTag ?? [] });
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

function worldSummary(loaded: LoadedSpec): string {
  const spec = loaded.spec;
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
    .action((files: string[], opts: SpecOptions) => {
      const out = makeOutput(globals().json === true);
      const results = files.map((file) => ({ file, loaded: loadFile(file, opts) }));
      const errors = results.flatMap((r) => r.loaded.errors);
      const bad = results.filter((r) => r.loaded.errors.length > 0).length;
      out.result(
        {
          ok: errors.length === 0,
          files: results.map(({ file, loaded }) => ({
            file,
            ok: loaded.errors.length === 0,
            ...(loaded.spec ? { name: loaded.spec.name, digest: loaded.digest } : {}),
            errors: loaded.errors.map((e) => e.toJSON()),
          })),
        },
        () => {
          const lines: string[] = [];
          for (const { file, loaded } of results) {
            if (loaded.errors.length > 0) lines.push(...loaded.errors.map((e) => e.format()));
            else
              lines.push(
                `OK ${file}: optimizer \`${loaded.spec?.name}\` (${worldSummary(loaded)}), digest ${loaded.digest}`,
              );
          }
          if (errors.length > 0 || files.length > 1)
            lines.push(
              errors.length === 0
                ? `${files.length} specs checked, all clean`
                : `${errors.length} ${errors.length === 1 ? "error" : "errors"} in ${bad} of ${files.length} ${files.length === 1 ? "spec" : "specs"}`,
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
      const loaded = loadFile(file, opts);
      if (loaded.spec === undefined) {
        out.result({ ok: false, file, errors: loaded.errors.map((e) => e.toJSON()) }, () =>
          [
            ...loaded.errors.map((e) => e.format()),
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
