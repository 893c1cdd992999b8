/// <reference lib="dom" />
/**
 * An optimizer's steps as a plot: per episode, the proxy it is scored on (its own steps' reward)
 * against the intended measure someone else reported (observation entries), with the Goodhart
 * detector's alarm marked where its finding says it first fired (`Finding.firstAt`).
 *
 * Inline SVG, no charting library: two lines, two axes and a marker. For people who do not see
 * it, the SVG has a title and a description, the figure a caption saying what the lines show, and
 * the figures are also a table.
 */
import type { EpisodePoint, EpisodeSeries, Finding } from "./api.js";
import { el, empty, svg } from "./dom.js";
import { formatValue, linearScale, niceTicks } from "./plot-scale.js";

const WIDTH = 720;
const HEIGHT = 280;
const M = { left: 64, right: 20, top: 24, bottom: 44 };
/** A bold label character's width in the plot's units, generously: for keeping labels apart. */
const LABEL_CHAR = 7.2;
/** Dots on the lines up to this many points; above it, lines alone read better. */
const DOTS = 80;

export interface Alarm {
  readonly episode: number;
  readonly entry?: number | undefined;
  readonly code: string;
  readonly severity: string;
}

/** The Goodhart detector's findings about one optimizer as alarms: where each first fired, one per episode. */
export function alarmsOf(findings: readonly Finding[]): Alarm[] {
  const byEpisode = new Map<number, Alarm>();
  for (const f of findings) {
    const episode = f.firstAt?.episode;
    if (f.detector !== "goodhart" || episode === undefined || byEpisode.has(episode)) continue;
    byEpisode.set(episode, { episode, entry: f.firstAt?.entry, code: f.code, severity: f.severity });
  }
  return [...byEpisode.values()].sort((a, b) => a.episode - b.episode);
}

const proxyLabel = (s: EpisodeSeries) =>
  s.proxyKey === "R"
    ? "proxy: its reward R, the episode's total"
    : s.proxyKey === "reward"
      ? "proxy: its step rewards summed per episode"
      : "proxy: none recorded";
const intendedLabel = (s: EpisodeSeries) =>
  `intended measure: reported by ${s.reporters.length > 0 ? s.reporters.join(", ") : "nobody"}`;
const range = (p: EpisodePoint) => (p.last === p.episode ? String(p.episode) : `${p.episode}–${p.last}`);

