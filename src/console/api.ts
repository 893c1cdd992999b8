/// <reference lib="dom" />
/**
 * The console's reads and writes over the server's JSON API. Every failure becomes a
 * `ConsoleError` with a code: the server's own (`{ "error": { "code", "message" } }`), or
 * NETWORK / BAD_RESPONSE when there is no usable answer, so a view can always say what went wrong.
 */
import { ConsoleError } from "./sign.js";

/** A bearer token for servers with access control; kept in memory only. */
let token: string | undefined;
export function setToken(t: string | undefined): void {
  token = t === "" ? undefined : t;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch (err) {
    throw new ConsoleError("NETWORK", `${path}: the server did not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConsoleError(
      "BAD_RESPONSE",
      `${path}: expected JSON, got HTTP ${res.status} ${text.slice(0, 80)}`,
    );
  }
  if (!res.ok) {
    const e = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    throw new ConsoleError(
      typeof e?.code === "string" ? e.code : `HTTP_${res.status}`,
      typeof e?.message === "string" ? e.message : `${path}: HTTP ${res.status}`,
    );
  }
  return body;
}

/** GET a JSON resource and check its shape with `check`, which names what it expected. */
export async function getJson<T>(path: string, check: (v: unknown) => v is T, what: string): Promise<T> {
  const body = await request(path);
  if (!check(body)) throw new ConsoleError("BAD_RESPONSE", `${path}: expected ${what}`);
  return body;
}

/** POST envelopes (JSON text each) to `/v1/entries`; the log's admission decides. */
export async function postEntries(envelopes: readonly string[]): Promise<{ first: number; size: number }> {
  const body = await request("/v1/entries", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"envelopes":[${envelopes.join(",")}]}`,
  });
  if (!isRecord(body) || typeof body.first !== "number" || typeof body.size !== "number")
    throw new ConsoleError("BAD_RESPONSE", "/v1/entries: expected { first, size }");
  return { first: body.first, size: body.size };
}

// Shapes of the server's answers: checked loosely (the fields a view reads), so an older or newer
// server's extra fields pass and a wrong answer is a coded error, never a crash.

export interface OptimizerRow {
  readonly name: string;
  readonly creator: string;
  readonly index: number;
  readonly process?: string;
  readonly depth?: number;
  readonly haltedBy?: string | null;
  readonly unapproved?: boolean;
  readonly steps?: number;
}
export const isOptimizers = (v: unknown): v is { optimizers: OptimizerRow[] } =>
  isRecord(v) &&
  Array.isArray(v.optimizers) &&
  v.optimizers.every((o) => isRecord(o) && typeof o.name === "string" && typeof o.creator === "string");

export interface TreeRoot {
  readonly name: string;
  readonly kind: string;
  readonly index: number;
}
export const isTree = (v: unknown): v is { roots: TreeRoot[] } =>
  isRecord(v) && Array.isArray(v.roots) && v.roots.every((r) => isRecord(r) && typeof r.name === "string");

export interface Reason {
  readonly code: string;
  readonly message: string;
}
export interface QueueItem {
  readonly index: number;
  readonly kind: string;
  readonly status: string;
  readonly by: string;
  readonly time: string;
  readonly asks: string;
  readonly reason?: string;
  readonly approvals: readonly { by: string; decision: string; index: number; reason?: string }[];
  readonly counted: readonly string[];
  readonly needed: number;
  readonly creator?: string;
  readonly optimizer?: string;
  readonly process?: string;
  readonly gate?: { mode?: string; outcome?: string; reasons?: Reason[] };
}
export const isReview = (v: unknown): v is { items: QueueItem[] } =>
  isRecord(v) &&
  Array.isArray(v.items) &&
  v.items.every((i) => isRecord(i) && typeof i.index === "number" && typeof i.status === "string");

export interface Finding {
  readonly detector: string;
  readonly code: string;
  readonly severity: "critical" | "high" | "medium" | "low";
  readonly optimizer?: string;
  readonly message: string;
  readonly evidence?: { entries?: number[]; numbers?: Record<string, number> };
  /** Where the detector says it first fired: an episode (for the per-episode detectors) and an entry. */
  readonly firstAt?: { episode?: number; entry?: number };
}
export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly root?: string;
  readonly checkpoints?: number;
  readonly problem?: { code?: string; message?: string; index?: number };
}
export const isFindings = (
  v: unknown,
): v is {
  size: number;
  verify: VerifyReport | null;
  verifying?: boolean;
  detectorsRun: string[];
  findings: Finding[];
} =>
  isRecord(v) &&
  (v.verify === null || (isRecord(v.verify) && typeof v.verify.ok === "boolean")) &&
  Array.isArray(v.findings) &&
  v.findings.every((f) => isRecord(f) && typeof f.severity === "string" && typeof f.message === "string");

export interface Checkpoint {
  readonly origin: string;
  readonly logKey: string;
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string;
  readonly cosignatures: string[];
}
export const isCheckpoint = (v: unknown): v is Checkpoint =>
  isRecord(v) &&
  typeof v.origin === "string" &&
  typeof v.size === "number" &&
  typeof v.checkpoint === "string";

