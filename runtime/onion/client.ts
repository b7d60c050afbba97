/**
 * The onion client (docs/protocol.md §3.3–§3.8; c-toxcore 0.2.18 `toxcore/onion_client.c`):
 * paths, self-announce, friend search, and onion data (DHT-PK 156, friend request 32). This
 * file is the facade the engine and the tests use; the parts are:
 *   - paths.ts: two path sets of 6 paths (self-announce; friend searches and onion data) and
 *     the relays proven and the hosts failed as path nodes (RelayRecord);
 *   - requests.ts: announce requests and their sendbacks (8-byte request ids, valid 10 s,
 *     ≤ 4096, oldest evicted, counted), populating a list, asking the nodes an answer names;
 *   - node-list.ts: the lists of announce nodes (≤ 2 nodes of one host in a list, a node times
 *     out after 3 unanswered requests once the last is 15 s old);
 *   - self-announce.ts: the self-announce lists, one per address family (≤ 12 nodes of that
 *     family closest to our real key each; the tox4id and tox6id tasks);
 *   - friend-search.ts: per friend a temporary key pair and ≤ 8 nodes closest to the friend's
 *     real key, and at most one local sighting (the friend announced itself at our own node);
 *   - onion-data.ts: our DHT-PK and friend requests out, DHT-PKs and friend requests in.
 * All tables are bounded.
 *
 * What the layer does and what the machines decide:
 *   - toxidAnnounce (one task per address family) decides when rounds happen
 *     (`announceRound(family, mode)`) and re-announces at once to a node that returned a fresh
 *     ping_id (`announceTo(family, node)`); the engine starts and stops a family's list with its
 *     task (`startAnnouncing`, `stopAnnouncing`). The layer picks the
 *     nodes of a round by their per-node intervals and reports what the announce nodes answer
 *     (`onion.announceAnswered`, `onion.selfStored`); the engine turns that into the toxid
 *     task's `announce.response`, `announce.pingId`, `announce.stored`, `announce.unstored`.
 *   - dhtkeyShare decides when to search for a friend (`searchFriend`) and when to send our
 *     DHT-PK (`sendDhtPk`, `sendDhtPkRoute`); friendRequest when to send a friend request
 *     (`sendFriendRequest`). The layer reports whether the friend is reachable
 *     (`onion.friendReachability`); the engine sends `search.found` / `search.lost` on a change,
 *     and also when the fact disagrees with the dhtkey task's state (found while it still
 *     searches, …), so a fact learned while the task was elsewhere (Idle) is not lost.
 *
 * Through a TCP relay (docs/protocol.md §14.7): while UDP is off or the DHT has no good node, paths
 * start at one of our relays that carries the onion (paths.ts), lists are populated from the path
 * nodes (requests.ts), bootstrap nodes are path nodes (`addBootstrapNode`, onion_add_bs_path_node),
 * and answers that come back over a relay (`handleTcpResponse`, onion_client.c handle_tcp_onion)
 * reach the same handlers as UDP ones, matched by their sendbacks.
 *
 * Differences from c-toxcore, all allowed by the protocol: paths are drawn from the DHT's good
 * nodes and the relays proven to work, host first (paths.ts; c-toxcore draws uniformly from a
 * ring of 32 recent DHT and responsive nodes); a new announce node is
 * announced to at once (no skipped round); a friend search round asks every node of the
 * friend's list (c-toxcore spreads them out over the interval).
 */
import type { PackedNode } from '../../protocol/packed-node.js';
import type { Bytes } from '../../protocol/bytes.js';
import type { IpFamily, IpPort } from '../../protocol/ip-port.js';
import { decodeAnnounceResponseHeader } from '../../protocol/onion/index.js';
import type { Friend } from '../friends.js';
import { generateKeyPair, type KeyPair } from '../keys.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import type { OnionClientContext } from './context.js';
import { FriendSearches } from './friend-search.js';
import type { OnionNode } from './node-list.js';
import { OnionData } from './onion-data.js';
import { PathSet, RelayRecord } from './paths.js';
import { AnnounceRequests } from './requests.js';
import { SelfAnnounce } from './self-announce.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';

export type { OnionNode } from './node-list.js';

