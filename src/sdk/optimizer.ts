/**
 * An optimizer as builders hold it: a name, its own key, and the two things it may do: create
 * another optimizer (only through the gate) and run (recording its steps).
 */

import { decide, type GateDecision, type GateRequest } from "../control/gate.js";
import { HaltedError, PolicyError } from "../errors.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../ledger/keys.js";
import type { Ledger } from "./ledger.js";
import { RunContext } from "./run-context.js";

/** What `spawn` needs: the new optimizer's name and process, and what the gate checks about its spec. */
export interface SpawnSpec {
  readonly name: string;
  readonly process: {
    readonly kind: string;
    readonly params?: Readonly<Record<string, number | string | boolean>>;
    readonly budget?: { readonly maxSteps?: number; readonly maxWallSeconds?: number };
    /** Process kinds this optimizer may create in turn. */
    readonly mayCreate?: readonly string[];
  };
  /** The gate's view of the spec: legibility, the objective's variables with tags, problems found. */
  readonly gate?: Partial<Pick<GateRequest["child"], "legibility" | "objectiveVariables" | "specErrors">>;
  /** The full spec document, recorded in the ledger with its digest. */
  readonly document?: unknown;
  readonly digest?: string;
  /** The optimizer's explicit world model and objective, for `ctx.predict` and `ctx.evaluate`. */
  readonly model?: {
    readonly predict?: (decisions: Readonly<Record<string, unknown>>) => unknown;
    readonly evaluate?: (state: Readonly<Record<string, unknown>>) => number | boolean;
  };
}

export interface SpawnOptions {
  /** How long to wait for overseer approval, in ms; 0 (the default) fails fast with APPROVAL_TIMEOUT. */
  readonly waitMs?: number;
  /** The child's key; one is generated when omitted. Pass the same key again to complete an approved request. */
  readonly key?: SignerKey;
  /** Detector results the policy requires (see the oversight detectors). */
  readonly detectors?: GateRequest["detectors"];
}

export class Optimizer {
  readonly ledger: Ledger;
  readonly name: string;
  readonly key: SignerKey;
  readonly spec: SpawnSpec | undefined;

  constructor(ledger: Ledger, name: string, key: SignerKey, spec?: SpawnSpec) {
    this.ledger = ledger;
    this.name = name;
    this.key = key;
    this.spec = spec;
  }

  /** Why this optimizer may not run or create, or undefined if it may. */
  haltedBy(): { readonly optimizer: string; readonly index: number } | undefined {
    return this.ledger.state.haltedBy(this.name);
  }

  private introducedAt(): number | undefined {
    return (
      this.ledger.state.optimizers.get(this.name)?.index ?? this.ledger.state.actors.get(this.name)?.index
    );
  }

  /** Run the detectors a policy requires that are registered on the ledger (unregistered ones fail at the gate). */
  private runGateDetectors(names: readonly string[], spec: SpawnSpec): NonNullable<GateRequest["detectors"]> {
    const out: Record<string, { passed: boolean; summary: string }> = {};
    for (const name of names) {
      const d = this.ledger.gateDetectors.get(name);
      if (d !== undefined) out[name] = d(spec);
    }
    return out;
  }

  /** The gate's request for creating `spec` under this optimizer. */
  gateRequest(spec: SpawnSpec, detectors?: GateRequest["detectors"]): GateRequest {
    const me = this.ledger.state.optimizers.get(this.name);
    return {
      creator: {
        name: this.name,
        process: me?.process,
        key: formatVerifierKey(this.key),
        depth: this.ledger.state.depth(this.name),
        mayCreate: this.spec?.process.mayCreate,
      },
      child: {
        name: spec.name,
        process: spec.process.kind,
        budget: spec.process.budget,
        legibility: spec.gate?.legibility ?? {
          variables: 0,
          largestLocalModelRows: 0,
          objectiveSize: 0,
          implicitParts: 0,
        },
        objectiveVariables: spec.gate?.objectiveVariables,
        specErrors: spec.gate?.specErrors ?? [],
      },
      ...(detectors ? { detectors } : {}),
      now: new Date(),
    };
  }

