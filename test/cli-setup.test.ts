/**
 * Setting a folder up and living with the setup: `optprov init`, optprov.yml and its precedence,
 * `optprov config`, keys by role, and policy files with located errors, through the built CLI.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../src/control/policy.js";
import { freshDir, listing, runCli, runJson } from "./cli-support.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
/** A folder with no optprov.yml of its own (init writes one); the nearest above is none in tmp. */
function bare(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

describe("optprov init", () => {
  it("sets a folder up, prints the next commands, and every command works at once", () => {
    const dir = bare("optprov-init-");
    const r = runJson(["init", "--owner", "alice"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(listing(dir)).toEqual([
      ".optprov",
      ".optprov/.gitignore",
      ".optprov/ledger.db",
      ".optprov/log.key",
      ".optprov/policy.yaml",
      "optprov.yml",
    ]);
    expect(fs.statSync(path.join(dir, ".optprov/log.key")).mode & 0o777).toBe(0o600);
    const policy = parsePolicy(fs.readFileSync(path.join(dir, ".optprov/policy.yaml"), "utf8"));
    expect(policy.owner).toBe("alice");
    expect(Date.parse(policy.expires)).toBeGreaterThan(Date.now());
    expect(r.body.next).toEqual([
      "optprov keygen --name alice --out .optprov/alice.key",
      "optprov policy .optprov/policy.yaml --key .optprov/alice.key",
      "optprov log append --kind note --actor .optprov/alice.key --text 'set up optprov'",
      "optprov verify",
    ]);
    // The printed commands, run as printed, work.
    for (const command of [
      ["keygen", "--name", "alice", "--out", ".optprov/alice.key"],
      ["policy", ".optprov/policy.yaml", "--key", ".optprov/alice.key"],
      ["log", "append", "--kind", "note", "--actor", ".optprov/alice.key", "--text", "set up optprov"],
    ])
      expect(runCli(command, { cwd: dir }).code).toBe(0);
    expect(runJson(["verify"], { cwd: dir }).body).toMatchObject({ ok: true, entries: 3 });
    // From a folder below, optprov.yml is found and its paths are taken relative to it.
    fs.mkdirSync(path.join(dir, "src/deep"), { recursive: true });
    expect(runJson(["verify"], { cwd: path.join(dir, "src/deep") }).body).toMatchObject({
      ok: true,
      entries: 3,
    });
    const human = runCli(["init"], { cwd: bare("optprov-init-human-") });
    expect(human.out).toContain("Next:");
  });

  it("sets up an embedded ledger only: a sqlite: location is a file, a database URL is refused", () => {
    const dir = bare("optprov-init-url-");
    expect(runJson(["--ledger", "sqlite:data/l.db", "init", "--owner", "alice"], { cwd: dir }).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "data/l.db"))).toBe(true);
    const other = bare("optprov-init-pg-");
    const r = runJson(["--ledger", "postgres://alice:hunter2@db.example/l", "init", "--owner", "alice"], {
      cwd: other,
    });
    expect(r.body.error.code).toBe("USAGE");
    expect(JSON.stringify(r.body)).not.toContain("hunter2");
    expect(fs.readdirSync(other)).toEqual([]);
  });

  it("refuses to overwrite a setup, and with --force keeps the ledger and its log key", () => {
    const dir = bare("optprov-init-again-");
    expect(runCli(["init", "--owner", "alice"], { cwd: dir }).code).toBe(0);
    const key = fs.readFileSync(path.join(dir, ".optprov/log.key"), "utf8");
    const logKey = runCli(["log-key"], { cwd: dir }).out;
    fs.writeFileSync(path.join(dir, ".optprov/policy.yaml"), "edited");
    const again = runJson(["init"], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.body.error.code).toBe("FILE_EXISTS");
    expect(fs.readFileSync(path.join(dir, ".optprov/policy.yaml"), "utf8")).toBe("edited");
    const forced = runJson(["init", "--owner", "bob", "--force"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(parsePolicy(fs.readFileSync(path.join(dir, ".optprov/policy.yaml"), "utf8")).owner).toBe("bob");
    expect(fs.readFileSync(path.join(dir, ".optprov/log.key"), "utf8")).toBe(key);
    expect(runCli(["log-key"], { cwd: dir }).out).toBe(logKey);
  });
});

describe("optprov.yml", () => {
  const dir = freshDir(
    "optprov-config-cli-",
    [
      "version: 1",
      "ledger: data/ledger.db",
      // A server named here would be what the commands below use (docs/configuration.md).
      "# server: https://optprov.example.org",
      "keys:",
      "  actor: keys/alice.key",
      "  overseer: keys/bob.key",
      "  witness: keys/w1.key",
    ].join("\n"),
  );
  made.push(dir);
  const sub = path.join(dir, "work");
  fs.mkdirSync(sub);
  fs.mkdirSync(path.join(dir, "keys"));

  it("supplies the ledger and the keys by role, relative to its folder, from any folder below", () => {
    for (const [name, witness] of [
      ["alice", false],
      ["bob", false],
      ["w1", true],
    ] as const)
      expect(
        runCli(["keygen", "--name", name, "--out", `keys/${name}.key`, ...(witness ? ["--witness"] : [])], {
          cwd: dir,
        }).code,
      ).toBe(0);
    const r = runJson(["log", "append", "--kind", "note", "--text", "no --actor needed"], { cwd: sub });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, "data/ledger.db"))).toBe(true);
    expect(runJson(["log", "show", "1"], { cwd: sub }).body).toMatchObject({ actor: "alice" });
    expect(runJson(["checkpoint"], { cwd: sub }).code).toBe(0);
    expect(runJson(["witness", "cosign"], { cwd: sub }).body).toMatchObject({ size: 2 });
    // keygen --witness started the record beside the key; the cosignature is in it now.
    expect(fs.readFileSync(path.join(dir, "keys/w1.key.record"), "utf8")).toContain('"event":"cosign"');
  });

  it("is overridden by a variable, and that by a flag; optprov config says where each value came from", () => {
    const shown = runJson(["config"], {
      cwd: sub,
      env: { OPTPROV_OVERSEER_KEY: "env:BOB_KEY", OPTPROV_URL: "https://optprov.example.org" },
    }).body;
    expect(shown.configFile).toBe(path.join(dir, "optprov.yml"));
    expect(shown.settings).toMatchObject({
      ledger: { value: path.join(dir, "data/ledger.db"), source: "config", from: "optprov.yml:2" },
      server: { value: "https://optprov.example.org", source: "env", from: "OPTPROV_URL" },
      "keys.actor": { value: path.join(dir, "keys/alice.key"), source: "config" },
      "keys.overseer": { value: "env:BOB_KEY", source: "env", from: "OPTPROV_OVERSEER_KEY" },
    });
    const env = { OPTPROV_LEDGER: path.join(dir, "other.db") };
    expect(runJson(["config"], { cwd: sub, env }).body.settings.ledger).toMatchObject({ source: "env" });
    expect(runJson(["--ledger", "flag.db", "config"], { cwd: sub, env }).body.settings.ledger).toEqual({
      value: "flag.db",
      source: "flag",
      from: "--ledger",
    });
    expect(runJson(["verify"], { cwd: sub, env }).body.error.code).toBe("FILE_NOT_FOUND");
    // A database URL is shown without its password, in both forms of output.
    const db = { OPTPROV_LEDGER: "postgres://alice:hunter2@db.example/ledger" };
    expect(runJson(["config"], { cwd: sub, env: db }).body.settings.ledger.value).toBe(
      "postgres://alice:***@db.example/ledger",
    );
    expect(runCli(["config"], { cwd: sub, env: db }).out).not.toContain("hunter2");
    expect(runCli(["config"], { cwd: sub }).out).toMatch(/keys\.witness\s+\S+w1\.key\s+\(optprov\.yml:7\)/);
  });

  it("is refused with every problem located when it does not validate", () => {
    const badDir = freshDir(
      "optprov-config-bad-",
      "ledger: x.db\nserver: ftp://example.org\nkeys: { admin: a.key }\n",
    );
    made.push(badDir);
    const r = runJson(["verify"], { cwd: badDir });
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe("CONFIG_INVALID");
    expect(r.body.error.problems.map((p: { code: string; line: number }) => [p.code, p.line])).toEqual([
      ["FIELD_INVALID", 2],
      ["FIELD_UNKNOWN", 3],
    ]);
    const human = runCli(["verify"], { cwd: badDir });
    expect(human.err).toMatch(/optprov\.yml:2:9 server: .* \[FIELD_INVALID\]/);
    // Commands that need no settings still work.
    expect(
      runCli(["spec", "check", path.resolve(__dirname, "../examples/specs/thermostat.optimizer.yaml")], {
        cwd: badDir,
      }).code,
    ).toBe(0);
  });
});

