/**
 * The TCP relay client (docs/protocol.md §14; c-toxcore TCP_client.c and TCP_connection.c): our
 * connections to relays, and through them routes to peers' DHT keys.
 *
 * - Each relay is driven by a `tcpRelay` actor (`relay:<relay key>`, machines/tcp-relay.ts). The
 *   machine decides when to open, ping, sleep, reconnect and give up; this layer does the bytes:
 *   the socket (a stream, runtime/tcp/streams.ts), our 128-byte handshake on connect, the relay's
 *   96-byte answer, the encrypted frames, ping ids, and the routes. What it sees goes back to the
 *   actor as events (`stream.opened`, `handshake.accepted`, `stream.failed`, `pong`, `uses`).
 * - We identify to a relay with our DHT key pair, as c-toxcore's net_crypto does
 *   (new_tcp_connections is given the DHT secret key), and route to peers by their DHT keys.
 * - A peer (a friend's DHT key) is linked to at most MAX_FRIEND_TCP_CONNECTIONS relays: its own
 *   (from its DHT-PK or share-relays packets) and ours. Once a relay is confirmed we ask it to
 *   route to each linked peer (routing request); its answer registers the route (an id), and a
 *   connect notification means the peer is on that relay too (online).
 * - Sending to a peer (send_packet_tcp_connection): through an online route; else out of band
 *   through every relay where the route is registered.
 * - Received: routed data and out-of-band packets go to net_crypto with a way back; an
 *   out-of-band packet from the DHT key of a friend's session links that relay to the peer, as
 *   c-toxcore does when it accepts a handshake that came out of band.
 * - The onion: relays marked for it (`onion`, onion-relays.ts) never sleep; ONION_RESPONSE is reported with its relay.
 *
 * Bounds (everything here can be driven from outside): at most MAX_RELAYS relays, at most
 * MAX_FRIEND_TCP_CONNECTIONS per peer, at most MAX_TCP_PEERS peers; a relay that sends anything
 * malformed or undecryptable is disconnected (as c-toxcore), every drop counted.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../../protocol/bytes.js';
import { formatIpPort, type IpPort } from '../../protocol/ip-port.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  decodeServerHandshake,
  decodeTcpPacket,
  encodeClientHandshake,
  encodeTcpPacket,
  MAX_FRIEND_TCP_CONNECTIONS,
  NUM_RESERVED_PORTS,
  openTcpSession,
  TCP_MAX_OOB_DATA_LENGTH,
  TCP_SERVER_HANDSHAKE_SIZE,
  TcpFrameReader,
  type TcpCipher,
  type TcpPacket,
  type TcpSessionSecrets,
} from '../../protocol/tcp/index.js';
import { generateKeyPair } from '../keys.js';
import type { RelayEvent, TcpClientContext } from './context.js';
import { OnionRelayMarks } from './onion-relays.js';
import type { StreamOwner } from './streams.js';

/** How many relays we hold at once (ours and our friends'). */
export const MAX_RELAYS = 64;
/** How many peers' routes we keep at once. */
export const MAX_TCP_PEERS = 1024;

export type { RelayEvent, TcpClientContext, TcpFact } from './context.js';

type RouteStatus = 'requested' | 'registered' | 'online';

interface Relay {
  readonly pk: Bytes;
  readonly hex: string;
  readonly address: IpPort;
  stream: number | null;
  secrets: TcpSessionSecrets | null;
  cipher: TcpCipher | null;
  reader: TcpFrameReader | null;
  confirmed: boolean;
  pingId: Bytes | null;
  /** peer DHT key → route through this relay. */
  readonly routes: Map<string, { status: RouteStatus; id: number | null }>;
  /** route id → peer DHT key. */
  readonly byId: Map<number, string>;
  lastUses: string;
}

export class TcpClient implements StreamOwner {
  private readonly relays = new Map<string, Relay>();
  private readonly byStream = new Map<number, Relay>();
  /** peer DHT key → relays linked to it. */
  private readonly peers = new Map<string, Set<string>>();
  private readonly routed = new Map<string, boolean>();
  readonly onion: OnionRelayMarks; // relays marked for onion use (TCP_connection.c `onion`; onion-relays.ts)

