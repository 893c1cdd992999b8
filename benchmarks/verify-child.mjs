// Runs one full verification of the built package in a fresh plain-Node process (no TypeScript
// loader), as `optprov verify` runs, so that the peak RSS measured is the verifier's own.
import { SqliteStore, verifyLedger } from "optprov";

const [file] = process.argv.slice(2);
const store = SqliteStore.open(file, { readonly: true });
const t0 = performance.now();
const report = await verifyLedger(store);
const ms = performance.now() - t0;
await store.close();
process.stdout.write(
  `${JSON.stringify({ ok: report.ok, problem: report.problem, entries: report.entries, ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
