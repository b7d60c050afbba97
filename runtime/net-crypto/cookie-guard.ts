/**
 * The cookie request guards (docs/protocol.md §4.1), toxstate's own: c-toxcore answers every
 * valid cookie request. A cookie response (161 bytes) is 16 bytes larger than the request (145
 * bytes), so an unguarded responder is a small amplifier for spoofed sources; and opening a
 * request that claims a DHT key we hold no shared key for costs an X25519.
 *
 * Two guards, each a token bucket (`TokenBucket`: a burst, then one token per refill interval):
 *   - `CookieGuard`: a table of buckets, one per key, charged only for requests that
 *     authenticated (opened with the claimed sender DHT key) — junk never touches it. The
 *     responder keys it by source address, and by source address and DHT key for a friend's
 *     session DHT key, so that no one else's requests spend a friend's answers.
 *     Table: at most COOKIE_GUARD_TABLE_LIMIT keys, least recently seen evicted first
 *     (counted in `evictions`); keys whose bucket is full again are forgotten by `cleanup`.
 *   - a single `TokenBucket` in front of the X25519 for requests claiming unknown DHT keys: the
 *     CPU a flood of random-key requests can take, whatever its sources.
 */
import { COOKIE_GUARD_TABLE_LIMIT, COOKIE_REQUEST_BURST, COOKIE_REQUEST_REFILL_MS } from './constants.js';

/** A token bucket: `burst` tokens at once, then one more per `refillMs`. */
export class TokenBucket {
  private tokens: number;
  private at: number | null = null;
  taken = 0;
  refused = 0;

  constructor(
    readonly burst: number,
    readonly refillMs: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token at `now`; false (counted in `refused`) when none is left. */
  take(now: number): boolean {
    if (this.at !== null) this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.at) / this.refillMs);
    this.at = now;
    if (this.tokens < 1) {
      this.refused++;
      return false;
    }
    this.tokens -= 1;
    this.taken++;
    return true;
  }
}

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

  /** Takes one token for `key` at `now`; false when its bucket is empty. */
  allow(key: string, now: number): boolean {
    let b = this.table.get(key);
    if (b) {
      this.table.delete(key);
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
    this.table.set(key, b);
    if (b.tokens < 1) {
      this.refused++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Forgets every key whose bucket would be full at `now` (it behaves exactly as a new one). */
  cleanup(now: number): void {
    const fullAfterMs = this.burst * this.refillMs;
    // The map is in least-recently-seen order: stop at the first key seen recently.
    for (const [k, b] of this.table) {
      if (now - b.at < fullAfterMs) break;
      this.table.delete(k);
    }
  }
}
