/**
 * The log's size, pushed to whoever listens (`GET /v1/events`): after each append this server
 * makes, and after any other writer's (another server process on the same PostgreSQL database, a
 * command line on the same SQLite file), which the store's own `watch` reports. The store is
 * watched only while someone listens.
 */
import type { LedgerStore } from "../ledger/store.js";

export class SizeEvents {
  private readonly listeners = new Set<(size: number) => void>();
  private stopWatch: (() => void) | undefined;
  private last = -1;
  private closed = false;

  constructor(private readonly store: LedgerStore) {}

  get listening(): number {
    return this.listeners.size;
  }

  /** Tell every listener the size, if it is larger than the last one told (sizes only grow). */
  publish(size: number): void {
    if (size <= this.last) return;
    this.last = size;
    for (const l of this.listeners) l(size);
  }

  /** Listen until the returned function is called or the hub closes (then `size` is called with -1). */
  listen(onSize: (size: number) => void): () => void {
    if (this.closed) {
      onSize(-1);
      return () => undefined;
    }
    this.listeners.add(onSize);
    if (this.stopWatch === undefined && this.store.watch !== undefined)
      this.stopWatch = this.store.watch((size) => this.publish(size));
    return () => {
      this.listeners.delete(onSize);
      if (this.listeners.size === 0) {
        this.stopWatch?.();
        this.stopWatch = undefined;
      }
    };
  }

  /** End every stream (a server shutting down). */
  close(): void {
    this.closed = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
    for (const l of [...this.listeners]) l(-1);
    this.listeners.clear();
  }
}
