/**
 * The DHT node (tox-protocol.md §2, c-toxcore 0.2.18 DHT.c / ping.c behaviour).
 *
 * Tables:
 *   - close list: 128 buckets × 8 by leading bits in common with our DHT key; a new node takes a
 *     slot only when the bucket has room or holds a bad node (not heard for 122 s);
 *   - search lists: one per searched DHT key (a friend's), the 8 closest nodes to it;
 *   - pending requests: 8-byte ping ids bound to the target's key and address, valid 5 s,
 *     at most 512 (DHT_PING_ARRAY_SIZE).
 * Keys per host (hosts.ts: an IP; IP and port on loopback), issue 13 item 4: at most 2 per
 * bucket and 4 in the whole close list, at most 2 per search list (a closer key replaces the
 * host's farthest one there); a new key answering from the address of a close-list node replaces
 * it (c-toxcore's one key per IP:port). A key that would not fit is not even asked. The nodes we
 * hand out (closest) hold one key per host.
 * A request from an unknown node that would enter a list is answered and asked back (our nodes
 * request; its answer adds it), at most 32 per 2 s like c-toxcore's ping queue (ping.c). A
 * request never moves a known node to its source address nor reports a searched node there (a
 * replay could come from anywhere): that source is asked back, and only the answer counts.
 * Behaviour per one-second round (do_dht): every node not heard for 182 s is dropped; every
 * node gets a nodes request for the list's key every 60 s; one random good node every 20 s and
 * on the first 5 rounds after a list is populated. Candidates from nodes responses that would
 * enter a list are asked at once (c-toxcore waits for the next round).
 * A nodes request is answered with the 4 closest good nodes, and never with none when any
 * node is known (c-toxcore ignores empty responses, §11.3). Answers to requesters whose address
 * is not verified share a global budget of full answers; beyond it they carry 1 node, so an
 * answer to a spoofed source is then 8 bytes larger than the request instead of 125–173
 * (answerSize; docs/reliability.md, amplification).
 *
 * The friend-search side reports addresses to the engine: a valid packet from a searched DHT
 * key proves its address (`dhtKeyPacket`); a nodes response naming it is a claim
 * (`dhtSearch`), which we also verify by asking that address directly.
 *
 * A nodes response that names our own DHT key tells us the address under which that node
 * reaches us (c-toxcore answers a search for our key with us among the closest). The latest
 * one, for 122 s, is `apparentAddress()`: the onion client lists us under it in our DHT-PK, so
 * that a friend who learns our DHT key asks us directly and finds us at once (tox-protocol.md
 * §10.4 b) instead of at its next DHT round.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import {
  decodeDhtHeader,
  decodeDhtPkRoutedHeader,
  decodeDhtRequestHeader,
  DHT_REQUEST_ID,
  openDhtPkRouted,
  openDhtRequest,
  openNodesRequest,
  openNodesResponse,
  openPingRequest,
  openPingResponse,
  sealNodesRequest,
  sealNodesResponse,
  sealPingResponse,
  type DhtHeader,
  type DhtPk,
} from '../../protocol/dht/index.js';
import { ipPortKey, isLanAddress, equalIpPort, type IpPort } from '../../protocol/ip-port.js';
import { bucketIndex, isValidPublicKey, xorDistanceCompare } from '../../protocol/keys.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';
import { hostKey } from './hosts.js';

/** do_dht runs once per second. DHT.c do_dht gating. */
export const DHT_ROUND_INTERVAL_MS = 1000;
/** A ping id is valid this long. DHT.h PING_TIMEOUT = 5 s. */
export const DHT_PING_TIMEOUT_MS = 5000;
/** Each known node gets a nodes request this often. DHT.h PING_INTERVAL = 60 s. */
export const DHT_NODE_PING_INTERVAL_MS = 60_000;
/** A random good node gets a nodes request this often. DHT.c GET_NODE_INTERVAL = 20 s. */
export const DHT_RANDOM_NODE_INTERVAL_MS = 20_000;
/** Not heard for this long: bad (not handed out, replaceable). DHT.h BAD_NODE_TIMEOUT = 122 s. */
export const DHT_BAD_NODE_TIMEOUT_MS = 122_000;
/** Not heard for this long: dropped. DHT.c KILL_NODE_TIMEOUT = 182 s. */
export const DHT_KILL_NODE_TIMEOUT_MS = 182_000;
/** Burst rounds after a list is populated. DHT.c MAX_BOOTSTRAP_TIMES = 5. */
export const DHT_BOOTSTRAP_BURST_ROUNDS = 5;
/** Nodes per bucket. DHT.h LCLIENT_NODES = 8. */
export const DHT_BUCKET_SIZE = 8;
/** Nodes kept per searched key. DHT.h MAX_FRIEND_CLIENTS = 8. */
export const DHT_SEARCH_LIST_SIZE = 8;
/** Nodes in a nodes response. DHT.h MAX_SENT_NODES = 4. */
export const DHT_MAX_SENT_NODES = 4;
/**
 * Nodes in an answer to a requester whose address we have not verified (it never answered us
 * from there), once the budget below is spent. toxstate's own bound on amplification (c-toxcore
 * always sends up to 4): 1 node makes a 121-byte answer to a 113-byte request; 4 make 238
 * (IPv4) or 286 (IPv6).
 */
