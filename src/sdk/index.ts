/** optprov/sdk: what builders call. */
export { optimizerName, spawnSpecFrom } from "./from-spec.js";
export { type GateDetector, Ledger, type OpenLedgerOptions, openLedger } from "./ledger.js";
export { Optimizer, type SpawnOptions, type SpawnSpec } from "./optimizer.js";
export { type Artifact, RunContext } from "./run-context.js";
