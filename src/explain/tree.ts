/**
 * `optprov tree`: the provenance tree, root actors first, drawn with box characters. Agents that a
 * collector observed in OpenTelemetry spans hang under the agent their spans say created them, or
 * under the collector; they are marked as observed, never as optimizers that passed the gate.
 */
import type { ControlState } from "../control/state.js";

export interface TreeNode {
  readonly name: string;
  readonly kind: "actor" | "optimizer" | "observed";
  readonly process: string | undefined;
  readonly index: number;
  readonly status: "running" | "halted" | "unapproved" | "observed";
  readonly steps: number;
  /** For an observed agent: who vouches for it (`collector:<actor>`). */
  readonly attested?: string;
  readonly children: readonly TreeNode[];
}

export function provenanceTree(state: ControlState): TreeNode[] {
  // Observed agents by creator: the agent their spans lead to, else the collector that saw them.
  const observedUnder = new Map<string, string[]>();
  for (const a of state.observedAgents.values()) {
    const creator = state.observedCreator(a.key);
    const parent = creator !== undefined ? `agent:${creator}` : a.attested.slice("collector:".length);
    const list = observedUnder.get(parent) ?? [];
    list.push(a.key);
    observedUnder.set(parent, list);
  }
  const observed = (key: string, seen: Set<string>): TreeNode => {
    const a = state.observedAgents.get(key)!;
    seen.add(`agent:${key}`);
    return {
      name: a.name !== undefined && a.name !== key ? `${a.name} (${key})` : key,
      kind: "observed",
      process: "agent",
      index: a.index,
      status: "observed",
      steps: 0,
      attested: a.attested,
      children: (observedUnder.get(`agent:${key}`) ?? [])
        .filter((c) => !seen.has(`agent:${c}`))
        .map((c) => observed(c, seen)),
    };
  };
  const node = (name: string, seen: Set<string>): TreeNode => {
    const o = state.optimizers.get(name);
    seen.add(name);
    const kids = (
      o?.children ?? [...state.optimizers.values()].filter((x) => x.creator === name).map((x) => x.name)
    ).filter((c) => !seen.has(c));
    return {
      name,
      kind: o ? "optimizer" : "actor",
      process: o?.process,
      index: o?.index ?? state.actors.get(name)?.index ?? -1,
      status:
        o === undefined
          ? "running"
          : state.haltedBy(name)
            ? "halted"
            : o.unapproved
              ? "unapproved"
              : "running",
      steps: o?.steps ?? 0,
      children: [
        ...kids.map((c) => node(c, seen)),
        ...(o === undefined ? (observedUnder.get(name) ?? []).map((c) => observed(c, seen)) : []),
      ],
    };
  };
  const seen = new Set<string>();
  return [...state.actors.values()]
    .filter((a) => [...state.optimizers.values()].some((o) => o.creator === a.name) || a.role !== "witness")
    .map((a) => node(a.name, seen));
}

export function renderTree(roots: readonly TreeNode[]): string {
  const lines: string[] = [];
  const label = (n: TreeNode) =>
    n.kind === "actor"
      ? `${n.name}  (root, #${n.index})`
      : n.kind === "observed"
        ? `${n.name}  agent  #${n.index}  [OBSERVED by ${n.attested}, not gated]`
        : `${n.name}  ${n.process ?? "?"}  #${n.index}${n.steps ? `  ${n.steps.toLocaleString("en")} steps` : ""}${n.status !== "running" ? `  [${n.status.toUpperCase()}]` : ""}`;
  const walk = (n: TreeNode, prefix: string, last: boolean, top: boolean) => {
    lines.push(top ? label(n) : `${prefix}${last ? "└── " : "├── "}${label(n)}`);
    const next = top ? "" : `${prefix}${last ? "    " : "│   "}`;
    for (const [i, c] of n.children.entries()) walk(c, next, i === n.children.length - 1, false);
  };
  for (const r of roots) walk(r, "", true, true);
  return lines.join("\n");
}
