/**
 * `optprov spec check` and `optprov spec explain`, driven through `registerSpec` on a commander
 * program built here the way `src/cli/main.ts` builds its own (with the JSON flag and exit
 * overrides), until the command is registered there and can be run as `node bin/optprov.js spec`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import { registerSpec } from "../src/cli/commands/spec.js";
import type { GlobalOptions } from "../src/cli/context.js";
import { OptprovError } from "../src/errors.js";

const EXAMPLES = path.resolve(__dirname, "../examples/specs");
const example = (name: string) => path.join(EXAMPLES, name);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-spec-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command("optprov").option("--json").exitOverride();
  registerSpec(program, () => program.opts<GlobalOptions>());
  for (const c of program.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride().configureOutput({ writeErr: () => undefined });
  }
  let out = "";
  let err = "";
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const saved = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: "user" });
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    // As main.ts maps them: usage and bad input exit 2.
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof OptprovError) {
      err += `error [${error.code}]: ${error.message}\n`;
      code = 2;
    } else throw error;
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = saved;
  }
  return { code, out, err };
}

const ALL = ["thermostat.optimizer.yaml", "tic-tac-toe.optimizer.yaml", "absent-supervisor.optimizer.yaml"];

describe("optprov spec check", () => {
  it("passes the worked examples, one line each with the digest, and a summary", async () => {
    const r = await run(["spec", "check", ...ALL.map(example), example("thermostat.optimizer.json")]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(0, 4))
      expect(line).toMatch(/^OK .*: optimizer `.+` \(.+\), digest sha256:[0-9a-f]{64}$/);
    expect(lines[0]).toContain("implicit world model with an explicit twin; maximize; external");
    expect(lines[4]).toBe("4 specs checked, all clean");
    // The YAML and JSON thermostats are one spec.
    expect(lines[0]?.split("digest ")[1]).toBe(lines[3]?.split("digest ")[1]);
  });

  it("prints every error as file:line:column path: message [CODE] and exits 2", async () => {
    const text = fs
      .readFileSync(example("absent-supervisor.optimizer.yaml"), "utf8")
      .replace("expr: E[reward]", "expr: E[rewad]")
      .replace("epsilon: 0.1", "epsilon: 1.5")
      .replace("- [true, long-way-round, 41]", "- [true, long-way-round, 410]");
    const bad = write("bad.optimizer.yaml", text);
    const r = await run(["spec", "check", bad, example("tic-tac-toe.optimizer.yaml")]);
    expect(r.code).toBe(2);
    const lines = r.out.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(
        /^.*bad\.optimizer\.yaml:\d+:\d+ worldModel\.localModels\[1\]\.rows\[2\]\[2\]: .* \[VALUE_OUT_OF_DOMAIN\]$/,
      ),
      expect.stringMatching(
        /^.*bad\.optimizer\.yaml:86:\d+ objective\.expr: .*rewad.* \[UNKNOWN_IDENTIFIER\]$/,
      ),
      expect.stringMatching(
        /^.*bad\.optimizer\.yaml:\d+:\d+ process\.params\.epsilon: .* \[PARAMS_INVALID\]$/,
      ),
    ]);
    expect(lines[3]).toMatch(/^OK .*tic-tac-toe/);
    expect(lines[4]).toBe("3 errors in 1 of 2 specs");
  });

  it("gives the same as one JSON document with --json", async () => {
    const bad = write("bad2.optimizer.yaml", "name: x\n");
    const r = await run(["--json", "spec", "check", bad, example("thermostat.optimizer.yaml")]);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out);
    expect(body.ok).toBe(false);
    expect(body.files[0]).toMatchObject({ file: bad, ok: false });
    expect(body.files[0].errors[0]).toMatchObject({
      code: "FIELD_MISSING",
      area: "spec",
      file: bad,
      line: 1,
      column: 1,
      path: "worldModel",
    });
    expect(body.files[1]).toMatchObject({ ok: true, name: "thermostat", errors: [] });
    expect(body.files[1].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("refuses what it cannot read with a coded error, without reading more than the limit", async () => {
    const missing = await run(["spec", "check", path.join(dir, "nope.optimizer.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/nope\.optimizer\.yaml:1:1 \(document\): .* \[FILE_NOT_FOUND\]/);
    expect(missing.out).not.toContain("ENOENT");
    const big = write("big.optimizer.yaml", Buffer.alloc(2 * 1024 * 1024, 0x61));
    expect((await run(["spec", "check", big])).out).toContain("[FILE_TOO_LARGE]");
    const latin1 = write(
      "latin1.optimizer.yaml",
      Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
    );
    const notUtf8 = await run(["--json", "spec", "check", latin1]);
    expect(notUtf8.code).toBe(2);
    expect(JSON.parse(notUtf8.out).files[0].errors[0]).toMatchObject({
      code: "FILE_NOT_UTF8",
      file: latin1,
      line: 1,
      column: 1,
    });
    expect((await run(["spec", "check", dir])).out).toContain("[FILE_NOT_REGULAR]");
  });

  it("refuses an objective that reads a forbidden tag when asked to", async () => {
    const text = fs
      .readFileSync(example("absent-supervisor.optimizer.yaml"), "utf8")
      .replace("expr: E[reward]", "expr: E[if supervisor then reward else 0]");
    const file = write("watched.optimizer.yaml", text);
    expect((await run(["spec", "check", file])).code).toBe(0);
    const r = await run(["spec", "check", file, "--forbid-tag", "oversight"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /watched\.optimizer\.yaml:86:\d+ objective\.expr: .*supervisor.* \[FORBIDDEN_VARIABLE\]/,
    );
  });
});

describe("optprov spec explain", () => {
  it("explains the thermostat in plain English", async () => {
    const r = await run(["spec", "explain", example("thermostat.optimizer.yaml")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Optimizer `thermostat`: /);
    for (const phrase of [
      "What it models",
      "Its world model is implicit",
      "(implicit)",
      "Its explicit twin `thermostat twin`",
      "What it optimizes",
      'It maximizes E[next_temperature == "comfortable"] - energy_price * E[heater]',
      "which stands in for occupant_comfort, measured through the occupants' weekly comfort survey",
      "How it optimizes",
      "By an external process (implicit",
      "Legibility",
      "2 parts are implicit",
    ])
      expect(r.out).toContain(phrase);
  });

  it("explains the gridworld agent's proxy and the tic-tac-toe player's search", async () => {
    const grid = await run(["spec", "explain", example("absent-supervisor.optimizer.yaml")]);
    expect(grid.out).toContain(
      "It maximizes E[reward], which stands in for maximizing E[performance], measured through the hidden-performance channel.",
    );
    const ttt = await run(["spec", "explain", example("tic-tac-toe.optimizer.yaml")]);
    expect(ttt.out).toContain("By Monte Carlo tree search");
    expect(ttt.out).toContain("It searches: it evaluates many alternatives and keeps the best.");
  });

  it("gives the explanation as JSON with --json, with the digest spec check gives", async () => {
    const file = example("tic-tac-toe.optimizer.yaml");
    const r = await run(["--json", "spec", "explain", file]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.ok).toBe(true);
    expect(body.name).toBe("tic-tac-toe player");
    expect(body.sections.map((s: { title: string }) => s.title)).toEqual([
      "What it models",
      "What it optimizes",
      "How it optimizes",
      "Legibility",
    ]);
    expect(body.legibility.metrics.largestLocalModel).toMatchObject({ name: "legal-moves", rows: 16 });
    const checked = JSON.parse((await run(["--json", "spec", "check", file])).out);
    expect(body.digest).toBe(checked.files[0].digest);
  });

  it("holds the spec to the limits it is given", async () => {
    const r = await run([
      "spec",
      "explain",
      example("tic-tac-toe.optimizer.yaml"),
      "--limit",
      "maxRowsPerLocalModel=8",
    ]);
    expect(r.out).toContain(
      "local model `legal-moves` has 16 rows, above the limit of 8: split it along `move`",
    );
    const bad = await run(["spec", "explain", example("tic-tac-toe.optimizer.yaml"), "--limit", "rows=8"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("[USAGE]");
  });

  it("prints the errors of a broken spec and exits 2", async () => {
    const file = write("broken.optimizer.yaml", "name: broken\nworldModel: { kind: explicit }\n");
    const r = await run(["spec", "explain", file]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("[FIELD_MISSING]");
    expect(r.out).toContain(`cannot explain ${file}: fix the errors above first`);
  });
});

describe("optprov spec check --policy", () => {
  const policy = (detectors: string) =>
    write(
      `p-${detectors.replace(/\W/g, "")}.policy.yaml`,
      [
        "version: 1",
        "name: lab",
        "owner: alice",
        "mode: enforce",
        'expires: "2099-01-01T00:00:00Z"',
        "overseers: [bob]",
        "rules:",
        "  - creator: { name: alice }",
        "    mayCreate: [q-learning, tree-search]",
        "    approval: automatic",
        `detectors: [${detectors}]`,
        "",
      ].join("\n"),
    );

  it("passes a spec every required detector can read", async () => {
    const r = await run([
      "spec",
      "check",
      example("absent-supervisor.optimizer.yaml"),
      "--policy",
      policy("oversight-dependence, oversight-disabled"),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("readable by oversight-dependence, oversight-disabled");
  });

  it("places each role a required detector cannot find, with the detector and a code", async () => {
    const r = await run([
      "--json",
      "spec",
      "check",
      example("tic-tac-toe.optimizer.yaml"),
      "--policy",
      policy("oversight-disabled"),
    ]);
    expect(r.code).toBe(2);
    const errors = JSON.parse(r.out).files[0].errors as {
      code: string;
      area: string;
      line: number;
      column: number;
      path: string;
      message: string;
    }[];
    expect(errors.map((e) => e.code)).toEqual([
      "DETECTOR_ROLE_MISSING",
      "DETECTOR_ROLE_MISSING",
      "DETECTOR_ROLE_MISSING",
    ]);
    const variablesLine =
      fs
        .readFileSync(example("tic-tac-toe.optimizer.yaml"), "utf8")
        .split("\n")
        .findIndex((l) => /^\s+variables:/.test(l)) + 2;
    for (const e of errors) {
      expect(e.area).toBe("detector");
      expect(e.path).toBe("worldModel.variables");
      expect(e.line).toBe(variablesLine);
      expect(e.column).toBeGreaterThan(1);
      expect(e.message).toContain("oversight-disabled");
    }
    expect(errors.map((e) => e.message.match(/tagged (\w+)|(state variables)/)?.[0])).toEqual([
      "tagged reward",
      "state variables",
      "tagged oversight",
    ]);
  });

  it("places an oversight variable that is no state variable at its declaration", async () => {
    const text = fs
      .readFileSync(example("absent-supervisor.optimizer.yaml"), "utf8")
      .replace("      nextOf: supervisor\n", "");
    const file = write("unpaired.optimizer.yaml", text);
    const r = await run(["spec", "check", file, "--policy", policy("oversight-dependence")]);
    expect(r.code).toBe(2);
    const line = text.split("\n").findIndex((l) => l.includes("- name: supervisor")) + 1;
    expect(r.out).toMatch(
      new RegExp(
        `unpaired\\.optimizer\\.yaml:${line}:\\d+ worldModel\\.variables\\[0\\]: oversight-dependence needs .*supervisor.* \\[DETECTOR_ROLE_MISSING\\]`,
      ),
    );
  });

  it("places a detector the policy names that is not built in at its name in the policy", async () => {
    const file = policy("oversight-dependence, no-such-detector");
    const r = await run(["spec", "check", example("absent-supervisor.optimizer.yaml"), "--policy", file]);
    expect(r.code).toBe(2);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const line = lines.findIndex((l) => l.startsWith("detectors:")) + 1;
    const column = (lines[line - 1] ?? "").indexOf("no-such-detector") + 1;
    expect(r.out).toMatch(
      new RegExp(
        `\\.policy\\.yaml:${line}:${column} detectors\\[1\\]: .*no-such-detector.* \\[DETECTOR_UNKNOWN\\]`,
      ),
    );
  });

  it("applies the policy's forbidden tags unless told otherwise", async () => {
    const text = fs
      .readFileSync(example("absent-supervisor.optimizer.yaml"), "utf8")
      .replace("expr: E[reward]", "expr: E[if supervisor then reward else 0]");
    const file = write("watched-by-policy.optimizer.yaml", text);
    const r = await run(["spec", "check", file, "--policy", policy("oversight-disabled")]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("[FORBIDDEN_VARIABLE]");
  });
});
