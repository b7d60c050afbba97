/**
 * The net_crypto layer (tox-protocol.md §4; c-toxcore 0.2.18 net_crypto.c): cookies, handshakes
 * and crypto data sessions, one connection per friend. It owns bytes, keys, nonces and buffers;
 * the friend's `friendSession` machine owns progress. The layer delivers `packet.cookieResponse`,
 * `packet.handshake`, `packet.session` and `packet.kill` to the machine and executes the outputs
 * the engine routes to it (`sendCookieRequest`, `sendHandshake`, `sendConfirm`, `close`).
 *
 * Tables (all bounded):
 *   - connections: at most one per friend, plus at most one pending per friend (prepared from a
 *     handshake with a new DHT key until the machine drops the old session; PENDING_CONNECTION_TTL_MS);
 *   - address index: source ip:port → friends whose connection uses it (≤ friends);
 *   - cookie guard: token buckets per source address, or source address and a friend's session
 *     DHT key (COOKIE_GUARD_TABLE_LIMIT), see cookie-guard.ts;
 *   - cookie requester keys: DHT keys that opened a request naming a friend, with their shared
 *     key (COOKIE_REQUESTER_KEYS_LIMIT, least recently used evicted);
 *   - per connection: send buffer (SEND_BUFFER_LIMIT_PACKETS), receive window (RECV_WINDOW_PACKETS).
 *
 * Rules followed from c-toxcore (and where we differ):
 *   - The cookie responder keeps no per-request state: it answers a valid 0x18 that names a
 *     friend's real key at the source address (c-toxcore answers anyone; only friends can use a
 *     cookie, and strangers get nothing to reflect). Nothing is charged before a request opens
 *     (issue 13 item 3: junk spoofed from a friend's address used to spend the friend's answers):
 *     a friend's session DHT key or a remembered requester opens with a key we hold; any other
 *     key costs an X25519 from one budget for all sources, and is not cached unless the request
 *     opens and names a friend, so a flood of requests with random keys leaves no state behind.
 *   - 0x19, 0x1a and 0x1b are matched by exact source ip:port, 0x1a also by the peer's real pk
 *     from our cookie (a handshake from anywhere can open a connection, as c-toxcore's
 *     new-connection path).
 *   - Handshakes carry our base nonce (§4.2, §11.1): the first nonce of our data packets. Our
 *     handshake is built once per peer cookie and resent unchanged, as c-toxcore's temp packet.
 *   - A handshake while a connection exists (§4.4): same DHT key and not yet established →
 *     adopt (keys updated; from another address only before NOT_CONFIRMED); established → ignored;
 *     another DHT key → a fresh connection is prepared and the machine handles the restart.
 *   - Data: nonce recovery and the 21845 advance rule; kill (2) before anything else; the first
 *     valid packet confirms the session; lossless 16–191 delivered in order; duplicates dropped;
 *     request (1) marks requested packets for resend when sent more than one round trip ago
 *     (≥ RESEND_MIN_ROUND_TRIP_MS) and frees the others it walked; lossy 192–254 counted.
 *     c-toxcore rejects a packet whose buffer_start is behind ours (a reordered older packet); we
 *     ignore that stale acknowledgement and keep the data, but drop a stale request (its
 *     distances count from its own buffer_start: read against ours they would free packets the
 *     peer still misses).
 *   - Resends (issue 13 item 10): at most RESEND_BURST_PACKETS per round trip; the budget halves
 *     for every round trip in which we resent and the peer acknowledged nothing, then the rounds
 *     double up to RESEND_MAX_ROUND_MS; every acknowledged packet gives one back. Round-trip
 *     samples come only from packets sent once (Karn's rule).
 *   - A request packet goes out at least every 1 s on an established session (every 100 ms while
 *     we miss a packet, within GAP_REQUESTS_FAST_FOR_MS of the peer's last new lossless packet).
 *     Congestion control is a fixed window of SEND_WINDOW_PACKETS first sends.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { formatIpPort, ipPortKey, parseIpPort, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import { incrementNonce } from '../../protocol/nonce.js';
import {
  advanceRecvNonce,
  classifyPayloadId,
  COOKIE_REQUEST_SIZE,
  COOKIE_RESPONSE_SIZE,
  decodeCookieRequestHeader,
  decodeCryptoDataHeader,
  decodeHandshakeHeader,
  decodeRequestPacket,
  encodeRequestPacket,
  isCookieFresh,
  MAX_CRYPTO_DATA_SIZE,
  openCookie,
  openCookieRequest,
  openCookieResponse,
  openCryptoData,
  openHandshake,
  PACKET_ID_KILL,
  PACKET_ID_RANGE_LOSSLESS_END,
  PACKET_ID_RANGE_LOSSLESS_START,
  PACKET_ID_RANGE_LOSSY_END,
  PACKET_ID_RANGE_LOSSY_START,
  recoverNonce,
  sealCookie,
  sealCookieRequest,
  sealCookieResponse,
  sealCryptoData,
  sealHandshake,
  type CryptoDataBody,
  type Handshake,
} from '../../protocol/net-crypto/index.js';
import type { FriendSessionSnapshot, FriendSessionState } from '../../machines/index.js';
import { actorKeys, type Engine, type EngineDeadline, type TimedLayer } from '../engine.js';
import type { Friend } from '../friends.js';
import { generateKeyPair } from '../keys.js';
import { RecvBuffer, SendBuffer, type Connection } from './connection.js';
import {
  COOKIE_GUARD_CLEANUP_INTERVAL_MS,
  COOKIE_REQUESTER_KEYS_LIMIT,
  COOKIE_UNKNOWN_KEY_BURST,
  COOKIE_UNKNOWN_KEY_REFILL_MS,
  DEFAULT_RTT_MS,
  GAP_REQUESTS_FAST_FOR_MS,
  PENDING_CONNECTION_TTL_MS,
  REQUEST_PACKET_INTERVAL_MS,
  REQUEST_PACKET_INTERVAL_WITH_GAPS_MS,
  ACK_DELAY_MS,
  RESEND_BUDGET_MIN_PACKETS,
  RESEND_BURST_PACKETS,
  RESEND_MAX_ROUND_MS,
  RESEND_MIN_ROUND_TRIP_MS,
  SEND_PUMP_INTERVAL_MS,
  SEND_WINDOW_PACKETS,
} from './constants.js';
import { CookieGuard, TokenBucket } from './cookie-guard.js';

export type NetCryptoErrorCode = 'not_established' | 'queue_full' | 'bad_payload';

/** A refused send, with a reason the application can show. */
export class NetCryptoError extends Error {
  constructor(
    readonly code: NetCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NetCryptoError';
  }
}

