/**
 * Writing a file someone named (`export --out`, `proof --out`, `keygen --out`, a witness's state):
 * never into a directory, a FIFO or a device, and never half: the bytes go to a temporary file in
 * the same directory, are flushed to disk, and are renamed over the target in one step, so a
 * failure (a full disk, a signal) leaves the old file or none, never a truncated one.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { randomBytes } from "../ledger/crypto.js";
import { checkPathArgument, describeFileKind, shownPath } from "./input-file.js";

export interface OutputFileOptions {
  /** What the file is for, to start messages with (`--out`). */
  readonly what: string;
  /** Replace an existing file (default true); false refuses with FILE_EXISTS. */
  readonly overwrite?: boolean;
  /** Permission bits of a new file (default 0o644 less the umask; 0o600 for keys). */
  readonly mode?: number;
  /** Create missing parent directories (default false: a mistyped directory is an error). */
  readonly makeDirectories?: boolean;
}

/**
 * Where bytes for `file` will actually land, checked before any work is done so that a command
 * fails before it signs or appends anything: an existing target must be a regular file (a symlink
 * is followed to one), and the directory must exist unless it may be made.
 * Throws UsageError: FILE_NOT_REGULAR, FILE_NOT_FOUND, FILE_EXISTS, USAGE.
 *
 * @example const target = checkOutputFile("prov.json", { what: "--out" });
 */
export function checkOutputFile(file: string, options: OutputFileOptions): string {
  const { what } = options;
  checkPathArgument(file, what);
  let target = path.resolve(file);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(target);
    if (stat.isSymbolicLink()) {
      // Replace what the link points to, not the link (a key file linked from elsewhere stays linked).
      target = fs.realpathSync(target);
      stat = fs.statSync(target);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (stat?.isSymbolicLink())
      throw new UsageError("FILE_NOT_FOUND", `${what}: ${shownPath(file)} is a symbolic link to nothing`);
    if (code !== "ENOENT" && code !== "ENOTDIR")
      throw new UsageError("FILE_UNWRITABLE", `${what}: cannot inspect ${shownPath(file)} (${code})`);
    stat = undefined;
  }
  if (stat !== undefined && !stat.isFile())
    throw new UsageError(
      "FILE_NOT_REGULAR",
      `${what}: cannot write to ${shownPath(file)}: it is ${describeFileKind(stat)}, not a regular file`,
    );
  if (stat !== undefined && options.overwrite === false)
    throw new UsageError(
      "FILE_EXISTS",
      `${what}: ${shownPath(file)} already exists; pass --force to replace it`,
    );
  if (!options.makeDirectories) {
    const dir = path.dirname(target);
    let dirStat: fs.Stats;
    try {
      dirStat = fs.statSync(dir);
    } catch {
      throw new UsageError(
        "FILE_NOT_FOUND",
        `${what}: no directory ${shownPath(dir)} to write ${shownPath(file)} in`,
      );
    }
    if (!dirStat.isDirectory())
      throw new UsageError(
        "FILE_NOT_REGULAR",
        `${what}: ${shownPath(dir)} is ${describeFileKind(dirStat)}, not a directory`,
      );
  }
  return target;
}

/**
 * Write `data` to `file` atomically (temporary file, fsync, rename), after the checks of
 * {@link checkOutputFile}. With `overwrite: false` the final step is a hard link, which fails if a
 * file appeared at the target in the meantime, instead of a rename, which would replace it.
 *
 * @example writeOutputFile("prov.json", text, { what: "--out" });
 */
export function writeOutputFile(file: string, data: string | Uint8Array, options: OutputFileOptions): void {
  const target = checkOutputFile(file, options);
  const dir = path.dirname(target);
  if (options.makeDirectories) fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${Buffer.from(randomBytes(4)).toString("hex")}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", options.mode ?? 0o644);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (options.mode !== undefined) fs.chmodSync(tmp, options.mode);
    if (options.overwrite === false) {
      if (!linkNoClobber(tmp, target))
        throw new UsageError(
          "FILE_EXISTS",
          `${options.what}: ${shownPath(file)} already exists; pass --force to replace it`,
        );
      fs.rmSync(tmp, { force: true });
    } else fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      "FILE_UNWRITABLE",
      `${options.what}: cannot write ${shownPath(file)} (${code ?? "error"})`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Give the file `from` the name `to` unless `to` is taken; false if it is. A hard link fails when
 * the name is taken, where a rename would replace what is there; on a file system without hard
 * links the name is checked and then renamed to, a narrow race instead of none. After a link both
 * names remain; the caller removes `from`.
 *
 * @example if (!linkNoClobber(tmp, "ledger.db")) throw new UsageError("FILE_EXISTS", "...");
 */
export function linkNoClobber(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
  }
  if (fs.existsSync(to)) return false;
  fs.renameSync(from, to);
  return true;
}
