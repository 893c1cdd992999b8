/**
 * Global CLI options resolved to settings (flags, then `OPTPROV_*` variables, then optprov.yml,
 * then defaults) and to an open ledger.
 *
 * Two rules hold for every command:
 *  - only `log append`, `policy` and `init` create a ledger; every other command needs one that
 *    exists and refuses a missing path (FILE_NOT_FOUND) without writing a file, a folder or a key;
 *  - a command that fails writes nothing. Each command appends all its entries in one batch
 *    (`Log.append` is all or nothing), and a ledger being created is built under a temporary name
 *    and moved into place, with its new log key, only once the command has succeeded.
 */
import fs from "node:fs";
import path from "node:path";
import type { ControlState } from "../control/state.js";
import { RemoteError, StoreError, UsageError } from "../errors.js";
import { randomBytes } from "../ledger/crypto.js";
import { formatVerifierKey, type SignerKey } from "../ledger/keys.js";
import { type AppendedEntry, Log } from "../ledger/log.js";
import type { LedgerStore } from "../ledger/store.js";
import { ledgerRules } from "../oversight/gate-detectors.js";
import {
  CONFIG_FILE,
  type KeyRoleName,
  type LoadedConfig,
  ledgerTarget,
  projectConfig,
  resolveSettings,
  SETTING_ENV,
  type Settings,
} from "../sdk/config.js";
import { describeFileKind, shownPath } from "../sdk/input-file.js";
import { type Ledger, openLedger } from "../sdk/ledger.js";
import { defaultLogKeyFile, findLogKey, newLogKey, readSignerKey, writeKeyFile } from "../sdk/location.js";
import { linkNoClobber } from "../sdk/output-file.js";
import { HttpStore } from "../store/http/http-store.js";
import { openStore, parseStoreLocation } from "../store/open-store.js";