export const DHT_UNVERIFIED_SENT_NODES = 1;
/**
 * Full (4-node) answers to unverified requesters, per second, for the whole node: a global token
 * bucket, not a table per source, so a flood from spoofed sources costs no memory. Beyond it the
 * answers shrink to 1 node. A DHT node's legitimate newcomers need far fewer.
 */
export const DHT_UNVERIFIED_FULL_ANSWERS_PER_S = 32;
/** Burst of that budget (a network starting at once: every node bootstraps to the same one). */
export const DHT_UNVERIFIED_FULL_ANSWERS_BURST = 256;
/** Unknown askers asked back per interval, at most. ping.c MAX_TO_PING = 32. */
export const DHT_ASK_BACK_BURST = 32;
/** …per this interval (a global token bucket). ping.c TIME_TO_PING = 2 s. */
export const DHT_ASK_BACK_INTERVAL_MS = 2000;
/** Pending requests kept. DHT.h DHT_PING_ARRAY_SIZE = 512. */
export const DHT_PENDING_LIMIT = 512;
/** Bound on searched keys (a search per unconnected friend); beyond it the oldest is dropped. */
export const DHT_SEARCH_LIMIT = 4096;
/**
 * Keys of one host (hosts.ts) per bucket. c-toxcore 0.2.18 keeps one key per IP:port; an IP
 * gets 2 here (two users behind one NAT), so that keys made by the thousand on one IP cannot
 * fill our buckets.
 */
export const DHT_KEYS_PER_HOST_PER_BUCKET = 2;
/** Keys of one host in the whole close list. */
export const DHT_KEYS_PER_HOST_CLOSE = 4;
/** Keys of one host per search list (of 8); a closer key replaces the host's farthest. */
export const DHT_KEYS_PER_HOST_PER_SEARCH = 2;
/** Keys of one host in the nodes we hand out (a nodes response, an announce answer, our DHT-PK). */
export const DHT_KEYS_PER_HOST_PER_ANSWER = 1;
/** While no node is good, re-ask the bootstrap nodes this often. */
export const DHT_REBOOTSTRAP_INTERVAL_MS = 5000;

export interface DhtNode {
  readonly pk: Bytes;
  readonly pkHex: string;
  ipPort: IpPort;
  /** hostKey(ipPort), kept with it. */
  host: string;
  /** Last valid response from this node (null: never answered yet). */
  lastHeard: number | null;
  /** Last nodes request we sent it. */
  lastAsked: number;
  readonly addedAt: number;
}

interface SearchList {
  readonly target: Bytes;
  readonly targetHex: string;
  readonly friends: Set<string>;
  nodes: DhtNode[];
  burstLeft: number;
  lastRandom: number;
}

interface Pending {
  readonly pkHex: string;
  readonly addr: string;
  readonly expires: number;
  readonly kind: 'ping' | 'nodes';
}

export class Dht implements TimedLayer {
  private readonly buckets = new Map<number, DhtNode[]>();
  /** Close-list nodes by host (hosts.ts): at most DHT_KEYS_PER_HOST_CLOSE each. */
  private readonly closeByHost = new Map<string, DhtNode[]>();
  private readonly searches = new Map<string, SearchList>();
  /** friend hex → target hex */
  private readonly searchOfFriend = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private readonly bootstrapNodes: Array<{ ipPort: IpPort; pk: Bytes }> = [];
  private closeBurstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
  private closeLastRandom = 0;
  private lastRound: number | null = null;
  private lastBootstrap = -Infinity;
  private wasConnected = false;
  /** Global budget of requests back to unknown askers (takeAskBackToken). */
  private readonly askBackBudget = { tokens: DHT_ASK_BACK_BURST, at: 0 };
  /** Global budget of full answers to unverified requesters (answerSize). */
  private readonly unverifiedBudget = { tokens: DHT_UNVERIFIED_FULL_ANSWERS_BURST, at: 0 };
  /** Our address as the last node that named us in a nodes response sees it. */
  private apparent: { readonly ipPort: IpPort; readonly at: number } | null = null;

  constructor(private readonly host: Engine) {}

  /** Our own address as another node last reported it (within 122 s), or null. */
  apparentAddress(): IpPort | null {
    return this.apparent !== null && this.host.now - this.apparent.at < DHT_BAD_NODE_TIMEOUT_MS ? this.apparent.ipPort : null;
  }

  // ---- queries -----------------------------------------------------------------------------

  private get ownPk(): Bytes {
    return this.host.keys.dht.publicKey;
  }

  private isGood(n: DhtNode, now = this.host.now): boolean {
    return n.lastHeard !== null && now - n.lastHeard < DHT_BAD_NODE_TIMEOUT_MS;
  }

