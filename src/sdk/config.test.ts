import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  configOwnershipProblem,
  findConfigFile,
  type LoadedConfig,
  ledgerTarget,
  loadConfigFile,
  resolveSettings,
} from "./config.js";
import { thrown } from "./test-support/thrown.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string, mode = 0o644) => {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, content, { mode });
  fs.chmodSync(f, mode);
  return f;
};

describe("loadConfigFile", () => {
  it("reads every setting, with paths relative to the file's folder and env: sources kept", () => {
    const f = write(
      "proj/optprov.yml",
      [
        "version: 1",
        "ledger: data/ledger.db",
        "logKey: env:LOG_KEY",
        "server: https://optprov.example.org",
        "keys:",
        "  actor: ../keys/alice.key",
        "  overseer: /abs/bob.key",
        "  witness: w1.key",
      ].join("\n"),
    );
    const c = loadConfigFile(f);
    const proj = path.join(dir, "proj");
    expect(Object.fromEntries([...c.settings].map(([k, v]) => [k, v.value]))).toEqual({
      ledger: path.join(proj, "data/ledger.db"),
      logKey: "env:LOG_KEY",
      server: "https://optprov.example.org",
      "keys.actor": path.join(dir, "keys/alice.key"),
      "keys.overseer": "/abs/bob.key",
      "keys.witness": path.join(proj, "w1.key"),
    });
    expect(c.settings.get("keys.actor")?.line).toBe(6);
  });

  it("reports every problem located, as CONFIG_INVALID", () => {
    const f = write(
      "bad/optprov.yml",
      [
        "ledgr: x.db",
        "server: ftp://example.org",
        "logKey: 'env:'",
        "keys: { actor: a.key, admin: b.key }",
      ].join("\n"),
    );
    const e = thrown(() => loadConfigFile(f));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.reasons?.map((r) => [r.code, r.message.split(" ")[0]])).toEqual([
      ["FIELD_UNKNOWN", `${f}:1:1`],
      ["FIELD_INVALID", `${f}:2:9`],
      ["FIELD_INVALID", `${f}:3:9`],
      ["FIELD_UNKNOWN", `${f}:4:23`],
    ]);
  });

  it("refuses a server URL with credentials in it, and a file every user may write", () => {
    const creds = write("creds/optprov.yml", "server: https://alice:hunter2@example.org\n");
    expect(thrown(() => loadConfigFile(creds)).reasons?.[0]?.code).toBe("FIELD_INVALID");
    const open = write("open/optprov.yml", "version: 1\n", 0o666);
    expect(thrown(() => loadConfigFile(open)).code).toBe("CONFIG_INVALID");
    expect(configOwnershipProblem(1001, 0o644, 1000)).toContain("another user");
    expect(configOwnershipProblem(0, 0o644, 1000)).toBeUndefined();
    expect(configOwnershipProblem(1000, 0o644, 1000)).toBeUndefined();
  });

  it("is found in the folder or the nearest one above", () => {
    const top = write("walk/optprov.yml", "version: 1\n");
    fs.mkdirSync(path.join(dir, "walk/a/b"), { recursive: true });
    expect(findConfigFile(path.join(dir, "walk/a/b"), fs.existsSync)).toBe(top);
    expect(findConfigFile("/", () => false)).toBeUndefined();
  });
});