export interface GlobalOptions {
  readonly ledger?: string;
  readonly logKey?: string;
  readonly config?: string;
  readonly server?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/**
 * The optprov.yml in use: `--config`, then $OPTPROV_CONFIG, then the nearest one up from here.
 *
 * @example configFor({})?.file // "/home/alice/lab/optprov.yml"
 */
export function configFor(g: GlobalOptions): LoadedConfig | undefined {
  return projectConfig(g.config);
}

const resolved = new WeakMap<GlobalOptions, Settings>();

/**
 * Every setting, resolved once per invocation.
 *
 * @example settings(g).ledger // { value: ".optprov/ledger.db", source: "default", from: "built-in" }
 */
export function settings(g: GlobalOptions): Settings {
  let s = resolved.get(g);
  if (s === undefined) {
    s = resolveSettings({ ledger: g.ledger, logKey: g.logKey, server: g.server }, process.env, configFor(g));
    resolved.set(g, s);
  }
  return s;
}

/**
 * The ledger file the settings name.
 *
 * @example ledgerPath({ ledger: "x.db" }) === "x.db"
 */
export function ledgerPath(g: GlobalOptions): string {
  return settings(g).ledger.value;
}

/**
 * The optprov server the command works against, when the settings choose one over a ledger file
 * (`ledgerTarget`), with its token: `--token`, else $OPTPROV_TOKEN; either may be `env:NAME`.
 *
 * @example serverOf({ server: "http://127.0.0.1:4850" })?.url // "http://127.0.0.1:4850"
 */
export function serverOf(g: GlobalOptions): { readonly url: string; readonly token?: string } | undefined {
  const target = ledgerTarget(settings(g));
  if (target.kind !== "server") return undefined;
  const given = g.token ?? (process.env.OPTPROV_TOKEN || undefined);
  const what = g.token !== undefined ? "--token" : "OPTPROV_TOKEN";
  if (given === undefined) return { url: target.setting.value };
  if (!given.startsWith("env:")) return { url: target.setting.value, token: given };
  const token = process.env[given.slice(4)];
  if (token === undefined || token === "")
    throw new UsageError("USAGE", `${what}: ${given} names a variable that is not set`);
  return { url: target.setting.value, token };
}

/** Open the server's log as a store (`--server`, $OPTPROV_URL, `server:` in optprov.yml). */
async function openServerStore(server: {
  readonly url: string;
  readonly token?: string;
}): Promise<LedgerStore> {
  return HttpStore.open(server.url, server.token !== undefined ? { token: server.token } : {});
}

/** The log key's source when one was named (a flag, a variable, optprov.yml), else undefined. */
function logKeySource(g: GlobalOptions): string | undefined {
  const s = settings(g).logKey;
  return s.source === "default" ? undefined : s.value;
}

/**
 * The ledger's log key if one is at hand (named, or `log.key` beside the ledger); never creates one.
 *
 * @example if (logKeyAtHand(g) === undefined) throw new UsageError("FILE_NOT_FOUND", "no log key");
 */
export function logKeyAtHand(g: GlobalOptions): SignerKey | undefined {
  // A server's log key stays on the server.
  if (serverOf(g) !== undefined) return undefined;
  return findLogKey(ledgerPath(g), logKeySource(g));
}

/**
 * The location of a ledger that must already exist (everything but `log append`, `policy` and
 * `init`): FILE_NOT_FOUND when there is no file, FILE_NOT_REGULAR when it is a directory or a
 * device. A database URL is returned as it is; whether it holds a log is found when it is opened.
 *
 * @example const file = existingLedgerPath(g);
 */
export function existingLedgerPath(g: GlobalOptions): string {
  const server = serverOf(g);
  if (server !== undefined) return server.url;
  const location = ledgerPath(g);
  const where = parseStoreLocation(location);
  if (where.kind !== "sqlite") return location;
  const file = where.file;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(
      "FILE_NOT_FOUND",
      `no ledger at ${shownPath(file)}; optprov init or optprov log append creates one, or pass --ledger`,
    );
  }
  if (!stat.isFile())
    throw new UsageError(
      "FILE_NOT_REGULAR",
      `ledger: expected a ledger file at ${shownPath(file)}, got ${describeFileKind(stat)}`,
    );
  return location;
}

/**
 * Open an existing ledger's store. It is first opened read-only to check that it holds a log, so
 * that a file that is not a ledger (an empty file, a text file) is refused without SQLite writing
 * its schema into it.
 *
 * @example const store = await openExistingStore(g, false); // read-only
 */
export async function openExistingStore(
  g: GlobalOptions,
  write: boolean,
  where: { readonly local?: boolean } = {},
): Promise<LedgerStore> {
  const server = where.local ? undefined : serverOf(g);
  if (server !== undefined) return openServerStore(server);
  return openLedgerFile(where.local ? existingLocalPath(g) : existingLedgerPath(g), write);
}

/** The ledger file even when a server is set (`optprov serve` serves the file). */
function existingLocalPath(g: GlobalOptions): string {
  return existingLedgerPath({ ...g, server: undefined, ledger: ledgerPath(g) });
}

/**
 * Open the ledger at `location` (a file, which exists, or a database URL) after checking read-only
 * that it holds a log: STORE_NOT_INITIALISED for an empty file or database, STORE_OPEN_FAILED for a
 * file that is not SQLite or a server that cannot be reached.
 *
 * @example const store = await openLedgerFile(".optprov/ledger.db", true);
 */