describe("keys by role", () => {
  const dir = freshDir("optprov-roles-");
  made.push(dir);
  const run = (args: string[]) => runJson(args, { cwd: dir });

  it("refuses a witness key where an actor's key is expected, and an actor's where a witness's is", () => {
    expect(runCli(["keygen", "--name", "alice"], { cwd: dir }).code).toBe(0);
    expect(runCli(["keygen", "--name", "w1", "--witness"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "w1.yaml"),
      "version: 1\nname: p\nowner: w1\nmode: audit\nexpires: 2099-01-01T00:00:00Z\noverseers: [alice]\nrules: [{ creator: { name: '*' }, mayCreate: [] }]\n",
    );
    expect(run(["log", "append", "--kind", "note", "--actor", "alice.key", "--text", "x"]).code).toBe(0);
    const before = run(["log", "show", "--limit", "0"]).body.size;
    for (const args of [
      ["log", "append", "--kind", "note", "--actor", "w1.key", "--text", "x"],
      ["policy", "w1.yaml", "--key", "w1.key"],
      ["review", "approve", "0", "--key", "w1.key"],
      ["halt", "x", "--key", "w1.key"],
      ["resume", "x", "--key", "w1.key"],
      ["witness", "cosign", "--key", "alice.key"],
      ["--log-key", "w1.key", "checkpoint"],
    ]) {
      const r = run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.body.error.code, args.join(" ")).toBe("KEY_WRONG_ROLE");
    }
    expect(run(["log", "show", "--limit", "0"]).body.size).toBe(before);
    const w1 = runJson(["keygen", "--name", "w2", "--witness"], { cwd: dir }).body.verifierKey;
    expect(run(["verify", "--log-pubkey", w1]).body.error.code).toBe("KEY_WRONG_ROLE");
    expect(run(["checkpoint"]).code).toBe(0);
    expect(run(["proof", "inclusion", "0", "--out", "p.tlog-proof"]).code).toBe(0);
    const logKey = run(["log-key"]).body.logKey;
    expect(
      run(["verify-proof", "p.tlog-proof", "--log-pubkey", logKey, "--witness", logKey]).body.error.code,
    ).toBe("KEY_WRONG_ROLE");
  });

  it("asks for a key that is neither given nor configured with USAGE", () => {
    const r = run(["review", "approve", "0"]);
    expect(r.code).toBe(2);
    expect(r.body.error.code).toBe("USAGE");
    expect(r.body.error.message).toContain("keys.overseer");
  });
});

