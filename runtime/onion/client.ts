/**
 * The onion client (tox-protocol.md §3.3–§3.8; c-toxcore 0.2.18 `toxcore/onion_client.c`):
 * paths, self-announce, friend search, and onion data (DHT-PK 156, friend request 32).
 *
 * Tables (all bounded):
 *   - two path sets of 6 paths (paths.ts): self-announce, and friend searches + onion data;
 *   - the self-announce list: ≤ 12 announce nodes closest to our real key
 *     (MAX_ONION_CLIENTS_ANNOUNCE), each with its ping_id, is_stored and the path it answered on;
 *   - per friend: a temporary key pair and ≤ 8 nodes closest to the friend's real key
 *     (MAX_ONION_CLIENTS), with the friend's data key from is_stored 1 answers;
 *   - in each of those lists at most 2 nodes of one host (an IP: runtime/dht/hosts.ts), a
 *     closer key replacing the host's farthest (ONION_NODES_PER_HOST);
 *   - the relays proven and the hosts failed as path nodes (paths.ts RelayRecord);
 *   - sendbacks: our 8-byte request ids, valid 10 s, ≤ 4096 (oldest evicted, counted);
 *   - per list, the last 9 nodes asked because a response named them (not again within 10 s).
 *   - per friend: at most one "local sighting" (see below).
 * Received friend requests go to the messenger's receiver (one requester ring for onion and
 * net_crypto, as c-toxcore's friend_requests.c).
 *
 * Local sightings: when a friend announces itself at our own announce node (a 0x83 whose
 * sender is the friend's real key and that stores or refreshes its entry there: a valid ping_id,
 * a request not seen before — announce-server.ts), its return path and data key reach the friend
 * without any other node. The friend counts as found at once and onion data (our DHT-PK, a
 * friend request) also goes straight back along that return path as a 0x86, as our announce
 * node would forward a 0x85. Without this, a friend that announces only at us (a two-node
 * network, or we are its closest node) is found only by our next search round. A sighting lasts
 * as long as the announce entry (300 s) and is renewed by what renews the entry: a request
 * without a valid ping_id, or a replayed one, renews nothing (issue 13 item 9: a replay with
 * another return path would send our onion data for the friend there, long after it left).
 * A list node times out after 3 unanswered requests once the last is 15 s old.
 *
 * What the layer does and what the machines decide:
 *   - toxidAnnounce decides when rounds happen (`announceRound(mode)`) and re-announces at
 *     once to a node that returned a fresh ping_id (`announceTo(node)`). The layer picks the
 *     nodes of a round by their per-node intervals (3 s not stored, 15 s stored, 120 s stable),
 *     and reports back to `toxid:`: `announce.response`, `announce.pingId`, `announce.stored`,
 *     `announce.unstored`.
 *   - dhtkeyShare decides when to search for a friend (`searchFriend`) and when to send our
 *     DHT-PK (`sendDhtPk`, `sendDhtPkRoute`); friendRequest when to send a friend request
 *     (`sendFriendRequest`). The layer reports `search.found` / `search.lost` (through
 *     `engine.friendSearchChanged`) when the friend becomes reachable or stops being so.
 * Besides changes, events are also sent when the layer's facts disagree with a machine's state
 * (stored while toxid is still Announcing, found while dhtkey is still Searching, …), so a fact
 * learned while a machine was elsewhere (Idle, Offline) is not lost.
 *
 * Differences from c-toxcore, all allowed by the protocol: paths are drawn from the DHT's good
 * nodes and the relays proven to work, host first (paths.ts; c-toxcore draws uniformly from a
 * ring of 32 recent DHT and responsive nodes); a new announce node is
 * announced to at once (no skipped round); a friend search round asks every node of the
 * friend's list (c-toxcore spreads them out over the interval).
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../../protocol/bytes.js';
import { DHT_REQUEST_ID, encodeDhtPkPayload, sealDhtPkRouted, sealDhtRequest } from '../../protocol/dht/index.js';
import { ipPortKey, isLanAddress, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey, xorDistanceCompare } from '../../protocol/keys.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  decodeAnnounceResponseHeader,
  decodeOnionDataPayload,
  decodeOnionDataResponse,
  encodeFriendRequestPayload,
  encodeOnionDataResponse,
  encodeOnionResponse,
  ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES,
  openAnnounceResponse,
  openOnionDataInner,
  openOnionDataOuter,
  sealAnnounceRequest,
  sealOnionDataInner,
  sealOnionDataRequestWithInner,
  sealOnionRequest,
  type FriendRequestPayload,
} from '../../protocol/onion/index.js';
import { DeadlineHeap } from '../deadline-heap.js';
import { Dht, type DhtNode } from '../dht/dht.js';
import { hostKey } from '../dht/hosts.js';
import { actorKeys, type Engine, type EngineDeadline, type TimedLayer } from '../engine.js';
import type { Friend } from '../friends.js';
import { generateKeyPair, type KeyPair } from '../keys.js';
import {
  ONION_ANNOUNCE_INTERVAL_NOT_STORED_MS,
  ONION_ANNOUNCE_TIMEOUT_MS,
  ONION_ANNOUNCE_INTERVAL_STABLE_MS,
  ONION_ANNOUNCE_INTERVAL_STORED_MS,
  ONION_FRIEND_NODES_MAX,
  ONION_FRIEND_POPULATE_REQUESTS,
  ONION_LAST_PINGED_MAX,
  ONION_MIN_NODE_PING_TIME_MS,
  ONION_NODES_PER_HOST,
  ONION_NODE_MAX_PINGS,
  ONION_NODE_TIMEOUT_MS,
  ONION_POPULATE_TIMEOUT_MS,
  ONION_SELF_NODES_MAX,
  ONION_SELF_POPULATE_REQUESTS,
  ONION_SENDBACK_LIMIT,
  ONION_SENDBACK_TIMEOUT_MS,
  ONION_TIME_TO_STABLE_MS,
} from './constants.js';
import { PathSet, RelayRecord, type Path } from './paths.js';

const ZERO_32 = new Uint8Array(32);

/**
 * Shared keys (search temp key × announce node) kept per friend search: its list nodes are asked
 * every round and answer on the same key, which c-toxcore recomputes (an X25519) for every
 * request and every answer. Oldest dropped beyond this (the list holds 8; populating asks others).
 */
