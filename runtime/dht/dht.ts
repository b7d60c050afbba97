/**
 * The DHT node (docs/protocol.md §2, c-toxcore 0.2.18 DHT.c / ping.c behaviour): the layer the
 * engine holds, given a `DhtContext` (context.ts) and reporting `DhtFact`s.
 *
 * Its parts, each in its own file:
 *   - close-list.ts: 128 buckets × 8 by leading bits in common with our DHT key, with the limits
 *     on keys per host (hosts.ts: an IP; IP and port on loopback; issue 13 item 4);
 *   - searches.ts: one search list per searched DHT key (a friend's), the 8 closest nodes to it;
 *   - pending.ts: our requests in flight (8-byte ping ids, valid 5 s, at most 512) and the global
 *     token buckets;
 *   - tables.ts: all of that together, the queries over it and the nodes request;
 *   - packets.ts: the packet handlers, and what they report upward;
 *   - hole-punch.ts: NAT pings and hole punching toward searched keys we cannot reach directly
 *     (do_NAT, run at the end of each round).
 * This file: the commands from the engine and the connect task (bootstrap, the friend searches)
 * and the one-second round (do_dht): every node not heard for 182 s is dropped; every node gets
 * a nodes request for its list's key every 60 s; one random good node every 20 s and on the
 * first 5 rounds after a list is populated; while no node is good, the bootstrap nodes are asked
 * again every 5 s. A key that would not fit in a list is not even asked.
 *
 * A nodes response that names our own DHT key tells us the address under which that node
 * reaches us (c-toxcore answers a search for our key with us among the closest). The latest
 * one, for 122 s, is `apparentAddress()`: the onion client lists us under it in our DHT-PK, so
 * that a friend who learns our DHT key asks us directly and finds us at once (docs/protocol.md
 * §10.4 b) instead of at its next DHT round.
 */
import { equalBytes, fromHex, type Bytes } from '../../protocol/bytes.js';
import type { DhtPk } from '../../protocol/dht/index.js';
import { equalIpPort, parseIpPort, type IpPort } from '../../protocol/ip-port.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import {
  DHT_BAD_NODE_TIMEOUT_MS,
  DHT_BOOTSTRAP_BURST_ROUNDS,
  DHT_KILL_NODE_TIMEOUT_MS,
  DHT_NODE_PING_INTERVAL_MS,
  DHT_RANDOM_NODE_INTERVAL_MS,
  DHT_REBOOTSTRAP_INTERVAL_MS,
  DHT_ROUND_INTERVAL_MS,
} from './constants.js';
import type { DhtContext } from './context.js';
import { toPacked, type DhtNode } from './node.js';
import { HolePunch } from './hole-punch.js';
import { DhtPackets } from './packets.js';
import { DhtTables } from './tables.js';
import { MAX_SENT_NODES } from '../../protocol/packed-node.js';

export * from './constants.js';
export type { DhtNode } from './node.js';
export type { DhtContext, DhtFact } from './context.js';
export type { DhtPk };

export class Dht implements TimedLayer {
  private readonly t: DhtTables;
  private readonly packets: DhtPackets;
  private readonly punch: HolePunch;
  private readonly bootstrapNodes: Array<{ ipPort: IpPort; pk: Bytes }> = [];
  private lastRound: number | null = null;
  private lastBootstrap = -Infinity;

  constructor(private readonly ctx: DhtContext) {
    this.t = new DhtTables(ctx);
    this.punch = new HolePunch(this.t);
    this.packets = new DhtPackets(this.t, this.punch);
  }

