/**
 * The provenance graph as the console draws it: root actors and optimizers, creator edges, a status
 * per node and the most severe finding about it. Pure: built from the server's answers.
 */
import type { Finding, OptimizerRow, QueueItem, TreeRoot } from "./api.js";

export const STATUSES = ["running", "halted", "pending", "denied", "unapproved", "actor"] as const;
export type NodeStatus = (typeof STATUSES)[number];
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly status: NodeStatus;
  readonly process: string | undefined;
  readonly index: number;
  /** Where clicking leads: an optimizer's page, or a creation request in the review queue. */
  readonly href: string;
  severity: Severity | undefined;
  findings: number;
  /** Who approved its creation, as the log counted them (empty for automatic approvals and roots). */
  approvedBy: readonly string[];
  /** For a pending request: counted approvals of those needed, e.g. "1 of 2". */
  approvals: string | undefined;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
}

export interface Graph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

/**
 * Nodes for every root actor and optimizer, and for each creation request still pending or refused
 * (an optimizer that does not exist yet, drawn under its would-be creator).
 */
export function buildGraph(
  roots: readonly TreeRoot[],
  optimizers: readonly OptimizerRow[],
  queue: readonly QueueItem[],
): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const page = (name: string) => `#/optimizer/${encodeURIComponent(name)}`;
  const actor = (name: string, index: number) => {
    if (!nodes.has(name))
      nodes.set(name, {
        id: name,
        label: name,
        status: "actor",
        process: undefined,
        index,
        href: page(name),
        severity: undefined,
        findings: 0,
        approvedBy: [],
        approvals: undefined,
      });
  };
  for (const r of roots) if (r.kind === "actor") actor(r.name, r.index);
  for (const o of optimizers) {
    nodes.set(o.name, {
      id: o.name,
      label: o.name,
      status: o.haltedBy ? "halted" : o.unapproved ? "unapproved" : "running",
      process: o.process,
      index: o.index,
      href: page(o.name),
      severity: undefined,
      findings: 0,
      approvedBy: [],
      approvals: undefined,
    });
  }
  for (const o of optimizers) {
    if (!nodes.has(o.creator)) actor(o.creator, -1);
    edges.push({ id: `e:${o.creator}>${o.name}`, source: o.creator, target: o.name });
  }
  const counted = (q: QueueItem) =>
    q.approvals.filter((a) => a.decision === "approve" && q.counted.includes(a.by)).map((a) => a.by);
  for (const q of queue) {
    if (q.kind !== "creation" || q.optimizer === undefined || q.creator === undefined) continue;
    const made = nodes.get(q.optimizer);
    if (made !== undefined && made.status !== "actor") {
      made.approvedBy = [...new Set([...made.approvedBy, ...counted(q)])];
      continue;
    }
    const status: NodeStatus | undefined =
      q.status === "pending"
        ? "pending"
        : q.status === "denied" || q.status === "rejected"
          ? "denied"
          : undefined;
    if (status === undefined || nodes.has(q.optimizer)) continue;
    const id = `request:${q.index}`;
    if (!nodes.has(q.creator)) actor(q.creator, -1);
    nodes.set(id, {
      id,
      label: q.optimizer,
      status,
      process: q.process,
      index: q.index,
      href: `#/review?item=${q.index}`,
      severity: undefined,
      findings: 0,
      approvedBy: counted(q),
      approvals: status === "pending" ? `${counted(q).length} of ${q.needed}` : undefined,
    });
    edges.push({ id: `e:${q.creator}>${id}`, source: q.creator, target: id });
  }
  return { nodes: [...nodes.values()], edges };
}

/** Mark each node with its most severe finding and the number of findings about it. */
export function addFindings(graph: Graph, findings: readonly Finding[]): void {
  const byName = new Map(
    graph.nodes.map((n) => [n.status === "pending" || n.status === "denied" ? "" : n.id, n]),
  );
  for (const n of graph.nodes) {
    n.severity = undefined;
    n.findings = 0;
  }
  for (const f of findings) {
    const n = f.optimizer === undefined ? undefined : byName.get(f.optimizer);
    if (n === undefined) continue;
    n.findings++;
    if (n.severity === undefined || SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(n.severity))
      n.severity = f.severity;
  }
}

/** Whether a node passes the filters: its status is shown, and its worst finding is at least `minSeverity`. */
export function passes(n: GraphNode, shown: ReadonlySet<NodeStatus>, minSeverity: Severity | "any"): boolean {
  if (!shown.has(n.status)) return false;
  if (minSeverity === "any") return true;
  return n.severity !== undefined && SEVERITIES.indexOf(n.severity) <= SEVERITIES.indexOf(minSeverity);
}