export const ONION_SEARCH_SHARED_KEYS_MAX = 16;

/** An announce node in one of our lists (c-toxcore Onion_Node). */
export interface OnionNode {
  readonly pk: Bytes;
  readonly pkHex: string;
  ipPort: IpPort;
  /** The last ping_id it gave us (self list). */
  pingId: Bytes;
  /** The searched friend's data key, from an is_stored 1 answer (friend lists). */
  dataPk: Bytes | null;
  /** 0 not stored; 2 stores us (self); 1 stores the friend (friend lists). */
  isStored: number;
  lastHeard: number;
  /** Last request we sent it; null until the first. */
  lastPinged: number | null;
  pingsSinceResponse: number;
  readonly addedAt: number;
  /** The path its last response came through (re-announces keep the same exit relay). */
  pathId: number | null;
}

interface NodeList {
  /** The key the list is sorted around: our real key, or the friend's. */
  readonly target: Bytes;
  readonly max: number;
  nodes: OnionNode[];
  /** Nodes recently asked because a response named them (good_to_ping). */
  recentlyAsked: Array<{ pkHex: string; at: number }>;
  lastPopulated: number | null;
}

interface FriendSearch {
  readonly friend: Friend;
  /** Per-friend temporary key pair that signs the search requests. */
  readonly temp: KeyPair;
  readonly list: NodeList;
  /** A search was asked for while the DHT had no node to build a path from. */
  waitingForNodes: boolean;
  /** Last reported: onion data can reach the friend. */
  found: boolean;
  /** The friend's latest self-announce at our own announce node (see the header), or null. */
  local: LocalSighting | null;
  /** Creation order (timers of several searches due at once are handled in this order). */
  readonly order: number;
  /** shared(temp sk, node pk) by node key, at most ONION_SEARCH_SHARED_KEYS_MAX. */
  readonly sharedKeys: Map<string, Bytes>;
}

/** A friend's self-announce seen at our announce node: where a 0x86 for it goes. */
interface LocalSighting {
  /** The exit relay C the announce came from. */
  readonly retIpPort: IpPort;
  /** RETURN_3 of the friend's path. */
  readonly ret: Bytes;
  /** The friend's temporary data key (the 0x86 outer box is sealed to it). */
  readonly dataPk: Bytes;
  readonly seenAt: number;
}

interface Sendback {
  /** null for self-announce, else the searched friend. */
  readonly friendHex: string | null;
  readonly nodePk: Bytes;
  readonly nodeIpPort: IpPort;
  readonly pathId: number;
  readonly expires: number;
}

type Target = { readonly kind: 'self' } | { readonly kind: 'friend'; readonly search: FriendSearch };

export class OnionClient implements TimedLayer {
  /** Our temporary "data" key pair: announced as data_public_key, opens onion data (0x86). */
  readonly dataKey: KeyPair;
  /** Relays proven or failed, shared by both path sets (paths.ts). */
  readonly relays: RelayRecord;
  readonly selfPaths: PathSet;
  readonly friendPaths: PathSet;
  private readonly selfList: NodeList;
  private readonly searches = new Map<string, FriendSearch>();
  private readonly sendbacks = new Map<string, Sendback>();
  /** Last DHT-PK no_replay sent per friend (strictly increasing even within one second). */
  private readonly noReplaySent = new Map<string, bigint>();
  /**
   * Each friend search's next timer (a list node times out, the local sighting expires), kept
   * up to date where they change, so that the layer's next timer is not a scan of every search
   * (an engine with thousands of friends asks for it after every input).
   */
  private readonly searchTimers = new DeadlineHeap();
  private searchesCreated = 0;

  constructor(private readonly host: Engine) {
    this.dataKey = generateKeyPair(host.crypto, host.random);
    this.relays = new RelayRecord(host);
    this.selfPaths = new PathSet(host, 'self', this.relays);
    this.friendPaths = new PathSet(host, 'friends', this.relays);
    this.selfList = { target: host.keys.real.publicKey, max: ONION_SELF_NODES_MAX, nodes: [], recentlyAsked: [], lastPopulated: null };
  }

  // ---- inspection ----------------------------------------------------------------------------

  /** Live nodes of the self-announce list. */
  selfNodes(): readonly OnionNode[] {
    return this.live(this.selfList);
  }

  /** Live nodes of a friend's search list. */
  friendNodes(friendHex: string): readonly OnionNode[] {
    const s = this.searches.get(friendHex);
    return s ? this.live(s.list) : [];
  }

  stats(): { selfNodes: number; selfStored: number; searches: number; sendbacks: number; paths: number } {
    const now = this.host.now;
    return {
      selfNodes: this.selfNodes().length,
      selfStored: this.selfNodes().filter((n) => n.isStored !== 0).length,
      searches: this.searches.size,
      sendbacks: this.sendbacks.size,
      paths: this.selfPaths.live(now).length + this.friendPaths.live(now).length,
    };
  }

