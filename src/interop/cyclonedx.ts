/**
 * CycloneDX 1.6 ML-BOM (https://cyclonedx.org/docs/1.6/json/) of an optimizer and its chain of
 * creators: the optimizer is the BOM's subject (`metadata.component`), each optimizer up the chain
 * a further component, all of type `machine-learning-model` with a model card; the root actor who
 * started the chain is the top component's author. Each component depends on the optimizer that
 * created it (`dependencies`), and `formulation` records each creation: the entry, the creator, the
 * gate's outcome and the policy it ran under.
 *
 * The model card carries the three parts: the process as `modelParameters` (its kind as the
 * architecture family, the reinforcement-learning kinds as that approach, the world model's name as
 * the architecture), the objective and what it stands in for as performance metrics (CycloneDX has
 * no place for an objective; a metric named for each is the nearest), and what limits trust in the
 * optimizer (a proxy objective, a halt, an unapproved creation) as technical limitations.
 * Everything else is an `optprov:` property, so nothing the ledger says is lost.
 */
import type { ControlState } from "../control/state.js";
import { PolicyError } from "../errors.js";
import type { LedgerStore } from "../ledger/store.js";
import { runIdFor } from "./openlineage.js";
import { creatorChain, type OptimizerFacts, optimizerFacts } from "./optimizer-facts.js";

type Property = { readonly name: string; readonly value: string };

export interface CycloneDxComponent {
  readonly type: "machine-learning-model";
  readonly "bom-ref": string;
  readonly name: string;
  readonly description?: string;
  readonly authors: readonly { readonly name: string }[];
  readonly hashes?: readonly { readonly alg: "SHA-256"; readonly content: string }[];
  readonly modelCard: Record<string, unknown>;
  readonly properties: readonly Property[];
}

export interface CycloneDxBom {
  readonly bomFormat: "CycloneDX";
  readonly specVersion: "1.6";
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly tools: { readonly components: readonly Record<string, unknown>[] };
    readonly component: CycloneDxComponent;
    readonly properties: readonly Property[];
  };
  readonly components: readonly CycloneDxComponent[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn: readonly string[] }[];
  readonly formulation: readonly Record<string, unknown>[];
}

const REINFORCEMENT = new Set(["q-learning", "sarsa", "value-iteration"]);
const ref = (name: string) => `optimizer:${name}`;

function component(f: OptimizerFacts, origin: string): CycloneDxComponent {
  const o = f.record;
  const p = f.process;
  const metrics: { type: string; value: string }[] = [];
  if (f.objective) {
    metrics.push({ type: `objective (${f.objective.sense})`, value: f.objective.expr });
    if (f.objective.standsInFor !== undefined)
      metrics.push({
        type: "intended objective (what the objective stands in for)",
        value: f.objective.standsInFor,
      });
    if (f.objective.measuredBy !== undefined)
      metrics.push({ type: "intended objective measured by", value: f.objective.measuredBy });
  }
  metrics.push({ type: "steps taken", value: String(o.steps) });
  const limitations: string[] = [];
  if (f.objective?.standsInFor !== undefined)
    limitations.push(
      `its objective is a proxy for ${f.objective.standsInFor}; optimizing it hard can pull the two apart (Goodhart)`,
    );
  else if (f.objective === undefined)
    limitations.push("no spec was recorded: its world model and objective are undeclared");
  if (f.halt)
    limitations.push(
      `halted at entry ${f.halt.index} by ${f.halt.by}${f.halt.optimizer !== o.name ? ` (with its ancestor ${f.halt.optimizer})` : ""}${f.halt.reason ? `: ${f.halt.reason}` : ""}`,
    );
  if (o.unapproved) limitations.push(`created unapproved under an audit-mode policy (${o.marks.join(", ")})`);
  const budget = [
    p.budget.maxSteps !== undefined ? `at most ${p.budget.maxSteps} steps` : undefined,
    p.budget.maxWallSeconds !== undefined ? `at most ${p.budget.maxWallSeconds} s` : undefined,
  ].filter((x): x is string => x !== undefined);
  const props: Property[] = [
    { name: "optprov:ledger.origin", value: origin },
    { name: "optprov:entry.index", value: String(o.index) },
    { name: "optprov:entry.envelopeSha256", value: f.envelopeDigest },
    { name: "optprov:entry.time", value: o.time },
    { name: "optprov:creator", value: o.creator },
    { name: "optprov:process.kind", value: p.kind },
    ...Object.entries(p.params).map(([k, v]) => ({ name: `optprov:process.params.${k}`, value: String(v) })),
    ...(p.budget.maxSteps !== undefined
      ? [{ name: "optprov:process.budget.maxSteps", value: String(p.budget.maxSteps) }]
      : []),
    ...(p.budget.maxWallSeconds !== undefined
      ? [{ name: "optprov:process.budget.maxWallSeconds", value: String(p.budget.maxWallSeconds) }]
      : []),
    ...p.mayCreate.map((k) => ({ name: "optprov:process.mayCreate", value: k })),
    { name: "optprov:gate", value: o.gate?.outcome ?? "none" },
    ...(o.gate?.policyDigest ? [{ name: "optprov:gate.policyDigest", value: o.gate.policyDigest }] : []),
    ...(f.objective?.digest ? [{ name: "optprov:objective.digest", value: f.objective.digest }] : []),
    ...(f.worldModel ? [{ name: "optprov:worldModel.kind", value: f.worldModel.kind }] : []),
    ...(f.worldModel?.kind === "explicit"
      ? [
          { name: "optprov:worldModel.variables", value: String(f.worldModel.variables) },
          { name: "optprov:worldModel.localModels", value: String(f.worldModel.localModels) },
        ]
      : []),
    ...(f.worldModel?.kind === "implicit"
      ? [
          { name: "optprov:worldModel.artifact", value: f.worldModel.artifact.uri },
          { name: "optprov:worldModel.artifactDigest", value: f.worldModel.artifact.digest },
          { name: "optprov:worldModel.probes", value: String(f.worldModel.probes) },
        ]
      : []),
  ];
  const architecture =
    f.worldModel?.kind === "explicit"
      ? f.worldModel.name
      : f.worldModel?.kind === "implicit"
        ? f.worldModel.artifact.name
        : undefined;
  return {
    type: "machine-learning-model",
    "bom-ref": ref(o.name),
    name: o.name,
    description: f.description ?? f.title ?? `a ${p.kind} optimizer`,
    authors: [{ name: o.creator }],
    // The spec is what the optimizer was declared as; its digest is what the log bound at creation.
    ...(o.specDigest ? { hashes: [{ alg: "SHA-256" as const, content: o.specDigest }] } : {}),
    modelCard: {
      modelParameters: {
        ...(REINFORCEMENT.has(p.kind) ? { approach: { type: "reinforcement-learning" } } : {}),
        task: f.objective ? `${f.objective.sense} ${f.objective.expr}` : `optimize (${p.kind})`,
        architectureFamily: p.kind,
        ...(architecture !== undefined ? { modelArchitecture: architecture } : {}),
      },
      quantitativeAnalysis: { performanceMetrics: metrics },
      considerations: {
        ...(limitations.length > 0 ? { technicalLimitations: limitations } : {}),
        ...(budget.length > 0 ? { performanceTradeoffs: [`budget: ${budget.join(", ")}`] } : {}),
      },
    },
    properties: props,
  };
}

