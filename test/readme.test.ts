/**
 * Every fenced code block in README.md either runs, or says that it does not.
 *
 * The convention (README.md points here in its first lines), general on purpose so that new
 * sections need no change here:
 *
 * - Blocks run per section: each `## ` section (and the text before the first one) gets one fresh
 *   empty folder, and its runnable blocks run there in order, so a later block sees the files and
 *   the ledger an earlier one made. The folder looks like a user's project with optprov installed:
 *   a package.json with `"type": "module"`, `node_modules/optprov` linked to this repository (its
 *   built dist/), and `node_modules/.bin/optprov` on PATH, so both `optprov` and `npx optprov` run
 *   this repository's CLI. The environment has no OPTPROV_* variables and nothing npm test adds.
 * - ```sh (or bash, shell): run with `bash -euo pipefail`; it must exit 0.
 * - ```ts (or typescript): written to a file in the folder, type-checked with this project's
 *   TypeScript (strict, NodeNext) against optprov's published types, then run with tsx; it must
 *   exit 0. ```js (or javascript) runs with node as an ES module.
 * - ```console: a terminal session. Each `$ ` line is a command (a line ending in `\` continues
 *   it), run with bash in the folder, stdout and stderr together as a terminal shows them; it must
 *   exit 0, and what it prints must match the lines under it up to the next `$ ` line, after
 *   normalising (see `normalise`): the folder's path (which the README writes as
 *   `/path/to/project`), timestamps, durations, base64 (keys, signatures, roots) and hex runs of 8
 *   or more (key ids, digests) compare equal to any other of their kind; everything else, every
 *   count and index, must be the same. A line `...` matches any number of lines.
 * - A block that fails skips the rest of its section (they build on it), and says so.
 * - An HTML comment on the nearest non-blank line before a block changes what happens to it:
 *   - `<!-- illustrative -->` or `<!-- illustrative: why -->`: not run (an excerpt, a sketch,
 *     recorded output of a long or random run, a table of measurements);
 *   - `<!-- file: NAME -->`: the block is written to NAME in the section's folder, for the blocks
 *     after it (a policy, a spec), and not run;
 *   - `<!-- output -->`: the block is what the runnable block just before it prints (stdout),
 *     compared the way a console block's output is.
 * - Any other block (```yaml, ```json, an untagged ``` block) must carry one of these markers:
 *   the test fails on a block that neither runs nor says why not.
 *
 * Also: every relative link in README.md and docs/ must name a file inside the repository.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { userCompilerOptions, userEnv } from "./support/user-project.js";

const ROOT = path.resolve(__dirname, "..");
const README = path.join(ROOT, "README.md");
/** How the README writes the folder a block ran in, in the output it shows. */
const README_DIR = "/path/to/project";
/** A block may run several npx commands, each a second or more on a busy machine. */
const BLOCK_TIMEOUT_MS = 300_000;

type Marker =
  | { readonly kind: "none" }
  | { readonly kind: "illustrative"; readonly why: string }
  | { readonly kind: "file"; readonly name: string }
  | { readonly kind: "output" };

interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly marker: Marker;
  readonly section: string;
}

const LANG: Record<string, "sh" | "ts" | "js" | "console"> = {
  sh: "sh",
  bash: "sh",
  shell: "sh",
  ts: "ts",
  typescript: "ts",
  js: "js",
  javascript: "js",
  console: "console",
};

function parseMarker(line: string | undefined): Marker {
  const m = /^\s*<!--\s*(illustrative|file|output)\s*(?::\s*(.*?))?\s*-->\s*$/.exec(line ?? "");
  if (m === null) return { kind: "none" };
  if (m[1] === "illustrative") return { kind: "illustrative", why: m[2] ?? "" };
  if (m[1] === "output") return { kind: "output" };
  return { kind: "file", name: m[2] ?? "" };
}