export const isSize = (v: unknown): v is { size: number } => isRecord(v) && typeof v.size === "number";

export interface Explanation {
  readonly name: string;
  readonly kind: "optimizer" | "actor";
  readonly createdBy?: string;
  readonly lineage: string[];
  readonly createdAt?: number;
  readonly process?: string;
  readonly request?: number;
  readonly approvals: { by: string; decision: string; index: number; counted: boolean; reason?: string }[];
  readonly children: string[];
  readonly halted?: { by: string; index: number; reason?: string; optimizer: string } | null;
  readonly concerns: { level: string; code: string; message: string; entries: number[] }[];
  readonly steps?: { total: number };
}
export const isExplanation = (v: unknown): v is Explanation =>
  isRecord(v) && typeof v.name === "string" && Array.isArray(v.lineage) && Array.isArray(v.concerns);

/** A spec's world model as tables (`GET /console/api/explain/:name`, `worldModel`). */
export interface WorldModelTables {
  readonly name: string | null;
  readonly implicit: boolean;
  readonly variables: readonly { name: string; domain: string; tags: readonly string[] }[];
  readonly localModels: readonly {
    name: string;
    kind: string;
    description: string;
    columns: readonly string[];
    rows: readonly (readonly (string | number | boolean)[])[];
    totalRows: number;
  }[];
}
export interface ConsoleExplain {
  readonly sentences: string[];
  readonly parts: { title: string; lines: string[] }[] | null;
  /** Absent from servers older than the tables. */
  readonly worldModel?: WorldModelTables | null;
}
export const isWorldModelTables = (v: unknown): v is WorldModelTables =>
  isRecord(v) &&
  Array.isArray(v.variables) &&
  v.variables.every((x) => isRecord(x) && typeof x.name === "string" && typeof x.domain === "string") &&
  Array.isArray(v.localModels) &&
  v.localModels.every(
    (m) =>
      isRecord(m) &&
      typeof m.name === "string" &&
      Array.isArray(m.columns) &&
      Array.isArray(m.rows) &&
      m.rows.every(Array.isArray) &&
      typeof m.totalRows === "number",
  );
export const isConsoleExplain = (v: unknown): v is ConsoleExplain =>
  isRecord(v) && Array.isArray(v.sentences) && v.sentences.every((x) => typeof x === "string");

export const isEntry = (
  v: unknown,
): v is { index: number; leafHash: string; envelope: unknown; statement?: unknown } =>
  isRecord(v) && typeof v.index === "number";

export const isProof = (
  v: unknown,
): v is { index: number; size: number; leafHash: string; root: string; proof: string[] } =>
  isRecord(v) && typeof v.index === "number" && Array.isArray(v.proof) && typeof v.root === "string";

export interface EpisodePoint {
  readonly episode: number;
  readonly last: number;
  readonly proxy: number | null;
  readonly intended: number | null;
}
/** `GET /console/api/episodes/:name` (`src/server/episode-series.ts`). */
export interface EpisodeSeries {
  readonly optimizer: string;
  readonly size: number;
  readonly proxyKey: "R" | "reward" | null;
  readonly intendedKeys: readonly string[];
  readonly measuredBy: string | null;
  readonly reporters: readonly string[];
  readonly counts: { readonly proxy: number; readonly intended: number; readonly episodes: number };
  readonly bucket: number;
  readonly truncated: boolean;
  readonly points: readonly EpisodePoint[];
}
const isNumberOrNull = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v));
export const isEpisodeSeries = (v: unknown): v is EpisodeSeries =>
  isRecord(v) &&
  typeof v.optimizer === "string" &&
  typeof v.bucket === "number" &&
  isRecord(v.counts) &&
  Array.isArray(v.reporters) &&
  Array.isArray(v.intendedKeys) &&
  Array.isArray(v.points) &&
  v.points.every(
    (p) =>
      isRecord(p) &&
      typeof p.episode === "number" &&
      typeof p.last === "number" &&
      isNumberOrNull(p.proxy) &&
      isNumberOrNull(p.intended),
  );

export interface Cosigner {
  readonly name: string;
  readonly keyId: string;
  readonly key: string;
  readonly verified: boolean;
  readonly time: number | null;
  readonly pinned: boolean;
}
/** `GET /console/api/witnesses`: the latest checkpoint's cosigners and the witnesses the server asks. */
export interface Witnesses {
  readonly size: number | null;
  readonly cosigners: readonly Cosigner[];
  readonly configured: readonly { name: string; keyId: string; url: string; cosignedLatest: boolean }[];
}
export const isWitnesses = (v: unknown): v is Witnesses =>
  isRecord(v) &&
  Array.isArray(v.cosigners) &&
  v.cosigners.every(
    (c) =>
      isRecord(c) &&
      typeof c.name === "string" &&
      typeof c.keyId === "string" &&
      typeof c.pinned === "boolean",
  ) &&
  Array.isArray(v.configured);
