/**
 * Write the published JSON Schema of optimizer specs from the zod schemas that validate them, and
 * format it as the repository's formatter would (so `npm run lint` passes on the generated file).
 * Run after changing a spec schema: `npx tsx scripts/generate-schema.ts`; a test fails until you do.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { renderOptimizerSpecJsonSchema } from "../src/model/spec/json-schema.js";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "schemas/optimizer-spec.schema.json");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, renderOptimizerSpecJsonSchema());
execFileSync(path.join(root, "node_modules/.bin/biome"), ["format", "--write", out], {
  cwd: root,
  stdio: "ignore",
});
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
