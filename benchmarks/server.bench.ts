/**
 * npm run bench:server [-- --quick]   (builds first; runs the built CLI, imports the built package)
 *
 * `optprov serve` under load, as a team runs it. Every server is a separate `node bin/optprov.js
 * serve` process; every client is a worker thread with its own actor key that signs its entries
 * itself and POSTs them in batches to `/v1/entries` over a real loopback socket, each from its own
 * loopback address (the server's rate limit is per client address, as it would be for hosts).
 *
 *  1. Throughput: 8 clients against one server on PostgreSQL, then on SQLite: entries/s beside
 *     this machine's Ed25519 sign + verify limit (the same payloads, the same worker count, no
 *     I/O, measured in the same run), p95 submit-to-durable (POST sent -> 201 received) and p95
 *     submit-to-checkpoint (POST sent -> a checkpoint covering the batch served at /checkpoint).
 *  2. Two server processes on one PostgreSQL database, clients spread across both.
 *  3. Faults under load: the server SIGKILLed and restarted (on PostgreSQL and on SQLite), and
 *     PostgreSQL stopped with `pg_ctl stop -m immediate` and started again.
 *
 * A client that gets no answer (or a 5xx) sends the same bytes again until it gets one; the log
 * refuses an envelope it already holds (ENTRY_DUPLICATE), which tells the client its batch is in.
 * After each scenario every envelope a client was told is in is looked for in the store (present
 * exactly once, nothing in the log that no client was told about), and `optprov verify` runs on it.
 * Imports only what the package exports. Prints tables; asserts nothing.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { formatVerifierKey, generateSignerKey, openStore } from "optprov";
import {
  encodeBase64,
  formatSignerKey,
  leafHash,
  payloadPae,
  signEntry,
  statementPayload,
} from "optprov/ledger";
import pg from "pg";
import { fmt, pct as percentile, table } from "./report.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, "..", "bin", "optprov.js");
const now = () => performance.timeOrigin + performance.now();
/** Progress on stderr, so a long run can be followed; the tables go to stdout. */
const t0Run = performance.now();
const progress = (text: string) =>
  process.stderr.write(`[${((performance.now() - t0Run) / 1000).toFixed(1)} s] ${text}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Note text beyond the client's counters, so an envelope is about 600 bytes, like a real note. */
const PAD = "x".repeat(120);
/** A percentile, NaN for no samples (printed as such rather than failing the whole run). */
const pct = (xs: readonly number[], p: number) => (xs.length === 0 ? Number.NaN : percentile(xs, p));

// --- the client (a worker thread) ------------------------------------------------------------------

interface ClientJob {
  readonly role: "client";
  readonly id: number;
  readonly actor: string;
  readonly server: string;
  readonly origin: string;
  readonly batch: number;
  readonly localAddress: string;
}

interface LimitJob {
  readonly role: "limit";
  readonly batch: number;
  readonly ms: number;
  readonly origin: string;
}

interface BatchRecord {
  readonly sent: number;
  readonly done: number;
  /** The log's size once the batch was in (its last index + 1); -1 when refused as already in. */
  readonly end: number;
  readonly n: number;
}

interface ClientReport {
  readonly id: number;
  /** Leaf hashes (base64) of entries answered 201. */
  readonly acked: string[];
  /** Leaf hashes of entries whose resent batch was refused as ENTRY_DUPLICATE: already in the log. */
  readonly alreadyIn: string[];
  readonly batches: BatchRecord[];
  /** POSTs sent again after no answer, a 5xx or a 409. */
  readonly retries: number;
  /** Resent batches the log refused as duplicates (their first send had been committed). */
  readonly duplicatesRefused: number;
  readonly rateLimited: number;
  /** Entries given up on after two minutes without an answer. */
  readonly abandoned: number;
  readonly anomalies: string[];
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

function post(
  url: string,
  body: string,
  agent: http.Agent,
  localAddress: string,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        localAddress,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** What the benchmark and its worker threads say to each other. */
type ToWorker = { type: "client"; job: ClientJob } | { type: "limit"; job: LimitJob } | { type: "stop" };
type FromWorker =
  | { type: "loaded" }
  | { type: "registered" }
  | { type: "report"; report: ClientReport }
  | { type: "limit"; entries: number; ms: number };

/** Set by a `stop` message: the client finishes the batch it is sending and reports. */
let stopping = false;

async function runClient(job: ClientJob): Promise<void> {
  const port = parentPort!;
  stopping = false;
  const key = generateSignerKey(job.actor);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const report: ClientReport = {
    id: job.id,
    acked: [],
    alreadyIn: [],
    batches: [],
    retries: 0,
    duplicatesRefused: 0,
    rateLimited: 0,
    abandoned: 0,
    anomalies: [],
  };
  const counters = report as { -readonly [K in keyof ClientReport]: ClientReport[K] };

  /** Send one batch until the server answers it; the same bytes every time. */
  const submit = async (envelopes: readonly Uint8Array[]): Promise<void> => {
    const body = `{"envelopes":[${envelopes.map((e) => Buffer.from(e).toString("utf8")).join(",")}]}`;
    const leaves = envelopes.map((e) => encodeBase64(leafHash(e)));
    const sent = now();
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      try {
        answer = await post(`${job.server}/v1/entries`, body, agent, job.localAddress, 30_000);
      } catch {
        answer = undefined;
      }
      if (answer?.status === 201) {
        const r = JSON.parse(answer.text) as { size: number; leafHashes: string[] };
        if (r.leafHashes.join() !== leaves.join())
          counters.anomalies.push("201 with leaf hashes other than the client's");
        report.acked.push(...leaves);
        report.batches.push({ sent, done: now(), end: r.size, n: leaves.length });
        return;
      }
      const error = (() => {
        try {
          return (JSON.parse(answer?.text ?? "") as { error?: { code: string; batchIndex?: number } }).error;
        } catch {
          return undefined;
        }
      })();
      if (answer?.status === 429) {
        counters.rateLimited++;
        await sleep(250);
        continue;
      }
      if (answer?.status === 422 && error?.code === "ENTRY_DUPLICATE" && attempt > 0) {
        // A batch is one transaction: if its first entry is in, all of it is.
        if (error.batchIndex !== 0)
          counters.anomalies.push(`resent batch refused at entry ${error.batchIndex}, not 0`);
        counters.duplicatesRefused++;
        report.alreadyIn.push(...leaves);
        report.batches.push({ sent, done: now(), end: -1, n: leaves.length });
        return;
      }
      const retryable = answer === undefined || answer.status >= 500 || answer.status === 409;
      if (!retryable) {
        counters.anomalies.push(`${answer?.status} ${error?.code ?? answer?.text.slice(0, 120)}`);
        return;
      }
      if (now() - sent > 120_000) {
        counters.abandoned += leaves.length;
        return;
      }
      counters.retries++;
      await sleep(Math.min(500, 25 * 2 ** attempt));
    }
  };

  const time = () => new Date().toISOString();
  await submit([
    signEntry(
      "actor",
      { actor: key.name, role: "person", key: formatVerifierKey(key), time: time(), log: job.origin },
      key,
    ),
  ]);
  port.postMessage({ type: "registered" } satisfies FromWorker);
  for (let b = 0; !stopping; b++) {
    const envelopes: Uint8Array[] = [];
    for (let i = 0; i < job.batch; i++)
      envelopes.push(
        signEntry(
          "note",
          {
            actor: key.name,
            time: time(),
            log: job.origin,
            text: `client ${job.id} batch ${b} entry ${i} ${PAD}`,
          },
          key,
        ),
      );
    await submit(envelopes);
  }
  agent.destroy();
  port.postMessage({ type: "report", report } satisfies FromWorker);
}

/** Ed25519 sign + verify of note payloads like the clients', batch by batch, for `ms`; no I/O. */
function runLimit(job: LimitJob): void {
  const keys = crypto.generateKeyPairSync("ed25519");
  const signer = generateSignerKey("limit");
  let n = 0;
  const t0 = performance.now();
  for (let b = 0; performance.now() - t0 < job.ms; b++) {
    for (let i = 0; i < job.batch; i++) {
      const pae = payloadPae(
        statementPayload("note", {
          actor: signer.name,
          time: new Date().toISOString(),
          log: job.origin,
          text: `client 0 batch ${b} entry ${i} ${PAD}`,
        }),
      );
      const sig = crypto.sign(null, pae, keys.privateKey);
      if (!crypto.verify(null, pae, keys.publicKey, sig)) throw new Error("signature does not verify");
    }
    n += job.batch;
  }
  parentPort!.postMessage({ type: "limit", entries: n, ms: performance.now() - t0 } satisfies FromWorker);
}

/** A worker thread's side: take jobs until terminated. */
function serveJobs(): void {
  const port = parentPort!;
  port.on("message", (m: ToWorker) => {
    if (m.type === "stop") stopping = true;
    else if (m.type === "limit") runLimit(m.job);
    // A client that fails rejects here, which ends the worker with an error the benchmark sees.
    else void runClient(m.job);
  });
  port.postMessage({ type: "loaded" } satisfies FromWorker);
}

/** The next message of `type` from `w`. */
function next<T extends FromWorker["type"]>(w: Worker, type: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type !== type) return;
      w.off("message", onMessage);
      w.off("error", reject);
      resolve(m as Extract<FromWorker, { type: T }>);
    };
    w.on("message", onMessage);
    w.once("error", reject);
  });
}

/**
 * This file again, in worker threads (through tsx, as the benchmark itself runs), one per client,
 * started once: loading them takes seconds on a busy machine, which no scenario should count.
 */
async function startWorkers(n: number): Promise<Worker[]> {
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const workers = Array.from(
    { length: n },
    () =>
      new Worker(
        `(async () => { (await import(${JSON.stringify(tsx)})).register(); await import(${JSON.stringify(import.meta.url)}); })();`,
        { eval: true, workerData: { worker: true } },
      ),
  );
  await Promise.all(workers.map((w) => next(w, "loaded")));
  return workers;
}

// --- PostgreSQL, a throwaway cluster this benchmark may stop and start --------------------------

/** A PostgreSQL server binary: on $PATH, else where Debian keeps them. */
function pgBinary(name: string): string {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/lib/postgresql/15/bin"]) {
    const file = path.join(dir, name);
    if (dir !== "" && fs.existsSync(file)) return file;
  }
  throw new Error(`${name} not found on PATH or in /usr/lib/postgresql/15/bin: install PostgreSQL 15`);
}

class Cluster {
  private constructor(
    private readonly dir: string,
    private readonly port: number,
  ) {}

  /** initdb refuses to run as root: as root the cluster belongs to nobody. */
  private run(name: string, args: readonly string[]): void {
    const file = pgBinary(name);
    const [cmd, argv] =
      process.getuid?.() === 0 ? ["runuser", ["-u", "nobody", "--", file, ...args]] : [file, args];
    const r = spawnSync(cmd, argv, { cwd: this.dir, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${name} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  }

  /** In a folder of its own (the benchmark's is private to root when run as root). */
  static async create(): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-server-bench-pg-"));
    if (process.getuid?.() === 0) spawnSync("chown", ["nobody", dir]);
    const c = new Cluster(dir, await freePort());
    c.run("initdb", ["-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"]);
    c.start();
    return c;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  start(): void {
    this.run("pg_ctl", [
      "-D",
      "data",
      "-l",
      "server.log",
      "-w",
      "-t",
      "120",
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  }

  /** What a power cut does to the server process: no checkpoint, crash recovery on start. */
  stopImmediately(): void {
    this.run("pg_ctl", ["-D", "data", "-m", "immediate", "-w", "stop"]);
  }

  async createDatabase(name: string): Promise<string> {
    const c = new pg.Client({ connectionString: this.url("postgres") });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  /** Stop it and remove its folder. */
  remove(): void {
    try {
      this.run("pg_ctl", ["-D", "data", "-m", "fast", "-w", "stop"]);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// --- the server, a separate process ---------------------------------------------------------------

interface ServerSpec {
  readonly ledger: string;
  readonly logKeyFile: string;
  readonly port: number;
  readonly checkpointMs: number;
  readonly logFile: string;
}

class ServerProcess {
  private proc: ChildProcess | undefined;
  /** Exits the benchmark did not cause. */
  crashes = 0;
  readonly startMs: number[] = [];
  private expectingExit = false;

  constructor(readonly spec: ServerSpec) {}

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    const log = fs.openSync(this.spec.logFile, "a");
    const proc = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter((x) => x !== "") ?? []),
        BIN,
        "--ledger",
        this.spec.ledger,
        "--log-key",
        this.spec.logKeyFile,
        "serve",
        "--listen",
        `127.0.0.1:${this.spec.port}`,
        "--checkpoint-ms",
        String(this.spec.checkpointMs),
      ],
      { stdio: ["ignore", "pipe", log] },
    );
    fs.closeSync(log);
    this.proc = proc;
    this.expectingExit = false;
    proc.on("exit", (code, signal) => {
      if (this.proc === proc && !this.expectingExit && this.startMs.length > 0) {
        this.crashes++;
        fs.appendFileSync(this.spec.logFile, `\n[bench] server exited unasked: ${code ?? signal}\n`);
        this.proc = undefined;
        void this.start();
      }
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 120_000);
      proc.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (/listening on http/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`server exited while starting; see ${this.spec.logFile}`));
      });
    });
    this.startMs.push(performance.now() - t0);
  }

  private stopWith(signal: NodeJS.Signals): Promise<number | null> {
    const proc = this.proc;
    if (proc === undefined) return Promise.resolve(null);
    this.expectingExit = true;
    this.proc = undefined;
    return new Promise((resolve) => {
      proc.once("exit", (code) => resolve(code));
      proc.kill(signal);
    });
  }

  kill(): Promise<number | null> {
    return this.stopWith("SIGKILL");
  }

  /** SIGTERM: stop accepting, finish requests, close the ledger; the exit code (0 when clean). */
  stop(): Promise<number | null> {
    return this.stopWith("SIGTERM");
  }
}

// --- one scenario ---------------------------------------------------------------------------------

interface Scenario {
  /** For --only=KEY,KEY. */
  readonly key: string;
  readonly name: string;
  readonly store: "postgres" | "sqlite";
  readonly servers: number;
  /** How long the load runs (fault scenarios: until two seconds after the last fault). */
  readonly seconds: number;
  /** Measure throughput after this many seconds of load. */
  readonly warmupS: number;
  readonly checkpointMs: number;
  /** What happens during the load, while the clients run. */
  readonly fault?: "kill-server" | "restart-postgres";
  readonly faults?: number;
  readonly pollCheckpoints?: boolean;
}

interface Outcome {
  readonly scenario: Scenario;
  readonly reports: ClientReport[];
  readonly window: { from: number; to: number };
  readonly checkpoints: { at: number; size: number }[];
  readonly present: Map<string, number>;
  readonly logSize: number;
  readonly verify: { ok: boolean; line: string; ms: number };
  readonly serverStartMs: number[];
  readonly crashes: number;
  readonly cleanExit: boolean;
  readonly faultsDone: number;
  readonly outageMs: number[];
}

const CLIENTS = 8;
const BATCH = 100;
let serial = 0;

function getCheckpoint(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/checkpoint`, { localAddress: "127.0.0.99", timeout: 5000 }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => {
        const size = Number(text.split("\n")[1]);
        resolve(res.statusCode === 200 && Number.isSafeInteger(size) ? size : undefined);
      });
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

