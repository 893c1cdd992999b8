/**
 * Who may do what over HTTP. Without an `Access`, every request may read and write (the default
 * server listens on loopback only). With one, a request names itself with
 * `Authorization: Bearer <token>`; the server keeps only each token's SHA-256, bound to a verifier
 * key and a role.
 */
import { ServerError } from "../errors.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";

export type Permission = "read" | "write";

export interface Access {
  /** Token digests (hex SHA-256 of the token text) to whom they belong. */
  readonly tokens: ReadonlyMap<string, { readonly key: string; readonly role: Role }>;
  /** Reads without a token are allowed. */
  readonly anonymousReads: boolean;
}

/**
 * - builder: reads, and appends entries (its own optimizers' steps, spawns);
 * - overseer: reads, and appends entries (approvals, halts, policies);
 * - witness: reads (the tiles and checkpoints it checks);
 * - auditor: reads only.
 * Whatever the role, an append is still decided by the entries' signatures and the log's admission.
 */
export type Role = "builder" | "overseer" | "witness" | "auditor";
export const ROLES: readonly Role[] = ["builder", "overseer", "witness", "auditor"];

const MAY: Record<Role, readonly Permission[]> = {
  builder: ["read", "write"],
  overseer: ["read", "write"],
  witness: ["read"],
  auditor: ["read"],
};

/**
 * Check a request's `Authorization` header for `need`: UNAUTHENTICATED (401) without a token the
 * server knows, FORBIDDEN (403) for a role that may not. Returns who it is (for the request log),
 * or undefined when no access control is configured.
 *
 * @example authorise(access, request.headers.get("authorization"), "write");
 */
export function authorise(
  access: Access | undefined,
  header: string | null,
  need: Permission,
): string | undefined {
  if (access === undefined) return undefined;
  if (header === null) {
    if (need === "read" && access.anonymousReads) return undefined;
    throw new ServerError(
      "UNAUTHENTICATED",
      `this request needs a token (Authorization: Bearer <token>) to ${need}`,
    );
  }
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  if (m === null) throw new ServerError("UNAUTHENTICATED", "Authorization: expected Bearer <token>");
  // Looked up by digest: the server never keeps a token, and a map lookup on a digest leaks
  // nothing useful about other tokens' text through its timing.
  const holder = access.tokens.get(toHex(sha256(Buffer.from(m[1]!, "utf8"))));
  if (holder === undefined)
    throw new ServerError("UNAUTHENTICATED", "the token is not one this server knows");
  if (!MAY[holder.role].includes(need))
    throw new ServerError("FORBIDDEN", `a token of role ${holder.role} may not ${need}`);
  return `${holder.role}:${holder.key.split("+")[0]}`;
}