  /** Every node in the close list. */
  closeNodes(): DhtNode[] {
    const out: DhtNode[] = [];
    for (const b of this.buckets.values()) out.push(...b);
    return out;
  }

  /** Nodes heard from within 122 s, from the close list and every search list. */
  goodNodes(): DhtNode[] {
    const seen = new Set<string>();
    const out: DhtNode[] = [];
    const consider = (n: DhtNode): void => {
      if (!seen.has(n.pkHex) && this.isGood(n)) {
        seen.add(n.pkHex);
        out.push(n);
      }
    };
    for (const n of this.closeNodes()) consider(n);
    for (const s of this.searches.values()) for (const n of s.nodes) consider(n);
    return out;
  }

  get goodCount(): number {
    let n = 0;
    for (const b of this.buckets.values()) for (const x of b) if (this.isGood(x)) n++;
    return n;
  }

  /** True when at least one node is good. */
  isConnected(): boolean {
    return this.goodCount > 0;
  }

  /** A close-list node by key (`pk`, when the caller has the bytes, finds its bucket directly). */
  findClose(pkHex: string, pk?: Bytes): DhtNode | undefined {
    if (pk !== undefined) return this.buckets.get(bucketIndex(this.ownPk, pk))?.find((n) => n.pkHex === pkHex);
    for (const b of this.buckets.values()) for (const n of b) if (n.pkHex === pkHex) return n;
    return undefined;
  }

  /** Any known node (close list or search lists) by key. */
  findAny(pkHex: string, pk?: Bytes): DhtNode | undefined {
    const c = this.findClose(pkHex, pk);
    if (c) return c;
    for (const s of this.searches.values()) for (const n of s.nodes) if (n.pkHex === pkHex) return n;
    return undefined;
  }

  /**
   * The `count` nodes closest to `target`, at most one per host (DHT_KEYS_PER_HOST_PER_ANSWER):
   * good ones first by distance; when no node is good, the known ones (a node that knows anyone
   * must not answer with nobody).
   */
  closest(target: Bytes, count: number, opts: { lan?: boolean; exclude?: string } = {}): DhtNode[] {
    // One pass keeping the best good and other nodes (this runs for every nodes request and
    // announce served: sorting every known node each time was the DHT's main cost in large
    // simulations). A key in several lists counts once, as its close-list entry. Three times
    // `count` are kept, then thinned to one per host: more of one host among the closest than
    // that is an answer a little short, never one host's answer.
    const lanOk = opts.lan ?? true;
    const keep = count * 3;
    const good: DhtNode[] = [];
    const other: DhtNode[] = [];
    const consider = (n: DhtNode): void => {
      if (n.pkHex === opts.exclude || (!lanOk && isLanAddress(n.ipPort))) return;
      if (this.isGood(n)) insertClosest(good, n, target, keep);
      else if (good.length === 0) insertClosest(other, n, target, keep);
    };
    for (const b of this.buckets.values()) for (const n of b) consider(n);
    if (this.searches.size > 0) {
      const seen = new Set<string>();
      for (const s of this.searches.values())
        for (const n of s.nodes) {
          if (seen.has(n.pkHex) || this.findClose(n.pkHex, n.pk) !== undefined) continue;
          seen.add(n.pkHex);
          consider(n);
        }
    }
    return onePerHost(good.length > 0 ? good : other, count);
  }

  static toPacked(n: DhtNode): PackedNode {
    return { transport: 'udp', ipPort: n.ipPort, publicKey: n.pk };
  }

  // ---- commands from the engine and the connect task ----------------------------------------

  bootstrap(ipPort: IpPort, pk: Bytes): void {
    if (!this.bootstrapNodes.some((b) => equalBytes(b.pk, pk) && equalIpPort(b.ipPort, ipPort))) this.bootstrapNodes.push({ ipPort, pk });
    this.sendNodesRequest(pk, ipPort, this.ownPk);
    this.lastBootstrap = this.host.now;
  }

  /** Starts (or retargets) the DHT search for a friend's DHT key (connect task `dht.search`). */
  search(friendHex: string, dhtKeyHex: string): void {
    const previous = this.searchOfFriend.get(friendHex);
    if (previous && previous !== dhtKeyHex) this.stopSearch(friendHex);
    let list = this.searches.get(dhtKeyHex);
    if (!list) {
      if (this.searches.size >= DHT_SEARCH_LIMIT) {
        const oldest = this.searches.keys().next().value as string;
        this.searches.delete(oldest);
        this.host.counters.inc('dht.search_evicted');
      }
      const target = hexToBytes(dhtKeyHex);
      list = { target, targetHex: dhtKeyHex, friends: new Set(), nodes: [], burstLeft: DHT_BOOTSTRAP_BURST_ROUNDS, lastRandom: this.host.now };
      this.searches.set(dhtKeyHex, list);
    }
    list.friends.add(friendHex);
    this.searchOfFriend.set(friendHex, dhtKeyHex);
    // dht_addfriend: ask the known nodes closest to the key, and the key's own node if we know it.
    const known = this.findAny(dhtKeyHex, list.target);
    if (known) {
      this.sendNodesRequest(known.pk, known.ipPort, list.target);
      this.host.dhtAddressFound(dhtKeyHex, known.ipPort, known.lastHeard !== null ? 'dhtKeyPacket' : 'dhtSearch');
    }
    for (const n of this.closest(list.target, DHT_MAX_SENT_NODES)) {
      this.addToSearch(list, n.pk, n.ipPort, false);
      this.sendNodesRequest(n.pk, n.ipPort, list.target);
    }
  }

