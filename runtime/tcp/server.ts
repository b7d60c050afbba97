/**
 * The TCP relay server, sans-IO (docs/protocol.md §14.4; c-toxcore 0.2.18 `toxcore/TCP_server.c`).
 * The adapter accepts sockets and hands them to the engine (`acceptStream`); each becomes a
 * client connection here, keyed by its stream id (runtime/tcp/streams.ts).
 *
 * A connection goes: `handshake` (waiting for the 128-byte client handshake; answered with the
 * 96-byte server handshake, handle_TCP_handshake) → `unconfirmed` (until the first frame decrypts,
 * do_unconfirmed) → `confirmed` (confirm_TCP_connection: a confirmed connection with the same
 * client key is killed, add_accepted; then the frame is handled as a packet). Packets
 * (handle_TCP_packet): routes (server-routes.ts), OOB, ping/pong, onion requests handed to the
 * onion relay as the first hop (onion.c onion_send_1) and their responses back (handle_onion_recv_1).
 * Every malformed thing is counted (`drop.tcp_server.<reason>`); what c-toxcore kills a connection
 * for kills it here too.
 *
 * Its key pair is the node's DHT key pair (c-toxcore's tox instance gives its TCP server the DHT
 * secret key, Messenger.c new_messenger → new_TCP_server).
 *
 * Timers (one earliest deadline over all connections, runtime/deadline-heap.ts): a connection not
 * confirmed within 10 s is closed — toxstate's choice: c-toxcore 0.2.18 has no time limit there but
 * a ring of 256 waiting sockets where a new one overwrites the oldest (accept_connection); 10 s is
 * the client's own TCP_CONNECTION_TIMEOUT. Confirmed clients are pinged every TCP_PING_FREQUENCY
 * (30 s, the first 30 s after confirmation) and killed without the matching pong TCP_PING_TIMEOUT
 * (10 s) after the ping (do_TCP_confirmed).
 *
 * Bounds (attacker's view): at most `maxConnections` connections (default 256); when full, a new
 * socket closes the oldest one not yet confirmed (as c-toxcore's rings do), and is refused when all
 * are confirmed (c-toxcore has no bound there). 240 routes per client. What a client makes us
 * write to another client (forwarded data, OOB) and the onion requests it makes us send are
 * charged to a per-connection token bucket (`bytesPerSecond`, default 1 MiB/s, burst of one
 * second); over it, the packet is dropped and counted (c-toxcore has no such limit).
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { decodeClientHandshake, encodeServerHandshake } from '../../protocol/tcp/handshake.js';
import { openTcpSession, TcpFrameReader, type TcpCipher } from '../../protocol/tcp/frame.js';
import { decodeTcpPacket, encodeTcpPacket, type TcpPacket } from '../../protocol/tcp/packets.js';
import {
  MAX_INCOMING_CONNECTIONS,
  TCP_CLIENT_HANDSHAKE_SIZE,
  TCP_CONNECTION_TIMEOUT_S,
  TCP_PACKET_ID,
  TCP_PING_FREQUENCY_S,
  TCP_PING_ID_SIZE,
  TCP_PING_TIMEOUT_S,
} from '../../protocol/tcp/constants.js';
import { DeadlineHeap } from '../deadline-heap.js';
import type { LayerContext, LayerDeadline, TimedLayer } from '../layer.js';
import type { StreamOwner, StreamPort } from './streams.js';
import { tcpOnionSource, tcpOnionStream } from './onion-source.js';
import { emptySlots, removeAllRoutes, removeRoute, requestRoute, routeTarget, type Route, type RouteWire } from './server-routes.js';

/** Default per-connection budget for relayed bytes (toxstate's choice; c-toxcore has none). */
export const TCP_SERVER_BYTES_PER_SECOND = 1024 * 1024;
const NONCE_SIZE = 24;

export interface TcpServerOptions {
  /** Connections at once, waiting or confirmed (default MAX_INCOMING_CONNECTIONS, 256). */
  readonly maxConnections?: number;
  /** Per-connection budget of relayed bytes per second (default 1 MiB). */
  readonly bytesPerSecond?: number;
}

/** What the server is given: the common layer context, its streams, and the onion relay's TCP hop. */
export interface TcpServerContext extends LayerContext {
  readonly streams: Pick<StreamPort, 'write' | 'close'>;
  /** The onion relay (runtime/onion/relay.ts handleTcpRequest), or null when the node relays no onion. */
  readonly onion: { handleTcpRequest(source: IpPort, nonce: Bytes, plain: Bytes): boolean } | null;
}

type Phase = 'handshake' | 'unconfirmed' | 'confirmed';