describe("resolveSettings", () => {
  const config: LoadedConfig = {
    file: "/p/optprov.yml",
    settings: new Map([
      ["ledger", { value: "/p/from-file.db", line: 2 }],
      ["keys.actor", { value: "/p/alice.key", line: 5 }],
    ]),
  };

  it("takes a flag, then a variable, then the file, then the default", () => {
    const env = { OPTPROV_LEDGER: "from-env.db", OPTPROV_OVERSEER_KEY: "env:BOB" };
    expect(resolveSettings({ ledger: "flag.db" }, env, config).ledger).toEqual({
      value: "flag.db",
      source: "flag",
      from: "--ledger",
    });
    expect(resolveSettings({}, env, config).ledger).toMatchObject({ value: "from-env.db", source: "env" });
    expect(resolveSettings({}, {}, config).ledger).toEqual({
      value: "/p/from-file.db",
      source: "config",
      from: "optprov.yml:2",
    });
    expect(resolveSettings({}, {}, undefined).ledger).toMatchObject({
      value: ".optprov/ledger.db",
      source: "default",
    });
    const s = resolveSettings({}, env, config);
    expect(s.keys.actor).toMatchObject({ value: "/p/alice.key", source: "config" });
    expect(s.keys.overseer).toMatchObject({ value: "env:BOB", source: "env" });
    expect(s.keys.witness).toBeUndefined();
  });

  it("treats an empty variable as unset, and puts the default log key beside the ledger", () => {
    const s = resolveSettings({}, { OPTPROV_LEDGER: "", OPTPROV_LOG_KEY: "" }, config);
    expect(s.ledger.source).toBe("config");
    expect(s.logKey).toMatchObject({ value: "/p/log.key", source: "default" });
  });

  it("refuses a server URL in the environment that is not http(s)", () => {
    expect(thrown(() => resolveSettings({}, { OPTPROV_SERVER: "file:///etc/passwd" }, undefined)).code).toBe(
      "USAGE",
    );
    expect(thrown(() => resolveSettings({ server: "http://x/?token=1" }, {}, undefined)).code).toBe("USAGE");
  });

  it("works against the server unless the ledger is named more strongly; both at once is an error", () => {
    const url = "http://127.0.0.1:4850";
    const target = (
      flags: Parameters<typeof resolveSettings>[0],
      env: Record<string, string>,
      c?: LoadedConfig,
    ) => ledgerTarget(resolveSettings(flags, env, c));
    const both: LoadedConfig = {
      file: "/p/optprov.yml",
      settings: new Map([
        ["ledger", { value: "/p/served.db", line: 2 }],
        ["server", { value: url, line: 3 }],
      ]),
    };
    // Both in optprov.yml: commands use the server (and `optprov serve` the ledger).
    expect(target({}, {}, both)).toMatchObject({ kind: "server", setting: { from: "optprov.yml:3" } });
    expect(target({}, {}, config)).toMatchObject({ kind: "ledger" });
    expect(target({}, { OPTPROV_URL: url, OPTPROV_SERVER: "http://old" })).toMatchObject({
      kind: "server",
      setting: { value: url, from: "OPTPROV_URL" },
    });
    expect(target({ ledger: "x.db" }, { OPTPROV_URL: url })).toMatchObject({ kind: "ledger" });
    expect(target({}, { OPTPROV_LEDGER: "x.db" }, both)).toMatchObject({ kind: "ledger" });
    expect(target({ server: url }, { OPTPROV_LEDGER: "x.db" })).toMatchObject({ kind: "server" });
    expect(thrown(() => target({ ledger: "x.db", server: url }, {})).code).toBe("USAGE");
    expect(thrown(() => target({}, { OPTPROV_LEDGER: "x.db", OPTPROV_URL: url })).code).toBe("USAGE");
    expect(target({}, {})).toMatchObject({ kind: "ledger", setting: { source: "default" } });
  });
});

describe("openLedger and optprov.yml", () => {
  it("opens the ledger and log key the project's optprov.yml names, as the CLI does; an explicit path wins", async () => {
    const { openLedger } = await import("./ledger.js");
    const { generateSignerKey } = await import("../ledger/keys.js");
    const { writeKeyFile } = await import("./location.js");
    const project = path.join(dir, "sdk-project");
    fs.mkdirSync(project, { recursive: true });
    const logKey = generateSignerKey("log.project");
    writeKeyFile(path.join(project, "keys/log.key"), logKey);
    const config = write(
      "sdk-project/optprov.yml",
      "version: 1\nledger: data/lab.db\nlogKey: keys/log.key\n",
    );
    const before = process.env.OPTPROV_CONFIG;
    process.env.OPTPROV_CONFIG = config;
    try {
      fs.mkdirSync(path.join(project, "data"), { recursive: true });
      const ledger = await openLedger({ pollMs: 1000 });
      expect(ledger.log.store.location).toBe(path.join(project, "data/lab.db"));
      expect(ledger.log.origin).toContain("log.project");
      await ledger.close();
      const explicit = path.join(project, "explicit.db");
      const other = await openLedger({
        path: explicit,
        logKey: generateSignerKey("log.other"),
        pollMs: 1000,
      });
      expect(other.log.store.location).toBe(explicit);
      await other.close();
    } finally {
      if (before === undefined) delete process.env.OPTPROV_CONFIG;
      else process.env.OPTPROV_CONFIG = before;
    }
  });
});
