/**
 * The embedder's surface: what a program that runs a Tox node with toxstate uses — inputs that
 * carry `now`, commands, outputs to drain, and read-only views for display and inspection. The
 * `Engine` class implements it; the protocol layers, the machine actors' write side, the
 * datagram queue and the clock stay internal.
 */
import type { FriendPolicy, FriendSessionState } from '../machines/index.js';
import type { Bytes } from '../protocol/bytes.js';
import type { IpFamily, IpPort } from '../protocol/ip-port.js';
import type { Actor } from './actors.js';
import type { AppEvent } from './app-events.js';
import type { Counters } from './counters.js';
import type { Friend, FriendInit } from './friends.js';
import type { Journal } from './journal.js';
import type { LayerDeadline } from './layer.js';
import type { AutoAcceptOptions } from './messenger/auto-accept.js';
import type { MessageKind, SendMessageResult } from './messenger/messenger.js';
import type { StreamOp } from './tcp/streams.js';

export type { StreamOp } from './tcp/streams.js';

/** A datagram the engine wants sent. */
export interface Transmit {
  readonly to: IpPort;
  readonly data: Bytes;
}

/** The machine actors, read-only (the inspector and tests look; only the engine steps them). */
export interface ActorsView {
  readonly size: number;
  get(key: string): Actor | undefined;
  all(): IterableIterator<Actor>;
}

/** The friend list, read-only. */
export interface FriendsView {
  readonly size: number;
  get(pkHex: string): Friend | undefined;
  has(pkHex: string): boolean;
  all(): IterableIterator<Friend>;
}

export interface ToxEngine {
  /** Our long-term public key, hex. */
  readonly selfHex: string;
  /** Our DHT public key (new for every engine, as c-toxcore's), hex. */
  readonly dhtKeyHex: string;
  /** Our Tox ID (76 hex characters: key, nospam, checksum). */
  toxId(): string;
  readonly nospam: Bytes;
  readonly name: string;
  readonly statusMessage: string;
  readonly userStatus: number;
  /** The time of the latest input (engine milliseconds). */
  readonly now: number;
  readonly started: boolean;

  // ---- inputs
  /**
   * Goes online: one announce task per address family the node reaches (`tox4id:`, `tox6id:`;
   * `families` replaces EngineOptions.families on the first start) and every friend's machines
   * start. After `stop` it starts announcing again.
   */
  start(now: number, opts?: { readonly families?: readonly IpFamily[] }): void;
  /** The account goes offline: the announce tasks get `cmd.stop` and end (nothing more is announced). */
  stop(now: number): void;
  /** The address families the node reaches (IPv4 first). */
  readonly families: readonly IpFamily[];
  handleDatagram(now: number, from: IpPort, data: Bytes): void;
  handleTimeout(now: number): void;
  /** An outbound TCP stream (a `StreamOp` open) connected. */
  handleStreamOpened(now: number, id: number): void;
  /** Bytes arrived on a TCP stream, in order. */
  handleStreamData(now: number, id: number, data: Bytes): void;
  /** A TCP stream ended: closed by the peer, an error, or a connect that failed. */
  handleStreamClosed(now: number, id: number): void;
  /**
   * A connection arrived on the node's TCP server port (EngineOptions.tcpServer): its stream id,
   * or null when the engine refuses it (no relay served, or at its connection bound); the adapter
   * then closes the socket.
   */
  acceptStream(now: number, from: IpPort): number | null;

  // ---- commands
  /**
   * Adds a bootstrap node: its address and DHT key (32 bytes or 64 hex characters), or one
   * `"IP:PORT:DHTKEY"` string (IPv6 as `"[addr]:PORT:DHTKEY"`). A bad argument throws a
   * TypeError naming it (`bootstrap: dhtPk must be 64 hex characters or 32 bytes, …`). For
   * example `bootstrap(now, '127.0.0.1:33445:' + dhtKeyHex)`, or
   * `bootstrap(now, { family: 'ipv4', ip: '127.0.0.1', port: 33445 }, dhtKeyHex)`.
   */
  bootstrap(now: number, ipPort: IpPort, dhtPk: Bytes | string): void;
  bootstrap(now: number, node: string): void;
  /** Adds an onion path node only (for paths through a TCP relay; never asked as a DHT node); false when refused. */
  addPathNode(now: number, ipPort: IpPort, pk: Bytes): boolean;
  /** Adds a TCP relay to connect to (its key is the relay node's DHT key); false when refused. */
  addTcpRelay(now: number, ipPort: IpPort, pk: Bytes): boolean;
  addFriend(now: number, pk: Bytes, init?: Omit<FriendInit, 'pk'>): Friend;
  removeFriend(now: number, pkHex: string): boolean;
  sendFriendRequest(now: number, toxId: string, message: string): Friend;
  acceptFriendRequest(now: number, pkHex: string): Friend;
  setAutoAccept(now: number, options: AutoAcceptOptions | null): void;
  sendMessage(now: number, friendHex: string, text: string | Bytes, kind?: MessageKind): SendMessageResult;
  setName(now: number, name: string): void;
  setStatusMessage(now: number, statusMessage: string): void;
  setUserStatus(now: number, userStatus: 0 | 1 | 2): void;
  setNospam(now: number, nospam: Bytes): void;
  /** What we do about a friend: search and connect, only answer, or refuse (`friend.policy` shows it). */
  setFriendPolicy(now: number, friendHex: string, policy: FriendPolicy): void;
  /** Kill packets to every friend with a session (as tox_kill) and `stop`; returns how many kill packets went out. */
  shutdown(now: number): number;

  // ---- outputs
  takeTransmits(): Transmit[];
  /** TCP streams to open, bytes to write, streams to close (relay connections, both ways). */
  takeStreamOps(): StreamOp[];
  takeEvents(): AppEvent[];
  /** When to call `handleTimeout` next, and why. */
  nextDeadline(): LayerDeadline | null;

  // ---- views
  progressOf(friendHex: string): FriendSessionState | undefined;
  readonly friends: FriendsView;
  readonly actors: ActorsView;
  readonly journal: Journal;
  /** Counters (`drop.*`, `error.*`, …); adapters add their own (`tx.refused_*`, `error.listener`). */
  readonly counters: Counters;
}
