/// <reference lib="dom" />
/**
 * The graph's layout, off the page's main thread: elkjs runs in a Web Worker
 * (`/console/elk-worker.js`, elkjs's own worker build copied there by `build.ts`), so the page's
 * bundle holds only elkjs's small message API. The worker's 1.6 MB script loads and compiles in
 * parallel with the page's reads instead of before them: the bundle was 1.5 MB, mostly elkjs, and
 * the page's script started 450-700 ms after navigation on a quiet machine
 * (benchmarks/console.bench.ts).
 */

import type { ElkNode } from "elkjs/lib/elk-api.js";
import ElkApi from "elkjs/lib/elk-api.js";
import type { Graph } from "./graph-model.js";
import { ConsoleError } from "./sign.js";

/** A node's box, in the layout's units (px at zoom 1). */
export const W = 150;
export const H = 34;

export interface Placed {
  readonly positions: Map<string, { x: number; y: number }>;
  readonly width: number;
  readonly height: number;
}

// Every node has one creator, so the graph is a forest: mrtree lays it out in about half of
// layered's time at 1,000 nodes (benchmarks/console.bench.ts). The page draws its own edges from
// the nodes' positions, so elk's edge routes are not used: the cheapest routing (MIDDLE_TO_MIDDLE,
// a straight line; NONE fails in mrtree) took the 1,000-node layout from about 530-620 ms to
// 310-440 ms in Node (the default, AVOID_OVERLAP, routes around nodes).
const LAYOUT = {
  "elk.algorithm": "mrtree",
  "elk.mrtree.edgeRoutingMode": "MIDDLE_TO_MIDDLE",
  "elk.direction": "RIGHT",
  "elk.spacing.nodeNode": "12",
  "elk.mrtree.weighting": "DESCENDANTS",
  "elk.separateConnectedComponents": "true",
};

interface Elk {
  layout(graph: ElkNode): Promise<ElkNode>;
}
// elkjs ships CommonJS typed as an ES default export; under NodeNext the default is the module.
const ELK = ((ElkApi as unknown as { default?: unknown }).default ?? ElkApi) as new (options: {
  algorithms: string[];
  workerFactory: (url?: string) => Worker;
}) => Elk;

let worker: { elk: Elk; failed: Promise<never>; warmed: Promise<void> } | undefined;

/**
 * Start the layout worker (once) and warm it up: elkjs is compiled Java and its first layout pays
 * for the JIT; a small tree laid out while the page's reads are in flight took the 1,000-node
 * layout from 1.2-1.6 s to 0.8-1.2 s (console.bench.ts). Call it as early as the page knows it
 * will draw a graph.
 */
export function startLayout(): void {
  if (worker !== undefined) return;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  // A worker that cannot load (a stale build, a proxy that drops the file) fires `error` and never
  // answers: the page says so instead of waiting for ever.
  failed.catch(() => undefined);
  const elk = new ELK({
    algorithms: ["mrtree"],
    workerFactory: () => {
      const w = new Worker(new URL("./elk-worker.js", location.href));
      w.addEventListener("error", (ev) => {
        ev.preventDefault();
        fail(
          new ConsoleError("LAYOUT", `the graph's layout worker failed: ${ev.message || "it did not load"}`),
        );
        // The next drawing (a live redraw, a return to the graph) starts a new worker.
        w.terminate();
        if (worker?.elk === elk) worker = undefined;
      });
      return w;
    },
  });
  const children = Array.from({ length: 120 }, (_, i) => ({ id: `w${i}`, width: W, height: H }));
  const edges = children
    .slice(1)
    .map((c, i) => ({ id: `we${i}`, sources: [`w${Math.floor(i / 8)}`], targets: [c.id] }));
  const warmed = elk.layout({ id: "warm", layoutOptions: LAYOUT, children, edges }).then(
    () => undefined,
    () => undefined,
  );
  worker = { elk, failed, warmed };
}

/** Resolves once the worker has loaded and done its warm-up; rejects if it failed. */
export function layoutWarm(): Promise<void> {
  startLayout();
  return Promise.race([worker!.warmed, worker!.failed]);
}

/** Lay `graph` out left to right in the worker (after its warm-up, which the worker does first). */
export async function layout(graph: Graph): Promise<Placed> {
  startLayout();
  const w = worker!;
  const out = await Promise.race([
    w.elk.layout({
      id: "root",
      layoutOptions: LAYOUT,
      children: graph.nodes.map((n) => ({ id: n.id, width: W, height: H })),
      edges: graph.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
    }),
    w.failed,
  ]);
  const positions = new Map<string, { x: number; y: number }>();
  for (const c of out.children ?? []) positions.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
  return { positions, width: out.width ?? 0, height: out.height ?? 0 };
}
