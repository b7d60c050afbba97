/**
 * The net_crypto data path (docs/protocol.md §4.5–§4.7): crypto data packets (0x1b) on an
 * accepted connection, the lossless packet buffers, request packets, resends and their timers.
 *
 * Rules (c-toxcore 0.2.18 net_crypto.c, and where we differ):
 *   - 0x1b is matched by exact source ip:port; nonce recovery and the 21845 advance rule; kill
 *     (2) before anything else (a kill never confirms a session); the first other valid packet
 *     confirms the session (`net_crypto.sessionConfirmed`); lossless 16–191 delivered in order
 *     (`net_crypto.lossless`); duplicates dropped; request (1) marks requested packets for
 *     resend when sent more than one round trip ago (≥ RESEND_MIN_ROUND_TRIP_MS) and frees the
 *     others it walked; lossy 192–254 counted.
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
import type { Bytes } from '../../protocol/bytes.js';
import { incrementNonce } from '../../protocol/nonce.js';
import {
  advanceRecvNonce,
  classifyPayloadId,
  CRYPTO_PAYLOAD_ID,
  decodeCryptoDataHeader,
  decodeRequestPacket,
  encodeRequestPacket,
  MAX_CRYPTO_DATA_SIZE_BYTES,
  openCryptoData,
  PACKET_ID_RANGE_LOSSLESS_END,
  PACKET_ID_RANGE_LOSSLESS_START,
  PACKET_ID_RANGE_LOSSY_END,
  PACKET_ID_RANGE_LOSSY_START,
  recoverNonce,
  sealCryptoData,
  type CryptoDataBody,
} from '../../protocol/net-crypto/index.js';
import type { Friend } from '../friends.js';
import type { Connection } from './connection.js';
import {
  ACK_DELAY_MS,
  GAP_REQUESTS_FAST_FOR_MS,
  REQUEST_PACKET_INTERVAL_MS,
  REQUEST_PACKET_INTERVAL_WITH_GAPS_MS,
  RESEND_BUDGET_MIN_PACKETS,
  RESEND_BURST_PACKETS,
  RESEND_MAX_ROUND_MS,
  RESEND_MIN_ROUND_TRIP_MS,
  SEND_PUMP_INTERVAL_MS,
  SEND_WINDOW_PACKETS,
} from './constants.js';
import type { NetCryptoContext, Source } from './context.js';
import { noteArrival, transmit, updatePath } from './paths.js';
import { NetCryptoError } from './errors.js';
import type { ConnectionTable } from './table.js';

export class DataPath {
  constructor(
    private readonly ctx: NetCryptoContext,
    private readonly table: ConnectionTable,
  ) {}

  // ---- receiving -----------------------------------------------------------------------------

  /** 0x1b: matched by source address; nonce recovery; then the payload. */
  handleCryptoData(from: Source, data: Bytes): void {
    const ctx = this.ctx;
    const h = decodeCryptoDataHeader(data);
    if (!h.ok) return ctx.drop('net_crypto.data_malformed');
    const conns = this.table.connsFrom(from);
    if (conns.length === 0) return ctx.drop('net_crypto.data_unknown_address');
    for (const conn of conns) {
      if (conn.sessionKey === null || conn.recvNonce === null || conn.killed) continue;
      const { nonce, diff } = recoverNonce(conn.recvNonce, h.value.nonceLow16);
      const r = openCryptoData(ctx.crypto, conn.sessionKey, nonce, data);
      if (!r.ok) continue;
      conn.recvNonce = advanceRecvNonce(conn.recvNonce, diff);
      noteArrival(conn, from, ctx.now);
      this.onData(conn, r.value);
      updatePath(ctx, conn);
      return;
    }
    ctx.drop('net_crypto.data_invalid');
  }

  private onData(conn: Connection, body: CryptoDataBody): void {
    const ctx = this.ctx;
    const f = conn.friend;
    const now = ctx.now;
    const oldStart = conn.send.start;
    let rttFrom: number | null = null;
    let stale = false;
    if (body.bufferStart !== oldStart) {
      const first = conn.send.packets.get(oldStart);
      const held = conn.send.packets.size;
      const ack = conn.send.acknowledge(body.bufferStart);
      if (ack === 'invalid') return ctx.drop('net_crypto.data_bad_ack');
      if (ack === 'stale') {
        stale = true;
        ctx.count('net_crypto.data_stale_ack');
      } else {
        this.noteAcknowledged(conn, held - conn.send.packets.size);
        // Karn's rule: a resent packet's acknowledgement does not say which copy arrived.
        if (first?.sentAt != null && first.resends === 0) rttFrom = first.sentAt;
      }
    }
    const payload = body.payload;
    const id = payload[0]!;
    if (id === CRYPTO_PAYLOAD_ID.kill) {
      conn.killed = true;
      ctx.count('net_crypto.kills_received');
      ctx.report({ type: 'net_crypto.killReceived', friend: f });
      return;
    }
    if (!conn.confirmed) {
      conn.confirmed = true;
      conn.lastRequestSentAt ??= now;
      ctx.count('net_crypto.sessions_confirmed');
      ctx.report({ type: 'net_crypto.sessionConfirmed', friend: f, via: conn.lastVia ?? 'udp' });
    }
    switch (classifyPayloadId(id)) {
      case 'request': {
        // Its distances count from its own buffer_start, behind ours: read against ours they
        // would free packets the peer still misses. A newer request already came; c-toxcore
        // drops such a packet whole (net_crypto.c handle_data_packet_core → clear_buffer_until).
        if (stale) return ctx.drop('net_crypto.request_stale');
        const latest = this.handleRequest(conn, payload);
        if (latest === null) return ctx.drop('net_crypto.request_invalid');
        if (latest > 0 && (rttFrom === null || latest > rttFrom)) rttFrom = latest;
        conn.recv.setEnd(body.packetNumber);
        break;
      }
      case 'lossless': {
        const added = conn.recv.add(body.packetNumber, payload);
        if (added === 'duplicate') return ctx.drop('net_crypto.data_duplicate');
        if (added === 'window') return ctx.drop('net_crypto.data_beyond_window');
        conn.lastStoredAt = now;
        conn.ackDueAt ??= now + ACK_DELAY_MS;
        for (const p of conn.recv.takeInOrder()) {
          ctx.count('net_crypto.lossless_delivered');
          ctx.report({ type: 'net_crypto.lossless', friend: f, payload: p });
          if (this.table.conns.get(f.pkHex) !== conn) return;
        }
        break;
      }
      case 'lossy':
        conn.recv.setEnd(body.packetNumber);
        ctx.count('net_crypto.lossy_received');
        break;
      default:
        return ctx.drop(`net_crypto.payload_${classifyPayloadId(id)}`);
    }
    if (rttFrom !== null && now - rttFrom < conn.rttMs) conn.rttMs = Math.max(0, now - rttFrom);
    if (conn.send.start !== oldStart) ctx.report({ type: 'net_crypto.peerAck', friend: f });
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
    const now = this.ctx.now;
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
    if (requested.size > 0) this.ctx.count('net_crypto.requests_received_with_gaps');
    return latest;
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * Queues a lossless payload (id 16–191) on an established session and sends it when the window
   * allows. Returns its packet number. Throws NetCryptoError when the session is not established,
   * the payload is not a lossless one of 1..1373 bytes, or the send buffer is full.
   */
  sendLossless(f: Friend, payload: Bytes): number {
    const conn = this.table.conns.get(f.pkHex);
    if (!conn || !conn.confirmed || conn.killed || conn.sessionKey === null) {
      throw new NetCryptoError('not_established', `no established session with friend ${f.pkHex.slice(0, 16)}`);
    }
    const id = payload[0];
    if (payload.length < 1 || payload.length > MAX_CRYPTO_DATA_SIZE_BYTES || id === undefined || id < PACKET_ID_RANGE_LOSSLESS_START || id > PACKET_ID_RANGE_LOSSLESS_END) {
      throw new NetCryptoError('bad_payload', `a lossless payload is 1..${MAX_CRYPTO_DATA_SIZE_BYTES} bytes with an id in 16..191 (got ${payload.length} bytes, id ${String(id)})`);
    }
    if (conn.send.full) {
      this.ctx.count('net_crypto.send_queue_full');
      throw new NetCryptoError('queue_full', `send buffer full (${conn.send.limit} packets not yet acknowledged by the peer)`);
    }
    const n = conn.send.push(payload);
    this.pumpSends(conn);
    return n;
  }

  /** Sends a lossy payload (id 192–254) at once. Throws like `sendLossless`. */
  sendLossy(f: Friend, payload: Bytes): void {
    const conn = this.table.conns.get(f.pkHex);
    if (!conn || !conn.confirmed || conn.killed || conn.sessionKey === null) {
      throw new NetCryptoError('not_established', `no established session with friend ${f.pkHex.slice(0, 16)}`);
    }
    const id = payload[0];
    if (payload.length > MAX_CRYPTO_DATA_SIZE_BYTES || id === undefined || id < PACKET_ID_RANGE_LOSSY_START || id > PACKET_ID_RANGE_LOSSY_END) {
      throw new NetCryptoError('bad_payload', `a lossy payload is 1..${MAX_CRYPTO_DATA_SIZE_BYTES} bytes with an id in 192..254`);
    }
    this.transmitData(conn, conn.send.end, payload);
  }

  /** Seals and sends one data packet with our next nonce. */
  transmitData(conn: Connection, packetNumber: number, payload: Bytes): boolean {
    if (conn.sessionKey === null || (conn.address === null && !this.ctx.tcp.routed(conn.peerDhtHex))) {
      this.ctx.count('net_crypto.data_without_session');
      return false;
    }
    const body: CryptoDataBody = { bufferStart: conn.recv.start, packetNumber, payload };
    const packet = sealCryptoData(this.ctx.crypto, conn.sessionKey, conn.sentNonce, body);
    // Every data packet carries our buffer_start: a pending acknowledgement goes with it.
    conn.ackDueAt = null;
    conn.sentNonce = incrementNonce(conn.sentNonce);
    transmit(this.ctx, conn, packet, 'data');
    this.ctx.count('net_crypto.data_sent');
    return true;
  }

  /** A request packet: our buffer_start, what we miss, our buffer_end (also the session's confirm). */
  sendRequestPacket(conn: Connection): void {
    const payload = encodeRequestPacket({ bufferStart: conn.recv.start, missing: conn.recv.missing(), bufferEnd: conn.recv.end });
    this.transmitData(conn, conn.send.end, payload);
    conn.lastRequestSentAt = this.ctx.now;
    this.ctx.count('net_crypto.requests_sent');
  }

  /** Sends what waits in the send buffer: resends first come, first served, new packets within the window. */
  pumpSends(conn: Connection): void {
    if (!conn.confirmed || conn.killed || conn.sessionKey === null) return;
    const now = this.ctx.now;
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
        this.ctx.count('net_crypto.resent');
      } else {
        if (inFlight >= SEND_WINDOW_PACKETS) continue;
        inFlight++;
        p.everSent = true;
      }
      this.transmitData(conn, n, p.data);
      p.sentAt = now;
    }
    // Resends over this round's budget wait for the next round (sendableAt wakes us then).
    if (deferred) this.ctx.count('net_crypto.resends_deferred');
    this.table.lastPumpAt.set(conn.friend.pkHex, now);
  }

  // ---- resend budget -------------------------------------------------------------------------

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

  // ---- timers --------------------------------------------------------------------------------

  /** When the connection's next request packet is due (an acknowledgement, or the regular one), or null. */
  requestDueAt(conn: Connection): number | null {
    if (!conn.confirmed || conn.killed || conn.sessionKey === null) return null;
    const last = conn.lastRequestSentAt ?? conn.createdAt;
    // A hole: ask again soon, while the peer is still sending us something new (see lastStoredAt).
    const soon = last + REQUEST_PACKET_INTERVAL_WITH_GAPS_MS;
    const gapFast = conn.recv.hasGap && conn.lastStoredAt !== null && soon < conn.lastStoredAt + GAP_REQUESTS_FAST_FOR_MS;
    const regular = gapFast ? soon : last + REQUEST_PACKET_INTERVAL_MS;
    return conn.ackDueAt !== null && conn.ackDueAt < regular ? conn.ackDueAt : regular;
  }

  /**
   * When the send queue should be pumped next, or null when nothing can go: a first send within
   * the window, or a resend, one pump interval after `lastPump`; a resend over the round's
   * budget not before the round ends. Pure (the round is closed by `resendAllowance`).
   */
  sendableAt(conn: Connection, lastPump: number): number | null {
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

  /** A connection's timers at `now`: its request packet if due, then its send queue if due. */
  onTimer(conn: Connection, now: number): void {
    const due = this.requestDueAt(conn);
    if (due !== null && due <= now) this.sendRequestPacket(conn);
    const sendAt = this.sendableAt(conn, this.table.lastPumpAt.get(conn.friend.pkHex) ?? -Infinity);
    if (sendAt !== null && sendAt <= now) this.pumpSends(conn);
  }
}
