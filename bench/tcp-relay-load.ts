/**
 * A load generator for one TCP relay (docs/protocol.md §14): N client pairs that speak the relay
 * protocol directly with the protocol/tcp codecs over real loopback sockets — no engine, so
 * what is measured is the relay. The same generator drives a c-toxcore relay and a toxstate one.
 *
 * Each client: the 128-byte client handshake (TCP_client.c generate_handshake), the relay's
 * 96-byte answer (handle_handshake), a routing request for its partner's key as its first frame
 * (which confirms the connection, TCP_server.c confirm_TCP_connection), then data on the route
 * once the relay's connection notification says the partner asked too (TCP_server.c
 * handle_TCP_routing_req, rm_connection_index). Pings from the relay are answered with pongs
 * (TCP_client.c handle_TCP_client_packet).
 *
 * Sending is a closed loop: every client keeps at most `window` data packets on the way to its
 * partner (sent, not yet received), so what the relay holds is bounded (window × packet per
 * direction) and neither relay is pushed into dropping on a full socket (c-toxcore's relay drops
 * a non-priority packet it cannot write, TCP_server.c write_packet_TCP_secure_connection;
 * toxstate's adapter cuts a stream with over 1 MiB unsent). Each payload carries the sender's
 * index and a sequence number; the receiver checks both (from the partner, in order), so a
 * relay that misroutes, reorders or corrupts is counted, not measured.
 *
 * Bounded: pairs ≤ 120 (240 connections; both relays take 256 waiting at once), every wait has a
 * deadline, every socket is on 127.0.0.1 and closed at the end.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import { TCP_SERVER_HANDSHAKE_SIZE } from '../protocol/tcp/constants.js';
import { openTcpSession, TcpFrameReader, type TcpCipher } from '../protocol/tcp/frame.js';
import { decodeServerHandshake, encodeClientHandshake, type TcpSessionSecrets } from '../protocol/tcp/handshake.js';
import { decodeTcpPacket, encodeTcpPacket } from '../protocol/tcp/packets.js';

export const MAX_LOAD_PAIRS = 120;
/** Clients connecting at once (well under either relay's 256 waiting connections). */
const CONNECT_BATCH = 40;
const SETUP_WAIT_MS = 30_000;
const DRAIN_WAIT_MS = 5_000;
/** Sender index (u32) ‖ sequence (u32) at the head of every payload. */
const HEADER_BYTES = 8;
/**
 * A full window with no arrival this long is written off as lost (a relay that dropped every
 * packet in flight would otherwise stall the pair for good). Long, because on a loaded machine a
 * starved relay can be silent for a while without losing anything; each write-off is counted.
 */
const STALL_MS = 2_000;

export interface LoadOptions {
  readonly crypto: Crypto;
  /** The relay: a loopback TCP port and its public key (the node's DHT key). */
  readonly port: number;
  readonly relayPk: Bytes;
  readonly pairs: number;
  /** How long every client keeps sending. */
  readonly sendMs: number;
  /** Data packets each client keeps on the way to its partner. */
  readonly window: number;
  /** Bytes of data after the route id in each data packet (≥ 8). */
  readonly payloadBytes: number;
  /** Called right before sending starts and right after it stops (to sample the relay's CPU). */
  readonly onSendStart?: () => void;
  readonly onSendStop?: () => void;
}

export interface LoadResult {
  readonly clients: number;
  /** Wall time of the sending phase (ms). */
  readonly sendMs: number;
  /** Data packets received by a partner during the sending phase. */
  readonly delivered: number;
  /** Data packets sent in all, and received in all (after a bounded drain). */
  readonly sent: number;
  readonly received: number;
  /** Sequence numbers skipped at the receivers: packets the relay dropped (or still held at the end). */
  readonly lost: number;
  /** Received from someone other than the partner, out of order, or unreadable. */
  readonly bad: number;
  /** Connections the relay closed during the run. */
  readonly closedByRelay: number;
  /** ms from the first connect until every route was online. */
  readonly setupMs: number;
  readonly pongs: number;
  /** Windows written off after STALL_MS without an arrival. */
  readonly stalls: number;
}