export interface NetCryptoStats {
  readonly connections: number;
  readonly pending: number;
  readonly addresses: number;
  readonly guardSources: number;
  readonly guardEvictions: number;
  readonly guardRefused: number;
  /** X25519s computed for cookie requests claiming an unknown DHT key (the budget's tokens taken). */
  readonly unknownKeyComputed: number;
  /** Cookie requests claiming an unknown DHT key refused before their X25519 (budget empty). */
  readonly unknownKeyRefused: number;
  /** DHT keys remembered from authenticated cookie requests naming a friend. */
  readonly requesterKeys: number;
}

export class NetCrypto implements TimedLayer {
  /** Our cookie key (c-toxcore `secret_symmetric_key`): random per engine. */
  private readonly cookieKey: Bytes;
  private readonly conns = new Map<string, Connection>();
  private readonly pending = new Map<string, Connection>();
  private readonly byAddress = new Map<string, Set<string>>();
  private readonly lastPumpAt = new Map<string, number>();
  /** Why each friend's last connection was closed (diagnostics; one entry per friend). */
  readonly lastCloseReason = new Map<string, string>();
  readonly guard = new CookieGuard();
  /** The X25519 budget for cookie requests claiming a DHT key we hold no shared key for. */
  readonly unknownKeyBudget = new TokenBucket(COOKIE_UNKNOWN_KEY_BURST, COOKIE_UNKNOWN_KEY_REFILL_MS);
  /** DHT keys that opened a cookie request naming a friend → their shared key (LRU). */
  private readonly requesterKeys = new Map<string, Bytes>();
  private guardCleanupAt: number | null = null;

  constructor(private readonly host: Engine) {
    this.cookieKey = host.random.bytes(32);
  }

  // ---- queries -----------------------------------------------------------------------------

  /** The friend's current connection, if any (tests and the inspector read it). */
  connection(friendHex: string): Connection | undefined {
    return this.conns.get(friendHex);
  }

  /** A valid data packet arrived on the friend's session (c-toxcore ESTABLISHED). */
  isEstablished(f: Friend): boolean {
    const c = this.conns.get(f.pkHex);
    return c !== undefined && c.confirmed && !c.killed && c.sessionKey !== null;
  }

  /** Our lossless packet `n` was acknowledged by the peer's buffer_start (c-toxcore cryptpacket_received). */
  isDelivered(f: Friend, n: number): boolean {
    const c = this.conns.get(f.pkHex);
    return c !== undefined && c.send.isAcknowledged(n);
  }

  stats(): NetCryptoStats {
    return {
      connections: this.conns.size,
      pending: this.pending.size,
      addresses: this.byAddress.size,
      guardSources: this.guard.size,
      guardEvictions: this.guard.evictions,
      guardRefused: this.guard.refused,
      unknownKeyComputed: this.unknownKeyBudget.taken,
      unknownKeyRefused: this.unknownKeyBudget.refused,
      requesterKeys: this.requesterKeys.size,
    };
  }

  private snapshot(f: Friend): FriendSessionSnapshot | undefined {
    return this.host.actors.get(actorKeys.session(f.pkHex))?.snapshot as FriendSessionSnapshot | undefined;
  }

  /** The friend session's state now (during routing: after the step that produced the output). */
  private stateOf(f: Friend): FriendSessionState | undefined {
    return this.snapshot(f)?.value as FriendSessionState | undefined;
  }

  // ---- connection table ----------------------------------------------------------------------

  private newConnection(friend: Friend, peerDhtPk: Bytes): Connection {
    const { crypto, random } = this.host;
    const baseNonce = random.bytes(24);
    return {
      friend,
      peerDhtPk,
      peerDhtHex: toHex(peerDhtPk),
      address: null,
      addressKey: null,
      session: generateKeyPair(crypto, random),
      baseNonce,
      sentNonce: baseNonce,
      echoId: random.bytes(8),
      peerCookie: null,
      handshake: null,
      peerSessionPk: null,
      recvNonce: null,
      sessionKey: null,
      confirmed: false,
      killed: false,
      send: new SendBuffer(),
      recv: new RecvBuffer(),
      rttMs: DEFAULT_RTT_MS,
      resendBudget: RESEND_BURST_PACKETS,
      resendBackoff: 1,
      resendRound: null,
      lastRequestSentAt: null,
      lastStoredAt: null,
      ackDueAt: null,
      createdAt: this.host.now,
    };
  }