interface Conn {
  readonly id: number;
  readonly from: IpPort;
  readonly acceptedAt: number;
  phase: Phase;
  readonly reader: TcpFrameReader;
  cipher: TcpCipher | null;
  pk: Bytes;
  pkHex: string;
  readonly slots: Array<Route | undefined>;
  /** The id of our unanswered ping, or null (c-toxcore ping_id 0). */
  pingId: Bytes | null;
  lastPinged: number;
  tokens: number;
  tokensAt: number;
  open: boolean;
}

/** A snapshot of one connection, for tests and the inspector. */
export interface TcpServerConnInfo {
  readonly id: number;
  readonly phase: Phase;
  readonly pkHex: string;
  readonly routes: number;
}

export class TcpServer implements StreamOwner, TimedLayer {
  private readonly conns = new Map<number, Conn>();
  /** Connections not yet confirmed, oldest first (Map order). */
  private readonly waiting = new Map<number, Conn>();
  /** Confirmed connections by client key (hex): one per key. */
  private readonly byKey = new Map<string, Conn>();
  private readonly deadlines = new DeadlineHeap();
  private readonly maxConnections: number;
  private readonly bytesPerSecond: number;
  private readonly wire: RouteWire<Conn>;

  constructor(
    private readonly ctx: TcpServerContext,
    opts: TcpServerOptions = {},
  ) {
    this.maxConnections = Math.max(1, Math.floor(opts.maxConnections ?? MAX_INCOMING_CONNECTIONS));
    this.bytesPerSecond = Math.max(1, opts.bytesPerSecond ?? TCP_SERVER_BYTES_PER_SECOND);
    this.wire = {
      routingResponse: (to, connectionId, publicKey) => this.write(to, { type: 'routingResponse', connectionId, publicKey }),
      connectNotification: (to, connectionId) => this.write(to, { type: 'connectNotification', connectionId }),
      disconnectNotification: (to, connectionId) => this.write(to, { type: 'disconnectNotification', connectionId }),
      clientWithKey: (pkHex) => this.byKey.get(pkHex),
    };
  }

  get size(): number {
    return this.conns.size;
  }

  /** Confirmed connections. */
  get confirmed(): number {
    return this.byKey.size;
  }

  connections(): TcpServerConnInfo[] {
    return [...this.conns.values()].map((c) => ({ id: c.id, phase: c.phase, pkHex: c.pkHex, routes: c.slots.filter((s) => s !== undefined).length }));
  }

  // ---- streams ---------------------------------------------------------------------------

  canAccept(): boolean {
    return this.conns.size < this.maxConnections || this.waiting.size > 0;
  }

  onAccepted(id: number, from: IpPort): void {
    if (this.conns.size >= this.maxConnections) {
      const oldest = this.waiting.values().next().value as Conn | undefined;
      if (oldest === undefined) {
        this.ctx.drop('tcp_server.full');
        this.ctx.streams.close(id);
        return;
      }
      this.kill(oldest, 'waiting_evicted');
    }
    const now = this.ctx.now;
    const conn: Conn = {
      id,
      from,
      acceptedAt: now,
      phase: 'handshake',
      reader: new TcpFrameReader(),
      cipher: null,
      pk: new Uint8Array(0),
      pkHex: '',
      slots: emptySlots(),
      pingId: null,
      lastPinged: now,
      tokens: this.bytesPerSecond,
      tokensAt: now,
      open: true,
    };
    this.conns.set(id, conn);
    this.waiting.set(id, conn);
    this.deadlines.set(String(id), now + TCP_CONNECTION_TIMEOUT_S * 1000);
    this.ctx.count('tcp_server.accepted');
  }

  onOpened(_id: number): void {
    // Server streams are accepted, never opened.
    this.ctx.drop('tcp_server.unexpected_open');
  }

  onData(id: number, data: Bytes): void {
    const conn = this.conns.get(id);
    if (conn === undefined) return this.ctx.drop('tcp_server.unknown_stream');
    conn.reader.push(data);
    if (conn.phase === 'handshake' && !this.readHandshake(conn)) return;
    this.readFrames(conn);
  }

  onClosed(id: number): void {
    const conn = this.conns.get(id);
    if (conn === undefined) return;
    conn.open = false; // the stream is gone: nothing to close
    this.kill(conn, null);
  }

  // ---- handshake and frames --------------------------------------------------------------

