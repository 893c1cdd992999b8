/// <reference lib="dom" />
/**
 * An optimizer's (or root actor's) page: the explanation in sentences, its three parts as its spec
 * declares them, its line of creators, its steps as a plot (the proxy against the intended measure
 * per episode, the Goodhart detector's alarm marked), its findings with links to their entries,
 * and a halt signed in the page.
 */
import {
  type ConsoleExplain,
  type Explanation,
  type Finding,
  getJson,
  isConsoleExplain,
  isEpisodeSeries,
  isExplanation,
  isFindings,
  isWorldModelTables,
  type WorldModelTables,
} from "./api.js";
import { el, empty, entryLink, errorBox, loading, nameLink, replace } from "./dom.js";
import { alarmsOf, episodePlot } from "./episode-plot.js";
import { signAndPost, writeResult } from "./signer-panel.js";

export function optimizerPage(
  name: string,
  refresh: () => void,
): { element: HTMLElement; ready: Promise<void> } {
  const root = el("section", { "aria-labelledby": "opt-title" });
  const head = () => el("h2", { id: "opt-title" }, name);
  root.append(head(), loading(`${name}'s explanation`));
  const enc = encodeURIComponent(name);
  const ready = (async () => {
    let e: Explanation;
    let text: ConsoleExplain | undefined;
    try {
      [e, text] = await Promise.all([
        getJson(`/v1/optimizers/${enc}`, isExplanation, "an explanation"),
        getJson(`/console/api/explain/${enc}`, isConsoleExplain, "{ sentences: [...] }").catch(
          () => undefined,
        ),
      ]);
    } catch (err) {
      root.replaceChildren(head(), errorBox(err));
      return;
    }
    const findingsBox = el("div", { class: "findings" }, loading("findings"));
    const plotBox =
      e.kind === "optimizer"
        ? el("div", { class: "plot-box", id: "episode-plot" }, loading("the episodes"))
        : null;
    replace(
      root,
      el(
        "h2",
        { id: "opt-title" },
        name,
        " ",
        el("span", { class: "pill" }, e.kind === "actor" ? "root actor" : e.halted ? "halted" : "running"),
      ),
      el(
        "p",
        { class: "chain" },
        "Line of creators: ",
        ...[name, ...e.lineage].flatMap((n, i) => (i === 0 ? [el("strong", {}, n)] : [" ← ", nameLink(n)])),
      ),
      el("h3", {}, "Explanation"),
      text && text.sentences.length > 0
        ? el(
            "div",
            { class: "sentences" },
            ...text.sentences.filter((s) => s.trim() !== "").map((s) => el("p", {}, s)),
          )
        : el("p", {}, `${e.name} was created by ${e.createdBy ?? "?"} at entry #${e.createdAt ?? "?"}.`),
      partsView(text),
      text?.worldModel != null && isWorldModelTables(text.worldModel)
        ? worldModelView(text.worldModel)
        : null,
      plotBox ? el("h3", {}, "Proxy against the intended measure, per episode") : null,
      plotBox,
      e.kind === "optimizer" ? haltBox(e, refresh) : null,
      el("h3", {}, "Findings"),
      findingsBox,
      e.concerns.length > 0
        ? el(
            "div",
            {},
            el("h3", {}, "Concerns"),
            el(
              "ul",
              {},
              ...e.concerns.map((c) =>
                el(
                  "li",
                  {},
                  el("code", {}, c.code),
                  ` ${c.level}: ${c.message} `,
                  ...c.entries.map(entryLink),
                ),
              ),
            ),
          )
        : null,
      e.children.length > 0
        ? el("p", {}, "Created: ", ...e.children.flatMap((c, i) => (i ? [", ", nameLink(c)] : [nameLink(c)])))
        : null,
    );
    const [series, findings] = await Promise.allSettled([
      plotBox ? getJson(`/console/api/episodes/${enc}`, isEpisodeSeries, "an episode series") : undefined,
      getJson("/v1/findings", isFindings, "{ findings: [...] }").then((f) =>
        f.findings.filter((x) => x.optimizer === name),
      ),
    ]);
    if (findings.status === "fulfilled") findingsBox.replaceChildren(findingsList(findings.value));
    else findingsBox.replaceChildren(errorBox(findings.reason));
    if (plotBox !== null) {
      if (series.status === "rejected") plotBox.replaceChildren(errorBox(series.reason));
      else if (series.value !== undefined)
        plotBox.replaceChildren(
          episodePlot(
            series.value,
            findings.status === "fulfilled" ? alarmsOf(findings.value) : [],
            findings.status === "fulfilled",
          ),
        );
    }
  })();
  return { element: root, ready };
}