async function runScenario(
  s: Scenario,
  dir: string,
  cluster: Cluster | undefined,
  workers: readonly Worker[],
): Promise<Outcome> {
  const id = `${s.name.replace(/[^a-z0-9]+/g, "_")}_${serial++}`;
  const logKey = generateSignerKey(`bench.local/log-${id}`);
  const logKeyFile = path.join(dir, `${id}.log.key`);
  fs.writeFileSync(logKeyFile, `${formatSignerKey(logKey)}\n`, { mode: 0o600 });
  const ledger = s.store === "postgres" ? await cluster!.createDatabase(id) : path.join(dir, `${id}.db`);
  const servers: ServerProcess[] = [];
  for (let i = 0; i < s.servers; i++) {
    const server = new ServerProcess({
      ledger,
      logKeyFile,
      port: await freePort(),
      checkpointMs: s.checkpointMs,
      logFile: path.join(dir, `${id}.server${i}.log`),
    });
    // One after the other: the first creates the ledger, the others open it.
    await server.start();
    servers.push(server);
  }
  progress(`${s.servers} server(s) up in ${servers.map((x) => fmt(x.startMs[0]!)).join(", ")} ms`);

  const registered = workers.map((w) => next(w, "registered"));
  const reports = workers.map((w) => next(w, "report"));
  for (const [i, w] of workers.entries())
    w.postMessage({
      type: "client",
      job: {
        role: "client",
        id: i,
        actor: `client-${i}`,
        server: servers[i % servers.length]!.url,
        origin: logKey.name,
        batch: BATCH,
        localAddress: `127.0.0.${i + 2}`,
      },
    } satisfies ToWorker);
  // The clock starts once every client has registered its actor: the load is on.
  await Promise.all(registered);
  const started = now();
  const until = started + s.seconds * 1000;

  const checkpoints: { at: number; size: number }[] = [];
  let polling = s.pollCheckpoints === true;
  const poller = (async () => {
    while (polling) {
      const size = await getCheckpoint(servers[0]!.url);
      if (size !== undefined && size !== checkpoints.at(-1)?.size) checkpoints.push({ at: now(), size });
      await sleep(20);
    }
  })();

  let faultsDone = 0;
  const outageMs: number[] = [];
  if (s.fault !== undefined) {
    const faults = s.faults ?? 10;
    for (let f = 0; f < faults; f++) {
      // One to three seconds of load between faults, at random, so they land at every stage of a request.
      await sleep(1000 + Math.random() * 2000);
      const t0 = performance.now();
      if (s.fault === "kill-server") {
        const server = servers[f % servers.length]!;
        await server.kill();
        await server.start();
      } else {
        cluster!.stopImmediately();
        await sleep(200);
        cluster!.start();
      }
      outageMs.push(performance.now() - t0);
      faultsDone++;
      progress(`${s.fault} ${faultsDone}/${faults}: up again after ${fmt(outageMs.at(-1)!)} ms`);
    }
  }
  // Fault scenarios end two seconds of load after the last fault; the others after their time.
  const left = s.fault !== undefined ? 2000 : until - now();
  if (left > 0) await sleep(left);
  const stopAt = now();
  for (const w of workers) w.postMessage({ type: "stop" } satisfies ToWorker);
  progress("stopping the clients");
  const done = (await Promise.all(reports)).map((m) => m.report);
  // The last checkpoint covering the last batch, for the submit-to-checkpoint figure.
  const lastEnd = Math.max(0, ...done.flatMap((r) => r.batches.map((b) => b.end)));
  for (let i = 0; polling && i < 250 && (checkpoints.at(-1)?.size ?? 0) < lastEnd; i++) await sleep(20);
  polling = false;
  await poller;

  let cleanExit = true;
  let crashes = 0;
  const serverStartMs: number[] = [];
  for (const server of servers) {
    crashes += server.crashes;
    serverStartMs.push(...server.startMs);
    if ((await server.stop()) !== 0) cleanExit = false;
  }

  // Every leaf in the store, counted.
  const store = await openStore(ledger, { readonly: true });
  const present = new Map<string, number>();
  const logSize = await store.size();
  for await (const rows of store.entries(0, logSize))
    for (const r of rows) {
      const k = encodeBase64(r.leafHash);
      present.set(k, (present.get(k) ?? 0) + 1);
    }
  await store.close();

  progress(`store read: ${fmt(logSize)} entries; verifying`);
  const t0 = performance.now();
  const v = spawnSync(
    process.execPath,
    [BIN, "--ledger", ledger, "verify", "--log-pubkey", formatVerifierKey(logKey)],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  const verify = {
    ok: v.status === 0,
    line: `${v.stdout}${v.stderr}`.trim().split("\n").at(-1) ?? "",
    ms: performance.now() - t0,
  };
  progress(`verify: ${verify.line.slice(0, 100)} (${fmt(verify.ms / 1000, 1)} s)`);
  return {
    scenario: s,
    reports: done,
    window: { from: started + s.warmupS * 1000, to: stopAt },
    checkpoints,
    present,
    logSize,
    verify,
    serverStartMs,
    crashes,
    cleanExit,
    faultsDone,
    outageMs,
  };
}

// --- the run --------------------------------------------------------------------------------------

interface Throughput {
  readonly entriesPerS: number;
  readonly p50Durable: number;
  readonly p95Durable: number;
  readonly p95Checkpoint: number | undefined;
  readonly batches: number;
}

function throughput(o: Outcome): Throughput {
  const batches = o.reports
    .flatMap((r) => r.batches)
    .filter((b) => b.end >= 0 && b.sent >= o.window.from && b.done <= o.window.to);
  const entries = batches.reduce((n, b) => n + b.n, 0);
  const durable = batches.map((b) => b.done - b.sent);
  let p95Checkpoint: number | undefined;
  if (o.checkpoints.length > 0) {
    const toCheckpoint = batches.map((b) => {
      const seen = o.checkpoints.find((c) => c.size >= b.end && c.at >= b.sent);
      return seen === undefined ? Number.POSITIVE_INFINITY : seen.at - b.sent;
    });
    p95Checkpoint = pct(toCheckpoint, 0.95);
  }
  return {
    entriesPerS: (entries * 1000) / (o.window.to - o.window.from),
    p50Durable: pct(durable, 0.5),
    p95Durable: pct(durable, 0.95),
    p95Checkpoint,
    batches: batches.length,
  };
}

interface Counts {
  readonly acknowledged: number;
  readonly alreadyIn: number;
  readonly present: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly unacknowledged: number;
  readonly retries: number;
  readonly duplicatesRefused: number;
  readonly abandoned: number;
  readonly anomalies: string[];
}

function counts(o: Outcome): Counts {
  const told = new Set<string>();
  for (const r of o.reports) for (const l of [...r.acked, ...r.alreadyIn]) told.add(l);
  let present = 0;
  let duplicates = 0;
  let lost = 0;
  for (const l of told) {
    const n = o.present.get(l) ?? 0;
    if (n > 0) present++;
    if (n > 1) duplicates += n - 1;
    if (n === 0) lost++;
  }
  // Entries in the log that no client was told about: only the batches a client gave up on may be.
  let unacknowledged = 0;
  for (const [l, n] of o.present) if (!told.has(l)) unacknowledged += n;
  const sum = (f: (r: ClientReport) => number) => o.reports.reduce((n, r) => n + f(r), 0);
  return {
    acknowledged: sum((r) => r.acked.length),
    alreadyIn: sum((r) => r.alreadyIn.length),
    present,
    duplicates,
    lost,
    // The log-key holder's entries: none here (the log signs checkpoints, not entries).
    unacknowledged,
    retries: sum((r) => r.retries),
    duplicatesRefused: sum((r) => r.duplicatesRefused),
    abandoned: sum((r) => r.abandoned),
    anomalies: o.reports.flatMap((r) => r.anomalies.map((a) => `client ${r.id}: ${a}`)),
  };
}

async function measureLimit(workers: readonly Worker[], ms: number): Promise<number> {
  const results = workers.map((w) => next(w, "limit"));
  for (const w of workers)
    w.postMessage({
      type: "limit",
      job: { role: "limit", batch: BATCH, ms, origin: "bench.local/log-limit" },
    } satisfies ToWorker);
  // Each worker's rate over its own run; they ran side by side, so the machine's is their sum.
  return (await Promise.all(results)).reduce((n, r) => n + (r.entries * 1000) / r.ms, 0);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const only = process.argv
    .find((a) => a.startsWith("--only="))
    ?.slice("--only=".length)
    .split(",");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-server-bench-"));
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const cores = os.availableParallelism();
  console.log(
    `optprov server benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${cores}, Node ${process.version}${quick ? " (quick)" : ""}`,
  );
  console.log(`load average at start: ${load()} (1, 5, 15 min)`);
  const cluster = await Cluster.create();
  const pgVersion = spawnSync(pgBinary("postgres"), ["--version"], { encoding: "utf8" }).stdout.trim();

  const seconds = quick ? 6 : 20;
  const faults = quick ? 3 : 10;
  const checkpointMs = 250;
  const scenarios: Scenario[] = [
    {
      key: "pg",
      name: "postgres",
      store: "postgres",
      servers: 1,
      seconds,
      warmupS: 2,
      checkpointMs,
      pollCheckpoints: true,
    },
    {
      key: "sqlite",
      name: "sqlite",
      store: "sqlite",
      servers: 1,
      seconds,
      warmupS: 2,
      checkpointMs,
      pollCheckpoints: true,
    },
    {
      key: "two",
      name: "two servers, postgres",
      store: "postgres",
      servers: 2,
      seconds,
      warmupS: 2,
      checkpointMs,
    },
    {
      key: "kill-pg",
      name: "server SIGKILLed, postgres",
      store: "postgres",
      servers: 1,
      seconds: 0,
      warmupS: 0,
      checkpointMs,
      fault: "kill-server",
      faults,
    },
    {
      key: "kill-sqlite",
      name: "server SIGKILLed, sqlite",
      store: "sqlite",
      servers: 1,
      seconds: 0,
      warmupS: 0,
      checkpointMs,
      fault: "kill-server",
      faults,
    },
    {
      key: "pg-restart",
      name: "postgres restarted (immediate)",
      store: "postgres",
      servers: 1,
      seconds: 0,
      warmupS: 0,
      checkpointMs,
      fault: "restart-postgres",
      faults,
    },
  ].filter((s) => only === undefined || only.includes(s.key)) as Scenario[];

  const workers = await startWorkers(CLIENTS);
  progress(`${CLIENTS} client threads loaded`);
  const limit = await measureLimit(workers, quick ? 2000 : 4000);
  const outcomes: Outcome[] = [];
  let limitAfter: number;
  try {
    for (const s of scenarios) {
      progress(`scenario: ${s.name}`);
      outcomes.push(await runScenario(s, dir, cluster, workers));
    }
    limitAfter = await measureLimit(workers, quick ? 2000 : 4000);
  } finally {
    cluster.remove();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  table(
    `Machine limit: Ed25519 sign + verify of the clients' note payloads (node:crypto), ${CLIENTS} worker threads, no I/O`,
    ["measured", "entries/s"],
    [
      ["before the scenarios", fmt(limit)],
      ["after the scenarios", fmt(limitAfter)],
    ],
  );
  const ref = (limit + limitAfter) / 2;
  const tputRows = outcomes
    .filter((o) => o.scenario.fault === undefined)
    .map((o) => {
      const t = throughput(o);
      return [
        o.scenario.name,
        String(o.scenario.servers),
        fmt(t.entriesPerS),
        `${fmt((100 * t.entriesPerS) / ref, 1)}%`,
        fmt(t.p50Durable),
        fmt(t.p95Durable),
        t.p95Checkpoint === undefined ? "-" : fmt(t.p95Checkpoint),
        fmt(t.batches),
      ];
    });
  if (tputRows.length > 0)
    table(
      `Durable signed appends through POST /v1/entries: ${CLIENTS} clients, batches of ${BATCH}, ${seconds} s (first 2 s not counted), checkpoint ${checkpointMs} ms after an append (--checkpoint-ms); limit = mean of the two measurements above`,
      [
        "store",
        "servers",
        "entries/s",
        "of limit",
        "p50 durable ms",
        "p95 durable ms",
        "p95 to checkpoint ms",
        "batches",
      ],
      tputRows,
    );

  table(
    "Guarantees: every envelope a client was told is in (201, or its resent batch refused as a duplicate), looked for in the store afterwards",
    [
      "scenario",
      "faults",
      "acknowledged",
      "already in on resend",
      "present",
      "duplicates",
      "lost",
      "in log, not acknowledged",
      "retries",
      "duplicates refused",
      "verify ok",
    ],
    outcomes.map((o) => {
      const c = counts(o);
      return [
        o.scenario.name,
        o.scenario.fault === undefined ? "-" : String(o.faultsDone),
        fmt(c.acknowledged),
        fmt(c.alreadyIn),
        fmt(c.present),
        fmt(c.duplicates),
        fmt(c.lost),
        fmt(c.unacknowledged),
        fmt(c.retries),
        fmt(c.duplicatesRefused),
        o.verify.ok ? "yes" : "NO",
      ];
    }),
  );

  table(
    "Servers: process starts (each replays the ledger), crashes the benchmark did not cause, clean exit on SIGTERM, verify time",
    [
      "scenario",
      "log size",
      "server starts",
      "median start ms",
      "max start ms",
      "median fault-to-up ms",
      "crashes",
      "clean exit",
      "verify s",
    ],
    outcomes.map((o) => [
      o.scenario.name,
      fmt(o.logSize),
      String(o.serverStartMs.length),
      fmt(pct(o.serverStartMs, 0.5)),
      fmt(Math.max(...o.serverStartMs)),
      o.outageMs.length > 0 ? fmt(pct(o.outageMs, 0.5)) : "-",
      String(o.crashes),
      o.cleanExit ? "yes" : "NO",
      fmt(o.verify.ms / 1000, 1),
    ]),
  );

  for (const o of outcomes) {
    const c = counts(o);
    if (c.anomalies.length > 0 || c.abandoned > 0 || !o.verify.ok)
      console.log(
        `\n${o.scenario.name}: ${c.abandoned} abandoned; ${c.anomalies.length} anomalies${c.anomalies.length > 0 ? ` (first: ${c.anomalies[0]})` : ""}; verify: ${o.verify.line}`,
      );
  }
  console.log(
    `\n${pgVersion}, data and SQLite files in ${os.tmpdir()}; load average at end: ${load()} (1, 5, 15 min)`,
  );
  // --keep: leave the servers' logs and the SQLite files for a look.
  if (process.argv.includes("--keep")) console.log(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

if (isMainThread) await main();
else if ((workerData as { worker?: boolean } | undefined)?.worker === true) serveJobs();