  private install(conn: Connection): void {
    const old = this.conns.get(conn.friend.pkHex);
    if (old && old !== conn) this.unregister(old);
    this.conns.set(conn.friend.pkHex, conn);
    if (conn.address) this.register(conn);
    this.host.counters.inc('net_crypto.connections_created');
  }

  private remove(conn: Connection): void {
    this.unregister(conn);
    if (this.conns.get(conn.friend.pkHex) === conn) this.conns.delete(conn.friend.pkHex);
    this.lastPumpAt.delete(conn.friend.pkHex);
  }

  private register(conn: Connection): void {
    if (conn.addressKey === null) return;
    let set = this.byAddress.get(conn.addressKey);
    if (!set) {
      set = new Set();
      this.byAddress.set(conn.addressKey, set);
    }
    set.add(conn.friend.pkHex);
  }

  private unregister(conn: Connection): void {
    if (conn.addressKey === null) return;
    const set = this.byAddress.get(conn.addressKey);
    if (!set) return;
    set.delete(conn.friend.pkHex);
    if (set.size === 0) this.byAddress.delete(conn.addressKey);
  }

  private setAddress(conn: Connection, address: IpPort): void {
    const key = ipPortKey(address);
    if (conn.addressKey === key) return;
    const current = this.conns.get(conn.friend.pkHex) === conn;
    if (current) this.unregister(conn);
    conn.address = address;
    conn.addressKey = key;
    if (current) this.register(conn);
  }

  /** Follows the session machine's idea of the friend's address (it decides where packets go). */
  private syncAddress(conn: Connection): void {
    const a = this.snapshot(conn.friend)?.context.address;
    if (!a) return;
    const p = parseIpPort(a);
    if (p.ok) this.setAddress(conn, p.value);
  }

  private connsAt(from: IpPort): Connection[] {
    const set = this.byAddress.get(ipPortKey(from));
    if (!set) return [];
    const out: Connection[] = [];
    for (const hex of set) {
      const c = this.conns.get(hex);
      if (c) out.push(c);
    }
    return out;
  }

  /** A connection prepared by a restart handshake replaces the current one (dropped without a kill). */
  private promote(f: Friend): Connection | undefined {
    const p = this.pending.get(f.pkHex);
    if (p) {
      this.pending.delete(f.pkHex);
      const old = this.conns.get(f.pkHex);
      if (old) this.remove(old);
      this.install(p);
      this.host.messenger.onSessionClosed(f);
      return p;
    }
    return this.conns.get(f.pkHex);
  }

  // ---- machine outputs -----------------------------------------------------------------------

  /** `send.cookieRequest`: 0x18 to the friend's node, creating the connection if there is none. */
  sendCookieRequest(f: Friend, dhtKeyHex: string, address: string): void {
    this.changes++;
    const to = parseIpPort(address);
    if (!to.ok) return this.host.drop('net_crypto.cookie_request_no_address');
    if (!/^[0-9a-f]{64}$/.test(dhtKeyHex)) return this.host.drop('net_crypto.cookie_request_no_dht_key');
    let conn = this.promote(f);
    if (!conn || conn.peerDhtHex !== dhtKeyHex || conn.sessionKey !== null || conn.killed) {
      if (conn) this.remove(conn);
      conn = this.newConnection(f, Uint8Array.from(Buffer.from(dhtKeyHex, 'hex')));
      this.install(conn);
      this.host.messenger.onSessionClosed(f);
    }
    this.setAddress(conn, to.value);
    const { crypto, keys, random } = this.host;
    const packet = sealCookieRequest(crypto, keys.dhtShared(conn.peerDhtPk), keys.dht.publicKey, random.bytes(24), {
      realPk: keys.real.publicKey,
      echoId: conn.echoId,
    });
    this.host.send(to.value, packet);
    this.host.counters.inc('net_crypto.cookie_requests_sent');
  }

  /** `send.handshake`: our handshake with the peer's cookie, to the session's address. */
  sendHandshake(f: Friend): void {
    this.changes++;
    const conn = this.promote(f);
    if (!conn) return void this.host.counters.inc('net_crypto.handshake_without_connection');
    this.syncAddress(conn);
    if (conn.peerCookie === null) return void this.host.counters.inc('net_crypto.handshake_without_cookie');
    if (conn.address === null) return void this.host.counters.inc('net_crypto.handshake_without_address');
    if (conn.handshake === null || conn.handshake.cookie !== conn.peerCookie) {
      const { crypto, keys, random } = this.host;
      const otherCookie = sealCookie(crypto, this.cookieKey, random.bytes(24), {
        time: BigInt(this.host.unixSeconds()),
        realPk: f.pk,
        dhtPk: conn.peerDhtPk,
      });
      const packet = sealHandshake(crypto, keys.realShared(f.pk), random.bytes(24), {
        cookie: conn.peerCookie,
        baseNonce: conn.baseNonce,
        sessionPk: conn.session.publicKey,
        otherCookie,
      });
      conn.handshake = { cookie: conn.peerCookie, packet };
    }
    this.host.send(conn.address, conn.handshake.packet);
    this.host.counters.inc('net_crypto.handshakes_sent');
  }

