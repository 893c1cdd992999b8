/**
 * What each built-in detector needs to read in a spec (`docs/conventions.md`, "What each detector
 * reads"), and the check that a spec provides it. A detector that cannot read the model either
 * refuses the creation at the gate with a message about the model, or, worse, passes without having
 * looked (a world model with no `oversight` variable gives the oversight detectors nothing to
 * watch). `spec check --policy` runs this check for the detectors the policy requires, so the
 * author learns it at the line that lacks the role, before the gate does.
 */
import type { ExplicitWorldModelSection, OptimizerSpec } from "../optimizer-spec.js";
import type { Variable } from "../world-model/variable.js";
import { variableRoles } from "../world-model/variable-roles.js";
import type { PathSegment } from "./schema-issues.js";

/** What a detector needs of a spec's world model. */
export type DetectorNeed =
  /** An explicit world model, or an implicit one's explicit twin. */
  | "world-model"
  /** Exactly one variable tagged `decision`, with a finite domain. */
  | "decision"
  /** Exactly one variable tagged `reward`, and a table or CPT that gives it. */
  | "reward"
  /** State variables paired with their next value (`nextOf: x`, or `next_x`), and a dynamics model reading all of them and the decision. */
  | "state"
  /** At least one variable tagged `oversight`, each of them a state variable. */
  | "oversight"
  /** At most one boolean that marks the episode's end (tagged `terminal`, or named `terminal`). */
  | "terminal";

/**
 * The needs of the built-in detectors that read a spec's world model, by detector name. The two
 * plan detectors read the model as a decision process (`readDecisionProcess`); distributional shift
 * compares observations with the model's local models.
 */
export const DETECTOR_NEEDS: Readonly<Record<string, readonly DetectorNeed[]>> = {
  "oversight-dependence": ["world-model", "decision", "reward", "state", "oversight", "terminal"],
  "oversight-disabled": ["world-model", "decision", "reward", "state", "oversight", "terminal"],
  "distributional-shift": ["world-model"],
};

export type DetectorNeedCode =
  /** The spec has no explicit world model (nor an implicit one's twin) for the detector to read. */
  | "DETECTOR_MODEL_MISSING"
  /** The world model declares no variable (or no local model) in a role the detector reads. */
  | "DETECTOR_ROLE_MISSING"
  /** More than one variable in a role the detector needs exactly one of (decision, reward, terminal). */
  | "DETECTOR_ROLE_AMBIGUOUS"
  /** A variable in a role with a domain the role cannot have (a real-valued decision, a terminal that is not a boolean). */
  | "DETECTOR_ROLE_INVALID"
  /** A policy requires a detector that is not built in, so nothing says what it needs. */
  | "DETECTOR_UNKNOWN";

/** One unmet need, placed at a path in the spec. */
export interface DetectorNeedProblem {
  readonly code: DetectorNeedCode;
  readonly detector: string;
  readonly need: DetectorNeed;
  readonly path: readonly PathSegment[];
  /** What was expected and what came, naming the detector and the role. */
  readonly detail: string;
}

/** The explicit model a detector reads, and the path of its section in the spec. */
function readableModel(spec: OptimizerSpec):
  | {
      readonly model: ExplicitWorldModelSection | Omit<ExplicitWorldModelSection, "kind">;
      readonly at: PathSegment[];
    }
  | undefined {
  const w = spec.worldModel;
  if (w.kind === "explicit") return { model: w, at: ["worldModel"] };
  if (w.twin !== undefined) return { model: w.twin, at: ["worldModel", "twin"] };
  return undefined;
}

/**
 * The needs of `detectors` that `spec` does not meet, one problem per detector and need, in the
 * order of `DETECTOR_NEEDS`. Detectors without an entry in `DETECTOR_NEEDS` are left to the caller
 * (they may be custom gate detectors).
 *
 * @example detectorNeeds(spec, ["oversight-dependence"]).map((p) => p.code) // ["DETECTOR_ROLE_MISSING"]
 */
export function detectorNeeds(spec: OptimizerSpec, detectors: readonly string[]): DetectorNeedProblem[] {
  const problems: DetectorNeedProblem[] = [];
  const readable = readableModel(spec);
  for (const detector of new Set(detectors)) {
    const needs = DETECTOR_NEEDS[detector];
    if (needs === undefined) continue;
    if (readable === undefined) {
      problems.push({
        code: "DETECTOR_MODEL_MISSING",
        detector,
        need: "world-model",
        path: ["worldModel"],
        detail: `${detector} reads an explicit world model, or an implicit one's twin; got an implicit world model without a twin`,
      });
      continue;
    }
    problems.push(...modelNeeds(detector, needs, readable.model, readable.at));
  }
  return problems;
}