  private static isTimedOut(n: OnionNode, now: number): boolean {
    return n.pingsSinceResponse >= ONION_NODE_MAX_PINGS && n.lastPinged !== null && now - n.lastPinged >= ONION_NODE_TIMEOUT_MS;
  }

  private live(list: NodeList): OnionNode[] {
    const now = this.host.now;
    return list.nodes.filter((n) => !OnionClient.isTimedOut(n, now));
  }

  // ---- commands from the machines ---------------------------------------------------------

  /**
   * One self-announce round (toxidAnnounce `onion.announceRound`): every node whose interval
   * has passed (3 s not stored, 15 s stored, 120 s stored and stable in `stable` mode), and at
   * least one node; when the list is at most half full (or not full and last populated 600 s
   * ago), also up to 6 random DHT nodes not in the list, as c-toxcore's do_announce does in
   * every round whatever the announce state.
   */
  announceRound(mode: 'searching' | 'announced' | 'stable'): void {
    const now = this.host.now;
    const live = this.live(this.selfList);
    const eligible = live.filter((n) => n.pingsSinceResponse < ONION_NODE_MAX_PINGS);
    let sent = 0;
    for (const n of eligible) {
      let interval = ONION_ANNOUNCE_INTERVAL_NOT_STORED_MS;
      if (n.isStored !== 0) {
        interval = mode === 'stable' && now - n.addedAt >= ONION_TIME_TO_STABLE_MS ? ONION_ANNOUNCE_INTERVAL_STABLE_MS : ONION_ANNOUNCE_INTERVAL_STORED_MS;
      }
      if ((n.lastPinged === null || now - n.lastPinged >= interval) && this.announceNode(n)) sent++;
    }
    if (sent === 0 && eligible.length > 0) {
      const oldest = eligible.reduce((a, b) => ((a.lastPinged ?? -Infinity) <= (b.lastPinged ?? -Infinity) ? a : b));
      this.announceNode(oldest);
    }
    const list = this.selfList;
    const halfEmpty = live.length <= list.max / 2;
    const stale = live.length < list.max && (list.lastPopulated === null || now - list.lastPopulated >= ONION_POPULATE_TIMEOUT_MS);
    if (halfEmpty || stale) this.populate({ kind: 'self' }, list, ONION_SELF_POPULATE_REQUESTS);
  }

  /** Re-announce to one node at once (toxidAnnounce `onion.announceTo`, after a fresh ping_id). */
  announceTo(nodeHex: string): void {
    const n = this.selfList.nodes.find((x) => x.pkHex === nodeHex);
    if (!n) return void this.host.counters.inc('onion.announce_to_unknown');
    this.announceNode(n);
  }

  /** A search round for a friend (dhtkeyShare `onion.searchFriend`). */
  searchFriend(f: Friend): void {
    const s = this.searchOf(f);
    const now = this.host.now;
    const live = this.live(s.list);
    for (const n of live) {
      if (n.pingsSinceResponse >= ONION_NODE_MAX_PINGS) continue;
      if (this.sendAnnounceRequest({ kind: 'friend', search: s }, n.pk, n.ipPort, ZERO_32, null) !== null) {
        n.lastPinged = now;
        n.pingsSinceResponse++;
      }
    }
    const list = s.list;
    const stale = live.length < list.max && (list.lastPopulated === null || now - list.lastPopulated >= ONION_POPULATE_TIMEOUT_MS);
    if (live.length <= list.max / 2 || stale) {
      const sent = this.populate({ kind: 'friend', search: s }, list, ONION_FRIEND_POPULATE_REQUESTS);
      s.waitingForNodes = sent === 0 && live.length === 0;
    }
    this.refreshSearchTimer(s);
    this.reconcileFriend(s);
  }

  /**
   * Sends our DHT-PK (156) over the onion through every node that stores the friend
   * (dhtkeyShare `onion.sendDhtPk`). Returns how many packets went out.
   */
  sendDhtPk(f: Friend): number {
    const s = this.searches.get(f.pkHex);
    if (!s) return 0;
    const n = this.sendOnionData(s, this.dhtPkPayload(f));
    this.host.counters.inc(n > 0 ? 'onion.dhtpk_sent' : 'onion.dhtpk_not_sent');
    return n;
  }

  /**
   * Sends our DHT-PK as DHT request 0x20 id 156 towards the friend's DHT key (dhtkeyShare
   * `dht.sendDhtPk`): to the nodes of the DHT search for that key, which forward it when the
   * friend is in their close list, and to the friend's node itself when the DHT knows it.
   * Returns how many packets went out.
   */
  sendDhtPkRoute(f: Friend, friendDhtKeyHex: string): number {
    const key = fromHex(friendDhtKeyHex);
    if (!key.ok || key.value.length !== 32) {
      this.host.counters.inc('onion.dhtpk_route_bad_key');
      return 0;
    }
    const targets = new Map<string, IpPort>();
    for (const n of this.host.dht.searchNodes(friendDhtKeyHex)) targets.set(ipPortKey(n.ipPort), n.ipPort);
    const own = this.host.dht.findAny(friendDhtKeyHex);
    if (own) targets.set(ipPortKey(own.ipPort), own.ipPort);
    if (targets.size === 0) {
      this.host.counters.inc('onion.dhtpk_route_no_nodes');
      return 0;
    }
    const { crypto, keys, random } = this.host;
    const d = this.dhtPkData(f);
    const data = sealDhtPkRouted(crypto, keys.realShared(f.pk), keys.real.publicKey, random.bytes(24), d);
    const packet = sealDhtRequest(crypto, keys.dhtShared(key.value), key.value, keys.dht.publicKey, random.bytes(24), {
      requestId: DHT_REQUEST_ID.dht_pk,
      data,
    });
    for (const to of targets.values()) this.host.send(to, packet);
    this.host.counters.inc('onion.dhtpk_route_sent', targets.size);
    return targets.size;
  }