  constructor(private readonly ctx: TcpClientContext) {
    this.onion = new OnionRelayMarks(ctx, this.relays, (hex) => this.refreshUses(this.relays.get(hex)!));
  }

  get relayCount(): number {
    return this.relays.size;
  }

  // ---- what relays and peers there are -----------------------------------------------------

  /**
   * A relay to use (the user's `--tcp-relay`, a profile, a friend's DHT-PK or share-relays);
   * with `peerHex`, linked to that peer. Returns false when a bound refused it.
   */
  addRelay(address: IpPort, relayPk: Bytes, peerHex?: string): boolean {
    const hex = toHex(relayPk);
    if (equalBytes(relayPk, this.ctx.keys.dht.publicKey)) return this.drop('own_key');
    if (!this.relays.has(hex)) {
      if (this.relays.size >= MAX_RELAYS) return this.drop('relays_full');
      const relay: Relay = {
        pk: relayPk.slice(),
        hex,
        address,
        stream: null,
        secrets: null,
        cipher: null,
        reader: null,
        confirmed: false,
        pingId: null,
        routes: new Map(),
        byId: new Map(),
        lastUses: '',
      };
      this.relays.set(hex, relay);
      this.ctx.count('tcp.relays_added');
      this.ctx.report({ type: 'tcp.relayAdded', relay: hex, address: formatIpPort(address) });
    }
    if (peerHex !== undefined) return this.link(peerHex, hex);
    return true;
  }

  /** Our confirmed relays, for our DHT-PK and share-relays packets (tcp_copy_connected_relays). */
  connectedRelays(max: number): PackedNode[] {
    const out: PackedNode[] = [];
    for (const r of this.relays.values()) {
      if (out.length >= max) break;
      if (r.confirmed) out.push({ transport: 'tcp', ipPort: r.address, publicKey: r.pk });
    }
    return out;
  }

  /** Whether a relay reaches the peer's DHT key (a route registered or online). */
  isRouted(peerHex: string): boolean {
    return this.routed.get(peerHex) ?? false;
  }

  /** Whether any relay is linked to the peer's DHT key, routed now or not (asleep, reconnecting). */
  hasRelays(peerHex: string): boolean {
    return (this.peers.get(peerHex)?.size ?? 0) > 0;
  }

  /** The peer's DHT key is no longer any friend's: its routes are released (kill_tcp_connection_to). */
  dropPeer(peerHex: string): void {
    const set = this.peers.get(peerHex);
    if (!set) return;
    this.peers.delete(peerHex);
    for (const hex of set) {
      const r = this.relays.get(hex);
      const route = r?.routes.get(peerHex);
      if (!r || !route) continue;
      r.routes.delete(peerHex);
      if (route.id !== null) r.byId.delete(route.id);
      this.refreshUses(r);
    }
    this.setRouted(peerHex);
  }