  /** One search round (connect task `dht.searchRound`): ask the closest nodes of the list again. */
  searchRound(friendHex: string): void {
    const list = this.listOf(friendHex);
    if (!list) return;
    const nodes = list.nodes.length > 0 ? list.nodes.slice(0, DHT_MAX_SENT_NODES) : this.closest(list.target, DHT_MAX_SENT_NODES);
    for (const n of nodes) this.sendNodesRequest(n.pk, n.ipPort, list.target);
  }

  /** Re-checks the friend's own DHT node (connect task `dht.pingFriend`). */
  pingFriend(friendHex: string): void {
    const list = this.listOf(friendHex);
    if (!list) return;
    const node = this.findAny(list.targetHex, list.target);
    if (node) this.sendNodesRequest(node.pk, node.ipPort, list.target);
  }

  stopSearch(friendHex: string): void {
    const target = this.searchOfFriend.get(friendHex);
    if (!target) return;
    this.searchOfFriend.delete(friendHex);
    const list = this.searches.get(target);
    if (!list) return;
    list.friends.delete(friendHex);
    if (list.friends.size === 0) this.searches.delete(target);
  }

  private listOf(friendHex: string): SearchList | undefined {
    const t = this.searchOfFriend.get(friendHex);
    return t === undefined ? undefined : this.searches.get(t);
  }

  /** Nodes known close to a searched key (for DHT-routed packets to a friend). */
  searchNodes(dhtKeyHex: string): DhtNode[] {
    return this.searches.get(dhtKeyHex)?.nodes.filter((n) => this.isGood(n)) ?? [];
  }

  // ---- packets -----------------------------------------------------------------------------

  handlePacket(from: IpPort, data: Bytes): void {
    const id = data[0];
    if (id === 0x21) {
      // LAN discovery: toxstate never sends it and does not answer it (DESIGN.md §3).
      this.host.counters.inc('ignored.lan_discovery');
      return;
    }
    if (id === 0x20) return this.handleDhtRequest(from, data);
    const h = decodeDhtHeader(data);
    if (!h.ok) return this.host.drop(`dht.malformed`);
    const header = h.value;
    if (equalBytes(header.senderPk, this.ownPk)) return this.host.drop('dht.from_self');
    // c-toxcore public_key_valid: no real DHT key has its top bit set (X25519 ignores the bit).
    if (!isValidPublicKey(header.senderPk)) return this.host.drop('dht.invalid_public_key');
    // Cached only once the packet opens (handlers call `authenticated`): garbage with random
    // sender keys leaves nothing behind.
    const shared = this.host.keys.dhtSharedTentative(header.senderPk);
    switch (id) {
      case 0x00:
        return this.handlePingRequest(from, header, shared);
      case 0x01:
        return this.handlePingResponse(from, header, shared);
      case 0x02:
        return this.handleNodesRequest(from, header, shared);
      case 0x04:
        return this.handleNodesResponse(from, header, shared);
    }
  }

  private handlePingRequest(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const p = openPingRequest(this.host.crypto, shared, header);
    if (!p.ok) return this.host.drop('dht.ping_request_invalid');
    this.host.keys.rememberDht(header.senderPk, shared);
    this.host.send(from, sealPingResponse(this.host.crypto, shared, this.ownPk, this.nonce(), { pingId: p.value.pingId }));
    this.heardFrom(header.senderPk, from, false);
  }

  private handlePingResponse(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const p = openPingResponse(this.host.crypto, shared, header);
    if (!p.ok) return this.host.drop('dht.ping_response_invalid');
    this.host.keys.rememberDht(header.senderPk, shared);
    if (!this.takePending(p.value.pingId, header.senderPk, from)) return this.host.drop('dht.ping_response_unexpected');
    this.heardFrom(header.senderPk, from, true);
  }

  private handleNodesRequest(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const r = openNodesRequest(this.host.crypto, shared, header);
    if (!r.ok) return this.host.drop('dht.nodes_request_invalid');
    this.host.keys.rememberDht(header.senderPk, shared);
    const senderHex = toHex(header.senderPk);
    const count = this.answerSize(senderHex, from, header.senderPk);
    let nodes = this.closest(r.value.searchedPk, count, { lan: isLanAddress(from), exclude: senderHex }).map(Dht.toPacked);
    // Never answer with nobody when we know the asker: c-toxcore ignores empty responses and
    // would never add us (tox-protocol.md §11.3). Its own address is a harmless answer.
    if (nodes.length === 0) nodes = [{ transport: 'udp', ipPort: from, publicKey: header.senderPk }];
    this.host.send(from, sealNodesResponse(this.host.crypto, shared, this.ownPk, this.nonce(), { nodes, pingId: r.value.pingId }));
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
    const known = this.findAny(senderHex, senderPk);
    if (known !== undefined && known.lastHeard !== null && equalIpPort(known.ipPort, from)) return DHT_MAX_SENT_NODES;
    const now = this.host.now;
    const b = this.unverifiedBudget;
    b.tokens = Math.min(DHT_UNVERIFIED_FULL_ANSWERS_BURST, b.tokens + (Math.max(0, now - b.at) * DHT_UNVERIFIED_FULL_ANSWERS_PER_S) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return DHT_MAX_SENT_NODES;
    }
    this.host.counters.inc('dht.nodes_response_shortened');
    return DHT_UNVERIFIED_SENT_NODES;
  }

