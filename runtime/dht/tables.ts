/**
 * What the DHT node knows, shared by its parts (dht.ts: commands and the round; packets.ts: the
 * packet handlers): the close list, the search lists, our pending requests, the address under
 * which others see us, whether we are connected; the queries over all of them; and the one
 * request every part sends, the nodes request.
 *
 * The nodes we hand out (closest) hold one key per host (hosts.ts).
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { sealNodesRequest } from '../../protocol/dht/index.js';
import { isLanAddress, type IpPort } from '../../protocol/ip-port.js';
import { CloseList } from './close-list.js';
import type { DhtContext } from './context.js';
import { ClosestNodes, isGood, onePerHost, type DhtNode } from './node.js';
import { PendingRequests } from './pending.js';
import { SearchLists } from './searches.js';

export class DhtTables {
  readonly close: CloseList;
  readonly searches: SearchLists;
  readonly pending: PendingRequests;
  /** Our address as the last node that named us in a nodes response sees it. */
  apparent: { readonly ipPort: IpPort; readonly at: number } | null = null;
  /** Whether the close list had a good node at the last check (`dht.connected` on the rise). */
  wasConnected = false;

  constructor(readonly ctx: DhtContext) {
    const count = (name: string): void => ctx.count(name);
    this.close = new CloseList(ctx.keys.dht.publicKey, count);
    this.searches = new SearchLists(count);
    this.pending = new PendingRequests(ctx.random, count);
  }

  get ownPk(): Bytes {
    return this.ctx.keys.dht.publicKey;
  }

  isGood(n: DhtNode, now = this.ctx.now): boolean {
    return isGood(n, now);
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
    for (const n of this.close.nodes()) consider(n);
    for (const s of this.searches.values()) for (const n of s.nodes) consider(n);
    return out;
  }

  /** True when at least one close-list node is good. */
  isConnected(): boolean {
    return this.close.hasGood(this.ctx.now);
  }

  /** Any known node (close list or search lists) by key. */
  findAny(pkHex: string, pk?: Bytes): DhtNode | undefined {
    const c = this.close.find(pkHex, pk);
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
    const now = this.ctx.now;
    const exclude = opts.exclude;
    const good = new ClosestNodes(target, keep);
    const wanted = (n: DhtNode): boolean => n.pkHex !== exclude && (lanOk || !isLanAddress(n.ipPort));
    // The close list's scan reads the flat array of key prefixes and visits a node only when its
    // distance could place it (most are farther than the farthest kept): the loop's cost was its
    // memory reads, one node object each, in a heap of thousands of engines.
    const flat = this.close.flat();
    for (let i = 0; i < flat.nodes.length; i++) {
      if (!good.mightTake(flat.p24[i]!)) continue;
      const n = flat.nodes[i]!;
      if (isGood(n, now) && good.wouldTake(n) && wanted(n)) good.insert(n);
    }
    // Search-list nodes not in the close list, each key once.
    const extra: DhtNode[] = [];
    if (this.searches.size > 0) {
      const seen = new Set<string>();
      for (const s of this.searches.values())
        for (const n of s.nodes) {
          if (seen.has(n.pkHex) || this.close.find(n.pkHex, n.pk) !== undefined) continue;
          seen.add(n.pkHex);
          extra.push(n);
          if (isGood(n, now) && good.wouldTake(n) && wanted(n)) good.insert(n);
        }
    }
    if (good.length > 0) return onePerHost(good.nodes, count);
    // No good node: the closest of those known (rare: a node just starting).
    const other = new ClosestNodes(target, keep);
    for (const n of flat.nodes) if (other.wouldTake(n) && wanted(n)) other.insert(n);
    for (const n of extra) if (other.wouldTake(n) && wanted(n)) other.insert(n);
    return onePerHost(other.nodes, count);
  }

  /** Sends a nodes request for `target` and remembers its ping id for 5 s. */
  sendNodesRequest(pk: Bytes, to: IpPort, target: Bytes): void {
    const ctx = this.ctx;
    if (equalBytes(pk, this.ownPk)) return;
    const hex = toHex(pk);
    const pingId = this.pending.newPingId(hex, to, 'nodes', ctx.now);
    const shared = ctx.keys.dhtShared(pk);
    ctx.send(to, sealNodesRequest(ctx.crypto, shared, this.ownPk, this.nonce(), { searchedPk: target, pingId }));
    const known = this.findAny(hex, pk);
    if (known) known.lastAsked = ctx.now;
    ctx.count('dht.nodes_requests_sent');
  }

  nonce(): Bytes {
    return this.ctx.random.bytes(24);
  }
}
