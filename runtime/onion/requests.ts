/**
 * The onion client's announce requests (0x83) and the sendbacks that match their answers
 * (docs/protocol.md §3.4, §3.5; c-toxcore 0.2.18 `toxcore/onion_client.c` client_send_announce_request,
 * new_sendback / check_sendback, client_ping_nodes, handle_announce_response).
 *
 * A request goes through the onion to one announce node along a path of the self-announce set
 * (signed with our real key: searched key = ours, data key = our temporary data key) or of the
 * friend set (a friend search, signed with the search's temporary key: searched key = the
 * friend's, data key and ping_id zero). Each carries an 8-byte sendback naming what it was for,
 * the node asked and the path used: valid 10 s, at most 4096 (the oldest evicted, counted). An
 * answer is opened only under a live sendback, which it uses up.
 *
 * Also here, the requests to nodes not in a list yet: up to a few random good DHT nodes of
 * distinct hosts (populating a list), and the nodes an answer names that would enter the list
 * (not one asked within the last 10 s). While the DHT has no good node and a TCP relay carries the
 * onion (UDP off, or not connected yet), a list is populated from the path nodes instead: the
 * relays proven and the bootstrap nodes (onion_client.c do_announce and do_friend draw from
 * path_nodes, or path_nodes_bs while it is empty).
 *
 * A request along a path through a TCP relay goes to the relay as an ONION_REQUEST
 * (send_onion_packet_tcp_udp → onion.c create_onion_packet_tcp → TCP_connection.c
 * tcp_send_onion_request); its answer comes back over the relay and is matched by its sendback
 * like any other (client.ts handleTcpResponse).
 */
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { isLanAddress, unmapIpv4, type IpFamily, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  openAnnounceResponse,
  sealAnnounceRequest,
  sealOnionRequest,
  type AnnounceResponse,
  type AnnounceResponseHeader,
} from '../../protocol/onion/index.js';
import { sealOnionRequestTcp } from '../../protocol/onion/onion-request-tcp.js';
import type { Friend } from '../friends.js';
import { sharedKeyOf, type KeyPair } from '../keys.js';
import { ONION_LAST_PINGED_MAX, ONION_MIN_NODE_PING_TIME_MS, ONION_SENDBACK_LIMIT, ONION_SENDBACK_TIMEOUT_MS } from './constants.js';
import type { DhtNodeInfo, OnionClientContext } from './context.js';
import { wouldEnter, ZERO_32, type NodeList } from './node-list.js';
import type { Path, PathSet, RelayRecord } from './paths.js';

/**
 * Shared keys (search temp key × announce node) kept per friend search: its list nodes are asked
 * every round and answer on the same key, which c-toxcore recomputes (an X25519) for every
 * request and every answer. Oldest dropped beyond this (the list holds 8; populating asks others).
 */
export const ONION_SEARCH_SHARED_KEYS_MAX = 16;

/** What a friend search signs its requests with. */
export interface SearchKeys {
  readonly friend: Friend;
  /** Per-friend temporary key pair that signs the search requests. */
  readonly temp: KeyPair;
  /** shared(temp sk, node pk) by node key, at most ONION_SEARCH_SHARED_KEYS_MAX. */
  readonly sharedKeys: Map<string, Bytes>;
}

/**
 * What an announce request is for: our self-announce at announce nodes of one address family
 * (the tox4id / tox6id task's list), or a friend search.
 */
export type AnnounceTarget = { readonly kind: 'self'; readonly family: IpFamily } | { readonly kind: 'friend'; readonly search: SearchKeys };

export interface Sendback {
  /** null for self-announce, else the searched friend. */
  readonly friendHex: string | null;
  readonly nodePk: Bytes;
  readonly nodeIpPort: IpPort;
  readonly pathId: number;
  readonly expires: number;
}

/** An opened announce answer, with the sendback it used up (and the friend search it was for). */
export interface AnnounceAnswer<S extends SearchKeys> {
  readonly sendback: Sendback;
  /** The friend search, or undefined for a self-announce answer. */
  readonly search: S | undefined;
  readonly response: AnnounceResponse;
}

/** shared(the search's temp sk, node pk), kept per search (ONION_SEARCH_SHARED_KEYS_MAX). */
export function searchShared(ctx: Pick<OnionClientContext, 'crypto'>, s: SearchKeys, nodePk: Bytes): Bytes {
  const hex = toHex(nodePk);
  const hit = s.sharedKeys.get(hex);
  if (hit) return hit;
  const key = sharedKeyOf(ctx.crypto, nodePk, s.temp.secretKey);
  s.sharedKeys.set(hex, key);
  if (s.sharedKeys.size > ONION_SEARCH_SHARED_KEYS_MAX) s.sharedKeys.delete(s.sharedKeys.keys().next().value as string);
  return key;
}