  /**
   * Sends a friend request `[0x20][nospam][message]` as onion data through every node that
   * stores the friend (for the messenger layer; c-toxcore's send path for FRIEND_ADDED).
   * Returns how many packets went out (0 when the friend is not found on the onion yet, or the
   * message is empty or longer than a c-toxcore receiver accepts, 943 bytes).
   */
  sendFriendRequest(f: Friend, nospam: Bytes, message: string | Bytes): number {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    if (bytes.length === 0 || 1 + nospam.length + bytes.length > ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES || nospam.length !== 4) {
      this.host.counters.inc('onion.friend_request_refused');
      return 0;
    }
    const s = this.searches.get(f.pkHex);
    if (!s) return 0;
    const n = this.sendOnionData(s, encodeFriendRequestPayload({ nospam, message: bytes }));
    if (n > 0) this.host.counters.inc('onion.friend_request_sent', n);
    return n;
  }

  removeFriend(pkHex: string): void {
    this.searches.delete(pkHex);
    this.searchTimers.set(pkHex, null);
    this.noReplaySent.delete(pkHex);
    for (const [k, sb] of this.sendbacks) if (sb.friendHex === pkHex) this.sendbacks.delete(k);
  }

  /** The DHT has its first good node: searches that found no node to start from go out now. */
  onDhtNodes(): void {
    for (const s of this.searches.values()) if (s.waitingForNodes) this.searchFriend(s.friend);
  }

  // ---- requests ----------------------------------------------------------------------------

  private searchOf(f: Friend): FriendSearch {
    let s = this.searches.get(f.pkHex);
    if (!s) {
      s = {
        friend: f,
        temp: generateKeyPair(this.host.crypto, this.host.random),
        list: { target: f.pk, max: ONION_FRIEND_NODES_MAX, nodes: [], recentlyAsked: [], lastPopulated: null },
        waitingForNodes: false,
        found: false,
        local: null,
        order: this.searchesCreated++,
        sharedKeys: new Map(),
      };
      this.searches.set(f.pkHex, s);
    }
    return s;
  }

  /** Self-announces to one list node along its path (a random one as a last chance for an old node). */
  private announceNode(n: OnionNode): boolean {
    const now = this.host.now;
    const lastChance = n.pingsSinceResponse === ONION_NODE_MAX_PINGS - 1 && now - n.addedAt >= ONION_TIME_TO_STABLE_MS;
    const used = this.sendAnnounceRequest({ kind: 'self' }, n.pk, n.ipPort, n.pingId, lastChance ? null : n.pathId);
    if (used === null) return false;
    n.lastPinged = now;
    n.pingsSinceResponse++;
    return true;
  }

  /**
   * Announce requests (ping_id zero) to up to `count` random good DHT nodes that are not in the
   * list yet (c-toxcore also picks list members, which only repeats their requests), drawn host
   * first and from distinct hosts (hosts.ts: keys made by the thousand on one IP get one
   * request, not most of them); returns how many went out.
   */
  private populate(target: Target, list: NodeList, count: number): number {
    const good = this.host.dht.goodNodes().filter((n) => !list.nodes.some((x) => x.pkHex === n.pkHex));
    if (good.length === 0) return 0;
    list.lastPopulated = this.host.now;
    const byHost = new Map<string, DhtNode[]>();
    for (const n of good) {
      const of = byHost.get(n.host);
      if (of) of.push(n);
      else byHost.set(n.host, [n]);
    }
    const hosts = [...byHost.values()];
    let sent = 0;
    for (let i = 0; i < count && hosts.length > 0; i++) {
      const of = hosts.splice(this.host.random.int(hosts.length), 1)[0]!;
      const n = of[this.host.random.int(of.length)]!;
      if (this.sendAnnounceRequest(target, n.pk, n.ipPort, ZERO_32, null) !== null) sent++;
    }
    return sent;
  }

  /**
   * One announce request (0x83) through the onion to node `pk` at `ipPort`. Self-announce is
   * signed with our real key (searched = our real pk, data key = our temporary key); a friend
   * search with the friend's temporary key (searched = friend pk, data key and ping_id zero).
   * Returns the id of the path used, or null when no path could be built.
   */
  private sendAnnounceRequest(target: Target, pk: Bytes, ipPort: IpPort, pingId: Bytes, pathId: number | null): number | null {
    const paths = target.kind === 'self' ? this.selfPaths : this.friendPaths;
    const path = paths.use(pathId, { asking: toHex(pk) });
    if (!path) {
      this.host.counters.inc('onion.no_path');
      return null;
    }
    const { crypto, keys, random } = this.host;
    const sendback = this.newSendback(target.kind === 'self' ? null : target.search.friend.pkHex, pk, ipPort, path.id);
    let request: Bytes;
    if (target.kind === 'self') {
      request = sealAnnounceRequest(crypto, keys.realShared(pk), keys.real.publicKey, random.bytes(24), {
        pingId,
        searchedPk: keys.real.publicKey,
        dataPk: this.dataKey.publicKey,
        sendback,
      });
    } else {
      const s = target.search;
      request = sealAnnounceRequest(crypto, this.searchShared(s, pk), s.temp.publicKey, random.bytes(24), {
        pingId: ZERO_32,
        searchedPk: s.friend.pk,
        dataPk: ZERO_32,
        sendback,
      });
    }
    this.sendThrough(path, ipPort, request);
    this.host.counters.inc(target.kind === 'self' ? 'onion.announce_sent' : 'onion.search_sent');
    return path.id;
  }