export async function openLedgerFile(location: string, write: boolean): Promise<LedgerStore> {
  const where = parseStoreLocation(location);
  if (where.kind !== "sqlite") {
    // Read-only first, as for a file: opening to write creates the tables, which a database that
    // holds no ledger must not get from a command that refuses it.
    const probe = await openStore(location, { readonly: true });
    try {
      if ((await probe.meta()) === undefined)
        throw new StoreError(
          "STORE_NOT_INITIALISED",
          `${probe.location} is not an optprov ledger: it holds no log`,
        );
    } catch (err) {
      await probe.close();
      throw err;
    }
    if (!write) return probe;
    await probe.close();
    return openStore(location, { readonly: false });
  }
  const file = where.file;
  const notALedger = (cause: unknown) => {
    // An empty file is an empty SQLite database, without our tables; anything else is not SQLite.
    const message = `${(cause as Error).message} ${((cause as Error).cause as Error | undefined)?.message ?? ""}`;
    const empty = /no such table/.test(message);
    return new StoreError(
      empty ? "STORE_NOT_INITIALISED" : "STORE_OPEN_FAILED",
      `${shownPath(file)} is not an optprov ledger${empty ? ": it holds no log" : ""}`,
      { cause },
    );
  };
  let probe: LedgerStore;
  try {
    probe = await openStore(file, { readonly: true });
  } catch (cause) {
    throw notALedger(cause);
  }
  try {
    let meta: Awaited<ReturnType<LedgerStore["meta"]>>;
    try {
      meta = await probe.meta();
    } catch (cause) {
      throw notALedger(cause);
    }
    if (meta === undefined)
      throw new StoreError(
        "STORE_NOT_INITIALISED",
        `${shownPath(file)} is not an optprov ledger: it holds no log`,
      );
  } catch (err) {
    await probe.close();
    throw err;
  }
  if (!write) return probe;
  await probe.close();
  return openStore(file, { readonly: false });
}

/**
 * Open an existing ledger's log. `logKey`: "none" (reading, reviewing), "optional" (used if at
 * hand, e.g. to sign a checkpoint a proof needs), "required" (`checkpoint`).
 *
 * @example await withLog(openExistingLog(g, { write: true, logKey: "required" }), (log) => log.checkpoint());
 */