  /** `send.confirm`: a request packet as a data packet, so the peer confirms the session. */
  sendConfirm(f: Friend): void {
    this.changes++;
    const conn = this.promote(f);
    if (!conn || conn.sessionKey === null) return void this.host.counters.inc('net_crypto.confirm_without_session');
    this.syncAddress(conn);
    this.sendRequestPacket(conn);
  }

  /** `session.close`: a kill packet if asked and the session has keys, then the connection is gone. */
  close(f: Friend, sendKill: boolean, reason: string): void {
    this.changes++;
    const conn = this.conns.get(f.pkHex);
    if (conn) {
      if (sendKill && conn.sessionKey !== null && !conn.killed) {
        this.transmitData(conn, conn.send.end, Uint8Array.of(PACKET_ID_KILL));
        this.host.counters.inc('net_crypto.kills_sent');
      }
      this.remove(conn);
      this.host.counters.inc('net_crypto.connections_closed');
      this.lastCloseReason.set(f.pkHex, reason);
    }
    const p = this.pending.get(f.pkHex);
    if (p) {
      this.pending.delete(f.pkHex);
      if (this.host.friends.has(f.pkHex)) this.install(p);
    }
    this.host.messenger.onSessionClosed(f);
  }

  // ---- sending data --------------------------------------------------------------------------

  /**
   * Queues a lossless payload (id 16–191) on an established session and sends it when the window
   * allows. Returns its packet number. Throws NetCryptoError when the session is not established,
   * the payload is not a lossless one of 1..1373 bytes, or the send buffer is full.
   */
  sendLossless(f: Friend, payload: Bytes): number {
    this.changes++;
    const conn = this.conns.get(f.pkHex);
    if (!conn || !conn.confirmed || conn.killed || conn.sessionKey === null) {
      throw new NetCryptoError('not_established', `no established session with friend ${f.pkHex.slice(0, 16)}`);
    }
    const id = payload[0];
    if (payload.length < 1 || payload.length > MAX_CRYPTO_DATA_SIZE || id === undefined || id < PACKET_ID_RANGE_LOSSLESS_START || id > PACKET_ID_RANGE_LOSSLESS_END) {
      throw new NetCryptoError('bad_payload', `a lossless payload is 1..${MAX_CRYPTO_DATA_SIZE} bytes with an id in 16..191 (got ${payload.length} bytes, id ${String(id)})`);
    }
    if (conn.send.full) {
      this.host.counters.inc('net_crypto.send_queue_full');
      throw new NetCryptoError('queue_full', `send buffer full (${conn.send.limit} packets not yet acknowledged by the peer)`);
    }
    const n = conn.send.push(payload);
    this.pumpSends(conn);
    return n;
  }

  /** Sends a lossy payload (id 192–254) at once. Throws like `sendLossless`. */
  sendLossy(f: Friend, payload: Bytes): void {
    this.changes++;
    const conn = this.conns.get(f.pkHex);
    if (!conn || !conn.confirmed || conn.killed || conn.sessionKey === null) {
      throw new NetCryptoError('not_established', `no established session with friend ${f.pkHex.slice(0, 16)}`);
    }
    const id = payload[0];
    if (payload.length > MAX_CRYPTO_DATA_SIZE || id === undefined || id < PACKET_ID_RANGE_LOSSY_START || id > PACKET_ID_RANGE_LOSSY_END) {
      throw new NetCryptoError('bad_payload', `a lossy payload is 1..${MAX_CRYPTO_DATA_SIZE} bytes with an id in 192..254`);
    }
    this.transmitData(conn, conn.send.end, payload);
  }

  /** Seals and sends one data packet with our next nonce. */
  private transmitData(conn: Connection, packetNumber: number, payload: Bytes): boolean {
    if (conn.sessionKey === null || conn.address === null) {
      this.host.counters.inc('net_crypto.data_without_session');
      return false;
    }
    const body: CryptoDataBody = { bufferStart: conn.recv.start, packetNumber, payload };
    const packet = sealCryptoData(this.host.crypto, conn.sessionKey, conn.sentNonce, body);
    // Every data packet carries our buffer_start: a pending acknowledgement goes with it.
    conn.ackDueAt = null;
    conn.sentNonce = incrementNonce(conn.sentNonce);
    this.host.send(conn.address, packet);
    this.host.counters.inc('net_crypto.data_sent');
    return true;
  }

  private sendRequestPacket(conn: Connection): void {
    const payload = encodeRequestPacket({ bufferStart: conn.recv.start, missing: conn.recv.missing(), bufferEnd: conn.recv.end });
    this.transmitData(conn, conn.send.end, payload);
    conn.lastRequestSentAt = this.host.now;
    this.host.counters.inc('net_crypto.requests_sent');
  }

