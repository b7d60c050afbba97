/**
 * One net_crypto connection to a friend (docs/protocol.md §4): its keys, nonces, cookie, address
 * and the two lossless packet buffers. Plain data owned by the NetCrypto layer; progress
 * (cookie → handshake → accepted → established) belongs to the friend's `friendSession` machine.
 *
 * Numbers are u32 and wrap: every comparison is on `(a - b) >>> 0`.
 *
 * SendBuffer (our lossless packets, numbered from 0): [start, end) with holes where the peer's
 * request packet already acknowledged a packet. `start` follows the peer's buffer_start.
 * An entry's `sentAt` is null while it waits to be (re)sent. Bound: SEND_BUFFER_LIMIT_PACKETS.
 *
 * RecvBuffer (the peer's lossless packets): [start, end), stored out of order within
 * RECV_WINDOW_PACKETS of `start`, delivered in order from `start`.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { Friend } from '../friends.js';
import type { KeyPair } from '../keys.js';
import { RECV_WINDOW_PACKETS, SEND_BUFFER_LIMIT_PACKETS } from './constants.js';

const u32 = (n: number): number => n >>> 0;

export interface SentPacket {
  readonly data: Bytes;
  /** When it was last sent; null while it waits to be sent or resent. */
  sentAt: number | null;
  /** Sent at least once (a first send counts against the window, a resend does not). */
  everSent: boolean;
  /** Times resent. Round-trip samples come only from packets never resent (Karn's rule). */
  resends: number;
}

export class SendBuffer {
  start = 0;
  end = 0;
  readonly packets = new Map<number, SentPacket>();

  constructor(readonly limit = SEND_BUFFER_LIMIT_PACKETS) {}

  /** Slots in use, holes included (c-toxcore num_packets_array). */
  get span(): number {
    return u32(this.end - this.start);
  }

  get full(): boolean {
    return this.span >= this.limit;
  }

  /** Appends a packet; returns its number. The caller checks `full` first. */
  push(data: Bytes): number {
    if (this.full) throw new Error('send buffer full');
    const n = this.end;
    this.packets.set(n, { data, sentAt: null, everSent: false, resends: 0 });
    this.end = u32(this.end + 1);
    return n;
  }

  /** True when packet `n` (one we sent) is below `start`: the peer's buffer_start passed it (c-toxcore cryptpacket_received). */
  isAcknowledged(n: number): boolean {
    return u32(n - this.start) > this.span;
  }

  /**
   * Applies the peer's buffer_start: frees everything below it. Returns 'moved', 'same',
   * 'stale' (behind our start: a reordered older packet; ignored) or 'invalid' (beyond our end).
   * c-toxcore rejects the whole packet for both of the last two; we reject only 'invalid'.
   */
  acknowledge(bufferStart: number): 'moved' | 'same' | 'stale' | 'invalid' {
    const b = u32(bufferStart);
    if (b === this.start) return 'same';
    const ahead = u32(b - this.start);
    if (ahead > this.span) return u32(this.start - b) <= 0x7fffffff ? 'stale' : 'invalid';
    for (let i = this.start; i !== b; i = u32(i + 1)) this.packets.delete(i);
    this.start = b;
    return 'moved';
  }

  /** Entries in number order from `start`. */
  *entries(): IterableIterator<[number, SentPacket]> {
    for (let i = this.start; i !== this.end; i = u32(i + 1)) {
      const p = this.packets.get(i);
      if (p) yield [i, p];
    }
  }

  /** First sends not yet acknowledged (the congestion window's use). */
  inFlight(): number {
    let n = 0;
    for (const p of this.packets.values()) if (p.everSent) n++;
    return n;
  }

  clear(): void {
    this.packets.clear();
    this.start = this.end;
  }
}

export class RecvBuffer {
  start = 0;
  end = 0;
  readonly packets = new Map<number, Bytes>();

  constructor(readonly window = RECV_WINDOW_PACKETS) {}

  /** Stores a lossless packet. 'duplicate' if already held or delivered; 'window' if too far ahead. */
  add(n: number, data: Bytes): 'stored' | 'duplicate' | 'window' {
    const off = u32(n - this.start);
    if (off >= 0x80000000) return 'duplicate';
    if (off >= this.window) return 'window';
    if (this.packets.has(n)) return 'duplicate';
    this.packets.set(n, data);
    if (off >= u32(this.end - this.start)) this.end = u32(n + 1);
    return 'stored';
  }

