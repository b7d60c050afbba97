/**
 * The net_crypto layer (docs/protocol.md §4; c-toxcore 0.2.18 net_crypto.c): cookies, handshakes
 * and crypto data sessions, one connection per friend. It owns bytes, keys, nonces and buffers;
 * the friend's `friendSession` machine owns progress. `NetCrypto` is the layer's face: the
 * engine hands it datagrams 0x18–0x1b, the machine outputs routed to it (`sendCookieRequest`,
 * `sendHandshake`, `sendConfirm`, `close`) and the session's state after every step
 * (`sessionChanged`); the messenger sends through it (its `SessionChannel` port: `sendLossless`,
 * `sendLossy`, `isDelivered`, `isEstablished`). What arrives is reported as facts
 * (context.ts `NetCryptoFact`), which the engine routes to the machine and the messenger.
 *
 * The parts, each in its own file:
 *   - cookie-responder.ts: answering 0x18 (guards, requester keys);
 *   - handshake.ts: our cookie requests and handshakes, 0x19 and 0x1a, which connection a
 *     handshake installs;
 *   - data-path.ts: 0x1b, lossless buffers, request packets, resends and their timers;
 *   - table.ts: the connection table and address index they share, and the sessions' state as
 *     the engine told it; connection.ts: one connection and its buffers.
 *
 * Tables (all bounded): connections (≤ 1 per friend, + ≤ 1 pending per friend), the address
 * index (≤ friends), the cookie guard (COOKIE_GUARD_TABLE_LIMIT), the cookie requester keys
 * (COOKIE_REQUESTER_KEYS_LIMIT), and per connection its send buffer (SEND_BUFFER_LIMIT_PACKETS)
 * and receive window (RECV_WINDOW_PACKETS).
 */
import type { Bytes } from '../../protocol/bytes.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import { CRYPTO_PAYLOAD_ID } from '../../protocol/net-crypto/index.js';
import type { Friend } from '../friends.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import type { Connection } from './connection.js';
import { PENDING_CONNECTION_TTL_MS } from './constants.js';
import type { NetCryptoContext, SessionView, Source, TcpSource } from './context.js';
import { pathTimerAt, updatePath } from './paths.js';
import { CookieResponder } from './cookie-responder.js';
import type { CookieGuard, TokenBucket } from './cookie-guard.js';
import { DataPath } from './data-path.js';
import { Handshakes } from './handshake.js';
import { ConnectionTable } from './table.js';