  /** shared(the search's temp sk, node pk), kept per search (ONION_SEARCH_SHARED_KEYS_MAX). */
  private searchShared(s: FriendSearch, nodePk: Bytes): Bytes {
    const hex = toHex(nodePk);
    const hit = s.sharedKeys.get(hex);
    if (hit) return hit;
    const key = this.host.crypto.precompute(nodePk, s.temp.secretKey);
    s.sharedKeys.set(hex, key);
    if (s.sharedKeys.size > ONION_SEARCH_SHARED_KEYS_MAX) s.sharedKeys.delete(s.sharedKeys.keys().next().value as string);
    return key;
  }

  private sendThrough(path: Path, dest: IpPort, payload: Bytes): void {
    const packet = sealOnionRequest(this.host.crypto, path.codec, this.host.random.bytes(24), dest, payload);
    this.host.send(path.hops[0]!.ipPort, packet);
  }

  private newSendback(friendHex: string | null, nodePk: Bytes, nodeIpPort: IpPort, pathId: number): Bytes {
    if (this.sendbacks.size >= ONION_SENDBACK_LIMIT) {
      const oldest = this.sendbacks.keys().next().value as string;
      this.sendbacks.delete(oldest);
      this.host.counters.inc('onion.sendback_evicted');
    }
    let id = this.host.random.bytes(8);
    while (this.sendbacks.has(toHex(id))) id = this.host.random.bytes(8);
    this.sendbacks.set(toHex(id), { friendHex, nodePk, nodeIpPort, pathId, expires: this.host.now + ONION_SENDBACK_TIMEOUT_MS });
    return id;
  }

  // ---- onion data ----------------------------------------------------------------------------

  /**
   * send_onion_data: one 0x85 through each node that stores the friend, each on a random path
   * (one that works, when there is one: paths.ts),
   * provided at least (alive − 1)/4 + 1 of the alive nodes store it. The inner box (under our
   * real key) is made once; each copy gets a fresh temporary key for the outer box.
   */
  private sendOnionData(s: FriendSearch, payload: Bytes): number {
    const storing = this.storingNodes(s);
    const local = this.localSighting(s);
    if (storing.length === 0 && local === null) return 0;
    const { crypto, keys, random } = this.host;
    const nonce = random.bytes(24);
    const friendPk = s.friend.pk;
    const inner = sealOnionDataInner(crypto, keys.realShared(friendPk), keys.real.publicKey, nonce, payload);
    let sent = 0;
    if (local !== null) {
      // What our announce node would forward for a 0x85 from us: the 0x86 along the friend's return path.
      const temp = generateKeyPair(crypto, random);
      const box = crypto.seal(crypto.precompute(local.dataPk, temp.secretKey), nonce, inner);
      this.host.send(local.retIpPort, encodeOnionResponse(3, local.ret, encodeOnionDataResponse({ nonce, tempPk: temp.publicKey, box })));
      this.host.counters.inc('onion.data_sent_local');
      sent++;
    }
    for (const n of storing) {
      const path = this.friendPaths.use(null, { preferWorking: true });
      if (!path) break;
      const temp = generateKeyPair(crypto, random);
      const request = sealOnionDataRequestWithInner(crypto, friendPk, nonce, temp.publicKey, crypto.precompute(n.dataPk!, temp.secretKey), inner);
      this.sendThrough(path, n.ipPort, request);
      sent++;
    }
    return sent;
  }

  /**
   * The nodes onion data for the friend goes through: those that store it, provided at least
   * (alive − 1)/4 + 1 of the alive nodes do (send_onion_data's rule); otherwise none.
   */
  private storingNodes(s: FriendSearch): OnionNode[] {
    const live = this.live(s.list);
    const storing = live.filter((n) => n.isStored !== 0 && n.dataPk !== null);
    return live.length > 0 && storing.length >= Math.floor((live.length - 1) / 4) + 1 ? storing : [];
  }

  /** The friend's local sighting while it is younger than an announce entry's lifetime. */
  private localSighting(s: FriendSearch): LocalSighting | null {
    return s.local !== null && this.host.now - s.local.seenAt < ONION_ANNOUNCE_TIMEOUT_MS ? s.local : null;
  }

  /**
   * Our announce node opened a self-announce (0x83) of friend `f` that came from exit relay
   * `retIpPort` with return path `ret` and data key `dataPk` (see "Local sightings" above).
   */
  friendAnnouncedHere(f: Friend, retIpPort: IpPort, ret: Bytes, dataPk: Bytes): void {
    if (equalBytes(dataPk, ZERO_32)) return;
    const s = this.searchOf(f);
    const previous = this.localSighting(s);
    s.local = { retIpPort, ret, dataPk, seenAt: this.host.now };
    this.refreshSearchTimer(s);
    this.host.counters.inc('onion.friend_seen_local');
    if (s.found && (previous === null || !equalBytes(previous.dataPk, dataPk))) {
      // Already found elsewhere, but this is news: the first sighting here, or the friend's onion
      // client restarted (a new data key). What went to the old places may never arrive (they can
      // hold a return path through a node that is gone), so report the friend lost and found
      // again: the dhtkey task (and a pending friend request) send at once instead of in 30 s.
      this.host.counters.inc('onion.friend_relocated');
      s.found = false;
      this.host.friendSearchChanged(f.pkHex, false);
    }
    this.reconcileFriend(s);
  }