function partsView(text: ConsoleExplain | undefined): HTMLElement | null {
  if (text?.parts == null)
    return el(
      "p",
      { class: "empty" },
      "No spec was recorded with this creation, so its parts cannot be shown.",
    );
  return el(
    "div",
    { class: "parts" },
    ...text.parts.map((p) =>
      el(
        "section",
        { class: "part" },
        el("h3", {}, p.title),
        el("ul", {}, ...p.lines.map((l) => el("li", {}, l))),
      ),
    ),
  );
}

/** The world model as tables: its variables, then each local model's rows. */
function worldModelView(w: WorldModelTables): HTMLElement | null {
  if (w.variables.length === 0 && w.localModels.length === 0) return null;
  const cell = (v: unknown) => el("td", {}, String(v));
  const title =
    w.name === null
      ? "World model: declared variables"
      : `World model ${w.name}${w.implicit ? " (the explicit twin of an implicit model)" : ""}`;
  return el(
    "section",
    { class: "world-model", "aria-labelledby": "wm-title" },
    el("h3", { id: "wm-title" }, title),
    el(
      "table",
      { class: "wm-variables" },
      el("caption", {}, `${w.variables.length} variable${w.variables.length === 1 ? "" : "s"}`),
      el(
        "thead",
        {},
        el("tr", {}, ...["variable", "values", "role"].map((h) => el("th", { scope: "col" }, h))),
      ),
      el(
        "tbody",
        {},
        ...w.variables.map((v) =>
          el(
            "tr",
            {},
            el("th", { scope: "row" }, el("code", {}, v.name)),
            cell(v.domain),
            cell(v.tags.join(", ")),
          ),
        ),
      ),
    ),
    ...w.localModels.map((m) =>
      el(
        "div",
        { class: "wm-table-box", tabindex: 0, role: "region", "aria-label": `local model ${m.name}` },
        el(
          "table",
          { class: "wm-local", "data-model": m.name },
          el(
            "caption",
            {},
            el("code", {}, m.name),
            ` (${m.kind})${m.description ? `: ${m.description}` : ""}`,
            m.rows.length < m.totalRows ? `; the first ${m.rows.length} of ${m.totalRows} rows` : "",
          ),
          el("thead", {}, el("tr", {}, ...m.columns.map((c) => el("th", { scope: "col" }, c)))),
          el("tbody", {}, ...m.rows.map((r) => el("tr", {}, ...r.map(cell)))),
        ),
      ),
    ),
  );
}

export function findingsList(findings: readonly Finding[]): HTMLElement {
  if (findings.length === 0) return empty("No findings.");
  return el(
    "ul",
    { class: "finding-list" },
    ...findings.map((f) =>
      el(
        "li",
        { class: `sev-${f.severity}`, tabindex: 0 },
        el("span", { class: `pill sev-${f.severity}` }, f.severity),
        " ",
        el("code", {}, `${f.detector}/${f.code}`),
        " ",
        f.message,
        " ",
        ...(f.evidence?.entries ?? []).slice(0, 12).flatMap((i) => [entryLink(i), " "]),
      ),
    ),
  );
}

function haltBox(e: Explanation, refresh: () => void): HTMLElement {
  if (e.halted)
    return el(
      "p",
      { class: "halted" },
      `Halted by ${e.halted.by} at `,
      entryLink(e.halted.index),
      e.halted.reason ? `: ${e.halted.reason}` : "",
    );
  const reason = el("input", { type: "text", placeholder: "reason", "aria-label": "reason for the halt" });
  const descendants = el("input", { type: "checkbox", "aria-label": "halt its descendants too" });
  const result = el("div", { class: "result" });
  return el(
    "div",
    { class: "actions halt" },
    reason,
    el("label", {}, descendants, " and everything it created"),
    el(
      "button",
      {
        type: "button",
        class: "halt-button",
        onclick: () =>
          writeResult(
            signAndPost({
              kind: "halt",
              optimizer: e.name,
              descendants: descendants.checked,
              reason: reason.value || undefined,
            }),
            result,
            refresh,
          ),
      },
      "Halt (sign)",
    ),
    result,
  );
}
