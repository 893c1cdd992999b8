/**
 * What an optimizer's loop calls. `step()` costs about an array push: steps are buffered by column
 * and flushed as one signed `step-batch` entry per `maxSteps` steps or `maxMs` milliseconds.
 *
 * Once the optimizer is halted, `step()` throws and the steps buffered before the halt are handed
 * in as one final batch naming the halt as its parent: the one entry besides notes the log still
 * admits from a halted optimizer.
 */
import { AdmissionError, HaltedError } from "../errors.js";
import type { Predicate } from "../ledger/statement.js";
import type { Optimizer } from "./optimizer.js";

type Query = NonNullable<Predicate<"step-batch">["queries"]>[number];

export interface Artifact {
  readonly name: string;
  readonly digest?: string;
  readonly mediaType?: string;
  readonly data?: unknown;
}

export class RunContext {
  readonly optimizer: Optimizer;
  private t: number[] = [];
  private columns = new Map<string, (number | null)[]>();
  private queries: Query[] = [];
  private firstStep = 0;
  private count = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private epoch = -1;
  private halted: { optimizer: string; index: number } | undefined;
  private readonly maxSteps: number;
  private readonly budget: number;
  /** Process parameters as this run uses them; a change is recorded with the next batch. */
  params: Record<string, number | string | boolean>;

  constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
    const ledger = optimizer.ledger;
    this.maxSteps = ledger.stepBatch.maxSteps;
    // The budget counts every step the optimizer ever recorded, across runs (the log counts so too).
    const spent = ledger.state.optimizers.get(optimizer.name)?.steps ?? 0;
    this.budget = (optimizer.spec?.process.budget?.maxSteps ?? Number.POSITIVE_INFINITY) - spent;
    this.params = { ...(optimizer.spec?.process.params ?? {}) };
    this.timer = setInterval(() => void this.flush(), ledger.stepBatch.maxMs);
    this.timer.unref();
    this.checkHalt();
  }

  /** Steps recorded so far in this run. */
  get stepCount(): number {
    return this.count;
  }

  private checkHalt(): void {
    const ledger = this.optimizer.ledger;
    if (this.epoch !== ledger.controlEpoch) {
      this.epoch = ledger.controlEpoch;
      this.halted = this.optimizer.haltedBy();
    }
    if (this.halted)
      throw new HaltedError(
        "HALTED",
        `${this.optimizer.name} is halted (by ${this.halted.optimizer} at #${this.halted.index})`,
      );
  }

  /**
   * Record one step. Throws HaltedError when the optimizer (or an ancestor) has been halted, and
   * when the step budget is spent.
   */
  step(metrics?: Readonly<Record<string, number>>): void {
    if (this.failure !== undefined) throw this.failure;
    this.checkHalt();
    const at = this.t.length;
    if (this.count >= this.budget)
      throw new HaltedError("HALTED", `${this.optimizer.name} spent its budget of steps`);
    this.t.push(Math.round(performance.now() - this.started));
    if (metrics !== undefined) {
      for (const k in metrics) {
        let col = this.columns.get(k);
        if (col === undefined) {
          col = [];
          this.columns.set(k, col);
        }
        while (col.length < at) col.push(null);
        col.push(metrics[k]!);
      }
    }
    this.count++;
    if (this.t.length >= this.maxSteps) void this.flush();
  }

  /** Ask the optimizer's world model; the query is recorded (search outside a declared process shows up). */
  predict(decisions: Readonly<Record<string, unknown>>): unknown {
    const predict = this.optimizer.spec?.model?.predict;
    if (predict === undefined)
      throw new TypeError(`${this.optimizer.name} has no explicit world model to predict with`);
    const value = predict(decisions);
    this.record({ kind: "predict", step: this.count, input: decisions, value });
    return value;
  }

  /** Evaluate the optimizer's objective on a state; recorded like `predict`. */
  evaluate(state: Readonly<Record<string, unknown>>): number | boolean {
    const evaluate = this.optimizer.spec?.model?.evaluate;
    if (evaluate === undefined)
      throw new TypeError(`${this.optimizer.name} has no explicit objective to evaluate`);
    const value = evaluate(state);
    this.record({ kind: "evaluate", step: this.count, input: state, value });
    return value;
  }

  /** Record a query answered elsewhere (e.g. by an implicit model), so the ledger still sees the search. */
  record(query: Query): void {
    this.queries.push(query);
    if (this.queries.length >= this.maxSteps) void this.flush();
  }

  /** Record something this optimizer produced; it points back to the optimizer. */
  emit(artifact: Artifact): void {
    const { ledger, name, key } = this.optimizer;
    this.flushing = this.flushing.then(async () => {
      await ledger.append("artifact", { actor: name, ...artifact }, key);
    });
    this.flushing.catch((err) => {
      this.failure ??= err;
    });
  }

  /** Take the buffered steps as one batch's predicate body. */
  private take(): Omit<Predicate<"step-batch">, "actor" | "time" | "log" | "parent"> | undefined {
    if (this.t.length === 0 && this.queries.length === 0) return undefined;
    const count = this.t.length;
    const metrics: Record<string, (number | null)[]> = {};
    for (const [k, col] of this.columns) {
      while (col.length < count) col.push(null);
      metrics[k] = col;
    }
    const body = {
      firstStep: this.firstStep,
      steps: { count, t: this.t, ...(this.columns.size ? { metrics } : {}) },
      ...(this.queries.length ? { queries: this.queries } : {}),
      ...(Object.keys(this.params).length ? { params: { ...this.params } } : {}),
    };
    this.t = [];
    this.columns = new Map();
    this.queries = [];
    this.firstStep += count;
    return body;
  }

  /** Queue the buffered steps as one signed step-batch entry. */
  flush(): Promise<void> {
    const body = this.take();
    if (body === undefined) return this.flushing;
    const { ledger, name, key } = this.optimizer;
    const append = (parent: number | undefined) =>
      ledger.append("step-batch", { actor: name, ...body, ...(parent !== undefined ? { parent } : {}) }, key);
    const refusedAsHalted = (err: unknown) =>
      err instanceof AdmissionError && err.code === "CONTROL_HALTED_ACTOR";
    // The batch is signed and handed to the log now, not after the previous one is written: the log
    // admits appends in the order they are made, and meanwhile its workers parse and verify this
    // one while the previous one is written (measured: the flush no longer waits on a worker).
    const halted = this.optimizer.haltedBy();
    const first = append(halted?.index);
    first.catch(() => undefined);
    const written = (async () => {
      try {
        try {
          await first;
        } catch (err) {
          // A halt that arrived after the steps were taken: hand them in as the final batch.
          if (!refusedAsHalted(err) || halted !== undefined) throw err;
          await ledger.refresh();
          const now = this.optimizer.haltedBy();
          if (now === undefined) throw err;
          await append(now.index);
        }
      } catch (err) {
        if (!refusedAsHalted(err)) throw err;
        throw new HaltedError(
          "HALTED",
          `${name} is halted; the log refused ${body.steps.count} step(s) taken after its final batch`,
          { cause: err },
        );
      }
    })();
    this.flushing = Promise.all([this.flushing, written]).then(() => undefined);
    this.flushing.catch((err) => {
      this.failure ??= err;
    });
    return this.flushing;
  }

  /** Flush everything and stop the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.failure !== undefined) throw this.failure;
  }
}