export class OnionClient implements TimedLayer {
  /** Our temporary "data" key pair: announced as data_public_key, opens onion data (0x86). */
  readonly dataKey: KeyPair;
  /** Relays proven or failed, shared by both path sets (paths.ts). */
  readonly relays: RelayRecord;
  readonly selfPaths: PathSet;
  readonly friendPaths: PathSet;
  private readonly requests: AnnounceRequests;
  private readonly self: Readonly<Record<IpFamily, SelfAnnounce>>;
  private readonly searches: FriendSearches;
  private readonly data: OnionData;

  constructor(readonly ctx: OnionClientContext) {
    this.dataKey = generateKeyPair(ctx.crypto, ctx.random);
    this.relays = new RelayRecord(ctx);
    this.selfPaths = new PathSet(ctx, 'self', this.relays);
    this.friendPaths = new PathSet(ctx, 'friends', this.relays);
    this.requests = new AnnounceRequests(ctx, this.dataKey, this.selfPaths, this.friendPaths, this.relays);
    this.self = {
      ipv4: new SelfAnnounce(ctx, this.requests, this.dataKey, 'ipv4'),
      ipv6: new SelfAnnounce(ctx, this.requests, this.dataKey, 'ipv6'),
    };
    this.searches = new FriendSearches(ctx, this.requests);
    this.data = new OnionData(ctx, this.searches, this.friendPaths, this.dataKey);
  }

  // ---- inspection ----------------------------------------------------------------------------

  /** Live nodes of the self-announce list of `family`, or of both lists. */
  selfNodes(family?: IpFamily): readonly OnionNode[] {
    if (family !== undefined) return this.self[family].nodes();
    return [...this.self.ipv4.nodes(), ...this.self.ipv6.nodes()];
  }

  /** Whether the self-announce list of `family` is active (its task runs). */
  isAnnouncing(family: IpFamily): boolean {
    return this.self[family].isActive;
  }

  /** Live nodes of a friend's search list. */
  friendNodes(friendHex: string): readonly OnionNode[] {
    return this.searches.nodes(friendHex);
  }

  stats(): { selfNodes: number; selfStored: number; searches: number; sendbacks: number; paths: number } {
    const now = this.ctx.now;
    return {
      selfNodes: this.selfNodes().length,
      selfStored: this.selfNodes().filter((n) => n.isStored !== 0).length,
      searches: this.searches.size,
      sendbacks: this.requests.size,
      paths: this.selfPaths.live(now).length + this.friendPaths.live(now).length,
    };
  }

  // ---- commands from the machines (through the engine) ---------------------------------------

  /** The announce task of `family` started: its self-announce list may send. */
  startAnnouncing(family: IpFamily): void {
    this.self[family].start();
  }

  /** The announce task of `family` stopped: its list is emptied and sends nothing more. */
  stopAnnouncing(family: IpFamily): void {
    this.self[family].stop();
  }

  /** One self-announce round for `family` (toxidAnnounce `onion.announceRound`; self-announce.ts). */
  announceRound(family: IpFamily, mode: 'searching' | 'announced' | 'stable'): void {
    this.self[family].round(mode);
  }

  /** Re-announce to one node of `family`'s list at once (toxidAnnounce `onion.announceTo`, after a fresh ping_id). */
  announceTo(family: IpFamily, nodeHex: string): void {
    this.self[family].announceTo(nodeHex);
  }

  /** A search round for a friend (dhtkeyShare `onion.searchFriend`; friend-search.ts). */
  searchFriend(f: Friend): void {
    this.searches.search(f);
  }

  /**
   * Sends our DHT-PK (156) over the onion through every node that stores the friend
   * (dhtkeyShare `onion.sendDhtPk`). Returns how many packets went out.
   */
  sendDhtPk(f: Friend): number {
    return this.data.sendDhtPk(f);
  }

  /**
   * Sends our DHT-PK as DHT request 0x20 id 156 towards the friend's DHT key (dhtkeyShare
   * `dht.sendDhtPk`). Returns how many packets went out.
   */
  sendDhtPkRoute(f: Friend, friendDhtKeyHex: string): number {
    return this.data.sendDhtPkRoute(f, friendDhtKeyHex);
  }

  /**
   * Sends a friend request `[0x20][nospam][message]` as onion data through every node that
   * stores the friend (for the messenger layer; c-toxcore's send path for FRIEND_ADDED).
   * Returns how many packets went out (0 when the friend is not found on the onion yet, or the
   * message is empty or longer than a c-toxcore receiver accepts, 943 bytes).
   */
  sendFriendRequest(f: Friend, nospam: Bytes, message: string | Bytes): number {
    return this.data.sendFriendRequest(f, nospam, message);
  }

