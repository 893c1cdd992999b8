import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeUtf8, readInputFile, readInputText } from "./input-file.js";
import { thrown } from "./test-support/thrown.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-input-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};

describe("readInputFile", () => {
  it("reads a regular file up to the limit, and refuses one byte more", () => {
    const f = file("ten", "0123456789");
    expect(Buffer.from(readInputFile(f, { what: "t", maxBytes: 10 }).bytes).toString()).toBe("0123456789");
    expect(thrown(() => readInputFile(f, { what: "t", maxBytes: 9 })).code).toBe("FILE_TOO_LARGE");
  });

  it("stops reading a large file at the limit instead of reading it whole", () => {
    const f = path.join(dir, "sparse");
    fs.writeFileSync(f, "");
    fs.truncateSync(f, 512 * 1024 * 1024); // 512 MiB that takes no disk
    const before = process.memoryUsage().rss;
    const started = Date.now();
    expect(thrown(() => readInputFile(f, { what: "t", maxBytes: 1024 * 1024 })).code).toBe("FILE_TOO_LARGE");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses directories, devices, FIFOs and sockets by what they are, at once", async () => {
    expect(thrown(() => readInputFile(dir, { what: "t", maxBytes: 10 })).code).toBe("FILE_NOT_REGULAR");
    expect(thrown(() => readInputFile("/dev/zero", { what: "t", maxBytes: 10 })).code).toBe(
      "FILE_NOT_REGULAR",
    );
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // Nobody writes to it: a blocking open would never return.
    expect(thrown(() => readInputFile(fifo, { what: "t", maxBytes: 10 })).code).toBe("FILE_NOT_REGULAR");
    const sock = path.join(dir, "sock");
    const server = net.createServer().listen(sock);
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      expect(thrown(() => readInputFile(sock, { what: "t", maxBytes: 10 })).code).toBe("FILE_NOT_REGULAR");
    } finally {
      server.close();
    }
  });

  it("names the kind of file in the message, never its content", () => {
    let message = "";
    try {
      readInputFile("/dev/zero", { what: "--key", maxBytes: 10 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("a character device");
    expect(message).toContain("--key");
  });

  it("gives FILE_NOT_FOUND for a missing file and USAGE for a NUL in the path", () => {
    expect(thrown(() => readInputFile(path.join(dir, "nope"), { what: "t", maxBytes: 10 })).code).toBe(
      "FILE_NOT_FOUND",
    );
    expect(
      thrown(() => readInputFile(path.join(dir, "nope", "deeper"), { what: "t", maxBytes: 10 })).code,
    ).toBe("FILE_NOT_FOUND");
    expect(thrown(() => readInputFile("a\0b", { what: "t", maxBytes: 10 })).code).toBe("USAGE");
  });

  it("follows a symbolic link to a regular file", () => {
    const target = file("target", "hello");
    const link = path.join(dir, "link");
    fs.symlinkSync(target, link);
    expect(readInputText(link, { what: "t", maxBytes: 10 })).toBe("hello");
  });
});

describe("decodeUtf8", () => {
  it("decodes UTF-8 and drops a byte-order mark", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]), "f", "t")).toBe("hé");
  });

  it("refuses bytes that are not UTF-8, naming the offset and not the bytes", () => {
    let err: { code?: string; message?: string } = {};
    try {
      decodeUtf8(new Uint8Array([0x61, 0x62, 0xe9, 0x63]), "latin1.yaml", "policy file");
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe("FILE_NOT_UTF8");
    expect(err.message).toContain("offset 2");
    // A lone surrogate encoded as UTF-8 (CESU) is not UTF-8 either.
    expect(thrown(() => decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]), "f", "t")).code).toBe("FILE_NOT_UTF8");
  });
});
