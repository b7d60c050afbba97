/**
 * What an engine is built from (`EngineOptions`), and the interface the engine needs of its TCP
 * relay server layer.
 */
import type { Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import type { IpFamily, IpPort } from '../protocol/ip-port.js';
import type { FriendInit } from './friends.js';
import type { KeyPair } from './keys.js';
import type { TimedLayer } from './layer.js';
import type { Random } from './random.js';
import type { StreamOwner } from './tcp/streams.js';
import type { TcpServerOptions } from './tcp/server.js';

export interface EngineOptions {
  readonly crypto: Crypto;
  readonly random: Random;
  /** Long-term key pair (from the profile). */
  readonly identity: KeyPair;
  /** 4 nospam bytes (Tox ID bytes 32..35). */
  readonly nospam: Bytes;
  readonly name?: string;
  readonly statusMessage?: string;
  readonly friends?: readonly FriendInit[];
  /** Wall-clock Unix milliseconds at engine time 0 (DHT-PK no_replay is Unix seconds, as c-toxcore's). */
  readonly epochMs?: number;
  /** A fixed DHT key pair (tests); by default a fresh one per engine, as c-toxcore does. */
  readonly dhtKeyPair?: KeyPair;
  readonly journalCapacity?: number;
  readonly journalContext?: boolean;
  /** Serve as onion relay and announce node (default true). */
  readonly serveOnion?: boolean;
  /**
   * The address families the node's socket reaches (default IPv4 only); `start` may set them
   * instead (the UDP adapter does, from its socket). One announce task runs per family.
   */
  readonly families?: readonly IpFamily[];
  /** Serve as a TCP relay for other nodes (the adapter listens; `toxstate node --tcp-port`). Default false. */
  readonly tcpServer?: boolean;
  /**
   * Use UDP (default true). With `false` the node sends no datagram at all and reaches the
   * network through TCP relays only (c-toxcore's udp_enabled = false; `toxstate node --udp-off`).
   */
  readonly udp?: boolean;
  /** Answer received LAN discovery (0x21) from LAN addresses (default false; toxstate never sends it; runtime/dht/packets.ts). */
  readonly lanDiscovery?: boolean;
  /** Bound on TCP streams at once, both ways (default DEFAULT_MAX_STREAMS). */
  readonly maxStreams?: number;
  /** The TCP relay server's bounds (runtime/tcp/server.ts: connections at once, relayed bytes per second per connection). */
  readonly tcpServerLimits?: TcpServerOptions;
  /**
   * Report `profile_changed` when something a profile saves changes (friends, name, status,
   * nospam, policies): for an application that keeps a profile (`profileOf`, `saveProfile`).
   * Default true here; `createEngine` sets it only when given a `profile`.
   */
  readonly profileEvents?: boolean;
}

/** What the engine needs of the TCP relay server layer (runtime/tcp/server.ts). */
export interface TcpServerLayer extends StreamOwner, TimedLayer {
  /** Whether another client connection may be accepted (its own bound). */
  canAccept(): boolean;
  /** A client connected to our TCP port; its stream is `id`. */
  onAccepted(id: number, from: IpPort): void;
}

/** The families given, as a set (at least one: an engine that reaches nothing is a mistake). */
export function familiesOf(families: readonly IpFamily[]): ReadonlySet<IpFamily> {
  const set = new Set(families.filter((f) => f === 'ipv4' || f === 'ipv6'));
  if (set.size === 0) throw new Error('an engine needs at least one address family (ipv4, ipv6)');
  return set;
}

