import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The CLI tests run bin/optprov.js, which runs dist/: build it once before any test. Type errors do
 * not stop the emit here (`npm test` type-checks separately and fails on them); only a missing
 * dist/ does.
 */
export default function setup(): void {
  const root = path.resolve(__dirname, "..");
  const r = spawnSync(
    process.execPath,
    [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    { cwd: root, encoding: "utf8" },
  );
  if (r.status !== 0)
    process.stderr.write(
      `warning: the build reported errors (npm run typecheck shows them):\n${r.stdout.slice(0, 2000)}\n`,
    );
  if (!fs.existsSync(path.join(root, "dist/cli/main.js")))
    throw new Error("the build produced no dist/cli/main.js");
}
