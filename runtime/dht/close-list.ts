/**
 * The close list (docs/protocol.md §2.3, c-toxcore DHT.c close_clientlist): 128 buckets × 8 by
 * leading bits in common with our DHT key. A new node takes a slot only when its bucket has room
 * or holds a bad node (not heard for 122 s); nodes not heard for 182 s are dropped (`dropDead`).
 * Keys per host (hosts.ts, issue 13 item 4): at most 2 per bucket and 4 in the whole list; a new
 * key answering from the address of a listed node replaces it (c-toxcore's one key per IP:port).
 * Also the list's round state: the burst of random-node requests after it fills from empty.
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { equalIpPort, type IpPort } from '../../protocol/ip-port.js';
import { bucketIndex } from '../../protocol/keys.js';
import {
  DHT_BOOTSTRAP_BURST_ROUNDS,
  DHT_BUCKET_SIZE,
  DHT_KEYS_PER_HOST_CLOSE,
  DHT_KEYS_PER_HOST_PER_BUCKET,
  DHT_KILL_NODE_TIMEOUT_MS,
} from './constants.js';
import { hostKey } from './hosts.js';
import { isGood, keyPrefix24, type DhtNode } from './node.js';

export class CloseList {
  private readonly buckets = new Map<number, DhtNode[]>();
  /** Nodes by host (hosts.ts): at most DHT_KEYS_PER_HOST_CLOSE each. */
  private readonly byHost = new Map<string, DhtNode[]>();
  /** Rounds left in which a random good node is asked (DHT.c MAX_BOOTSTRAP_TIMES). */
  burstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
  /** When a random good node was last asked. */
  lastRandom = 0;

  constructor(
    private readonly ownPk: Bytes,
    private readonly count: (name: string) => void,
  ) {}

  get isEmpty(): boolean {
    return this.buckets.size === 0;
  }

  /** `flat()`'s arrays, rebuilt after the list's membership changed. */
  private flatCache: { readonly nodes: readonly DhtNode[]; readonly p24: Int32Array } | null = null;

  /**
   * Every node (in the order of `nodes()`) with its key's 3-byte prefix in a parallel typed array,
   * kept between membership changes: closest() scans the prefixes without visiting each node.
   */
  flat(): { readonly nodes: readonly DhtNode[]; readonly p24: Int32Array } {
    if (this.flatCache === null) {
      const nodes = this.nodes();
      const p24 = new Int32Array(nodes.length);
      for (let i = 0; i < nodes.length; i++) p24[i] = nodes[i]!.p24 ?? keyPrefix24(nodes[i]!.pk);
      this.flatCache = { nodes, p24 };
    }
    return this.flatCache;
  }

  /** Every node, bucket by bucket. */
  nodes(): DhtNode[] {
    const out: DhtNode[] = [];
    for (const b of this.buckets.values()) out.push(...b);
    return out;
  }

  /** Calls `fn` on every node, in the order of `nodes()` (no copy: the closest() hot loop). */
  forEach(fn: (n: DhtNode) => void): void {
    for (const b of this.buckets.values()) for (const n of b) fn(n);
  }

  goodCount(now: number): number {
    let n = 0;
    for (const b of this.buckets.values()) for (const x of b) if (isGood(x, now)) n++;
    return n;
  }

  /** Some node is good (stops at the first: checked after every answer). */
  hasGood(now: number): boolean {
    for (const b of this.buckets.values()) for (const x of b) if (isGood(x, now)) return true;
    return false;
  }

  /** A node by key (`pk`, when the caller has the bytes, finds its bucket directly). */
  find(pkHex: string, pk?: Bytes): DhtNode | undefined {
    if (pk !== undefined) return this.buckets.get(bucketIndex(this.ownPk, pk))?.find((n) => n.pkHex === pkHex);
    for (const b of this.buckets.values()) for (const n of b) if (n.pkHex === pkHex) return n;
    return undefined;
  }

  /** A node answered from `from`: it enters the list or is refreshed (and moved) there. */
  addToClose(pk: Bytes, from: IpPort, now: number): void {
    const idx = bucketIndex(this.ownPk, pk);
    const hex = toHex(pk);
    const host = hostKey(from);
    const existing = this.buckets.get(idx)?.find((n) => n.pkHex === hex);
    if (existing) {
      existing.lastHeard = now;
      if (equalIpPort(existing.ipPort, from)) return;
      // It moved: counted under its new host, and dropped if that host has no room for it.
      this.remove(existing);
      existing.ipPort = from;
      existing.host = host;
    } else {
      // c-toxcore's floor (DHT.c client_or_ip_port_in_list): a new key answering from a known
      // node's address replaces that node (it restarted with a new key, or never was).
      for (const n of [...(this.byHost.get(host) ?? [])]) {
        if (equalIpPort(n.ipPort, from)) {
          this.remove(n);
          this.count('dht.address_new_key');
        }
      }
    }
    const node: DhtNode = existing ?? { pk, pkHex: hex, p24: keyPrefix24(pk), ipPort: from, host, lastHeard: now, lastAsked: now, addedAt: now };
    const b = this.buckets.get(idx) ?? [];
    if (b.includes(node)) return;
    const slot = this.slot(b, host, now);
    if (slot === null) {
      if (this.hostFull(b, host)) this.count('dht.host_limit');
      return;
    }
    if (this.buckets.size === 0) this.burstLeft = DHT_BOOTSTRAP_BURST_ROUNDS;
    this.flatCache = null;
    if (slot === 'append') b.push(node);
    else {
      this.unhost(b[slot]!);
      b[slot] = node;
    }
    this.buckets.set(idx, b);
    this.hostCounted(node);
  }

  /** A new node of `host` would take a place (worth asking). */
  wouldEnter(pk: Bytes, host: string, now: number): boolean {
    const b = this.buckets.get(bucketIndex(this.ownPk, pk)) ?? [];
    const hex = toHex(pk);
    if (b.some((n) => n.pkHex === hex)) return false;
    return this.slot(b, host, now) !== null;
  }

  /** Drops every node not heard for DHT_KILL_NODE_TIMEOUT_MS (DHT.c KILL_NODE_TIMEOUT). */
  dropDead(now: number): void {
    for (const [idx, b] of this.buckets) {
      const alive = b.filter((n) => n.lastHeard !== null && now - n.lastHeard < DHT_KILL_NODE_TIMEOUT_MS);
      if (alive.length === b.length) continue;
      this.flatCache = null;
      for (const n of b) if (!alive.includes(n)) this.unhost(n);
      if (alive.length === 0) this.buckets.delete(idx);
      else this.buckets.set(idx, alive);
    }
  }

  /** Counts a node under its host. */
  private hostCounted(n: DhtNode): void {
    const list = this.byHost.get(n.host);
    if (list) list.push(n);
    else this.byHost.set(n.host, [n]);
  }

  /** Forgets a node's place under its host (not its bucket place). */
  private unhost(n: DhtNode): void {
    const list = this.byHost.get(n.host);
    if (!list) return;
    const i = list.indexOf(n);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byHost.delete(n.host);
  }

  /** Takes a node out of the list. */
  private remove(n: DhtNode): void {
    this.flatCache = null;
    const idx = bucketIndex(this.ownPk, n.pk);
    const b = this.buckets.get(idx);
    if (b) {
      const i = b.indexOf(n);
      if (i >= 0) b.splice(i, 1);
      if (b.length === 0) this.buckets.delete(idx);
    }
    this.unhost(n);
  }

  /**
   * Where a new node of `host` goes in bucket `b`: 'append', the index of the node it replaces
   * (a bad one; of its own host when the host is at its limit in the bucket), or null (no room).
   */
  private slot(b: readonly DhtNode[], host: string, now: number): 'append' | number | null {
    if (this.hostFull(b, host)) {
      const bad = b.findIndex((n) => n.host === host && !isGood(n, now));
      return bad < 0 ? null : bad;
    }
    if (b.length < DHT_BUCKET_SIZE) return 'append';
    const bad = b.findIndex((n) => !isGood(n, now));
    return bad < 0 ? null : bad;
  }

  /** The host has its most keys in bucket `b`, or in the whole list. */
  private hostFull(b: readonly DhtNode[], host: string): boolean {
    const inList = this.byHost.get(host);
    if (inList === undefined) return false;
    if (inList.length >= DHT_KEYS_PER_HOST_CLOSE) return true;
    let inBucket = 0;
    for (const n of b) if (n.host === host) inBucket++;
    return inBucket >= DHT_KEYS_PER_HOST_PER_BUCKET;
  }
}
