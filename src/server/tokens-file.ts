/**
 * The tokens file `optprov serve --tokens FILE` reads (YAML, or JSON, which YAML reads too):
 *
 *   anonymousReads: false
 *   tokens:
 *     - sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *       key: carol+1a2b3c4d+AbCd...      # the verifier key the token is issued to
 *       role: auditor                    # builder | overseer | witness | auditor
 *
 * Only each token's SHA-256 is kept (`printf %s "$TOKEN" | sha256sum`), so the file gives away no
 * token.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { parseVerifierKey } from "../ledger/keys.js";
import { type Access, ROLES, type Role } from "./access.js";

const schema = z
  .object({
    anonymousReads: z.boolean().default(false),
    tokens: z
      .array(
        z
          .object({
            sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"),
            key: z.string().min(1).max(400),
            role: z.enum(ROLES as [Role, ...Role[]]),
          })
          .strict(),
      )
      .max(100_000),
  })
  .strict();

/**
 * Parse a tokens file's text; CONFIG_INVALID naming the place of the first problem.
 *
 * @example const access = parseTokensFile(fs.readFileSync("tokens.yml", "utf8"), "tokens.yml");
 */
export function parseTokensFile(text: string, file: string): Access {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 0 });
  } catch {
    throw new UsageError("CONFIG_INVALID", `${file}: expected YAML or JSON, got text that does not parse`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UsageError("CONFIG_INVALID", `${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const tokens = new Map<string, { key: string; role: Role }>();
  for (const [i, t] of r.data.tokens.entries()) {
    try {
      parseVerifierKey(t.key);
    } catch {
      throw new UsageError(
        "CONFIG_INVALID",
        `${file}: tokens.${i}.key: expected a verifier key (name+id+base64)`,
      );
    }
    if (tokens.has(t.sha256))
      throw new UsageError("CONFIG_INVALID", `${file}: tokens.${i}: the same token twice`);
    tokens.set(t.sha256, { key: t.key, role: t.role });
  }
  return { tokens, anonymousReads: r.data.anonymousReads };
}