  /** Sends what waits in the send buffer: resends first come, first served, new packets within the window. */
  private pumpSends(conn: Connection): void {
    if (!conn.confirmed || conn.killed || conn.sessionKey === null) return;
    const now = this.host.now;
    let inFlight = conn.send.inFlight();
    let resends: number | null = null;
    let deferred = false;
    for (const [n, p] of conn.send.entries()) {
      if (p.sentAt !== null) continue;
      if (p.everSent) {
        resends ??= this.resendAllowance(conn, now);
        if (resends <= 0) {
          deferred = true;
          continue;
        }
        resends--;
        conn.resendRound!.resent++;
        p.resends++;
        this.host.counters.inc('net_crypto.resent');
      } else {
        if (inFlight >= SEND_WINDOW_PACKETS) continue;
        inFlight++;
        p.everSent = true;
      }
      this.transmitData(conn, n, p.data);
      p.sentAt = now;
    }
    // Resends over this round's budget wait for the next round (sendableAt wakes us then).
    if (deferred) this.host.counters.inc('net_crypto.resends_deferred');
    this.lastPumpAt.set(conn.friend.pkHex, now);
  }

  /** A resend round lasts one round trip, never less than RESEND_MIN_ROUND_TRIP_MS. */
  private resendRoundTrip(conn: Connection): number {
    return Math.max(conn.rttMs, RESEND_MIN_ROUND_TRIP_MS);
  }

  /** A resend round: one round trip, longer while backed off (at most RESEND_MAX_ROUND_MS). */
  private resendRoundMs(conn: Connection): number {
    const roundTrip = this.resendRoundTrip(conn);
    return Math.min(roundTrip * conn.resendBackoff, Math.max(roundTrip, RESEND_MAX_ROUND_MS));
  }

  /**
   * Resends still allowed in the current round. A round that is over is closed first: if we
   * resent in it and the peer acknowledged nothing since it began, the budget halves, or once at
   * its minimum the next round is twice as long.
   */
  private resendAllowance(conn: Connection, now: number): number {
    const round = conn.resendRound;
    if (round === null || now - round.at >= this.resendRoundMs(conn)) {
      if (round !== null && round.resent > 0 && round.acked === 0) {
        if (conn.resendBudget > RESEND_BUDGET_MIN_PACKETS) conn.resendBudget = Math.max(RESEND_BUDGET_MIN_PACKETS, Math.floor(conn.resendBudget / 2));
        else if (this.resendRoundTrip(conn) * conn.resendBackoff < RESEND_MAX_ROUND_MS) conn.resendBackoff *= 2;
      }
      conn.resendRound = { at: now, resent: 0, acked: 0 };
    }
    return conn.resendBudget - conn.resendRound!.resent;
  }

  /** The peer acknowledged `count` of our packets: the resend budget grows by as many, the backoff ends. */
  private noteAcknowledged(conn: Connection, count: number): void {
    if (count <= 0) return;
    conn.resendBudget = Math.min(RESEND_BURST_PACKETS, conn.resendBudget + count);
    conn.resendBackoff = 1;
    if (conn.resendRound !== null) conn.resendRound.acked += count;
  }

  /**
   * When the send queue should be pumped next, or null when nothing can go: a first send within
   * the window, or a resend, one pump interval after `lastPump`; a resend over the round's
   * budget not before the round ends. Pure (the round is closed by `resendAllowance`).
   */
  private sendableAt(conn: Connection, lastPump: number): number | null {
    if (!conn.confirmed || conn.killed) return null;
    let firstSend = false;
    let resend = false;
    for (const p of conn.send.packets.values()) {
      if (p.sentAt !== null) continue;
      if (p.everSent) resend = true;
      else firstSend = true;
      if (firstSend && resend) break;
    }
    const pumpAt = lastPump + SEND_PUMP_INTERVAL_MS;
    if (firstSend && conn.send.inFlight() < SEND_WINDOW_PACKETS) return pumpAt;
    if (!resend) return null;
    const round = conn.resendRound;
    if (round === null || round.resent < conn.resendBudget) return pumpAt;
    return Math.max(pumpAt, round.at + this.resendRoundMs(conn));
  }


  // ---- packets -------------------------------------------------------------------------------

