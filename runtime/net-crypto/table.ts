/**
 * The net_crypto connection table, shared by the handshake and data path parts of the layer:
 *   - connections: at most one per friend, plus at most one pending per friend (prepared from a
 *     handshake with a new DHT key until the machine drops the old session; PENDING_CONNECTION_TTL_MS);
 *   - address index: source ip:port → friends whose connection uses it (≤ friends), which is how
 *     0x19 and 0x1b are matched (by exact source address);
 *   - the friend sessions as the engine last told them (`sessionChanged`, after every session
 *     step): state, address and DHT key. The machine decides where packets go; the table follows.
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { ipPortKey, parseIpPort, type IpPort } from '../../protocol/ip-port.js';
import type { Friend } from '../friends.js';
import { generateKeyPair } from '../keys.js';
import { RecvBuffer, SendBuffer, type Connection } from './connection.js';
import { DEFAULT_RTT_MS, RESEND_BURST_PACKETS } from './constants.js';
import { isTcpSource, type NetCryptoContext, type SessionView, type Source } from './context.js';

export class ConnectionTable {
  readonly conns = new Map<string, Connection>();
  readonly pending = new Map<string, Connection>();
  private readonly byAddress = new Map<string, Set<string>>();
  /** When each connection's send queue was last pumped (data path). */
  readonly lastPumpAt = new Map<string, number>();
  /** Why each friend's last connection was closed (diagnostics; one entry per friend). */
  readonly lastCloseReason = new Map<string, string>();
  private readonly sessions = new Map<string, SessionView>();

  constructor(private readonly ctx: NetCryptoContext) {}

  /** Source addresses in the index. */
  get addresses(): number {
    return this.byAddress.size;
  }

  // ---- the friend sessions, as the engine tells them -------------------------------------------

  /** The friend session's state, address and DHT key after its latest step (null: no session). */
  sessionChanged(friendHex: string, view: SessionView | null): void {
    if (view === null) this.sessions.delete(friendHex);
    else this.sessions.set(friendHex, view);
  }

  session(friendHex: string): SessionView | undefined {
    return this.sessions.get(friendHex);
  }

  // ---- connections ---------------------------------------------------------------------------

  newConnection(friend: Friend, peerDhtPk: Bytes): Connection {
    const { crypto, random } = this.ctx;
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
      createdAt: this.ctx.now,
      lastUdpAt: null,
      udpTryAt: 0,
      lastVia: null,
      path: null,
    };
  }

  install(conn: Connection): void {
    const old = this.conns.get(conn.friend.pkHex);
    if (old && old !== conn) this.unregister(old);
    this.conns.set(conn.friend.pkHex, conn);
    if (conn.address) this.register(conn);
    this.ctx.count('net_crypto.connections_created');
  }

  remove(conn: Connection): void {
    this.unregister(conn);
    if (this.conns.get(conn.friend.pkHex) === conn) this.conns.delete(conn.friend.pkHex);
    this.lastPumpAt.delete(conn.friend.pkHex);
  }

  /** A connection prepared by a restart handshake replaces the current one (dropped without a kill). */
  promote(f: Friend): Connection | undefined {
    const p = this.pending.get(f.pkHex);
    if (p) {
      this.pending.delete(f.pkHex);
      const old = this.conns.get(f.pkHex);
      if (old) this.remove(old);
      this.install(p);
      this.ctx.report({ type: 'net_crypto.sessionClosed', friend: f });
      return p;
    }
    return this.conns.get(f.pkHex);
  }

  // ---- addresses -----------------------------------------------------------------------------

  setAddress(conn: Connection, address: IpPort): void {
    const key = ipPortKey(address);
    if (conn.addressKey === key) return;
    const current = this.conns.get(conn.friend.pkHex) === conn;
    if (current) this.unregister(conn);
    conn.address = address;
    conn.addressKey = key;
    if (current) this.register(conn);
  }

  /** Follows the session machine's idea of the friend's address (it decides where packets go). */
  syncAddress(conn: Connection): void {
    const a = this.sessions.get(conn.friend.pkHex)?.address;
    if (!a) return;
    const p = parseIpPort(a);
    if (p.ok) this.setAddress(conn, p.value);
  }

  /** Connections a packet from `source` may belong to: by exact address over UDP, by the peer's DHT key through a relay. */
  connsFrom(source: Source): Connection[] {
    if (!isTcpSource(source)) return this.connsAt(source);
    const out: Connection[] = [];
    for (const f of this.ctx.friendsWithDhtKey(source.tcp)) {
      const c = this.conns.get(f.pkHex);
      if (c && c.peerDhtHex === source.tcp) out.push(c);
    }
    return out;
  }

  /** Connections whose address is `from`. */
  connsAt(from: IpPort): Connection[] {
    const set = this.byAddress.get(ipPortKey(from));
    if (!set) return [];
    const out: Connection[] = [];
    for (const hex of set) {
      const c = this.conns.get(hex);
      if (c) out.push(c);
    }
    return out;
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
}
