/**
 * Reading a file someone named on the command line or in a config file: a spec, a policy, a key,
 * a proof. Every such file is hostile until read: it may be `/dev/zero`, a FIFO nobody writes to,
 * a directory, a 50 GB log, a symlink to someone's private key, or bytes that are not UTF-8.
 *
 * So a file is opened once and judged by what was opened (`fstat` on the descriptor, not `stat`
 * on the name, which could change in between); anything but a regular file is refused with a
 * coded error that names the file and what it is; FIFOs are opened non-blocking so that the open
 * itself cannot hang; and the byte limit is enforced while reading, never trusting the size `stat`
 * reports (procfs files report 0, a growing file reports less than it will hold). Errors name the
 * file and never quote its content: the file may be a secret someone symlinked there.
 */
import fs from "node:fs";
import { UsageError } from "../errors.js";

/** What a path turned out to be, for messages (`expected a regular file, got a directory`). */
export function describeFileKind(stat: fs.Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  return "not a regular file";
}

export interface InputFileOptions {
  /** What the file is for, to start messages with (`--key`, `policy file`). */
  readonly what: string;
  /** Most bytes accepted; reading stops one byte past it. */
  readonly maxBytes: number;
}

export interface InputFile {
  readonly bytes: Uint8Array;
  /** The permission bits of the file that was read (from the open descriptor). */
  readonly mode: number;
  /** The owner of the file that was read. */
  readonly uid: number;
}

/** A path fit to hand to `fs`: node throws a TypeError (an internal error) on a NUL byte. */
export function checkPathArgument(file: string, what: string): void {
  if (file === "") throw new UsageError("USAGE", `${what}: expected a file path, got an empty string`);
  if (file.includes("\0")) throw new UsageError("USAGE", `${what}: a file path cannot contain a NUL byte`);
}

/** A printable rendering of a path for messages: control characters escaped, so a name cannot drive the terminal. */
export function shownPath(file: string): string {
  return /[\x00-\x1f\x7f-\x9f]/.test(file) ? JSON.stringify(file) : file;
}

function openError(err: NodeJS.ErrnoException, file: string, what: string): UsageError {
  const name = shownPath(file);
  switch (err.code) {
    case "ENOENT":
    case "ENOTDIR":
      return new UsageError("FILE_NOT_FOUND", `${what}: no file at ${name}`);
    case "ENXIO": {
      // Opening a Unix socket (or a FIFO for writing with no reader) fails with ENXIO.
      let kind = "not a regular file";
      try {
        kind = describeFileKind(fs.statSync(file));
      } catch {}
      return new UsageError("FILE_NOT_REGULAR", `${what}: expected a regular file at ${name}, got ${kind}`);
    }
    case "EACCES":
    case "EPERM":
      return new UsageError("FILE_UNREADABLE", `${what}: permission denied reading ${name}`);
    case "ELOOP":
      return new UsageError("FILE_UNREADABLE", `${what}: ${name} is a loop of symbolic links`);
    case "ENAMETOOLONG":
      return new UsageError("USAGE", `${what}: the file name is too long`);
    default:
      return new UsageError("FILE_UNREADABLE", `${what}: cannot read ${name} (${err.code ?? "error"})`);
  }
}

/** Read size: large enough that a 1 MiB spec takes 16 reads, small enough to stop near the limit. */
const CHUNK = 64 * 1024;

/**
 * Read a regular file's bytes, at most `maxBytes` of them.
 * Throws UsageError: FILE_NOT_FOUND, FILE_NOT_REGULAR, FILE_TOO_LARGE, FILE_UNREADABLE, USAGE.
 *
 * @example const { bytes } = readInputFile("e7.tlog-proof", { what: "proof file", maxBytes: 4 << 20 });
 */
export function readInputFile(file: string, options: InputFileOptions): InputFile {
  const { what, maxBytes } = options;
  checkPathArgument(file, what);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    // O_NOCTTY: a terminal device named here must not become the process's controlling terminal.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    throw openError(err as NodeJS.ErrnoException, file, what);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile())
      throw new UsageError(
        "FILE_NOT_REGULAR",
        `${what}: expected a regular file at ${shownPath(file)}, got ${describeFileKind(stat)}`,
      );
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One byte past the limit is enough to know the file is too large.
      const want = Math.min(CHUNK, maxBytes + 1 - total);
      if (want <= 0) break;
      const chunk = Buffer.allocUnsafe(want);
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, want, null);
      } catch (err) {
        throw openError(err as NodeJS.ErrnoException, file, what);
      }
      if (n === 0) break;
      chunks.push(n === want ? chunk : chunk.subarray(0, n));
      total += n;
    }
    if (total > maxBytes)
      throw new UsageError(
        "FILE_TOO_LARGE",
        `${what}: ${shownPath(file)} is larger than the limit of ${maxBytes.toLocaleString("en")} bytes`,
      );
    const bytes = Buffer.concat(chunks, total);
    return {
      bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
      mode: stat.mode,
      uid: stat.uid,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Decode bytes as UTF-8, refusing anything that is not (rather than replacing it with U+FFFD and
 * then signing or hashing a text the author never wrote). A leading byte-order mark is dropped.
 * Throws UsageError FILE_NOT_UTF8, naming the byte offset, never the bytes.
 *
 * @example decodeUtf8(new Uint8Array([0x68, 0x69]), "policy.yaml", "policy file") === "hi"
 */
export function decodeUtf8(bytes: Uint8Array, file: string, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(
      "FILE_NOT_UTF8",
      `${what}: ${shownPath(file)} is not UTF-8 text (first bad byte at offset ${firstInvalidUtf8(bytes)})`,
    );
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // Binary search on the longest valid prefix would be faster; files are bounded, so keep it plain.
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return i;
}

/**
 * Read a regular file as strict UTF-8 text, at most `maxBytes` bytes.
 *
 * @example const text = readInputText("lab.policy.yaml", { what: "policy file", maxBytes: 256 * 1024 });
 */
export function readInputText(file: string, options: InputFileOptions): string {
  return decodeUtf8(readInputFile(file, options).bytes, file, options.what);
}
