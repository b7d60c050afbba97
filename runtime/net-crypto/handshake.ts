/**
 * How a net_crypto connection comes up (docs/protocol.md §4.1–§4.4): our cookie request (0x18)
 * and the friend node's cookie response (0x19), our handshake and the friend's (0x1a), and
 * which connection a handshake installs. The friend's `friendSession` machine decides when to
 * ask and send (`send.cookieRequest`, `send.handshake`); this part makes the bytes and reports
 * what arrived (`net_crypto.cookieReceived`, `net_crypto.handshakeReceived`).
 *
 * Rules (c-toxcore 0.2.18 net_crypto.c, and where we differ):
 *   - A valid handshake from a friend whose policy is `RefusingToConnect` is dropped
 *     (`drop.policy.handshake`); from an `OpenToConnect` friend it is taken like any other.
 *   - 0x19 is matched by exact source ip:port, while the session is in AcquiringCookie, with our
 *     echo id; 0x1a by our cookie (fresh, naming a friend's real key), from anywhere (a
 *     handshake can open a connection, as c-toxcore's new-connection path).
 *   - Handshakes carry our base nonce (§4.2, §11.1): the first nonce of our data packets. Our
 *     handshake is built once per peer cookie and resent unchanged, as c-toxcore's temp packet.
 *   - A handshake while a connection exists (§4.4): same DHT key and not yet established →
 *     adopt (keys updated; from another address only before NOT_CONFIRMED); established → ignored;
 *     another DHT key → a fresh connection is prepared (pending) and the machine handles the
 *     restart: the pending connection is installed when the machine drops the old session.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { formatIpPort, ipPortKey, parseIpPort } from '../../protocol/ip-port.js';
import {
  COOKIE_RESPONSE_SIZE_BYTES,
  decodeHandshakeHeader,
  isCookieFresh,
  openCookie,
  openCookieResponse,
  openHandshake,
  sealCookie,
  sealCookieRequest,
  sealHandshake,
  type Handshake,
} from '../../protocol/net-crypto/index.js';
import type { Friend } from '../friends.js';
import type { Connection } from './connection.js';
import { sharedKeyOf } from '../keys.js';
import { isTcpSource, type NetCryptoContext, type Source } from './context.js';
import { noteArrival, transmit } from './paths.js';
import type { ConnectionTable } from './table.js';

export class Handshakes {
  constructor(
    private readonly ctx: NetCryptoContext,
    private readonly table: ConnectionTable,
    /** Our cookie key (c-toxcore `secret_symmetric_key`): seals the cookie in our handshake, opens the peer's. */
    private readonly cookieKey: Bytes,
  ) {}

  /**
   * `send.cookieRequest`: 0x18 to the friend's node (and through a relay that reaches its DHT key,
   * paths.ts), creating the connection if there is none. `address` null: through the relay only.
   */
  sendCookieRequest(f: Friend, dhtKeyHex: string, address: string | null): void {
    const { ctx, table } = this;
    const to = address === null ? null : parseIpPort(address);
    if (to !== null && !to.ok) return ctx.drop('net_crypto.cookie_request_no_address');
    if (!/^[0-9a-f]{64}$/.test(dhtKeyHex)) return ctx.drop('net_crypto.cookie_request_no_dht_key');
    if (to === null && !ctx.tcp.routed(dhtKeyHex)) return ctx.drop('net_crypto.cookie_request_no_path');
    let conn = table.promote(f);
    if (!conn || conn.peerDhtHex !== dhtKeyHex || conn.sessionKey !== null || conn.killed) {
      if (conn) table.remove(conn);
      conn = table.newConnection(f, Uint8Array.from(Buffer.from(dhtKeyHex, 'hex')));
      table.install(conn);
      ctx.report({ type: 'net_crypto.sessionClosed', friend: f });
    }
    if (to !== null) table.setAddress(conn, to.value);
    const { crypto, keys, random } = ctx;
    const packet = sealCookieRequest(crypto, keys.dhtShared(conn.peerDhtPk), keys.dht.publicKey, random.bytes(24), {
      realPk: keys.real.publicKey,
      echoId: conn.echoId,
    });
    transmit(ctx, conn, packet, 'cookieRequest');
    ctx.count('net_crypto.cookie_requests_sent');
  }

  /** `send.handshake`: our handshake with the peer's cookie, to the session's address. */
  sendHandshake(f: Friend): void {
    const { ctx, table } = this;
    const conn = table.promote(f);
    if (!conn) return ctx.count('net_crypto.handshake_without_connection');
    table.syncAddress(conn);
    if (conn.peerCookie === null) return ctx.count('net_crypto.handshake_without_cookie');
    if (conn.address === null && !ctx.tcp.routed(conn.peerDhtHex)) return ctx.count('net_crypto.handshake_without_address');
    if (conn.handshake === null || conn.handshake.cookie !== conn.peerCookie) {
      const { crypto, keys, random } = ctx;
      const otherCookie = sealCookie(crypto, this.cookieKey, random.bytes(24), {
        time: BigInt(ctx.unixSeconds()),
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
    transmit(ctx, conn, conn.handshake.packet, 'handshake');
    ctx.count('net_crypto.handshakes_sent');
  }

  /** 0x19: for the connection at that exact address (or whose peer the relay names), in AcquiringCookie, with our echo id. */
  handleCookieResponse(from: Source, data: Bytes): void {
    const { ctx, table } = this;
    if (data.length !== COOKIE_RESPONSE_SIZE_BYTES) return ctx.drop('net_crypto.cookie_response_malformed');
    const conns = table.connsFrom(from);
    if (conns.length === 0) return ctx.drop('net_crypto.cookie_response_unknown_address');
    for (const conn of conns) {
      if (table.session(conn.friend.pkHex)?.state !== 'AcquiringCookie') continue;
      const r = openCookieResponse(ctx.crypto, ctx.keys.dhtShared(conn.peerDhtPk), data);
      if (!r.ok) continue;
      if (!equalBytes(r.value.echoId, conn.echoId)) return ctx.drop('net_crypto.cookie_response_wrong_echo');
      conn.peerCookie = r.value.cookie;
      conn.handshake = null;
      noteArrival(conn, from, ctx.now);
      ctx.count('net_crypto.cookie_responses_accepted');
      ctx.report({ type: 'net_crypto.cookieReceived', friend: conn.friend, via: isTcpSource(from) ? 'tcp' : 'udp' });
      return;
    }
    ctx.drop('net_crypto.cookie_response_invalid');
  }

  /** 0x1a: our cookie (fresh), a friend's real key, the box and the cookie hash; then §4.4. */
  handleHandshake(from: Source, data: Bytes): void {
    const { ctx, table } = this;
    const h = decodeHandshakeHeader(data);
    if (!h.ok) return ctx.drop('net_crypto.handshake_malformed');
    const { crypto, keys } = ctx;
    const c = openCookie(crypto, this.cookieKey, h.value.cookie);
    if (!c.ok) return ctx.drop('net_crypto.handshake_cookie_invalid');
    if (!isCookieFresh(c.value.time, BigInt(ctx.unixSeconds()))) return ctx.drop('net_crypto.handshake_cookie_expired');
    const peerHex = toHex(c.value.realPk);
    const friend = ctx.friend(peerHex);
    if (!friend) return ctx.drop('net_crypto.handshake_not_friend');
    const hs = openHandshake(crypto, keys.realShared(c.value.realPk), data);
    if (!hs.ok) return ctx.drop('net_crypto.handshake_invalid');
    // Authentic, from a friend we refuse to connect to (machines/types.ts FriendPolicy): dropped.
    if (friend.policy === 'RefusingToConnect') return ctx.drop('policy.handshake');

    const dhtHex = toHex(c.value.dhtPk);
    const session = table.session(peerHex);
    if (session === undefined) return ctx.drop('net_crypto.handshake_no_session');
    const state = session.state;
    const conn = table.conns.get(peerHex);
    const udp = isTcpSource(from) ? null : from;
    // Through a relay there is no address to compare: the route names the peer's DHT key, which the cookie proved.
    const fromKey = udp === null ? null : ipPortKey(udp);

    if (state === 'Established' && session.dhtKey === dhtHex) return ctx.drop('net_crypto.handshake_while_established');
    if (conn && conn.peerDhtHex === dhtHex) {
      if (conn.confirmed) return ctx.drop('net_crypto.handshake_while_established');
      // NOT_CONFIRMED takes a repeated handshake only from its own address (c-toxcore by-address path).
      if (conn.sessionKey !== null && state === 'AwaitingSessionPacket' && fromKey !== null && conn.addressKey !== fromKey) {
        return ctx.drop('net_crypto.handshake_not_adopted');
      }
      this.acceptKeys(conn, hs.value);
      if (udp !== null) table.setAddress(conn, udp);
      noteArrival(conn, from, ctx.now);
      ctx.count('net_crypto.handshakes_adopted');
    } else {
      const fresh = table.newConnection(friend, c.value.dhtPk);
      this.acceptKeys(fresh, hs.value);
      if (udp !== null) table.setAddress(fresh, udp);
      noteArrival(fresh, from, ctx.now);
      if (conn) {
        // Another DHT key: the friend restarted. The machine drops the old session first.
        table.pending.set(peerHex, fresh);
        ctx.count('net_crypto.handshakes_restart');
      } else {
        table.install(fresh);
        ctx.report({ type: 'net_crypto.sessionClosed', friend });
        ctx.count('net_crypto.handshakes_accepted');
      }
    }
    ctx.report({ type: 'net_crypto.handshakeReceived', friend, dhtKey: dhtHex, address: udp === null ? null : formatIpPort(udp) });
  }

  private acceptKeys(conn: Connection, hs: Handshake): void {
    conn.recvNonce = hs.baseNonce;
    conn.peerSessionPk = hs.sessionPk;
    conn.sessionKey = sharedKeyOf(this.ctx.crypto, hs.sessionPk, conn.session.secretKey);
    conn.peerCookie = hs.otherCookie;
    conn.handshake = null;
  }
}
