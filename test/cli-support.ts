/**
 * Running the built command line as a user does, for the end-to-end tests: a fresh process per
 * command, in a folder of the test's choosing, with none of the runner's OPTPROV_* settings.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const BIN = path.resolve(__dirname, "../bin/optprov.js");
const MAIN = pathToFileURL(path.resolve(__dirname, "../dist/cli/main.js")).href;

/** Variables that change what the CLI does; removed so the runner's own environment cannot leak in. */
const SETTING_VARIABLES = [
  "OPTPROV_LEDGER",
  "OPTPROV_LOG_KEY",
  "OPTPROV_LOG_PUBKEY",
  "OPTPROV_CONFIG",
  "OPTPROV_SERVER",
  "OPTPROV_URL",
  "OPTPROV_TOKEN",
  "OPTPROV_ACTOR_KEY",
  "OPTPROV_OVERSEER_KEY",
  "OPTPROV_WITNESS_KEY",
  "NO_COLOR",
  "FORCE_COLOR",
];

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** Peak resident memory of the process, in bytes (only with `measure`). */
  readonly maxRss: number | undefined;
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Report the process's peak memory (runs main through a small wrapper instead of bin/). */
  readonly measure?: boolean;
  /** Kill the process after this long (a hang fails the test instead of stalling the run). */
  readonly timeoutMs?: number;
}

// The wrapper prints the peak RSS on a last stderr line; main() is the same function bin/ calls.
const WRAPPER = `const { main } = await import(${JSON.stringify(MAIN)});
const code = await main(process.argv.slice(1));
process.stderr.write("\\nmaxrss-kb=" + process.resourceUsage().maxRSS + "\\n");
process.exitCode = code;`;

export function runCli(args: readonly string[], options: RunOptions): CliResult {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of SETTING_VARIABLES) delete base[k];
  const argv = options.measure ? ["--input-type=module", "-e", WRAPPER, "--", ...args] : [BIN, ...args];
  const started = Date.now();
  const r = spawnSync(process.execPath, argv, {
    cwd: options.cwd,
    encoding: "utf8",
    env: { ...base, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  let err = r.stderr ?? "";
  let maxRss: number | undefined;
  const m = /\nmaxrss-kb=(\d+)\n$/.exec(err);
  if (m) {
    maxRss = Number(m[1]) * 1024;
    err = err.slice(0, m.index);
  }
  return { code: r.status, out: r.stdout ?? "", err, maxRss, ms };
}

/** Parsed JSON: tests read into it freely and let a wrong shape fail the assertion that reads it. */
type Json = ReturnType<typeof JSON.parse>;

/** Run with `--json` and parse stdout. */
export function runJson(args: readonly string[], options: RunOptions): CliResult & { body: Json } {
  const r = runCli([...args, "--json"], options);
  let body: Json;
  try {
    body = JSON.parse(r.out);
  } catch {
    throw new Error(`expected JSON on stdout from optprov ${args.join(" ")}, got:\n${r.out}\n${r.err}`);
  }
  return { ...r, body };
}

/** A fresh folder with an optprov.yml of its own, so no settings file above it applies. */
export function freshDir(prefix: string, config = "version: 1\n"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (config !== "") fs.writeFileSync(path.join(dir, "optprov.yml"), config);
  return dir;
}

/** Every path below `dir`, relative, sorted: what a command left behind. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const full = path.join(d, name);
      out.push(path.relative(dir, full));
      if (fs.lstatSync(full).isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}
