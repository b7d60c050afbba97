/**
 * The search lists (c-toxcore DHT.c friends_list / dht_addfriend): one per searched DHT key (a
 * friend's), holding the 8 nodes closest to it, shared by the friends that search the same key;
 * at most DHT_SEARCH_LIMIT keys (the oldest goes). Keys per host (hosts.ts, issue 13 item 4): at
 * most 2 per list, a closer key replacing the host's farthest one; a new key answering from a
 * listed node's address replaces it. Also each list's round state (the burst of random-node
 * requests after it fills from empty). The requests themselves are dht.ts's.
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { equalIpPort, type IpPort } from '../../protocol/ip-port.js';
import { xorDistanceCompare } from '../../protocol/keys.js';
import { DHT_BOOTSTRAP_BURST_ROUNDS, DHT_KEYS_PER_HOST_PER_SEARCH, DHT_SEARCH_LIMIT, DHT_SEARCH_LIST_SIZE } from './constants.js';
import { hostKey } from './hosts.js';
import { keyPrefix24, type DhtNode } from './node.js';

export interface SearchList {
  readonly target: Bytes;
  readonly targetHex: string;
  readonly friends: Set<string>;
  /** Sorted by distance to `target`, at most DHT_SEARCH_LIST_SIZE. */
  nodes: DhtNode[];
  burstLeft: number;
  lastRandom: number;
}

export class SearchLists {
  private readonly lists = new Map<string, SearchList>();
  /** friend hex → target hex */
  private readonly ofFriend = new Map<string, string>();

  constructor(private readonly count: (name: string) => void) {}

  get size(): number {
    return this.lists.size;
  }

  /** The list searching `targetHex`. */
  get(targetHex: string): SearchList | undefined {
    return this.lists.get(targetHex);
  }

  has(targetHex: string): boolean {
    return this.lists.has(targetHex);
  }

  values(): IterableIterator<SearchList> {
    return this.lists.values();
  }

  /** The list a friend's search uses. */
  listOf(friendHex: string): SearchList | undefined {
    const t = this.ofFriend.get(friendHex);
    return t === undefined ? undefined : this.lists.get(t);
  }

  /** Binds the friend's search to `dhtKeyHex` (leaving its previous key), opening the list if new. */
  open(friendHex: string, dhtKeyHex: string, now: number): SearchList {
    const previous = this.ofFriend.get(friendHex);
    if (previous && previous !== dhtKeyHex) this.stop(friendHex);
    let list = this.lists.get(dhtKeyHex);
    if (!list) {
      if (this.lists.size >= DHT_SEARCH_LIMIT) {
        const oldest = this.lists.keys().next().value as string;
        this.lists.delete(oldest);
        this.count('dht.search_evicted');
      }
      const target = hexToBytes(dhtKeyHex);
      list = { target, targetHex: dhtKeyHex, friends: new Set(), nodes: [], burstLeft: DHT_BOOTSTRAP_BURST_ROUNDS, lastRandom: now };
      this.lists.set(dhtKeyHex, list);
    }
    list.friends.add(friendHex);
    this.ofFriend.set(friendHex, dhtKeyHex);
    return list;
  }

  /** The friend no longer searches; a list nobody searches goes. */
  stop(friendHex: string): void {
    const target = this.ofFriend.get(friendHex);
    if (!target) return;
    this.ofFriend.delete(friendHex);
    const list = this.lists.get(target);
    if (!list) return;
    list.friends.delete(friendHex);
    if (list.friends.size === 0) this.lists.delete(target);
  }

  /** A node at `from` enters list `s` or is refreshed there; `answered`: it answered us from there. */
  addToSearch(s: SearchList, pk: Bytes, from: IpPort, answered: boolean, now: number): void {
    const hex = toHex(pk);
    const existing = s.nodes.find((n) => n.pkHex === hex);
    const host = hostKey(from);
    if (existing) {
      existing.ipPort = from;
      existing.host = host;
      if (answered) existing.lastHeard = now;
      return;
    }
    // A new key answering from a listed node's address replaces it (see CloseList.addToClose);
    // only an answer counts, never a claim in someone's nodes response.
    if (answered && s.nodes.some((n) => n.host === host && equalIpPort(n.ipPort, from))) {
      s.nodes = s.nodes.filter((n) => n.host !== host || !equalIpPort(n.ipPort, from));
    }
    const slot = this.slot(s, pk, host);
    if (slot === null) return;
    if (slot !== 'insert') s.nodes.splice(slot, 1);
    const wasEmpty = s.nodes.length === 0;
    s.nodes.push({ pk, pkHex: hex, p24: keyPrefix24(pk), ipPort: from, host, lastHeard: answered ? now : null, lastAsked: 0, addedAt: now });
    s.nodes.sort((a, b) => xorDistanceCompare(s.target, a.pk, b.pk));
    if (s.nodes.length > DHT_SEARCH_LIST_SIZE) s.nodes.length = DHT_SEARCH_LIST_SIZE;
    if (wasEmpty) s.burstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
  }

  /** A new node of `host` would take a place in list `s` (worth asking). */
  wouldEnter(s: SearchList, pk: Bytes, host: string): boolean {
    const hex = toHex(pk);
    if (s.nodes.some((n) => n.pkHex === hex)) return false;
    return this.slot(s, pk, host) !== null;
  }

  /** A new node of `host` would take a place in some list. */
  anyWouldEnter(pk: Bytes, host: string): boolean {
    for (const s of this.lists.values()) if (this.wouldEnter(s, pk, host)) return true;
    return false;
  }

  /**
   * Where a new node goes in a search list: 'insert' (room, or closer than the farthest), the
   * index of its host's farthest node it replaces (the host is at its limit and it is closer),
   * or null.
   */
  private slot(s: SearchList, pk: Bytes, host: string): 'insert' | number | null {
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
}

function hexToBytes(hex: string): Bytes {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
