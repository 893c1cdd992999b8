/**
 * Tokens and roles at the edge: a token the server knows only by its SHA-256, bound to a verifier
 * key and a role. An auditor reads and cannot write; a request without a token, or with one the
 * server does not know, is refused with 401; reads without a token only when configured.
 */
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { formatVerifierKey, generateSignerKey } from "../ledger/keys.js";
import { createServer } from "./app.js";
import { actorJson, openTestLog, tmpDir } from "./test-support/fixture.js";
import { parseTokensFile } from "./tokens-file.js";

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const logKey = generateSignerKey("log.access");
const carol = generateSignerKey("carol");
const bob = generateSignerKey("bob");
const digest = (t: string) => toHex(sha256(Buffer.from(t, "utf8")));

function tokensYaml(anonymousReads: boolean): string {
  return [
    `anonymousReads: ${anonymousReads}`,
    "tokens:",
    `  - sha256: ${digest("auditor-token")}`,
    `    key: ${formatVerifierKey(carol)}`,
    "    role: auditor",
    `  - sha256: ${digest("builder-token")}`,
    `    key: ${formatVerifierKey(bob)}`,
    "    role: builder",
  ].join("\n");
}

async function serverWith(anonymousReads: boolean) {
  const log = await openTestLog(dir, logKey);
  const server = createServer({
    log,
    checkpointDelayMs: false,
    logLine: () => undefined,
    access: parseTokensFile(tokensYaml(anonymousReads), "tokens.yml"),
  });
  const call = async (method: "GET" | "POST", path: string, token?: string | null, header?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (header !== undefined) headers.authorization = header;
    else if (token) headers.authorization = `Bearer ${token}`;
    const res = await server.fetch(
      new Request(`http://x${path}`, {
        method,
        headers,
        ...(method === "POST" ? { body: JSON.stringify({ envelopes: [actorJson(logKey.name, bob)] }) } : {}),
      }),
    );
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  };
  return { log, server, call };
}

describe("tokens and roles", () => {
  it("lets an auditor read but not write, a builder write, and nobody in without a token", async () => {
    const { log, server, call } = await serverWith(false);
    expect(await call("GET", "/v1/tree", "auditor-token")).toEqual({ status: 200, code: undefined });
    expect(await call("POST", "/v1/entries", "auditor-token")).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(log.size).toBe(0);
    expect(await call("GET", "/v1/tree")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(await call("GET", "/healthz")).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/tree", "not-a-token")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(await call("GET", "/v1/tree", null, "Basic YWxhZGRpbjpvcGVu")).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(await call("POST", "/v1/entries")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(log.size).toBe(0);
    expect(await call("POST", "/v1/entries", "builder-token")).toMatchObject({ status: 201 });
    expect(log.size).toBe(1);
    await server.close();
    await log.close();
  });

  it("allows reads without a token only when configured, never writes", async () => {
    const { log, server, call } = await serverWith(true);
    expect(await call("GET", "/v1/tree")).toEqual({ status: 200, code: undefined });
    expect(await call("POST", "/v1/entries")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(await call("GET", "/v1/tree", "wrong")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(log.size).toBe(0);
    await server.close();
    await log.close();
  });

  it("refuses a tokens file that is not one", () => {
    const bad = [
      "tokens: [{ sha256: abc, key: k, role: auditor }]",
      `tokens: [{ sha256: ${digest("t")}, key: ${formatVerifierKey(carol)}, role: admin }]`,
      `tokens: [{ sha256: ${digest("t")}, key: not-a-key, role: auditor }]`,
      `tokens: [{ sha256: ${digest("t")}, key: ${formatVerifierKey(carol)}, role: auditor, extra: 1 }]`,
      `tokens: [{ sha256: ${digest("t")}, key: ${formatVerifierKey(carol)}, role: auditor }, { sha256: ${digest("t")}, key: ${formatVerifierKey(bob)}, role: builder }]`,
      "{ nope",
    ];
    for (const text of bad)
      expect(() => parseTokensFile(text, "t.yml")).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID" }),
      );
  });
});
