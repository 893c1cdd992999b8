/** Runs one full verification in a fresh process so that its peak RSS is its own. */
// Imports the built package (dist/), as a user runs it: workers then start from JavaScript.
import { verifyLedger } from "../dist/ledger/verify.js";
import { SqliteStore } from "../dist/store/sqlite/sqlite-store.js";

const [file] = process.argv.slice(2);
const store = SqliteStore.open(file!, { readonly: true });
const t0 = performance.now();
const report = await verifyLedger(store);
const ms = performance.now() - t0;
await store.close();
process.stdout.write(
  `${JSON.stringify({ ok: report.ok, problem: report.problem, entries: report.entries, ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
