/** `optprov tree`: the provenance tree, root actors first, drawn with box characters. */
import type { ControlState } from "../control/state.js";

export interface TreeNode {
  readonly name: string;
  readonly kind: "actor" | "optimizer";
  readonly process: string | undefined;
  readonly index: number;
  readonly status: "running" | "halted" | "unapproved";
  readonly steps: number;
  readonly children: readonly TreeNode[];
}

export function provenanceTree(state: ControlState): TreeNode[] {
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
      children: kids.map((c) => node(c, seen)),
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
      : `${n.name}  ${n.process ?? "?"}  #${n.index}${n.steps ? `  ${n.steps.toLocaleString("en")} steps` : ""}${n.status !== "running" ? `  [${n.status.toUpperCase()}]` : ""}`;
  const walk = (n: TreeNode, prefix: string, last: boolean, top: boolean) => {
    lines.push(top ? label(n) : `${prefix}${last ? "└── " : "├── "}${label(n)}`);
    const next = top ? "" : `${prefix}${last ? "    " : "│   "}`;
    for (const [i, c] of n.children.entries()) walk(c, next, i === n.children.length - 1, false);
  };
  for (const r of roots) walk(r, "", true, true);
  return lines.join("\n");
}