  private dhtPkData(f: Friend): { noReplay: bigint; dhtPk: Bytes; nodes: PackedNode[] } {
    const last = this.noReplaySent.get(f.pkHex) ?? 0n;
    const now = BigInt(this.host.unixSeconds());
    const noReplay = now > last ? now : last + 1n;
    this.noReplaySent.set(f.pkHex, noReplay);
    const ownDht = this.host.keys.dht.publicKey;
    // c-toxcore lists its connected TCP relays and close-list nodes; we have no relays. The
    // receiver asks each node for our DHT key at once, and these nodes know our address. We
    // also list ourselves under the address another node reported for us (tox-protocol.md
    // §10.4 b): our answer to that request is what makes a c-toxcore friend find us.
    const self = this.host.dht.apparentAddress();
    const nodes: PackedNode[] = self ? [{ transport: 'udp', ipPort: self, publicKey: ownDht }] : [];
    nodes.push(...this.host.dht.closest(ownDht, 4 - nodes.length).map(Dht.toPacked));
    return { noReplay, dhtPk: ownDht, nodes };
  }

  private dhtPkPayload(f: Friend): Bytes {
    return encodeDhtPkPayload(this.dhtPkData(f));
  }

  // ---- responses -----------------------------------------------------------------------------

  handleResponse(from: IpPort, data: Uint8Array): void {
    if (data[0] === 0x84) this.handleAnnounceResponse(from, data);
    else this.handleDataResponse(data);
  }

  private handleAnnounceResponse(from: IpPort, data: Bytes): void {
    const h = decodeAnnounceResponseHeader(data);
    if (!h.ok) return this.host.drop('onion.announce_response_malformed');
    const key = toHex(h.value.sendback);
    const sb = this.sendbacks.get(key);
    const now = this.host.now;
    if (!sb || sb.expires <= now) return this.host.drop('onion.sendback_unknown');
    let search: FriendSearch | undefined;
    let shared: Bytes;
    if (sb.friendHex === null) shared = this.host.keys.realShared(sb.nodePk);
    else {
      search = this.searches.get(sb.friendHex);
      if (!search) return this.host.drop('onion.sendback_friend_gone');
      shared = this.searchShared(search, sb.nodePk);
    }
    const r = openAnnounceResponse(this.host.crypto, shared, h.value);
    if (!r.ok) return this.host.drop('onion.announce_response_invalid');
    this.sendbacks.delete(key);
    const res = r.value;

    let isStored = res.isStored;
    if (!search) {
      // A self-announce "found" answer counts only if it names our own data key (client_add_to_list).
      if (isStored === 1 && !equalBytes(res.pingIdOrDataPk, this.dataKey.publicKey)) isStored = 0;
      if (isStored > 2) return this.host.drop('onion.announce_response_bad_is_stored');
    } else if (isStored >= 2) return this.host.drop('onion.search_response_bad_is_stored');

    const paths = search ? this.friendPaths : this.selfPaths;
    const pathUsed = paths.succeeded(sb.pathId);
    // The announce node answered through the onion: it serves onion traffic (onion_client.c
    // client_add_to_list adds it to the path nodes too).
    this.relays.proved([{ pk: sb.nodePk, ipPort: sb.nodeIpPort }]);
    const list = search ? search.list : this.selfList;
    const before = list.nodes.find((n) => n.pkHex === toHex(sb.nodePk));
    const hadPingId = before ? before.pingId : null;
    const node = this.addToList(list, sb.nodePk, sb.nodeIpPort, isStored, res.pingIdOrDataPk, pathUsed);
    this.askNamedNodes(search ? { kind: 'friend', search } : { kind: 'self' }, list, res.nodes, from);

    if (search) {
      this.refreshSearchTimer(search);
      this.host.counters.inc(isStored === 1 ? 'onion.search_found_at_node' : 'onion.search_response');
      this.reconcileFriend(search);
      return;
    }
    this.host.counters.inc(`onion.announce_response_${isStored}`);
    const toxid = actorKeys.toxid(this.host.selfHex);
    if (node && isStored === 0 && (hadPingId === null || !equalBytes(hadPingId, res.pingIdOrDataPk))) {
      this.host.deliver(toxid, { type: 'announce.pingId', now, node: node.pkHex });
    } else if (node && isStored !== 0 && this.toxidState() === 'Announcing') {
      this.host.deliver(toxid, { type: 'announce.stored', now });
    } else {
      this.host.deliver(toxid, { type: 'announce.response', now });
    }
    this.reconcileSelf();
  }

  /**
   * client_add_to_list: refresh a known node; else take a free or timed-out place, or replace
   * the farthest node if this one is closer to the list's key. Returns the node, or null when
   * it does not belong in the list.
   */
  private addToList(list: NodeList, pk: Bytes, ipPort: IpPort, isStored: number, field: Bytes, pathId: number | null): OnionNode | null {
    const now = this.host.now;
    const pkHex = toHex(pk);
    let node = list.nodes.find((n) => n.pkHex === pkHex);
    if (!node) {
      const fresh: OnionNode = {
        pk,
        pkHex,
        ipPort,
        pingId: ZERO_32,
        dataPk: null,
        isStored: 0,
        lastHeard: now,
        lastPinged: null,
        pingsSinceResponse: 0,
        addedAt: now,
        pathId,
      };
      const ofHost = this.hostPlace(list, pk, ipPort);
      if (ofHost === null) {
        this.host.counters.inc('onion.list_host_limit');
        return null;
      }
      if (ofHost !== 'room') {
        list.nodes[ofHost] = fresh;
        this.host.counters.inc('onion.list_replaced');
      } else if (list.nodes.length < list.max) list.nodes.push(fresh);
      else {
        const dead = list.nodes.findIndex((n) => OnionClient.isTimedOut(n, now));
        let at = dead;
        if (at < 0) {
          at = 0;
          list.nodes.forEach((n, i) => {
            if (xorDistanceCompare(list.target, n.pk, list.nodes[at]!.pk) > 0) at = i;
          });
          if (xorDistanceCompare(list.target, pk, list.nodes[at]!.pk) >= 0) return null;
        }
        list.nodes[at] = fresh;
        this.host.counters.inc('onion.list_replaced');
      }
      node = fresh;
    }
    node.ipPort = ipPort;
    if (isStored === 1) node.dataPk = field;
    else node.pingId = field;
    node.isStored = isStored;
    node.lastHeard = now;
    node.pingsSinceResponse = 0;
    node.pathId = pathId;
    return node;
  }

