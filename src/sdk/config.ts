/**
 * `optprov.yml`: a project's settings (where the ledger lives, where its log key comes from, the
 * server, and the keys people sign with by default), found by walking up from the working
 * directory the way git finds `.git`. Every setting is resolved in one order: a flag, then an
 * `OPTPROV_*` environment variable, then optprov.yml, then the built-in default; `optprov config`
 * shows each value and where it came from. `docs/configuration.md` is the table of settings.
 *
 * Paths in optprov.yml are relative to the folder that holds it, so the same file works from any
 * subfolder. A file owned by another user (or writable by everyone) is refused: whoever can write
 * it decides which ledger and which keys the next command uses, the way a planted `.git` would.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import {
  type DocumentLimits,
  type DocumentProblem,
  formatProblem,
  loadYamlDocument,
} from "../control/policy.js";
import { UsageError } from "../errors.js";
import { serverUrlProblem } from "../store/http/http-client.js";
import { checkPathArgument, decodeUtf8, readInputFile, shownPath } from "./input-file.js";
import { DEFAULT_LEDGER, defaultLogKeyFile } from "./location.js";

export const CONFIG_FILE = "optprov.yml";

/** A settings file is a dozen lines; 64 KiB is generous, and it is read on every command. */
export const CONFIG_LIMITS: DocumentLimits = {
  bytes: 64 * 1024,
  depth: 8,
  aliases: 16,
  expandedNodes: 1000,
  errors: 50,
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes("\0"), "a path cannot contain a NUL byte");

/** A key source: a file path, or `env:NAME` to read the key from variable NAME. */
const keySource = filePath.refine(
  (s) => !s.startsWith("env:") || ENV_NAME.test(s.slice(4)),
  "env: must be followed by a variable name (letters, digits, _)",
);