function modelNeeds(
  detector: string,
  needs: readonly DetectorNeed[],
  model: {
    readonly variables: readonly Variable[];
    readonly localModels: ExplicitWorldModelSection["localModels"];
  },
  at: readonly PathSegment[],
): DetectorNeedProblem[] {
  const problems: DetectorNeedProblem[] = [];
  const roles = variableRoles(model);
  const indexOf = new Map(model.variables.map((v, i) => [v.name, i]));
  const variablePath = (name: string, ...rest: PathSegment[]): PathSegment[] => [
    ...at,
    "variables",
    indexOf.get(name) ?? 0,
    ...rest,
  ];
  const push = (code: DetectorNeedCode, need: DetectorNeed, path: PathSegment[], detail: string) =>
    problems.push({ code, detector, need, path, detail: `${detector} needs ${detail}` });
  const exactlyOne = (need: "decision" | "reward", names: readonly string[]) => {
    if (names.length === 0)
      push("DETECTOR_ROLE_MISSING", need, [...at, "variables"], `a variable tagged ${need}, got none`);
    else if (names.length > 1)
      push(
        "DETECTOR_ROLE_AMBIGUOUS",
        need,
        variablePath(names[1] as string, "tags"),
        `exactly one variable tagged ${need}, got ${names.length}: ${names.join(", ")}`,
      );
  };
  const outputOf = (m: ExplicitWorldModelSection["localModels"][number]) =>
    m.kind === "table" ? m.output : m.kind === "cpt" ? m.child : undefined;
  const inputsOf = (m: ExplicitWorldModelSection["localModels"][number]) =>
    m.kind === "table" ? m.inputs : m.kind === "cpt" ? m.parents : [];
  const states = roles.transitions.map((t) => t.state);

  for (const need of needs) {
    switch (need) {
      case "world-model":
        break;
      case "decision": {
        exactlyOne("decision", roles.decision);
        const d =
          roles.decision.length === 1
            ? model.variables[indexOf.get(roles.decision[0] as string) ?? -1]
            : undefined;
        if (d !== undefined && d.domain.kind === "real")
          push(
            "DETECTOR_ROLE_INVALID",
            need,
            variablePath(d.name, "domain"),
            `the decision ${d.name} to have a finite domain (boolean, enum, or int), got a real one`,
          );
        break;
      }
      case "reward": {
        exactlyOne("reward", roles.reward);
        const reward = roles.reward.length === 1 ? roles.reward[0] : undefined;
        if (reward !== undefined && !model.localModels.some((m) => outputOf(m) === reward))
          push(
            "DETECTOR_ROLE_MISSING",
            need,
            [...at, "localModels"],
            `a table or CPT giving the reward ${reward}, got none`,
          );
        break;
      }
      case "state": {
        if (states.length === 0) {
          push(
            "DETECTOR_ROLE_MISSING",
            need,
            [...at, "variables"],
            "state variables, each paired with its value after the decision (nextOf: x on that variable, or a variable named next_x), got none",
          );
          break;
        }
        const decision = roles.decision.length === 1 ? roles.decision[0] : undefined;
        const reads = [...(decision !== undefined ? [decision] : []), ...states];
        if (!model.localModels.some((m) => reads.every((x) => inputsOf(m).includes(x))))
          push(
            "DETECTOR_ROLE_MISSING",
            need,
            [...at, "localModels"],
            `a table or CPT reading ${reads.join(", ")} (its rows are the states the process knows), got none`,
          );
        break;
      }
      case "oversight":
        if (roles.oversight.length === 0)
          push(
            "DETECTOR_ROLE_MISSING",
            need,
            [...at, "variables"],
            "a variable tagged oversight to watch, got none: it would pass without having looked",
          );
        for (const o of roles.oversight)
          if (!states.includes(o))
            push(
              "DETECTOR_ROLE_MISSING",
              "state",
              variablePath(o),
              `the oversight variable ${o} to be a state variable (nextOf: ${o} on its next value, or a variable named next_${o}), got none: its plans cannot be followed through it`,
            );
        break;
      case "terminal": {
        if (roles.terminal.length > 1)
          push(
            "DETECTOR_ROLE_AMBIGUOUS",
            need,
            variablePath(roles.terminal[1] as string, "tags"),
            `at most one variable tagged terminal, got ${roles.terminal.length}: ${roles.terminal.join(", ")}`,
          );
        const t = roles.terminal.length === 1 ? roles.terminal[0] : undefined;
        const v = t === undefined ? undefined : model.variables[indexOf.get(t) ?? -1];
        if (v !== undefined && v.domain.kind !== "boolean")
          push(
            "DETECTOR_ROLE_INVALID",
            need,
            variablePath(v.name, "domain"),
            `the terminal variable ${v.name} to be a boolean, got a ${v.domain.kind} domain`,
          );
        break;
      }
    }
  }
  return problems;
}
