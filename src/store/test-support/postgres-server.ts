/**
 * For tests: a real PostgreSQL to run the store suite against. With $OPTPROV_TEST_PG_URL set (a
 * URL whose user may create databases) that server is used; otherwise a throwaway PostgreSQL is
 * made with `initdb` in a temporary folder and started with `pg_ctl` on a free port, and removed
 * again by `stop`. Every `database()` is a new, empty database, dropped by `stop`.
 *
 * initdb refuses to run as root, so as root the server runs as `nobody` (through `runuser`), in a
 * folder handed to that user. Missing binaries are an error, never a skip: a run that cannot reach
 * a PostgreSQL has not tested the PostgreSQL store.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface TestPostgres {
  /** The URL of a new, empty database. */
  database(): Promise<string>;
  /** Drop the databases made and, for a throwaway server, stop it and remove its folder. */
  stop(): Promise<void>;
}

/** Where Debian keeps the server binaries; searched after $PATH. */
const DEBIAN_BIN = "/usr/lib/postgresql/15/bin";

function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), DEBIAN_BIN]) {
    if (dir === "") continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let serial = 0;

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function databases(adminUrl: string, teardown: () => Promise<void>): TestPostgres {
  const made: string[] = [];
  return {
    async database() {
      const name = `optprov_test_${process.pid}_${Date.now().toString(36)}_${serial++}`;
      await admin(adminUrl, `CREATE DATABASE ${name}`);
      made.push(name);
      return withDatabase(adminUrl, name);
    },
    async stop() {
      for (const name of made) await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await teardown();
    },
  };
}

/**
 * Start (or reach) the PostgreSQL the tests use.
 *
 * @example const server = await startTestPostgres(); const url = await server.database();
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.OPTPROV_TEST_PG_URL;
  if (given !== undefined && given !== "") return databases(given, async () => undefined);

  const initdb = findBinary("initdb");
  const pgCtl = findBinary("pg_ctl");
  if (initdb === undefined || pgCtl === undefined)
    throw new Error(
      `the PostgreSQL store tests need a PostgreSQL server: expected initdb and pg_ctl on PATH or in ${DEBIAN_BIN}, found ${initdb === undefined ? "no initdb" : "initdb"} and ${pgCtl === undefined ? "no pg_ctl" : "pg_ctl"}. Install PostgreSQL 15 (Debian: apt-get install postgresql; .ci/run does it) or set OPTPROV_TEST_PG_URL to a server where the user may create databases`,
    );

  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-pg-"));
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  // As root, everything runs as nobody, which must own the folder; the folder is private either way.
  const run = (file: string, args: readonly string[]) => {
    const [cmd, argv] = root ? ["runuser", ["-u", "nobody", "--", file, ...args]] : [file, args];
    const r = spawnSync(cmd, argv, { cwd: dir, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0)
      throw new Error(
        `${path.basename(file)} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : ""}`,
      );
  };
  if (root) execFileSync("chown", ["nobody", dir]);
  const port = await freePort();
  try {
    // --no-sync: the throwaway cluster's own files need not reach the disk at initdb time.
    run(initdb, ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
    run(pgCtl, [
      "-D",
      data,
      "-l",
      log,
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      "start",
    ]);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return databases(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    try {
      run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
