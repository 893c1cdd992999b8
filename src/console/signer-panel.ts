/// <reference lib="dom" />
/**
 * The overseer's key in the page: loaded from a key file or pasted, parsed and imported into
 * WebCrypto here, held in memory only (never stored, never sent). Writes sign with it and POST the
 * envelope; the log's admission decides, and its refusal is shown with its code.
 */
import { getJson, isCheckpoint, postEntries, setToken } from "./api.js";
import { el, errorBox } from "./dom.js";
import {
  type BrowserSigner,
  ConsoleError,
  type ConsolePredicate,
  importSignerKey,
  signEntry,
} from "./sign.js";

let signer: BrowserSigner | undefined;
let origin: string | undefined;
const listeners = new Set<() => void>();

export function currentSigner(): BrowserSigner | undefined {
  return signer;
}

/** The log's origin (its checkpoint's first line), which every entry names in `log`. */
async function logOrigin(): Promise<string> {
  origin ??= (await getJson("/v1/checkpoint", isCheckpoint, "a checkpoint")).origin;
  return origin;
}

type Write =
  | { kind: "approval"; parent: number; decision: "approve" | "reject"; reason?: string }
  | {
      kind: "halt";
      optimizer: string;
      descendants: boolean;
      reason?: string;
    };

/** Sign `w` with the loaded key and append it; returns the new entry's index. */
export async function signAndPost(w: Write): Promise<number> {
  if (signer === undefined)
    throw new ConsoleError("NO_KEY", "load your overseer key first (top of the page)");
  const common = { actor: signer.name, time: new Date().toISOString(), log: await logOrigin() };
  const p: ConsolePredicate = { ...common, ...w };
  const envelope = await signEntry(p, signer);
  const { first } = await postEntries([envelope]);
  return first;
}

/**
 * The result of a write, as a status line: the new entry, or the log's coded refusal. Shown where
 * the write was made and in the page's header (`#flash`), which outlives the redraw that follows.
 */
export function writeResult(promise: Promise<number>, into: HTMLElement, done: () => void): void {
  const flash = document.getElementById("flash");
  const show = (...nodes: Node[]) => {
    into.replaceChildren(...nodes.map((n) => n.cloneNode(true)));
    flash?.replaceChildren(...nodes);
  };
  show(el("span", { class: "loading", role: "status" }, "Signing and appending…"));
  promise.then(
    (index) => {
      show(
        el("span", { class: "ok" }, "Appended as entry ", el("a", { href: `#/entry/${index}` }, `#${index}`)),
      );
      done();
    },
    (err: unknown) => show(errorBox(err)),
  );
}

export function onSignerChange(f: () => void): void {
  listeners.add(f);
}

export function signerPanel(): HTMLElement {
  const status = el("span", { class: "signer-status", role: "status" }, "No key loaded: reads only.");
  const text = el("textarea", {
    id: "key-text",
    rows: 1,
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "PRIVATE+KEY+<name>+<id>+<key>",
    "aria-label": "overseer signer key text",
  });
  const file = el("input", { type: "file", id: "key-file", "aria-label": "overseer signer key file" });
  const tokenInput = el("input", {
    type: "password",
    id: "token",
    placeholder: "bearer token (if the server asks)",
    "aria-label": "bearer token",
    autocomplete: "off",
  });
  const load = async (t: string) => {
    try {
      signer = await importSignerKey(t);
      status.replaceChildren(
        el("span", { class: "ok" }, "Signing as ", el("strong", {}, signer.name)),
        el("code", { class: "vkey" }, signer.verifierKey),
      );
      text.value = "";
    } catch (err) {
      signer = undefined;
      status.replaceChildren(errorBox(err));
    }
    for (const f of listeners) f();
  };
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) await load(await f.text());
    file.value = "";
  });
  const forget = () => {
    signer = undefined;
    status.replaceChildren("No key loaded: reads only.");
    for (const f of listeners) f();
  };
  return el(
    "details",
    { class: "signer" },
    el("summary", {}, "Overseer key ", status),
    el(
      "div",
      { class: "signer-body" },
      el("p", {}, "Your key stays in this page: it signs approvals and halts here and is never sent."),
      el("label", {}, "Key file ", file),
      el("label", {}, "or paste ", text),
      el("button", { type: "button", id: "key-load", onclick: () => void load(text.value) }, "Use key"),
      el("button", { type: "button", onclick: forget }, "Forget key"),
      el("label", {}, "Token ", tokenInput),
      el("button", { type: "button", onclick: () => setToken(tokenInput.value) }, "Use token"),
    ),
  );
}
