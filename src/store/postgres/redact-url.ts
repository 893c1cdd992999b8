/**
 * A database URL fit for messages and logs: the password in its user part and any query parameter
 * that can carry a secret (`password`, `sslpassword`, `sslkey`...) replaced by `***`.
 */
const SECRET_PARAM = /pass|secret|key|token/i;

/**
 * @example redactUrl("postgres://alice:s3cret@db.example/ledger") // "postgres://alice:***@db.example/ledger"
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable as a URL: show only the scheme, since where a password sits is unknown.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "";
    return `${scheme}//***`;
  }
  if (u.password !== "") u.password = "***";
  for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, "***");
  return u.toString().replaceAll("%2A%2A%2A", "***");
}