  /** handle_TCP_handshake: true once answered (the connection is then unconfirmed). */
  private readHandshake(conn: Conn): boolean {
    const hs = conn.reader.take(TCP_CLIENT_HANDSHAKE_SIZE);
    if (hs === null) return false;
    const { crypto, random, keys } = this.ctx;
    const client = decodeClientHandshake(crypto, keys.dht.secretKey, hs);
    if (!client.ok) {
      this.kill(conn, 'bad_handshake');
      return false;
    }
    const tempSecretKey = random.bytes(32);
    const secrets = { tempPublicKey: crypto.publicKeyFromSecret(tempSecretKey), tempSecretKey, baseNonce: random.bytes(NONCE_SIZE) };
    const session = openTcpSession(crypto, secrets, { tempPk: client.value.tempPk, baseNonce: client.value.baseNonce });
    if (!session.ok) {
      this.kill(conn, 'bad_handshake_key');
      return false;
    }
    const answer = encodeServerHandshake(crypto, { serverSk: keys.dht.secretKey, clientPk: client.value.clientPk, secrets, nonce: random.bytes(NONCE_SIZE) });
    conn.pk = client.value.clientPk;
    conn.pkHex = toHex(conn.pk);
    conn.cipher = session.value;
    conn.phase = 'unconfirmed';
    this.ctx.streams.write(conn.id, answer);
    this.ctx.count('tcp_server.handshakes');
    return true;
  }

  /** read_packet_TCP_secure_connection, then confirm or handle each packet, until the input runs out. */
  private readFrames(conn: Conn): void {
    while (conn.open && conn.cipher !== null) {
      const box = conn.reader.next();
      if (box === null) {
        if (conn.reader.error !== null) this.kill(conn, conn.reader.error.startsWith('frame length') ? 'frame_too_long' : 'bad_stream');
        return;
      }
      const plain = conn.cipher.open(box);
      if (plain === null) return this.kill(conn, 'frame_undecryptable');
      if (conn.phase === 'unconfirmed') this.confirm(conn);
      this.handlePacket(conn, plain);
    }
  }

  /** confirm_TCP_connection / add_accepted: one confirmed connection per client key. */
  private confirm(conn: Conn): void {
    const old = this.byKey.get(conn.pkHex);
    if (old !== undefined && old !== conn) this.kill(old, 'replaced');
    this.waiting.delete(conn.id);
    this.byKey.set(conn.pkHex, conn);
    conn.phase = 'confirmed';
    conn.lastPinged = this.ctx.now;
    conn.pingId = null;
    this.schedule(conn);
    this.ctx.count('tcp_server.confirmed');
  }

  // ---- packets ---------------------------------------------------------------------------

  /** handle_TCP_packet: what it returns -1 for kills the connection here too. */
  private handlePacket(conn: Conn, plain: Bytes): void {
    const id = plain[0]!;
    // Forwarding (0.2.18 and later) is not served: a request is dropped, counted, not killed.
    if (id === TCP_PACKET_ID.forward_request) return this.ctx.drop('tcp_server.forward_unsupported');
    // A relay without an onion takes any onion request and does nothing with it.
    if (id === TCP_PACKET_ID.onion_request && this.ctx.onion === null) return this.ctx.drop('tcp_server.onion_disabled');
    const decoded = decodeTcpPacket(plain, 'server');
    if (!decoded.ok) return this.kill(conn, 'malformed_packet');
    const p = decoded.value;
    switch (p.type) {
      case 'routingRequest': {
        const outcome = requestRoute(this.wire, conn, p.publicKey, toHex(p.publicKey));
        this.ctx.count(`tcp_server.route_${outcome}`);
        return;
      }
      case 'connectNotification':
        return; // accepted and ignored, as c-toxcore
      case 'disconnectNotification':
        if (!removeRoute(this.wire, conn, p.connectionId - 16)) return this.kill(conn, 'disconnect_unknown_route');
        return;
      case 'ping':
        return this.write(conn, { type: 'pong', pingId: p.pingId });
      case 'pong':
        return this.onPong(conn, p.pingId);
      case 'oobSend':
        return this.oob(conn, p.publicKey, p.data);
      case 'onionRequest':
        return this.onionRequest(conn, p.data);
      case 'data':
        return this.forward(conn, p.connectionId, p.data);
      default:
        // routing response, OOB recv, onion response, forwarding: only a relay sends those.
        return this.kill(conn, `unexpected_${p.type}`);
    }
  }

  private onPong(conn: Conn, pingId: Bytes): void {
    if (conn.pingId !== null && equalBytes(pingId, conn.pingId)) {
      conn.pingId = null;
      this.schedule(conn);
      this.ctx.count('tcp_server.pongs');
    }
  }

  /** handle_TCP_oob_send: to the confirmed client with that key, as OOB_RECV from the sender. */
  private oob(conn: Conn, to: Bytes, data: Bytes): void {
    const dest = this.byKey.get(toHex(to));
    if (dest === undefined) return this.ctx.count('tcp_server.oob_no_destination');
    if (!this.charge(dest, data.length)) return;
    this.write(dest, { type: 'oobRecv', publicKey: conn.pk, data });
    this.ctx.count('tcp_server.oob_relayed');
  }