  /** A peer's session moved between direct and relayed: its relays may sleep or wake. */
  directChanged(peerHex: string): void {
    for (const hex of this.peers.get(peerHex) ?? []) {
      const r = this.relays.get(hex);
      if (r) this.refreshUses(r);
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends a net_crypto packet to the peer: an online route first, else out of band (send_packet_tcp_connection). */
  sendToPeer(peerHex: string, packet: Bytes): boolean {
    const set = this.peers.get(peerHex);
    if (!set) return false;
    for (const hex of set) {
      const r = this.relays.get(hex)!;
      const route = r.routes.get(peerHex);
      if (route?.status === 'online' && route.id !== null) return this.write(r, { type: 'data', connectionId: route.id, data: packet });
    }
    if (packet.length > TCP_MAX_OOB_DATA_LENGTH) return this.drop('oob_too_long');
    let sent = false;
    const pk = fromHex(peerHex);
    if (!pk.ok) return false;
    for (const hex of set) {
      const r = this.relays.get(hex)!;
      if (r.routes.get(peerHex)?.status === 'registered') sent = this.write(r, { type: 'oobSend', publicKey: pk.value, data: packet }) || sent;
    }
    return sent;
  }

  /** An onion request through a confirmed relay (the relay is the first hop); false if none is confirmed. */
  sendOnionRequest(relayHex: string, data: Bytes): boolean {
    const r = this.relays.get(relayHex);
    if (!r?.confirmed) return false;
    return this.write(r, { type: 'onionRequest', data });
  }

  /** Relays that are confirmed now (keys, hex). */
  confirmedRelays(): string[] {
    return [...this.relays.values()].filter((r) => r.confirmed).map((r) => r.hex);
  }

  // ---- the relay actors' outputs (runtime/routes.ts) ------------------------------------------

  /** `tcp.open`: a new socket and fresh session secrets. */
  open(relayHex: string): void {
    const r = this.relays.get(relayHex);
    if (!r) return this.ctx.count('error.tcp_unknown_relay');
    this.closeStream(r);
    const id = this.ctx.streams.open(r.address, this);
    if (id === null) return this.event(r, { type: 'stream.failed', reason: 'too many streams' });
    r.stream = id;
    this.byStream.set(id, r);
    this.ctx.count('tcp.connects');
  }

  /** `tcp.close`. */
  close(relayHex: string, _reason: string): void {
    const r = this.relays.get(relayHex);
    if (r) this.closeStream(r);
  }

  /** `tcp.ping`: a ping with a new non-zero id. */
  ping(relayHex: string): void {
    const r = this.relays.get(relayHex);
    if (!r?.confirmed) return;
    let id = this.ctx.random.bytes(8);
    if (id.every((b) => b === 0)) id = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
    r.pingId = id;
    this.write(r, { type: 'ping', pingId: id });
  }

  /** `notify.relayOnline`: ask the relay to route to every peer linked to it. */
  relayOnline(relayHex: string): void {
    const r = this.relays.get(relayHex);
    if (!r) return;
    this.ctx.report({ type: 'tcp.relayStatus', relay: r.hex, address: formatIpPort(r.address), online: true });
    for (const peer of r.routes.keys()) this.requestRoute(r, peer);
    r.lastUses = ''; // the actor starts every attempt with no uses: it hears them again, the onion's mark included
    this.onion.refresh();
    this.refreshUses(r);
  }

  /** `notify.relayOffline`: every route through it is gone. */
  relayOffline(relayHex: string, _reason: string): void {
    const r = this.relays.get(relayHex);
    if (!r) return;
    this.ctx.report({ type: 'tcp.relayStatus', relay: r.hex, address: formatIpPort(r.address), online: false });
    this.resetRoutes(r);
  }

  /** The relay's actor ended (stopped for good): forget the relay. */
  forget(relayHex: string): void {
    const r = this.relays.get(relayHex);
    if (!r) return;
    this.closeStream(r);
    this.relays.delete(relayHex);
    for (const peer of r.routes.keys()) {
      this.peers.get(peer)?.delete(relayHex);
      this.setRouted(peer);
    }
  }

  // ---- the stream (StreamOwner) ----------------------------------------------------------------

  onOpened(id: number): void {
    const r = this.byStream.get(id);
    if (!r) return;
    const { crypto, keys, random } = this.ctx;
    const temp = generateKeyPair(crypto, random);
    r.secrets = { tempPublicKey: temp.publicKey, tempSecretKey: temp.secretKey, baseNonce: random.bytes(24) };
    r.reader = new TcpFrameReader();
    const hs = encodeClientHandshake(crypto, { clientPk: keys.dht.publicKey, clientSk: keys.dht.secretKey, serverPk: r.pk, secrets: r.secrets, nonce: random.bytes(24) });
    this.ctx.streams.write(id, hs);
    this.event(r, { type: 'stream.opened' });
  }

  onData(id: number, data: Bytes): void {
    const r = this.byStream.get(id);
    if (!r || !r.reader) return;
    r.reader.push(data);
    if (r.cipher === null) {
      const hs = r.reader.take(TCP_SERVER_HANDSHAKE_SIZE);
      if (hs === null) return;
      const peer = decodeServerHandshake(this.ctx.crypto, { clientSk: this.ctx.keys.dht.secretKey, serverPk: r.pk }, hs);
      const cipher = peer.ok ? openTcpSession(this.ctx.crypto, r.secrets!, peer.value) : peer;
      if (!cipher.ok) return this.fail(r, 'relay handshake did not open');
      r.cipher = cipher.value;
      r.confirmed = true;
      this.event(r, { type: 'handshake.accepted' });
    }
    for (let box = r.reader.next(); box !== null && r.stream === id; box = r.reader.next()) {
      const plain = r.cipher.open(box);
      if (plain === null) return this.fail(r, 'frame did not open');
      const p = decodeTcpPacket(plain, 'client');
      if (!p.ok) return this.fail(r, 'malformed packet');
      this.handle(r, p.value);
    }
    if (r.reader?.error) this.fail(r, r.reader.error);
  }

  onClosed(id: number): void {
    const r = this.byStream.get(id);
    if (!r) return;
    this.byStream.delete(id);
    r.stream = null;
    r.confirmed = false;
    this.event(r, { type: 'stream.failed', reason: 'connection closed' });
  }

  // ---- packets from a relay ----------------------------------------------------------------------

  private handle(r: Relay, p: TcpPacket): unknown {
    const ctx = this.ctx;
    switch (p.type) {
      case 'routingResponse': {
        const peer = toHex(p.publicKey);
        const route = r.routes.get(peer);
        if (!route) return this.drop('unrequested_route');
        if (p.connectionId < NUM_RESERVED_PORTS) {
          // Refused (the relay's table for us is full): this relay cannot reach the peer. An id it
          // had given the route before is forgotten with it (nothing may arrive on it any more).
          if (route.id !== null) r.byId.delete(route.id);
          r.routes.delete(peer);
          this.peers.get(peer)?.delete(r.hex);
          this.setRouted(peer);
          return ctx.count('tcp.route_refused');
        }
        if (route.id !== null) r.byId.delete(route.id);
        route.id = p.connectionId;
        route.status = 'registered';
        r.byId.set(p.connectionId, peer);
        this.setRouted(peer);
        return;
      }
      case 'connectNotification':
      case 'disconnectNotification': {
        const peer = r.byId.get(p.connectionId);
        if (peer === undefined) return this.drop('unknown_connection_id');
        r.routes.get(peer)!.status = p.type === 'connectNotification' ? 'online' : 'registered';
        return ctx.count(p.type === 'connectNotification' ? 'tcp.peer_online' : 'tcp.peer_offline');
      }
      case 'ping':
        // Id 0 is never answered: c-toxcore's client keeps 0 for "no pong pending"
        // (TCP_client.c tcp_send_ping_response), and a relay kills on a pong with id 0.
        if (p.pingId.every((b) => b === 0)) return this.drop('ping_zero_id');
        this.write(r, { type: 'pong', pingId: p.pingId });
        return;
      case 'pong':
        if (r.pingId === null || !equalBytes(r.pingId, p.pingId)) return this.drop('unexpected_pong');
        r.pingId = null;
        return this.event(r, { type: 'pong' });
      case 'oobRecv': {
        const peer = toHex(p.publicKey);
        if (ctx.isFriendDhtKey(peer)) this.link(peer, r.hex);
        const pk = p.publicKey;
        ctx.report({ type: 'tcp.packet', peer, data: p.data, reply: (packet) => void this.write(r, { type: 'oobSend', publicKey: pk, data: packet }) });
        return;
      }
      case 'data': {
        const peer = r.byId.get(p.connectionId);
        if (peer === undefined) return this.drop('data_unknown_connection_id');
        const id = p.connectionId;
        ctx.report({ type: 'tcp.packet', peer, data: p.data, reply: (packet) => void this.write(r, { type: 'data', connectionId: id, data: packet }) });
        return;
      }
      case 'onionResponse':
        ctx.report({ type: 'tcp.onionResponse', relay: r.hex, address: r.address, data: p.data });
        return;
      default:
        return this.drop(`unexpected_${p.type}`);
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private link(peerHex: string, relayHex: string): boolean {
    let set = this.peers.get(peerHex);
    if (!set) {
      if (this.peers.size >= MAX_TCP_PEERS) return this.drop('peers_full');
      set = new Set();
      this.peers.set(peerHex, set);
    }
    if (set.has(relayHex)) return true;
    if (set.size >= MAX_FRIEND_TCP_CONNECTIONS) return this.drop('peer_relays_full');
    const r = this.relays.get(relayHex)!;
    set.add(relayHex);
    r.routes.set(peerHex, { status: 'requested', id: null });
    if (r.confirmed) this.requestRoute(r, peerHex);
    this.refreshUses(r);
    return true;
  }

  private requestRoute(r: Relay, peerHex: string): void {
    const pk = fromHex(peerHex);
    if (!pk.ok) return;
    const route = r.routes.get(peerHex)!;
    if (route.id !== null) r.byId.delete(route.id);
    route.status = 'requested';
    route.id = null;
    this.write(r, { type: 'routingRequest', publicKey: pk.value });
  }

  private resetRoutes(r: Relay): void {
    r.byId.clear();
    for (const [peer, route] of r.routes) {
      route.status = 'requested';
      route.id = null;
      this.setRouted(peer);
    }
  }

  /** Re-evaluates whether any relay reaches `peerHex`; reports a change. */
  private setRouted(peerHex: string): void {
    let routed = false;
    for (const hex of this.peers.get(peerHex) ?? []) {
      const s = this.relays.get(hex)?.routes.get(peerHex)?.status;
      if (s === 'registered' || s === 'online') routed = true;
    }
    if ((this.routed.get(peerHex) ?? false) === routed) return;
    if (routed) this.routed.set(peerHex, true);
    else this.routed.delete(peerHex);
    this.ctx.report({ type: 'tcp.routeChanged', peer: peerHex, routed });
  }

  /** Tells the relay's actor what rides on it, when that changed (lock_count, sleep_count, onion). */
  private refreshUses(r: Relay): void {
    const uses = r.routes.size;
    let sleeping = 0;
    for (const peer of r.routes.keys()) if (this.ctx.isDirect(peer)) sleeping++;
    const onion = this.onion.has(r.hex);
    const sig = `${uses}/${sleeping}/${onion}`;
    if (sig === r.lastUses) return;
    r.lastUses = sig;
    this.event(r, { type: 'uses', uses, sleepingUses: sleeping, onion });
  }

  private write(r: Relay, p: TcpPacket): boolean {
    if (r.stream === null || r.cipher === null) return false;
    this.ctx.streams.write(r.stream, r.cipher.seal(encodeTcpPacket(p)));
    this.ctx.count('tcp.packets_sent');
    return true;
  }

  private closeStream(r: Relay): void {
    if (r.stream !== null) {
      this.byStream.delete(r.stream);
      this.ctx.streams.close(r.stream);
    }
    r.stream = null;
    r.cipher = null;
    r.reader = null;
    r.secrets = null;
    r.confirmed = false;
    r.pingId = null;
  }

  /** The relay broke the protocol: disconnected (c-toxcore kills the connection), its actor told. */
  private fail(r: Relay, reason: string): void {
    this.drop(`relay_${reason.replace(/[^a-z]+/gi, '_')}`);
    this.closeStream(r);
    this.event(r, { type: 'stream.failed', reason });
  }

  private event(r: Relay, event: RelayEvent): void {
    this.ctx.report({ type: 'tcp.relayEvent', relay: r.hex, event });
  }

  private drop(reason: string): false {
    this.ctx.drop(`tcp.${reason}`);
    return false;
  }
}
