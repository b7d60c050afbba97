/**
 * Which way a net_crypto packet goes, and which way the session is on (docs/protocol.md §12):
 * c-toxcore's net_crypto.c send_packet_to and crypto_connection_status.
 *
 * - A connection whose peer no relay of ours reaches sends everything to its address, as before
 *   TCP existed (the UDP-only behaviour is unchanged byte for byte).
 * - With a relay route: while a packet arrived directly within UDP_DIRECT_TIMEOUT (8 s) the path
 *   is UDP and only UDP is used. Otherwise cookie requests and handshakes go to the address (if
 *   any) *and* through the relay; a data packet goes through the relay, and a small one (< 96
 *   bytes) also to the address at most every 4 s, which is how a session on a relay finds out that
 *   the direct path works.
 * - A confirmed session reports its path when it changes (`net_crypto.pathChanged`): UDP on a
 *   direct packet; TCP after 8 s without one while a relay is linked to the peer — even one asleep
 *   because the session was direct: the report is what wakes it (net_crypto.c do_tcp).
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Connection } from './connection.js';
import { UDP_DIRECT_TIMEOUT_MS, UDP_PROBE_MAX_BYTES } from './constants.js';
import { isTcpSource, type NetCryptoContext, type Source } from './context.js';

export type PacketKind = 'cookieRequest' | 'handshake' | 'data';

/** Whether a packet arrived directly within the last 8 s. */
export function isDirect(conn: Connection, now: number): boolean {
  return conn.lastUdpAt !== null && now - conn.lastUdpAt < UDP_DIRECT_TIMEOUT_MS;
}

/** Sends one packet of the connection the way c-toxcore's send_packet_to would; false if it went nowhere. */
export function transmit(ctx: NetCryptoContext, conn: Connection, packet: Bytes, kind: PacketKind): boolean {
  const routed = ctx.tcp.routed(conn.peerDhtHex);
  if (!routed) {
    if (conn.address === null) {
      ctx.count('net_crypto.no_path');
      return false;
    }
    ctx.send(conn.address, packet);
    return true;
  }
  const now = ctx.now;
  if (conn.address !== null && isDirect(conn, now)) {
    ctx.send(conn.address, packet);
    return true;
  }
  let sent = false;
  if (conn.address !== null && (kind !== 'data' || (packet.length < UDP_PROBE_MAX_BYTES && now >= conn.udpTryAt))) {
    ctx.send(conn.address, packet);
    conn.udpTryAt = now + UDP_DIRECT_TIMEOUT_MS / 2;
    sent = true;
  }
  if (ctx.tcp.send(conn.peerDhtHex, packet)) {
    ctx.count('net_crypto.tcp_sent');
    return true;
  }
  return sent;
}

/** A valid packet of the connection arrived from `source`. */
export function noteArrival(conn: Connection, source: Source, now: number): void {
  if (isTcpSource(source)) conn.lastVia = 'tcp';
  else {
    conn.lastVia = 'udp';
    conn.lastUdpAt = now;
  }
}

/**
 * The path a confirmed session is on now: UDP while direct, else TCP when a relay is linked to the
 * peer — routed now, or asleep because the session was direct: reporting TCP is what wakes it
 * (wiring.ts: the session is no longer direct), as c-toxcore's do_tcp does.
 */
export function currentPath(ctx: NetCryptoContext, conn: Connection): 'udp' | 'tcp' {
  if (isDirect(conn, ctx.now)) return 'udp';
  return ctx.tcp.routed(conn.peerDhtHex) || ctx.tcp.linked(conn.peerDhtHex) ? 'tcp' : (conn.path ?? conn.lastVia ?? 'udp');
}

/** Reports the confirmed session's path when it changed. */
export function updatePath(ctx: NetCryptoContext, conn: Connection): void {
  if (!conn.confirmed || conn.killed) return;
  const path = currentPath(ctx, conn);
  // The session was told the confirming packet's way (net_crypto.sessionConfirmed's `via`); a
  // direct packet shortly before a confirmation through the relay makes the path UDP already,
  // and that must be reported too or the session keeps believing it rides the relay.
  if (conn.path === null) conn.path = conn.lastVia ?? 'udp';
  if (path === conn.path) return;
  conn.path = path;
  ctx.count(`net_crypto.path_${path}`);
  ctx.report({ type: 'net_crypto.pathChanged', friend: conn.friend, path });
}

/** When a session on UDP falls back to its relay if nothing direct arrives (null: not applicable). */
export function pathTimerAt(ctx: NetCryptoContext, conn: Connection): number | null {
  if (!conn.confirmed || conn.killed || conn.path !== 'udp' || conn.lastUdpAt === null) return null;
  if (!ctx.tcp.linked(conn.peerDhtHex)) return null;
  return conn.lastUdpAt + UDP_DIRECT_TIMEOUT_MS;
}
