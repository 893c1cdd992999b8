import { UsageError } from "../../errors.js";

/** A non-negative decimal integer argument, or a usage error naming the argument. */
export function parseIndex(text: string, what: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError("USAGE", `${what}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