  /**
   * 0x18: a friend's request is answered with a fresh cookie at the source address. Nothing is
   * charged before the request authenticates (opens with the sender DHT key it claims), so junk
   * from a friend's address cannot spend that friend's answers:
   *   - a friend's session DHT key, or a key that opened a request naming a friend before
   *     (`requesterKeys`), opens with a shared key we hold: no X25519, no budget;
   *   - any other key costs an X25519, taken from one budget for all sources (`unknownKeyBudget`);
   *   - an authenticated request naming a friend spends a token of the answer guard, keyed by
   *     source address and DHT key for a friend's session DHT key (no one else holds that key),
   *     by source address for any other key (what one address can be sent, as before).
   */
  handleCookieRequest(from: IpPort, data: Bytes): void {
    this.changes++;
    if (data.length !== COOKIE_REQUEST_SIZE) return this.host.drop('net_crypto.cookie_request_malformed');
    const h = decodeCookieRequestHeader(data);
    if (!h.ok) return this.host.drop('net_crypto.cookie_request_malformed');
    const { crypto, keys, random } = this.host;
    const senderPk = h.value.senderDhtPk;
    if (equalBytes(senderPk, keys.dht.publicKey)) return this.host.drop('net_crypto.cookie_request_from_self');
    // c-toxcore public_key_valid: no real DHT key has its top bit set (the cookie would carry it to the handshake).
    if (!isValidPublicKey(senderPk)) return this.host.drop('net_crypto.cookie_request_invalid_public_key');
    const now = this.host.now;
    const senderHex = toHex(senderPk);
    const sessionKey = this.host.friendsWithDhtKey(senderHex).length > 0;
    let shared = sessionKey ? keys.dhtShared(senderPk) : this.requesterKeys.get(senderHex);
    const known = shared !== undefined;
    if (shared === undefined) {
      if (!this.unknownKeyBudget.take(now)) return this.host.drop('net_crypto.cookie_request_unknown_key_rate_limited');
      // Not through the shared-key cache: junk with random keys leaves nothing behind.
      shared = crypto.precompute(senderPk, keys.dht.secretKey);
    }
    const req = openCookieRequest(crypto, shared, data);
    if (!req.ok) return this.host.drop('net_crypto.cookie_request_invalid');
    // Only a friend can use a cookie (we accept handshakes from friends only, as c-toxcore's
    // friend_connection): a stranger gets no answer, so strangers cannot use us to reflect
    // 161-byte answers to 145-byte requests (c-toxcore answers anyone).
    if (!this.host.friends.has(toHex(req.value.realPk))) return this.host.drop('net_crypto.cookie_request_not_friend');
    if (!sessionKey) this.rememberRequester(senderHex, shared, known);
    const source = ipPortKey(from);
    if (!this.guard.allow(sessionKey ? `${source} ${senderHex}` : source, now)) return this.host.drop('net_crypto.cookie_request_rate_limited');
    this.guardCleanupAt ??= now + COOKIE_GUARD_CLEANUP_INTERVAL_MS;
    const cookie = sealCookie(crypto, this.cookieKey, random.bytes(24), {
      time: BigInt(this.host.unixSeconds()),
      realPk: req.value.realPk,
      dhtPk: senderPk,
    });
    this.host.send(from, sealCookieResponse(crypto, shared, random.bytes(24), { cookie, echoId: req.value.echoId }));
    this.host.counters.inc('net_crypto.cookie_responses_sent');
  }

  /** A DHT key opened a request naming a friend: its next requests need no X25519 (LRU, COOKIE_REQUESTER_KEYS_LIMIT). */
  private rememberRequester(senderHex: string, shared: Bytes, known: boolean): void {
    if (known) this.requesterKeys.delete(senderHex);
    this.requesterKeys.set(senderHex, shared);
    if (this.requesterKeys.size > COOKIE_REQUESTER_KEYS_LIMIT) {
      this.requesterKeys.delete(this.requesterKeys.keys().next().value as string);
      this.host.counters.inc('net_crypto.cookie_requester_keys_evicted');
    }
  }

  /** 0x19: for the connection at that exact address, in AcquiringCookie, with our echo id. */
  handleCookieResponse(from: IpPort, data: Bytes): void {
    this.changes++;
    if (data.length !== COOKIE_RESPONSE_SIZE) return this.host.drop('net_crypto.cookie_response_malformed');
    const conns = this.connsAt(from);
    if (conns.length === 0) return this.host.drop('net_crypto.cookie_response_unknown_address');
    for (const conn of conns) {
      if (this.stateOf(conn.friend) !== 'AcquiringCookie') continue;
      const r = openCookieResponse(this.host.crypto, this.host.keys.dhtShared(conn.peerDhtPk), data);
      if (!r.ok) continue;
      if (!equalBytes(r.value.echoId, conn.echoId)) return this.host.drop('net_crypto.cookie_response_wrong_echo');
      conn.peerCookie = r.value.cookie;
      conn.handshake = null;
      this.host.counters.inc('net_crypto.cookie_responses_accepted');
      this.host.deliverToSession(conn.friend.pkHex, { type: 'packet.cookieResponse', now: this.host.now });
      return;
    }
    this.host.drop('net_crypto.cookie_response_invalid');
  }

  /** 0x1a: our cookie (fresh), a friend's real key, the box and the cookie hash; then §4.4. */
  handleHandshake(from: IpPort, data: Bytes): void {
    this.changes++;
    const h = decodeHandshakeHeader(data);
    if (!h.ok) return this.host.drop('net_crypto.handshake_malformed');
    const { crypto, keys } = this.host;
    const c = openCookie(crypto, this.cookieKey, h.value.cookie);
    if (!c.ok) return this.host.drop('net_crypto.handshake_cookie_invalid');
    if (!isCookieFresh(c.value.time, BigInt(this.host.unixSeconds()))) return this.host.drop('net_crypto.handshake_cookie_expired');
    const peerHex = toHex(c.value.realPk);
    const friend = this.host.friends.get(peerHex);
    if (!friend) return this.host.drop('net_crypto.handshake_not_friend');
    const hs = openHandshake(crypto, keys.realShared(c.value.realPk), data);
    if (!hs.ok) return this.host.drop('net_crypto.handshake_invalid');

    const dhtHex = toHex(c.value.dhtPk);
    const snap = this.snapshot(friend);
    const state = snap?.value as FriendSessionState | undefined;
    if (state === undefined) return this.host.drop('net_crypto.handshake_no_session');
    const conn = this.conns.get(peerHex);
    const fromKey = ipPortKey(from);

    if (state === 'Established' && snap?.context.dhtKey === dhtHex) return this.host.drop('net_crypto.handshake_while_established');
    if (conn && conn.peerDhtHex === dhtHex) {
      if (conn.confirmed) return this.host.drop('net_crypto.handshake_while_established');
      // NOT_CONFIRMED takes a repeated handshake only from its own address (c-toxcore by-address path).
      if (conn.sessionKey !== null && state === 'AwaitingSessionPacket' && conn.addressKey !== fromKey) {
        return this.host.drop('net_crypto.handshake_not_adopted');
      }
      this.acceptKeys(conn, hs.value);
      this.setAddress(conn, from);
      this.host.counters.inc('net_crypto.handshakes_adopted');
    } else {
      const fresh = this.newConnection(friend, c.value.dhtPk);
      this.acceptKeys(fresh, hs.value);
      this.setAddress(fresh, from);
      if (conn) {
        // Another DHT key: the friend restarted. The machine drops the old session first.
        this.pending.set(peerHex, fresh);
        this.host.counters.inc('net_crypto.handshakes_restart');
      } else {
        this.install(fresh);
        this.host.messenger.onSessionClosed(friend);
        this.host.counters.inc('net_crypto.handshakes_accepted');
      }
    }
    this.host.deliverToSession(peerHex, { type: 'packet.handshake', now: this.host.now, dhtKey: dhtHex, address: formatIpPort(from) });
  }

