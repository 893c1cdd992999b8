import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutputFile, writeOutputFile } from "./output-file.js";
import { thrown } from "./test-support/thrown.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-output-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("writeOutputFile", () => {
  it("writes a file and replaces it whole, leaving no temporary file", () => {
    const f = path.join(dir, "out.json");
    writeOutputFile(f, "first", { what: "--out" });
    writeOutputFile(f, "second", { what: "--out" });
    expect(fs.readFileSync(f, "utf8")).toBe("second");
    expect(fs.readdirSync(dir).filter((n) => n.includes(".tmp"))).toEqual([]);
  });

  it("refuses a directory, a device and a missing folder before writing anything", () => {
    expect(thrown(() => writeOutputFile(dir, "x", { what: "--out" })).code).toBe("FILE_NOT_REGULAR");
    expect(thrown(() => checkOutputFile("/dev/null", { what: "--out" })).code).toBe("FILE_NOT_REGULAR");
    expect(
      thrown(() => writeOutputFile(path.join(dir, "no", "such", "f"), "x", { what: "--out" })).code,
    ).toBe("FILE_NOT_FOUND");
    expect(fs.existsSync(path.join(dir, "no"))).toBe(false);
  });

  it("makes folders only when asked, and refuses to replace a file when told not to", () => {
    const f = path.join(dir, "keys", "a.key");
    writeOutputFile(f, "k", { what: "--out", makeDirectories: true, overwrite: false, mode: 0o600 });
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(thrown(() => writeOutputFile(f, "other", { what: "--out", overwrite: false })).code).toBe(
      "FILE_EXISTS",
    );
    expect(fs.readFileSync(f, "utf8")).toBe("k");
  });

  it("writes through a symbolic link to the file it names, keeping the link", () => {
    const target = path.join(dir, "real.txt");
    fs.writeFileSync(target, "old");
    const link = path.join(dir, "link.txt");
    fs.symlinkSync(target, link);
    writeOutputFile(link, "new", { what: "--out" });
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, "utf8")).toBe("new");
    const dangling = path.join(dir, "dangling");
    fs.symlinkSync(path.join(dir, "nothing-here"), dangling);
    expect(thrown(() => writeOutputFile(dangling, "x", { what: "--out" })).code).toBe("FILE_NOT_FOUND");
  });
});
