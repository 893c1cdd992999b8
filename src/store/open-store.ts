/**
 * The one place a ledger location becomes a store: a file path (or `sqlite:PATH`) opens the
 * embedded SQLite store, a `postgres://` or `postgresql://` URL the shared PostgreSQL store.
 * Nothing above `store/` names a concrete store; it passes a location here.
 */
import { StoreError } from "../errors.js";
import type { LedgerStore } from "../ledger/store.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { redactUrl } from "./postgres/redact-url.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

export type StoreLocation =
  | { readonly kind: "sqlite"; readonly file: string }
  | { readonly kind: "postgres"; readonly url: string; readonly shown: string };

const EXPECTED = "a file path, sqlite:PATH, or a postgres:// or postgresql:// URL";

/**
 * What a ledger location names. A location is a URL when it starts with `scheme://` (a scheme of
 * two letters or more, so a Windows drive `C:\` stays a path) or with `sqlite:`, `postgres:` or
 * `postgresql:`; anything else is a file path, as before URLs were accepted. A URL of another
 * scheme is refused with STORE_URL_INVALID naming the scheme; the rest of it is never echoed,
 * since it may hold a password.
 *
 * @example parseStoreLocation("postgres://db.example/ledger").kind // "postgres"
 * @example parseStoreLocation(".optprov/ledger.db") // { kind: "sqlite", file: ".optprov/ledger.db" }
 */
export function parseStoreLocation(location: string): StoreLocation {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(location)?.[1]?.toLowerCase();
  const known = scheme === "sqlite" || scheme === "postgres" || scheme === "postgresql";
  if (scheme === undefined || (!known && !location.slice(scheme.length + 1).startsWith("//")))
    return { kind: "sqlite", file: location };
  if (scheme === "sqlite") {
    // sqlite:ledger.db, sqlite:/abs/ledger.db and sqlite:///abs/ledger.db all name a file.
    const rest = location.slice("sqlite:".length);
    const file = rest.startsWith("//") ? rest.slice(2) : rest;
    if (file === "")
      throw new StoreError(
        "STORE_URL_INVALID",
        `ledger location: expected sqlite:PATH, got sqlite: with no path`,
      );
    return { kind: "sqlite", file };
  }
  if (!known)
    throw new StoreError("STORE_URL_INVALID", `ledger location: expected ${EXPECTED}, got a ${scheme}: URL`);
  const shown = redactUrl(location);
  let url: URL;
  try {
    url = new URL(location);
  } catch (cause) {
    throw new StoreError("STORE_URL_INVALID", `ledger location: ${shown} is not a valid ${scheme}:// URL`, {
      cause,
    });
  }
  if (!location.slice(scheme.length + 1).startsWith("//") || url.pathname.length <= 1)
    throw new StoreError(
      "STORE_URL_INVALID",
      `ledger location: expected ${scheme}://[user[:password]@]host[:port]/database, got ${shown}`,
    );
  return { kind: "postgres", url: location, shown };
}

/**
 * A location fit for messages: a database URL with its secrets replaced by `***`, a path as it is.
 *
 * @example shownLocation("postgres://alice:pw@db/ledger") // "postgres://alice:***@db/ledger"
 */
export function shownLocation(location: string): string {
  try {
    const l = parseStoreLocation(location);
    return l.kind === "postgres" ? l.shown : location;
  } catch {
    return redactUrl(location);
  }
}

/**
 * Open the store a location names (see {@link parseStoreLocation}). `readonly` opens a SQLite file
 * that must exist without writing to it, and a PostgreSQL database without creating its tables.
 *
 * @example const store = await openStore(process.env.OPTPROV_LEDGER ?? ".optprov/ledger.db");
 */
export async function openStore(
  location: string,
  options: { readonly readonly?: boolean } = {},
): Promise<LedgerStore> {
  const where = parseStoreLocation(location);
  return where.kind === "sqlite"
    ? SqliteStore.open(where.file, options)
    : PostgresStore.open(where.url, options);
}
