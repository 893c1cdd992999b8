/// <reference lib="dom" />
/**
 * Accountability: the latest checkpoint and which witnesses cosigned it (by name and key id, each
 * cosignature checked by the server, and whether the server is configured to ask that key),
 * whether the ledger verifies (the server's audit re-checks every entry, signature and rule), and
 * an entry's inclusion proof to download and check elsewhere.
 */
import { getJson, isCheckpoint, isEntry, isFindings, isProof, isWitnesses, type Witnesses } from "./api.js";
import { el, errorBox, loading } from "./dom.js";

export function accountabilityPage(): { element: HTMLElement; ready: Promise<void> } {
  const cpBox = el("div", { class: "checkpoint" }, loading("the latest checkpoint"));
  const verifyBox = el("div", { class: "verify", "aria-live": "polite" }, loading("the verify result"));
  const witnessBox = el("div", { class: "witnesses" }, loading("the witnesses"));
  const root = el(
    "section",
    { "aria-labelledby": "acc-title" },
    el("h2", { id: "acc-title" }, "Accountability"),
    el("h3", {}, "Latest checkpoint"),
    cpBox,
    el("h3", {}, "Witnesses"),
    witnessBox,
    el("h3", {}, "Verify"),
    verifyBox,
    el("h3", {}, "Inclusion proof"),
    proofForm(),
  );
  const ready = Promise.all([
    getJson("/v1/checkpoint", isCheckpoint, "a checkpoint").then(
      (cp) =>
        cpBox.replaceChildren(
          el(
            "dl",
            {},
            el("dt", {}, "Origin"),
            el("dd", {}, cp.origin),
            el("dt", {}, "Size"),
            el("dd", { id: "cp-size" }, String(cp.size)),
            el("dt", {}, "Root"),
            el("dd", {}, el("code", {}, cp.root)),
            el("dt", {}, "Log key"),
            el("dd", {}, el("code", {}, cp.logKey)),
          ),
          el("pre", { class: "note" }, cp.checkpoint),
        ),
      (err: unknown) => cpBox.replaceChildren(errorBox(err)),
    ),
    getJson("/console/api/witnesses", isWitnesses, "{ cosigners: [...] }").then(
      (w) => witnessBox.replaceChildren(...witnessView(w)),
      (err: unknown) => witnessBox.replaceChildren(errorBox(err)),
    ),
    showVerify(verifyBox),
  ]).then(() => undefined);
  return { element: root, ready };
}

/** Polls this often while the server verifies in the background, this many times at most. */
const VERIFY_POLL_MS = 1500;
const VERIFY_POLLS = 400;

/** The latest verification the server holds; while one is under way, asked again until it is done. */
function showVerify(box: HTMLElement, polls = 0): Promise<void> {
  return getJson("/v1/findings", isFindings, "{ verify, findings }").then(
    (f) => {
      box.replaceChildren(
        f.verify === null
          ? el(
              "p",
              { class: "verify-pending", id: "verify-status", "data-ok": "pending" },
              `Being verified: the server re-checks every signature, rule and checkpoint of ${f.size} entries in the background.`,
            )
          : f.verify.ok
            ? el(
                "p",
                { class: "verify-ok", id: "verify-status", "data-ok": "true" },
                `Verified: ${f.verify.entries} entries, every signature, rule and checkpoint re-checked.`,
              )
            : el(
                "div",
                { class: "verify-fail error", id: "verify-status", "data-ok": "false", role: "alert" },
                el("strong", { class: "code" }, f.verify.problem?.code ?? "VERIFY_FAILED"),
                " ",
                f.verify.problem?.message ?? "the ledger does not verify",
                f.verify.problem?.index !== undefined ? ` (entry #${f.verify.problem.index})` : "",
              ),
      );
      if (f.verifying && polls < VERIFY_POLLS && (polls === 0 || box.isConnected))
        setTimeout(() => void showVerify(box, polls + 1), VERIFY_POLL_MS);
    },
    (err: unknown) => box.replaceChildren(errorBox(err)),
  );
}

