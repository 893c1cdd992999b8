/**
 * From an optimizer spec (the legible declaration in `*.optimizer.yaml`) to what `spawn` needs:
 * the process, the gate's summary (legibility numbers, the objective's variables with their tags,
 * problems found), and the document and digest the creation entry binds to.
 */
import {
  measureLegibility,
  type OptimizerSpec,
  specDigest,
  specObjective,
  specVariables,
  validateOptimizerSpec,
  variablesRead,
} from "../model/index.js";
import type { SpawnSpec } from "./optimizer.js";

/** Ledger names are key names: printable, no spaces or '+'. */
export function optimizerName(specName: string): string {
  return (
    specName
      .trim()
      .replace(/[\s+]+/g, "-")
      .replace(/[^\x21-\x7e]/g, "") || "optimizer"
  );
}

/**
 * @example const child = await parent.spawn(spawnSpecFrom(loadSpec(text, file).spec!));
 */
export function spawnSpecFrom(
  spec: OptimizerSpec,
  options: { readonly name?: string; readonly model?: SpawnSpec["model"] } = {},
): SpawnSpec {
  const problems = validateOptimizerSpec(spec).problems.map(
    (p) => `${p.path.join(".")}: ${p.detail} [${p.code}]`,
  );
  const metrics = measureLegibility(spec);
  const objective = specObjective(spec);
  const tags = new Map(specVariables(spec).map((v) => [v.name, v.tags]));
  const read = objective.objective ? variablesRead(objective.objective, objective.constants) : undefined;
  const params = Object.fromEntries(
    Object.entries((spec.process as { params?: Record<string, unknown> }).params ?? {}).filter(
      (e): e is [string, number | string | boolean] => ["number", "string", "boolean"].includes(typeof e[1]),
    ),
  );
  const budget = (spec.process as { budget?: { maxSteps?: number; maxWallSeconds?: number } }).budget;
  const mayCreate = (spec.process as { mayCreate?: readonly string[] }).mayCreate;
  return {
    name: options.name ?? optimizerName(spec.name),
    process: { kind: spec.process.kind, params, ...(budget ? { budget } : {}), mayCreate: mayCreate ?? [] },
    gate: {
      legibility: {
        variables: metrics.variables,
        largestLocalModelRows: metrics.largestLocalModel?.rows ?? 0,
        objectiveSize: metrics.objectiveSize ?? 0,
        implicitParts: metrics.implicitParts.length,
      },
      // Only variables the world model declares explicitly count as explicit objective variables.
      objectiveVariables: read?.every((v) => tags.has(v))
        ? read.map((v) => ({ name: v, tags: tags.get(v) ?? [] }))
        : undefined,
      specErrors: problems,
    },
    document: spec,
    digest: specDigest(spec).replace(/^sha256:/, ""),
    ...(options.model ? { model: options.model } : {}),
  };
}
