/**
 * The overseer's console (`src/console/`, built into `dist/console/`) served under `/console/`,
 * and the one read it needs beyond `/v1/`: an optimizer's explanation in sentences, with its
 * spec's three parts (`GET /console/api/explain/:name`).
 *
 * Static files are a fixed set read from the build directory at first request: a request names one
 * of them or gets NOT_FOUND, so no path from a request ever reaches the file system.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import { ServerError } from "../errors.js";
import { type Explanation, renderExplanation } from "../explain/explain.js";
import { preview } from "../ledger/base64.js";
import { explainSpec, validateOptimizerSpec } from "../model/index.js";

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

export interface ConsoleOptions {
  /** An optimizer's explanation (the server's read model), undefined for an unknown name. */
  readonly explain: (name: string) => Promise<Explanation | undefined>;
  /** Check the request may read (the app's `authorise`). */
  // biome-ignore lint/suspicious/noExplicitAny: the app's Hono env type stays the app's.
  readonly allowRead: (c: Context<any>) => void;
  /** Where the built console is; by default `dist/console/` beside this module's build (`src/console/` holds the sources, without `console.js`). */
  readonly dir?: string;
}

/** The build directory: `dist/console/` next to `dist/server/`, or, running from `src/`, the repository's `dist/console/`. */
function defaultDir(): string {
  for (const rel of ["../console/", "../../dist/console/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(`${dir}console.js`)) return dir;
  }
  return fileURLToPath(new URL("../console/", import.meta.url));
}

/**
 * Mount the console's routes on `app`.
 *
 * @example mountConsole(app, { explain: (name) => reads.explain(name), allowRead: (c) => allow(c, "read") });
 */
// biome-ignore lint/suspicious/noExplicitAny: mounts on the app whatever its env type.
export function mountConsole(app: Hono<any>, options: ConsoleOptions): void {
  const dir = options.dir ?? defaultDir();
  let files: Map<string, Uint8Array> | undefined;
  const load = () => {
    if (files === undefined) {
      const m = new Map<string, Uint8Array>();
      for (const name of Object.keys(TYPES)) {
        try {
          m.set(name, fs.readFileSync(`${dir}/${name}`));
        } catch {
          // Not built: the page answers NOT_FOUND with what to run.
        }
      }
      if (m.has("index.html")) files = m;
      return m;
    }
    return files;
  };
  const serve = (c: Context, name: string) => {
    options.allowRead(c);
    const body = load().get(name);
    if (body === undefined)
      throw new ServerError(
        "NOT_FOUND",
        TYPES[name] === undefined
          ? `the console has no file ${preview(name)}`
          : "the console is not built here; run npm run build",
      );
    return c.body(new Uint8Array(body), 200, {
      "content-type": TYPES[name]!,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      // The page talks only to this server; a key pasted into it must not leave through a script.
      "content-security-policy":
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    });
  };
  app.get("/console", (c) => c.redirect("/console/", 301));
  app.get("/console/", (c) => serve(c, "index.html"));
  app.get("/console/api/explain/:name", async (c) => {
    options.allowRead(c);
    const name = c.req.param("name");
    const e = await options.explain(name);
    if (e === undefined) throw new ServerError("NOT_FOUND", `no optimizer or actor named ${preview(name)}`);
    const valid = e.spec === undefined ? undefined : validateOptimizerSpec(e.spec).spec;
    const parts = valid ? explainSpec(valid).sections.slice(0, 3) : null;
    return c.json({ sentences: renderExplanation(e).split("\n"), parts });
  });
  app.get("/console/:file", (c) => serve(c, c.req.param("file")));
}
