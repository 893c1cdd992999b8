/**
 * The builder's entry point: open a ledger, declare the root, and let every optimizer be created
 * through `spawn` (and so through the gate, which the log itself enforces at admission).
 */
import type { GateDetector } from "../control/gate-request.js";
import { type Policy, parsePolicy, policyDigest } from "../control/policy.js";
import type { ControlRules } from "../control/rules.js";
import type { ControlState } from "../control/state.js";
import { PolicyError, UsageError } from "../errors.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../ledger/keys.js";
import { type AppendedEntry, type AppendOptions, Log } from "../ledger/log.js";
import type { EntryKind, PredicateInput } from "../ledger/statement.js";
import type { LedgerStore } from "../ledger/store.js";
import type { WorkerPool } from "../ledger/worker-pool.js";
import { ledgerRules } from "../oversight/gate-detectors.js";
import { HttpStore } from "../store/http/http-store.js";
import { openStore } from "../store/open-store.js";
import { ledgerTarget, projectConfig, resolveSettings } from "./config.js";
import { loadLogKey, readSignerKey, resolveLedgerPath } from "./location.js";
import { Optimizer } from "./optimizer.js";

export type { GateDetector };

export interface OpenLedgerOptions {
  /**
   * Where the ledger lives: a SQLite file path (or `sqlite:PATH`) or a `postgres://` URL; default
   * `.optprov/ledger.db` or $OPTPROV_LEDGER. Ignored when `store` is given.
   */
  readonly path?: string;
  /**
   * An optprov server (`optprov serve`) to work against instead of a local ledger: the same API,
   * with entries signed here and appended by the server's log, and halts pushed to running loops
   * as they are appended (docs/server.md, "Remote SDK and CLI"). By default $OPTPROV_URL or
   * `server:` in optprov.yml, unless `path` or $OPTPROV_LEDGER names a ledger. Not with `path`.
   */
  readonly url?: string;
  /** The server's API token (`Authorization: Bearer`); by default $OPTPROV_TOKEN. */
  readonly token?: string;
  readonly store?: LedgerStore;
  /** The log key, or a source (`env:NAME` or a file); by default `log.key` beside the ledger, created on first use. */
  readonly logKey?: SignerKey | string;
  /**
   * How often other processes' halts and approvals are looked for, in ms (default 25), on a store
   * that can only poll (SQLite). A PostgreSQL store is told of every append (LISTEN/NOTIFY) and
   * picks them up as they commit.
   */
  readonly pollMs?: number;
  /** Step batches are flushed at this many steps or this age, whichever comes first (default 1,000 and 250 ms). */
  readonly stepBatch?: { readonly maxSteps?: number; readonly maxMs?: number };
  readonly pool?: WorkerPool;
  /**
   * Detectors a policy may require at the gate, by name, beyond the built-in ones (`GATE_DETECTORS`).
   * The log runs them at admission; an offline `verifyLedger` must be given the same ones.
   */
  readonly gateDetectors?: Readonly<Record<string, GateDetector>>;
}

const now = () => new Date().toISOString();

export class Ledger {
  readonly log: Log<ControlState>;
  readonly stepBatch: { readonly maxSteps: number; readonly maxMs: number };
  /** The control rules the log runs: the same detectors and monitors serve `spawn`'s pre-check. */
  readonly rules: ControlRules;
  private readonly stopWatching: () => void;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  private constructor(log: Log<ControlState>, rules: ControlRules, options: OpenLedgerOptions) {
    this.log = log;
    this.rules = rules;
    this.stepBatch = {
      maxSteps: options.stepBatch?.maxSteps ?? 1000,
      maxMs: options.stepBatch?.maxMs ?? 250,
    };
    const refresh = () => void this.refresh().catch(() => undefined);
    const pollMs = options.pollMs ?? 25;
    // A store that watches says how often it polls, if it must (SQLite: 25 ms; a server without
    // an event stream: once a second, not to spend its rate limit); `pollMs` overrides it.
    if (log.store.watch !== undefined)
      this.stopWatching = log.store.watch(
        refresh,
        options.pollMs !== undefined ? { intervalMs: pollMs } : {},
      );
    else {
      const poller = setInterval(refresh, pollMs);
      poller.unref();
      this.stopWatching = () => clearInterval(poller);
    }
  }

  /** The control state the log derived from every entry (optimizers, requests, approvals, halts, policies). */
  get state(): ControlState {
    return this.log.state;
  }

