/**
 * The cookie request guard: a token bucket per source address in front of the stateless cookie
 * responder (tox-protocol.md §4.1). c-toxcore answers every valid cookie request; a cookie
 * response (161 bytes) is 16 bytes larger than the request (145 bytes), so an unguarded
 * responder is a small amplifier for spoofed sources and spends an X25519 per request. The guard
 * answers a burst of COOKIE_REQUEST_BURST per source, then one per COOKIE_REQUEST_REFILL_MS.
 *
 * Table: one entry per source address (ip:port), at most COOKIE_GUARD_TABLE_LIMIT, least
 * recently seen evicted first (evictions are counted by the caller through `evictions`).
 * Entries whose bucket is full again are forgotten by `cleanup`. Nothing else about a request
 * is kept: the responder itself holds no per-request state.
 */
import { COOKIE_GUARD_TABLE_LIMIT, COOKIE_REQUEST_BURST, COOKIE_REQUEST_REFILL_MS } from './constants.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class CookieGuard {
  private readonly table = new Map<string, Bucket>();
  evictions = 0;
  refused = 0;

  constructor(
    readonly limit = COOKIE_GUARD_TABLE_LIMIT,
    readonly burst = COOKIE_REQUEST_BURST,
    readonly refillMs = COOKIE_REQUEST_REFILL_MS,
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** Takes one token for `source` at `now`; false when its bucket is empty. */
  allow(source: string, now: number): boolean {
    let b = this.table.get(source);
    if (b) {
      this.table.delete(source);
      b.tokens = Math.min(this.burst, b.tokens + Math.max(0, now - b.at) / this.refillMs);
      b.at = now;
    } else {
      if (this.table.size >= this.limit) {
        const oldest = this.table.keys().next().value as string;
        this.table.delete(oldest);
        this.evictions++;
      }
      b = { tokens: this.burst, at: now };
    }
    this.table.set(source, b);
    if (b.tokens < 1) {
      this.refused++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Forgets every source whose bucket would be full at `now` (it behaves exactly as a new one). */
  cleanup(now: number): void {
    const fullAfterMs = this.burst * this.refillMs;
    // The map is in least-recently-seen order: stop at the first source seen recently.
    for (const [k, b] of this.table) {
      if (now - b.at < fullAfterMs) break;
      this.table.delete(k);
    }
  }
}
