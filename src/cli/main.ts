/**
 * The optprov command line: flags mapped to library calls, nothing more.
 * Exit codes: 0 success, 1 a verification found a problem, 2 bad input or usage, 70 an internal error.
 */
import fs from "node:fs";
import { Command, CommanderError } from "commander";
import { OptprovError, VerificationError } from "../errors.js";
import { registerControl } from "./commands/control.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerLog } from "./commands/log.js";
import { registerProofs } from "./commands/proofs.js";
import { registerSpec } from "./commands/spec.js";
import { registerVerify } from "./commands/verify.js";
import { registerWitness } from "./commands/witness.js";
import type { GlobalOptions } from "./context.js";

/**
 * The package's version, read from its package.json at run time (dist/cli/ and src/cli/ both sit
 * two levels below it), so that `--version` cannot drift from what npm installed.
 */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export function buildProgram(): Command {
  const program = new Command("optprov")
    .description(
      "Optimization provenance: legible optimizers, gated mesa-optimizers, and a tamper-evident ledger",
    )
    .option("--ledger <path>", "the ledger file (default: $OPTPROV_LEDGER or .optprov/ledger.db)")
    .option(
      "--log-key <key>",
      "the log's signing key: a file or env:NAME (default: $OPTPROV_LOG_KEY or log.key beside the ledger)",
    )
    .option("--json", "print one JSON document for scripts instead of text")
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  registerKeygen(program, globals);
  registerLog(program, globals);
  registerProofs(program, globals);
  registerVerify(program, globals);
  registerWitness(program, globals);
  registerControl(program, globals);
  registerSpec(program, globals);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

function report(code: string, message: string, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
  else process.stderr.write(`error [${code}]: ${message}\n`);
}

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const program = buildProgram();
  if (json) program.configureOutput({ writeErr: () => undefined });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      if (json) report("USAGE", err.message.replace(/^error: /, ""), true);
      return 2;
    }
    if (err instanceof OptprovError) {
      report(err.code, err.message, json);
      return err instanceof VerificationError ? 1 : 2;
    }
    if (err instanceof SyntaxError) {
      report("JSON_INVALID", err.message, json);
      return 2;
    }
    report("INTERNAL", (err as Error).stack ?? String(err), json);
    return 70;
  }
}
