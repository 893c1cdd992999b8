/**
 * An optimizer spec in plain English: what it models (its variables in words, each local model's
 * description and size), what it optimizes (with the proxy and how the intended objective is
 * measured), how (the process, its parameters, budget and what it may create), and its legibility
 * findings. Implicit parts say "implicit" wherever they appear.
 *
 * The explanation is data (sections of sentences) so that `--json` and the console get the same
 * words the terminal does.
 */
import type { z } from "zod";
import type { ImplicitWorldModel } from "../implicit-world-model.js";
import {
  checkLegibility,
  type LegibilityLimits,
  type LegibilityReport,
  localModelRows,
} from "../legibility.js";
import { printExpression, type Sense, variablesRead } from "../objective/index.js";
import type { LoadedObjective } from "../objective/objective-document.js";
import { explicitWorldModel, type OptimizerSpec, specObjective, specVariables } from "../optimizer-spec.js";
import { PROCESS_REGISTRY, type Process, processSearches } from "../process.js";
import type { Domain } from "../world-model/domain.js";
import { type LocalModel, scopeOf } from "../world-model/local-model.js";
import type { Variable } from "../world-model/variable.js";
import type { WorldModel } from "../world-model/world-model.js";
import { specDigest } from "./spec-digest.js";

export interface ExplanationSection {
  readonly title: string;
  readonly lines: readonly string[];
}

export interface Explanation {
  readonly name: string;
  readonly digest: string;
  readonly description: string | undefined;
  /** Whether any part is implicit (an implicit world model or an external process). */
  readonly implicit: boolean;
  readonly sections: readonly ExplanationSection[];
  readonly legibility: LegibilityReport;
}

export interface ExplainOptions {
  /** Legibility limits to hold the spec to; defaults from `DEFAULT_LEGIBILITY_LIMITS`. */
  readonly limits?: Partial<LegibilityLimits>;
}

/**
 * Explain a checked spec (from `loadSpec`) in sentences.
 *
 * @example
 * const { spec } = loadSpec(text, "thermostat.optimizer.yaml");
 * console.log(renderExplanation(explainSpec(spec!)));
 */
export function explainSpec(spec: OptimizerSpec, options: ExplainOptions = {}): Explanation {
  const legibility = checkLegibility(spec, options.limits);
  return {
    name: spec.name,
    digest: specDigest(spec),
    description: spec.description,
    implicit: legibility.metrics.implicitParts.length > 0,
    sections: [
      { title: "What it models", lines: modelLines(spec) },
      { title: "What it optimizes", lines: objectiveLines(spec) },
      { title: "How it optimizes", lines: processLines(spec.process) },
      { title: "Legibility", lines: legibilityLines(legibility) },
    ],
    legibility,
  };
}

/**
 * The explanation as text for a terminal: a heading, then each section's sentences indented.
 *
 * @example renderExplanation(explainSpec(spec)).startsWith("Optimizer `thermostat`")
 */
export function renderExplanation(e: Explanation): string {
  const out = [`Optimizer \`${e.name}\`${e.description ? `: ${e.description}` : ""}`, `digest ${e.digest}`];
  for (const section of e.sections) {
    out.push("", section.title);
    for (const line of section.lines) out.push(line.startsWith("- ") ? `    ${line}` : `  ${line}`);
  }
  return out.join("\n");
}

const code = (name: string) => `\`${name}\``;