  private takeAskBackToken(now: number): boolean {
    const b = this.askBackBudget;
    b.tokens = Math.min(DHT_ASK_BACK_BURST, b.tokens + (Math.max(0, now - b.at) * DHT_ASK_BACK_BURST) / DHT_ASK_BACK_INTERVAL_MS);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private handleNodesResponse(from: IpPort, header: DhtHeader, shared: Bytes): void {
    const r = openNodesResponse(this.host.crypto, shared, header);
    if (!r.ok) return this.host.drop('dht.nodes_response_invalid');
    this.host.keys.rememberDht(header.senderPk, shared);
    if (!this.takePending(r.value.pingId, header.senderPk, from)) return this.host.drop('dht.nodes_response_unexpected');
    this.heardFrom(header.senderPk, from, true);
    for (const node of r.value.nodes) this.considerCandidate(node);
  }

  /** A node named in a nodes response: ask it if it would enter one of our lists. */
  private considerCandidate(node: PackedNode): void {
    if (node.transport !== 'udp') return;
    if (!isValidPublicKey(node.publicKey)) return this.host.drop('dht.node_invalid_public_key');
    // Port 0 is no address (c-toxcore ipport_isset): a node list naming it is a peer's mistake or an attack.
    if (node.ipPort.port === 0) return this.host.drop('dht.node_port_zero');
    if (equalBytes(node.publicKey, this.ownPk)) {
      this.apparent = { ipPort: node.ipPort, at: this.host.now };
      return;
    }
    const hex = toHex(node.publicKey);
    const search = this.searches.get(hex);
    if (search) {
      // A search result names the friend's node: report the claim and verify it directly.
      this.host.dhtAddressFound(hex, node.ipPort, 'dhtSearch');
    }
    const known = this.findAny(hex, node.publicKey);
    if (known && this.host.now - known.lastAsked < DHT_PING_TIMEOUT_MS) return;
    const host = hostKey(node.ipPort);
    let wanted = search !== undefined || this.wouldEnterClose(node.publicKey, host);
    let target = this.ownPk;
    for (const s of this.searches.values()) {
      if (this.wouldEnterSearch(s, node.publicKey, host)) {
        wanted = true;
        target = s.target;
        break;
      }
    }
    if (search) target = search.target;
    if (wanted) this.sendNodesRequest(node.publicKey, node.ipPort, target);
  }

  private wouldEnterClose(pk: Bytes, host: string): boolean {
    const b = this.buckets.get(bucketIndex(this.ownPk, pk)) ?? [];
    const hex = toHex(pk);
    if (b.some((n) => n.pkHex === hex)) return false;
    return this.closeSlot(b, host, this.host.now) !== null;
  }

  /**
   * Where a new node of `host` goes in bucket `b`: 'append', the index of the node it replaces
   * (a bad one; of its own host when the host is at its limit in the bucket), or null (no room).
   */
  private closeSlot(b: readonly DhtNode[], host: string, now: number): 'append' | number | null {
    if (this.hostFull(b, host)) {
      const bad = b.findIndex((n) => n.host === host && !this.isGood(n, now));
      return bad < 0 ? null : bad;
    }
    if (b.length < DHT_BUCKET_SIZE) return 'append';
    const bad = b.findIndex((n) => !this.isGood(n, now));
    return bad < 0 ? null : bad;
  }

  /** The host has its most keys in bucket `b`, or in the whole close list. */
  private hostFull(b: readonly DhtNode[], host: string): boolean {
    const inList = this.closeByHost.get(host);
    if (inList === undefined) return false;
    if (inList.length >= DHT_KEYS_PER_HOST_CLOSE) return true;
    let inBucket = 0;
    for (const n of b) if (n.host === host) inBucket++;
    return inBucket >= DHT_KEYS_PER_HOST_PER_BUCKET;
  }

  private wouldEnterSearch(s: SearchList, pk: Bytes, host: string): boolean {
    const hex = toHex(pk);
    if (s.nodes.some((n) => n.pkHex === hex)) return false;
    return this.searchSlot(s, pk, host) !== null;
  }

  /**
   * Where a new node goes in a search list: 'insert' (room, or closer than the farthest), the
   * index of its host's farthest node it replaces (the host is at its limit and it is closer),
   * or null.
   */
  private searchSlot(s: SearchList, pk: Bytes, host: string): 'insert' | number | null {
    let farthestSameHost = -1;
    let sameHost = 0;
    s.nodes.forEach((n, i) => {
      if (n.host !== host) return;
      sameHost++;
      farthestSameHost = i; // the list is sorted by distance: the last one seen is the farthest
    });
    if (sameHost >= DHT_KEYS_PER_HOST_PER_SEARCH) {
      return xorDistanceCompare(s.target, pk, s.nodes[farthestSameHost]!.pk) < 0 ? farthestSameHost : null;
    }
    if (s.nodes.length < DHT_SEARCH_LIST_SIZE) return 'insert';
    const worst = s.nodes[s.nodes.length - 1]!;
    return xorDistanceCompare(s.target, pk, worst.pk) < 0 ? 'insert' : null;
  }

  private handleDhtRequest(from: IpPort, data: Bytes): void {
    const h = decodeDhtRequestHeader(data);
    if (!h.ok) return this.host.drop('dht.request_malformed');
    const header = h.value;
    if (!equalBytes(header.receiverPk, this.ownPk)) {
      // Route it: forwarded unchanged only to a node of our close list (DHT.c route_packet).
      const target = this.findClose(toHex(header.receiverPk));
      if (!target) return this.host.drop('dht.request_no_route');
      this.host.counters.inc('dht.request_forwarded');
      this.host.send(target.ipPort, data);
      return;
    }
    if (!isValidPublicKey(header.senderPk)) return this.host.drop('dht.invalid_public_key');
    const shared = this.host.keys.dhtSharedTentative(header.senderPk);
    const req = openDhtRequest(this.host.crypto, shared, header);
    if (!req.ok) return this.host.drop('dht.request_invalid');
    this.host.keys.rememberDht(header.senderPk, shared);
    if (req.value.requestId === DHT_REQUEST_ID.dht_pk) {
      const inner = decodeDhtPkRoutedHeader(req.value.data);
      if (!inner.ok) return this.host.drop('dht.dhtpk_malformed');
      const friend = this.host.friends.get(toHex(inner.value.senderRealPk));
      if (!friend) return this.host.drop('dht.dhtpk_not_friend');
      const d = openDhtPkRouted(this.host.crypto, this.host.keys.realShared(friend.pk), inner.value, header.senderPk);
      if (!d.ok) return this.host.drop('dht.dhtpk_invalid');
      this.host.onDhtPk(friend, d.value, 'dhtRoute');
      return;
    }
    // NAT ping (254) is for hole punching, which loopback and LAN never need.
    this.host.counters.inc(`ignored.dht_request_${req.value.requestId}`);
  }

  // ---- tables ------------------------------------------------------------------------------

  /** A valid packet from a node: it enters or refreshes our lists; `answered` marks a response. */
  private heardFrom(pk: Bytes, from: IpPort, answered: boolean): void {
    const hex = toHex(pk);
    const now = this.host.now;
    const searched = this.searches.has(hex);
    if (!answered) {
      // A request proves that its sender holds the key, not that it is at `from`: it may be a
      // replay from anywhere. A node keeps the address it answered from, and a searched node's
      // address is reported only once verified; any other source is asked back, and only the
      // answer (our ping id, from that address) counts — c-toxcore too learns addresses from
      // responses only (DHT.c addto_lists; requests only feed its ping queue).
      const known = this.findAny(hex, pk);
      if (known && known.lastHeard !== null && equalIpPort(known.ipPort, from)) {
        if (searched) this.host.dhtAddressFound(hex, from, 'dhtKeyPacket');
        return;
      }
      const host = hostKey(from);
      if (!searched && !known && !this.wouldEnterClose(pk, host) && ![...this.searches.values()].some((s) => this.wouldEnterSearch(s, pk, host))) return;
      // c-toxcore's bound (ping.c: at most MAX_TO_PING = 32 per TIME_TO_PING = 2 s): a flood of
      // requests from unknown keys cannot turn us into a sender of requests, nor push our own
      // pending requests out of their table.
      if (!this.takeAskBackToken(now)) return void this.host.counters.inc('dht.ask_back_limited');
      this.sendNodesRequest(pk, from, searched ? pk : this.ownPk);
      return;
    }
    if (searched) this.host.dhtAddressFound(hex, from, 'dhtKeyPacket');
    this.addToClose(pk, from, now);
    for (const s of this.searches.values()) this.addToSearch(s, pk, from, true);
    const connected = this.isConnected();
    if (connected && !this.wasConnected) this.host.onDhtConnected();
    this.wasConnected = connected;
  }

  private addToClose(pk: Bytes, from: IpPort, now: number): void {
    const idx = bucketIndex(this.ownPk, pk);
    const hex = toHex(pk);
    const host = hostKey(from);
    const existing = this.buckets.get(idx)?.find((n) => n.pkHex === hex);
    if (existing) {
      existing.lastHeard = now;
      if (equalIpPort(existing.ipPort, from)) return;
      // It moved: counted under its new host, and dropped if that host has no room for it.
      this.removeClose(existing);
      existing.ipPort = from;
      existing.host = host;
    } else {
      // c-toxcore's floor (DHT.c client_or_ip_port_in_list): a new key answering from a known
      // node's address replaces that node (it restarted with a new key, or never was).
      for (const n of [...(this.closeByHost.get(host) ?? [])]) {
        if (equalIpPort(n.ipPort, from)) {
          this.removeClose(n);
          this.host.counters.inc('dht.address_new_key');
        }
      }
    }
    const node: DhtNode = existing ?? { pk, pkHex: hex, ipPort: from, host, lastHeard: now, lastAsked: now, addedAt: now };
    const b = this.buckets.get(idx) ?? [];
    if (b.includes(node)) return;
    const slot = this.closeSlot(b, host, now);
    if (slot === null) {
      if (this.hostFull(b, host)) this.host.counters.inc('dht.host_limit');
      return;
    }
    if (this.buckets.size === 0) this.closeBurstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
    if (slot === 'append') b.push(node);
    else {
      this.unhost(b[slot]!);
      b[slot] = node;
    }
    this.buckets.set(idx, b);
    this.hostCounted(node);
  }

  /** Counts a close-list node under its host. */
  private hostCounted(n: DhtNode): void {
    const list = this.closeByHost.get(n.host);
    if (list) list.push(n);
    else this.closeByHost.set(n.host, [n]);
  }

  /** Forgets a close-list node's place under its host (not its bucket place). */
  private unhost(n: DhtNode): void {
    const list = this.closeByHost.get(n.host);
    if (!list) return;
    const i = list.indexOf(n);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.closeByHost.delete(n.host);
  }

  /** Takes a node out of the close list. */
  private removeClose(n: DhtNode): void {
    const idx = bucketIndex(this.ownPk, n.pk);
    const b = this.buckets.get(idx);
    if (b) {
      const i = b.indexOf(n);
      if (i >= 0) b.splice(i, 1);
      if (b.length === 0) this.buckets.delete(idx);
    }
    this.unhost(n);
  }

  private addToSearch(s: SearchList, pk: Bytes, from: IpPort, answered: boolean): void {
    const hex = toHex(pk);
    const now = this.host.now;
    const existing = s.nodes.find((n) => n.pkHex === hex);
    const host = hostKey(from);
    if (existing) {
      existing.ipPort = from;
      existing.host = host;
      if (answered) existing.lastHeard = now;
      return;
    }
    // A new key answering from a listed node's address replaces it (see addToClose); only an
    // answer counts, never a claim in someone's nodes response.
    if (answered && s.nodes.some((n) => n.host === host && equalIpPort(n.ipPort, from))) {
      s.nodes = s.nodes.filter((n) => n.host !== host || !equalIpPort(n.ipPort, from));
    }
    const slot = this.searchSlot(s, pk, host);
    if (slot === null) return;
    if (slot !== 'insert') s.nodes.splice(slot, 1);
    const wasEmpty = s.nodes.length === 0;
    s.nodes.push({ pk, pkHex: hex, ipPort: from, host, lastHeard: answered ? now : null, lastAsked: 0, addedAt: now });
    s.nodes.sort((a, b) => xorDistanceCompare(s.target, a.pk, b.pk));
    if (s.nodes.length > DHT_SEARCH_LIST_SIZE) s.nodes.length = DHT_SEARCH_LIST_SIZE;
    if (wasEmpty) s.burstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
  }

  // ---- requests ----------------------------------------------------------------------------

  private nonce(): Bytes {
    return this.host.random.bytes(24);
  }

  /** Sends a nodes request for `target` and remembers its ping id for 5 s. */
  sendNodesRequest(pk: Bytes, to: IpPort, target: Bytes): void {
    if (equalBytes(pk, this.ownPk)) return;
    const hex = toHex(pk);
    const pingId = this.newPingId(hex, to, 'nodes');
    const shared = this.host.keys.dhtShared(pk);
    this.host.send(to, sealNodesRequest(this.host.crypto, shared, this.ownPk, this.nonce(), { searchedPk: target, pingId }));
    const known = this.findAny(hex, pk);
    if (known) known.lastAsked = this.host.now;
    this.host.counters.inc('dht.nodes_requests_sent');
  }

  private newPingId(pkHex: string, to: IpPort, kind: Pending['kind']): Bytes {
    if (this.pending.size >= DHT_PENDING_LIMIT) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.host.counters.inc('dht.pending_evicted');
    }
    let id = this.host.random.bytes(8);
    while (id.every((b) => b === 0)) id = this.host.random.bytes(8);
    this.pending.set(toHex(id), { pkHex, addr: ipPortKey(to), expires: this.host.now + DHT_PING_TIMEOUT_MS, kind });
    return id;
  }

