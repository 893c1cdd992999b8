/**
 * An optimizer as builders hold it: a name, its own key, and the two things it may do: create
 * another optimizer (only through the gate) and run (recording its steps).
 *
 * The gate here is a fast pre-check and an explanation: `spawn` decides with the same function the
 * log runs at admission, on the same recorded spec, so a creation it lets through is one the log
 * admits, and one it refuses fails fast with every reason. The log still decides.
 */
import { decide, type GateDecision } from "../control/gate.js";
import { gateRequestFor, summariseSpec } from "../control/gate-request.js";
import { objectiveOf, recordOf } from "../control/rules.js";
import { HaltedError, PolicyError } from "../errors.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../ledger/keys.js";
import type { NewOptimizer, ProcessDeclaration } from "../ledger/statement.js";
import { canonicalJson } from "../model/index.js";
import type { Ledger } from "./ledger.js";
import { RunContext } from "./run-context.js";

/** What `spawn` needs: the new optimizer's name and process, and its spec document. */
export interface SpawnSpec {
  readonly name: string;
  /** The process as declared; taken from `document` when one is given (`spawnSpecFrom` does this). */
  readonly process: {
    readonly kind: string;
    readonly params?: Readonly<Record<string, number | string | boolean>>;
    readonly budget?: { readonly maxSteps?: number; readonly maxWallSeconds?: number };
    /** Process kinds this optimizer may create in turn; absent means none. */
    readonly mayCreate?: readonly string[];
  };
  /**
   * The full optimizer spec, recorded in the ledger with its digest: the gate reads its legibility,
   * objective and detectors from it. Without one, the creation has nothing explicit to show.
   */
  readonly document?: unknown;
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
}

/**
 * Specs larger than this go beside the log as a content-addressed blob (their digest in the entry)
 * instead of inside the entry, whose cap is 1 MiB: a learned world model can be many megabytes.
 */
export const INLINE_SPEC_BYTES = 256 * 1024;

function processOf(spec: SpawnSpec): ProcessDeclaration {
  const p = spec.process;
  return {
    kind: p.kind,
    ...(p.params && Object.keys(p.params).length > 0 ? { params: { ...p.params } } : {}),
    ...(p.budget ? { budget: p.budget } : {}),
    mayCreate: [...(p.mayCreate ?? [])],
  };
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
    const { state } = this.ledger;
    return state.optimizers.get(this.name)?.index ?? state.actors.get(this.name)?.index;
  }

  /**
   * Create an optimizer, through the gate. In enforce mode a denied creation does not happen and
   * throws a PolicyError listing every reason; a creation needing approval waits up to `waitMs`.
   * In audit mode the creation happens and is recorded as unapproved.
   *
   * @example const child = await trainer.spawn(spawnSpecFrom(mctsSpec), { waitMs: 10_000 });
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
    const summary = summariseSpec(spec.document);
    // A valid spec says what its process is; otherwise the spawn's own declaration stands (and the
    // gate refuses the invalid spec with its problems).
    const declared = summary.declared ?? processOf(spec);
    const canonical = spec.document === undefined ? undefined : canonicalJson(spec.document);
    // The objective is registered with the creation, before any step (a later change needs approval).
    const objective = objectiveOf(spec.document);
    const blob =
      canonical !== undefined && canonical.length > INLINE_SPEC_BYTES
        ? Buffer.from(canonical, "utf8")
        : undefined;
    const optimizer: NewOptimizer = {
      name: spec.name,
      key: formatVerifierKey(key),
      process: declared,
      ...(canonical !== undefined ? { specDigest: toHex(sha256(Buffer.from(canonical, "utf8"))) } : {}),
      ...(objective !== undefined
        ? { objectiveDigest: toHex(sha256(Buffer.from(canonicalJson(objective), "utf8"))) }
        : {}),
      ...(spec.document !== undefined && blob === undefined ? { spec: spec.document } : {}),
    };
    const blobs = blob ? { blobs: [new Uint8Array(blob.buffer, blob.byteOffset, blob.length)] } : {};
    const parent = this.introducedAt();
    const policy = ledger.state.activePolicy();
    const create = async (gate: GateDecision | undefined, unapproved: boolean, from: number | undefined) => {
      await ledger.append(
        "optimizer",
        {
          actor: this.name,
          optimizer,
          ...(from !== undefined ? { parent: from } : parent !== undefined ? { parent } : {}),
          ...(gate ? { gate: recordOf(gate) } : {}),
          ...(unapproved ? { unapproved: true } : {}),
        },
        this.key,
        blobs,
      );
      return new Optimizer(ledger, spec.name, key, { ...spec, process: declared });
    };
    if (policy === undefined) return create(undefined, false, undefined);

    // A request this creator already made for this child with this key: complete it once approved,
    // or keep waiting on it, rather than asking twice.
    const earlier = [...ledger.state.requests.values()].find(
      (r) =>
        r.creator === this.name &&
        r.optimizer.name === spec.name &&
        r.optimizer.key === optimizer.key &&
        r.gate.policyDigest === policy.digest &&
        ["approved", "pending"].includes(ledger.state.requestStatus(r)),
    );
    if (earlier && ledger.state.requestStatus(earlier) === "approved")
      return create(earlier.gate as GateDecision, false, earlier.index);
    const time = new Date().toISOString();
    const decision = earlier
      ? (earlier.gate as GateDecision)
      : decide(
          policy.policy,
          gateRequestFor({
            state: ledger.state,
            policy: policy.policy,
            creator: { name: this.name, key: formatVerifierKey(this.key) },
            child: optimizer,
            spec: spec.document,
            summary,
            time,
            detectors: ledger.rules.detectors,
            monitors: ledger.rules.monitors,
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
          time,
          ...(parent !== undefined ? { parent } : {}),
          optimizer,
          gate: recordOf(decision),
        },
        this.key,
        blobs,
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
