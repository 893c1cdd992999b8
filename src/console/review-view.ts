/// <reference lib="dom" />
/** The review queue: what waits for overseers, the gate's reasons, and approve / reject signed in the page. */
import { getJson, isReview, type QueueItem } from "./api.js";
import { el, empty, entryLink, errorBox, loading, nameLink } from "./dom.js";
import { signAndPost, writeResult } from "./signer-panel.js";

export function reviewPage(
  focus: number | undefined,
  refresh: () => void,
): { element: HTMLElement; ready: Promise<void> } {
  const root = el(
    "section",
    { "aria-labelledby": "review-title" },
    el("h2", { id: "review-title" }, "Review queue"),
  );
  root.append(loading("the review queue"));
  const ready = (async () => {
    try {
      const { items } = await getJson("/v1/review", isReview, "{ items: [...] }");
      const head = el("h2", { id: "review-title" }, "Review queue");
      if (items.length === 0) {
        root.replaceChildren(head, empty("Nothing has asked for review."));
        return;
      }
      const order = ["pending", "approved", "rejected", "denied", "fulfilled", "in force", "superseded"];
      const sorted = [...items].sort(
        (a, b) => order.indexOf(a.status) - order.indexOf(b.status) || b.index - a.index,
      );
      const list = el("ol", { class: "queue" }, ...sorted.map((i) => itemView(i, refresh)));
      root.replaceChildren(head, list);
      if (focus !== undefined) root.querySelector<HTMLElement>(`[data-index="${focus}"]`)?.focus();
    } catch (err) {
      root.replaceChildren(el("h2", { id: "review-title" }, "Review queue"), errorBox(err));
    }
  })();
  return { element: root, ready };
}

function itemView(i: QueueItem, refresh: () => void): HTMLElement {
  const reasons = i.gate?.reasons ?? [];
  const result = el("div", { class: "result" });
  const reason = el("input", {
    type: "text",
    placeholder: "reason (recorded in the entry)",
    "aria-label": `reason for #${i.index}`,
  });
  const decide = (decision: "approve" | "reject") =>
    writeResult(
      signAndPost({ kind: "approval", parent: i.index, decision, reason: reason.value || undefined }),
      result,
      refresh,
    );
  return el(
    "li",
    {
      class: `item st-${i.status.replace(" ", "-")}`,
      tabindex: 0,
      "data-index": i.index,
      "data-status": i.status,
    },
    el(
      "div",
      { class: "item-head" },
      el("span", { class: `pill st-${i.status.replace(" ", "-")}` }, i.status),
      " ",
      entryLink(i.index),
      " ",
      el("strong", {}, i.asks),
    ),
    el(
      "p",
      { class: "meta" },
      `${i.kind} · asked by `,
      nameLink(i.by),
      ` · ${i.time} · ${i.approvals.filter((a) => a.decision === "approve" && i.counted.includes(a.by)).length} of ${i.needed} counted approvals`,
    ),
    i.reason ? el("p", {}, "Reason given: ", i.reason) : null,
    reasons.length > 0
      ? el(
          "div",
          { class: "gate" },
          el("p", {}, `The gate (${i.gate?.mode ?? "?"} mode) said ${i.gate?.outcome ?? "?"}:`),
          el("ul", {}, ...reasons.map((r) => el("li", {}, el("code", {}, r.code), " ", r.message))),
        )
      : null,
    i.approvals.length > 0
      ? el(
          "ul",
          { class: "approvals" },
          ...i.approvals.map((a) =>
            el("li", {}, `${a.decision} by ${a.by} `, entryLink(a.index), a.reason ? ` (${a.reason})` : ""),
          ),
        )
      : null,
    i.status === "pending"
      ? el(
          "div",
          { class: "actions" },
          reason,
          el(
            "button",
            { type: "button", class: "approve", onclick: () => decide("approve") },
            "Approve (sign)",
          ),
          el("button", { type: "button", class: "reject", onclick: () => decide("reject") }, "Reject (sign)"),
          result,
        )
      : null,
  );
}