  /** Changes whenever an entry that can change who may run is applied; runs re-check their halt state then. */
  get controlEpoch(): number {
    return this.log.state.epoch;
  }

  /**
   * @example
   * const ledger = await openLedger();
   * const root = await ledger.root({ name: "alice", key: "alice.key" });
   */
  static async open(options: OpenLedgerOptions = {}): Promise<Ledger> {
    // The same settings as the CLI: the option, then OPTPROV_*, then the project's optprov.yml.
    const settings = resolveSettings(
      {
        ledger: options.path,
        logKey: typeof options.logKey === "string" ? options.logKey : undefined,
        server: options.url,
      },
      process.env,
      options.store === undefined ? projectConfig() : undefined,
    );
    const target = options.store === undefined ? ledgerTarget(settings) : undefined;
    if (target?.kind === "server") {
      const token = options.token ?? (process.env.OPTPROV_TOKEN || undefined);
      const store = await HttpStore.open(target.setting.value, token !== undefined ? { token } : {});
      const rules = ledgerRules(options.gateDetectors);
      try {
        // No log key: the server's log signs its own checkpoints; a client never holds that key.
        const log = await Log.open(store, { ...(options.pool ? { pool: options.pool } : {}), rules });
        return new Ledger(log, rules, options);
      } catch (err) {
        await store.close();
        throw err;
      }
    }
    const file = resolveLedgerPath(settings.ledger.value);
    const source = settings.logKey.source !== "default" ? settings.logKey.value : undefined;
    const key =
      typeof options.logKey === "object"
        ? options.logKey
        : options.store !== undefined && source !== undefined
          ? readSignerKey(source, `log key (${settings.logKey.from})`)
          : undefined;
    const store = options.store ?? (await openStore(file));
    const rules = ledgerRules(options.gateDetectors);
    try {
      const logKey =
        key ?? (options.store ? undefined : loadLogKey(file, source, (await store.size()) === 0));
      const log = await Log.open(store, {
        ...(logKey ? { logKey } : {}),
        ...(options.pool ? { pool: options.pool } : {}),
        rules,
      });
      return new Ledger(log, rules, options);
    } catch (err) {
      // A store this call opened is this call's to close; one given by the caller stays theirs.
      if (options.store === undefined) await store.close();
      throw err;
    }
  }

  /** Apply entries appended since the last look (by anyone) to the control state. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        await this.log.catchUp();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Append one entry signed by `signer` (the time is now unless given; the log fills in its origin). */
  append<K extends EntryKind>(
    kind: K,
    predicate: Omit<PredicateInput<K>, "time"> & { readonly time?: string },
    signer: SignerKey,
    options: AppendOptions = {},
  ): Promise<AppendedEntry> {
    return this.log.appendEntry(kind, { time: now(), ...predicate } as PredicateInput<K>, signer, options);
  }

  /**
   * The root of provenance: a person or organisation, registered by its own key on first use.
   */
  async root(opts: {
    readonly name: string;
    readonly key?: SignerKey | string;
    readonly role?: "person" | "organisation";
  }): Promise<Optimizer> {
    const key =
      typeof opts.key === "string"
        ? readSignerKey(opts.key, "root key")
        : (opts.key ?? generateSignerKey(opts.name));
    if (key.name !== opts.name)
      throw new UsageError(
        "USAGE",
        `root ${opts.name}: the key given is named ${key.name}; a root signs with a key of its own name`,
      );
    await this.refresh();
    if (!this.state.actors.has(opts.name)) {
      await this.append(
        "actor",
        { actor: opts.name, role: opts.role ?? "person", key: formatVerifierKey(key) },
        key,
      );
    }
    return new Optimizer(this, opts.name, key);
  }

  /** Register an overseer (or witness) by its own key, if the ledger does not know it yet. */
  async actor(
    name: string,
    key: SignerKey,
    role: "person" | "organisation" | "overseer" | "witness" | "system",
  ): Promise<void> {
    await this.refresh();
    if (!this.state.actors.has(name))
      await this.append("actor", { actor: name, role, key: formatVerifierKey(key) }, key);
  }

