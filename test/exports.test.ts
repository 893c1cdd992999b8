/**
 * The public surface as a user gets it: every entry point in package.json's `exports` imported by
 * the package's own name (which resolves to dist/, so this runs after the build), holding the names
 * the documentation promises, and the same names as its source index (a stale dist/ fails here).
 * And the examples and benchmarks use nothing else: no file under examples/ or benchmarks/ reaches
 * into src/.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, string>;
};

/**
 * Names that README.md, docs/conventions.md and docs/instrumenting.md tell users to import from
 * each entry point.
 */
const PROMISED: Readonly<Record<string, readonly string[]>> = {
  ".": ["openLedger", "generateSignerKey", "parsePolicy", "verifyLedger", "explain", "OptprovError"],
  "./ledger": ["Log", "verifyLog", "readEntries", "signEntry", "formatSignerKey"],
  "./sdk": ["openLedger", "spawnSpecFrom", "Ledger", "Optimizer", "RunContext"],
  "./oversight": [
    "audit",
    "renderAudit",
    "DETECTORS",
    "GATE_DETECTORS",
    "LEDGER_DETECTORS",
    "ledgerRules",
    "detectGoodhart",
    "goodhartLedgerDetector",
    "detectOversightDependence",
    "oversightDependenceGate",
    "detectOversightDisabled",
    "oversightDisabledGate",
    "detectDistributionalShift",
    "undeclaredOptimizerDetector",
    "selfModificationDetector",
    "forgeryFindings",
    "readDecisionProcess",
    "subjectFromSpec",
    "oversightReach",
    "intendedVariables",
    "reachableStates",
    "policyValues",
    "actionValue",
    "compareFindings",
    "verifyLedger",
    "readLedger",
    "replayLedger",
    "reviewQueue",
    "ANCESTRY_MONITORS",
    "ancestryReport",
    "suspicion",
    "findingSuspicion",
    "goodhartAlarm",
  ],
  "./server": ["createServer", "listen"],
  "./interop": ["exportLedger", "toOpenLineage", "toCycloneDx", "toSigstoreBundle", "verifySigstoreBundle"],
  "./model": [
    "loadSpec",
    "specDigest",
    "validateOptimizerSpec",
    "worldModel",
    "table",
    "cpt",
    "enumVariable",
    "booleanVariable",
    "ROLE_TAGS",
    "variableRoles",
    "DETECTOR_NEEDS",
    "detectorNeeds",
    "MEASURE_KEYS",
    "parseObjective",
    "PROCESS_KINDS",
  ],
  "./gridworlds": [
    "createGridworld",
    "absentSupervisor",
    "trainQLearning",
    "learnModel",
    "valueIteration",
    "learnedWorldModel",
    "trainAndDeploy",
    "EnvironmentReporter",
    "GRIDWORLD_CATALOG",
    "ENVIRONMENT_FAMILIES",
    "treacherousTurn",
    "treacherousTurnControl",
  ],
};

/** The source index each entry point is built from. */
function sourceIndex(target: string): string {
  return path.join(ROOT, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
}

describe("the package's entry points, from dist/", () => {
  it("are exactly the documented ones", () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(Object.keys(PROMISED).sort());
  });

  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const specifier = `optprov${subpath.slice(1)}`;
    it(`${specifier} resolves to ${target} and exports what the docs promise`, async () => {
      expect(import.meta.resolve(specifier)).toBe(new URL(target.slice(2), `file://${ROOT}/`).href);
      const built = await import(specifier);
      const missing = (PROMISED[subpath] ?? []).filter((name) => !(name in built));
      expect(missing).toEqual([]);
      const source = await import(sourceIndex(target));
      expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
    });
  }
});

/** Every file under `dir` with one of `exts`, skipping node_modules. */
function filesUnder(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules") out.push(...filesUnder(p, exts));
    } else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

/** Module specifiers in a file: static imports and exports, dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g))
    found.push(m[1] as string);
  return found;
}

describe("examples and benchmarks use the public surface only", () => {
  const files = ["examples", "benchmarks"].flatMap((d) =>
    filesUnder(path.join(ROOT, d), [".ts", ".mjs", ".js"]),
  );

  it("finds the files it checks", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it("no file under examples/ or benchmarks/ imports from src/, dist/ or test/", () => {
    const offending: string[] = [];
    for (const file of files) {
      for (const s of specifiers(fs.readFileSync(file, "utf8"))) {
        if (!s.startsWith(".")) continue;
        const target = path.relative(ROOT, path.resolve(path.dirname(file), s)).split(path.sep);
        if (target[0] === "src" || target[0] === "dist" || target[0] === "test")
          offending.push(`${path.relative(ROOT, file)}: ${s}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("every optprov import names an entry point the package exports", () => {
    const docs = ["docs/instrumenting.md", "docs/conventions.md"].map((d) => path.join(ROOT, d));
    const unknown: string[] = [];
    for (const file of [...files, ...docs.filter((d) => fs.existsSync(d))]) {
      for (const s of specifiers(fs.readFileSync(file, "utf8"))) {
        if (s !== "optprov" && !s.startsWith("optprov/")) continue;
        if (!Object.hasOwn(pkg.exports, `.${s.slice("optprov".length)}`))
          unknown.push(`${path.relative(ROOT, file)}: ${s}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