/**
 * The ML-BOM of `optimizer` and the optimizers that led to it. Throws PolicyError OPTIMIZER_UNKNOWN
 * for a name the ledger does not hold as an optimizer.
 *
 * @example const bom = await toCycloneDx(state, store, { optimizer: "planner", origin: log.origin });
 */
export async function toCycloneDx(
  state: ControlState,
  store: LedgerStore,
  options: { readonly optimizer: string; readonly origin: string; readonly toolVersion?: string },
): Promise<CycloneDxBom> {
  const target = state.optimizers.get(options.optimizer);
  if (target === undefined)
    throw new PolicyError(
      "OPTIMIZER_UNKNOWN",
      `an optimizer name expected, got ${JSON.stringify(options.optimizer)}${state.actors.has(options.optimizer) ? " (a root actor)" : ""}`,
    );
  const facts = await optimizerFacts(state, store);
  const chain = [target.name, ...creatorChain(state, target.name)].filter((n) => state.optimizers.has(n));
  const all = chain.map((n) => facts.get(n)!);
  const [subject, ...creators] = all.map((f) => component(f, options.origin));
  const times = all
    .flatMap((f) => [f.record.time, f.lastStepTime, f.halt?.time])
    .filter((t) => t !== undefined);
  const timestamp = times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    // Derived from the subject's creation entry: the same ledger gives the same BOM, byte for byte.
    serialNumber: `urn:uuid:${runIdFor(facts.get(target.name)!.envelopeDigest)}`,
    version: 1,
    metadata: {
      // The latest ledger time the BOM reflects, not the clock: an export is a view of the ledger.
      timestamp,
      tools: {
        components: [
          {
            type: "application",
            name: "optprov",
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
          },
        ],
      },
      component: subject!,
      properties: [{ name: "optprov:ledger.origin", value: options.origin }],
    },
    components: creators,
    dependencies: chain.map((n) => {
      const creator = state.optimizers.get(n)!.creator;
      return { ref: ref(n), dependsOn: state.optimizers.has(creator) ? [ref(creator)] : [] };
    }),
    formulation: [
      {
        "bom-ref": `formula:${target.name}`,
        workflows: all.map((f) => ({
          "bom-ref": `creation:${f.record.name}`,
          uid: `${options.origin}#${f.record.index}`,
          name: `creation of ${f.record.name} by ${f.record.creator}`,
          taskTypes: ["build"],
          timeStart: f.record.time,
          timeEnd: f.record.time,
          properties: [
            { name: "optprov:entry.index", value: String(f.record.index) },
            { name: "optprov:creator", value: f.record.creator },
            { name: "optprov:gate", value: f.record.gate?.outcome ?? "none" },
            ...(f.record.gate?.policyDigest
              ? [{ name: "optprov:gate.policyDigest", value: f.record.gate.policyDigest }]
              : []),
            ...(f.record.request !== undefined
              ? [{ name: "optprov:request.index", value: String(f.record.request) }]
              : []),
          ],
        })),
      },
    ],
  };
}