export const CONFIG_SCHEMA = z.strictObject({
  /** The format of this file; 1 if omitted. */
  version: z.literal(1).optional(),
  /** The ledger file. */
  ledger: filePath.optional(),
  /** The log's signing key: a file, or env:NAME. */
  logKey: keySource.optional(),
  /** The optprov server to work against instead of a ledger file (see `ledgerTarget`). */
  server: z
    .string()
    .max(2048)
    .superRefine((s, ctx) => {
      const problem = serverUrlProblem(s);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  /** Keys used when a command's --actor or --key is omitted, by the role the command needs. */
  keys: z
    .strictObject({
      /** Signs entries and policies, asks for resumes (`log append`, `policy`, `resume`). */
      actor: keySource.optional(),
      /** Reviews and halts (`review approve|reject`, `halt`). */
      overseer: keySource.optional(),
      /** Cosigns checkpoints (`witness cosign`); a key made with `keygen --witness`. */
      witness: keySource.optional(),
    })
    .optional(),
});
export type ConfigDocument = z.infer<typeof CONFIG_SCHEMA>;

/** An optprov.yml that does not validate: CONFIG_INVALID, with every problem located. */
export class ConfigError extends UsageError {
  readonly reasons: readonly DocumentProblem[];
  constructor(message: string, reasons: readonly DocumentProblem[] = []) {
    super("CONFIG_INVALID", message);
    this.reasons = reasons;
  }
}

export type KeyRoleName = "actor" | "overseer" | "witness";

export interface LoadedConfig {
  readonly file: string;
  /** Each setting as written (paths already resolved against the file's folder), with its line. */
  readonly settings: ReadonlyMap<string, { readonly value: string; readonly line: number }>;
}

/**
 * The optprov.yml that governs `dir`: the nearest one in `dir` or a folder above it.
 *
 * @example findConfigFile(process.cwd()) // "/home/alice/lab/optprov.yml", or undefined
 */
export function findConfigFile(dir: string, exists: (file: string) => boolean): string | undefined {
  let current = path.resolve(dir);
  for (let hops = 0; hops < 4096; hops++) {
    const candidate = path.join(current, CONFIG_FILE);
    if (exists(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

/**
 * Why a settings file may not be trusted, or undefined: owned by someone else (root excepted, as
 * for system-wide files) or writable by every user.
 *
 * @example configOwnershipProblem(1001, 0o644, 1000) // "belongs to another user (uid 1001); ..."
 */
export function configOwnershipProblem(
  uid: number,
  mode: number,
  ownUid: number | undefined,
): string | undefined {
  if (ownUid !== undefined && uid !== ownUid && uid !== 0)
    return `belongs to another user (uid ${uid}); whoever owns it chooses your ledger and keys. Remove it, or pass --config`;
  if ((mode & 0o002) !== 0) return "can be written by every user on this machine; chmod o-w it";
  return undefined;
}

function resolveAgainst(dir: string, value: string): string {
  return value.startsWith("env:") ? value : path.resolve(dir, value);
}

/**
 * Read and check an optprov.yml. Throws ConfigError (CONFIG_INVALID) with every problem as
 * `file:line:column path: message [CODE]`, or a file error (FILE_NOT_FOUND, FILE_NOT_UTF8, ...).
 *
 * @example const config = loadConfigFile("optprov.yml"); config.settings.get("ledger")?.value
 */
export function loadConfigFile(file: string): LoadedConfig {
  const { bytes, mode, uid } = readInputFile(file, { what: "config file", maxBytes: CONFIG_LIMITS.bytes });
  const unsafe = configOwnershipProblem(uid, mode, process.getuid?.());
  if (unsafe !== undefined) throw new ConfigError(`config file ${shownPath(file)} ${unsafe}`);
  const text = decodeUtf8(bytes, file, "config file");
  const loaded = loadYamlDocument(text, file, CONFIG_SCHEMA, CONFIG_LIMITS);
  if (loaded.value === undefined) {
    const first = loaded.problems[0];
    throw new ConfigError(first ? formatProblem(first) : `${file}: invalid`, loaded.problems);
  }
  const dir = path.dirname(path.resolve(file));
  const settings = new Map<string, { value: string; line: number }>();
  const put = (name: string, at: (string | number)[], value: string | undefined, isPath: boolean) => {
    if (value !== undefined)
      settings.set(name, {
        value: isPath ? resolveAgainst(dir, value) : value,
        line: loaded.locate(at).line,
      });
  };
  const c = loaded.value;
  put("ledger", ["ledger"], c.ledger, true);
  put("logKey", ["logKey"], c.logKey, true);
  put("server", ["server"], c.server, false);
  for (const role of ["actor", "overseer", "witness"] as const)
    put(`keys.${role}`, ["keys", role], c.keys?.[role], true);
  return { file: path.resolve(file), settings };
}

export type SettingSource = "flag" | "env" | "config" | "default";

/** One resolved setting: its value and where it came from (`--ledger`, `OPTPROV_LEDGER`, `optprov.yml:3`). */
export interface Setting {
  readonly value: string;
  readonly source: SettingSource;
  readonly from: string;
}

export interface Settings {
  /** The optprov.yml in use, if any. */
  readonly configFile: string | undefined;
  readonly ledger: Setting;
  /** The log key's source; by default `log.key` beside the ledger (which may not exist yet). */
  readonly logKey: Setting;
  readonly server: Setting | undefined;
  readonly keys: Readonly<Record<KeyRoleName, Setting | undefined>>;
}

/** The environment variable for each setting. */
export const SETTING_ENV = {
  ledger: "OPTPROV_LEDGER",
  logKey: "OPTPROV_LOG_KEY",
  server: "OPTPROV_URL",
  "keys.actor": "OPTPROV_ACTOR_KEY",
  "keys.overseer": "OPTPROV_OVERSEER_KEY",
  "keys.witness": "OPTPROV_WITNESS_KEY",
} as const;

/** The name `server` was read from before it was used; still read, after OPTPROV_URL. */
export const SERVER_ENV_ALIAS = "OPTPROV_SERVER";

export interface SettingFlags {
  readonly ledger?: string | undefined;
  readonly logKey?: string | undefined;
  readonly server?: string | undefined;
}

/**
 * Resolve every setting: flags, then environment variables (an empty variable counts as unset),
 * then the config file, then the defaults. Pure: the caller reads the environment and the file.
 *
 * @example resolveSettings({ ledger: "x.db" }, process.env, undefined).ledger // { value: "x.db", source: "flag", from: "--ledger" }
 */
export function resolveSettings(
  flags: SettingFlags,
  env: Readonly<Record<string, string | undefined>>,
  config: LoadedConfig | undefined,
): Settings {
  const pick = (name: keyof typeof SETTING_ENV, flag?: { value: string | undefined; name: string }) => {
    if (flag?.value !== undefined) return { value: flag.value, source: "flag", from: flag.name } as const;
    const variables = name === "server" ? [SETTING_ENV.server, SERVER_ENV_ALIAS] : [SETTING_ENV[name]];
    for (const variable of variables) {
      const fromEnv = env[variable];
      if (fromEnv !== undefined && fromEnv !== "")
        return { value: fromEnv, source: "env", from: variable } as const;
    }
    const fromFile = config?.settings.get(name);
    if (fromFile !== undefined && config !== undefined)
      return {
        value: fromFile.value,
        source: "config",
        from: `${path.basename(config.file)}:${fromFile.line}`,
      } as const;
    return undefined;
  };
  const ledger = pick("ledger", { value: flags.ledger, name: "--ledger" }) ?? {
    value: DEFAULT_LEDGER,
    source: "default",
    from: "built-in",
  };
  checkPathArgument(ledger.value, `ledger (${ledger.from})`);
  const logKey = pick("logKey", { value: flags.logKey, name: "--log-key" }) ?? {
    value: defaultLogKeyFile(ledger.value),
    source: "default",
    from: "beside the ledger",
  };
  const server = pick("server", { value: flags.server, name: "--server" });
  if (server !== undefined && server.source !== "config") {
    const problem = serverUrlProblem(server.value);
    if (problem !== undefined) throw new UsageError("USAGE", `${server.from}: ${problem}`);
  }
  return {
    configFile: config?.file,
    ledger,
    logKey,
    server,
    keys: { actor: pick("keys.actor"), overseer: pick("keys.overseer"), witness: pick("keys.witness") },
  };
}

const RANK: Record<SettingSource, number> = { flag: 0, env: 1, config: 2, default: 3 };

/**
 * What the commands and `openLedger()` work against: the server when one is set, unless the
 * ledger is set by a stronger source (`--ledger` beats `OPTPROV_URL`; `OPTPROV_LEDGER` beats
 * `server:` in optprov.yml). The two at the same strength: both flags, or both variables, is a
 * USAGE error (which one was meant?); both in optprov.yml is how one file serves a team: the
 * server is what commands use, the ledger what `optprov serve` serves.
 *
 * @example ledgerTarget(resolveSettings({ server: "http://127.0.0.1:4850" }, {}, undefined)).kind // "server"
 */
export function ledgerTarget(
  s: Settings,
):
  | { readonly kind: "server"; readonly setting: Setting }
  | { readonly kind: "ledger"; readonly setting: Setting } {
  const server = s.server;
  if (server === undefined || RANK[s.ledger.source] < RANK[server.source])
    return { kind: "ledger", setting: s.ledger };
  if (s.ledger.source === server.source && server.source !== "config")
    throw new UsageError(
      "USAGE",
      `both ${s.ledger.from} and ${server.from} are set: give the ledger file or the server, not both`,
    );
  return { kind: "server", setting: server };
}

/**
 * The project's optprov.yml: `explicit`, else $OPTPROV_CONFIG, else the nearest one found walking
 * up from the working directory; undefined when there is none.
 *
 * @example projectConfig()?.file // "/home/alice/lab/optprov.yml"
 */
export function projectConfig(explicit?: string): LoadedConfig | undefined {
  const named = explicit ?? (process.env.OPTPROV_CONFIG || undefined);
  if (named !== undefined) return loadConfigFile(named);
  const found = findConfigFile(process.cwd(), (file) => {
    try {
      fs.lstatSync(file);
      return true;
    } catch {
      return false;
    }
  });
  return found === undefined ? undefined : loadConfigFile(found);
}