  /**
   * Create an optimizer, through the gate. In enforce mode a denied creation does not happen and
   * throws a PolicyError listing every reason; a creation needing approval waits up to `waitMs`.
   * In audit mode the creation happens and is recorded as unapproved.
   *
   * @example const child = await trainer.spawn({ name: "mcts", process: { kind: "tree-search" } }, { waitMs: 10_000 });
   */
  async spawn(spec: SpawnSpec, options: SpawnOptions = {}): Promise<Optimizer> {
    const { ledger } = this;
    await ledger.refresh();
    const halted = this.haltedBy();
    if (halted)
      throw new HaltedError(
        "HALTED",
        `${this.name} is halted (by ${halted.optimizer} at #${halted.index}) and may not create optimizers`,
      );
    const key = options.key ?? generateSignerKey(spec.name);
    const optimizer = {
      name: spec.name,
      key: formatVerifierKey(key),
      process: spec.process.kind,
      ...(spec.digest ? { specDigest: spec.digest } : {}),
      ...(spec.document !== undefined ? { spec: spec.document } : {}),
    };
    const parent = this.introducedAt();
    const policy = ledger.state.activePolicy();
    const create = async (gate: GateDecision | undefined, unapproved: boolean, from: number | undefined) => {
      await ledger.append(
        "optimizer",
        {
          actor: this.name,
          optimizer,
          ...(from !== undefined ? { parent: from } : parent !== undefined ? { parent } : {}),
          ...(gate ? { gate: toRecord(gate) } : {}),
          ...(unapproved ? { unapproved: true } : {}),
        },
        this.key,
      );
      return new Optimizer(ledger, spec.name, key, spec);
    };
    if (policy?.policy === undefined) return create(undefined, false, undefined);

    // A request this creator already made for this child with this key: complete it once approved,
    // or keep waiting on it, rather than asking twice.
    const earlier = [...ledger.state.requests.values()].find(
      (r) =>
        r.creator === this.name &&
        r.optimizer.name === spec.name &&
        r.optimizer.key === optimizer.key &&
        ["approved", "pending"].includes(ledger.state.requestStatus(r)),
    );
    if (earlier && ledger.state.requestStatus(earlier) === "approved")
      return create(earlier.gate as GateDecision, false, earlier.index);
    const decision = earlier
      ? (earlier.gate as GateDecision)
      : decide(
          policy.policy,
          this.gateRequest(spec, {
            ...this.runGateDetectors(policy.policy.detectors, spec),
            ...options.detectors,
          }),
          policy.digest,
        );
    if (!earlier) {
      if (decision.outcome === "allow") return create(decision, false, undefined);
      if (decision.mode === "audit") return create(decision, true, undefined);
    }
    const request =
      earlier ??
      (await ledger.append(
        "request",
        {
          actor: this.name,
          ...(parent !== undefined ? { parent } : {}),
          optimizer,
          gate: toRecord(decision),
        },
        this.key,
      ));
    if (decision.outcome === "deny") {
      throw new PolicyError(
        "POLICY_DENIED",
        `the gate refused ${spec.name}: ${decision.reasons.map((r) => r.message).join("; ")}`,
        decision.reasons,
      );
    }
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      await ledger.refresh();
      const r = ledger.state.requests.get(request.index)!;
      const status = ledger.state.requestStatus(r);
      if (status === "approved") return create(decision, false, request.index);
      if (status === "rejected") {
        const why = r.approvals
          .filter((a) => a.decision === "reject")
          .map((a) => `${a.by}: ${a.reason ?? "no reason given"}`);
        throw new PolicyError(
          "REQUEST_REJECTED",
          `request #${request.index} for ${spec.name} was rejected (${why.join("; ")})`,
        );
      }
      if (Date.now() >= deadline) {
        throw new PolicyError(
          "APPROVAL_TIMEOUT",
          `request #${request.index} for ${spec.name} awaits ${decision.approvals} overseer approval(s); run: optprov review approve ${request.index} --key <overseer key>`,
        );
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /**
   * Run the optimizer: `fn` gets a context whose `step()` records steps cheaply (flushed as signed
   * step-batch entries) and throws HaltedError once this optimizer or an ancestor is halted.
   */
  async run<T>(fn: (ctx: RunContext) => Promise<T> | T): Promise<T> {
    const ctx = new RunContext(this);
    try {
      const result = await fn(ctx);
      await ctx.close();
      return result;
    } catch (err) {
      await ctx.close().catch(() => undefined);
      throw err;
    }
  }
}

function toRecord(d: GateDecision) {
  return {
    mode: d.mode,
    outcome: d.outcome,
    reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })),
    policyDigest: d.policyDigest,
    approvals: d.approvals,
  };
}