  private acceptKeys(conn: Connection, hs: Handshake): void {
    conn.recvNonce = hs.baseNonce;
    conn.peerSessionPk = hs.sessionPk;
    conn.sessionKey = this.host.crypto.precompute(hs.sessionPk, conn.session.secretKey);
    conn.peerCookie = hs.otherCookie;
    conn.handshake = null;
  }

  /** 0x1b: matched by source address; nonce recovery; then the payload. */
  handleCryptoData(from: IpPort, data: Bytes): void {
    this.changes++;
    const h = decodeCryptoDataHeader(data);
    if (!h.ok) return this.host.drop('net_crypto.data_malformed');
    const conns = this.connsAt(from);
    if (conns.length === 0) return this.host.drop('net_crypto.data_unknown_address');
    for (const conn of conns) {
      if (conn.sessionKey === null || conn.recvNonce === null || conn.killed) continue;
      const { nonce, diff } = recoverNonce(conn.recvNonce, h.value.nonceLow16);
      const r = openCryptoData(this.host.crypto, conn.sessionKey, nonce, data);
      if (!r.ok) continue;
      conn.recvNonce = advanceRecvNonce(conn.recvNonce, diff);
      this.onData(conn, r.value);
      return;
    }
    this.host.drop('net_crypto.data_invalid');
  }

  private onData(conn: Connection, body: CryptoDataBody): void {
    const f = conn.friend;
    const now = this.host.now;
    const oldStart = conn.send.start;
    let rttFrom: number | null = null;
    let stale = false;
    if (body.bufferStart !== oldStart) {
      const first = conn.send.packets.get(oldStart);
      const held = conn.send.packets.size;
      const ack = conn.send.acknowledge(body.bufferStart);
      if (ack === 'invalid') return this.host.drop('net_crypto.data_bad_ack');
      if (ack === 'stale') {
        stale = true;
        this.host.counters.inc('net_crypto.data_stale_ack');
      } else {
        this.noteAcknowledged(conn, held - conn.send.packets.size);
        // Karn's rule: a resent packet's acknowledgement does not say which copy arrived.
        if (first?.sentAt != null && first.resends === 0) rttFrom = first.sentAt;
      }
    }
    const payload = body.payload;
    const id = payload[0]!;
    if (id === PACKET_ID_KILL) {
      conn.killed = true;
      this.host.counters.inc('net_crypto.kills_received');
      this.host.deliverToSession(f.pkHex, { type: 'packet.kill', now });
      return;
    }
    if (!conn.confirmed) {
      conn.confirmed = true;
      conn.lastRequestSentAt ??= now;
      this.host.counters.inc('net_crypto.sessions_confirmed');
      this.host.deliverToSession(f.pkHex, { type: 'packet.session', now });
    }
    switch (classifyPayloadId(id)) {
      case 'request': {
        // Its distances count from its own buffer_start, behind ours: read against ours they
        // would free packets the peer still misses. A newer request already came; c-toxcore
        // drops such a packet whole (net_crypto.c handle_data_packet_core → clear_buffer_until).
        if (stale) return this.host.drop('net_crypto.request_stale');
        const latest = this.handleRequest(conn, payload);
        if (latest === null) return this.host.drop('net_crypto.request_invalid');
        if (latest > 0 && (rttFrom === null || latest > rttFrom)) rttFrom = latest;
        conn.recv.setEnd(body.packetNumber);
        break;
      }
      case 'lossless': {
        const added = conn.recv.add(body.packetNumber, payload);
        if (added === 'duplicate') return this.host.drop('net_crypto.data_duplicate');
        if (added === 'window') return this.host.drop('net_crypto.data_beyond_window');
        conn.lastStoredAt = now;
        conn.ackDueAt ??= now + ACK_DELAY_MS;
        for (const p of conn.recv.takeInOrder()) {
          this.host.counters.inc('net_crypto.lossless_delivered');
          this.host.messenger.handleLossless(f, p);
          if (this.conns.get(f.pkHex) !== conn) return;
        }
        break;
      }
      case 'lossy':
        conn.recv.setEnd(body.packetNumber);
        this.host.counters.inc('net_crypto.lossy_received');
        break;
      default:
        return this.host.drop(`net_crypto.payload_${classifyPayloadId(id)}`);
    }
    if (rttFrom !== null && now - rttFrom < conn.rttMs) conn.rttMs = Math.max(0, now - rttFrom);
    if (conn.send.start !== oldStart) this.host.messenger.onPeerAck(f);
    this.pumpSends(conn);
  }

