/**
 * What the net_crypto layer is given (runtime/layer.ts) and what it reports.
 *
 * Given: the common layer context, plus read-only friend lookups (a handshake or cookie request
 * must name a friend) and the engine's DHT-key index (a cookie request from a friend's session
 * DHT key opens with a shared key we hold). The friend session's state, address and DHT key are
 * not read from the machine: the engine tells the layer after every session step
 * (`NetCrypto.sessionChanged`), and the layer keeps its copy.
 *
 * Reported (`NetCryptoFact`): what arrived on a friend's connection and what happened to it.
 * The engine turns the packet facts into the friend session's events and passes the session
 * and payload facts on to the messenger.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { FriendSessionState } from '../../machines/types.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { Friend } from '../friends.js';
import type { LayerContext, Reports } from '../layer.js';

/** The friend session as the engine last told it (after its latest step). */
export interface SessionView {
  readonly state: FriendSessionState;
  /** Where the session sends our packets ("ip:port"), null while it knows no address. */
  readonly address: string | null;
  /** The friend's DHT key the session names (hex), null while it knows none. */
  readonly dhtKey: string | null;
}

/** A packet that came through a TCP relay: the peer's DHT key, and the way back the same relay. */
export interface TcpSource {
  readonly tcp: string;
  reply(packet: Bytes): void;
}

/** Where a net_crypto packet came from: a UDP address, or a TCP relay route to the peer's DHT key. */
export type Source = IpPort | TcpSource;

export function isTcpSource(s: Source): s is TcpSource {
  return 'tcp' in s;
}

/** What net_crypto needs of the TCP relay client (runtime/tcp/client.ts; TCP_connection.c). */
export interface TcpPeerPort {
  /** Whether a relay of ours can reach this DHT key (a route registered or online). */
  routed(peerDhtHex: string): boolean;
  /**
   * Whether a relay of ours is linked to this DHT key, routed now or not (asleep or reconnecting):
   * a session that loses its direct path then wants it (net_crypto.c do_tcp sets the peer's TCP
   * connection online whenever the session is not direct, which wakes its sleeping relays).
   */
  linked(peerDhtHex: string): boolean;
  /** Sends a packet to the DHT key through a relay: an online route first, else out of band (send_packet_tcp_connection). */
  send(peerDhtHex: string, packet: Bytes): boolean;
}

export interface NetCryptoContext extends LayerContext, Reports<NetCryptoFact> {
  /** The relay client. */
  readonly tcp: TcpPeerPort;
  /** The friend with this long-term key (hex), if it is one. */
  friend(pkHex: string): Friend | undefined;
  isFriend(pkHex: string): boolean;
  /** How many friends there are (the timer cache is kept per friend list). */
  friendCount(): number;
  /** Friends whose session currently names this DHT key (hex). */
  friendsWithDhtKey(dhtKeyHex: string): readonly Friend[];
}

export type NetCryptoFact =
  /** A cookie response with our echo id came from the friend's node while we asked for a cookie. */
  | { readonly type: 'net_crypto.cookieReceived'; readonly friend: Friend; readonly via: 'udp' | 'tcp' }
  /** A valid handshake from the friend's DHT key `dhtKey` (hex) arrived from `address` ("ip:port"). */
  | { readonly type: 'net_crypto.handshakeReceived'; readonly friend: Friend; readonly dhtKey: string; readonly address: string | null }
  /** The first valid data packet arrived on the friend's connection (directly, or through a relay): the session is confirmed. */
  | { readonly type: 'net_crypto.sessionConfirmed'; readonly friend: Friend; readonly via: 'udp' | 'tcp' }
  /** The confirmed session's path changed: a direct packet arrived, or none for 8 s while a relay reaches the friend. */
  | { readonly type: 'net_crypto.pathChanged'; readonly friend: Friend; readonly path: 'udp' | 'tcp' }
  /** The friend sent a kill packet: it closed the session. */
  | { readonly type: 'net_crypto.killReceived'; readonly friend: Friend }
  /** The friend's connection was closed or replaced: whatever rode on the old session is gone. */
  | { readonly type: 'net_crypto.sessionClosed'; readonly friend: Friend }
  /** A lossless payload (id 16–191) from the friend, in order. */
  | { readonly type: 'net_crypto.lossless'; readonly friend: Friend; readonly payload: Bytes }
  /** The friend's buffer_start moved: more of our lossless packets are acknowledged. */
  | { readonly type: 'net_crypto.peerAck'; readonly friend: Friend };
