/**
 * The DHT's packet handlers (docs/protocol.md §2.2, §2.5, §2.6, §2.8; c-toxcore DHT.c / ping.c):
 * ping and nodes requests and responses, DHT requests (0x20: routed to a close-list node, or for
 * us: a friend's DHT-PK, a NAT ping for hole-punch.ts), and received LAN discovery (0x21).
 *
 * A response counts only with a ping id we gave, from the node and address we asked; it enters
 * or refreshes our lists. A request from an unknown node that would enter a list is answered
 * and asked back (our nodes request; its answer adds it), at most 32 per 2 s like c-toxcore's
 * ping queue (ping.c). A request never moves a known node to its source address nor reports a
 * searched node there (a replay could come from anywhere): that source is asked back, and only
 * the answer counts. Candidates from nodes responses that would enter a list are asked at once
 * (c-toxcore waits for the next round).
 * A nodes request is answered with the 4 closest good nodes, and never with none when any node
 * is known (c-toxcore ignores empty responses, §11.3). Answers to requesters whose address is
 * not verified share a global budget of full answers; beyond it they carry 1 node, so an answer
 * to a spoofed source is then 8 bytes larger than the request instead of 125–173 (answerSize;
 * docs/reliability.md, amplification).
 *
 * Reported upward: a valid packet from a searched DHT key proves its address ('dhtKeyPacket'); a
 * nodes response naming it is a claim ('dhtSearch'), which we also verify by asking that address
 * directly; the first good node ('dht.connected'); a friend's DHT-PK sent along a DHT route.
 * A nodes response that names our own DHT key tells us the address under which that node
 * reaches us (`DhtTables.apparent`).
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import {
  decodeDhtHeader,
  decodeDhtPkRoutedHeader,
  decodeDhtRequestHeader,
  decodeLanDiscovery,
  DHT_REQUEST_ID,
  openDhtPkRouted,
  openDhtRequest,
  openNodesRequest,
  openNodesResponse,
  openPingRequest,
  openPingResponse,
  sealNodesResponse,
  sealPingResponse,
  type DhtHeader,
} from '../../protocol/dht/index.js';
import { equalIpPort, isLanAddress, unmapIpv4, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  DHT_ASK_BACK_BURST,
  DHT_ASK_BACK_INTERVAL_MS,
  DHT_PING_TIMEOUT_MS,
  DHT_UNVERIFIED_FULL_ANSWERS_BURST,
  DHT_UNVERIFIED_FULL_ANSWERS_PER_S,
  DHT_UNVERIFIED_SENT_NODES,
} from './constants.js';
import type { DhtContext } from './context.js';
import { hostKey } from './hosts.js';
import { toPacked } from './node.js';
import { TokenBucket } from './pending.js';
import type { DhtTables } from './tables.js';
import type { HolePunch } from './hole-punch.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import { MAX_SENT_NODES } from '../../protocol/packed-node.js';

export class DhtPackets {
  private readonly ctx: DhtContext;
  /** Global budget of requests back to unknown askers (heardFrom). */
  private readonly askBackBudget = new TokenBucket(DHT_ASK_BACK_BURST, DHT_ASK_BACK_BURST, DHT_ASK_BACK_INTERVAL_MS);
  /** Global budget of full answers to unverified requesters (answerSize). */
  private readonly unverifiedBudget = new TokenBucket(DHT_UNVERIFIED_FULL_ANSWERS_BURST, DHT_UNVERIFIED_FULL_ANSWERS_PER_S, 1000);

  constructor(
    private readonly t: DhtTables,
    private readonly punch: HolePunch,
  ) {
    this.ctx = t.ctx;
  }

  handlePacket(from: IpPort, data: Bytes): void {
    const id = data[0];
    if (id === PACKET_ID.lan_discovery) return this.handleLanDiscovery(from, data);
    if (id === PACKET_ID.dht_request) return this.handleDhtRequest(from, data);
    const h = decodeDhtHeader(data);
    if (!h.ok) return this.ctx.drop(`dht.malformed`);
    const header = h.value;
    if (equalBytes(header.senderPk, this.t.ownPk)) return this.ctx.drop('dht.from_self');
    // c-toxcore public_key_valid: no real DHT key has its top bit set (X25519 ignores the bit).
    if (!isValidPublicKey(header.senderPk)) return this.ctx.drop('dht.invalid_public_key');
    // Cached only once the packet opens (handlers call `rememberDht`): garbage with random
    // sender keys leaves nothing behind.
    const shared = this.ctx.keys.dhtSharedTentative(header.senderPk);
    switch (id) {
      case PACKET_ID.ping_request:
        return this.handlePingRequest(from, header, shared);
      case PACKET_ID.ping_response:
        return this.handlePingResponse(from, header, shared);
      case PACKET_ID.nodes_request:
        return this.handleNodesRequest(from, header, shared);
      case PACKET_ID.nodes_response:
        return this.handleNodesResponse(from, header, shared);
    }
  }

  private handlePingRequest(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const ctx = this.ctx;
    const p = openPingRequest(ctx.crypto, shared, header);
    if (!p.ok) return ctx.drop('dht.ping_request_invalid');
    ctx.keys.rememberDht(header.senderPk, shared);
    ctx.send(from, sealPingResponse(ctx.crypto, shared, this.t.ownPk, this.t.nonce(), { pingId: p.value.pingId }));
    this.heardFrom(header.senderPk, from, false);
  }

  private handlePingResponse(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const ctx = this.ctx;
    const p = openPingResponse(ctx.crypto, shared, header);
    if (!p.ok) return ctx.drop('dht.ping_response_invalid');
    ctx.keys.rememberDht(header.senderPk, shared);
    if (!this.t.pending.takePending(p.value.pingId, header.senderPk, from, ctx.now)) return ctx.drop('dht.ping_response_unexpected');
    this.heardFrom(header.senderPk, from, true);
  }

  private handleNodesRequest(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const ctx = this.ctx;
    const r = openNodesRequest(ctx.crypto, shared, header);
    if (!r.ok) return ctx.drop('dht.nodes_request_invalid');
    ctx.keys.rememberDht(header.senderPk, shared);
    const senderHex = toHex(header.senderPk);
    const count = this.answerSize(senderHex, from, header.senderPk);
    let nodes = this.t.closest(r.value.searchedPk, count, { lan: isLanAddress(from), exclude: senderHex }).map(toPacked);
    // Never answer with nobody when we know the asker: c-toxcore ignores empty responses and
    // would never add us (docs/protocol.md §11.3). Its own address is a harmless answer.
    if (nodes.length === 0) nodes = [{ transport: 'udp', ipPort: from, publicKey: header.senderPk }];
    ctx.send(from, sealNodesResponse(ctx.crypto, shared, this.t.ownPk, this.t.nonce(), { nodes, pingId: r.value.pingId }));
    this.heardFrom(header.senderPk, from, false);
  }

  /**
   * How many nodes a nodes request gets (amplification bound, docs/reliability.md). A node that
   * answered one of our requests from this very address is verified: up to 4 nodes. Anyone else
   * may be a spoofed source: up to 4 nodes too while the global budget for such answers lasts
   * (DHT_UNVERIFIED_FULL_ANSWERS_PER_S, one counter, no table), then 1 node — 121 bytes for a
   * 113-byte request, the least that interoperates (c-toxcore ignores empty answers).
   */
  private answerSize(senderHex: string, from: IpPort, senderPk?: Bytes): number {
    const known = this.t.findAny(senderHex, senderPk);
    if (known !== undefined && known.lastHeard !== null && equalIpPort(known.ipPort, from)) return MAX_SENT_NODES;
    if (this.unverifiedBudget.take(this.ctx.now)) return MAX_SENT_NODES;
    this.ctx.count('dht.nodes_response_shortened');
    return DHT_UNVERIFIED_SENT_NODES;
  }

  private handleNodesResponse(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const ctx = this.ctx;
    const r = openNodesResponse(ctx.crypto, shared, header);
    if (!r.ok) return ctx.drop('dht.nodes_response_invalid');
    ctx.keys.rememberDht(header.senderPk, shared);
    if (!this.t.pending.takePending(r.value.pingId, header.senderPk, from, ctx.now)) return ctx.drop('dht.nodes_response_unexpected');
    this.heardFrom(header.senderPk, from, true);
    const senderHex = toHex(header.senderPk);
    for (const node of r.value.nodes) this.considerCandidate(node, senderHex);
  }

  /**
   * A node named in a nodes response: ask it if it would enter one of our lists. Nodes of both
   * families are kept (and handed out, as c-toxcore's get_close_nodes does with an unspecified
   * family); an IPv4-mapped address is taken as IPv4, and a node of a family our socket does not
   * reach is passed over (counted), as c-toxcore's sendpacket cannot reach it either.
   */
  private considerCandidate(named: PackedNode, fromHex: string): void {
    const { ctx, t } = this;
    if (named.transport !== 'udp') return;
    const node: PackedNode = { ...named, ipPort: unmapIpv4(named.ipPort) };
    if (!ctx.reaches(node.ipPort)) return void ctx.count('dht.node_other_family');
    if (!isValidPublicKey(node.publicKey)) return ctx.drop('dht.node_invalid_public_key');
    // Port 0 is no address (c-toxcore ipport_isset): a node list naming it is a peer's mistake or an attack.
    if (node.ipPort.port === 0) return ctx.drop('dht.node_port_zero');
    if (equalBytes(node.publicKey, t.ownPk)) {
      t.apparent = { ipPort: node.ipPort, at: ctx.now };
      return;
    }
    const hex = toHex(node.publicKey);
    const search = t.searches.get(hex);
    if (search) {
      // A search result names the friend's node: report the claim and verify it directly.
      ctx.report({ type: 'dht.addressFound', dhtKey: hex, ipPort: node.ipPort, source: 'dhtSearch' });
      // What the nodes close to the friend see of it: its NAT's mapping toward them (hole-punch.ts).
      this.punch.reported(hex, fromHex, node.ipPort);
    }
    const known = t.findAny(hex, node.publicKey);
    if (known && ctx.now - known.lastAsked < DHT_PING_TIMEOUT_MS) return;
    const host = hostKey(node.ipPort);
    let wanted = search !== undefined || t.close.wouldEnter(node.publicKey, host, ctx.now);
    let target = t.ownPk;
    for (const s of t.searches.values()) {
      if (t.searches.wouldEnter(s, node.publicKey, host)) {
        wanted = true;
        target = s.target;
        break;
      }
    }
    if (search) target = search.target;
    if (wanted) t.sendNodesRequest(node.publicKey, node.ipPort, target);
  }

  private handleDhtRequest(from: IpPort, data: Bytes): void {
    const ctx = this.ctx;
    const h = decodeDhtRequestHeader(data);
    if (!h.ok) return ctx.drop('dht.request_malformed');
    const header = h.value;
    if (!equalBytes(header.receiverPk, this.t.ownPk)) {
      // Route it: forwarded unchanged only to a node of our close list (DHT.c route_packet).
      const target = this.t.close.find(toHex(header.receiverPk));
      if (!target) return ctx.drop('dht.request_no_route');
      ctx.count('dht.request_forwarded');
      ctx.send(target.ipPort, data);
      return;
    }
    if (!isValidPublicKey(header.senderPk)) return ctx.drop('dht.invalid_public_key');
    const shared = ctx.keys.dhtSharedTentative(header.senderPk);
    const req = openDhtRequest(ctx.crypto, shared, header);
    if (!req.ok) return ctx.drop('dht.request_invalid');
    ctx.keys.rememberDht(header.senderPk, shared);
    if (req.value.requestId === DHT_REQUEST_ID.dht_pk) {
      const inner = decodeDhtPkRoutedHeader(req.value.data);
      if (!inner.ok) return ctx.drop('dht.dhtpk_malformed');
      const friendPk = toHex(inner.value.senderRealPk);
      if (!ctx.isFriend(friendPk)) return ctx.drop('dht.dhtpk_not_friend');
      const d = openDhtPkRouted(ctx.crypto, ctx.keys.realShared(inner.value.senderRealPk), inner.value, header.senderPk);
      if (!d.ok) return ctx.drop('dht.dhtpk_invalid');
      ctx.report({ type: 'dht.dhtPkReceived', friendPk, dhtPk: d.value });
      return;
    }
    // NAT ping (254): hole punching (hole-punch.ts).
    if (req.value.requestId === DHT_REQUEST_ID.nat_ping) return this.punch.handleNatPing(toHex(header.senderPk), req.value.data);
    ctx.count(`ignored.dht_request_${req.value.requestId}`);
  }

  /**
   * LAN discovery 0x21 (docs/protocol.md §2.6; DHT.c handle_LANdiscovery). toxstate never sends
   * it. Received, it is answered only when the engine's `lanDiscovery` option is on, from a LAN or
   * loopback address (ip_is_lan), exactly 33 bytes: a nodes request for our own DHT key to the
   * source (c-toxcore's dht_bootstrap), within the ask-back budget (toxstate's bound: a flood of
   * them cannot make us a sender of requests). Off (the default), it is counted and ignored.
   */
  private handleLanDiscovery(from: IpPort, data: Bytes): void {
    const ctx = this.ctx;
    if (!ctx.lanDiscovery) return void ctx.count('ignored.lan_discovery');
    if (!isLanAddress(from)) return ctx.drop('dht.lan_discovery_not_lan');
    const d = decodeLanDiscovery(data);
    if (!d.ok) return ctx.drop('dht.lan_discovery_malformed');
    if (equalBytes(d.value.dhtPk, this.t.ownPk)) return ctx.drop('dht.lan_discovery_from_self');
    if (!isValidPublicKey(d.value.dhtPk)) return ctx.drop('dht.invalid_public_key');
    if (this.t.pending.isAsking(toHex(d.value.dhtPk), from, ctx.now)) return void ctx.count('dht.lan_discovery_already_asking');
    if (!this.askBackBudget.take(ctx.now)) return void ctx.count('dht.ask_back_limited');
    ctx.count('dht.lan_discovery_answered');
    this.t.sendNodesRequest(d.value.dhtPk, from, this.t.ownPk);
  }

  /** A valid packet from a node: it enters or refreshes our lists; `answered` marks a response. */
  private heardFrom(pk: Bytes, from: IpPort, answered: boolean): void {
    const { ctx, t } = this;
    const hex = toHex(pk);
    const now = ctx.now;
    const searched = t.searches.has(hex);
    if (!answered) {
      // A request proves that its sender holds the key, not that it is at `from`: it may be a
      // replay from anywhere. A node keeps the address it answered from, and a searched node's
      // address is reported only once verified; any other source is asked back, and only the
      // answer (our ping id, from that address) counts — c-toxcore too learns addresses from
      // responses only (DHT.c addto_lists; requests only feed its ping queue).
      const known = t.findAny(hex, pk);
      if (known && known.lastHeard !== null && equalIpPort(known.ipPort, from)) {
        if (searched) ctx.report({ type: 'dht.addressFound', dhtKey: hex, ipPort: from, source: 'dhtKeyPacket' });
        else if (ctx.isFriendAddress(from)) ctx.report({ type: 'dht.keyAtFriendAddress', dhtKey: hex, ipPort: from });
        return;
      }
      const host = hostKey(from);
      // A new key at a friend's last address is asked back too: its answer may name the friend's new DHT key.
      const atFriendAddress = !searched && !known && ctx.isFriendAddress(from);
      if (!searched && !known && !atFriendAddress && !t.close.wouldEnter(pk, host, now) && !t.searches.anyWouldEnter(pk, host)) return;
      // c-toxcore's bound (ping.c: at most MAX_TO_PING = 32 per TIME_TO_PING = 2 s): a flood of
      // requests from unknown keys cannot turn us into a sender of requests, nor push our own
      // pending requests out of their table.
      if (!this.askBackBudget.take(now)) return void ctx.count('dht.ask_back_limited');
      t.sendNodesRequest(pk, from, searched ? pk : t.ownPk);
      return;
    }
    if (searched) ctx.report({ type: 'dht.addressFound', dhtKey: hex, ipPort: from, source: 'dhtKeyPacket' });
    else if (ctx.isFriendAddress(from)) ctx.report({ type: 'dht.keyAtFriendAddress', dhtKey: hex, ipPort: from });
    t.close.addToClose(pk, from, now);
    for (const s of t.searches.values()) t.searches.addToSearch(s, pk, from, true, now);
    const connected = t.isConnected();
    if (connected && !t.wasConnected) ctx.report({ type: 'dht.connected' });
    t.wasConnected = connected;
  }
}
