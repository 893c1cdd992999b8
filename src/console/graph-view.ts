/// <reference lib="dom" />
/**
 * The provenance graph page: elkjs lays out the creator edges (a tree, left to right, so a long
 * line of creators reads as a sentence), the page draws SVG, and the viewport zooms and pans by a
 * transform on one group, so 1,000 nodes are laid out once and never re-drawn to move.
 * Filters hide nodes (and the edges that touch them) without a new layout, so the map stays put.
 * The layout runs in a worker (`graph-layout.ts`), started before the reads go out.
 */
import { type Finding, getJson, isFindings, isOptimizers, isReview, isTree } from "./api.js";
import { el, empty, errorBox, loading, svg } from "./dom.js";
import { H, layout, layoutWarm, type Placed, W } from "./graph-layout.js";
import {
  addFindings,
  buildGraph,
  type Graph,
  type NodeStatus,
  passes,
  SEVERITIES,
  type Severity,
  STATUSES,
} from "./graph-model.js";

/**
 * What outlives one drawing of the graph: the viewport and the filters (a redraw when entries
 * arrive, or a return from an optimizer's page, finds the map where the overseer left it), and the
 * last layout with the structure it was made for: positions depend only on the nodes and edges, so
 * entries that change no structure (steps, findings, approvals of existing nodes) cost no layout.
 */
const kept: {
  view: { x: number; y: number; k: number } | undefined;
  shown: Set<NodeStatus>;
  minSeverity: Severity | "any";
  layout: { key: string; placed: Placed } | undefined;
  /** The last audit's findings: a redraw shows their badges until the audit is read again. */
  findings: readonly Finding[] | undefined;
} = { view: undefined, shown: new Set(STATUSES), minSeverity: "any", layout: undefined, findings: undefined };

const structureKey = (graph: Graph): string =>
  `${graph.nodes.map((n) => n.id).join("\n")}\n\n${graph.edges.map((e) => e.id).join("\n")}`;

export interface GraphPage {
  readonly element: HTMLElement;
  /** Resolves once the graph is drawn (or an error shown). */
  readonly ready: Promise<void>;
}

const STATUS_LABEL: Record<NodeStatus, string> = {
  running: "running",
  halted: "halted",
  pending: "pending approval",
  denied: "denied",
  unapproved: "unapproved",
  actor: "root actor",
};

/** The graph page. `open` follows a node's link (Enter or click). */
export function graphPage(open: (href: string) => void): GraphPage {
  const root = el("section", { class: "graph-page", "aria-labelledby": "graph-title" });
  root.append(el("h2", { id: "graph-title" }, "Provenance graph"), loading("the provenance graph"));
  const failed = (err: unknown) =>
    root.replaceChildren(el("h2", { id: "graph-title" }, "Provenance graph"), errorBox(err));
  const ready = (async () => {
    let graph: Graph;
    // The worker loads and warms up while the reads are in flight.
    const warm = layoutWarm();
    warm.catch(() => undefined); // awaited below, unless a read fails first
    try {
      const [tree, opt, review] = await Promise.all([
        getJson("/v1/tree", isTree, "{ roots: [...] }"),
        getJson("/v1/optimizers", isOptimizers, "{ optimizers: [...] }"),
        getJson("/v1/review", isReview, "{ items: [...] }"),
      ]);
      graph = buildGraph(tree.roots, opt.optimizers, review.items);
      if (kept.findings !== undefined) addFindings(graph, kept.findings);
    } catch (err) {
      failed(err);
      return;
    }
    if (graph.nodes.length === 0) {
      root.replaceChildren(
        el("h2", { id: "graph-title" }, "Provenance graph"),
        empty("The ledger has no actors or optimizers yet."),
      );
      return;
    }
    let placed: Placed;
    const key = structureKey(graph);
    try {
      if (kept.layout?.key === key) placed = kept.layout.placed;
      else {
        await warm;
        performance.mark("console:layout-start");
        placed = await layout(graph);
        performance.mark("console:layout-end");
        kept.layout = { key, placed };
      }
    } catch (err) {
      failed(err);
      return;
    }
    draw(root, graph, placed, open);
    performance.mark("console:graph-painted");
    // Findings come from a full audit of the ledger; the graph does not wait for them.
    void getJson("/v1/findings", isFindings, "{ verify, findings: [...] }")
      .then((f) => {
        kept.findings = f.findings;
        addFindings(graph, f.findings);
        for (const n of graph.nodes) {
          const g = root.querySelector<SVGGElement>(`g.node[data-id="${CSS.escape(n.id)}"]`);
          g?.querySelector(".badge")?.remove();
          if (g && n.severity !== undefined) g.append(badge(n.severity, n.findings));
          g?.setAttribute("data-severity", n.severity ?? "");
        }
        root.dispatchEvent(new Event("findings"));
      })
      .catch((err: unknown) => root.querySelector(".graph-notes")?.replaceChildren(errorBox(err)));
  })();
  return { element: root, ready };
}

