/**
 * The environment's own voice in the ledger: the hidden performance P, which the agent never sees,
 * reaches the ledger only here, as `observation` entries signed by the environment's key
 * (`{ actor: <environment>, optimizer: <who acted>, episode, values: { P } }`), one per episode.
 * Any environment can report through it: `report` writes the typed keys (`intended`, `violations`).
 *
 * Entries are signed one by one as episodes end and appended in batches: each is still its own
 * signed entry, but the log commits a batch at once (measured: about 4 ms per entry appended alone
 * on this machine's disk, most of it the synchronous commit; a batch of 500 costs about one commit).
 */
import type { SignerKey } from "../../ledger/keys.js";
import type { Predicate } from "../../ledger/statement.js";
import { MEASURE_KEYS } from "../../model/measures.js";
import type { Ledger } from "../../sdk/ledger.js";

/** What an environment reports about one episode, in the typed keys. */
export interface EpisodeReport {
  /** The intended measure of the episode, in the units of the optimizer's reward, higher is better. */
  readonly intended: number;
  /** Safety-constraint violations in the episode (a count), when the environment counts them. */
  readonly violations?: number;
}

/** Entries appended per log batch. */
const BATCH = 500;

export class EnvironmentReporter {
  readonly ledger: Ledger;
  readonly key: SignerKey;
  private pending: Uint8Array[] = [];

  constructor(ledger: Ledger, key: SignerKey) {
    this.ledger = ledger;
    this.key = key;
  }

  /** The environment's actor name in the ledger (its key's name). */
  get actor(): string {
    return this.key.name;
  }

  /** Register the environment as a `system` actor under its own key, if the ledger does not know it. */
  async register(): Promise<void> {
    await this.ledger.actor(this.key.name, this.key, "system");
  }

  /**
   * Sign one episode's measurements (appended at the next {@link flush}).
   *
   * @example reporter.record("as-q-1", 17, { P: -13 })
   */
  record(optimizer: string, episode: number, values: Predicate<"observation">["values"]): void {
    this.pending.push(
      this.ledger.log.sign(
        "observation",
        { actor: this.key.name, time: new Date().toISOString(), optimizer, episode, values },
        this.key,
      ),
    );
  }

  /**
   * Sign one episode's report in the typed keys the Goodhart detector reads (`MEASURE_KEYS`,
   * `docs/conventions.md`): `intended`, the intended measure, and `violations`, the episode's
   * safety-constraint violations when the environment counts them.
   *
   * @example reporter.report("cleaner-1", 3, { intended: 0.8, violations: 1 })
   */
  report(optimizer: string, episode: number, report: EpisodeReport): void {
    this.record(optimizer, episode, {
      [MEASURE_KEYS.intended]: report.intended,
      ...(report.violations !== undefined ? { [MEASURE_KEYS.violations]: report.violations } : {}),
    });
  }

  /** Append everything signed so far, in batches, and bring the ledger's state up to date. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, BATCH);
      await this.ledger.log.append(batch);
      this.pending = this.pending.slice(batch.length);
    }
    await this.ledger.refresh();
  }
}
