/**
 * The optprov command line: flags mapped to library calls, nothing more.
 * Exit codes: 0 success, 1 a verification found a problem, 2 bad input or usage, 70 an internal error.
 */
import { Command, CommanderError } from "commander";
import { formatProblem } from "../control/policy.js";
import { OptprovError, VerificationError } from "../errors.js";
import { packageVersion } from "../version.js";
import { registerConfig } from "./commands/config.js";
import { registerControl } from "./commands/control.js";
import { registerInit } from "./commands/init.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerLog } from "./commands/log.js";
import { registerPolicy } from "./commands/policy.js";
import { registerProofs } from "./commands/proofs.js";
import { registerReview } from "./commands/review.js";
import { registerServe } from "./commands/serve.js";
import { registerSpec } from "./commands/spec.js";
import { registerVerify } from "./commands/verify.js";
import { registerWitness } from "./commands/witness.js";
import type { GlobalOptions } from "./context.js";
import { terminalSafe } from "./output.js";
import { stderrStyle } from "./style.js";

/**
 * The command tree, every command registered.
 *
 * @example await buildProgram().parseAsync(["verify"], { from: "user" });
 */
export function buildProgram(
  options: { readonly json?: boolean; readonly writeOut?: (text: string) => void } = {},
): Command {
  const program = new Command("optprov");
  // Configured before any command is added: subcommands copy these settings when created.
  program
    .exitOverride()
    .configureOutput({
      writeOut: options.writeOut ?? ((text) => process.stdout.write(text)),
      writeErr: options.json ? () => undefined : (text) => process.stderr.write(terminalSafe(text)),
      // Commander's own usage errors carry the same code as every other usage error.
      outputError: (text, write) => write(text.replace(/^error: /, "error [USAGE]: ")),
    })
    .showHelpAfterError("(run with --help for usage)");
  program
    .description(
      "Optimization provenance: legible optimizers, gated mesa-optimizers, and a tamper-evident ledger",
    )
    .version(packageVersion(), "--version", "print optprov's version")
    .option(
      "--ledger <path>",
      "the ledger file (default: $OPTPROV_LEDGER, then ledger in optprov.yml, then .optprov/ledger.db)",
    )
    .option(
      "--log-key <key>",
      "the log's signing key: a file or env:NAME (default: $OPTPROV_LOG_KEY, then logKey in optprov.yml, then log.key beside the ledger)",
    )
    .option(
      "--server <url>",
      "work against an optprov server (optprov serve) instead of a ledger file (default: $OPTPROV_URL, then server in optprov.yml); entries are signed here, the server's log appends them, and everything read is re-checked here",
    )
    .option(
      "--token <token>",
      "the server's API token, or env:NAME to read it from variable NAME (default: $OPTPROV_TOKEN)",
    )
    .option(
      "--config <file>",
      "the settings file (default: $OPTPROV_CONFIG, then the nearest optprov.yml from here up)",
    )
    .option("--json", "print one JSON document for scripts instead of text");
  const globals = () => program.opts<GlobalOptions>();
  registerInit(program, globals);
  registerConfig(program, globals);
  registerKeygen(program, globals);
  registerLog(program, globals);
  registerProofs(program, globals);
  registerVerify(program, globals);
  registerWitness(program, globals);
  registerPolicy(program, globals);
  registerReview(program, globals);
  registerControl(program, globals);
  registerSpec(program, globals);
  registerServe(program, globals);
  return program;
}

/** The located problems an error carries (a policy's or optprov.yml's), if any. */
function problemsOf(err: OptprovError): readonly { readonly code: string; readonly message: string }[] {
  const reasons = (err as { reasons?: unknown }).reasons;
  return Array.isArray(reasons) ? (reasons as { code: string; message: string }[]) : [];
}

function report(
  err: { code: string; message: string },
  problems: readonly { code: string; message: string }[],
  json: boolean,
): void {
  if (json) {
    const body = { code: err.code, message: err.message, ...(problems.length > 0 ? { problems } : {}) };
    process.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    return;
  }
  const style = stderrStyle(false);
  // Problems first, one `file:line:column path: message [CODE]` per line (editors jump to them),
  // then the one-line summary.
  const lines = problems.map((p) => terminalSafe(formatProblem(p)));
  const summary =
    problems.length > 0
      ? `${problems.length} ${problems.length === 1 ? "problem" : "problems"}; nothing was written`
      : err.message;
  lines.push(`${style.bad("error")} [${err.code}]: ${terminalSafe(summary)}`);
  process.stderr.write(`${lines.join("\n")}\n`);
}

/**
 * Run the command line on `argv` (without node and the script) and return the exit code.
 *
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  // In JSON mode commander's own output (help, version) is held back until it is known which it was.
  let held = "";
  const program = buildProgram({
    json,
    ...(json
      ? {
          writeOut: (text: string) => {
            held += text;
          },
        }
      : {}),
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) {
        if (json && err.code === "commander.version")
          process.stdout.write(`${JSON.stringify({ version: packageVersion() }, null, 2)}\n`);
        else process.stdout.write(held);
        return 0;
      }
      if (json) report({ code: "USAGE", message: err.message.replace(/^error: /, "") }, [], true);
      return 2;
    }
    if (err instanceof OptprovError) {
      report(err, problemsOf(err), json);
      return err instanceof VerificationError ? 1 : 2;
    }
    if (err instanceof SyntaxError) {
      // JSON.parse's message quotes the text it choked on; the text may be a file's secret content.
      report({ code: "JSON_INVALID", message: "expected JSON, got text that does not parse" }, [], json);
      return 2;
    }
    report({ code: "INTERNAL", message: (err as Error).stack ?? String(err) }, [], json);
    return 70;
  }
}
