/**
 * Worker thread body for WorkerPool: signs batches, and opens batches of envelopes (parse, verify
 * the signature, extract admission facts). Messages carry packed byte buffers, transferred not copied.
 */
import { parentPort } from "node:worker_threads";
import { type OpenOptions, openForAdmission } from "./admission.js";
import { ed25519Sign } from "./crypto.js";

export interface WorkerJob {
  readonly id: number;
  readonly op: "sign" | "open";
  /** Concatenated messages (sign) or envelopes (open), split by `offsets`. */
  readonly data: ArrayBuffer;
  readonly offsets: Uint32Array;
  /** 32-byte seeds, one per message (sign only). */
  readonly seeds?: ArrayBuffer;
  /** How to open (open only). */
  readonly options?: OpenOptions;
}

const port = parentPort;
if (port === null) throw new Error("entry-worker must run in a worker thread");
port.on("message", (job: WorkerJob) => {
  const data = new Uint8Array(job.data);
  const count = job.offsets.length - 1;
  const item = (i: number) => data.subarray(job.offsets[i]!, job.offsets[i + 1]!);
  if (job.op === "sign") {
    const seeds = new Uint8Array(job.seeds!);
    const out = new Uint8Array(count * 64);
    for (let i = 0; i < count; i++)
      out.set(ed25519Sign(seeds.subarray(i * 32, i * 32 + 32), item(i)), i * 64);
    port.postMessage({ id: job.id, out: out.buffer }, [out.buffer]);
  } else {
    const results = [];
    const options = job.options ?? { verify: true, full: false };
    for (let i = 0; i < count; i++) results.push(openForAdmission(item(i), options));
    port.postMessage({ id: job.id, results });
  }
});