  /** client_ping_nodes: nodes named in a response that would enter the list are asked at once. */
  private askNamedNodes(target: Target, list: NodeList, nodes: readonly PackedNode[], from: IpPort): void {
    const now = this.host.now;
    const lanOk = isLanAddress(from);
    for (const n of nodes) {
      if (n.transport !== 'udp' || (!lanOk && isLanAddress(n.ipPort))) continue;
      if (!isValidPublicKey(n.publicKey)) {
        this.host.drop('onion.node_invalid_public_key');
        continue;
      }
      if (n.ipPort.port === 0) {
        this.host.drop('onion.node_port_zero');
        continue;
      }
      const hex = toHex(n.publicKey);
      if (list.nodes.some((x) => x.pkHex === hex)) continue;
      if (!this.wouldEnter(list, n.publicKey, n.ipPort)) continue;
      if (list.recentlyAsked.some((r) => r.pkHex === hex && now - r.at < ONION_MIN_NODE_PING_TIME_MS)) continue;
      list.recentlyAsked.push({ pkHex: hex, at: now });
      if (list.recentlyAsked.length > ONION_LAST_PINGED_MAX) list.recentlyAsked.shift();
      this.sendAnnounceRequest(target, n.publicKey, n.ipPort, ZERO_32, null);
    }
  }

  private wouldEnter(list: NodeList, pk: Bytes, ipPort: IpPort): boolean {
    const ofHost = this.hostPlace(list, pk, ipPort);
    if (ofHost === null) return false;
    if (ofHost !== 'room') return true;
    const live = this.live(list);
    if (live.length < list.max) return true;
    return live.some((n) => xorDistanceCompare(list.target, pk, n.pk) < 0);
  }

  /**
   * A list holds at most ONION_NODES_PER_HOST live nodes of one host (hosts.ts): 'room' when the
   * host of `ipPort` has fewer; else the index of its farthest node, which a closer key replaces;
   * else null.
   */
  private hostPlace(list: NodeList, pk: Bytes, ipPort: IpPort): 'room' | number | null {
    const host = hostKey(ipPort);
    const now = this.host.now;
    let count = 0;
    let farthest = -1;
    list.nodes.forEach((n, i) => {
      if (OnionClient.isTimedOut(n, now) || hostKey(n.ipPort) !== host) return;
      count++;
      if (farthest < 0 || xorDistanceCompare(list.target, n.pk, list.nodes[farthest]!.pk) > 0) farthest = i;
    });
    if (count < ONION_NODES_PER_HOST) return 'room';
    return xorDistanceCompare(list.target, pk, list.nodes[farthest]!.pk) < 0 ? farthest : null;
  }

  private handleDataResponse(data: Bytes): void {
    const h = decodeOnionDataResponse(data);
    if (!h.ok) return this.host.drop('onion.data_response_malformed');
    const { crypto, keys } = this.host;
    const outer = openOnionDataOuter(crypto, crypto.precompute(h.value.tempPk, this.dataKey.secretKey), h.value);
    if (!outer.ok) return this.host.drop('onion.data_outer_invalid');
    // c-toxcore public_key_valid: no real key has its top bit set; X25519 ignores the bit, so the
    // boxes of such a sender open, but it could never be a friend (issue 13: it crashed the CLI).
    if (!isValidPublicKey(outer.value.senderRealPk)) return this.host.drop('onion.data_invalid_public_key');
    const senderHex = toHex(outer.value.senderRealPk);
    const friend = this.host.friends.get(senderHex);
    // Friends' shared keys are cached; a stranger's (a friend request) is computed once.
    const innerKey = friend ? keys.realShared(friend.pk) : crypto.precompute(outer.value.senderRealPk, keys.real.secretKey);
    const inner = openOnionDataInner(crypto, innerKey, h.value.nonce, outer.value.innerBox);
    if (!inner.ok) return this.host.drop('onion.data_inner_invalid');
    const p = decodeOnionDataPayload(inner.value);
    if (!p.ok) return this.host.drop('onion.data_payload_invalid');
    if (p.value.kind === 'dht_pk') {
      if (!friend) return this.host.drop('onion.dhtpk_not_friend');
      this.host.counters.inc('onion.dhtpk_received');
      this.host.onDhtPk(friend, p.value.value, 'onion');
      return;
    }
    this.receiveFriendRequest(outer.value.senderRealPk, p.value.value);
  }

  /**
   * A friend request (onion data 32), authenticated by the inner box under the sender's real
   * key: handed to the messenger's receiver, which applies the rules shared with net_crypto
   * payload 18 (friend_requests.c: not one of the last 32 requesters, our nospam, not a friend)
   * and raises the app event `friend_request`.
   */
  private receiveFriendRequest(senderPk: Bytes, req: FriendRequestPayload): void {
    this.host.counters.inc('onion.friend_request_received');
    this.host.messenger.receiveFriendRequest(senderPk, req.nospam, req.message, 'onion');
  }

  // ---- facts → machines ----------------------------------------------------------------------