  /** A response's ping id must be ours, unexpired, and from the node and address we asked. Used once. */
  private takePending(pingId: Bytes, pk: Bytes, from: IpPort): boolean {
    const key = toHex(pingId);
    const p = this.pending.get(key);
    if (!p) return false;
    if (p.expires < this.host.now || p.pkHex !== toHex(pk) || p.addr !== ipPortKey(from)) return false;
    this.pending.delete(key);
    return true;
  }

  // ---- the one-second round ----------------------------------------------------------------

  nextTimer(): EngineDeadline | null {
    const idle = this.buckets.size === 0 && this.searches.size === 0 && this.bootstrapNodes.length === 0;
    if (idle) return null;
    return { at: this.lastRound === null ? this.host.now : this.lastRound + DHT_ROUND_INTERVAL_MS, reason: 'DHT round (every 1 s)' };
  }

  onTimer(now: number): void {
    this.lastRound = now;
    for (const [k, p] of this.pending) if (p.expires < now) this.pending.delete(k);
    // Close list: drop dead nodes, ask every node every 60 s, a random good one every 20 s.
    for (const [idx, b] of this.buckets) {
      const alive = b.filter((n) => n.lastHeard !== null && now - n.lastHeard < DHT_KILL_NODE_TIMEOUT_MS);
      if (alive.length === b.length) continue;
      for (const n of b) if (!alive.includes(n)) this.unhost(n);
      if (alive.length === 0) this.buckets.delete(idx);
      else this.buckets.set(idx, alive);
    }
    const close = this.closeNodes();
    for (const n of close) if (now - n.lastAsked >= DHT_NODE_PING_INTERVAL_MS) this.sendNodesRequest(n.pk, n.ipPort, this.ownPk);
    const good = close.filter((n) => this.isGood(n, now));
    if (good.length > 0 && (this.closeBurstLeft > 0 || now - this.closeLastRandom >= DHT_RANDOM_NODE_INTERVAL_MS)) {
      const n = good[this.host.random.int(good.length)]!;
      this.sendNodesRequest(n.pk, n.ipPort, this.ownPk);
      this.closeLastRandom = now;
      if (this.closeBurstLeft > 0) this.closeBurstLeft--;
    }
    for (const s of this.searches.values()) {
      s.nodes = s.nodes.filter((n) => (n.lastHeard ?? n.addedAt) + DHT_KILL_NODE_TIMEOUT_MS > now);
      for (const n of s.nodes) if (now - n.lastAsked >= DHT_NODE_PING_INTERVAL_MS) this.sendNodesRequest(n.pk, n.ipPort, s.target);
      const g = s.nodes.filter((n) => this.isGood(n, now));
      if (g.length > 0 && (s.burstLeft > 0 || now - s.lastRandom >= DHT_RANDOM_NODE_INTERVAL_MS)) {
        const n = g[this.host.random.int(g.length)]!;
        this.sendNodesRequest(n.pk, n.ipPort, s.target);
        s.lastRandom = now;
        if (s.burstLeft > 0) s.burstLeft--;
      }
    }
    // No good node at all: ask the bootstrap nodes again.
    const connected = good.length > 0;
    if (!connected && this.bootstrapNodes.length > 0 && now - this.lastBootstrap >= DHT_REBOOTSTRAP_INTERVAL_MS) {
      this.lastBootstrap = now;
      this.closeBurstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
      for (const b of this.bootstrapNodes) this.sendNodesRequest(b.pk, b.ipPort, this.ownPk);
    }
    this.wasConnected = connected;
  }