/**
 * Seals `payload` for `dest` in the three layers of `path` and sends it to the path's first node;
 * along a path through a TCP relay, in layers 2 and 3 only, to the relay (create_onion_packet_tcp).
 */
export function sendThrough(ctx: Pick<OnionClientContext, 'crypto' | 'random' | 'send' | 'tcpOnion' | 'count'>, path: Path, dest: IpPort, payload: Bytes): void {
  const nonce = ctx.random.bytes(24);
  if (path.tcpRelay !== null) {
    if (ctx.tcpOnion.send(path.tcpRelay, sealOnionRequestTcp(ctx.crypto, path.codec, nonce, dest, payload))) ctx.count('onion.tcp_requests_sent');
    else ctx.count('onion.tcp_request_unsent');
    return;
  }
  ctx.send(path.hops[0]!.ipPort, sealOnionRequest(ctx.crypto, path.codec, nonce, dest, payload));
}

export class AnnounceRequests {
  private readonly sendbacks = new Map<string, Sendback>();

  constructor(
    private readonly ctx: OnionClientContext,
    /** Our temporary data key (announced as data_public_key). */
    private readonly dataKey: KeyPair,
    private readonly selfPaths: PathSet,
    private readonly friendPaths: PathSet,
    private readonly relays: RelayRecord,
  ) {}

  /** Live sendbacks (diagnostics). */
  get size(): number {
    return this.sendbacks.size;
  }