  /**
   * Sign a policy into the ledger. The first policy is in force at once; a later one once the
   * policy in force's overseers approve it.
   */
  async setPolicy(
    policy: Policy | string,
    owner: SignerKey,
  ): Promise<{ readonly index: number; readonly active: boolean }> {
    const parsed = typeof policy === "string" ? parsePolicy(policy) : parsePolicy(policy as unknown);
    if (parsed.owner !== owner.name)
      throw new PolicyError(
        "POLICY_INVALID",
        `policy owner is ${parsed.owner}, but it is signed by ${owner.name}`,
      );
    if (Date.parse(parsed.expires) <= Date.now())
      throw new PolicyError(
        "POLICY_INVALID",
        `policy ${parsed.name} expired at ${parsed.expires}; nothing to sign`,
      );
    const done = await this.append(
      "policy",
      {
        actor: owner.name,
        digest: policyDigest(parsed),
        policy: parsed,
        ...(typeof policy === "string" ? { source: policy } : {}),
      },
      owner,
    );
    return { index: done.index, active: this.state.activePolicy()?.index === done.index };
  }

  /** Approve or reject a pending request, resume or policy, as an overseer. */
  async review(
    target: number,
    by: SignerKey,
    decision: "approve" | "reject",
    reason?: string,
  ): Promise<AppendedEntry> {
    await this.refresh();
    const request = this.state.requests.get(target);
    const resume = this.state.changes.get(target);
    const policy = this.state.policies.find((p) => p.index === target);
    if (request === undefined && resume === undefined && policy === undefined) {
      throw new PolicyError("REQUEST_UNKNOWN", `entry #${target} is not a pending request, resume or policy`);
    }
    const governing = request
      ? this.state.policyByDigest(request.gate.policyDigest)?.policy
      : this.state.activePolicy()?.policy;
    if (governing !== undefined && !governing.overseers.includes(by.name)) {
      throw new PolicyError(
        "APPROVER_NOT_OVERSEER",
        `${by.name} is not an overseer of policy ${governing.name} (${governing.overseers.join(", ")})`,
      );
    }
    const subject = request?.optimizer.name ?? resume?.optimizer ?? "";
    const creator =
      request?.creator ??
      (resume ? this.state.optimizers.get(resume.optimizer)?.creator : undefined) ??
      policy?.owner ??
      "";
    const conflicted = [subject, creator, ...this.state.ancestors(creator)];
    if (conflicted.includes(by.name)) {
      throw new PolicyError(
        "SELF_APPROVAL",
        `${by.name} cannot review #${target}: it concerns ${by.name} or its own line of creators`,
      );
    }
    return this.append(
      "approval",
      { actor: by.name, parent: target, decision, ...(reason ? { reason } : {}) },
      by,
    );
  }

  /** Halt an optimizer (and, by the rule that a child never outlives a halted parent, everything below it). */
  async halt(
    name: string,
    by: SignerKey,
    opts: { readonly descendants?: boolean; readonly reason?: string } = {},
  ): Promise<AppendedEntry> {
    await this.refresh();
    if (!this.state.optimizers.has(name))
      throw new PolicyError("OPTIMIZER_UNKNOWN", `no optimizer named ${name} in this ledger`);
    return this.append(
      "halt",
      {
        actor: by.name,
        optimizer: name,
        descendants: opts.descendants === true,
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
      by,
    );
  }

  /** Ask to resume a halted optimizer; it runs again once overseers approve the request. */
  async requestResume(name: string, by: SignerKey, reason?: string): Promise<AppendedEntry> {
    await this.refresh();
    const halt = this.state.ownHalt(name);
    if (halt === undefined) throw new PolicyError("OPTIMIZER_UNKNOWN", `${name} is not halted`);
    return this.append(
      "change",
      {
        actor: by.name,
        parent: halt,
        optimizer: name,
        field: "status",
        from: "halted",
        to: "running",
        ...(reason ? { reason } : {}),
      },
      by,
    );
  }

  /**
   * Propose changing a running optimizer's process parameter (`params.<name>`); it counts as
   * approved once overseers approve the entry. A change made without one is flagged by the
   * self-modification detector.
   */
  async proposeChange(
    optimizer: string,
    param: string,
    from: unknown,
    to: unknown,
    by: SignerKey,
    reason?: string,
  ): Promise<AppendedEntry> {
    await this.refresh();
    if (!this.state.optimizers.has(optimizer))
      throw new PolicyError("OPTIMIZER_UNKNOWN", `no optimizer named ${optimizer} in this ledger`);
    return this.append(
      "change",
      { actor: by.name, optimizer, field: `params.${param}`, from, to, ...(reason ? { reason } : {}) },
      by,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching();
    await this.refreshing;
    await this.log.close();
  }
}

/** Open the embedded default ledger (or the one `options` names). */
export function openLedger(options: OpenLedgerOptions = {}): Promise<Ledger> {
  return Ledger.open(options);
}
