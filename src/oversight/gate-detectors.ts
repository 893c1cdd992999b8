/**
 * The built-in detectors a policy can require at the gate (`detectors: [oversight-dependence]`),
 * and the rule set every part of optprov opens a ledger with: mesa-optimizer control with these
 * detectors. The SDK, the CLI and `verifyLedger` all use `ledgerRules()`, so a policy's
 * `detectors:` works without wiring, and admission and offline verification run the same checks.
 */
import type { GateDetector } from "../control/gate-request.js";
import { type ControlRules, controlRules } from "../control/rules.js";
import { ANCESTRY_MONITORS } from "./ancestry-monitors.js";
import { oversightDependenceGate } from "./detectors/oversight-dependence.js";
import { oversightDisabledGate } from "./detectors/oversight-disabled.js";

/** Gate detectors by the name a policy uses for them. */
export const GATE_DETECTORS: Readonly<Record<string, GateDetector>> = {
  "oversight-dependence": oversightDependenceGate,
  "oversight-disabled": oversightDisabledGate,
};

/**
 * The control rules with the built-in gate detectors (and any `extra` ones; an offline verifier must
 * be given the same extras to reach the same verdicts).
 *
 * @example const log = await Log.open(store, { rules: ledgerRules() });
 */
export function ledgerRules(extra: Readonly<Record<string, GateDetector>> = {}): ControlRules {
  return controlRules({ detectors: { ...GATE_DETECTORS, ...extra }, monitors: ANCESTRY_MONITORS });
}
