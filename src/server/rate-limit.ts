/**
 * A token bucket per client: `burst` requests at once, refilled at `perSecond`. Buckets live in
 * memory and are bounded in number (the least recently seen is dropped first), so a flood of
 * client identities cannot grow the server without bound. One process only; servers behind a load
 * balancer each keep their own.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

const MAX_CLIENTS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly limit: RateLimit;
  private readonly clock: () => number;

  constructor(limit: RateLimit, clock: () => number = Date.now) {
    this.limit = limit;
    this.clock = clock;
  }

  /**
   * Take one request from `client`'s bucket; false when it is empty.
   *
   * @example if (!limiter.take(client)) return tooMany();
   */
  take(client: string): boolean {
    const now = this.clock();
    const b = this.buckets.get(client) ?? { tokens: this.limit.burst, at: now };
    this.buckets.delete(client);
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(client, b);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    return ok;
  }
}
