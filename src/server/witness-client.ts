/**
 * The log's side of C2SP tlog-witness: push a new checkpoint to each witness's `add-checkpoint`
 * with a consistency proof from the size that witness last cosigned, and store the cosignature it
 * returns, once it verifies against the witness's key.
 *
 * The log learns a witness's last size from its own store (the largest checkpoint holding that
 * witness's cosignature). When the witness disagrees it answers 409 with its size
 * (`text/x.tlog.size`), and the log tries once more from that size.
 */
import { ServerError } from "../errors.js";
import { encodeBase64 } from "../ledger/base64.js";
import { verifyCosignature } from "../ledger/checkpoint.js";
import { formatVerifierKey, type VerifierKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import { parseNote } from "../ledger/note.js";
import type { StoredCheckpoint } from "../ledger/store.js";

export interface WitnessEndpoint {
  /** The witness's submission prefix: `add-checkpoint` is POSTed to `<url>/add-checkpoint`. */
  readonly url: string;
  /** The witness's cosigner key (type 0x04, tlog-cosignature v1). */
  readonly key: VerifierKey;
}

export type WitnessOutcome =
  | { readonly ok: true; readonly witness: string; readonly line: string }
  | { readonly ok: false; readonly witness: string; readonly code: string; readonly message: string };

/** A witness answers in milliseconds; one that does not within this is treated as down. */
const TIMEOUT_MS = 10_000;
/** A cosignature answer is a few signature lines. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The tlog-witness request body: `old <size>`, the proof lines, a blank line, the checkpoint.
 *
 * @example addCheckpointBody(3, proof, checkpointText)
 */
export function addCheckpointBody(oldSize: number, proof: readonly Uint8Array[], checkpoint: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${encodeBase64(h)}\n`).join("")}\n${checkpoint}`;
}

async function lastCosignedSize<S>(log: Log<S>, key: VerifierKey): Promise<number> {
  const me = formatVerifierKey(key);
  let best = 0;
  for (const cp of await log.store.checkpoints())
    if (cp.cosignatures.some((c) => c.witness === me)) best = Math.max(best, cp.size);
  return best;
}

async function answerText(res: Response): Promise<string> {
  const text = await res.text();
  if (text.length > MAX_ANSWER_BYTES)
    throw new ServerError(
      "WITNESS_UNREACHABLE",
      `witness answer: expected at most ${MAX_ANSWER_BYTES} bytes`,
    );
  return text;
}

/**
 * Ask one witness to cosign `cp` and store its cosignature; WITNESS_UNREACHABLE (or the witness's
 * own refusal, by status) when it does not.
 *
 * @example const line = await requestCosignature(log, await log.checkpoint(), { url, key });
 */
export async function requestCosignature<S>(
  log: Log<S>,
  cp: StoredCheckpoint,
  witness: WitnessEndpoint,
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const me = formatVerifierKey(witness.key);
  const have = cp.cosignatures.find((c) => c.witness === me);
  if (have !== undefined) return have.line;
  let oldSize = await lastCosignedSize(log, witness.key);
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof = oldSize > 0 && oldSize < cp.size ? await log.consistencyProof(oldSize, cp.size) : [];
    let res: Response;
    try {
      res = await fetcher(`${witness.url.replace(/\/+$/, "")}/add-checkpoint`, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: addCheckpointBody(oldSize, proof, cp.text),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new ServerError("WITNESS_UNREACHABLE", `witness ${witness.url}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const text = await answerText(res);
    if (res.status === 409 && res.headers.get("content-type")?.startsWith("text/x.tlog.size")) {
      const m = /^(0|[1-9][0-9]{0,15})\n$/.exec(text);
      const theirs = m ? Number(m[1]) : Number.NaN;
      if (attempt === 0 && Number.isSafeInteger(theirs) && theirs !== oldSize && theirs <= cp.size) {
        oldSize = theirs;
        continue;
      }
      throw new ServerError(
        "WITNESS_CONFLICT",
        `witness ${witness.url} last cosigned size ${m ? theirs : "?"}, which this log cannot extend to ${cp.size}`,
      );
    }
    if (res.status !== 200)
      throw new ServerError(
        "WITNESS_UNREACHABLE",
        `witness ${witness.url}: expected 200 with cosignatures, got ${res.status}`,
      );
    // The witness may send lines by other keys; only a valid cosignature by the key we trust counts.
    for (const line of text.split(/(?<=\n)/)) {
      if (!line.startsWith("\u2014 ") || !line.endsWith("\n")) continue;
      try {
        if (verifyCosignature(parseNote(cp.text + line), witness.key) === undefined) continue;
      } catch {
        continue;
      }
      await log.store.addCosignature(cp.id, me, line);
      return line;
    }
    throw new ServerError(
      "WITNESS_UNREACHABLE",
      `witness ${witness.url}: its answer holds no valid cosignature by ${witness.key.name}`,
    );
  }
  throw new ServerError("WITNESS_UNREACHABLE", `witness ${witness.url}: no cosignature after a retry`);
}

/**
 * Ask every witness, side by side; one that fails does not stop the others.
 *
 * @example const outcomes = await pushToWitnesses(log, cp, witnesses);
 */
export async function pushToWitnesses<S>(
  log: Log<S>,
  cp: StoredCheckpoint,
  witnesses: readonly WitnessEndpoint[],
  fetcher: typeof fetch = fetch,
): Promise<WitnessOutcome[]> {
  return Promise.all(
    witnesses.map(async (w): Promise<WitnessOutcome> => {
      const name = w.key.name;
      try {
        return { ok: true, witness: name, line: await requestCosignature(log, cp, w, fetcher) };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return {
          ok: false,
          witness: name,
          code: typeof code === "string" ? code : "WITNESS_UNREACHABLE",
          message: (err as Error).message,
        };
      }
    }),
  );
}
