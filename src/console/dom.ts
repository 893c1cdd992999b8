/// <reference lib="dom" />
/** Building the console's DOM: one element factory, and the states every view shows. */
import { ConsoleError } from "./sign.js";

type Child = Node | string | number | null | undefined | false;

/**
 * An element with attributes (`on*` functions become listeners) and children.
 *
 * @example el("a", { href: "#/review" }, "Review queue")
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v as EventListener);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  append(e, children);
  return e;
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * An SVG element with attributes and, optionally, its text.
 *
 * @example svg("title", {}, "3 findings")
 */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(
      typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c,
    );
  }
}

/** A coded error as people read it: the code, then the message. */
export function errorBox(err: unknown): HTMLElement {
  const code = err instanceof ConsoleError ? err.code : "INTERNAL";
  const message = err instanceof Error ? err.message : String(err);
  return el("div", { class: "error", role: "alert" }, el("strong", { class: "code" }, code), " ", message);
}

export const loading = (what: string): HTMLElement =>
  el("p", { class: "loading", role: "status", "aria-live": "polite" }, `Loading ${what}…`);

export const empty = (text: string): HTMLElement => el("p", { class: "empty" }, text);

/** A link to a ledger entry's page. */
export const entryLink = (index: number): HTMLElement => el("a", { href: `#/entry/${index}` }, `#${index}`);

/** A link to an optimizer's (or actor's) page. */
export const nameLink = (name: string): HTMLElement =>
  el("a", { href: `#/optimizer/${encodeURIComponent(name)}` }, name);

/** Replace `parent`'s children, skipping the absent ones. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
