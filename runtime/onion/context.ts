/**
 * What the onion layer is given (runtime/layer.ts) and what it reports.
 *
 * Given, besides the common layer context:
 *   - a read-only view of the DHT (`DhtNodeView`): its good nodes (path nodes, first announce
 *     nodes), the nodes closest to a key (answers of the announce node, the nodes listed in our
 *     DHT-PK), the nodes of a DHT search and a known node by key (a DHT-routed DHT-PK), and the
 *     address another node reported for us. The DHT layer's `Dht` satisfies it as it is;
 *   - `hostOf`: the host an address stands for (the limits on keys per IP, runtime/dht/hosts.ts);
 *   - `friend`: the friend with a long-term key, if it is one.
 * The onion never reads a machine: what depends on the toxid and dhtkey tasks' states is decided
 * by the engine from the facts below, at the moment they are reported.
 *
 * Reported (`OnionFact`): by the onion client, what its announce nodes answered, how many store
 * us, whether a friend is reachable, and the onion data it received; by the announce node, that
 * a friend announced itself here.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { DhtPk } from '../../protocol/dht/index.js';
import type { IpFamily, IpPort } from '../../protocol/ip-port.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import type { Friend } from '../friends.js';
import type { LayerContext, Reports } from '../layer.js';

/** A DHT node as the onion sees it. */
export interface DhtNodeInfo {
  readonly pk: Bytes;
  readonly pkHex: string;
  readonly ipPort: IpPort;
  /** hostOf(ipPort). */
  readonly host: string;
}

/** The few DHT queries the onion needs (read-only; the DHT's `Dht` satisfies it structurally). */
export interface DhtNodeView {
  /** Good nodes (answered recently), each once. */
  goodNodes(): readonly DhtNodeInfo[];
  /** Up to `count` nodes closest to `target` (at most a few per host); `lan: false` leaves LAN addresses out. */
  closest(target: Bytes, count: number, opts?: { lan?: boolean }): readonly DhtNodeInfo[];
  /** Good nodes of the DHT search for a DHT key (hex). */
  searchNodes(dhtKeyHex: string): readonly DhtNodeInfo[];
  /** The node with this DHT key (hex), in the close list or a search, if known. */
  findAny(dhtKeyHex: string): DhtNodeInfo | undefined;
  /** Our address as another node reported it, while fresh. */
  apparentAddress(): IpPort | null;
}

/** A DHT node in the form packets carry. */
export function toPackedNode(n: DhtNodeInfo): PackedNode {
  return { transport: 'udp', ipPort: n.ipPort, publicKey: n.pk };
}

/** What the onion relay is given: the common context only. */
export type OnionRelayContext = LayerContext;

/**
 * Our TCP relays as the first hop of onion paths (runtime/tcp/client.ts; c-toxcore 0.2.18
 * TCP_connection.c: the relays marked `onion` by set_tcp_onion_status, get_random_tcp_onion_conn_number,
 * tcp_send_onion_request).
 */
export interface TcpOnionPort {
  /** UDP is off: every path must start at a relay (c-toxcore's udp_disabled). */
  readonly required: boolean;
  /** Whether a confirmed relay is marked for onion use now (no randomness drawn). */
  hasRelay(): boolean;
  /** A random confirmed relay marked for onion use, or null when there is none. */
  randomRelay(): { readonly pk: Bytes; readonly hex: string; readonly ipPort: IpPort } | null;
  /** Whether this relay is still confirmed and marked for onion use. */
  isUsable(relayHex: string): boolean;
  /** Sends an ONION_REQUEST body (protocol/onion/onion-request-tcp.ts) through the relay; false when it cannot. */
  send(relayHex: string, body: Bytes): boolean;
}

/** What the client's path sets and relay record are given (paths.ts). */
export interface OnionPathContext extends LayerContext {
  readonly dht: Pick<DhtNodeView, 'goodNodes'>;
  /** The host an address stands for (an IP; IP and port on loopback). */
  hostOf(ipPort: IpPort): string;
  /** Our TCP relays for paths that start at one (when the DHT has no good node, or UDP is off). */
  readonly tcpOnion: TcpOnionPort;
}

/** What the onion client is given. */
export interface OnionClientContext extends OnionPathContext, Reports<OnionClientFact> {
  readonly dht: DhtNodeView;
  /** Our confirmed TCP relays, at most `max` (listed first in our DHT-PK, as c-toxcore's send_dhtpk_announce). */
  tcpRelays(max: number): PackedNode[];
  /** The friend with this long-term key (hex), if it is one. */
  friend(pkHex: string): Friend | undefined;
}

/** What the announce node is given. */
export interface AnnounceServerContext extends LayerContext, Reports<AnnounceFact> {
  readonly dht: Pick<DhtNodeView, 'closest'>;
  /** The friend with this long-term key (hex), if it is one. */
  friend(pkHex: string): Friend | undefined;
}

/** What the onion client learned. */
export type OnionClientFact =
  /**
   * An announce node answered our self-announce. `family`: the family of the self list (and
   * so of the announce task, tox4id or tox6id) it answered; `node`: its key (hex) once in that list,
   * null when it did not enter it; `freshPingId`: it does not store us and gave a ping_id other
   * than the one we held for it (none, for a new node); `stored`: it stores us.
   */
  | { readonly type: 'onion.announceAnswered'; readonly family: IpFamily; readonly node: string | null; readonly freshPingId: boolean; readonly stored: boolean }
  /**
   * How many live nodes of our self list of `family` store us, after an announce answer or after
   * list nodes timed out.
   */
  | { readonly type: 'onion.selfStored'; readonly family: IpFamily; readonly nodes: number }
  /**
   * Whether onion data can reach the friend (enough of its announce nodes store it, or it
   * announced itself at our announce node), after its search list or sighting changed or a search
   * round; `changed`: it differs from the last report (`found: false, changed: true` also when a
   * found friend was seen at a new place and is reported lost to be found again at once).
   */
  | { readonly type: 'onion.friendReachability'; readonly friend: Friend; readonly found: boolean; readonly changed: boolean }
  /** A friend's DHT-PK (onion data 156) arrived over the onion. */
  | { readonly type: 'onion.dhtPkReceived'; readonly friend: Friend; readonly dhtPk: DhtPk }
  /** A friend request (onion data 32) arrived, authenticated under the sender's real key. */
  | { readonly type: 'onion.friendRequestReceived'; readonly senderPk: Bytes; readonly nospam: Bytes; readonly message: Bytes };

/** What the announce node saw. */
export type AnnounceFact =
  /**
   * A friend announced itself here (its own key searched, a valid ping_id, a request not seen
   * before, its entry stored or refreshed): onion data reaches it along return path `ret` through
   * exit relay `retIpPort`, sealed to its data key `dataPk`.
   */
  { readonly type: 'announce.friendSighted'; readonly friend: Friend; readonly retIpPort: IpPort; readonly ret: Bytes; readonly dataPk: Bytes };

export type OnionFact = OnionClientFact | AnnounceFact;

/** The context the engine builds once for the whole onion layer (relay, announce node, client). */
export interface OnionContext extends OnionPathContext, Reports<OnionFact> {
  readonly dht: DhtNodeView;
  tcpRelays(max: number): PackedNode[];
  friend(pkHex: string): Friend | undefined;
}