/** The fenced code blocks of a CommonMark document (``` or ~~~ fences, at any indentation). */
function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: Block[] = [];
  let section = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## +(.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1] ?? "";
    const fence = open[2] ?? "```";
    const lang = open[3] ?? "";
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j]!)) {
      const l = lines[j]!;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
      j++;
    }
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === "") k--;
    blocks.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      code: body.join("\n"),
      marker: parseMarker(lines[k]),
      section,
    });
    i = j;
  }
  return blocks;
}

/**
 * What may differ between two runs of the same commands: the folder they ran in, timestamps,
 * durations, base64 (keys, signatures, tree roots) and hex runs (key ids, digests, log names).
 * Everything else, counts and indices included, must match.
 */
function normalise(text: string, dirs: readonly string[] = []): string {
  let t = text.replace(/\r\n/g, "\n");
  for (const d of dirs) if (d) t = t.split(d).join("<dir>");
  return (
    t
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g, "<time>")
      .replace(/\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|min)\b/g, "<duration>")
      // A C2SP verifier key keeps its name: name+keyid+base64.
      .replace(/([\x21-\x2a\x2c-\x7e]+)\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*/g, "$1+<hex>+<b64>")
      .replace(/[A-Za-z0-9+/]{20,}={0,2}/g, (m) => (/[0-9+/]/.test(m) && /[A-Za-z]/.test(m) ? "<b64>" : m))
      .replace(/(?<![0-9A-Za-z])[0-9a-f]{8,}(?![0-9A-Za-z])/g, "<hex>")
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n")
      .replace(/\n+$/, "")
  );
}

/** Whether `actual` lines match `expected` lines, where an expected line `...` matches any run of lines. */
function matchLines(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === expected.length) r = j === actual.length;
    else if (expected[i]!.trim() === "...") r = go(i + 1, j) || (j < actual.length && go(i, j + 1));
    else r = j < actual.length && expected[i] === actual[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** A console block as commands, each with the output shown under it. */
function parseSession(code: string): { command: string; expected: string }[] {
  const out: { command: string; expected: string[] }[] = [];
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith("$ ")) {
      let command = l.slice(2);
      while (command.endsWith("\\") && i + 1 < lines.length)
        command = `${command.slice(0, -1)}\n${lines[++i]}`;
      out.push({ command, expected: [] });
    } else if (out.length === 0) {
      if (l.trim() !== "") throw new Error(`a console block starts with "$ ", got ${JSON.stringify(l)}`);
    } else out.at(-1)!.expected.push(l);
  }
  return out.map((c) => ({ command: c.command, expected: c.expected.join("\n") }));
}

