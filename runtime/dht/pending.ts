/**
 * Our requests in flight and the DHT's global rate budgets.
 *
 * Pending requests (docs/protocol.md §2.2, c-toxcore ping_array): every nodes request carries an
 * 8-byte ping id bound to the target's key and address, valid 5 s and once; at most 512
 * (DHT_PING_ARRAY_SIZE), the oldest evicted. A response counts only with a ping id we gave.
 * Token buckets: one counter each for the whole node, never a table per source, so that a flood
 * from spoofed sources costs no memory (the ask-back bound of ping.c, the budget of full
 * answers to unverified requesters).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import type { Random } from '../random.js';
import { DHT_PENDING_LIMIT, DHT_PING_TIMEOUT_MS } from './constants.js';

interface Pending {
  readonly pkHex: string;
  readonly addr: string;
  readonly expires: number;
  readonly kind: 'ping' | 'nodes';
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly random: Random,
    private readonly count: (name: string) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** A fresh nonzero ping id for a request to `pkHex` at `to`, remembered for 5 s. */
  newPingId(pkHex: string, to: IpPort, kind: Pending['kind'], now: number): Bytes {
    if (this.pending.size >= DHT_PENDING_LIMIT) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.count('dht.pending_evicted');
    }
    let id = this.random.bytes(8);
    while (id.every((b) => b === 0)) id = this.random.bytes(8);
    this.pending.set(toHex(id), { pkHex, addr: ipPortKey(to), expires: now + DHT_PING_TIMEOUT_MS, kind });
    return id;
  }

  /** Whether an unexpired request to `pkHex` at `to` is outstanding. */
  isAsking(pkHex: string, to: IpPort, now: number): boolean {
    const addr = ipPortKey(to);
    for (const p of this.pending.values()) if (p.pkHex === pkHex && p.addr === addr && p.expires >= now) return true;
    return false;
  }

  /** A response's ping id must be ours, unexpired, and from the node and address we asked. Used once. */
  takePending(pingId: Bytes, pk: Bytes, from: IpPort, now: number): boolean {
    const key = toHex(pingId);
    const p = this.pending.get(key);
    if (!p) return false;
    if (p.expires < now || p.pkHex !== toHex(pk) || p.addr !== ipPortKey(from)) return false;
    this.pending.delete(key);
    return true;
  }

  /** Forgets the expired ones (the one-second round). */
  expire(now: number): void {
    for (const [k, p] of this.pending) if (p.expires < now) this.pending.delete(k);
  }
}

/** A global token bucket: `rate` tokens per `perMs`, at most `burst`, starting full at time 0. */
export class TokenBucket {
  private tokens: number;
  private at = 0;

  constructor(
    private readonly burst: number,
    private readonly rate: number,
    private readonly perMs: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a token if one is left at `now`. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) * this.rate) / this.perMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