class Client {
  readonly pk: Bytes;
  readonly sk: Bytes;
  partner!: Client;
  socket: Socket | null = null;
  private secrets: TcpSessionSecrets | null = null;
  private cipher: TcpCipher | null = null;
  private readonly reader = new TcpFrameReader();
  private routeId: number | null = null;
  online = false;
  closed = false;
  sending = false;
  sent = 0;
  /** Data packets received from the partner (in order), the next sequence number expected, and the gaps. */
  received = 0;
  nextSeq = 0;
  lost = 0;
  lastArrival = 0;
  private lastSend = 0;
  private writtenOffTo = 0;
  stalls = 0;
  receivedInWindow = 0;
  counting = false;
  bad = 0;
  pongs = 0;
  private blocked = false;
  private failure: ((e: Error) => void) | null = null;

  constructor(
    private readonly load: LoadOptions,
    readonly index: number,
  ) {
    this.sk = new Uint8Array(randomBytes(32));
    this.pk = load.crypto.publicKeyFromSecret(this.sk);
  }

  /** Opens the socket and sends the handshake; resolves when connected. */
  open(): Promise<void> {
    const { crypto } = this.load;
    const tempSecretKey = new Uint8Array(randomBytes(32));
    this.secrets = { tempPublicKey: crypto.publicKeyFromSecret(tempSecretKey), tempSecretKey, baseNonce: new Uint8Array(randomBytes(24)) };
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: this.load.port });
      this.socket = s;
      s.setNoDelay(true);
      this.failure = reject;
      s.once('connect', () => {
        this.failure = null;
        s.write(encodeClientHandshake(crypto, { clientPk: this.pk, clientSk: this.sk, serverPk: this.load.relayPk, secrets: this.secrets!, nonce: new Uint8Array(randomBytes(24)) }));
        resolve();
      });
      s.on('data', (chunk: Buffer) => this.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
      s.on('drain', () => {
        this.blocked = false;
        this.pump();
      });
      s.on('error', (e) => this.failure?.(e));
      s.on('close', () => {
        this.closed = true;
        this.online = false;
      });
    });
  }

  private onData(chunk: Bytes): void {
    this.reader.push(chunk);
    if (this.cipher === null) {
      const hs = this.reader.take(TCP_SERVER_HANDSHAKE_SIZE);
      if (hs === null) return;
      const peer = decodeServerHandshake(this.load.crypto, { clientSk: this.sk, serverPk: this.load.relayPk }, hs);
      const session = peer.ok ? openTcpSession(this.load.crypto, this.secrets!, peer.value) : peer;
      if (!session.ok) return this.fail();
      this.cipher = session.value;
      this.write({ type: 'routingRequest', publicKey: this.partner.pk });
    }
    for (;;) {
      const box = this.reader.next();
      if (box === null) {
        if (this.reader.error !== null) this.fail();
        return;
      }
      const plain = this.cipher.open(box);
      if (plain === null) return this.fail();
      this.onPacket(plain);
    }
  }

  private onPacket(plain: Bytes): void {
    const p = decodeTcpPacket(plain, 'client');
    if (!p.ok) {
      this.bad++;
      return;
    }
    const v = p.value;
    if (v.type === 'routingResponse') {
      if (v.connectionId >= 16) this.routeId = v.connectionId;
    } else if (v.type === 'connectNotification') {
      if (v.connectionId === this.routeId && !this.online) {
        this.online = true;
      }
    } else if (v.type === 'ping') {
      this.write({ type: 'pong', pingId: v.pingId });
      this.pongs++;
    } else if (v.type === 'data') {
      this.onMessage(v.connectionId, v.data);
    }
  }

  private onMessage(routeId: number, data: Bytes): void {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const seq = data.length === this.load.payloadBytes ? view.getUint32(4) : -1;
    // From the partner on its route, and not older than what already arrived (TCP keeps order).
    if (routeId !== this.routeId || seq < this.nextSeq || view.getUint32(0) !== this.partner.index) {
      this.bad++;
      return;
    }
    // A gap is what the relay dropped on the way.
    this.lost += seq - this.nextSeq;
    this.nextSeq = seq + 1;
    this.lastArrival = performance.now();
    this.received++;
    if (this.counting) this.receivedInWindow++;
    // Room in the partner's window.
    this.partner.pump();
  }

  /** Packets on the way to the partner: sent, neither arrived nor overtaken by a later one, nor written off. */
  private get inFlight(): number {
    return this.sent - Math.max(this.partner.nextSeq, this.writtenOffTo);
  }

  /**
   * A full window with nothing arriving for STALL_MS: the relay dropped the packets in flight
   * (c-toxcore's relay drops what it cannot write at once); count them lost and send on.
   */
  unstall(now: number): void {
    if (!this.sending || this.inFlight < this.load.window || now - this.partner.lastArrival < STALL_MS || now - this.lastSend < STALL_MS) return;
    this.writtenOffTo = this.sent;
    this.stalls++;
    this.pump();
  }

  /** Sends while the window and the socket have room. */
  pump(): void {
    if (!this.sending || !this.online || this.blocked || this.routeId === null) return;
    const payload = new Uint8Array(this.load.payloadBytes);
    const view = new DataView(payload.buffer);
    view.setUint32(0, this.index);
    while (this.inFlight < this.load.window) {
      view.setUint32(4, this.sent);
      this.sent++;
      this.lastSend = performance.now();
      if (!this.write({ type: 'data', connectionId: this.routeId, data: payload })) {
        this.blocked = true;
        return;
      }
    }
  }

  private write(p: Parameters<typeof encodeTcpPacket>[0]): boolean {
    if (this.socket === null || this.cipher === null || this.closed) return false;
    return this.socket.write(this.cipher.seal(encodeTcpPacket(p)));
  }

  private fail(): void {
    this.bad++;
    this.close();
  }

  close(): void {
    this.socket?.destroy();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` every 5 ms until it holds or `ms` pass; returns whether it held. */
async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** Connects `pairs` client pairs to the relay, pairs their routes, sends for `sendMs`, and counts. */
export async function runRelayLoad(o: LoadOptions): Promise<LoadResult> {
  if (!Number.isInteger(o.pairs) || o.pairs < 1 || o.pairs > MAX_LOAD_PAIRS) throw new RangeError(`pairs ${o.pairs}: 1..${MAX_LOAD_PAIRS}`);
  if (o.payloadBytes < HEADER_BYTES || o.payloadBytes > 2000) throw new RangeError(`payloadBytes ${o.payloadBytes}: ${HEADER_BYTES}..2000`);
  const clients: Client[] = [];
  for (let i = 0; i < 2 * o.pairs; i++) clients.push(new Client(o, i));
  for (let i = 0; i < clients.length; i += 2) {
    clients[i]!.partner = clients[i + 1]!;
    clients[i + 1]!.partner = clients[i]!;
  }
  const setupStart = performance.now();
  try {
    for (let i = 0; i < clients.length; i += CONNECT_BATCH) {
      const batch = clients.slice(i, i + CONNECT_BATCH);
      await Promise.all(batch.map((c) => c.open()));
    }
    if (!(await until(() => clients.every((c) => c.online) || clients.some((c) => c.closed), SETUP_WAIT_MS))) {
      throw new Error(`relay load: ${clients.filter((c) => c.online).length}/${clients.length} routes online after ${SETUP_WAIT_MS} ms`);
    }
    const closed = clients.filter((c) => c.closed).length;
    if (closed > 0) throw new Error(`relay load: the relay closed ${closed} of ${clients.length} connections while routes were being set up`);
    const setupMs = performance.now() - setupStart;
    for (const c of clients) {
      c.counting = true;
      c.sending = true;
    }
    const closedBefore = clients.filter((c) => c.closed).length;
    o.onSendStart?.();
    const t0 = performance.now();
    for (const c of clients) c.pump();
    const unstall = setInterval(() => {
      const now = performance.now();
      for (const c of clients) c.unstall(now);
    }, 100);
    await sleep(o.sendMs);
    clearInterval(unstall);
    for (const c of clients) {
      c.sending = false;
      c.counting = false;
    }
    const t1 = performance.now();
    o.onSendStop?.();
    const closedWhileSending = clients.filter((c) => c.closed).length - closedBefore;
    // What is still on the way arrives (or the relay lost it).
    await until(() => clients.every((c) => c.closed || c.partner.nextSeq >= c.sent), DRAIN_WAIT_MS);
    const sum = (f: (c: Client) => number): number => clients.reduce((n, c) => n + f(c), 0);
    return {
      clients: clients.length,
      sendMs: t1 - t0,
      delivered: sum((c) => c.receivedInWindow),
      sent: sum((c) => c.sent),
      received: sum((c) => c.received),
      lost: sum((c) => c.lost) + sum((c) => c.sent - c.partner.nextSeq),
      bad: sum((c) => c.bad),
      closedByRelay: closedWhileSending,
      setupMs,
      pongs: sum((c) => c.pongs),
      stalls: sum((c) => c.stalls),
    };
  } finally {
    for (const c of clients) c.close();
  }
}