/** A fresh folder that looks like a user's project with optprov installed from this repository. */
function sessionFolder(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "optprov-readme-")));
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "readme-session", private: true, type: "module" }, null, 2)}\n`,
  );
  fs.mkdirSync(path.join(dir, "node_modules/.bin"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, "node_modules/optprov"), "dir");
  fs.symlinkSync(path.join(ROOT, "bin/optprov.js"), path.join(dir, "node_modules/.bin/optprov"));
  // The block's TypeScript settings: the project's strictness, optprov's types through node_modules.
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: userCompilerOptions(ROOT, {
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: true,
      }),
      include: [],
    }),
  );
  return dir;
}

const folders: string[] = [];
afterAll(() => {
  for (const d of folders) fs.rmSync(d, { recursive: true, force: true });
});

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: userEnv(ROOT, [path.join(cwd, "node_modules/.bin")]),
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout ?? "", err: `${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

/** Compare what ran with what the README shows, or throw with both, normalised, and a line diff. */
function expectOutput(where: string, expected: string, actual: string, dir: string): void {
  const e = normalise(expected, [README_DIR]);
  const a = normalise(actual, [dir]);
  if (matchLines(e === "" ? [] : e.split("\n"), a === "" ? [] : a.split("\n"))) return;
  expect.fail(
    `${where}: the output differs from the README (normalised)\n--- README\n${e}\n--- actual\n${a}`,
  );
}

const blocks = parseBlocks(fs.readFileSync(README, "utf8"));
const runnable = (b: Block) => b.marker.kind === "none" && LANG[b.lang] !== undefined;

describe("README.md code blocks", () => {
  it("has code blocks, and each one runs or is marked", () => {
    expect(blocks.length).toBeGreaterThan(0);
    const unmarked = blocks.filter((b) => b.marker.kind === "none" && LANG[b.lang] === undefined);
    expect(
      unmarked.map((b) => `README.md:${b.line} \`\`\`${b.lang}`),
      "blocks that neither run (sh, ts, js, console) nor carry <!-- illustrative -->, <!-- file: NAME --> or <!-- output -->",
    ).toEqual([]);
    for (const b of blocks) {
      if (b.marker.kind === "file")
        expect(b.marker.name, `README.md:${b.line}`).toMatch(/^[\w.-]+(\/[\w.-]+)*$/);
      if (b.marker.kind === "output") {
        const before = blocks[blocks.indexOf(b) - 1];
        expect(before && runnable(before) && before.section === b.section, `README.md:${b.line}`).toBe(true);
      }
    }
    expect(fs.readFileSync(README, "utf8")).toContain("test/readme.test.ts");
  });

  const sections = [
    ...new Set(blocks.filter((b) => runnable(b) || b.marker.kind === "file").map((b) => b.section)),
  ];
  for (const section of sections) {
    describe(section, () => {
      let dir: string | undefined;
      // Blocks build on each other: after one fails, the rest of its section would only fail for it.
      let failed: string | undefined;
      const folder = () => {
        if (dir === undefined) {
          dir = sessionFolder();
          folders.push(dir);
        }
        return dir;
      };
      const inSection = blocks.filter((b) => b.section === section);
      for (const [n, b] of inSection.entries()) {
        const where = `README.md:${b.line}`;
        const output = inSection[n + 1]?.marker.kind === "output" ? inSection[n + 1] : undefined;
        if (b.marker.kind === "file") {
          const name = b.marker.name;
          it(`${where} writes ${name}`, () => {
            const file = path.join(folder(), name);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, `${b.code}\n`);
            expect(fs.readFileSync(file, "utf8")).toBe(`${b.code}\n`);
          });
          continue;
        }
        if (!runnable(b)) continue;
        const kind = LANG[b.lang]!;
        it(
          `${where} \`\`\`${b.lang} runs${output ? " and prints what the README shows" : ""}`,
          (ctx) => {
            if (failed !== undefined) ctx.skip(`${failed}, earlier in this section, failed`);
            failed = where;
            const cwd = folder();
            let printed: string;
            if (kind === "console") {
              for (const c of parseSession(b.code)) {
                const r = run("bash", ["-o", "pipefail", "-c", `{ ${c.command}\n} 2>&1`], cwd);
                expect(r.code, `${where} $ ${c.command}\n${r.out}${r.err}`).toBe(0);
                expectOutput(`${where} $ ${c.command}`, c.expected, r.out, cwd);
              }
              failed = undefined;
              return;
            }
            if (kind === "sh") {
              const r = run("bash", ["-euo", "pipefail", "-c", b.code], cwd);
              expect(r.code, `${where}\n${r.out}${r.err}`).toBe(0);
              printed = r.out;
            } else {
              const file = path.join(cwd, `readme-${b.line}.${kind === "ts" ? "ts" : "mjs"}`);
              fs.writeFileSync(file, `${b.code}\n`);
              if (kind === "ts") {
                const config = path.join(cwd, `tsconfig.readme-${b.line}.json`);
                fs.writeFileSync(
                  config,
                  JSON.stringify({ extends: "./tsconfig.json", files: [path.basename(file)] }),
                );
                const tsc = run(
                  process.execPath,
                  [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", config],
                  cwd,
                );
                expect(tsc.code, `${where} does not type-check:\n${tsc.out}${tsc.err}`).toBe(0);
              }
              const r =
                kind === "ts"
                  ? run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), file], cwd)
                  : run(process.execPath, [file], cwd);
              expect(r.code, `${where}\n${r.out}${r.err}`).toBe(0);
              printed = r.out;
            }
            if (output)
              expectOutput(`${where} (output at README.md:${output.line})`, output.code, printed, cwd);
            failed = undefined;
          },
          BLOCK_TIMEOUT_MS,
        );
      }
    });
  }
});

