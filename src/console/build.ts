/**
 * Build the console into `dist/console/`: one ES module bundle (esbuild, minified, for browsers
 * with WebCrypto Ed25519), the page and its stylesheet. `npm run build` runs this file.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
export const CONSOLE_DIST = path.resolve(here, "../../dist/console");

/** Bundle the console into `out` (emptied first). */
export async function buildConsole(out: string = CONSOLE_DIST): Promise<void> {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(here, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox130", "safari17"],
    minify: true,
    sourcemap: false,
    outfile: path.join(out, "console.js"),
    logLevel: "warning",
    legalComments: "none",
  });
  for (const f of ["index.html", "console.css"]) fs.copyFileSync(path.join(here, f), path.join(out, f));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await buildConsole();
