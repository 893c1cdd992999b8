/**
 * The overseer's console (`src/console/`, built into `dist/console/`) served under `/console/`,
 * and the reads it needs beyond `/v1/`: an optimizer's explanation in sentences, with its spec's
 * three parts (`GET /console/api/explain/:name`); its per-episode proxy beside the intended
 * measure, for the plot (`GET /console/api/episodes/:name?points=N`, `episode-series.ts`); and who
 * cosigned the latest checkpoint, each cosignature checked and held against the witnesses this
 * server is configured to ask (`GET /console/api/witnesses`).
 *
 * Static files are a fixed set read from the build directory at first request: a request names one
 * of them or gets NOT_FOUND, so no path from a request ever reaches the file system.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import type { ControlState } from "../control/state.js";
import { ServerError } from "../errors.js";
import { type Explanation, recordedSpec, renderExplanation } from "../explain/explain.js";
import { preview, toHex } from "../ledger/base64.js";
import { verifyCosignature } from "../ledger/checkpoint.js";
import { formatVerifierKey, parseVerifierKey, sameKey, type VerifierKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import { parseNote } from "../ledger/note.js";
import {
  type Domain,
  explainSpec,
  explicitWorldModel,
  type LocalModel,
  type OptimizerSpec,
  specVariables,
  validateOptimizerSpec,
} from "../model/index.js";
import { DEFAULT_POINTS, EpisodeSeriesReader, MAX_POINTS } from "./episode-series.js";
import type { WitnessEndpoint } from "./witness-client.js";

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  // elkjs's worker build, where the graph's layout runs (src/console/graph-layout.ts).
  "elk-worker.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

export interface ConsoleOptions {
  /** An optimizer's explanation (the server's read model), undefined for an unknown name. */
  readonly explain: (name: string) => Promise<Explanation | undefined>;
  /** Check the request may read (the app's `authorise`). */
  // biome-ignore lint/suspicious/noExplicitAny: the app's Hono env type stays the app's.
  readonly allowRead: (c: Context<any>) => void;
  readonly log: Log<ControlState>;
  /** The control state with everything the store holds applied. */
  readonly state: () => Promise<ControlState>;
  /** The witnesses the server asks to cosign (`--witness`): the ones the page reports as pinned. */
  readonly witnesses?: readonly WitnessEndpoint[];
  /** Where the built console is; by default `dist/console/` beside this module's build (`src/console/` holds the sources, without `console.js`). */
  readonly dir?: string;
}

