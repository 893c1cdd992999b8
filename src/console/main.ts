/// <reference lib="dom" />
/**
 * The overseer's console: a single page served by `optprov serve` under `/console/`, reading the
 * server's JSON API. Pages by hash route (`#/graph`, `#/optimizer/<name>`, `#/review`,
 * `#/accountability`, `#/entry/<index>`), so the static files need no server-side routing.
 *
 * Live updates: the page polls the log's size (`GET /v1/entries?start=0&end=0`, answered from the
 * store, so it sees entries written by other processes too) and the checkpoint, and redraws the
 * page on view when either grows, swapping the new page in when it is ready (`route`).
 */
import { accountabilityPage, entryPage } from "./accountability-view.js";
import { getJson, isCheckpoint, isSize } from "./api.js";
import { el } from "./dom.js";
import { graphPage } from "./graph-view.js";
import { optimizerPage } from "./optimizer-view.js";
import { reviewPage } from "./review-view.js";
import { signerPanel } from "./signer-panel.js";

performance.mark("console:start");
const POLL_MS = Number(new URLSearchParams(location.search).get("poll") ?? 2000) || 2000;

const main = el("main", { id: "main", tabindex: -1 });
const sizeBadge = el("span", { class: "size", id: "log-size", role: "status" }, "");
const flash = el("div", { id: "flash", role: "status", "aria-live": "polite" });
const nav = el(
  "nav",
  { "aria-label": "pages" },
  ...(
    [
      ["#/graph", "Graph"],
      ["#/review", "Review queue"],
      ["#/accountability", "Accountability"],
    ] as const
  ).map(([href, label]) => el("a", { href, "data-page": href.slice(2) }, label)),
);
document.body.replaceChildren(
  el(
    "header",
    {},
    el("h1", {}, el("a", { href: "#/graph" }, "optprov console")),
    nav,
    sizeBadge,
    signerPanel(),
    flash,
  ),
  main,
);

let seen = { size: -1, checkpoint: -1 };

let generation = 0;
/** Whether a live redraw is being built: the next poll waits for it rather than start another. */
let building = false;

/**
 * Show the page the hash names. A refresh of the page on view (`live`: the log grew) builds the new
 * page off screen and swaps it in once it is ready, keeping the focused element and the scroll, so
 * entries arriving every few seconds neither flash a loading state nor take the overseer's place.
 */
function route(live = false): void {
  const mine = ++generation;
  const hash = location.hash || "#/graph";
  const [path = "", query = ""] = hash.slice(2).split("?");
  const [page = "graph", arg] = path.split("/");
  for (const a of Array.from(nav.querySelectorAll("a")))
    a.toggleAttribute("aria-current", a.dataset.page === page);
  const refresh = () => void poll(true);
  let view: { element: HTMLElement; ready: Promise<void> };
  switch (page) {
    case "optimizer":
      view = optimizerPage(decodeURIComponent(arg ?? ""), refresh);
      break;
    case "review": {
      const item = new URLSearchParams(query).get("item");
      view = reviewPage(item === null ? undefined : Number(item), refresh);
      break;
    }
    case "accountability":
      view = accountabilityPage();
      break;
    case "entry":
      view = entryPage(arg ?? "");
      break;
    default:
      view = graphPage((href) => {
        location.hash = href;
      });
  }
  main.setAttribute("aria-busy", "true");
  if (!live || main.childElementCount === 0) {
    main.replaceChildren(view.element);
    void view.ready.finally(() => {
      if (mine === generation) main.setAttribute("aria-busy", "false");
    });
    return;
  }
  building = true;
  void view.ready.finally(() => {
    building = false;
    if (mine !== generation) return;
    const focused = document.activeElement instanceof Element ? focusKey(document.activeElement) : undefined;
    const scroll = [window.scrollX, window.scrollY] as const;
    main.replaceChildren(view.element);
    window.scrollTo(...scroll);
    if (focused !== undefined)
      main.querySelector<HTMLElement | SVGElement>(focused)?.focus({ preventScroll: true });
    main.setAttribute("aria-busy", "false");
  });
}

/** A selector that finds the same control in a redrawn page: a graph node or a queue item, else an element's id. */
function focusKey(e: Element): string | undefined {
  if (!main.contains(e)) return undefined;
  const id = e.getAttribute("data-id");
  if (id !== null) return `[data-id="${CSS.escape(id)}"]`;
  const index = e.getAttribute("data-index");
  if (index !== null) return `[data-index="${CSS.escape(index)}"]`;
  return e.id === "" ? undefined : `#${CSS.escape(e.id)}`;
}

/** Look at the log's size and checkpoint; redraw the page on view when either grew (or `force`). */
async function poll(force = false): Promise<void> {
  try {
    const [{ size }, cp] = await Promise.all([
      getJson("/v1/entries?start=0&end=0", isSize, "{ size }"),
      getJson("/v1/checkpoint", isCheckpoint, "a checkpoint").catch(() => undefined),
    ]);
    const next = { size, checkpoint: cp?.size ?? -1 };
    sizeBadge.textContent = `log size ${size}${cp ? ` · checkpoint ${cp.size}` : ""}`;
    sizeBadge.dataset.size = String(size);
    const grew = seen.size >= 0 && (next.size > seen.size || next.checkpoint > seen.checkpoint);
    // A redraw would drop what someone is typing (a reason, a key): wait until they leave the field.
    const typing = document.activeElement?.matches("main input, main textarea, main select") === true;
    // A redraw slower than the polls (a slow audit, a large layout) would otherwise be replaced by
    // the next one before it is shown, and the page would never catch up: let it finish first.
    if (grew && (typing || building) && !force) return;
    seen = next;
    if (grew || force) route(true);
  } catch (err) {
    sizeBadge.textContent = `log size unknown (${(err as Error).message})`;
  }
}

window.addEventListener("hashchange", () => route());
route();
void poll();
setInterval(() => void poll(), POLL_MS);
