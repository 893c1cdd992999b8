import path from "node:path";
import { configDefaults, defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Two projects: `slow` (end to end through the built CLI, the README's blocks and the packed
 * package, gridworld training, the crash loop) and `fast` (everything else). `npm test` runs both;
 * `npm run test:fast` runs `fast` alone, without building dist/ (no fast test needs it).
 *
 * The split is by measurement, `vitest run --reporter=json` on this project's machine (2 cores,
 * 2026-12-02, other work running beside it), seconds per file, one worker:
 *
 *   test/package.test.ts                          150-650 (npm pack; npm install builds better-sqlite3)
 *   test/cli.test.ts                                   60
 *   test/readme.test.ts                                40  (npx for every console line)
 *   src/gridworlds/agents/train-and-deploy.test.ts     38
 *   src/store/sqlite/crash.test.ts                     22
 *   test/control-cli.test.ts                           10
 *   src/oversight/audit.test.ts                         9  (trains a gridworld agent)
 *   src/gridworlds/tabular-learning.test.ts             5
 *   test/spec-cli.test.ts                             0.4  (here because it needs dist/)
 *   the other 72 files                                 40  together; the longest, examples/, 6.5
 *                                                         (now with the slow ones: it imports dist/)
 *
 * The slow files mostly wait on child processes (node running the CLI, npm and the C compiler, a
 * killed writer), so they run side by side with the rest: two workers on two cores (vitest's
 * default is cores - 1, here one), and the slow files start first, longest first, so that the
 * package install overlaps everything else instead of running last. Measured the same day:
 * `npm run test:fast` 69 s with two workers, 113 s with one; `npm test` 7 min 17 s (vitest 397 s,
 * of which the package test 310 s on one worker while the other ran everything else), at a load
 * average of 5 to 6 from other work. `--maxWorkers N` overrides the count.
 *
 * Re-timed 2026-12-02 at a load average under 2: `npm run test:fast` took 120 s with 123 files, so
 * the PostgreSQL conformance suite (24 s; it starts a server) and the treacherous-turn gate test
 * (7 s; it trains agents) moved to `slow`: 109 s after the move (121 files, 1,608 tests).
 */
const SLOW = [
  "test/package.test.ts",
  // Starts a throwaway PostgreSQL server and four writer processes (24 s of the fast run's 120 s).
  "src/store/postgres/postgres-store.test.ts",
  // Trains four gridworld agents through the gate.
  "src/gridworlds/treacherous-turn-gate.test.ts",
  "test/cli.test.ts",
  "test/readme.test.ts",
  "src/gridworlds/agents/train-and-deploy.test.ts",
  "src/store/sqlite/crash.test.ts",
  "test/control-cli.test.ts",
  "src/oversight/audit.test.ts",
  "src/gridworlds/tabular-learning.test.ts",
  "test/spec-cli.test.ts",
  // Import the package by its own name, which resolves to dist/.
  "test/exports.test.ts",
  "examples/examples.test.ts",
  // The demo's examples (from dist/) and a gridworld trainer, each checked against a full replay.
  "src/server/read-models-worked.test.ts",
  // Through the built CLI too (dist/), so with the slow ones.
  "test/cli-hostile.test.ts",
  "test/cli-writes.test.ts",
  "test/cli-setup.test.ts",
  "test/ledger-cli.test.ts",
  "test/console/console.test.ts",
  // Trains two gridworld agents, then drives chromium.
  "test/console/plot-witness.test.ts",
  // A real `optprov serve` process and the built CLI against it (about 90 s on a loaded machine).
  "test/remote-cli.test.ts",
  // Runs docs/server.md's example, which imports optprov/sdk from dist/.
  "test/server-docs.test.ts",
];

/** Vitest's order (failed first, then longest by its cache), with the measured slow files ahead of it. */
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW.indexOf(
        path
          .relative(import.meta.dirname, f.moduleId)
          .split(path.sep)
          .join("/"),
      );
      return i < 0 ? SLOW.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    sequence: { sequencer: SlowFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "fast",
          include: ["src/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...SLOW],
        },
      },
      {
        extends: true,
        test: {
          name: "slow",
          include: SLOW,
          // The CLI tests run bin/optprov.js, which runs dist/: build it once first.
          globalSetup: ["test/global-setup.ts"],
        },
      },
    ],
  },
});
