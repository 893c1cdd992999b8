/**
 * From an optimizer spec (the legible declaration in `*.optimizer.yaml`) to what `spawn` needs:
 * the process as the spec declares it, and the document the creation entry records (and the gate
 * and the log read their legibility figures, objective and detectors from).
 */
import { declaredProcess } from "../control/gate-request.js";
import type { OptimizerSpec } from "../model/index.js";
import type { SpawnSpec } from "./optimizer.js";

/** Ledger names are key names: printable, no spaces or '+'. */
export function optimizerName(specName: string): string {
  return (
    specName
      .trim()
      .replace(/[\s+]+/g, "-")
      .replace(/[^\x21-\x7e]/g, "") || "optimizer"
  );
}

/**
 * @example const child = await parent.spawn(spawnSpecFrom(loadSpec(text, file).spec!));
 */
export function spawnSpecFrom(
  spec: OptimizerSpec,
  options: { readonly name?: string; readonly model?: SpawnSpec["model"] } = {},
): SpawnSpec {
  return {
    name: options.name ?? optimizerName(spec.name),
    process: declaredProcess(spec),
    document: spec,
    ...(options.model ? { model: options.model } : {}),
  };
}
