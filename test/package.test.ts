/**
 * The package as a user gets it: `npm pack` (whose prepack builds dist/), the tarball installed
 * into an empty folder with `npm install`, and from there `npx optprov`, and a TypeScript program
 * that imports `optprov` and `optprov/sdk`, type-checks against the shipped declarations, records
 * into a ledger and verifies it.
 *
 * Slow: npm builds better-sqlite3 from source in the fresh folder (about two minutes on this
 * project's two-core machine when it is quiet, ten when it is busy). It packs a copy of the working tree (the files git would commit, changes included) so
 * that the prepack build never rewrites the dist/ the other end-to-end tests are running.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userCompilerOptions, userEnv } from "./support/user-project.js";

const ROOT = path.resolve(__dirname, "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-package-"));
const stage = path.join(tmp, "stage");
const app = path.join(tmp, "app");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sh(cmd: string, args: readonly string[], cwd: string, timeoutMs = 120_000) {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd,
    env: userEnv(ROOT),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status,
    out: r.stdout ?? "",
    err: `${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`,
  };
}
/** Per test: npx and tsc on a busy two-core machine take tens of seconds each. */
const SLOW = 600_000;
/** `npx optprov ...` in the user's folder; `--no` so npx never fetches a registry package of that name. */
const optprov = (...args: string[]) => sh("npx", ["--no", "--", "optprov", ...args], app);

let packed: { filename: string; files: { path: string }[] };
let tarball: string;

beforeAll(() => {
  // The files a clone would hold: tracked and untracked-but-not-ignored (no dist/, no node_modules/).
  const listed = sh("git", ["ls-files", "-co", "--exclude-standard", "-z"], ROOT);
  if (listed.code !== 0) throw new Error(`git ls-files failed (the package test needs git): ${listed.err}`);
  for (const rel of listed.out.split("\0").filter(Boolean)) {
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(stage, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(stage, rel));
  }
  // The build needs the dev dependencies (TypeScript); npm pack itself ignores node_modules.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
  const out = path.join(tmp, "out");
  fs.mkdirSync(out);
  const pack = sh("npm", ["pack", "--json", "--pack-destination", out], stage, 300_000);
  expect(pack.code, `npm pack failed:\n${pack.err}`).toBe(0);
  // Lifecycle scripts may print before the JSON report; it starts at the first line that is "[".
  packed = JSON.parse(pack.out.slice(pack.out.search(/^\[/m)))[0];
  tarball = path.join(out, packed.filename);

  fs.mkdirSync(app);
  fs.writeFileSync(
    path.join(app, "package.json"),
    `${JSON.stringify({ name: "optprov-user", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  const install = sh(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball],
    app,
    900_000,
  );
  expect(install.code, `npm install of the tarball failed:\n${install.out}\n${install.err}`).toBe(0);
}, 1_200_000);

describe("the packed package", () => {
  it("ships the built library, the bin, the schemas and the README, and no tests or sources", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "bin/optprov.js",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/sdk/index.js",
        "dist/ledger/index.js",
        "dist/cli/main.js",
        "dist/ledger/entry-worker.js",
        "schemas/optimizer-spec.schema.json",
      ]),
    );
    expect(files.filter((f) => /\.test\.|test-support|\.map$|^src\/|^test\//.test(f))).toEqual([]);
    expect(packed.filename).toBe(`${PKG.name}-${PKG.version}.tgz`);
  });

  it(
    "npx optprov --help and --version work from the installed package",
    () => {
      const help = optprov("--help");
      expect(help.code, help.err).toBe(0);
      expect(help.out).toMatch(/^Usage: optprov \[options\] \[command\]/);
      expect(help.out).toContain("verify");
      const version = optprov("--version");
      expect(version.code, version.err).toBe(0);
      expect(version.out.trim()).toBe(PKG.version);
      // An unknown command is a usage error (exit 2), not a crash: the installed CLI really parses.
      expect(optprov("no-such-command").code).toBe(2);
    },
    SLOW,
  );

  it(
    "a TypeScript program imports optprov and optprov/sdk, type-checks, records and verifies",
    () => {
      fs.mkdirSync(path.join(app, "src"));
      fs.writeFileSync(
        path.join(app, "src/record.ts"),
        `import { generateSignerKey, SqliteStore, verifyLedger } from "optprov";
import { openLedger } from "optprov/sdk";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: node out/record.js LEDGER");
const ledger = await openLedger({ path: file });
const alice = await ledger.root({ name: "alice", key: generateSignerKey("alice") });
const trainer = await alice.spawn({ name: "trainer", process: { kind: "gradient-descent" } });
await trainer.run((ctx) => {
  for (let i = 0; i < 10; i++) ctx.step({ loss: 1 / (i + 1) });
  ctx.emit({ name: "model.bin", digest: "ab".repeat(32) });
});
const size: number = ledger.log.size;
await ledger.close();
const store = SqliteStore.open(file, { readonly: true });
const report = await verifyLedger(store);
await store.close();
console.log(JSON.stringify({ size, ok: report.ok, entries: report.entries, problem: report.problem?.code ?? null }));
`,
      );
      // skipLibCheck off: the shipped .d.ts files are checked too, so one that names a type only a
      // dev dependency provides fails here. @types/node comes from this project, as a user's own would.
      fs.writeFileSync(
        path.join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: userCompilerOptions(ROOT, { skipLibCheck: false, outDir: "out", rootDir: "src" }),
          include: ["src"],
        }),
      );
      const tsc = sh(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], app);
      expect(tsc.code, `tsc:\n${tsc.out}${tsc.err}`).toBe(0);

      const recorded = sh(process.execPath, ["out/record.js", "l/ledger.db"], app);
      expect(recorded.code, recorded.err).toBe(0);
      const result = JSON.parse(recorded.out) as {
        size: number;
        ok: boolean;
        entries: number;
        problem: string;
      };
      // alice's actor entry, trainer's creation, one step batch (10 steps), the artifact.
      expect(result).toEqual({ size: 4, ok: true, entries: 4, problem: null });

      // The installed CLI reads what the installed library wrote.
      const verify = optprov("--ledger", "l/ledger.db", "verify", "--json");
      expect(verify.code, verify.err).toBe(0);
      expect(JSON.parse(verify.out)).toMatchObject({
        ok: true,
        entries: result.entries,
        rootActors: ["alice"],
      });
      const tree = optprov("--ledger", "l/ledger.db", "tree");
      expect(tree.code, tree.err).toBe(0);
      expect(tree.out).toMatch(/alice[\s\S]*trainer\s+gradient-descent\s+#1\s+10 steps/);
    },
    SLOW,
  );
});