  /** Data on a route: to the paired client, with that client's id for the route. */
  private forward(conn: Conn, connectionId: number, data: Bytes): void {
    const target = routeTarget(conn, connectionId);
    if (target === 'unknown') return this.kill(conn, 'data_unknown_route');
    if (target === 'unpaired') return this.ctx.count('tcp_server.data_unpaired');
    const dest = target.client as Conn;
    if (!this.charge(dest, data.length)) return;
    this.write(dest, { type: 'data', connectionId: target.connectionId, data });
    this.ctx.count('tcp_server.data_relayed');
  }

  /** ONION_REQUEST: [nonce 24][next hop IP_Port ‖ key ‖ box] to the onion relay as first hop. */
  private onionRequest(conn: Conn, data: Bytes): void {
    // The decoder has refused (killed) one of 159 bytes or fewer, as c-toxcore's relay with an onion does.
    if (this.ctx.onion === null) return this.ctx.drop('tcp_server.onion_disabled');
    if (!this.charge(conn, data.length)) return;
    this.ctx.onion.handleTcpRequest(tcpOnionSource(conn.id), data.subarray(0, NONCE_SIZE), data.subarray(NONCE_SIZE));
  }

  /** A response the onion relay's return path names for one of our clients (handle_onion_recv_1). */
  onionResponse(source: IpPort, data: Bytes): void {
    const id = tcpOnionStream(source);
    const conn = id === null ? undefined : this.conns.get(id);
    if (conn === undefined || conn.phase !== 'confirmed') return this.ctx.drop('tcp_server.onion_response_orphan');
    if (!this.charge(conn, data.length)) return;
    this.write(conn, { type: 'onionResponse', data });
    this.ctx.count('tcp_server.onion_responses');
  }

  // ---- writing, budget, killing ----------------------------------------------------------

  private write(conn: Conn, packet: TcpPacket): void {
    if (!conn.open || conn.cipher === null) return;
    this.ctx.streams.write(conn.id, conn.cipher.seal(encodeTcpPacket(packet)));
  }

  /** Takes `n` bytes from the connection's bucket; false (counted) when it has not enough. */
  private charge(conn: Conn, n: number): boolean {
    const now = this.ctx.now;
    if (now > conn.tokensAt) {
      conn.tokens = Math.min(this.bytesPerSecond, conn.tokens + ((now - conn.tokensAt) * this.bytesPerSecond) / 1000);
      conn.tokensAt = now;
    }
    if (conn.tokens < n) {
      this.ctx.drop('tcp_server.rate_limited');
      return false;
    }
    conn.tokens -= n;
    return true;
  }

  /** kill_accepted / kill_TCP_secure_connection: routes freed (pairs told), forgotten, stream closed. */
  private kill(conn: Conn, reason: string | null): void {
    if (!this.conns.has(conn.id)) return;
    if (reason !== null) this.ctx.drop(`tcp_server.${reason}`);
    else this.ctx.count('tcp_server.closed_by_client');
    this.conns.delete(conn.id);
    this.waiting.delete(conn.id);
    if (this.byKey.get(conn.pkHex) === conn) this.byKey.delete(conn.pkHex);
    this.deadlines.set(String(conn.id), null);
    // Routes last: the pairs are told while this connection is already gone.
    removeAllRoutes(this.wire, conn);
    if (conn.open) this.ctx.streams.close(conn.id);
    conn.open = false;
  }

  // ---- timers ----------------------------------------------------------------------------

  private schedule(conn: Conn): void {
    const at = conn.pingId !== null ? conn.lastPinged + TCP_PING_TIMEOUT_S * 1000 : conn.lastPinged + TCP_PING_FREQUENCY_S * 1000;
    this.deadlines.set(String(conn.id), at);
  }

  nextTimer(): LayerDeadline | null {
    const top = this.deadlines.peek();
    if (top === undefined) return null;
    const conn = this.conns.get(Number(top.key));
    const reason = conn === undefined || conn.phase !== 'confirmed' ? 'tcp_server.handshake_timeout' : conn.pingId !== null ? 'tcp_server.ping_timeout' : 'tcp_server.ping';
    return { at: top.at, reason };
  }

  onTimer(now: number): void {
    for (const key of this.deadlines.due(now)) {
      const conn = this.conns.get(Number(key));
      if (conn === undefined) {
        this.deadlines.set(key, null);
        continue;
      }
      if (conn.phase !== 'confirmed') this.kill(conn, 'handshake_timeout');
      else if (conn.pingId !== null) this.kill(conn, 'ping_timeout');
      else this.ping(conn, now);
    }
  }

  /** do_TCP_confirmed: a ping with a random non-zero id. */
  private ping(conn: Conn, now: number): void {
    let pingId = this.ctx.random.bytes(TCP_PING_ID_SIZE);
    if (pingId.every((b) => b === 0)) pingId = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
    conn.pingId = pingId;
    conn.lastPinged = now;
    this.write(conn, { type: 'ping', pingId });
    this.schedule(conn);
    this.ctx.count('tcp_server.pings');
  }
}