  /**
   * One announce request (0x83) through the onion to node `pk` at `ipPort` (see the header).
   * Returns the id of the path used, or null when no path could be built.
   */
  send(target: AnnounceTarget, pk: Bytes, ipPort: IpPort, pingId: Bytes, pathId: number | null): number | null {
    const paths = target.kind === 'self' ? this.selfPaths : this.friendPaths;
    const path = paths.use(pathId, { asking: toHex(pk) });
    if (!path) {
      this.ctx.count('onion.no_path');
      return null;
    }
    const { crypto, keys, random } = this.ctx;
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
      request = sealAnnounceRequest(crypto, searchShared(this.ctx, s, pk), s.temp.publicKey, random.bytes(24), {
        pingId: ZERO_32,
        searchedPk: s.friend.pk,
        dataPk: ZERO_32,
        sendback,
      });
    }
    sendThrough(this.ctx, path, ipPort, request);
    this.ctx.count(target.kind === 'self' ? 'onion.announce_sent' : 'onion.search_sent');
    return path.id;
  }

  /**
   * Announce requests (ping_id zero) to up to `count` random good DHT nodes (path nodes, see the
   * header, while the DHT has none and a relay carries the onion) that are not in the list yet (c-toxcore also picks list members, which only repeats their requests), drawn host
   * first and from distinct hosts (keys made by the thousand on one IP get one request, not most
   * of them); returns how many went out.
   */
  populate(target: AnnounceTarget, list: NodeList, count: number): number {
    let candidates: readonly DhtNodeInfo[] = this.ctx.dht.goodNodes();
    // No good DHT node: through a TCP relay, the path nodes are where announce nodes are found (see the header).
    if (candidates.length === 0 && this.ctx.tcpOnion.hasRelay()) candidates = this.relays.pathNodes();
    const good = candidates.filter((n) => (target.kind !== 'self' || n.ipPort.family === target.family) && !list.nodes.some((x) => x.pkHex === n.pkHex));
    if (good.length === 0) return 0;
    list.lastPopulated = this.ctx.now;
    const byHost = new Map<string, DhtNodeInfo[]>();
    for (const n of good) {
      const of = byHost.get(n.host);
      if (of) of.push(n);
      else byHost.set(n.host, [n]);
    }
    const hosts = [...byHost.values()];
    let sent = 0;
    for (let i = 0; i < count && hosts.length > 0; i++) {
      const of = hosts.splice(this.ctx.random.int(hosts.length), 1)[0]!;
      const n = of[this.ctx.random.int(of.length)]!;
      if (this.send(target, n.pk, n.ipPort, ZERO_32, null) !== null) sent++;
    }
    return sent;
  }

  /** client_ping_nodes: nodes named in a response that would enter the list are asked at once. */
  askNamedNodes(target: AnnounceTarget, list: NodeList, nodes: readonly PackedNode[], from: IpPort): void {
    const now = this.ctx.now;
    const lanOk = isLanAddress(from);
    for (const named of nodes) {
      // One identity per peer: an IPv4-mapped IPv6 address is the IPv4 address.
      const n = { ...named, ipPort: unmapIpv4(named.ipPort) };
      if (n.transport !== 'udp' || (!lanOk && isLanAddress(n.ipPort))) continue;
      // A self list holds nodes of its own family; no list holds nodes we cannot reach.
      if (target.kind === 'self' ? n.ipPort.family !== target.family : !this.ctx.reaches(n.ipPort)) {
        this.ctx.count('onion.node_other_family');
        continue;
      }
      if (!isValidPublicKey(n.publicKey)) {
        this.ctx.drop('onion.node_invalid_public_key');
        continue;
      }
      if (n.ipPort.port === 0) {
        this.ctx.drop('onion.node_port_zero');
        continue;
      }
      const hex = toHex(n.publicKey);
      if (list.nodes.some((x) => x.pkHex === hex)) continue;
      if (!wouldEnter(this.ctx, list, n.publicKey, n.ipPort)) continue;
      if (list.recentlyAsked.some((r) => r.pkHex === hex && now - r.at < ONION_MIN_NODE_PING_TIME_MS)) continue;
      list.recentlyAsked.push({ pkHex: hex, at: now });
      if (list.recentlyAsked.length > ONION_LAST_PINGED_MAX) list.recentlyAsked.shift();
      this.send(target, n.publicKey, n.ipPort, ZERO_32, null);
    }
  }

  /**
   * Opens an announce answer (0x84) under its live sendback, which it uses up; `searchOf` finds
   * the friend search a sendback names. Null (the reason counted) when the sendback is unknown
   * or expired, its friend is gone, or the answer does not open.
   */
  open<S extends SearchKeys>(header: AnnounceResponseHeader, searchOf: (friendHex: string) => S | undefined): AnnounceAnswer<S> | null {
    const key = toHex(header.sendback);
    const sb = this.sendbacks.get(key);
    if (!sb || sb.expires <= this.ctx.now) return this.dropped('onion.sendback_unknown');
    let search: S | undefined;
    let shared: Bytes;
    if (sb.friendHex === null) shared = this.ctx.keys.realShared(sb.nodePk);
    else {
      search = searchOf(sb.friendHex);
      if (!search) return this.dropped('onion.sendback_friend_gone');
      shared = searchShared(this.ctx, search, sb.nodePk);
    }
    const r = openAnnounceResponse(this.ctx.crypto, shared, header);
    if (!r.ok) return this.dropped('onion.announce_response_invalid');
    this.sendbacks.delete(key);
    return { sendback: sb, search, response: r.value };
  }

  /**
   * An answer came back for `sb`: its path works, and the announce node serves onion traffic
   * (onion_client.c client_add_to_list adds it to the path nodes too). Returns the path's id if
   * the path still exists.
   */
  answered(sb: Sendback): number | null {
    const paths = sb.friendHex === null ? this.selfPaths : this.friendPaths;
    const pathUsed = paths.succeeded(sb.pathId);
    this.relays.proved([{ pk: sb.nodePk, ipPort: sb.nodeIpPort }]);
    return pathUsed;
  }

  /** When the oldest sendback expires (null: none). */
  nextExpiry(): number | null {
    const first = this.sendbacks.values().next().value as Sendback | undefined;
    return first ? first.expires : null;
  }

  /** Forgets the expired sendbacks (counted). */
  expire(now: number): void {
    for (const [k, sb] of this.sendbacks) {
      if (sb.expires > now) break;
      this.sendbacks.delete(k);
      this.ctx.count('onion.sendback_expired');
    }
  }

  /** Forgets the sendbacks of a friend's search. */
  forgetFriend(friendHex: string): void {
    for (const [k, sb] of this.sendbacks) if (sb.friendHex === friendHex) this.sendbacks.delete(k);
  }

  private dropped(reason: string): null {
    this.ctx.drop(reason);
    return null;
  }

  private newSendback(friendHex: string | null, nodePk: Bytes, nodeIpPort: IpPort, pathId: number): Bytes {
    if (this.sendbacks.size >= ONION_SENDBACK_LIMIT) {
      const oldest = this.sendbacks.keys().next().value as string;
      this.sendbacks.delete(oldest);
      this.ctx.count('onion.sendback_evicted');
    }
    let id = this.ctx.random.bytes(8);
    while (this.sendbacks.has(toHex(id))) id = this.ctx.random.bytes(8);
    this.sendbacks.set(toHex(id), { friendHex, nodePk, nodeIpPort, pathId, expires: this.ctx.now + ONION_SENDBACK_TIMEOUT_MS });
    return id;
  }
}
