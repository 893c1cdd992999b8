/**
 * `optprov init`: set a folder up for optprov. It writes
 *   optprov.yml                settings, commented (where the ledger and its log key are)
 *   .optprov/ledger.db         an empty ledger (its log is created, so every command works at once)
 *   .optprov/log.key           the log's private key (mode 0600)
 *   .optprov/policy.yaml       a starter gate policy, every field commented, owned by --owner
 *   .optprov/.gitignore        so that keys are not committed by accident
 * and prints the exact commands to run next.
 *
 * Decisions: init works in the current folder and ignores any optprov.yml above it (setting up a
 * nested project is the point) and the OPTPROV_* variables; only --ledger and --log-key change
 * where things go. It refuses to touch an existing setup; with --force it rewrites the two starter
 * files but never replaces an existing ledger or log key, because that would orphan the provenance
 * already recorded: a ledger is kept as it is, and a lone log.key becomes the new ledger's key.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { checkKeyName } from "../../ledger/keys.js";
import { CONFIG_FILE } from "../../sdk/config.js";
import { shownPath } from "../../sdk/input-file.js";
import { DEFAULT_LEDGER, defaultLogKeyFile } from "../../sdk/location.js";
import { checkOutputFile, writeOutputFile } from "../../sdk/output-file.js";
import { parseStoreLocation } from "../../store/open-store.js";
import { type Created, createLedger, type GlobalOptions, openLedgerFile } from "../context.js";
import { makeOutput } from "../output.js";
import { starterConfig, starterPolicy } from "../starter-files.js";

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The login name as a key name (printable, no spaces or '+'), or `owner` if there is none. */
function defaultOwner(): string {
  let name = "";
  try {
    name = os.userInfo().username;
  } catch {}
  const clean = name.replace(/[^\x21-\x2a\x2c-\x7e]/g, "-").slice(0, 64);
  return clean === "" ? "owner" : clean;
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A path as the user should type it from here: relative when below the current folder. */
function fromHere(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** A shell word: quoted when it holds anything a shell would interpret. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._/@:+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function registerInit(program: Command, globals: () => GlobalOptions): void {
  program
    .command("init")
    .description(
      "Set up optprov here: .optprov/ with an empty ledger, its log key and a commented starter policy, and a commented optprov.yml; prints what to do next",
    )
    .option(
      "--owner <name>",
      "who owns the starter policy: the name your signing key will have (default: your user name)",
    )
    .option(
      "--force",
      "rewrite optprov.yml and the starter policy if they exist (an existing ledger and its log key are always kept)",
    )
    .action(async (opts: { owner?: string; force?: boolean }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const owner = opts.owner ?? defaultOwner();
      checkKeyName(owner, "--owner");
      const location = parseStoreLocation(g.ledger ?? DEFAULT_LEDGER);
      if (location.kind !== "sqlite")
        throw new UsageError(
          "USAGE",
          `optprov init sets up an embedded ledger; got --ledger ${location.shown}. for a PostgreSQL ledger set ledger: postgres://... in optprov.yml or OPTPROV_LEDGER instead; the first command that writes to it creates its log`,
        );
      const ledger = path.resolve(location.file);
      const dir = path.dirname(ledger);
      const keyFile = g.logKey === undefined ? defaultLogKeyFile(ledger) : undefined;
      const policyFile = path.join(dir, "policy.yaml");
      const gitignore = path.join(dir, ".gitignore");
      const configFile = path.resolve(CONFIG_FILE);
      const force = opts.force === true;

      const present = [configFile, policyFile, ledger, ...(keyFile ? [keyFile] : [])].filter(exists);
      if (present.length > 0 && !force)
        throw new UsageError(
          "FILE_EXISTS",
          `optprov is already set up here (${present.map((f) => shownPath(fromHere(f))).join(", ")} exist${present.length === 1 ? "s" : ""}); pass --force to rewrite the starter files (the ledger and its log key are kept)`,
        );
      // Every target is checked before anything is written, so a bad one fails the whole init.
      for (const f of [configFile, policyFile, gitignore])
        checkOutputFile(f, { what: "init", overwrite: force || f === gitignore, makeDirectories: true });

      const logKeySetting =
        g.logKey === undefined
          ? path.relative(process.cwd(), keyFile!) || keyFile!
          : g.logKey.startsWith("env:")
            ? g.logKey
            : path.relative(process.cwd(), path.resolve(g.logKey));
      const policyText = starterPolicy({
        owner,
        overseer: owner === "reviewer" ? "overseer" : "reviewer",
        expires: new Date(Date.now() + YEAR_MS).toISOString().replace(/\.\d{3}Z$/, "Z"),
        file: fromHere(policyFile),
      });
      const configText = starterConfig({
        ledger: path.relative(process.cwd(), ledger) || ledger,
        logKey: logKeySetting,
        actorKey: path.relative(process.cwd(), path.join(dir, `${owner}.key`)),
      });

      let created: Created | undefined;
      if (exists(ledger)) await (await openLedgerFile(ledger, false)).close();
      else created = (await createLedger(ledger, g.logKey, async () => undefined)).created;
      const written: string[] = [];
      try {
        if (!exists(gitignore)) {
          writeOutputFile(
            gitignore,
            "# private keys and witness state never belong in version control\n*.key\n*.state.json\n",
            {
              what: "init",
              overwrite: false,
            },
          );
          written.push(gitignore);
        }
        writeOutputFile(policyFile, policyText, { what: "init", overwrite: force, makeDirectories: true });
        written.push(policyFile);
        writeOutputFile(configFile, configText, { what: "init", overwrite: force });
        written.push(configFile);
      } catch (err) {
        // All or nothing: a ledger made by this run goes again, with its key.
        if (created !== undefined) {
          fs.rmSync(created.ledger, { force: true });
          if (created.logKeyFile) fs.rmSync(created.logKeyFile, { force: true });
        }
        if (!force) for (const f of written) fs.rmSync(f, { force: true });
        throw err;
      }

      const keyPath = fromHere(path.join(dir, `${owner}.key`));
      const next = [
        `optprov keygen --name ${shellWord(owner)} --out ${shellWord(keyPath)}`,
        `optprov policy ${shellWord(fromHere(policyFile))} --key ${shellWord(keyPath)}`,
        `optprov log append --kind note --actor ${shellWord(keyPath)} --text 'set up optprov'`,
        "optprov verify",
      ];
      const files = [
        { file: fromHere(configFile), what: "settings (optprov config shows them)", created: true },
        {
          file: fromHere(ledger),
          what: created ? "the ledger, empty" : "the ledger, kept as it was",
          created: created !== undefined,
        },
        ...(created?.logKeyFile
          ? [
              {
                file: fromHere(created.logKeyFile),
                what: "the log's private key: keep it private",
                created: true,
              },
            ]
          : []),
        { file: fromHere(policyFile), what: `a starter gate policy owned by ${owner}`, created: true },
      ];
      out.result({ owner, files, next }, () =>
        [
          `optprov is set up in ${shownPath(process.cwd())}:`,
          ...files.map((f) => `  ${shownPath(f.file).padEnd(24)} ${f.what}`),
          "",
          "Next:",
          `  1. make your signing key (its name must be the policy's owner, ${owner}):`,
          `       ${next[0]}`,
          `  2. edit ${fromHere(policyFile)}: put your overseers' key names under overseers, and the`,
          "     process kinds you use under rules; then sign it into the ledger:",
          `       ${next[1]}`,
          "  3. record something and check the ledger:",
          `       ${next[2]}`,
          `       ${next[3]}`,
          `  To leave --key and --actor out, set keys: { actor: ${keyPath} } in ${fromHere(configFile)}.`,
        ].join("\n"),
      );
    });
}