describe("policy files", () => {
  const dir = freshDir("optprov-policy-cli-");
  made.push(dir);

  it("prints every problem as file:line:column path: message [CODE], and signs nothing", () => {
    expect(runCli(["keygen", "--name", "alice"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "bad.yaml"),
      "version: 1\nname: lab\nowner: alice\nmode: enfroce\nexpires: soon\noverseers: []\nrules: [{ creator: {}, mayCreate: [] }]\n",
    );
    const r = runCli(["policy", "bad.yaml", "--key", "alice.key"], { cwd: dir });
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(
      lines.slice(0, -1).map((l) => /^bad\.yaml:(\d+):(\d+) (\S+): .* \[([A-Z_]+)\]$/.exec(l)?.slice(1)),
    ).toEqual([
      ["4", "7", "mode", "FIELD_INVALID"],
      ["5", "10", "expires", "FIELD_INVALID"],
      ["6", "12", "overseers", "FIELD_INVALID"],
      ["7", "20", "rules[0].creator", "FIELD_INVALID"],
    ]);
    expect(lines.at(-1)).toMatch(/^error \[POLICY_INVALID\]: 4 problems/);
    expect(fs.existsSync(path.join(dir, ".optprov"))).toBe(false);
  });

  it("locates YAML syntax errors and refuses bytes that are not UTF-8", () => {
    fs.writeFileSync(path.join(dir, "syntax.yaml"), "version: 1\nname: [lab\nowner: alice\n");
    const syntax = runJson(["policy", "syntax.yaml", "--key", "alice.key"], { cwd: dir });
    expect(syntax.body.error.code).toBe("POLICY_INVALID");
    expect(syntax.body.error.problems[0]).toMatchObject({ code: "YAML_SYNTAX", file: "syntax.yaml" });
    fs.writeFileSync(path.join(dir, "latin1.yaml"), Buffer.from("version: 1\nname: caf\xe9\n", "latin1"));
    expect(runJson(["policy", "latin1.yaml", "--key", "alice.key"], { cwd: dir }).body.error.code).toBe(
      "FILE_NOT_UTF8",
    );
    fs.writeFileSync(path.join(dir, "deep.yaml"), `rules: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    const deep = runJson(["policy", "deep.yaml", "--key", "alice.key"], { cwd: dir });
    expect(deep.code).toBe(2);
    expect(deep.body.error.problems[0].code).toBe("DOCUMENT_TOO_DEEP");
    expect(fs.existsSync(path.join(dir, ".optprov"))).toBe(false);
  });
});
