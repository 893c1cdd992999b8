/**
 * The digest of an optimizer spec: what a ledger entry records so that it binds to one spec exactly.
 *
 * `sha256:` followed by the lower-case hex SHA-256 of the UTF-8 bytes of the spec's canonical JSON
 * (`canonical-json.ts`: sorted keys, no whitespace, ECMAScript number spelling). The same spec
 * written in YAML or in JSON, with any key order, spacing or comments, has the same digest; any
 * change to a value, including the description and metadata, changes it.
 */
import { toHex } from "../../ledger/base64.js";
import { sha256 } from "../../ledger/crypto.js";
import type { OptimizerSpec } from "../optimizer-spec.js";
import { canonicalJson } from "./canonical-json.js";

/**
 * The spec's digest, `sha256:<64 hex digits>`.
 *
 * @example specDigest(loadSpec(text, "a.optimizer.yaml").spec!) // "sha256:3f1c..."
 */
export function specDigest(spec: OptimizerSpec): string {
  return `sha256:${toHex(sha256(new TextEncoder().encode(canonicalJson(spec))))}`;
}