  /**
   * A request packet: requested packets sent more than one round trip ago are marked for resend
   * (at most once per round trip, as c-toxcore handle_request_packet; the resend budget decides
   * how many go out, see `resendAllowance`); every other packet the walk passes is freed (the
   * peer has it). Returns the latest send time among the freed packets never resent (0 if none),
   * or null for a malformed request.
   */
  private handleRequest(conn: Connection, payload: Bytes): number | null {
    const d = decodeRequestPacket(payload, { bufferStart: conn.send.start, bufferEnd: conn.send.end });
    if (!d.ok) return null;
    const requested = new Set(d.value.requested);
    const now = this.host.now;
    const roundTrip = this.resendRoundTrip(conn);
    let latest = 0;
    let freed = 0;
    for (let i = conn.send.start; i !== d.value.walkedEnd; i = (i + 1) >>> 0) {
      const p = conn.send.packets.get(i);
      if (!p) continue;
      if (requested.has(i)) {
        if (p.sentAt !== null && p.sentAt + roundTrip < now) p.sentAt = null;
      } else {
        if (p.sentAt !== null && p.resends === 0 && p.sentAt > latest) latest = p.sentAt;
        conn.send.packets.delete(i);
        freed++;
      }
    }
    this.noteAcknowledged(conn, freed);
    if (requested.size > 0) this.host.counters.inc('net_crypto.requests_received_with_gaps');
    return latest;
  }

  // ---- timers --------------------------------------------------------------------------------

  private requestDueAt(conn: Connection): number | null {
    if (!conn.confirmed || conn.killed || conn.sessionKey === null) return null;
    const last = conn.lastRequestSentAt ?? conn.createdAt;
    // A hole: ask again soon, while the peer is still sending us something new (see lastStoredAt).
    const soon = last + REQUEST_PACKET_INTERVAL_WITH_GAPS_MS;
    const gapFast = conn.recv.hasGap && conn.lastStoredAt !== null && soon < conn.lastStoredAt + GAP_REQUESTS_FAST_FOR_MS;
    const regular = gapFast ? soon : last + REQUEST_PACKET_INTERVAL_MS;
    return conn.ackDueAt !== null && conn.ackDueAt < regular ? conn.ackDueAt : regular;
  }

  /** Bumped by every entry point that can change a connection; `nextTimer` is cached on it. */
  private changes = 0;
  private timerCache: { changes: number; now: number; friends: number; value: EngineDeadline | null } | null = null;

  /**
   * The earliest of every connection's timers. The engine asks after every input; with many
   * sessions a scan each time would cost O(sessions) per datagram, so the answer is cached until
   * a connection changes (or the time or the friend list does).
   */
  nextTimer(): EngineDeadline | null {
    const c = this.timerCache;
    if (c && c.changes === this.changes && c.now === this.host.now && c.friends === this.host.friends.size) return c.value;
    const value = this.computeNextTimer();
    this.timerCache = { changes: this.changes, now: this.host.now, friends: this.host.friends.size, value };
    return value;
  }

  private computeNextTimer(): EngineDeadline | null {
    let best: EngineDeadline | null = null;
    const consider = (at: number | null, reason: string): void => {
      if (at !== null && (best === null || at < best.at)) best = { at, reason };
    };
    for (const conn of this.conns.values()) {
      if (!this.host.friends.has(conn.friend.pkHex)) consider(this.host.now, 'net_crypto connection of a removed friend');
      consider(this.requestDueAt(conn), `net_crypto request packet to ${conn.friend.pkHex.slice(0, 8)}`);
      consider(this.sendableAt(conn, this.lastPumpAt.get(conn.friend.pkHex) ?? this.host.now), 'net_crypto send queue');
    }
    for (const p of this.pending.values()) consider(p.createdAt + PENDING_CONNECTION_TTL_MS, 'net_crypto pending connection expires');
    consider(this.guardCleanupAt, 'cookie guard cleanup');
    return best;
  }

  onTimer(now: number): void {
    this.changes++;
    for (const conn of [...this.conns.values()]) {
      if (!this.host.friends.has(conn.friend.pkHex)) {
        this.remove(conn);
        continue;
      }
      const due = this.requestDueAt(conn);
      if (due !== null && due <= now) this.sendRequestPacket(conn);
      const sendAt = this.sendableAt(conn, this.lastPumpAt.get(conn.friend.pkHex) ?? -Infinity);
      if (sendAt !== null && sendAt <= now) this.pumpSends(conn);
    }
    for (const hex of this.lastCloseReason.keys()) if (!this.host.friends.has(hex)) this.lastCloseReason.delete(hex);
    for (const [hex, p] of this.pending) {
      if (now - p.createdAt >= PENDING_CONNECTION_TTL_MS || !this.host.friends.has(hex)) {
        this.pending.delete(hex);
        this.host.counters.inc('net_crypto.pending_expired');
      }
    }
    if (this.guardCleanupAt !== null && now >= this.guardCleanupAt) {
      this.guard.cleanup(now);
      this.guardCleanupAt = this.guard.size > 0 ? now + COOKIE_GUARD_CLEANUP_INTERVAL_MS : null;
    }
  }
}
