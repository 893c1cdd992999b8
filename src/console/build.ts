/**
 * Build the console into `dist/console/`: one ES module bundle (esbuild, minified, for browsers
 * with WebCrypto Ed25519), the page and its stylesheet, and elkjs's worker build as
 * `elk-worker.js`, where the graph's layout runs (`graph-layout.ts`). `npm run build` runs this file.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONSOLE_DIST = path.resolve(here, "../../dist/console");
/** The files a build writes (and the server serves, `src/server/console-routes.ts`). */
export const CONSOLE_FILES = ["console.js", "elk-worker.js", "index.html", "console.css"] as const;
// elkjs's worker build, minified by its authors: a classic worker script that answers elk-api's messages.
const ELK_WORKER = createRequire(import.meta.url).resolve("elkjs/lib/elk-worker.min.js");

/**
 * Bundle the console into `out`. Built beside it and renamed in file by file, so a server (or a
 * test) reading `out` while another build runs sees whole files, old or new, never a half.
 */
export async function buildConsole(out: string = CONSOLE_DIST): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  const tmp = fs.mkdtempSync(`${out}.build-`);
  try {
    await build({
      entryPoints: [path.join(here, "main.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: ["chrome120", "firefox130", "safari17"],
      minify: true,
      sourcemap: false,
      outfile: path.join(tmp, "console.js"),
      logLevel: "warning",
      legalComments: "none",
    });
    for (const f of ["index.html", "console.css"]) fs.copyFileSync(path.join(here, f), path.join(tmp, f));
    fs.copyFileSync(ELK_WORKER, path.join(tmp, "elk-worker.js"));
    for (const f of CONSOLE_FILES) fs.renameSync(path.join(tmp, f), path.join(out, f));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await buildConsole();
