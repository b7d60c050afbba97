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

/** Inserts `n` into `best` (sorted by distance to `target`, at most `count` long) if it belongs there. */
export function insertClosest(best: DhtNode[], n: DhtNode, target: Bytes, count: number): void {
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