  private toxidState(): string | null {
    const a = this.host.actors.get(actorKeys.toxid(this.host.selfHex));
    return a ? String(a.snapshot.value) : null;
  }

  private dhtkeyState(friendHex: string): 'Idle' | 'Searching' | 'Sharing' | null {
    const a = this.host.actors.get(actorKeys.dhtkey(this.host.selfHex, friendHex));
    if (!a) return null;
    const v = a.snapshot.value as string | { Active?: string };
    if (typeof v === 'string') return v === 'Idle' ? 'Idle' : null;
    return v.Active === 'Searching' ? 'Searching' : v.Active === 'Sharing' ? 'Sharing' : null;
  }

  /** No node stores us any more while the machine thinks we are announced: `announce.unstored`. */
  private reconcileSelf(): void {
    const stored = this.live(this.selfList).some((n) => n.isStored !== 0);
    const st = this.toxidState();
    if (!stored && (st === 'Announced' || st === 'Stable')) {
      this.host.deliver(actorKeys.toxid(this.host.selfHex), { type: 'announce.unstored', now: this.host.now });
    }
  }

  /**
   * The friend is "found" when onion data can reach it (enough nodes store it, see
   * storingNodes). A change is reported through the engine (`friendSearchChanged`: the
   * dhtkey task and a pending friend request). A dhtkey task that missed it (it was Idle when
   * the change happened) is brought in line: `search.found` while it still searches,
   * `search.lost` while it still shares.
   */
  private reconcileFriend(s: FriendSearch): void {
    const found = this.storingNodes(s).length > 0 || this.localSighting(s) !== null;
    const hex = s.friend.pkHex;
    if (found !== s.found) {
      s.found = found;
      this.host.counters.inc(found ? 'onion.friend_found' : 'onion.friend_lost');
      this.host.friendSearchChanged(hex, found);
      return;
    }
    const st = this.dhtkeyState(hex);
    const key = actorKeys.dhtkey(this.host.selfHex, hex);
    if (found && st === 'Searching') this.host.deliver(key, { type: 'search.found', now: this.host.now });
    else if (!found && st === 'Sharing') this.host.deliver(key, { type: 'search.lost', now: this.host.now });
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** When a node of `list` times out next: 3 requests unanswered and the last 15 s old. */
  private static nodeExpiry(list: NodeList): number | null {
    let at: number | null = null;
    for (const n of list.nodes) {
      if (n.pingsSinceResponse >= ONION_NODE_MAX_PINGS && n.lastPinged !== null) {
        const t = n.lastPinged + ONION_NODE_TIMEOUT_MS;
        if (at === null || t < at) at = t;
      }
    }
    return at;
  }

  /** A friend search's next timer: a list node times out, or its local sighting expires. */
  private static searchDeadline(s: FriendSearch): number | null {
    const node = OnionClient.nodeExpiry(s.list);
    const local = s.local === null ? null : s.local.seenAt + ONION_ANNOUNCE_TIMEOUT_MS;
    if (node === null) return local;
    return local === null ? node : Math.min(node, local);
  }

  /** Re-arms a search's timer after its list or its local sighting changed. */
  private refreshSearchTimer(s: FriendSearch): void {
    this.searchTimers.set(s.friend.pkHex, OnionClient.searchDeadline(s));
  }

  nextTimer(): EngineDeadline | null {
    let best: EngineDeadline | null = null;
    const consider = (at: number | null, reason: string): void => {
      if (at !== null && (best === null || at < best.at)) best = { at, reason };
    };
    const first = this.sendbacks.values().next().value as Sendback | undefined;
    if (first) consider(first.expires, 'onion sendback expires (10 s)');
    consider(OnionClient.nodeExpiry(this.selfList), 'announce node times out (3 requests unanswered, 15 s)');
    const top = this.searchTimers.peek();
    if (top) {
      const local = this.searches.get(top.key)?.local;
      const isLocal = local != null && local.seenAt + ONION_ANNOUNCE_TIMEOUT_MS === top.at;
      consider(top.at, isLocal ? "friend's local sighting expires (300 s)" : 'friend search node times out (3 requests unanswered, 15 s)');
    }
    consider(this.selfPaths.nextExpiry(), 'onion path expires');
    consider(this.friendPaths.nextExpiry(), 'onion path expires');
    return best;
  }

  onTimer(now: number): void {
    for (const [k, sb] of this.sendbacks) {
      if (sb.expires > now) break;
      this.sendbacks.delete(k);
      this.host.counters.inc('onion.sendback_expired');
    }
    const prune = (list: NodeList): boolean => {
      const before = list.nodes.length;
      list.nodes = list.nodes.filter((n) => !OnionClient.isTimedOut(n, now));
      if (list.nodes.length === before) return false;
      this.host.counters.inc('onion.node_timed_out', before - list.nodes.length);
      return true;
    };
    if (prune(this.selfList)) this.reconcileSelf();
    // Only searches whose timer is due can have a timed-out node or an expired sighting.
    const due: FriendSearch[] = [];
    for (const key of this.searchTimers.due(now)) {
      const s = this.searches.get(key);
      if (s) due.push(s);
      else this.searchTimers.set(key, null);
    }
    due.sort((a, b) => a.order - b.order);
    for (const s of due) {
      let changed = prune(s.list);
      if (s.local !== null && now - s.local.seenAt >= ONION_ANNOUNCE_TIMEOUT_MS) {
        s.local = null;
        changed = true;
      }
      this.refreshSearchTimer(s);
      if (changed) this.reconcileFriend(s);
    }
    this.selfPaths.expire(now);
    this.friendPaths.expire(now);
  }
}
