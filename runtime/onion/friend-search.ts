/**
 * Friend searches (docs/protocol.md §3.5, §3.8; c-toxcore 0.2.18 `toxcore/onion_client.c`
 * do_friend, handle_announce_response for a friend): finding the announce nodes that store a
 * friend, so that onion data (our DHT-PK, a friend request) can reach it.
 *
 * Per friend: a temporary key pair that signs the search requests, and a list of ≤ 8 nodes
 * closest to the friend's real key with the friend's data key from is_stored 1 answers. The
 * dhtkeyShare machine decides when to search (`search`); a round asks every node of the list
 * (c-toxcore spreads them out over the interval) and populates it from the DHT when it is at
 * most half full (or not full and last populated 600 s ago).
 *
 * Local sightings: when a friend announces itself at our own announce node (a 0x83 whose
 * sender is the friend's real key and that stores or refreshes its entry there: a valid ping_id,
 * a request not seen before — announce-server.ts), its return path and data key reach the friend
 * without any other node. The friend counts as found at once and onion data also goes straight
 * back along that return path as a 0x86, as our announce node would forward a 0x85. Without
 * this, a friend that announces only at us (a two-node network, or we are its closest node) is
 * found only by our next search round. A sighting lasts as long as the announce entry (300 s) and
 * is renewed by what renews the entry: a request without a valid ping_id, or a replayed one,
 * renews nothing (issue 13 item 9: a replay with another return path would send our onion data
 * for the friend there, long after it left).
 *
 * Reported (`onion.friendReachability`): whether onion data can reach the friend — enough of its
 * nodes store it (storing(): send_onion_data's rule) or it was sighted here — after every answer,
 * search round, sighting and timeout, with whether that changed. The engine tells the dhtkey
 * task and a pending friend request of a change, and brings a dhtkey task that missed one in
 * line (`search.found` while it still searches, `search.lost` while it still shares).
 */
