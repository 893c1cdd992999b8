/**
 * Request bodies read with a byte cap: a declared `Content-Length` beyond the cap is refused before
 * a byte is read, and a body without one (chunked) is cut off as soon as it passes the cap, so a
 * client cannot make the server hold more than `max` bytes of its body.
 */
import { ServerError } from "../errors.js";

function tooLarge(max: number, got: string): never {
  throw new ServerError("BODY_TOO_LARGE", `request body: expected at most ${max} bytes, got ${got}`);
}

/**
 * The body's bytes, at most `max` of them (BODY_TOO_LARGE beyond).
 *
 * @example const bytes = await readBody(request, 8 << 20);
 */
export async function readBody(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (!/^[0-9]{1,15}$/.test(declared))
      throw new ServerError("REQUEST_INVALID", "Content-Length: expected a decimal byte count");
    if (Number(declared) > max) tooLarge(max, `${declared} (Content-Length)`);
  }
  if (req.body === null) return new Uint8Array();
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      tooLarge(max, "more");
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/**
 * The body as UTF-8 text (REQUEST_INVALID when it is not UTF-8).
 *
 * @example const text = await readText(request, 1 << 20);
 */
export async function readText(req: Request, max: number): Promise<string> {
  const bytes = await readBody(req, max);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ServerError("REQUEST_INVALID", "request body: expected UTF-8 text");
  }
}

/**
 * Refuse a body whose media type is not one of `types` (CONTENT_TYPE_UNSUPPORTED); parameters such
 * as `charset=utf-8` are allowed.
 *
 * @example requireContentType(request, ["application/json"]);
 */
export function requireContentType(req: Request, types: readonly string[]): void {
  const header = req.headers.get("content-type");
  const media = header?.split(";")[0]?.trim().toLowerCase();
  if (media === undefined || !types.includes(media))
    throw new ServerError(
      "CONTENT_TYPE_UNSUPPORTED",
      `Content-Type: expected ${types.join(" or ")}, got ${header === null ? "none" : JSON.stringify(header.slice(0, 60))}`,
    );
}