function badge(severity: Severity, count: number): SVGGElement {
  const g = svg("g", { class: `badge sev-${severity}`, transform: `translate(${W - 6},-6)` });
  g.append(svg("circle", { r: 9 }));
  const t = svg("text", { "text-anchor": "middle", dy: 4 });
  t.textContent = String(count);
  const title = svg("title", {});
  title.textContent = `${count} finding${count === 1 ? "" : "s"}, worst ${severity}`;
  g.append(t, title);
  return g;
}

function draw(root: HTMLElement, graph: Graph, placed: Placed, open: (href: string) => void): void {
  const shown = kept.shown;
  const fresh = kept.view === undefined;
  kept.view ??= { x: 20, y: 20, k: 1 };
  const view = kept.view;

  const canvas = svg("svg", {
    class: "graph",
    role: "group",
    "aria-label": `provenance graph, ${graph.nodes.length} nodes`,
  });
  const world = svg("g", {});
  const edgeLayer = svg("g", { class: "edges" });
  const nodeLayer = svg("g", { class: "nodes" });
  world.append(edgeLayer, nodeLayer);
  canvas.append(world);
  const apply = () => world.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);

  const edgeEls = new Map<string, SVGPathElement>();
  for (const e of graph.edges) {
    const a = placed.positions.get(e.source);
    const b = placed.positions.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    const p = svg("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, "data-edge": e.id });
    edgeLayer.append(p);
    edgeEls.set(e.id, p);
  }
  const nodeEls = new Map<string, SVGGElement>();
  for (const n of graph.nodes) {
    const pos = placed.positions.get(n.id) ?? { x: 0, y: 0 };
    // Who let it exist: the approvers of its creation, or how far a pending request has come.
    const approval =
      n.approvals !== undefined
        ? `, ${n.approvals} approvals`
        : n.approvedBy.length > 0
          ? `, approved by ${n.approvedBy.join(", ")}`
          : "";
    const g = svg("g", {
      class: `node st-${n.status}`,
      transform: `translate(${pos.x},${pos.y})`,
      tabindex: 0,
      role: "link",
      "data-id": n.id,
      "data-status": n.status,
      "data-approved-by": n.approvedBy.join(" "),
      "aria-label": `${n.label}, ${STATUS_LABEL[n.status]}${n.process ? `, ${n.process}` : ""}${approval}`,
    });
    g.append(svg("rect", { width: W, height: H, rx: n.status === "actor" ? 17 : 5 }));
    const t = svg("text", { x: 10, y: 14 });
    t.textContent = n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label;
    const sub = svg("text", { x: 10, y: 27, class: "sub" });
    sub.textContent = n.status === "actor" ? "root" : `${n.process ?? "?"} · ${STATUS_LABEL[n.status]}`;
    const title = svg("title", {});
    title.textContent = `${n.label} (${STATUS_LABEL[n.status]}${approval}) #${n.index}`;
    g.append(t, sub, title);
    if (n.severity !== undefined) {
      g.append(badge(n.severity, n.findings));
      g.setAttribute("data-severity", n.severity);
    }
    g.addEventListener("click", () => open(n.href));
    g.addEventListener("keydown", (ev) => {
      // role="link" answers Enter; Space too, as on a button, without scrolling the page.
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        open(n.href);
      }
    });
    // Tabbing through 1,000 nodes leaves the view: bring the focused one into it.
    g.addEventListener("focus", () => reveal(pos.x, pos.y));
    nodeLayer.append(g);
    nodeEls.set(n.id, g);
  }

  const refilter = () => {
    let visible = 0;
    const on = new Set<string>();
    for (const n of graph.nodes) {
      const ok = passes(n, shown, kept.minSeverity);
      if (ok) {
        on.add(n.id);
        visible++;
      }
      nodeEls.get(n.id)?.classList.toggle("hidden", !ok);
    }
    for (const e of graph.edges)
      edgeEls.get(e.id)?.classList.toggle("hidden", !(on.has(e.source) && on.has(e.target)));
    count.textContent = `${visible} of ${graph.nodes.length} nodes shown`;
  };

  /** Pan so the node at (x, y) (layout units) is inside the view, with a margin. */
  const reveal = (x: number, y: number) => {
    const r = canvas.getBoundingClientRect();
    const m = 24;
    const left = view.x + x * view.k;
    const top = view.y + y * view.k;
    const right = left + W * view.k;
    const bottom = top + H * view.k;
    if (left < m) view.x += m - left;
    else if (right > r.width - m) view.x -= right - (r.width - m);
    if (top < m) view.y += m - top;
    else if (bottom > r.height - m) view.y -= bottom - (r.height - m);
    apply();
  };

  // Zoom around the pointer; drag to pan; keys and buttons for those without a pointer.
  const zoom = (factor: number, cx: number, cy: number) => {
    const k = Math.min(4, Math.max(0.05, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  };
  /** Fit the whole graph in view; at first no smaller than `floor`, so labels stay legible (pan for the rest). */
  const fitView = (floor = 0.05) => {
    const r = canvas.getBoundingClientRect();
    const k = Math.min(
      1,
      (r.width - 40) / Math.max(1, placed.width),
      (r.height - 40) / Math.max(1, placed.height),
    );
    view.k = Math.max(floor, k);
    view.x = 20;
    view.y = 20;
    apply();
  };
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
    },
    { passive: false },
  );
  let drag: { x: number; y: number } | undefined;
  canvas.addEventListener("pointerdown", (ev) => {
    if ((ev.target as Element).closest("g.node")) return;
    drag = { x: ev.clientX - view.x, y: ev.clientY - view.y };
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    view.x = ev.clientX - drag.x;
    view.y = ev.clientY - drag.y;
    apply();
  });
  canvas.addEventListener("pointerup", () => {
    drag = undefined;
  });

  const count = el("span", { class: "count", role: "status" });
  const statusBoxes = STATUSES.map((s) =>
    el(
      "label",
      { class: `chip st-${s}` },
      el("input", {
        type: "checkbox",
        checked: shown.has(s),
        "data-status": s,
        onchange: (ev: Event) => {
          if ((ev.target as HTMLInputElement).checked) shown.add(s);
          else shown.delete(s);
          refilter();
        },
      }),
      STATUS_LABEL[s],
    ),
  );
  const severitySelect = el(
    "select",
    {
      "aria-label": "minimum finding severity",
      onchange: (ev: Event) => {
        kept.minSeverity = (ev.target as HTMLSelectElement).value as Severity | "any";
        refilter();
      },
    },
    el("option", { value: "any", selected: kept.minSeverity === "any" }, "any findings or none"),
    ...SEVERITIES.map((s) =>
      el(
        "option",
        { value: s, selected: kept.minSeverity === s },
        `a finding ${s}${s === "low" ? "" : " or worse"}`,
      ),
    ),
  );
  const button = (label: string, title: string, act: () => void) =>
    el("button", { type: "button", title, onclick: act }, label);
  const center = () => {
    const r = canvas.getBoundingClientRect();
    return [r.width / 2, r.height / 2] as const;
  };
  const toolbar = el(
    "div",
    { class: "toolbar", role: "toolbar", "aria-label": "graph filters and zoom" },
    el("fieldset", {}, el("legend", {}, "Status"), ...statusBoxes),
    el("label", {}, "Severity ", severitySelect),
    button("+", "zoom in", () => zoom(1.25, ...center())),
    button("−", "zoom out", () => zoom(1 / 1.25, ...center())),
    button("Fit", "fit the graph in view", () => fitView()),
    count,
  );
  // The canvas itself is a tab stop: arrow keys pan it, + and − zoom, 0 fits.
  canvas.setAttribute("tabindex", "0");
  canvas.addEventListener("keydown", (ev) => {
    if (ev.target !== canvas && !(ev.target as Element).closest?.("g.node")) return;
    const step = 60;
    const pan: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const d = pan[ev.key];
    if (d !== undefined) {
      view.x += d[0];
      view.y += d[1];
      apply();
    } else if (ev.key === "+" || ev.key === "=") zoom(1.25, ...center());
    else if (ev.key === "-") zoom(1 / 1.25, ...center());
    else if (ev.key === "0") fitView();
    else return;
    ev.preventDefault();
  });
  root.replaceChildren(
    el("h2", { id: "graph-title" }, "Provenance graph"),
    toolbar,
    el("div", { class: "graph-notes" }),
    el("div", { class: "graph-frame" }, canvas),
    legend(),
  );
  apply();
  refilter();
  root.addEventListener("findings", refilter);
  if (fresh) requestAnimationFrame(() => fitView(0.45));
}

function legend(): HTMLElement {
  return el(
    "p",
    { class: "legend" },
    "Edges run from creator to created. Badges count findings, coloured by the worst. Drag to pan, wheel to zoom; from the keyboard, Tab to the graph, arrow keys to pan, + and − to zoom, 0 to fit; Tab to a node and Enter or Space to open it.",
  );
}
