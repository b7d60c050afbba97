/**
 * Accepting friend requests automatically, within bounds (`toxstate node --accept-friends`,
 * `Engine.setAutoAccept`). Accepting every request turned a flood of 2,000 requests from random
 * keys into 2,000 saved friends, each searched for over the onion (issue 13 item 5). Here:
 *
 *   - a limit: requests are accepted only while the friend list has fewer than `maxFriends`
 *     friends; beyond it they are refused (app event `auto_accept`, outcome `refused`);
 *   - a rate: a token bucket of `burst` tokens refilled at `perMinute` per minute; a request
 *     that finds no token waits in the pending set;
 *   - probation: a friend accepted here that has not come online within `probationMs` is
 *     removed again (`expired`). Keys made up for a flood have no node behind them and never
 *     come online, so a flood cannot use up the limit: with the defaults at most
 *     burst + perMinute × probation minutes = 5 + 10 × 5 = 55 of the 100 places are ever held
 *     by friends that never connect;
 *   - a bounded pending set (PENDING_LIMIT) in which a flood cannot push out a real requester:
 *     a real requester sends its request again and again (c-toxcore and toxstate every 5, 10,
 *     20 … s), flood keys typically once. Every sighting of a requester (including repeats that
 *     the requester ring does not surface again) is counted in a fixed-size counting sketch
 *     keyed with a secret salt (REQUEST_SIGHTINGS_*, halved every minute), which remembers
 *     requesters after they lose their pending place too. A full pending set evicts a random
 *     entry among those seen least (a newcomer seen less than all of them is not taken); a token
 *     goes to the pending requester seen most (ties: at random). An attacker who re-sends every
 *     key as often as a real client competes on equal terms: then the rate and probation bound
 *     what it achieves.
 *
 * Tables (bounded): pending ≤ PENDING_LIMIT entries; probation ≤ maxFriends entries; the sketch
 * is REQUEST_SIGHTINGS_COUNTERS bytes. Counters: `auto_accept.{accepted,refused,evicted,expired}`.
 */
import type { LayerDeadline } from '../layer.js';
import type { AutoAcceptContext } from './context.js';

export interface AutoAcceptOptions {
  /** Accept only while the friend list has fewer friends than this (default 100). */
  readonly maxFriends?: number;
  /** Requests accepted per minute at most, after the burst (default 10). */
  readonly perMinute?: number;
  /** Requests that can be accepted at once (default min(5, perMinute), at least 1). */
  readonly burst?: number;
  /** A friend accepted here that has not come online within this long is removed again (default 300 s; 0: kept for good). */
  readonly probationMs?: number;
}

export const AUTO_ACCEPT_DEFAULT_MAX_FRIENDS = 100;
export const AUTO_ACCEPT_DEFAULT_PER_MINUTE = 10;
export const AUTO_ACCEPT_DEFAULT_BURST = 5;
export const AUTO_ACCEPT_DEFAULT_PROBATION_MS = 300_000;
/** Requests waiting for the rate. */
export const PENDING_LIMIT = 64;
/** Counters of the sighting sketch (one byte each). */
export const REQUEST_SIGHTINGS_COUNTERS = 65_536;
/** Counters each requester increments (its estimate is the least of them). */
export const REQUEST_SIGHTINGS_HASHES = 3;
/** Every counter is halved this often, so old sightings fade. */
export const REQUEST_SIGHTINGS_HALVING_MS = 60_000;

interface Pending {
  readonly pkHex: string;
  readonly slots: readonly number[];
}

export class AutoAccept {
  readonly maxFriends: number;
  readonly perMinute: number;
  readonly burst: number;
  readonly probationMs: number;
  private tokens: number;
  private tokensAt: number;
  private readonly pending = new Map<string, Pending>();
  /** Friends accepted here that have not come online yet → when they are removed. In acceptance order, so the first expires first. */
  private readonly probation = new Map<string, number>();
  private readonly sightings = new Uint8Array(REQUEST_SIGHTINGS_COUNTERS);
  private halvedAt: number;
  private readonly salt: Uint32Array;

