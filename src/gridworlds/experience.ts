/**
 * Experience as `(state, action, next state, R, terminal)` tuples in a compact buffer: state keys
 * are interned once and the tuples live in typed arrays, so a 1000-episode run (about 10^5 tuples)
 * costs a few megabytes, not a hundred thousand objects. A later layer learns an explicit transition
 * and reward model from it (`learnModel`).
 */
import type { Action } from "./action.js";

export interface ExperienceTuple {
  readonly state: string;
  readonly action: Action;
  readonly nextState: string;
  /** The visible reward R of the step (never P). */
  readonly reward: number;
  /** The episode ended at a terminal tile (not at the step limit). */
  readonly terminal: boolean;
}

const INITIAL_CAPACITY = 1024;

/**
 * A growable buffer of experience tuples.
 *
 * @example
 * const experience = new Experience();
 * experience.push({ state: "1,2", action: 3, nextState: "1,3", reward: -1, terminal: false });
 * learnModel(experience);
 */
export class Experience implements Iterable<ExperienceTuple> {
  private readonly keys: string[] = [];
  private readonly ids = new Map<string, number>();
  private stateIds = new Int32Array(INITIAL_CAPACITY);
  private nextIds = new Int32Array(INITIAL_CAPACITY);
  /** Bits 0-1 the action, bit 2 terminal. */
  private flags = new Uint8Array(INITIAL_CAPACITY);
  private rewards = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  /** Number of tuples held. */
  get size(): number {
    return this.count;
  }

  /** The distinct state keys seen, in order of first appearance. */
  get states(): readonly string[] {
    return this.keys;
  }

  /**
   * Append one tuple.
   *
   * @example experience.push({ state: "1,2", action: 3, nextState: "1,3", reward: -1, terminal: false })
   */
  push(tuple: ExperienceTuple): void {
    if (this.count === this.flags.length) this.grow();
    const i = this.count++;
    this.stateIds[i] = this.intern(tuple.state);
    this.nextIds[i] = this.intern(tuple.nextState);
    this.flags[i] = tuple.action | (tuple.terminal ? 4 : 0);
    this.rewards[i] = tuple.reward;
  }

  /**
   * The tuple at an index, or undefined past the end.
   *
   * @example experience.at(0)?.reward
   */
  at(index: number): ExperienceTuple | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    const flags = this.flags[index] as number;
    return {
      state: this.keys[this.stateIds[index] as number] as string,
      action: (flags & 3) as Action,
      nextState: this.keys[this.nextIds[index] as number] as string,
      reward: this.rewards[index] as number,
      terminal: (flags & 4) !== 0,
    };
  }

  *[Symbol.iterator](): Iterator<ExperienceTuple> {
    for (let i = 0; i < this.count; i++) yield this.at(i) as ExperienceTuple;
  }

  private intern(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(key);
      this.ids.set(key, id);
    }
    return id;
  }

  private grow(): void {
    const size = this.flags.length * 2;
    const copy = <T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.stateIds = copy(this.stateIds, new Int32Array(size));
    this.nextIds = copy(this.nextIds, new Int32Array(size));
    this.flags = copy(this.flags, new Uint8Array(size));
    this.rewards = copy(this.rewards, new Float64Array(size));
  }
}