/** Who cosigned the latest checkpoint, or a plain statement that nobody did, and whom the server asks. */
function witnessView(w: Witnesses): HTMLElement[] {
  const asked = w.configured.filter((c) => !c.cosignedLatest);
  const out: HTMLElement[] = [];
  if (w.cosigners.length === 0)
    out.push(
      el(
        "p",
        { id: "witness-status", class: "empty", "data-state": "none" },
        w.size === null
          ? "No witness has cosigned: the log has no checkpoint yet."
          : `No witness has cosigned the latest checkpoint (size ${w.size}). Without a cosignature, nobody outside this server has checked that this history is the one it showed before.`,
      ),
    );
  else
    out.push(
      el(
        "p",
        { id: "witness-status", "data-state": "cosigned" },
        `The latest checkpoint (size ${w.size}) is cosigned by ${w.cosigners.length} witness${w.cosigners.length === 1 ? "" : "es"}:`,
      ),
      el(
        "ul",
        { class: "witness-list" },
        ...w.cosigners.map((c) =>
          el(
            "li",
            {
              class: "witness",
              "data-name": c.name,
              "data-key-id": c.keyId,
              "data-pinned": String(c.pinned),
              "data-verified": String(c.verified),
            },
            el("strong", { class: "witness-name" }, c.name),
            " key id ",
            el("code", { class: "witness-key-id" }, c.keyId),
            " ",
            c.verified
              ? el("span", { class: "pill st-approved" }, "cosignature verifies")
              : el("span", { class: "pill st-rejected" }, "cosignature does not verify"),
            " ",
            c.pinned
              ? el("span", { class: "pill" }, "pinned: this server asks this key to cosign")
              : el(
                  "span",
                  { class: "pill st-pending" },
                  "not pinned: this server does not ask this key; only the cosignature names it",
                ),
            c.time !== null
              ? el("span", { class: "meta" }, ` at ${new Date(c.time * 1000).toISOString()}`)
              : null,
            el("code", { class: "vkey" }, c.key),
          ),
        ),
      ),
    );
  if (w.configured.length === 0)
    out.push(
      el(
        "p",
        { class: "meta" },
        "This server asks no witness to cosign (optprov serve --witness URL=KEY); cosignatures come from witnesses run beside it (optprov witness cosign).",
      ),
    );
  else if (asked.length > 0)
    out.push(
      el(
        "p",
        { class: "meta", id: "witness-missing" },
        "Asked but not cosigned: ",
        ...asked.flatMap((c, i) => [
          i > 0 ? ", " : "",
          el("strong", {}, c.name),
          ` (key id ${c.keyId}, ${c.url})`,
        ]),
      ),
    );
  return out;
}

function proofForm(): HTMLElement {
  const index = el("input", { type: "number", min: 0, id: "proof-index", "aria-label": "entry index" });
  const result = el("div", { class: "result" });
  const go = async (ev: Event) => {
    ev.preventDefault();
    result.replaceChildren(loading("the proof"));
    try {
      const path = `/v1/proof/inclusion/${encodeURIComponent(index.value)}`;
      const proof = await getJson(path, isProof, "an inclusion proof");
      const entry = await getJson(`/v1/entries/${proof.index}`, isEntry, "an entry");
      const blob = new Blob([JSON.stringify({ ...proof, envelope: entry.envelope }, null, 2)], {
        type: "application/json",
      });
      const a = el(
        "a",
        {
          href: URL.createObjectURL(blob),
          download: `inclusion-${proof.index}-${proof.size}.json`,
          id: "proof-download",
        },
        `Download the proof of #${proof.index} in a tree of ${proof.size}`,
      );
      result.replaceChildren(a, el("p", {}, `${proof.proof.length} hashes up to root ${proof.root}`));
      a.click();
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  };
  return el(
    "form",
    { onsubmit: go },
    el("label", {}, "Entry ", index),
    el("button", { type: "submit" }, "Get proof"),
    result,
  );
}

export function entryPage(index: string): { element: HTMLElement; ready: Promise<void> } {
  const root = el("section", {}, el("h2", {}, `Entry #${index}`), loading("the entry"));
  const ready = getJson(`/v1/entries/${encodeURIComponent(index)}`, isEntry, "an entry").then(
    (e) =>
      root.replaceChildren(
        el("h2", {}, `Entry #${e.index}`),
        el("p", {}, "Leaf hash ", el("code", {}, e.leafHash)),
        el("h3", {}, "Statement"),
        el("pre", { class: "json" }, JSON.stringify(e.statement ?? null, null, 2)),
        el("h3", {}, "Envelope"),
        el("pre", { class: "json" }, JSON.stringify(e.envelope, null, 2)),
      ),
    (err: unknown) => root.replaceChildren(el("h2", {}, `Entry #${index}`), errorBox(err)),
  );
  return { element: root, ready };
}