describe("the README's runner", () => {
  it("tells runs apart by what matters: keys and times may differ, counts and words may not", () => {
    const shown =
      "appended note #1 by alice+968fad28+AXhmVs+45ebP26Gx/QQziijFIZ6T2N3PIS9nI50oroYa at 2026-11-25T10:00:00Z in 12 ms";
    const same =
      "appended note #1 by alice+0badc0de+Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTAxMjM0NTY3 at 2027-01-01T00:00:00.5Z in 3 ms";
    expect(normalise(same)).toBe(normalise(shown));
    expect(normalise(same.replace("#1", "#2"))).not.toBe(normalise(shown));
    expect(normalise(same.replace("alice", "bob"))).not.toBe(normalise(shown));
    expect(normalise("/tmp/x/.optprov/log.key", ["/tmp/x"])).toBe("<dir>/.optprov/log.key");
    expect(matchLines(["a", "...", "d"], ["a", "b", "c", "d"])).toBe(true);
    expect(matchLines(["a", "...", "d"], ["a", "b", "c"])).toBe(false);
    expect(matchLines(["a", "b"], ["a", "b", "c"])).toBe(false);
  });

  it("parses fences, markers, sections and console sessions", () => {
    const md = [
      "intro",
      "```sh",
      "echo top",
      "```",
      "## One",
      "<!-- file: a/b.yaml -->",
      "",
      "~~~yaml",
      "x: 1",
      "~~~",
      "  ```console",
      "  $ echo a \\",
      "  b",
      "  a b",
      "  ```",
      "<!-- illustrative: abridged -->",
      "````",
      "```",
      "````",
    ].join("\n");
    const b = parseBlocks(md);
    expect(b.map((x) => [x.line, x.lang, x.section, x.marker])).toEqual([
      [2, "sh", "(top)", { kind: "none" }],
      [8, "yaml", "One", { kind: "file", name: "a/b.yaml" }],
      [11, "console", "One", { kind: "none" }],
      [17, "", "One", { kind: "illustrative", why: "abridged" }],
    ]);
    expect(b[3]!.code).toBe("```");
    expect(parseSession(b[2]!.code)).toEqual([{ command: "echo a \nb", expected: "a b" }]);
  });
});

describe("links in README.md and docs/", () => {
  const docs = [
    README,
    ...(fs.existsSync(path.join(ROOT, "docs"))
      ? fs
          .readdirSync(path.join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith(".md"))
          .map((f) => path.join(ROOT, "docs", f))
      : []),
  ];
  for (const file of docs) {
    it(`${path.relative(ROOT, file)} links only to files inside the repository`, () => {
      const text = fs.readFileSync(file, "utf8");
      const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
      const bad = targets
        .filter((t) => !/^(https?:|mailto:|#)/.test(t))
        .map((t) => ({ t, abs: path.resolve(path.dirname(file), decodeURI(t.replace(/#.*$/, ""))) }))
        .filter(({ abs }) => !abs.startsWith(`${ROOT}${path.sep}`) || !fs.existsSync(abs))
        .map(({ t }) => t);
      expect(bad, `links in ${path.relative(ROOT, file)} that leave the repository or name no file`).toEqual(
        [],
      );
    });
  }
});