  constructor(
    private readonly ctx: AutoAcceptContext,
    opts: AutoAcceptOptions,
  ) {
    this.maxFriends = opts.maxFriends ?? AUTO_ACCEPT_DEFAULT_MAX_FRIENDS;
    this.perMinute = opts.perMinute ?? AUTO_ACCEPT_DEFAULT_PER_MINUTE;
    this.burst = opts.burst ?? Math.max(1, Math.min(AUTO_ACCEPT_DEFAULT_BURST, this.perMinute));
    this.probationMs = opts.probationMs ?? AUTO_ACCEPT_DEFAULT_PROBATION_MS;
    for (const [name, v, min] of [
      ['maxFriends', this.maxFriends, 0],
      ['perMinute', this.perMinute, 0],
      ['burst', this.burst, 1],
      ['probationMs', this.probationMs, 0],
    ] as const) {
      if (!Number.isFinite(v) || v < min) throw new Error(`auto-accept: ${name} must be a number ≥ ${min}, got ${v}`);
    }
    this.tokens = this.burst;
    this.tokensAt = ctx.now;
    this.halvedAt = ctx.now;
    const s = ctx.random.bytes(4 * REQUEST_SIGHTINGS_HASHES);
    this.salt = new Uint32Array(REQUEST_SIGHTINGS_HASHES);
    for (let i = 0; i < REQUEST_SIGHTINGS_HASHES; i++) this.salt[i] = (s[4 * i]! | (s[4 * i + 1]! << 8) | (s[4 * i + 2]! << 16) | (s[4 * i + 3]! << 24)) >>> 0;
  }

  /**
   * A friend request from `pkHex` (authenticated, our nospam, not a friend) arrived, surfaced or
   * a repeat: counted, and queued for acceptance unless the friend list is full.
   */
  offer(pkHex: string): void {
    const now = this.ctx.now;
    this.fade(now);
    const slots = this.slotsOf(pkHex);
    for (const s of slots) if (this.sightings[s]! < 255) this.sightings[s]!++;
    if (this.pending.has(pkHex)) return;
    if (this.ctx.friends.size >= this.maxFriends) return this.decide(pkHex, 'refused');
    if (this.pending.size >= PENDING_LIMIT) {
      const least = this.extremes('least');
      if (this.estimate(slots) < least.estimate) return this.decide(pkHex, 'evicted');
      const victim = least.entries[this.ctx.random.int(least.entries.length)]!;
      this.pending.delete(victim.pkHex);
      this.decide(victim.pkHex, 'evicted');
    }
    this.pending.set(pkHex, { pkHex, slots });
  }

  /** The friend came online (messenger-online): its probation is over. */
  cameOnline(pkHex: string): void {
    this.probation.delete(pkHex);
  }

  /** Requests waiting for the rate. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Friends accepted here that have not come online yet. */
  get onProbation(): number {
    return this.probation.size;
  }

  /** The sighting estimate of a requester (for tests and diagnostics). */
  sightingsOf(pkHex: string): number {
    return this.estimate(this.slotsOf(pkHex));
  }

  nextTimer(): LayerDeadline | null {
    let best: LayerDeadline | null = null;
    if (this.pending.size > 0) {
      const full = this.ctx.friends.size >= this.maxFriends;
      const at = full ? this.ctx.now : this.tokenAt();
      if (at !== null) best = { at, reason: full ? 'auto-accept: friend list full, refuse the pending requests' : 'auto-accept: accept a pending request' };
    }
    const first = this.probation.entries().next();
    if (!first.done && (best === null || first.value[1] < best.at)) best = { at: first.value[1], reason: 'auto-accept: probation of an accepted friend ends' };
    return best;
  }