export { NetCryptoError, type NetCryptoErrorCode } from './errors.js';
export type { NetCryptoContext, NetCryptoFact, SessionView } from './context.js';

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
  private readonly table: ConnectionTable;
  private readonly responder: CookieResponder;
  private readonly handshakes: Handshakes;
  private readonly data: DataPath;

  constructor(private readonly ctx: NetCryptoContext) {
    this.cookieKey = ctx.random.bytes(32);
    this.table = new ConnectionTable(ctx);
    this.responder = new CookieResponder(ctx, this.cookieKey);
    this.handshakes = new Handshakes(ctx, this.table, this.cookieKey);
    this.data = new DataPath(ctx, this.table);
  }

  // ---- queries -----------------------------------------------------------------------------

  /** The friend's current connection, if any (tests and the inspector read it). */
  connection(friendHex: string): Connection | undefined {
    return this.table.conns.get(friendHex);
  }

  /** A valid data packet arrived on the friend's session (c-toxcore ESTABLISHED). */
  isEstablished(f: Friend): boolean {
    const c = this.table.conns.get(f.pkHex);
    return c !== undefined && c.confirmed && !c.killed && c.sessionKey !== null;
  }

  /** Our lossless packet `n` was acknowledged by the peer's buffer_start (c-toxcore cryptpacket_received). */
  isDelivered(f: Friend, n: number): boolean {
    const c = this.table.conns.get(f.pkHex);
    return c !== undefined && c.send.isAcknowledged(n);
  }

  /** Why each friend's last connection was closed (diagnostics; one entry per friend). */
  get lastCloseReason(): ReadonlyMap<string, string> {
    return this.table.lastCloseReason;
  }

  /** The cookie responder's answer guard. */
  get guard(): CookieGuard {
    return this.responder.guard;
  }

  /** The X25519 budget for cookie requests claiming a DHT key we hold no shared key for. */
  get unknownKeyBudget(): TokenBucket {
    return this.responder.unknownKeyBudget;
  }

  stats(): NetCryptoStats {
    const guard = this.responder.guard;
    return {
      connections: this.table.conns.size,
      pending: this.table.pending.size,
      addresses: this.table.addresses,
      guardSources: guard.size,
      guardEvictions: guard.evictions,
      guardRefused: guard.refused,
      unknownKeyComputed: this.responder.unknownKeyBudget.taken,
      unknownKeyRefused: this.responder.unknownKeyBudget.refused,
      requesterKeys: this.responder.requesterKeyCount,
    };
  }

  // ---- from the engine -----------------------------------------------------------------------

  /**
   * The friend session's state, address and DHT key after its latest step (null: the session
   * is gone). The engine calls it when the session actor is created, after every step (before
   * the step's outputs are routed) and when it is removed; the layer reads nothing else of it.
   */
  sessionChanged(friendHex: string, view: SessionView | null): void {
    this.table.sessionChanged(friendHex, view);
    // An established session that learns where the friend's DHT key answers from (it rides a
    // relay, connected before any address was known) points its connection there at once: the
    // friend's direct packets from there are then the session's, and our probes go there. c-toxcore
    // does the same (friend_connection.c dht_ip_callback → net_crypto.c set_direct_ip_port).
    if (view?.state === 'Established' && view.address !== null) {
      const conn = this.table.conns.get(friendHex);
      if (conn && conn.confirmed && !conn.killed) this.table.syncAddress(conn);
    }
  }

  // ---- machine outputs -----------------------------------------------------------------------

  /** `send.cookieRequest`: 0x18 to the friend's node, creating the connection if there is none. */
  sendCookieRequest(f: Friend, dhtKeyHex: string, address: string | null): void {
    this.changes++;
    this.handshakes.sendCookieRequest(f, dhtKeyHex, address);
  }

  /** `send.handshake`: our handshake with the peer's cookie, to the session's address. */
  sendHandshake(f: Friend): void {
    this.changes++;
    this.handshakes.sendHandshake(f);
  }

  /** `send.confirm`: a request packet as a data packet, so the peer confirms the session. */
  sendConfirm(f: Friend): void {
    this.changes++;
    const conn = this.table.promote(f);
    if (!conn || conn.sessionKey === null) return this.ctx.count('net_crypto.confirm_without_session');
    this.table.syncAddress(conn);
    this.data.sendRequestPacket(conn);
  }

  /** `session.close`: a kill packet if asked and the session has keys, then the connection is gone. */
  close(f: Friend, sendKill: boolean, reason: string): void {
    this.changes++;
    const { ctx, table } = this;
    const conn = table.conns.get(f.pkHex);
    if (conn) {
      if (sendKill && conn.sessionKey !== null && !conn.killed) {
        this.data.transmitData(conn, conn.send.end, Uint8Array.of(CRYPTO_PAYLOAD_ID.kill));
        ctx.count('net_crypto.kills_sent');
      }
      table.remove(conn);
      ctx.count('net_crypto.connections_closed');
      table.lastCloseReason.set(f.pkHex, reason);
    }
    const p = table.pending.get(f.pkHex);
    if (p) {
      table.pending.delete(f.pkHex);
      if (ctx.isFriend(f.pkHex)) table.install(p);
    }
    ctx.report({ type: 'net_crypto.sessionClosed', friend: f });
  }

  // ---- the messenger's session channel ---------------------------------------------------------

  /**
   * Queues a lossless payload (id 16–191) on an established session and sends it when the window
   * allows. Returns its packet number. Throws NetCryptoError when the session is not established,
   * the payload is not a lossless one of 1..1373 bytes, or the send buffer is full.
   */
  sendLossless(f: Friend, payload: Bytes): number {
    this.changes++;
    return this.data.sendLossless(f, payload);
  }

  /** Sends a lossy payload (id 192–254) at once. Throws like `sendLossless`. */
  sendLossy(f: Friend, payload: Bytes): void {
    this.changes++;
    this.data.sendLossy(f, payload);
  }

  // ---- packets -------------------------------------------------------------------------------

  /** 0x18: a friend's cookie request (cookie-responder.ts). */
  handleCookieRequest(from: Source, data: Bytes): void {
    this.changes++;
    this.responder.handleCookieRequest(from, data);
  }

  /** 0x19: the cookie we asked for (handshake.ts). */
  handleCookieResponse(from: Source, data: Bytes): void {
    this.changes++;
    this.handshakes.handleCookieResponse(from, data);
  }

  /** 0x1a: a friend's handshake (handshake.ts). */
  handleHandshake(from: Source, data: Bytes): void {
    this.changes++;
    this.handshakes.handleHandshake(from, data);
  }

  /** 0x1b: crypto data (data-path.ts). */
  handleCryptoData(from: Source, data: Bytes): void {
    this.changes++;
    this.data.handleCryptoData(from, data);
  }

  /**
   * A net_crypto packet that came through a TCP relay from the peer with DHT key `peerDhtHex`
   * (routed data or out of band, runtime/tcp/client.ts); `reply` sends back the same way.
   */
  handleTcpPacket(peerDhtHex: string, data: Bytes, reply: (packet: Bytes) => void): void {
    const source: TcpSource = { tcp: peerDhtHex, reply };
    switch (data[0]) {
      case PACKET_ID.cookie_request:
        return this.handleCookieRequest(source, data);
      case PACKET_ID.cookie_response:
        return this.handleCookieResponse(source, data);
      case PACKET_ID.handshake:
        return this.handleHandshake(source, data);
      case PACKET_ID.crypto_data:
        return this.handleCryptoData(source, data);
      default:
        return this.ctx.drop('net_crypto.tcp_unknown_packet');
    }
  }

  /** How the friend's latest valid packet arrived (null before any). */
  lastVia(f: Friend): 'udp' | 'tcp' | null {
    return this.table.conns.get(f.pkHex)?.lastVia ?? null;
  }

  /** A relay route to a DHT key came or went: confirmed sessions with that peer re-check their path. */
  routeChanged(peerDhtHex: string): void {
    this.changes++;
    for (const conn of this.table.connsFrom({ tcp: peerDhtHex, reply: () => undefined })) updatePath(this.ctx, conn);
  }

  // ---- timers --------------------------------------------------------------------------------

  /** Bumped by every entry point that can change a connection; `nextTimer` is cached on it. */
  private changes = 0;
  private timerCache: { changes: number; now: number; friends: number; value: LayerDeadline | null } | null = null;

  /**
   * The earliest of every connection's timers. The engine asks after every input; with many
   * sessions a scan each time would cost O(sessions) per datagram, so the answer is cached until
   * a connection changes (or the time or the friend list does).
   */
  nextTimer(): LayerDeadline | null {
    const c = this.timerCache;
    const now = this.ctx.now;
    const friends = this.ctx.friendCount();
    if (c && c.changes === this.changes && c.now === now && c.friends === friends) return c.value;
    const value = this.computeNextTimer();
    this.timerCache = { changes: this.changes, now, friends, value };
    return value;
  }

  private computeNextTimer(): LayerDeadline | null {
    const { ctx, table, data } = this;
    let best: LayerDeadline | null = null;
    const consider = (at: number | null, reason: string): void => {
      if (at !== null && (best === null || at < best.at)) best = { at, reason };
    };
    for (const conn of table.conns.values()) {
      if (!ctx.isFriend(conn.friend.pkHex)) consider(ctx.now, 'net_crypto connection of a removed friend');
      consider(data.requestDueAt(conn), `net_crypto request packet to ${conn.friend.pkHex.slice(0, 8)}`);
      consider(data.sendableAt(conn, table.lastPumpAt.get(conn.friend.pkHex) ?? ctx.now), 'net_crypto send queue');
      consider(pathTimerAt(ctx, conn), 'net_crypto: no direct packet for 8 s (session moves to its relay)');
    }
    for (const p of table.pending.values()) consider(p.createdAt + PENDING_CONNECTION_TTL_MS, 'net_crypto pending connection expires');
    consider(this.responder.cleanupAt, 'cookie guard cleanup');
    return best;
  }

  onTimer(now: number): void {
    this.changes++;
    const { ctx, table } = this;
    for (const conn of [...table.conns.values()]) {
      if (!ctx.isFriend(conn.friend.pkHex)) {
        table.remove(conn);
        continue;
      }
      this.data.onTimer(conn, now);
      updatePath(ctx, conn);
    }
    for (const hex of table.lastCloseReason.keys()) if (!ctx.isFriend(hex)) table.lastCloseReason.delete(hex);
    for (const [hex, p] of table.pending) {
      if (now - p.createdAt >= PENDING_CONNECTION_TTL_MS || !ctx.isFriend(hex)) {
        table.pending.delete(hex);
        ctx.count('net_crypto.pending_expired');
      }
    }
    this.responder.onTimer(now);
  }
}