  /** Takes the packets that are now in order. */
  takeInOrder(): Bytes[] {
    const out: Bytes[] = [];
    for (;;) {
      const p = this.packets.get(this.start);
      if (p === undefined) break;
      this.packets.delete(this.start);
      out.push(p);
      this.start = u32(this.start + 1);
    }
    if (u32(this.end - this.start) >= 0x80000000) this.end = this.start;
    return out;
  }

  /** The peer's buffer_end (from a request or lossy packet): moves our end forward within the window. */
  setEnd(n: number): boolean {
    const fromStart = u32(n - this.start);
    if (fromStart > this.window) return false;
    if (u32(n - this.end) > this.window) return false;
    this.end = u32(n);
    return true;
  }

  /** Packet numbers missing in [start, end), in order. */
  missing(max = this.window): number[] {
    const out: number[] = [];
    for (let i = this.start; i !== this.end && out.length < max; i = u32(i + 1)) if (!this.packets.has(i)) out.push(i);
    return out;
  }

  get hasGap(): boolean {
    return this.start !== this.end && !this.packets.has(this.start);
  }
}

export interface Connection {
  readonly friend: Friend;
  peerDhtPk: Bytes;
  peerDhtHex: string;
  /** Where our packets go (and the only source we accept 0x19/0x1b from). */
  address: IpPort | null;
  addressKey: string | null;
  /** Our session key pair, fresh per connection. */
  readonly session: KeyPair;
  /** Our base nonce: the first nonce of our data packets, carried in every handshake we send (§4.2, §11.1). */
  readonly baseNonce: Bytes;
  /** The nonce of our next data packet. */
  sentNonce: Bytes;
  /** Cookie request number, echoed by the response. */
  readonly echoId: Bytes;
  /** The cookie we put outside our handshake: from the peer's cookie response or its handshake's other_cookie. */
  peerCookie: Bytes | null;
  /** Our handshake for `peerCookie`, resent unchanged (as c-toxcore's temp packet). */
  handshake: { readonly cookie: Bytes; readonly packet: Bytes } | null;
  peerSessionPk: Bytes | null;
  /** The peer's nonce as we track it (its base nonce, advanced per the 21845 rule). */
  recvNonce: Bytes | null;
  /** shared(our session sk, peer session pk). */
  sessionKey: Bytes | null;
  /** A valid data packet arrived (c-toxcore ESTABLISHED). */
  confirmed: boolean;
  /** A kill packet arrived; nothing more is accepted. */
  killed: boolean;
  readonly send: SendBuffer;
  readonly recv: RecvBuffer;
  rttMs: number;
  /**
   * Resends allowed per resend round (RESEND_BURST_PACKETS at most, RESEND_BUDGET_MIN_PACKETS
   * at least): halved after a round in which we resent and the peer acknowledged nothing, grown
   * by every packet the peer acknowledges.
   */
  resendBudget: number;
  /**
   * A resend round lasts one round trip times this (1, 2, 4, …; at most RESEND_MAX_ROUND_MS):
   * doubled after a round without acknowledgement once the budget is at its minimum, back to 1
   * at the next acknowledgement. A peer that asks for everything and never acknowledges ends up
   * with one resend per RESEND_MAX_ROUND_MS.
   */
  resendBackoff: number;
  /** The current resend round: when it began, resends in it, packets acknowledged since. */
  resendRound: { at: number; resent: number; acked: number } | null;
  lastRequestSentAt: number | null;
  /**
   * When the peer's last new lossless packet was stored. While our receive buffer has a hole,
   * request packets go out every REQUEST_PACKET_INTERVAL_WITH_GAPS_MS only within
   * GAP_REQUESTS_FAST_FOR_MS of it; after that at the regular interval. A peer that claims
   * packets it never sends gets one request per second, not ten.
   */
  lastStoredAt: number | null;
  /** A lossless packet arrived that our peer has not seen acknowledged yet: a request packet is due by then (ACK_DELAY_MS). */
  ackDueAt: number | null;
  readonly createdAt: number;
  /** When a valid packet last arrived directly over UDP (c-toxcore direct_lastrecv_timev). */
  lastUdpAt: number | null;
  /** Not before then is another small packet tried over UDP while the session rides a relay (direct_send_attempt_time + 4 s). */
  udpTryAt: number;
  /** How the latest valid packet arrived. */
  lastVia: 'udp' | 'tcp' | null;
  /** The path last reported for the confirmed session (paths.ts), null before. */
  path: 'udp' | 'tcp' | null;
}