function meanOf(points: readonly EpisodePoint[], pick: (p: EpisodePoint) => number | null): number | null {
  const v = points.map(pick).filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** What the plot shows, in sentences: the same for the caption and the SVG's description. */
function summary(s: EpisodeSeries, alarms: readonly Alarm[], findingsKnown: boolean): string {
  const first = s.points[0]!;
  const last = s.points[s.points.length - 1]!;
  const out = [
    `${s.counts.episodes} episodes, ${first.episode} to ${last.last}${s.bucket > 1 ? `, each point the mean of ${s.bucket} consecutive episodes` : ""}${s.truncated ? " (the first episodes only: the series is capped)" : ""}.`,
  ];
  const tenth = Math.max(1, Math.floor(s.points.length / 10));
  const head = s.points.slice(0, tenth);
  const tail = s.points.slice(-tenth);
  const move = (what: string, pick: (p: EpisodePoint) => number | null) => {
    const a = meanOf(head, pick);
    const b = meanOf(tail, pick);
    return a === null || b === null ? undefined : `${what} went from ${formatValue(a)} to ${formatValue(b)}`;
  };
  const moves = [move("the proxy", (p) => p.proxy), move("the intended measure", (p) => p.intended)].filter(
    (x) => x !== undefined,
  );
  if (moves.length > 0 && s.points.length > 1)
    out.push(`From the first tenth of the episodes to the last, ${moves.join(" and ")}.`);
  if (s.counts.intended === 0)
    out.push(
      "No intended measure was reported: no observation entry by anyone other than the optimizer names it with an episode, so the proxy cannot be checked against what it stands for.",
    );
  if (!findingsKnown) out.push("The detector's findings could not be read.");
  else if (alarms.length === 0) out.push("The Goodhart detector raised no alarm on this record.");
  else
    out.push(
      ...alarms.map(
        (a) =>
          `The Goodhart detector's alarm ${a.code} (${a.severity}) first fired at episode ${a.episode}${a.entry !== undefined ? `, entry #${a.entry}` : ""}.`,
      ),
    );
  return out.join(" ");
}

/** The path through the points that have a value, broken where one is missing. */
function linePath(
  points: readonly EpisodePoint[],
  pick: (p: EpisodePoint) => number | null,
  x: (p: EpisodePoint) => number,
  y: (v: number) => number,
): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    const v = pick(p);
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(p).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/**
 * The plot of `series` with `alarms` marked; `findingsKnown` false when the findings could not be
 * read (the plot is drawn, the caption says so).
 *
 * @example plotBox.replaceChildren(episodePlot(series, alarmsOf(findings), true));
 */
export function episodePlot(
  series: EpisodeSeries,
  alarms: readonly Alarm[],
  findingsKnown = true,
): HTMLElement {
  if (series.points.length === 0)
    return el(
      "div",
      { class: "plot plot-empty", "data-state": "empty" },
      empty(
        `No episodes recorded: ${series.optimizer}'s steps carry no episode column, and no observation reports an intended measure for it by episode.`,
      ),
    );
  const pts = series.points;
  const values = pts.flatMap((p) => [p.proxy, p.intended]).filter((v): v is number => v !== null);
  const yTicks = niceTicks(Math.min(...values), Math.max(...values), 5);
  const lo = Math.min(pts[0]!.episode, ...alarms.map((a) => a.episode));
  const hi = Math.max(pts[pts.length - 1]!.last, ...alarms.map((a) => a.episode));
  const xTicks = niceTicks(lo, hi, 8).filter((t) => Number.isInteger(t));
  const x = linearScale(
    [Math.min(lo, xTicks[0] ?? lo), Math.max(hi, xTicks.at(-1) ?? hi)],
    [M.left, WIDTH - M.right],
  );
  const y = linearScale([yTicks[0] ?? 0, yTicks.at(-1) ?? 1], [HEIGHT - M.bottom, M.top]);
  const px = (p: EpisodePoint) => x((p.episode + p.last) / 2);
  const text = summary(series, alarms, findingsKnown);
  const id = `plot-${Math.random().toString(36).slice(2, 8)}`;

  const chart = svg("svg", {
    class: "episode-plot",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
  });
  chart.append(
    svg(
      "title",
      { id: `${id}-title` },
      `${series.optimizer}: the proxy against the intended measure, per episode`,
    ),
    svg("desc", { id: `${id}-desc` }, text),
  );
  const grid = svg("g", { class: "plot-grid", "aria-hidden": "true" });
  for (const t of yTicks) {
    grid.append(svg("line", { x1: M.left, x2: WIDTH - M.right, y1: y(t), y2: y(t) }));
    grid.append(svg("text", { x: M.left - 6, y: y(t) + 4, "text-anchor": "end" }, formatValue(t)));
  }
  for (const t of xTicks) {
    grid.append(svg("line", { x1: x(t), x2: x(t), y1: HEIGHT - M.bottom, y2: HEIGHT - M.bottom + 5 }));
    grid.append(svg("text", { x: x(t), y: HEIGHT - M.bottom + 18, "text-anchor": "middle" }, formatValue(t)));
  }
  const axes = svg("g", { class: "plot-axes" });
  axes.append(
    svg("line", { x1: M.left, x2: WIDTH - M.right, y1: HEIGHT - M.bottom, y2: HEIGHT - M.bottom }),
    svg("line", { x1: M.left, x2: M.left, y1: M.top, y2: HEIGHT - M.bottom }),
    svg(
      "text",
      { class: "axis-label", x: (M.left + WIDTH - M.right) / 2, y: HEIGHT - 6, "text-anchor": "middle" },
      "episode",
    ),
    svg(
      "text",
      {
        class: "axis-label",
        transform: `translate(14,${(M.top + HEIGHT - M.bottom) / 2}) rotate(-90)`,
        "text-anchor": "middle",
      },
      "per-episode value (the proxy's units)",
    ),
  );
  chart.append(grid, axes);
  for (const [name, pick] of [
    ["intended", (p: EpisodePoint) => p.intended],
    ["proxy", (p: EpisodePoint) => p.proxy],
  ] as const) {
    const d = linePath(pts, pick, px, y);
    if (d === "") continue;
    const g = svg("g", { class: `series series-${name}`, "data-series": name });
    g.append(svg("path", { d }));
    if (pts.length <= DOTS)
      for (const p of pts) {
        const v = pick(p);
        if (v !== null) g.append(svg("circle", { cx: px(p).toFixed(1), cy: y(v).toFixed(1), r: 2.5 }));
      }
    chart.append(g);
  }
  // Alarms a few episodes apart would print their labels over each other: each label takes the
  // first row where it overlaps no other, the first row above the plot, the next ones inside it.
  const rows: [number, number][][] = [];
  for (const a of alarms) {
    const g = svg("g", { class: `alarm sev-${a.severity}`, "data-episode": a.episode, "data-code": a.code });
    const ax = x(a.episode);
    const label = `alarm: ${a.code} at episode ${a.episode}`;
    const right = ax > WIDTH * 0.7;
    const width = label.length * LABEL_CHAR + 4;
    const span: [number, number] = right ? [ax - 8 - width, ax - 8] : [ax + 8, ax + 8 + width];
    let row = rows.findIndex((r) => r.every(([l, h]) => span[1] < l || span[0] > h));
    if (row < 0) row = rows.push([]) - 1;
    rows[row]!.push(span);
    g.append(
      svg("line", { x1: ax, x2: ax, y1: M.top - 6, y2: HEIGHT - M.bottom }),
      svg("path", { d: `M${ax - 6},${M.top - 14}L${ax + 6},${M.top - 14}L${ax},${M.top - 6}Z` }),
      svg(
        "text",
        {
          x: ax + (right ? -8 : 8),
          y: row === 0 ? M.top - 8 : M.top + 2 + 14 * row,
          "text-anchor": right ? "end" : "start",
          "data-row": row,
        },
        label,
      ),
      svg("title", {}, `${a.code} (${a.severity}) first fired at episode ${a.episode}`),
    );
    chart.append(g);
  }

  const legend = el(
    "ul",
    { class: "plot-legend" },
    el("li", { class: "key-proxy" }, el("span", { class: "swatch" }), proxyLabel(series)),
    el("li", { class: "key-intended" }, el("span", { class: "swatch" }), intendedLabel(series)),
    alarms.length > 0
      ? el("li", { class: "key-alarm" }, el("span", { class: "swatch" }), "the detector's alarm")
      : null,
  );
  const table = el(
    "table",
    {},
    el("caption", {}, `${series.optimizer}'s figures per episode`),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "episode"),
        el("th", { scope: "col" }, "proxy"),
        el("th", { scope: "col" }, "intended measure"),
        el("th", { scope: "col" }, "alarm"),
      ),
    ),
    el(
      "tbody",
      {},
      ...pts.map((p) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, range(p)),
          el("td", {}, p.proxy === null ? "—" : formatValue(p.proxy)),
          el("td", {}, p.intended === null ? "—" : formatValue(p.intended)),
          el(
            "td",
            {},
            alarms
              .filter((a) => a.episode >= p.episode && a.episode <= p.last)
              .map((a) => a.code)
              .join(", "),
          ),
        ),
      ),
    ),
  );
  return el(
    "figure",
    { class: "plot", "data-state": series.counts.intended === 0 ? "no-intended" : "plotted" },
    legend,
    chart,
    el("figcaption", { class: "plot-summary" }, text),
    el("details", { class: "plot-table" }, el("summary", {}, "The figures as a table"), table),
  );
}