import { equalBytes, type Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { AnnounceResponse } from '../../protocol/onion/index.js';
import { DeadlineHeap } from '../deadline-heap.js';
import type { Friend } from '../friends.js';
import { generateKeyPair } from '../keys.js';
import { ONION_ANNOUNCE_TIMEOUT_MS, ONION_FRIEND_NODES_MAX, ONION_FRIEND_POPULATE_REQUESTS, ONION_NODE_MAX_PINGS, ONION_POPULATE_TIMEOUT_MS } from './constants.js';
import type { OnionClientContext } from './context.js';
import { addToList, liveNodes, newNodeList, nodeExpiry, pruneList, ZERO_32, type NodeList, type OnionNode } from './node-list.js';
import type { AnnounceRequests, SearchKeys, Sendback } from './requests.js';

export interface FriendSearch extends SearchKeys {
  readonly list: NodeList;
  /** A search was asked for while the DHT had no node to build a path from. */
  waitingForNodes: boolean;
  /** Last reported: onion data can reach the friend. */
  found: boolean;
  /** The friend's latest self-announce at our own announce node (see the header), or null. */
  local: LocalSighting | null;
  /** Creation order (timers of several searches due at once are handled in this order). */
  readonly order: number;
}

/** A friend's self-announce seen at our announce node: where a 0x86 for it goes. */
export interface LocalSighting {
  /** The exit relay C the announce came from. */
  readonly retIpPort: IpPort;
  /** RETURN_3 of the friend's path. */
  readonly ret: Bytes;
  /** The friend's temporary data key (the 0x86 outer box is sealed to it). */
  readonly dataPk: Bytes;
  readonly seenAt: number;
}

export class FriendSearches {
  private readonly searches = new Map<string, FriendSearch>();
  /**
   * Each friend search's next timer (a list node times out, the local sighting expires), kept
   * up to date where they change, so that the layer's next timer is not a scan of every search
   * (an engine with thousands of friends asks for it after every input).
   */
  private readonly timers = new DeadlineHeap();
  private created = 0;

  constructor(
    private readonly ctx: OnionClientContext,
    private readonly requests: AnnounceRequests,
  ) {}

  get size(): number {
    return this.searches.size;
  }

  get(friendHex: string): FriendSearch | undefined {
    return this.searches.get(friendHex);
  }

  /** Live nodes of a friend's search list. */
  nodes(friendHex: string): OnionNode[] {
    const s = this.searches.get(friendHex);
    return s ? liveNodes(s.list, this.ctx.now) : [];
  }

  /** A search round for a friend (dhtkeyShare `onion.searchFriend`). */
  search(f: Friend): void {
    const s = this.searchOf(f);
    const now = this.ctx.now;
    const live = liveNodes(s.list, now);
    for (const n of live) {
      if (n.pingsSinceResponse >= ONION_NODE_MAX_PINGS) continue;
      if (this.requests.send({ kind: 'friend', search: s }, n.pk, n.ipPort, ZERO_32, null) !== null) {
        n.lastPinged = now;
        n.pingsSinceResponse++;
      }
    }
    const list = s.list;
    const stale = live.length < list.max && (list.lastPopulated === null || now - list.lastPopulated >= ONION_POPULATE_TIMEOUT_MS);
    if (live.length <= list.max / 2 || stale) {
      const sent = this.requests.populate({ kind: 'friend', search: s }, list, ONION_FRIEND_POPULATE_REQUESTS);
      s.waitingForNodes = sent === 0 && live.length === 0;
    }
    this.refreshTimer(s);
    this.reconcile(s);
  }

  /** The DHT has its first good node: searches that found no node to start from go out now. */
  onDhtNodes(): void {
    for (const s of this.searches.values()) if (s.waitingForNodes) this.search(s.friend);
  }

  remove(friendHex: string): void {
    this.searches.delete(friendHex);
    this.timers.set(friendHex, null);
  }

  /** An announce node answered a search for the friend (an opened 0x84, its sendback used up). */
  answered(from: IpPort, sb: Sendback, s: FriendSearch, res: AnnounceResponse): void {
    if (res.isStored >= 2) return this.ctx.drop('onion.search_response_bad_is_stored');
    const pathUsed = this.requests.answered(sb);
    addToList(this.ctx, s.list, sb.nodePk, sb.nodeIpPort, res.isStored, res.pingIdOrDataPk, pathUsed);
    this.requests.askNamedNodes({ kind: 'friend', search: s }, s.list, res.nodes, from);
    this.refreshTimer(s);
    this.ctx.count(res.isStored === 1 ? 'onion.search_found_at_node' : 'onion.search_response');
    this.reconcile(s);
  }

  /**
   * Our announce node opened a self-announce (0x83) of friend `f` that came from exit relay
   * `retIpPort` with return path `ret` and data key `dataPk` (see "Local sightings" above).
   */
  sighted(f: Friend, retIpPort: IpPort, ret: Bytes, dataPk: Bytes): void {
    if (equalBytes(dataPk, ZERO_32)) return;
    // A friend we refuse to connect to: its announce is stored for the network, but it is no way to reach it.
    if (f.policy === 'RefusingToConnect') return this.ctx.drop('policy.local_sighting');
    const s = this.searchOf(f);
    const previous = this.localSighting(s);
    s.local = { retIpPort, ret, dataPk, seenAt: this.ctx.now };
    this.refreshTimer(s);
    this.ctx.count('onion.friend_seen_local');
    if (s.found && (previous === null || !equalBytes(previous.dataPk, dataPk))) {
      // Already found elsewhere, but this is news: the first sighting here, or the friend's onion
      // client restarted (a new data key). What went to the old places may never arrive (they can
      // hold a return path through a node that is gone), so report the friend lost and found
      // again: the dhtkey task (and a pending friend request) send at once instead of in 30 s.
      this.ctx.count('onion.friend_relocated');
      s.found = false;
      this.ctx.report({ type: 'onion.friendReachability', friend: f, found: false, changed: true });
    }
    this.reconcile(s);
  }

  /**
   * The nodes onion data for the friend goes through: those that store it, provided at least
   * (alive − 1)/4 + 1 of the alive nodes do (send_onion_data's rule); otherwise none.
   */
  storing(s: FriendSearch): OnionNode[] {
    const live = liveNodes(s.list, this.ctx.now);
    const storing = live.filter((n) => n.isStored !== 0 && n.dataPk !== null);
    return live.length > 0 && storing.length >= Math.floor((live.length - 1) / 4) + 1 ? storing : [];
  }

  /** The friend's local sighting while it is younger than an announce entry's lifetime. */
  localSighting(s: FriendSearch): LocalSighting | null {
    return s.local !== null && this.ctx.now - s.local.seenAt < ONION_ANNOUNCE_TIMEOUT_MS ? s.local : null;
  }

  /** The earliest search timer: a list node times out, or a local sighting expires. */
  nextTimer(): { at: number; reason: string } | null {
    const top = this.timers.peek();
    if (!top) return null;
    const local = this.searches.get(top.key)?.local;
    const isLocal = local != null && local.seenAt + ONION_ANNOUNCE_TIMEOUT_MS === top.at;
    return { at: top.at, reason: isLocal ? "friend's local sighting expires (300 s)" : 'friend search node times out (3 requests unanswered, 15 s)' };
  }

  /** Drops timed-out list nodes and expired sightings of the searches whose timer is due. */
  onTimer(now: number): void {
    // Only searches whose timer is due can have a timed-out node or an expired sighting.
    const due: FriendSearch[] = [];
    for (const key of this.timers.due(now)) {
      const s = this.searches.get(key);
      if (s) due.push(s);
      else this.timers.set(key, null);
    }
    due.sort((a, b) => a.order - b.order);
    for (const s of due) {
      let changed = pruneList(this.ctx, s.list, now);
      if (s.local !== null && now - s.local.seenAt >= ONION_ANNOUNCE_TIMEOUT_MS) {
        s.local = null;
        changed = true;
      }
      this.refreshTimer(s);
      if (changed) this.reconcile(s);
    }
  }

  private searchOf(f: Friend): FriendSearch {
    let s = this.searches.get(f.pkHex);
    if (!s) {
      s = {
        friend: f,
        temp: generateKeyPair(this.ctx.crypto, this.ctx.random),
        list: newNodeList(f.pk, ONION_FRIEND_NODES_MAX),
        waitingForNodes: false,
        found: false,
        local: null,
        order: this.created++,
        sharedKeys: new Map(),
      };
      this.searches.set(f.pkHex, s);
    }
    return s;
  }

  /** Re-arms a search's timer after its list or its local sighting changed. */
  private refreshTimer(s: FriendSearch): void {
    const node = nodeExpiry(s.list);
    const local = s.local === null ? null : s.local.seenAt + ONION_ANNOUNCE_TIMEOUT_MS;
    this.timers.set(s.friend.pkHex, node === null ? local : local === null ? node : Math.min(node, local));
  }

  /** Reports whether onion data can reach the friend, and whether that changed (see the header). */
  private reconcile(s: FriendSearch): void {
    const found = this.storing(s).length > 0 || this.localSighting(s) !== null;
    if (found !== s.found) {
      s.found = found;
      this.ctx.count(found ? 'onion.friend_found' : 'onion.friend_lost');
      this.ctx.report({ type: 'onion.friendReachability', friend: s.friend, found, changed: true });
      return;
    }
    this.ctx.report({ type: 'onion.friendReachability', friend: s.friend, found, changed: false });
  }
}
