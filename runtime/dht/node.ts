/**
 * A DHT node as the close list and the search lists hold it, and what is computed over lists of
 * them: good (heard within 122 s) or bad, the wire form, the closest ones to a key, and one key
 * per host in the nodes we hand out (hosts.ts).
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import { DHT_BAD_NODE_TIMEOUT_MS, DHT_KEYS_PER_HOST_PER_ANSWER } from './constants.js';

export interface DhtNode {
  readonly pk: Bytes;
  readonly pkHex: string;
  /**
   * The key's first 3 bytes as a number (keyPrefix24): closest() compares these before whole
   * keys. The tables always set it; a node made without it (a test's) is read from `pk`.
   */
  readonly p24?: number;
  ipPort: IpPort;
  /** hostKey(ipPort), kept with it. */
  host: string;
  /** Last valid response from this node (null: never answered yet). */
  lastHeard: number | null;
  /** Last nodes request we sent it. */
  lastAsked: number;
  readonly addedAt: number;
}

/** Heard from within DHT_BAD_NODE_TIMEOUT_MS: handed out, not replaceable. */
export function isGood(n: DhtNode, now: number): boolean {
  return n.lastHeard !== null && now - n.lastHeard < DHT_BAD_NODE_TIMEOUT_MS;
}

/** The node as a nodes response, an announce answer or a DHT-PK lists it. */
export function toPacked(n: DhtNode): PackedNode {
  return { transport: 'udp', ipPort: n.ipPort, publicKey: n.pk };
}

/** The first `count` of `nodes` (sorted by distance) keeping DHT_KEYS_PER_HOST_PER_ANSWER per host. */
export function onePerHost(nodes: DhtNode[], count: number): DhtNode[] {
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

/**
 * The first 3 bytes of a key as a number: a small integer V8 keeps inside the node object, so
 * that closest() reads no key bytes for most nodes (a cache miss each in a large simulation).
 */
export function keyPrefix24(k: Bytes): number {
  return (k[0]! << 16) | (k[1]! << 8) | k[2]!;
}

/**
 * The nodes closest to a target, at most `limit`, sorted by XOR distance (a node goes after
 * those at its distance, so the order offered breaks ties): each node's distance prefix (its
 * key's first 3 bytes XOR the target's) is compared as a number; only equal prefixes compare
 * the whole keys. The closest() hot loop: `wouldTake` first (no key bytes read for most nodes),
 * then `insert`.
 */
export class ClosestNodes {
  readonly nodes: DhtNode[] = [];
  private readonly dist: number[] = [];
  private readonly t24: number;

  constructor(
    private readonly target: Bytes,
    private readonly limit: number,
  ) {
    this.t24 = keyPrefix24(target);
  }

  get length(): number {
    return this.nodes.length;
  }

  /** A node whose key starts with `p24` may be kept (false: it is farther than every kept node). */
  mightTake(p24: number): boolean {
    const len = this.nodes.length;
    return len < this.limit || (len > 0 && (this.t24 ^ p24) <= this.dist[len - 1]!);
  }

  /** `n` would be kept (it is closer than the farthest kept node, or there is room). */
  wouldTake(n: DhtNode): boolean {
    const len = this.nodes.length;
    if (len < this.limit) return true;
    return len > 0 && this.compare(this.t24 ^ (n.p24 ?? keyPrefix24(n.pk)), n, len - 1) < 0;
  }

  /** Keeps `n` in its place (call after `wouldTake` said yes); the farthest goes if full. */
  insert(n: DhtNode): void {
    const { nodes, dist } = this;
    const d = this.t24 ^ (n.p24 ?? keyPrefix24(n.pk));
    let len = nodes.length;
    if (len === this.limit) len--;
    let i = len;
    while (i > 0 && this.compare(d, n, i - 1) < 0) {
      nodes[i] = nodes[i - 1]!;
      dist[i] = dist[i - 1]!;
      i--;
    }
    nodes[i] = n;
    dist[i] = d;
  }

  offer(n: DhtNode): void {
    if (this.wouldTake(n)) this.insert(n);
  }

  /** Distance of (`d`, `n`) against the node at `j`: negative when closer. */
  private compare(d: number, n: DhtNode, j: number): number {
    const dj = this.dist[j]!;
    if (d !== dj) return d < dj ? -1 : 1;
    return compareDistance(this.target, n.pk, this.nodes[j]!.pk);
  }
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
