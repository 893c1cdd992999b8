import { describe, expect, it } from "vitest";
import { paintAudit } from "./commands/control.js";
import { terminalSafe } from "./output.js";
import { makeStyle, shouldColour } from "./style.js";

describe("shouldColour", () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it("colours a terminal and nothing else", () => {
    expect(shouldColour(tty, {})).toBe(true);
    expect(shouldColour(pipe, {})).toBe(false);
    expect(shouldColour({}, {})).toBe(false);
  });
  it("respects NO_COLOR when set to anything but the empty string, and TERM=dumb", () => {
    expect(shouldColour(tty, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColour(tty, { NO_COLOR: "" })).toBe(true);
    expect(shouldColour(tty, { TERM: "dumb" })).toBe(false);
  });
  it("colours without a terminal on FORCE_COLOR, and never in JSON", () => {
    expect(shouldColour(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldColour(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldColour(tty, { FORCE_COLOR: "1" }, true)).toBe(false);
    expect(shouldColour(tty, {}, true)).toBe(false);
  });
});

describe("makeStyle", () => {
  it("paints by meaning when enabled and returns the text unchanged otherwise", () => {
    const on = makeStyle(true);
    expect(on.good("OK")).toBe("\x1b[32mOK\x1b[39m");
    expect(on.bad("FAILED")).toBe("\x1b[31mFAILED\x1b[39m");
    expect(on.severity("critical", "[critical]")).toContain("\x1b[1;31m");
    expect(on.severity("low")).toBe("\x1b[2mlow\x1b[22m");
    const off = makeStyle(false);
    for (const f of [off.good, off.bad, off.warn, off.dim]) expect(f("x")).toBe("x");
    expect(off.severity("critical")).toBe("critical");
  });
});

describe("terminalSafe", () => {
  it("escapes control sequences but keeps colour, newlines and tabs", () => {
    expect(terminalSafe("a\x1b]0;pwned\x07b")).toBe("a\\x1b]0;pwned\\x07b");
    expect(terminalSafe("\x1b[2Jcleared")).toBe("\\x1b[2Jcleared");
    expect(terminalSafe("\x1b[32mOK\x1b[39m\n\tnext")).toBe("\x1b[32mOK\x1b[39m\n\tnext");
    expect(terminalSafe("nul\x00 del\x7f c1\x9b")).toBe("nul\\x00 del\\x7f c1\\x9b");
  });
});

describe("paintAudit", () => {
  const text =
    "ledger: verifies; 3 entries\n  [critical] forgery/X: a\n  [medium] goodhart/Y: b\n  [info] z/W: c";
  it("paints each finding's severity by how severe it is, and nothing without colour", () => {
    const painted = paintAudit(text, makeStyle(true));
    expect(painted).toContain("\x1b[1;31m[critical]\x1b[22;39m forgery/X");
    expect(painted).toContain("\x1b[33m[medium]\x1b[39m goodhart/Y");
    expect(painted).toContain("\x1b[2m[info]\x1b[22m z/W");
    expect(paintAudit(text, makeStyle(false))).toBe(text);
  });
});
