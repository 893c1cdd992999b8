/**
 * optprov's version, read from its package.json at run time (so a rebuilt package never lies).
 * `src/version.ts` and `dist/version.js` both sit one folder below the package root.
 */
import { fileURLToPath } from "node:url";
import { readInputText } from "./sdk/input-file.js";

/** @example packageVersion() // "0.1.0" */
export function packageVersion(): string {
  try {
    const file = fileURLToPath(new URL("../package.json", import.meta.url));
    const { version } = JSON.parse(readInputText(file, { what: "package.json", maxBytes: 1 << 20 })) as {
      version?: unknown;
    };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