  removeFriend(pkHex: string): void {
    this.searches.remove(pkHex);
    this.data.forgetFriend(pkHex);
    this.requests.forgetFriend(pkHex);
  }

  /** The DHT has its first good node (or a relay carries the onion): searches that found no node to start from go out now. */
  onDhtNodes(): void {
    this.searches.onDhtNodes();
  }

  /**
   * A bootstrap node (engine.bootstrap) is a path node for paths through a TCP relay
   * (onion_client.c onion_add_bs_path_node). False when its key or port is unusable.
   */
  addBootstrapNode(ipPort: IpPort, pk: Bytes): boolean {
    return this.relays.addBootstrap(pk, ipPort);
  }

  /** Up to `max` path nodes besides the DHT's, proven relays first (saved in a profile's PATH_NODE section). */
  pathNodes(max: number): PackedNode[] {
    return this.relays.pathNodes().slice(0, max).map((c) => ({ transport: 'udp' as const, ipPort: c.ipPort, publicKey: c.pk }));
  }

  /** Whether there are path nodes besides the DHT's (proven relays, bootstrap nodes) for paths through a relay. */
  hasPathNodes(): boolean {
    return this.relays.pathNodes().length > 0;
  }

  /**
   * Our announce node opened a self-announce (0x83) of friend `f` that came from exit relay
   * `retIpPort` with return path `ret` and data key `dataPk` (the announce node's
   * `announce.friendSighted`; friend-search.ts, "Local sightings").
   */
  friendAnnouncedHere(f: Friend, retIpPort: IpPort, ret: Bytes, dataPk: Bytes): void {
    this.searches.sighted(f, retIpPort, ret, dataPk);
  }

  // ---- responses -----------------------------------------------------------------------------

  handleResponse(from: IpPort, data: Uint8Array): void {
    if (data[0] === PACKET_ID.announce_response) this.handleAnnounceResponse(from, data);
    else this.data.handleDataResponse(data);
  }

  /**
   * An onion response that came back through the TCP relay at `relayAddress` (its ONION_RESPONSE;
   * onion_client.c handle_tcp_onion): only announce (0x84) and onion data (0x86) responses are
   * taken, and they go where UDP ones go. The relay's address stands for the source (c-toxcore
   * gives a TCP family, which is never LAN): nodes an answer names are asked if LAN ones may be.
   */
  handleTcpResponse(relayAddress: IpPort, data: Uint8Array): void {
    const id = data[0];
    if (id !== PACKET_ID.announce_response && id !== PACKET_ID.onion_data_response) return this.ctx.drop('onion.tcp_response_unexpected');
    this.ctx.count('onion.tcp_responses');
    this.handleResponse(relayAddress, data);
  }

  private handleAnnounceResponse(from: IpPort, data: Bytes): void {
    const h = decodeAnnounceResponseHeader(data);
    if (!h.ok) return this.ctx.drop('onion.announce_response_malformed');
    const answer = this.requests.open(h.value, (friendHex) => this.searches.get(friendHex));
    if (answer === null) return;
    if (answer.search) this.searches.answered(from, answer.sendback, answer.search, answer.response);
    // A self-announce answer belongs to the list of the announce node's family.
    else this.self[answer.sendback.nodeIpPort.family].answered(from, answer.sendback, answer.response);
  }

  // ---- timers ----------------------------------------------------------------------------------

  nextTimer(): LayerDeadline | null {
    let best: LayerDeadline | null = null;
    const consider = (at: number | null, reason: string): void => {
      if (at !== null && (best === null || at < best.at)) best = { at, reason };
    };
    consider(this.requests.nextExpiry(), 'onion sendback expires (10 s)');
    consider(this.self.ipv4.nextExpiry(), 'announce node times out (3 requests unanswered, 15 s)');
    consider(this.self.ipv6.nextExpiry(), 'announce node times out (3 requests unanswered, 15 s)');
    const search = this.searches.nextTimer();
    if (search) consider(search.at, search.reason);
    consider(this.selfPaths.nextExpiry(), 'onion path expires');
    consider(this.friendPaths.nextExpiry(), 'onion path expires');
    return best;
  }

  onTimer(now: number): void {
    this.requests.expire(now);
    this.self.ipv4.onTimer(now);
    this.self.ipv6.onTimer(now);
    this.searches.onTimer(now);
    this.selfPaths.expire(now);
    this.friendPaths.expire(now);
  }
}