  /** Sizes of the tables (bounded; reported by the reliability figures). */
  stats(): { close: number; good: number; searches: number; pending: number } {
    return { close: this.closeNodes().length, good: this.goodCount, searches: this.searches.size, pending: this.pending.size };
  }
}

function hexToBytes(hex: string): Bytes {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export type { DhtPk };

/** The first `count` of `nodes` (sorted by distance) keeping DHT_KEYS_PER_HOST_PER_ANSWER per host. */
function onePerHost(nodes: DhtNode[], count: number): DhtNode[] {
  const out: DhtNode[] = [];
  const hosts = new Map<string, number>();
  for (const n of nodes) {
    const seen = hosts.get(n.host) ?? 0;
    if (seen >= DHT_KEYS_PER_HOST_PER_ANSWER) continue;
    hosts.set(n.host, seen + 1);
    out.push(n);
    if (out.length === count) break;
  }
  return out;
}

/** Inserts `n` into `best` (sorted by distance to `target`, at most `count` long) if it belongs there. */
function insertClosest(best: DhtNode[], n: DhtNode, target: Bytes, count: number): void {
  if (count <= 0) return;
  if (best.length === count && compareDistance(target, n.pk, best[count - 1]!.pk) >= 0) return;
  let i = best.length;
  while (i > 0 && compareDistance(target, n.pk, best[i - 1]!.pk) < 0) i--;
  best.splice(i, 0, n);
  if (best.length > count) best.length = count;
}

/** xorDistanceCompare without its length checks (every key in the tables is 32 bytes): the closest() hot loop. */
function compareDistance(target: Bytes, a: Bytes, b: Bytes): number {
  for (let i = 0; i < 32; i++) {
    const da = target[i]! ^ a[i]!;
    const db = target[i]! ^ b[i]!;
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}