  static toPacked(n: DhtNode): PackedNode {
    return toPacked(n);
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Our own address as another node last reported it (within 122 s), or null. */
  apparentAddress(): IpPort | null {
    const a = this.t.apparent;
    return a !== null && this.ctx.now - a.at < DHT_BAD_NODE_TIMEOUT_MS ? a.ipPort : null;
  }

  /** Every node in the close list. */
  closeNodes(): DhtNode[] {
    return this.t.close.nodes();
  }

  /** Nodes heard from within 122 s, from the close list and every search list. */
  goodNodes(): DhtNode[] {
    return this.t.goodNodes();
  }

  /** Good nodes in the close list. */
  get goodCount(): number {
    return this.t.close.goodCount(this.ctx.now);
  }

  /** True when at least one node of the close list is good. */
  isConnected(): boolean {
    return this.t.isConnected();
  }

  /** A close-list node by key (`pk`, when the caller has the bytes, finds its bucket directly). */
  findClose(pkHex: string, pk?: Bytes): DhtNode | undefined {
    return this.t.close.find(pkHex, pk);
  }

  /** Any known node (close list or search lists) by key. */
  findAny(pkHex: string, pk?: Bytes): DhtNode | undefined {
    return this.t.findAny(pkHex, pk);
  }

  /** The `count` nodes closest to `target`, good ones first, one per host (tables.ts). */
  closest(target: Bytes, count: number, opts: { lan?: boolean; exclude?: string } = {}): DhtNode[] {
    return this.t.closest(target, count, opts);
  }

  /** Nodes known close to a searched key (for DHT-routed packets to a friend). */
  searchNodes(dhtKeyHex: string): DhtNode[] {
    return this.t.searches.get(dhtKeyHex)?.nodes.filter((n) => this.t.isGood(n)) ?? [];
  }

  /** Whether holes are punched (c-toxcore hole_punching_enabled, default true; tests turn it off to show what punching adds). */
  get holePunchingEnabled(): boolean {
    return this.punch.enabled;
  }
  set holePunchingEnabled(on: boolean) {
    this.punch.enabled = on;
  }

  /** Hole punching's tables (hole-punch.ts): friends with NAT state and the address reports they hold. */
  natStats(): { friends: number; reports: number } {
    return this.punch.stats();
  }

  /** Sizes of the tables (bounded; reported by the reliability figures). */
  stats(): { close: number; good: number; searches: number; pending: number } {
    return { close: this.closeNodes().length, good: this.goodCount, searches: this.t.searches.size, pending: this.t.pending.size };
  }

  // ---- packets -----------------------------------------------------------------------------

  handlePacket(from: IpPort, data: Bytes): void {
    this.packets.handlePacket(from, data);
  }

  /** Sends a nodes request for `target` and remembers its ping id for 5 s. */
  sendNodesRequest(pk: Bytes, to: IpPort, target: Bytes): void {
    this.t.sendNodesRequest(pk, to, target);
  }

  // ---- commands from the engine and the connect task ----------------------------------------

  bootstrap(ipPort: IpPort, pk: Bytes): void {
    if (!this.bootstrapNodes.some((b) => equalBytes(b.pk, pk) && equalIpPort(b.ipPort, ipPort))) this.bootstrapNodes.push({ ipPort, pk });
    this.t.sendNodesRequest(pk, ipPort, this.t.ownPk);
    this.lastBootstrap = this.ctx.now;
  }

  /** Starts (or retargets) the DHT search for a friend's DHT key (connect task `dht.search`). */
  search(friendHex: string, dhtKeyHex: string): void {
    const t = this.t;
    const list = t.searches.open(friendHex, dhtKeyHex, this.ctx.now);
    // dht_addfriend: ask the known nodes closest to the key, and the key's own node if we know it.
    const known = t.findAny(dhtKeyHex, list.target);
    if (known) {
      t.sendNodesRequest(known.pk, known.ipPort, list.target);
      const source = known.lastHeard !== null ? 'dhtKeyPacket' : 'dhtSearch';
      this.ctx.report({ type: 'dht.addressFound', dhtKey: dhtKeyHex, ipPort: known.ipPort, source });
    }
    for (const n of t.closest(list.target, MAX_SENT_NODES)) {
      t.searches.addToSearch(list, n.pk, n.ipPort, false, this.ctx.now);
      t.sendNodesRequest(n.pk, n.ipPort, list.target);
    }
  }

  /**
   * Checks a claimed address of a searched DHT key (friendSession `send.addressCheck`): a nodes
   * request to that key at that address. Only its answer, from that address, makes the address
   * usable (reported as 'dhtKeyPacket'). A request already pending there is not repeated.
   */
  checkAddress(dhtKeyHex: string, address: string): void {
    const ipPort = parseIpPort(address);
    const pk = fromHex(dhtKeyHex);
    if (!ipPort.ok || !pk.ok || pk.value.length !== 32) return this.ctx.drop('dht.address_check_invalid');
    if (this.t.pending.isAsking(dhtKeyHex, ipPort.value, this.ctx.now)) return void this.ctx.count('dht.address_check_already_pending');
    this.ctx.count('dht.address_checks');
    this.t.sendNodesRequest(pk.value, ipPort.value, pk.value);
  }

  /** One search round (connect task `dht.searchRound`): ask the closest nodes of the list again. */
  searchRound(friendHex: string): void {
    const list = this.t.searches.listOf(friendHex);
    if (!list) return;
    const nodes = list.nodes.length > 0 ? list.nodes.slice(0, MAX_SENT_NODES) : this.t.closest(list.target, MAX_SENT_NODES);
    for (const n of nodes) this.t.sendNodesRequest(n.pk, n.ipPort, list.target);
  }

  /** Re-checks the friend's own DHT node (connect task `dht.pingFriend`). */
  pingFriend(friendHex: string): void {
    const list = this.t.searches.listOf(friendHex);
    if (!list) return;
    const node = this.t.findAny(list.targetHex, list.target);
    if (node) this.t.sendNodesRequest(node.pk, node.ipPort, list.target);
  }

  /** The friend's search ends (connect task `dht.searchStop`, friend removed). */
  stopSearch(friendHex: string): void {
    this.t.searches.stop(friendHex);
  }

  // ---- the one-second round ----------------------------------------------------------------

  nextTimer(): LayerDeadline | null {
    const idle = this.t.close.isEmpty && this.t.searches.size === 0 && this.bootstrapNodes.length === 0;
    if (idle) return null;
    return { at: this.lastRound === null ? this.ctx.now : this.lastRound + DHT_ROUND_INTERVAL_MS, reason: 'DHT round (every 1 s)' };
  }

  onTimer(now: number): void {
    const t = this.t;
    const close = t.close;
    const ask = (n: DhtNode, target: Bytes): void => t.sendNodesRequest(n.pk, n.ipPort, target);
    this.lastRound = now;
    t.pending.expire(now);
    // Close list: drop dead nodes, ask every node every 60 s, a random good one every 20 s.
    close.dropDead(now);
    const nodes = close.nodes();
    for (const n of nodes) if (now - n.lastAsked >= DHT_NODE_PING_INTERVAL_MS) ask(n, t.ownPk);
    const good = nodes.filter((n) => t.isGood(n, now));
    if (good.length > 0 && (close.burstLeft > 0 || now - close.lastRandom >= DHT_RANDOM_NODE_INTERVAL_MS)) {
      ask(good[this.ctx.random.int(good.length)]!, t.ownPk);
      close.lastRandom = now;
      if (close.burstLeft > 0) close.burstLeft--;
    }
    // Search lists: the same, for each list's key (a node never answering goes after 182 s).
    for (const s of t.searches.values()) {
      s.nodes = s.nodes.filter((n) => (n.lastHeard ?? n.addedAt) + DHT_KILL_NODE_TIMEOUT_MS > now);
      for (const n of s.nodes) if (now - n.lastAsked >= DHT_NODE_PING_INTERVAL_MS) ask(n, s.target);
      const g = s.nodes.filter((n) => t.isGood(n, now));
      if (g.length > 0 && (s.burstLeft > 0 || now - s.lastRandom >= DHT_RANDOM_NODE_INTERVAL_MS)) {
        ask(g[this.ctx.random.int(g.length)]!, s.target);
        s.lastRandom = now;
        if (s.burstLeft > 0) s.burstLeft--;
      }
    }
    // No good node at all: ask the bootstrap nodes again.
    const connected = good.length > 0;
    if (!connected && this.bootstrapNodes.length > 0 && now - this.lastBootstrap >= DHT_REBOOTSTRAP_INTERVAL_MS) {
      this.lastBootstrap = now;
      close.burstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
      for (const b of this.bootstrapNodes) t.sendNodesRequest(b.pk, b.ipPort, t.ownPk);
    }
    t.wasConnected = connected;
    // Friends we cannot reach directly: NAT pings and hole punching (do_NAT).
    this.punch.round(now);
  }
}
