/**
 * What an optimizer's loop calls. `step()` costs about an array push: steps are buffered and
 * flushed as one signed `step-batch` entry per `maxSteps` steps or `maxMs` milliseconds.
 */
import { HaltedError } from "../errors.js";
import type { Predicate } from "../ledger/statement.js";
import type { Optimizer } from "./optimizer.js";

type Step = Predicate<"step-batch">["steps"][number];
type Query = NonNullable<Predicate<"step-batch">["queries"]>[number];

export interface Artifact {
  readonly name: string;
  readonly digest?: string;
  readonly mediaType?: string;
  readonly data?: unknown;
}

export class RunContext {
  readonly optimizer: Optimizer;
  private steps: Step[] = [];
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
    this.maxSteps = optimizer.ledger.stepBatch.maxSteps;
    this.budget = optimizer.spec?.process.budget?.maxSteps ?? Number.POSITIVE_INFINITY;
    this.params = { ...(optimizer.spec?.process.params ?? {}) };
    this.timer = setInterval(() => this.flush(), optimizer.ledger.stepBatch.maxMs);
    this.timer.unref();
    this.checkHalt();
  }

  /** Steps recorded so far. */
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
    if (this.count >= this.budget)
      throw new HaltedError("HALTED", `${this.optimizer.name} spent its budget of ${this.budget} steps`);
    this.steps.push(
      metrics
        ? { t: Math.round(performance.now() - this.started), metrics }
        : { t: Math.round(performance.now() - this.started) },
    );
    this.count++;
    if (this.steps.length >= this.maxSteps) this.flush();
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
    if (this.queries.length >= this.maxSteps) this.flush();
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

  /** Queue the buffered steps as one signed step-batch entry. */
  flush(): Promise<void> {
    if (this.steps.length === 0 && this.queries.length === 0) return this.flushing;
    const steps = this.steps;
    const queries = this.queries;
    const firstStep = this.firstStep;
    const params = { ...this.params };
    this.steps = [];
    this.queries = [];
    this.firstStep += steps.length;
    const { ledger, name, key } = this.optimizer;
    this.flushing = this.flushing.then(async () => {
      await ledger.record(
        "step-batch",
        {
          actor: name,
          time: new Date().toISOString(),
          firstStep,
          steps,
          ...(queries.length ? { queries } : {}),
          ...(Object.keys(params).length ? { params } : {}),
        },
        key,
      );
    });
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
