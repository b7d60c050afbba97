/**
 * The onion client's lists of announce nodes (c-toxcore 0.2.18 `toxcore/onion_client.c`
 * Onion_Node, client_add_to_list, good_to_ping): the self-announce list (≤ 12 nodes closest to
 * our real key, MAX_ONION_CLIENTS_ANNOUNCE) and each friend search's list (≤ 8 closest to the
 * friend's real key, MAX_ONION_CLIENTS).
 *
 * A node enters a list when it answers: it refreshes its place, or takes a free place or one of a
 * timed-out node, or replaces the node farthest from the list's key if it is closer. In a list at
 * most 2 nodes of one host (an IP: the context's `hostOf`), a closer key replacing the host's
 * farthest (ONION_NODES_PER_HOST). A node times out after 3 unanswered requests once the last is
 * 15 s old. Each list also remembers the last 9 nodes asked because a response named them (not
 * asked again within 10 s).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { xorDistanceCompare } from '../../protocol/keys.js';
import { ONION_NODE_MAX_PINGS, ONION_NODE_TIMEOUT_MS, ONION_NODES_PER_HOST } from './constants.js';
import type { OnionPathContext } from './context.js';

export const ZERO_32 = new Uint8Array(32);

/** What the list operations use of the layer context. */
export type NodeListContext = Pick<OnionPathContext, 'now' | 'count' | 'hostOf'>;

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

export interface NodeList {
  /** The key the list is sorted around: our real key, or the friend's. */
  readonly target: Bytes;
  readonly max: number;
  nodes: OnionNode[];
  /** Nodes recently asked because a response named them (good_to_ping). */
  recentlyAsked: Array<{ pkHex: string; at: number }>;
  lastPopulated: number | null;
}

export function newNodeList(target: Bytes, max: number): NodeList {
  return { target, max, nodes: [], recentlyAsked: [], lastPopulated: null };
}

export function isTimedOut(n: OnionNode, now: number): boolean {
  return n.pingsSinceResponse >= ONION_NODE_MAX_PINGS && n.lastPinged !== null && now - n.lastPinged >= ONION_NODE_TIMEOUT_MS;
}

/** The nodes of a list that have not timed out. */
export function liveNodes(list: NodeList, now: number): OnionNode[] {
  return list.nodes.filter((n) => !isTimedOut(n, now));
}

/** Drops the timed-out nodes of a list (counted); true when there were any. */
export function pruneList(ctx: NodeListContext, list: NodeList, now: number): boolean {
  const before = list.nodes.length;
  list.nodes = list.nodes.filter((n) => !isTimedOut(n, now));
  if (list.nodes.length === before) return false;
  ctx.count('onion.node_timed_out', before - list.nodes.length);
  return true;
}

/** When a node of `list` times out next: 3 requests unanswered and the last 15 s old. */
export function nodeExpiry(list: NodeList): number | null {
  let at: number | null = null;
  for (const n of list.nodes) {
    if (n.pingsSinceResponse >= ONION_NODE_MAX_PINGS && n.lastPinged !== null) {
      const t = n.lastPinged + ONION_NODE_TIMEOUT_MS;
      if (at === null || t < at) at = t;
    }
  }
  return at;
}

/**
 * client_add_to_list: refresh a known node; else take a free or timed-out place, or replace
 * the farthest node if this one is closer to the list's key. Returns the node, or null when
 * it does not belong in the list.
 */
export function addToList(
  ctx: NodeListContext,
  list: NodeList,
  pk: Bytes,
  ipPort: IpPort,
  isStored: number,
  field: Bytes,
  pathId: number | null,
): OnionNode | null {
  const now = ctx.now;
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
    const ofHost = hostPlace(ctx, list, pk, ipPort);
    if (ofHost === null) {
      ctx.count('onion.list_host_limit');
      return null;
    }
    if (ofHost !== 'room') {
      list.nodes[ofHost] = fresh;
      ctx.count('onion.list_replaced');
    } else if (list.nodes.length < list.max) list.nodes.push(fresh);
    else {
      const dead = list.nodes.findIndex((n) => isTimedOut(n, now));
      let at = dead;
      if (at < 0) {
        at = 0;
        list.nodes.forEach((n, i) => {
          if (xorDistanceCompare(list.target, n.pk, list.nodes[at]!.pk) > 0) at = i;
        });
        if (xorDistanceCompare(list.target, pk, list.nodes[at]!.pk) >= 0) return null;
      }
      list.nodes[at] = fresh;
      ctx.count('onion.list_replaced');
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

/** Whether a node not in the list would enter it if it answered. */
export function wouldEnter(ctx: NodeListContext, list: NodeList, pk: Bytes, ipPort: IpPort): boolean {
  const ofHost = hostPlace(ctx, list, pk, ipPort);
  if (ofHost === null) return false;
  if (ofHost !== 'room') return true;
  const live = liveNodes(list, ctx.now);
  if (live.length < list.max) return true;
  return live.some((n) => xorDistanceCompare(list.target, pk, n.pk) < 0);
}

/**
 * A list holds at most ONION_NODES_PER_HOST live nodes of one host: 'room' when the host of
 * `ipPort` has fewer; else the index of its farthest node, which a closer key replaces; else null.
 */
function hostPlace(ctx: NodeListContext, list: NodeList, pk: Bytes, ipPort: IpPort): 'room' | number | null {
  const host = ctx.hostOf(ipPort);
  const now = ctx.now;
  let count = 0;
  let farthest = -1;
  list.nodes.forEach((n, i) => {
    if (isTimedOut(n, now) || ctx.hostOf(n.ipPort) !== host) return;
    count++;
    if (farthest < 0 || xorDistanceCompare(list.target, n.pk, list.nodes[farthest]!.pk) > 0) farthest = i;
  });
  if (count < ONION_NODES_PER_HOST) return 'room';
  return xorDistanceCompare(list.target, pk, list.nodes[farthest]!.pk) < 0 ? farthest : null;
}