/** "a, b and c". */
function list(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

function modelLines(spec: OptimizerSpec): string[] {
  const section = spec.worldModel;
  const lines: string[] = [];
  if (section.kind === "implicit") {
    lines.push(...implicitLines(section));
    if (section.twin !== undefined) {
      lines.push(
        `Its explicit twin ${code(section.twin.name)} stands for it, with ${count(section.twin.variables.length, "variable")} and ${count(section.twin.localModels.length, "local model")}:`,
      );
      lines.push(...explicitLines(section.twin));
    } else if ((section.variables ?? []).length > 0) {
      lines.push(
        `It has no explicit twin; it declares ${count(section.variables?.length ?? 0, "explicit variable")} for its probes and objective, with no local models:`,
      );
      lines.push(...(section.variables ?? []).map(variableLine));
    } else {
      lines.push("It has no explicit twin and declares no explicit variables.");
    }
    return lines;
  }
  const model = explicitWorldModel(spec);
  if (model === undefined) return lines;
  lines.push(
    `Its world model ${code(model.name)} is explicit, with ${count(model.variables.length, "variable")} and ${count(model.localModels.length, "local model")}:`,
  );
  lines.push(...explicitLines(model));
  return lines;
}

function implicitLines(model: ImplicitWorldModel): string[] {
  const { artifact } = model;
  const lines = [
    `Its world model is implicit: it is held by the artifact ${code(artifact.name)} (${artifact.digest}, ${artifact.uri}) and cannot be read as tables.`,
    `What the artifact is believed to model (implicit): ${model.description}`,
  ];
  if (model.probes.length === 0)
    lines.push("No probe evidence ties the implicit model to explicit variables.");
  else lines.push("Probe evidence tying the implicit model to explicit variables:");
  for (const p of model.probes) {
    const percent = Math.round(p.accuracy * 1000) / 10;
    lines.push(
      `- a ${p.probe} probe reads ${code(p.variable)} with accuracy ${percent}% (dataset ${p.dataset})${p.note ? `: ${p.note}` : ""}`,
    );
  }
  return lines;
}

function explicitLines(model: WorldModel): string[] {
  return [...model.variables.map(variableLine), ...model.localModels.map(localModelLine)];
}

function domainWords(domain: Domain): string {
  switch (domain.kind) {
    case "boolean":
      return "true or false";
    case "enum":
      return domain.values.length > 8
        ? `one of ${domain.values.length} values (${domain.values.slice(0, 6).join(", ")}, ...)`
        : `one of ${list(domain.values, "or")}`;
    case "int":
      return `a whole number from ${domain.min} to ${domain.max}`;
    case "real":
      return domain.unit === "" ? "a real number" : `a real number in ${domain.unit}`;
  }
}

const TAG_WORDS: Readonly<Record<string, string>> = {
  decision: "chosen by the optimizer",
  observation: "observed",
  oversight: "says whether the optimizer is watched (oversight)",
  reward: "a reward signal",
  outcome: "an outcome",
};

function tagWords(tags: readonly string[]): string[] {
  // Own keys only: a tag named `constructor` must not print Object's constructor.
  return tags.map((t) => (Object.hasOwn(TAG_WORDS, t) ? TAG_WORDS[t] : undefined) ?? `tagged ${t}`);
}

function variableLine(v: Variable): string {
  const roles = tagWords(v.tags);
  return `- variable ${code(v.name)}: ${domainWords(v.domain)}${roles.length > 0 ? `; ${roles.join("; ")}` : ""}`;
}

function localModelLine(m: LocalModel): string {
  const rows = localModelRows(m).length;
  let what: string;
  switch (m.kind) {
    case "relation":
      what = `a relation of ${count(rows, "allowed combination")} of ${list(m.variables.map(code))}`;
      break;
    case "table":
      what =
        m.inputs.length === 0
          ? `a table fixing ${code(m.output)} (${count(rows, "row")})`
          : `a table of ${count(rows, "row")} giving ${code(m.output)} from ${list(m.inputs.map(code))}`;
      break;
    case "cpt":
      what =
        m.parents.length === 0
          ? `a probability table for ${code(m.child)} (${count(rows, "probability", "probabilities")})`
          : `a conditional probability table of ${count(rows, "probability", "probabilities")} for ${code(m.child)} given ${list(m.parents.map(code))}`;
      break;
  }
  return `- local model ${code(m.name)}, ${what}: ${m.description}`;
}

const VERB: Readonly<Record<Sense, string>> = {
  maximize: "maximizes",
  minimize: "minimizes",
  satisfy: "must satisfy",
};
const GERUND: Readonly<Record<Sense, string>> = {
  maximize: "maximizing",
  minimize: "minimizing",
  satisfy: "satisfying",
};

function objectiveText(loaded: LoadedObjective, fallback: string): string {
  return loaded.objective === undefined ? fallback : printExpression(loaded.objective.expr);
}

function constantsText(constants: Readonly<Record<string, number>>): string {
  const entries = Object.entries(constants);
  return entries.length === 0 ? "" : `, with ${list(entries.map(([k, v]) => `${k} = ${v}`))}`;
}

function objectiveLines(spec: OptimizerSpec): string[] {
  const doc = spec.objective;
  const loaded = specObjective(spec);
  let sentence = `It ${VERB[doc.sense]} ${objectiveText(loaded, doc.expr)}${constantsText(loaded.constants)}`;
  const intended = doc.proxyFor;
  if (typeof intended === "string") sentence += `, which stands in for ${intended}`;
  else if (intended !== undefined) {
    const proxy =
      loaded.proxyFor !== undefined && "objective" in loaded.proxyFor ? loaded.proxyFor : undefined;
    sentence += `, which stands in for ${GERUND[intended.sense]} ${proxy ? objectiveText(proxy, intended.expr) : intended.expr}`;
  }
  if (doc.measuredBy !== undefined) sentence += `, measured through ${doc.measuredBy}`;
  const lines = [`${sentence}.`];
  if (intended !== undefined)
    lines.push(
      "The gap between what it optimizes and what it stands in for is where Goodhart's curse lives: watch both.",
    );

  const variables = new Map(specVariables(spec).map((v) => [v.name, v]));
  const read = readVariables(loaded);
  if (read.length > 0) {
    const described = read.map((name) => {
      const roles = tagWords(variables.get(name)?.tags ?? []);
      return `${code(name)}${roles.length > 0 ? ` (${roles.join("; ")})` : ""}`;
    });
    lines.push(`It reads ${list(described)}.`);
  } else lines.push("It reads no world-model variable.");
  lines.push(...oversightLines(spec, read));
  return lines;
}

function readVariables(loaded: LoadedObjective): readonly string[] {
  // Only the optimized objective: the intended one is what the optimizer is judged by, not what it reads.
  return loaded.objective === undefined ? [] : variablesRead(loaded.objective, loaded.constants);
}

/**
 * What the objective has to do with oversight: a variable tagged `oversight` it reads, or a local
 * model that ties a variable it reads to one (the reward that depends on whether a supervisor is
 * present). This is what the oversight-dependence detector keys on; here it is said in words.
 */
function oversightLines(spec: OptimizerSpec, read: readonly string[]): string[] {
  const watched = specVariables(spec)
    .filter((v) => v.tags.includes("oversight"))
    .map((v) => v.name);
  if (watched.length === 0) return [];
  const direct = read.filter((name) => watched.includes(name));
  if (direct.length > 0)
    return [
      `It reads ${list(direct.map(code))}, tagged oversight: what it optimizes depends directly on whether it is watched.`,
    ];
  const ties: string[] = [];
  for (const m of explicitWorldModel(spec)?.localModels ?? []) {
    const scope = scopeOf(m);
    const mine = read.filter((name) => scope.includes(name));
    const theirs = watched.filter((name) => scope.includes(name));
    if (mine.length > 0 && theirs.length > 0)
      ties.push(`local model ${code(m.name)} ties ${list(mine.map(code))} to ${list(theirs.map(code))}`);
  }
  if (ties.length > 0)
    return [
      `It does not read the oversight variable ${list(watched.map(code))} directly, but ${list(ties)}: what it optimizes may depend on whether it is watched.`,
    ];
  return [
    `It does not read the oversight variable ${list(watched.map(code))}, and no local model ties what it reads to it.`,
  ];
}

function paramDescription(schema: z.ZodType | undefined): string | undefined {
  let s = schema as (z.ZodType & { unwrap?: () => z.ZodType }) | undefined;
  while (s !== undefined) {
    if (s.description !== undefined) return s.description;
    s = typeof s.unwrap === "function" ? s.unwrap() : undefined;
  }
  return undefined;
}

function duration(seconds: number): string {
  const base = `${count(seconds, "second")}`;
  if (seconds >= 3600) return `${base} (${Math.round((seconds / 3600) * 10) / 10} hours)`;
  if (seconds >= 120) return `${base} (${Math.round((seconds / 60) * 10) / 10} minutes)`;
  return base;
}

function processLines(process: Process): string[] {
  const info = PROCESS_REGISTRY[process.kind];
  const lines: string[] = [];
  if (process.kind === "external")
    lines.push(
      `By an external process (implicit: its algorithm is not declared in optprov's registry): ${process.params.system}.`,
    );
  else lines.push(`By ${info.summary}.`);
  const shape = info.params.shape as Readonly<Record<string, z.ZodType>>;
  const params = Object.entries(process.params as Readonly<Record<string, unknown>>)
    .filter(() => process.kind !== "external")
    .map(([name, value]) => {
      const words = paramDescription(shape[name]);
      return `${name} ${typeof value === "string" ? value : JSON.stringify(value)}${words ? ` (${words})` : ""}`;
    });
  if (params.length > 0) lines.push(`Parameters: ${params.join("; ")}.`);
  lines.push(
    `Budget: at most ${count(process.budget.maxSteps, info.step.replace(/s$/, ""), info.step)} and ${duration(process.budget.maxWallSeconds)} of wall time.`,
  );
  lines.push(
    processSearches(process)
      ? "It searches: it evaluates many alternatives and keeps the best."
      : "It does not search: it does not evaluate many alternatives to keep the best.",
  );
  const may = process.mayCreate ?? [];
  lines.push(
    may.length === 0
      ? "It may not create other optimizers."
      : `It may create optimizers of ${may.length === 1 ? "the kind" : "the kinds"} ${list(may, "and")}.`,
  );
  return lines;
}

function legibilityLines(report: LegibilityReport): string[] {
  const m = report.metrics;
  const largest =
    m.largestLocalModel === undefined
      ? ""
      : ` (largest ${code(m.largestLocalModel.name)}, ${count(m.largestLocalModel.rows, "row")})`;
  const objective =
    m.objectiveSize === undefined ? "" : `, an objective of ${count(m.objectiveSize, "node")}`;
  const lines = [
    `${count(m.variables, "variable")}, ${count(m.localModels, "local model")}${largest}${objective}, ${count(m.implicitParts.length, "implicit part")}.`,
  ];
  if (report.findings.length === 0) lines.push("Within every legibility limit.");
  else lines.push(...report.findings.map((f) => `- ${f.message}`));
  return lines;
}