  onTimer(now: number): void {
    this.refill(now);
    while (this.pending.size > 0 && this.tokens >= 1) {
      if (this.ctx.friends.size >= this.maxFriends) break;
      const most = this.extremes('most');
      const chosen = most.entries[this.ctx.random.int(most.entries.length)]!;
      this.pending.delete(chosen.pkHex);
      if (this.ctx.friends.has(chosen.pkHex)) continue;
      this.tokens -= 1;
      try {
        // Validates the key again (the receiver already refused invalid ones).
        this.ctx.acceptFriendRequest(chosen.pkHex);
      } catch {
        this.ctx.count('auto_accept.error');
        continue;
      }
      this.probation.delete(chosen.pkHex); // (re-)inserted last: the map stays in expiry order
      if (this.probationMs > 0) this.probation.set(chosen.pkHex, now + this.probationMs);
      this.decide(chosen.pkHex, 'accepted');
    }
    if (this.ctx.friends.size >= this.maxFriends) {
      for (const hex of this.pending.keys()) this.decide(hex, 'refused');
      this.pending.clear();
    }
    for (const [hex, until] of this.probation) {
      if (until > now) break;
      this.probation.delete(hex);
      if (this.ctx.removeFriend(hex)) this.decide(hex, 'expired');
    }
  }

  private decide(pkHex: string, outcome: 'accepted' | 'refused' | 'evicted' | 'expired'): void {
    this.ctx.count(`auto_accept.${outcome}`);
    this.ctx.app({ type: 'auto_accept', pk: pkHex, outcome, t: this.ctx.now });
  }

  private refill(now: number): void {
    if (now > this.tokensAt) this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) * this.perMinute) / 60_000);
    this.tokensAt = Math.max(this.tokensAt, now);
  }

  /** When the next token is there (null: never, a rate of 0 after the burst). */
  private tokenAt(): number | null {
    const now = this.ctx.now;
    const tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.tokensAt) * this.perMinute) / 60_000);
    if (tokens >= 1) return now;
    if (this.perMinute <= 0) return null;
    return now + Math.ceil(((1 - tokens) * 60_000) / this.perMinute);
  }

  /** The pending entries seen least or most, with that estimate. */
  private extremes(which: 'least' | 'most'): { estimate: number; entries: Pending[] } {
    let estimate = which === 'least' ? Infinity : -1;
    let entries: Pending[] = [];
    for (const p of this.pending.values()) {
      const e = this.estimate(p.slots);
      if (e === estimate) entries.push(p);
      else if (which === 'least' ? e < estimate : e > estimate) {
        estimate = e;
        entries = [p];
      }
    }
    return { estimate, entries };
  }

  private estimate(slots: readonly number[]): number {
    let m = 255;
    for (const s of slots) m = Math.min(m, this.sightings[s]!);
    return m;
  }

  /** Halves every counter once per REQUEST_SIGHTINGS_HALVING_MS elapsed. */
  private fade(now: number): void {
    const halvings = Math.floor((now - this.halvedAt) / REQUEST_SIGHTINGS_HALVING_MS);
    if (halvings <= 0) return;
    this.halvedAt += halvings * REQUEST_SIGHTINGS_HALVING_MS;
    const shift = Math.min(8, halvings);
    for (let i = 0; i < this.sightings.length; i++) this.sightings[i] = this.sightings[i]! >> shift;
  }

  /** The sketch counters of a key: a salted mix of its bytes (the salt is secret, so a flood cannot aim at a requester's counters). */
  private slotsOf(pkHex: string): number[] {
    const out: number[] = [];
    for (let k = 0; k < REQUEST_SIGHTINGS_HASHES; k++) {
      let h = this.salt[k]!;
      for (let i = 0; i < pkHex.length; i++) {
        h = Math.imul(h ^ pkHex.charCodeAt(i), 0x01000193);
        h ^= h >>> 13;
      }
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h ^= h >>> 13;
      out.push((h >>> 0) % REQUEST_SIGHTINGS_COUNTERS);
    }
    return out;
  }
}
