/**
 * The routes a remote client syncs from, on a real socket: the log's identity and size, entries as
 * their exact bytes, checkpoints with cosignatures, blobs by digest, and the event stream of sizes
 * (the current size first, then one after each append; ended when the server closes). Hostile
 * parameters are refused with their codes.
 */
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { decodeBase64 } from "../ledger/base64.js";
import { formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import { serveLedger, tmpDir } from "../store/http/test-support/served-ledger.js";
import { actorJson, noteJson } from "./test-support/fixture.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const alice = generateSignerKey("alice");

async function post(url: string, envelopes: unknown[]): Promise<Response> {
  return fetch(`${url}/v1/entries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ envelopes }),
  });
}

describe("sync routes", () => {
  it("serves the log, exact envelope bytes, checkpoints and blobs, and refuses bad parameters", async () => {
    const served = await serveLedger(dir);
    try {
      const origin = served.log.origin;
      expect((await post(served.url, [actorJson(origin, alice), noteJson(origin, alice, "hi")])).status).toBe(
        201,
      );
      await served.server.checkpoint();
      const log = (await (await fetch(`${served.url}/v1/log`)).json()) as Record<string, unknown>;
      expect(log).toMatchObject({ origin, logKey: formatVerifierKey(served.log.logVerifier), size: 2 });
      expect((log.checkpoint as { size: number }).size).toBe(2);

      const page = (await (await fetch(`${served.url}/v1/entries?start=0&envelopes=base64`)).json()) as {
        entries: { index: number; envelope: string }[];
      };
      const stored = await served.log.store.entry(1);
      expect(decodeBase64(page.entries[1]!.envelope, "envelope")).toEqual(stored!.envelope);

      const cps = (await (await fetch(`${served.url}/v1/checkpoints`)).json()) as {
        checkpoints: { size: number; text: string }[];
        next: number | null;
      };
      expect(cps.checkpoints.map((c) => c.size)).toEqual([2]);
      expect(cps.next).toBeNull();

      const blobs = (await (await fetch(`${served.url}/v1/blobs`)).json()) as { blobs: unknown[] };
      expect(blobs.blobs).toEqual([]);
      const missing = await fetch(`${served.url}/v1/blobs/${"a".repeat(64)}`);
      expect(missing.status).toBe(404);
      for (const bad of [
        "/v1/blobs/xyz",
        "/v1/blobs?after=zz",
        "/v1/checkpoints?start=-1",
        "/v1/entries?envelopes=hex",
      ]) {
        const res = await fetch(`${served.url}${bad}`);
        expect(res.status, bad).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code, bad).toBe("REQUEST_INVALID");
      }
    } finally {
      await served.close();
    }
  });

  it("streams the size on connecting and after each append, and ends the stream when the server closes", async () => {
    const served = await serveLedger(dir);
    let closed = false;
    try {
      const res = await fetch(`${served.url}/v1/events`);
      expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let text = "";
      const until = async (pattern: RegExp) => {
        while (!pattern.test(text)) {
          const { done, value } = await reader.read();
          if (done) return false;
          text += new TextDecoder().decode(value);
        }
        return true;
      };
      expect(await until(/data: \{"size":0\}/)).toBe(true);
      expect((await post(served.url, [actorJson(served.log.origin, alice)])).status).toBe(201);
      expect(await until(/data: \{"size":1\}/)).toBe(true);
      expect(text).toMatch(/event: size/);
      // Closing the server ends the stream, so the socket can close too.
      const ending = served.close();
      closed = true;
      expect(await until(/never/)).toBe(false);
      await ending;
    } finally {
      if (!closed) await served.close();
    }
  });
});