export async function openExistingLog(
  g: GlobalOptions,
  opts: {
    readonly write: boolean;
    readonly logKey: "none" | "optional" | "required";
    /** The ledger file, never a server (`optprov serve`). */
    readonly local?: boolean;
  },
): Promise<Log<ControlState>> {
  const remote = !opts.local && serverOf(g) !== undefined;
  if (remote && opts.logKey === "required")
    throw new RemoteError(
      "REMOTE_UNSUPPORTED",
      "signing a checkpoint is the server's to do (a second after each append); read its latest at /checkpoint",
    );
  const store = await openExistingStore(g, opts.write, { local: opts.local === true });
  try {
    const logKey = opts.logKey === "none" || remote ? undefined : findLogKey(store.location, logKeySource(g));
    if (logKey === undefined && opts.logKey === "required")
      throw new UsageError(
        "FILE_NOT_FOUND",
        `no log key at ${shownPath(defaultLogKeyFile(store.location))}; pass --log-key (a file or env:NAME)`,
      );
    // A reader still reads a damaged ledger (verify and audit say what is wrong with it); a writer
    // refuses to extend one whose entries break the log's rules.
    return await Log.open(store, {
      ...(logKey ? { logKey } : {}),
      rules: ledgerRules(),
      ...(opts.write ? {} : { onRefused: () => undefined }),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * Run `fn` on a log and close it, whatever happens.
 *
 * @example const size = await withLog(openExistingLog(g, { write: false, logKey: "none" }), async (l) => l.size);
 */
export async function withLog<T>(
  log: Promise<Log<ControlState>>,
  fn: (log: Log<ControlState>) => Promise<T>,
): Promise<T> {
  const l = await log;
  try {
    return await fn(l);
  } finally {
    await l.close();
  }
}

/**
 * The SDK's ledger over an existing store (review, halt, resume): it never creates one nor a key.
 *
 * @example await withExistingLedger(g, (ledger) => ledger.halt("learner", bob));
 */
export async function withExistingLedger<T>(
  g: GlobalOptions,
  fn: (ledger: Ledger) => Promise<T>,
): Promise<T> {
  const store = await openExistingStore(g, true);
  let ledger: Ledger;
  try {
    // With a store given, openLedger neither resolves a path nor looks for (or creates) a log key.
    ledger = await openLedger({ store });
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** What a creating command did to the file system, for the note it prints. */
export interface Created {
  readonly ledger: string;
  /** The log key written for the new ledger, if one was made. */
  readonly logKeyFile: string | undefined;
  readonly origin: string;
}

/**
 * Run `fn` on the ledger's log, creating the ledger if it does not exist (`log append`, `policy`).
 *
 * A new ledger is built in a temporary file beside its final path; only after `fn` succeeds is
 * the new log key written (never over an existing file) and the ledger linked into place (never
 * over a ledger another process made meanwhile). On failure everything made is removed again:
 * the temporary file, the key, and the folders made for them.
 *
 * @example const { value, created } = await withLogToAppend(g, (log) => log.append([envelope]));
 */
export async function withLogToAppend<T>(
  g: GlobalOptions,
  fn: (log: Log<ControlState>) => Promise<T>,
): Promise<{ readonly value: T; readonly created: Created | undefined }> {
  const file = ledgerPath(g);
  // A server's log always exists; a client never creates one.
  if (serverOf(g) !== undefined || (await ledgerExists(file)))
    return {
      value: await withLog(openExistingLog(g, { write: true, logKey: "none" }), fn),
      created: undefined,
    };
  return { ...(await createLedger(file, logKeySource(g), fn)) };
}

/** Whether a ledger is at `location`: a file there, or a database that holds a log. */
async function ledgerExists(location: string): Promise<boolean> {
  const where = parseStoreLocation(location);
  if (where.kind === "sqlite") return fs.existsSync(where.file);
  const store = await openStore(location, { readonly: true });
  try {
    return (await store.meta()) !== undefined;
  } catch (err) {
    if (err instanceof StoreError && err.code === "STORE_NOT_INITIALISED") return false;
    throw err;
  } finally {
    await store.close();
  }
}

/**
 * Create a ledger at `file` (which must not exist) and run `fn` on its log; see
 * {@link withLogToAppend}. The log key comes from `source`, else `log.key` beside the ledger if
 * one is there, else a new one written there.
 *
 * In a database (a `postgres://` location) there is no file to build aside and move into place:
 * the new log key is written first, then the log is created in the database and `fn` runs on it,
 * so a failing `fn` leaves an empty ledger and its key rather than a ledger whose key is lost.
 *
 * @example await createLedger(".optprov/ledger.db", undefined, async () => undefined); // an empty ledger
 */
export async function createLedger<T>(
  location: string,
  source: string | undefined,
  fn: (log: Log<ControlState>) => Promise<T>,
): Promise<{ readonly value: T; readonly created: Created }> {
  const found = findLogKey(location, source);
  const logKey: SignerKey = found ?? newLogKey();
  const keyFile = found === undefined ? defaultLogKeyFile(location) : undefined;
  const where = parseStoreLocation(location);
  if (where.kind !== "sqlite") return createDatabaseLedger(location, logKey, keyFile, fn);
  const file = where.file;

  const dir = path.dirname(path.resolve(file));
  const madeDir = fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Buffer.from(randomBytes(4)).toString("hex")}.new`,
  );
  let wroteKey = false;
  let linked = false;
  try {
    const store = await openStore(tmp);
    const log = await Log.open(store, { logKey, rules: ledgerRules() }).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    const value = await withLog(Promise.resolve(log), fn);
    if (keyFile !== undefined) {
      writeKeyFile(keyFile, logKey, false, "log key");
      wroteKey = true;
    }
    if (!linkNoClobber(tmp, file))
      throw new UsageError(
        "FILE_EXISTS",
        `a ledger appeared at ${shownPath(file)} while this one was made; nothing was written`,
      );
    linked = true;
    return { value, created: { ledger: file, logKeyFile: keyFile, origin: log.origin } };
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(`${tmp}${suffix}`, { force: true });
    if (!linked) {
      if (wroteKey && keyFile !== undefined) fs.rmSync(keyFile, { force: true });
      if (madeDir !== undefined) removeEmptyDirs(dir, madeDir);
    }
  }
}

async function createDatabaseLedger<T>(
  url: string,
  logKey: SignerKey,
  keyFile: string | undefined,
  fn: (log: Log<ControlState>) => Promise<T>,
): Promise<{ readonly value: T; readonly created: Created }> {
  const store = await openStore(url);
  let log: Log<ControlState>;
  try {
    if ((await store.meta()) !== undefined)
      throw new UsageError("FILE_EXISTS", `a ledger is already at ${store.location}; nothing was written`);
    if (keyFile !== undefined) writeKeyFile(keyFile, logKey, false, "log key");
    log = await Log.open(store, { logKey, rules: ledgerRules() });
  } catch (err) {
    await store.close();
    throw err;
  }
  const value = await withLog(Promise.resolve(log), fn);
  return { value, created: { ledger: store.location, logKeyFile: keyFile, origin: log.origin } };
}

/** Remove `dir` and its parents up to and including `top`, as long as each is empty. */
function removeEmptyDirs(dir: string, top: string): void {
  let current = dir;
  for (;;) {
    try {
      fs.rmdirSync(current);
    } catch {
      return;
    }
    if (path.resolve(current) === path.resolve(top)) return;
    current = path.dirname(current);
  }
}

/**
 * Say on stderr that a command created a ledger (and a log key), so that one is never a surprise.
 *
 * @example reportCreated((await withLogToAppend(g, fn)).created);
 */
export function reportCreated(c: Created | undefined): void {
  if (c === undefined) return;
  process.stderr.write(
    `created ledger ${shownPath(c.ledger)} (log ${c.origin})${c.logKeyFile ? ` and its log key ${shownPath(c.logKeyFile)} (keep it private)` : ""}\n`,
  );
}

/**
 * Append `entry` (signed by `key`), preceded in the same batch by the entry that registers `key`
 * as a root actor (a person) when the log has never seen its name: the log admits the batch whole
 * or not at all, so a refused entry leaves no actor behind.
 *
 * @example const { entry } = await appendAsActor(log, alice, time, log.sign("note", note, alice));
 */
export async function appendAsActor(
  log: Log<ControlState>,
  key: SignerKey,
  time: string,
  entry: Uint8Array,
): Promise<{ readonly entry: AppendedEntry; readonly registeredActorAt: number | undefined }> {
  const known = log.core.actors.has(key.name);
  const actor = log.sign(
    "actor",
    { actor: key.name, time, role: "person", key: formatVerifierKey(key) },
    key,
  );
  const appended = await log.append(known ? [entry] : [actor, entry]);
  return { entry: appended[appended.length - 1]!, registeredActorAt: known ? undefined : appended[0]!.index };
}

export const KEY_SOURCE_HELP =
  "a key file written by `optprov keygen`, or env:NAME to read the key from variable NAME";

/**
 * The signing key a command needs: its flag, else the default for the role (OPTPROV_<ROLE>_KEY,
 * then `keys.<role>` in optprov.yml). Witness keys must be cosigner keys; every other role needs an
 * ordinary signing key (KEY_WRONG_ROLE).
 *
 * @example const key = signingKey(g, opts.key, "overseer", "--key");
 */
export function signingKey(
  g: GlobalOptions,
  flag: string | undefined,
  role: KeyRoleName,
  what: string,
): SignerKey {
  if (flag !== undefined) return readSignerKey(flag, what, role === "witness" ? "witness" : "actor");
  const setting = settings(g).keys[role];
  if (setting === undefined)
    throw new UsageError(
      "USAGE",
      `${what}: expected ${KEY_SOURCE_HELP}; or set ${SETTING_ENV[`keys.${role}`]}, or keys.${role} in ${CONFIG_FILE}`,
    );
  return readSignerKey(
    setting.value,
    `${what} (keys.${role} from ${setting.from})`,
    role === "witness" ? "witness" : "actor",
  );
}
