/**
 * Serve a fetch app on a Node socket (`@hono/node-server`), and close it cleanly: stop accepting,
 * let requests under way finish, then drop idle keep-alive connections.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { UsageError } from "../errors.js";

export interface Listening {
  /** `http://host:port`, with the port the system chose when 0 was asked for. */
  readonly url: string;
  close(): Promise<void>;
}

/** Where `optprov serve` listens unless told otherwise: loopback only. */
export const DEFAULT_LISTEN = "127.0.0.1:4850";

/**
 * Split `host:port` (`[::1]:4850` for IPv6); USAGE when it is not one.
 *
 * @example parseListen("0.0.0.0:8080") // { host: "0.0.0.0", port: 8080 }
 */
export function parseListen(text: string): { readonly host: string; readonly port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (m === null || port > 65535)
    throw new UsageError(
      "USAGE",
      `--listen: expected host:port (e.g. ${DEFAULT_LISTEN}), got ${JSON.stringify(text.slice(0, 80))}`,
    );
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * @example const { url, close } = await listen(server, { host: "127.0.0.1", port: 0 });
 */
export function listen(
  app: { fetch(request: Request, env?: unknown): Promise<Response> },
  at: { readonly host: string; readonly port: number },
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: at.host, port: at.port }, (info: AddressInfo) => {
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new UsageError("USAGE", `cannot listen on ${at.host}:${at.port}: ${err.code ?? err.message}`, {
          cause: err,
        }),
      ),
    );
  });
}