/** The build directory: `dist/console/` next to `dist/server/`, or, running from `src/`, the repository's `dist/console/`. */
function defaultDir(): string {
  for (const rel of ["../console/", "../../dist/console/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(`${dir}console.js`)) return dir;
  }
  return fileURLToPath(new URL("../console/", import.meta.url));
}

/**
 * Mount the console's routes on `app`.
 *
 * @example mountConsole(app, { explain: (name) => reads.explain(name), allowRead: (c) => allow(c, "read") });
 */
// biome-ignore lint/suspicious/noExplicitAny: mounts on the app whatever its env type.
export function mountConsole(app: Hono<any>, options: ConsoleOptions): void {
  const dir = options.dir ?? defaultDir();
  let files: Map<string, { body: Uint8Array; etag: string }> | undefined;
  const load = () => {
    if (files === undefined) {
      const m = new Map<string, { body: Uint8Array; etag: string }>();
      for (const name of Object.keys(TYPES)) {
        try {
          const body = fs.readFileSync(`${dir}/${name}`);
          // Size and build time: a build renames new files in, so either changes with the content.
          const at = fs.statSync(`${dir}/${name}`);
          m.set(name, { body, etag: `"${at.size.toString(16)}-${Math.floor(at.mtimeMs).toString(16)}"` });
        } catch {
          // Not built: the page answers NOT_FOUND with what to run.
        }
      }
      if (m.has("index.html")) files = m;
      return m;
    }
    return files;
  };
  const serve = (c: Context, name: string) => {
    options.allowRead(c);
    const file = load().get(name);
    if (file === undefined)
      throw new ServerError(
        "NOT_FOUND",
        TYPES[name] === undefined
          ? `the console has no file ${preview(name)}`
          : "the console is not built here; run npm run build",
      );
    // no-cache with a validator: a returning browser revalidates and gets 304, keeping its copy and
    // the compiled code of the 1.6 MB layout worker instead of fetching and compiling it again.
    const headers = {
      etag: file.etag,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      // The page talks only to this server; a key pasted into it must not leave through a script.
      "content-security-policy":
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    };
    const asked = c.req.header("if-none-match");
    if (asked?.split(",").some((t) => t.trim() === file.etag)) return c.body(null, 304, headers);
    return c.body(new Uint8Array(file.body), 200, { ...headers, "content-type": TYPES[name]! });
  };
  app.get("/console", (c) => c.redirect("/console/", 301));
  app.get("/console/", (c) => serve(c, "index.html"));
  app.get("/console/api/explain/:name", async (c) => {
    options.allowRead(c);
    const name = c.req.param("name");
    const e = await options.explain(name);
    if (e === undefined) throw new ServerError("NOT_FOUND", `no optimizer or actor named ${preview(name)}`);
    const valid = e.spec === undefined ? undefined : validateOptimizerSpec(e.spec).spec;
    const parts = valid ? explainSpec(valid).sections.slice(0, 3) : null;
    return c.json({
      sentences: renderExplanation(e).split("\n"),
      parts,
      worldModel: valid ? worldModelTables(valid) : null,
    });
  });
  const series = new EpisodeSeriesReader(options.log.store);
  app.get("/console/api/episodes/:name", async (c) => {
    options.allowRead(c);
    const name = c.req.param("name");
    const points = pointsParam(c.req.query("points"));
    const o = (await options.state()).optimizers.get(name);
    if (o === undefined) throw new ServerError("NOT_FOUND", `no optimizer named ${preview(name)}`);
    const spec = await recordedSpec(options.log.store, o);
    const objective = (spec as { objective?: { measuredBy?: unknown } } | undefined)?.objective;
    const measuredBy = typeof objective?.measuredBy === "string" ? objective.measuredBy : undefined;
    return c.json(await series.read(name, measuredBy, points));
  });
  app.get("/console/api/witnesses", async (c) => {
    options.allowRead(c);
    return c.json(await witnessesOfLatest(options.log, options.witnesses ?? []));
  });
  app.get("/console/:file", (c) => serve(c, c.req.param("file")));
}

/** Rows of a local model the page is sent at most: a table is for reading, the ledger holds the rest. */
const MAX_TABLE_ROWS = 200;

export interface WorldModelTables {
  /** The explicit model's name (an implicit model's twin), null when only its variables are declared. */
  readonly name: string | null;
  readonly implicit: boolean;
  readonly variables: readonly { name: string; domain: string; tags: readonly string[] }[];
  readonly localModels: readonly {
    name: string;
    kind: LocalModel["kind"];
    description: string;
    columns: readonly string[];
    rows: readonly (readonly (string | number | boolean)[])[];
    totalRows: number;
  }[];
}

/** A spec's world model as tables: its variables, and each local model's rows (bounded). */
function worldModelTables(spec: OptimizerSpec): WorldModelTables {
  const model = explicitWorldModel(spec);
  return {
    name: model?.name ?? null,
    implicit: spec.worldModel.kind === "implicit",
    variables: specVariables(spec).map((v) => ({ name: v.name, domain: domainText(v.domain), tags: v.tags })),
    localModels: (model?.localModels ?? []).map((m) => {
      const { columns, rows } = localModelTable(m);
      return {
        name: m.name,
        kind: m.kind,
        description: m.description,
        columns,
        rows: rows.slice(0, MAX_TABLE_ROWS),
        totalRows: rows.length,
      };
    }),
  };
}

function localModelTable(m: LocalModel): { columns: string[]; rows: (string | number | boolean)[][] } {
  switch (m.kind) {
    case "relation":
      return { columns: [...m.variables], rows: m.rows.map((r) => [...r]) };
    case "table":
      return { columns: [...m.inputs, m.output], rows: m.rows.map((r) => [...r]) };
    case "cpt":
      return {
        columns: [...m.parents, m.child, `P(${m.child} | ${m.parents.join(", ") || "nothing"})`],
        rows: m.rows.flatMap((r) => r.distribution.map(([value, p]) => [...r.parents, value, p])),
      };
  }
}

function domainText(d: Domain): string {
  switch (d.kind) {
    case "boolean":
      return "true or false";
    case "enum":
      return d.values.join(", ");
    case "int":
      return `whole number ${d.min} to ${d.max}`;
    case "real":
      return d.unit === "" ? "real number" : `real number (${d.unit})`;
  }
}

/** A witness's URL as readers may see it: without a user name or password in it. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return preview(url, 80);
  }
}

/** `?points=N`: an integer in [2, MAX_POINTS]; REQUEST_INVALID otherwise. */
function pointsParam(text: string | undefined): number {
  if (text === undefined) return DEFAULT_POINTS;
  const n = /^[1-9][0-9]{0,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 2 && n <= MAX_POINTS))
    throw new ServerError(
      "REQUEST_INVALID",
      `points: expected an integer from 2 to ${MAX_POINTS}, got ${preview(text)}`,
    );
  return n;
}

export interface CosignerView {
  readonly name: string;
  /** Hex key id (c2sp.org/signed-note). */
  readonly keyId: string;
  readonly key: string;
  /** Whether the cosignature verifies against the key it names. */
  readonly verified: boolean;
  /** The cosignature's timestamp (seconds), when it verifies. */
  readonly time: number | null;
  /** Whether this server is configured to ask this exact key (`optprov serve --witness`). */
  readonly pinned: boolean;
}

/**
 * The latest checkpoint's cosigners, each cosignature checked against the key it names (the store
 * could have been edited behind the log), and the configured witnesses with whether they cosigned
 * it. A cosigner that is not configured is one only its own claim names: the page says so.
 */
async function witnessesOfLatest(log: Log<ControlState>, asked: readonly WitnessEndpoint[]) {
  const cp = await log.store.latestCheckpoint();
  const cosigners: CosignerView[] = [];
  for (const cos of cp?.cosignatures ?? []) {
    let key: VerifierKey;
    try {
      key = parseVerifierKey(cos.witness);
    } catch {
      cosigners.push({
        name: preview(cos.witness, 40),
        keyId: "",
        key: preview(cos.witness, 80),
        verified: false,
        time: null,
        pinned: false,
      });
      continue;
    }
    let time: number | undefined;
    try {
      time = verifyCosignature(parseNote(cp!.text + cos.line), key);
    } catch {
      time = undefined;
    }
    cosigners.push({
      name: key.name,
      keyId: toHex(key.keyId),
      key: formatVerifierKey(key),
      verified: time !== undefined,
      time: time ?? null,
      pinned: asked.some((w) => sameKey(w.key, key)),
    });
  }
  return {
    size: cp?.size ?? null,
    cosigners,
    configured: asked.map((w) => ({
      name: w.key.name,
      keyId: toHex(w.key.keyId),
      url: withoutCredentials(w.url),
      cosignedLatest: cosigners.some((c) => c.verified && c.key === formatVerifierKey(w.key)),
    })),
  };
}
