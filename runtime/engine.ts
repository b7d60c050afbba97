/**
 * The sans-IO engine (DESIGN.md §2): one Tox node with no sockets and no clock of its own.
 *
 * Inputs all carry `now` (monotonic milliseconds): a datagram arrived (`handleDatagram`), a
 * deadline passed (`handleTimeout`), a user command (`addFriend`, `sendMessage`, …).
 * Outputs are drained by the adapter: datagrams to send (`takeTransmits`), application events
 * (`takeEvents`), and the next deadline with its reason (`nextDeadline`).
 *
 * The engine owns keys, tables and buffers; the machines own progress and decisions. Every
 * machine step goes through `deliver`, which journals it and routes its outputs to the
 * protocol layers:
 *   dht/        DHT node: close list, searches, nodes/ping, DHT request routing
 *   onion/      onion relay, announce node (serving side) and onion client
 *   net-crypto/ cookies, handshakes, crypto data
 *   messenger/  friend_connection and messenger payloads, friend requests
 */
import {
  friendFacts,
  type AddressSource,
  type FriendFacts,
  type FriendSessionSnapshot,
  type FriendSessionState,
  type MachineEvent,
} from '../machines/index.js';
import { fromHex, toHex, type Bytes } from '../protocol/bytes.js';
import { isValidPublicKey } from '../protocol/keys.js';
import type { Crypto } from '../protocol/crypto.js';
import { formatIpPort, type IpPort } from '../protocol/ip-port.js';
import { packetKind } from '../protocol/packet-ids.js';
import { parseToxId } from '../protocol/tox-id.js';
import { Actors } from './actors.js';
import type { AppEvent } from './app-events.js';
import { Counters } from './counters.js';
import { Dht, type DhtFact, type DhtPk } from './dht/dht.js';
import { hostKey } from './dht/hosts.js';
import { FriendTable, type Friend, type FriendInit } from './friends.js';
import { Journal } from './journal.js';
import { generateKeyPair, Keys, type KeyPair } from './keys.js';
import type { AutoAcceptOptions } from './messenger/auto-accept.js';
import { Messenger, type MessageKind, type SendMessageResult } from './messenger/messenger.js';
import type { MessengerFact } from './messenger/context.js';
import type { NetCryptoFact } from './net-crypto/context.js';
import { NetCrypto } from './net-crypto/net-crypto.js';
import { AnnounceServer } from './onion/announce-server.js';
import { OnionClient } from './onion/client.js';
import type { OnionContext, OnionFact } from './onion/context.js';
import { OnionRelay } from './onion/relay.js';
import type { LayerContext, LayerDeadline, Reports, TimedLayer } from './layer.js';
import type { Random } from './random.js';

export interface Transmit {
  readonly to: IpPort;
  readonly data: Bytes;
}

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
}

/** A place the engine's one timer can be armed for, with why. */
export type EngineDeadline = LayerDeadline;
export type { TimedLayer };

export const actorKeys = {
  session: (friendHex: string) => `session:${friendHex}`,
  toxid: (selfHex: string) => `toxid:${selfHex}`,
  dhtkey: (selfHex: string, friendHex: string) => `dhtkey:${selfHex}:${friendHex}`,
  connect: (selfHex: string, friendHex: string) => `connect:${selfHex}:${friendHex}`,
  request: (selfHex: string, friendHex: string) => `request:${selfHex}:${friendHex}`,
};

/** The longest friend request message a c-toxcore receiver accepts over the onion (948-byte onion data limit − 5). */
export const FRIEND_REQUEST_MESSAGE_MAX_BYTES = 943;

/**
 * Which protocol layer executes each machine output (`route()` below is the executable form;
 * this table is its description, used by the generated architecture diagram and checked by a
 * test against every output every machine can emit).
 */
export const OUTPUT_LAYER: Readonly<Record<string, 'dht' | 'onion client' | 'net_crypto' | 'messenger' | 'application'>> = {
  'send.cookieRequest': 'net_crypto',
  'send.handshake': 'net_crypto',
  'send.confirm': 'net_crypto',
  'session.close': 'net_crypto',
  'send.alive': 'messenger',
  'notify.online': 'messenger',
  'notify.offline': 'messenger',
  'dht.search': 'dht',
  'dht.searchRound': 'dht',
  'dht.pingFriend': 'dht',
  'dht.searchStop': 'dht',
  'onion.searchFriend': 'onion client',
  'onion.sendDhtPk': 'onion client',
  'dht.sendDhtPk': 'onion client',
  'onion.announceRound': 'onion client',
  'onion.announceTo': 'onion client',
  'onion.sendFriendRequest': 'onion client',
  'notify.announced': 'application',
  'notify.unannounced': 'application',
  'notify.requestAccepted': 'application',
};

/** Bound on events processed for one input, a guard against a feedback loop between machines. */
const MAX_STEPS_PER_INPUT = 100_000;

export class Engine {
  readonly crypto: Crypto;
  readonly random: Random;
  readonly keys: Keys;
  readonly friends = new FriendTable();
  readonly counters = new Counters();
  readonly journal: Journal;
  readonly actors: Actors;
  readonly dht: Dht;
  readonly relay: OnionRelay;
  readonly announceServer: AnnounceServer;
  readonly onion: OnionClient;
  readonly netCrypto: NetCrypto;
  readonly messenger: Messenger;
  readonly epochMs: number;
  readonly serveOnion: boolean;
  nospam: Bytes;
  name: string;
  statusMessage: string;
  userStatus = 0;

  /** The time of the input being handled. */
  now = 0;
  started = false;
  private readonly queue: Array<{ key: string; event: MachineEvent & { now: number } }> = [];
  private flushing = false;
  private transmits: Transmit[] = [];
  private events: AppEvent[] = [];
  private readonly lastFacts = new Map<string, string>();
  private readonly lastProgress = new Map<string, FriendSessionState>();

  constructor(opts: EngineOptions) {
    this.crypto = opts.crypto;
    this.random = opts.random;
    this.keys = new Keys(opts.crypto, opts.identity, opts.dhtKeyPair ?? generateKeyPair(opts.crypto, opts.random));
    this.nospam = opts.nospam;
    this.name = opts.name ?? '';
    this.statusMessage = opts.statusMessage ?? '';
    this.epochMs = opts.epochMs ?? 0;
    this.serveOnion = opts.serveOnion ?? true;
    this.journal = new Journal(opts.journalCapacity ?? 100_000, opts.journalContext ?? true);
    this.actors = new Actors(this.journal);
    this.dht = new Dht(
      Object.assign(
        this.layerContext<DhtFact>((fact) => this.onDhtFact(fact)),
        { isFriend: (pkHex: string) => this.friends.has(pkHex) },
      ),
    );
    const onionContext: OnionContext = Object.assign(
      this.layerContext<OnionFact>((fact) => this.onOnionFact(fact)),
      { dht: this.dht, hostOf: hostKey, friend: (pkHex: string) => this.friends.get(pkHex) },
    );
    this.relay = new OnionRelay(onionContext);
    this.announceServer = new AnnounceServer(onionContext);
    this.onion = new OnionClient(onionContext);
    this.netCrypto = new NetCrypto(
      Object.assign(
        this.layerContext<NetCryptoFact>((fact) => this.onNetCryptoFact(fact)),
        {
          friend: (pkHex: string) => this.friends.get(pkHex),
          isFriend: (pkHex: string) => this.friends.has(pkHex),
          friendCount: () => this.friends.size,
          friendsWithDhtKey: (dhtKeyHex: string) => this.friendsWithDhtKey(dhtKeyHex),
        },
      ),
    );
    this.messenger = new Messenger(
      Object.assign(
        this.layerContext<MessengerFact>((fact) => this.onMessengerFact(fact)),
        {
          app: (event: AppEvent) => this.app(event),
          friends: this.friends,
          self: () => ({ name: this.name, statusMessage: this.statusMessage, userStatus: this.userStatus, nospam: this.nospam }),
          channel: this.netCrypto,
          acceptFriendRequest: (pkHex: string) => void this.acceptFriendRequest(this.now, pkHex),
          removeFriend: (pkHex: string) => this.removeFriend(this.now, pkHex),
        },
      ),
    );
    for (const f of opts.friends ?? []) this.friends.add(f);
  }

  get selfHex(): string {
    return this.keys.realPkHex;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Goes online: the toxid task starts and every friend's machines are created. */
  start(now: number): void {
    this.now = now;
    if (this.started) return;
    this.started = true;
    const key = actorKeys.toxid(this.selfHex);
    this.actors.create(key, 'toxidAnnounce', { selfPk: this.selfHex, now });
    for (const f of this.friends.all()) this.createFriendActors(f);
    this.deliver(key, { type: 'cmd.start', now });
    this.flush();
  }

  private createFriendActors(f: Friend): void {
    const now = this.now;
    this.actors.create(actorKeys.session(f.pkHex), 'friendSession', { friendPk: f.pkHex, now });
    this.tellNetCryptoSession(f.pkHex);
    this.actors.create(actorKeys.connect(this.selfHex, f.pkHex), 'connect', { friendPk: f.pkHex, now });
    this.actors.create(actorKeys.dhtkey(this.selfHex, f.pkHex), 'dhtkeyShare', { friendPk: f.pkHex, now });
    if (f.status !== 'confirmed') this.actors.create(actorKeys.request(this.selfHex, f.pkHex), 'friendRequest', { friendPk: f.pkHex, now });
    this.lastProgress.set(f.pkHex, 'AwaitingDHTKey');
    this.app({ type: 'progress', friend: f.pkHex, state: 'AwaitingDHTKey', t: now });
    this.sendFacts(f.pkHex, true);
  }

  // ---- inputs ----------------------------------------------------------------------------

  handleDatagram(now: number, from: IpPort, data: Bytes): void {
    this.now = Math.max(this.now, now);
    this.counters.inc('rx.datagrams');
    this.guarded(() => this.dispatch(from, data));
    this.flush();
  }

  /**
   * Runs a layer's handler. A broken invariant in one layer must not take the node down: it is
   * counted under `error.handler` (the fuzz run requires it to stay 0) and remembered.
   */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.counters.inc('error.handler');
      this.lastError = e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
  }

  /** The last handler error (for diagnostics; each is also counted under `error.handler`). */
  lastError: string | null = null;

  private dispatch(from: IpPort, data: Bytes): void {
    if (data.length === 0) return this.drop('empty');
    const id = data[0]!;
    switch (id) {
      case 0x00:
      case 0x01:
      case 0x02:
      case 0x04:
      case 0x20:
      case 0x21:
        return this.dht.handlePacket(from, data);
      case 0x18:
        return this.netCrypto.handleCookieRequest(from, data);
      case 0x19:
        return this.netCrypto.handleCookieResponse(from, data);
      case 0x1a:
        return this.netCrypto.handleHandshake(from, data);
      case 0x1b:
        return this.netCrypto.handleCryptoData(from, data);
      case 0x80:
      case 0x81:
      case 0x82:
      case 0x8c:
      case 0x8d:
      case 0x8e:
        if (!this.serveOnion) return this.drop('onion_relay_disabled');
        return this.relay.handlePacket(from, data);
      case 0x83:
      case 0x85:
        if (!this.serveOnion) return this.drop('announce_disabled');
        return this.announceServer.handlePacket(from, data);
      case 0x84:
      case 0x86:
        return this.onion.handleResponse(from, data);
      default: {
        const kind = packetKind(id);
        this.counters.inc(kind === 'unknown' ? 'drop.unknown_id' : `ignored.${kind}`);
      }
    }
  }

  handleTimeout(now: number): void {
    this.now = Math.max(this.now, now);
    for (let round = 0; round < 64; round++) {
      let any = false;
      for (const layer of this.layers()) {
        const d = layer.nextTimer();
        if (d !== null && d.at <= this.now) {
          this.guarded(() => layer.onTimer(this.now));
          any = true;
        }
      }
      const due = this.actors.due(this.now);
      for (const key of due) this.deliver(key, { type: 'tick', now: this.now });
      this.flush();
      if (!any && due.length === 0) return;
    }
    this.counters.inc('error.timer_loop');
  }

  private layers(): TimedLayer[] {
    return [this.dht, this.relay, this.announceServer, this.onion, this.netCrypto, this.messenger];
  }

  // ---- commands --------------------------------------------------------------------------

  /** Adds a friend by long-term key without a request (tox_friend_add_norequest). */
  addFriend(now: number, pk: Bytes, init: Omit<FriendInit, 'pk'> = {}): Friend {
    this.now = Math.max(this.now, now);
    const hex = toHex(pk);
    const existing = this.friends.get(hex);
    if (existing) return existing;
    const f = this.friends.add({ pk, ...init });
    if (this.started) this.createFriendActors(f);
    this.app({ type: 'friend_added', friend: hex, t: this.now });
    this.app({ type: 'profile_changed', t: this.now });
    this.flush();
    return f;
  }

  removeFriend(now: number, pkHex: string): boolean {
    this.now = Math.max(this.now, now);
    const f = this.friends.get(pkHex);
    if (!f) return false;
    this.netCrypto.close(f, true, 'friend removed');
    this.dht.stopSearch(pkHex);
    this.onion.removeFriend(pkHex);
    for (const key of [
      actorKeys.session(pkHex),
      actorKeys.connect(this.selfHex, pkHex),
      actorKeys.dhtkey(this.selfHex, pkHex),
      actorKeys.request(this.selfHex, pkHex),
    ])
      this.actors.remove(key);
    this.tellNetCryptoSession(pkHex);
    this.friends.remove(pkHex);
    this.lastFacts.delete(pkHex);
    this.lastProgress.delete(pkHex);
    this.indexDhtKey(pkHex, null);
    this.app({ type: 'profile_changed', t: this.now });
    this.flush();
    return true;
  }

  /**
   * Sends a friend request to a Tox ID (tox_friend_add): the friend is added with status
   * "added", and the friendRequest machine sends the request over the onion until accepted.
   * Throws an Error naming the problem for a bad Tox ID, our own ID, or a bad message.
   */
  sendFriendRequest(now: number, toxIdText: string, message: string): Friend {
    this.now = Math.max(this.now, now);
    const id = parseToxId(toxIdText);
    if (!id.ok) throw new Error(id.error);
    const hex = toHex(id.value.publicKey);
    if (hex === this.selfHex) throw new Error('that Tox ID is our own');
    const bytes = new TextEncoder().encode(message);
    if (bytes.length === 0) throw new Error('a friend request needs a message');
    if (bytes.length > FRIEND_REQUEST_MESSAGE_MAX_BYTES)
      throw new Error(`friend request message is ${bytes.length} bytes; at most ${FRIEND_REQUEST_MESSAGE_MAX_BYTES} reach a c-toxcore peer over the onion`);
    const existing = this.friends.get(hex);
    if (existing) {
      if (existing.status === 'confirmed') throw new Error('already a friend');
      existing.requestMessage = message;
      existing.requestNospam = id.value.nospam;
      return existing;
    }
    return this.addFriend(now, id.value.publicKey, { status: 'added', requestMessage: message, requestNospam: id.value.nospam });
  }

  /** Accepts a received friend request (tox_friend_add_norequest). */
  acceptFriendRequest(now: number, pkHex: string): Friend {
    const pk = fromHex(pkHex);
    if (!pk.ok || pk.value.length !== 32 || !isValidPublicKey(pk.value)) throw new Error(`not a valid public key: ${pkHex}`);
    if (toHex(pk.value) === this.selfHex) throw new Error('that key is our own');
    return this.addFriend(now, pk.value);
  }

  /**
   * Sends a text message or action (a string, sent as UTF-8, or the bytes as they are, e.g. a
   * received message's `bytes`) to an online friend. Returns `{ ok: true, id }` — the `receipt`
   * event carries that id when the friend acknowledged it — or `{ ok: false, error, message }`
   * when nothing was sent: `not_friend`, `not_online`, `empty`, `too_long` (over 1372 bytes) or
   * `queue_full` (1024 packets to this friend not yet acknowledged: back-pressure, try later).
   * Refusals are results, never exceptions.
   */
  sendMessage(now: number, friendHex: string, text: string | Bytes, kind: MessageKind = 'normal'): SendMessageResult {
    this.now = Math.max(this.now, now);
    const r = this.messenger.trySendMessage(friendHex, text, kind);
    this.flush();
    return r;
  }

  /**
   * Accepts friend requests automatically (`options`) or stops doing so (`null`): within a limit
   * on the friend list, at a rate, with a probation for friends that never come online (see
   * runtime/messenger/auto-accept.ts for the bounds and their defaults). Throws for options out
   * of range.
   */
  setAutoAccept(now: number, options: AutoAcceptOptions | null): void {
    this.now = Math.max(this.now, now);
    this.messenger.setAutoAccept(options);
  }

  /** Sets our name (≤ 128 bytes) and tells online friends. */
  setName(now: number, name: string): void {
    this.now = Math.max(this.now, now);
    if (new TextEncoder().encode(name).length > 128) throw new Error('a name is at most 128 bytes');
    if (name === this.name) return;
    this.name = name;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Sets our status message (≤ 1007 bytes) and tells online friends. */
  setStatusMessage(now: number, statusMessage: string): void {
    this.now = Math.max(this.now, now);
    if (new TextEncoder().encode(statusMessage).length > 1007) throw new Error('a status message is at most 1007 bytes');
    this.statusMessage = statusMessage;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Sets our user status (0 none, 1 away, 2 busy) and tells online friends. */
  setUserStatus(now: number, userStatus: 0 | 1 | 2): void {
    this.now = Math.max(this.now, now);
    this.userStatus = userStatus;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Changes the nospam (the Tox ID changes; requests to the old ID are refused from now on). */
  setNospam(now: number, nospam: Bytes): void {
    this.now = Math.max(this.now, now);
    if (nospam.length !== 4) throw new Error('nospam is 4 bytes');
    this.nospam = nospam;
    this.app({ type: 'profile_changed', t: this.now });
  }

  /**
   * Going offline for good, as c-toxcore's tox_kill does: every session with keys gets a kill
   * packet (net_crypto id 2), so friends see us offline at once instead of after their 32 s
   * timeout. Nothing else changes; the engine takes no input after this. Returns how many kill
   * packets went out (`takeTransmits` has them).
   */
  shutdown(now: number): number {
    this.now = Math.max(this.now, now);
    const before = this.counters.get('net_crypto.kills_sent');
    for (const f of this.friends.all()) this.guarded(() => this.netCrypto.close(f, true, 'shutting down'));
    return this.counters.get('net_crypto.kills_sent') - before;
  }

  bootstrap(now: number, ipPort: IpPort, dhtPk: Bytes): void {
    this.now = Math.max(this.now, now);
    this.dht.bootstrap(ipPort, dhtPk);
    this.flush();
  }

  // ---- outputs ---------------------------------------------------------------------------

  takeTransmits(): Transmit[] {
    const t = this.transmits;
    this.transmits = [];
    return t;
  }

  takeEvents(): AppEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  nextDeadline(): EngineDeadline | null {
    let best: EngineDeadline | null = null;
    const a = this.actors.earliest();
    if (a) best = { at: a.at, reason: a.reason, actor: a.key };
    for (const layer of this.layers()) {
      const d = layer.nextTimer();
      if (d && (best === null || d.at < best.at)) best = d;
    }
    return best;
  }

  // ---- services for the layers ------------------------------------------------------------

  /** The narrow context a layer is given (runtime/layer.ts), reporting its facts to `report`. */
  protected layerContext<F extends { readonly type: string }>(report: (fact: F) => void): LayerContext & Reports<F> {
    const engine = this;
    return {
      get now() {
        return engine.now;
      },
      unixSeconds: () => engine.unixSeconds(),
      send: (to, data) => engine.send(to, data),
      count: (name, by) => engine.counters.inc(name, by),
      drop: (reason) => engine.drop(reason),
      crypto: engine.crypto,
      random: engine.random,
      keys: engine.keys,
      report,
    };
  }

  send(to: IpPort, data: Bytes): void {
    this.counters.inc('tx.datagrams');
    this.transmits.push({ to, data });
  }

  app(event: AppEvent): void {
    this.events.push(event);
  }

  drop(reason: string): void {
    this.counters.inc(`drop.${reason}`);
  }

  /** Unix seconds now (c-toxcore's mono_time is Unix-based). */
  unixSeconds(): number {
    return Math.floor((this.epochMs + this.now) / 1000);
  }

  /** Queues an event for a machine actor; processed in order by `flush`. */
  deliver(key: string, event: MachineEvent & { now: number }): void {
    this.queue.push({ key, event });
  }

  /** The messenger's facts (runtime/messenger/context.ts). */
  private onMessengerFact(fact: MessengerFact): void {
    switch (fact.type) {
      case 'messenger.alive':
        this.deliverToSession(fact.friend.pkHex, { type: 'packet.alive', now: this.now });
        return;
    }
  }

  /** net_crypto's facts (runtime/net-crypto/context.ts): packets to the friend's session, sessions and payloads to the messenger. */
  private onNetCryptoFact(fact: NetCryptoFact): void {
    const f = fact.friend;
    switch (fact.type) {
      case 'net_crypto.cookieReceived':
        return this.deliverToSession(f.pkHex, { type: 'packet.cookieResponse', now: this.now });
      case 'net_crypto.handshakeReceived':
        return this.deliverToSession(f.pkHex, { type: 'packet.handshake', now: this.now, dhtKey: fact.dhtKey, address: fact.address });
      case 'net_crypto.sessionConfirmed':
        return this.deliverToSession(f.pkHex, { type: 'packet.session', now: this.now });
      case 'net_crypto.killReceived':
        return this.deliverToSession(f.pkHex, { type: 'packet.kill', now: this.now });
      case 'net_crypto.sessionClosed':
        return this.messenger.onSessionClosed(f);
      case 'net_crypto.lossless':
        return this.messenger.handleLossless(f, fact.payload);
      case 'net_crypto.peerAck':
        return this.messenger.onPeerAck(f);
    }
  }

  /** Tells net_crypto the friend session's state, address and DHT key (null once the session is gone). */
  private tellNetCryptoSession(friendHex: string): void {
    const s = this.actors.get(actorKeys.session(friendHex))?.snapshot as FriendSessionSnapshot | undefined;
    this.netCrypto.sessionChanged(friendHex, s ? { state: s.value as FriendSessionState, address: s.context.address, dhtKey: s.context.dhtKey } : null);
  }

  /** The DHT's facts (runtime/dht/context.ts). */
  private onDhtFact(fact: DhtFact): void {
    switch (fact.type) {
      case 'dht.addressFound':
        return this.dhtAddressFound(fact.dhtKey, fact.ipPort, fact.source);
      case 'dht.connected':
        return this.onDhtConnected();
      case 'dht.dhtPkReceived': {
        const friend = this.friends.get(fact.friendPk);
        if (friend) this.onDhtPk(friend, fact.dhtPk, 'dhtRoute');
        return;
      }
    }
  }

  /** Delivers an event to a friend's session machine. */
  deliverToSession(friendHex: string, event: MachineEvent & { now: number }): void {
    this.deliver(actorKeys.session(friendHex), event);
  }

  /** Processes queued machine events and routes their outputs, until quiet. */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let steps = 0;
      while (this.queue.length > 0) {
        if (++steps > MAX_STEPS_PER_INPUT) {
          this.counters.inc('error.step_loop');
          this.queue.length = 0;
          break;
        }
        const { key, event } = this.queue.shift()!;
        const d = this.actors.deliver(key, event);
        if (!d) continue;
        // net_crypto's copy of the session follows every step, before the step's outputs reach it.
        if (d.actor.machine === 'friendSession') this.tellNetCryptoSession((d.actor.snapshot as FriendSessionSnapshot).context.friendPk);
        for (const out of d.outputs) this.guarded(() => this.route(key, d.actor.machine, out));
        if (d.actor.machine === 'friendSession') this.guarded(() => this.afterSessionStep(d.actor.snapshot as FriendSessionSnapshot));
      }
    } finally {
      this.flushing = false;
    }
  }

  private friendOfActor(key: string): Friend | undefined {
    const parts = key.split(':');
    return this.friends.get(parts[parts.length - 1]!);
  }

  /** Executes one machine output. */
  private route(key: string, machine: string, out: MachineEvent): void {
    const f = this.friendOfActor(key);
    switch (out.type) {
      // friendSession
      case 'send.cookieRequest':
        if (f) this.netCrypto.sendCookieRequest(f, String(out['dhtKey']), String(out['address']));
        return;
      case 'send.handshake':
        if (f) this.netCrypto.sendHandshake(f);
        return;
      case 'send.confirm':
        if (f) this.netCrypto.sendConfirm(f);
        return;
      case 'send.alive':
        if (f) this.messenger.sendAlive(f);
        return;
      case 'session.close':
        if (f) this.netCrypto.close(f, out['sendKill'] === true, String(out['reason']));
        return;
      case 'notify.online':
        if (f) {
          this.messenger.onOnline(f);
          this.app({ type: 'friend_online', friend: f.pkHex, t: this.now });
        }
        return;
      case 'notify.offline':
        if (f) {
          this.messenger.onOffline(f);
          f.lastNoReplay = 0n;
          this.app({ type: 'friend_offline', friend: f.pkHex, reason: String(out['reason']), t: this.now });
        }
        return;
      // connect
      case 'dht.search':
        if (f) this.dht.search(f.pkHex, String(out['dhtKey']));
        return;
      case 'dht.searchRound':
        if (f) this.dht.searchRound(f.pkHex);
        return;
      case 'dht.pingFriend':
        if (f) this.dht.pingFriend(f.pkHex);
        return;
      case 'dht.searchStop':
        if (f) this.dht.stopSearch(f.pkHex);
        return;
      // dhtkeyShare
      case 'onion.searchFriend':
        if (f) this.onion.searchFriend(f);
        return;
      case 'onion.sendDhtPk':
        if (f) this.onion.sendDhtPk(f);
        return;
      case 'dht.sendDhtPk':
        if (f) this.onion.sendDhtPkRoute(f, String(out['friendDhtKey']));
        return;
      // toxidAnnounce
      case 'onion.announceRound':
        this.onion.announceRound(out['mode'] as 'searching' | 'announced' | 'stable');
        return;
      case 'onion.announceTo':
        this.onion.announceTo(String(out['node']));
        return;
      case 'notify.announced':
        this.app({ type: 'announced', t: this.now });
        return;
      case 'notify.unannounced':
        this.app({ type: 'unannounced', reason: String(out['reason']), t: this.now });
        return;
      // friendRequest
      case 'onion.sendFriendRequest':
        if (f) {
          const copies = this.onion.sendFriendRequest(f, f.requestNospam, f.requestMessage);
          this.counters.inc('friend_request.copies_sent', copies);
          if (f.status === 'added' && copies > 0) {
            f.status = 'requested';
            this.app({ type: 'profile_changed', t: this.now });
          }
        }
        return;
      case 'notify.requestAccepted':
        if (f) {
          f.status = 'confirmed';
          f.requestMessage = '';
          this.actors.remove(key);
          this.app({ type: 'profile_changed', t: this.now });
        }
        return;
      default:
        this.counters.inc(`error.unrouted_output.${machine}.${out.type}`);
    }
  }

  /** After a session step: report progress changes and pass the facts on to the friend's tasks. */
  private afterSessionStep(snapshot: FriendSessionSnapshot): void {
    const friendHex = snapshot.context.friendPk;
    const state = snapshot.value as FriendSessionState;
    if (this.lastProgress.get(friendHex) !== state) {
      this.lastProgress.set(friendHex, state);
      this.app({ type: 'progress', friend: friendHex, state, t: this.now });
    }
    this.sendFacts(friendHex, false);
  }

  private sendFacts(friendHex: string, force: boolean): void {
    const session = this.actors.get(actorKeys.session(friendHex));
    if (!session) return;
    const facts: FriendFacts = friendFacts(session.snapshot as FriendSessionSnapshot);
    this.indexDhtKey(friendHex, facts.dhtKey);
    const sig = JSON.stringify(facts);
    if (!force && this.lastFacts.get(friendHex) === sig) return;
    this.lastFacts.set(friendHex, sig);
    const event = { type: 'facts', now: this.now, ...facts };
    this.deliver(actorKeys.connect(this.selfHex, friendHex), event);
    this.deliver(actorKeys.dhtkey(this.selfHex, friendHex), event);
    if (this.actors.get(actorKeys.request(this.selfHex, friendHex))) this.deliver(actorKeys.request(this.selfHex, friendHex), event);
  }

  /**
   * The onion layer's facts (runtime/onion/context.ts). What depends on the toxid and dhtkey
   * tasks' states is decided here, when the fact is reported (the onion reads no machine).
   */
  private onOnionFact(fact: OnionFact): void {
    switch (fact.type) {
      case 'onion.announceAnswered': {
        // A fresh ping_id: re-announce at once; stored while still announcing: announced.
        const toxid = actorKeys.toxid(this.selfHex);
        if (fact.node !== null && fact.freshPingId) this.deliver(toxid, { type: 'announce.pingId', now: this.now, node: fact.node });
        else if (fact.node !== null && fact.stored && this.toxidState() === 'Announcing') this.deliver(toxid, { type: 'announce.stored', now: this.now });
        else this.deliver(toxid, { type: 'announce.response', now: this.now });
        return;
      }
      case 'onion.selfStored': {
        // No node stores us any more while the task thinks we are announced.
        const st = this.toxidState();
        if (fact.nodes === 0 && (st === 'Announced' || st === 'Stable')) this.deliver(actorKeys.toxid(this.selfHex), { type: 'announce.unstored', now: this.now });
        return;
      }
      case 'onion.friendReachability': {
        const hex = fact.friend.pkHex;
        if (fact.changed) return this.friendSearchChanged(hex, fact.found);
        // A dhtkey task that missed a change (it was Idle then) is brought in line.
        const st = this.dhtkeyState(hex);
        const key = actorKeys.dhtkey(this.selfHex, hex);
        if (fact.found && st === 'Searching') this.deliver(key, { type: 'search.found', now: this.now });
        else if (!fact.found && st === 'Sharing') this.deliver(key, { type: 'search.lost', now: this.now });
        return;
      }
      case 'onion.dhtPkReceived':
        return this.onDhtPk(fact.friend, fact.dhtPk, 'onion');
      case 'onion.friendRequestReceived':
        return void this.messenger.receiveFriendRequest(fact.senderPk, fact.nospam, fact.message, 'onion');
      case 'announce.friendSighted':
        return this.onion.friendAnnouncedHere(fact.friend, fact.retIpPort, fact.ret, fact.dataPk);
    }
  }

  /** The toxid task's state (null before start). */
  private toxidState(): string | null {
    const a = this.actors.get(actorKeys.toxid(this.selfHex));
    return a ? String(a.snapshot.value) : null;
  }

  /** The dhtkey task's state for a friend, as far as the onion's facts concern it. */
  private dhtkeyState(friendHex: string): 'Idle' | 'Searching' | 'Sharing' | null {
    const a = this.actors.get(actorKeys.dhtkey(this.selfHex, friendHex));
    if (!a) return null;
    const v = a.snapshot.value as string | { Active?: string };
    if (typeof v === 'string') return v === 'Idle' ? 'Idle' : null;
    return v.Active === 'Searching' ? 'Searching' : v.Active === 'Sharing' ? 'Sharing' : null;
  }

  /**
   * The onion client found the friend stored at an announce node (or lost the last one): the
   * dhtkey task and a pending friend request both want to know. The request goes first, so that
   * its packet leaves before our DHT-PK: a peer that accepts at once (in its request callback)
   * already has us as a friend when the DHT-PK arrives, instead of dropping it and waiting for
   * the next one (30 s).
   */
  friendSearchChanged(friendHex: string, found: boolean): void {
    const event = { type: found ? 'search.found' : 'search.lost', now: this.now };
    if (this.actors.get(actorKeys.request(this.selfHex, friendHex))) this.deliver(actorKeys.request(this.selfHex, friendHex), event);
    this.deliver(actorKeys.dhtkey(this.selfHex, friendHex), event);
  }

  /** The friend session state of a friend. */
  progressOf(friendHex: string): FriendSessionState | undefined {
    return this.lastProgress.get(friendHex);
  }

  /** Friends whose session currently names `dhtKeyHex` as their DHT key. */
  friendsWithDhtKey(dhtKeyHex: string): Friend[] {
    const out: Friend[] = [];
    for (const hex of this.byDhtKey.get(dhtKeyHex) ?? []) {
      const f = this.friends.get(hex);
      if (f) out.push(f);
    }
    return out;
  }

  /** DHT key → friends whose session names it (kept by `indexDhtKey` after every session step). */
  private readonly byDhtKey = new Map<string, Set<string>>();
  private readonly dhtKeyOf = new Map<string, string>();

  private indexDhtKey(friendHex: string, dhtKey: string | null): void {
    const old = this.dhtKeyOf.get(friendHex);
    if (old === (dhtKey ?? undefined)) return;
    if (old !== undefined) {
      const set = this.byDhtKey.get(old);
      set?.delete(friendHex);
      if (set && set.size === 0) this.byDhtKey.delete(old);
      this.dhtKeyOf.delete(friendHex);
    }
    if (dhtKey !== null) {
      this.dhtKeyOf.set(friendHex, dhtKey);
      const set = this.byDhtKey.get(dhtKey) ?? new Set<string>();
      set.add(friendHex);
      this.byDhtKey.set(dhtKey, set);
    }
  }

  // ---- facts from the protocol layers -------------------------------------------------------

  /** The DHT saw (or was told of) the node of a searched DHT key at an address. */
  dhtAddressFound(dhtKeyHex: string, ipPort: IpPort, source: AddressSource): void {
    for (const f of this.friendsWithDhtKey(dhtKeyHex)) {
      if (this.lastProgress.get(f.pkHex) === 'Established') continue;
      this.deliverToSession(f.pkHex, { type: 'address.learned', now: this.now, address: formatIpPort(ipPort), source });
    }
  }

  /** The DHT has its first good node: announcing can start now. */
  onDhtConnected(): void {
    this.app({ type: 'dht_connected', t: this.now });
    this.deliver(actorKeys.toxid(this.selfHex), { type: 'nodes.available', now: this.now });
    this.onion.onDhtNodes();
    for (const f of this.friends.all()) this.deliver(actorKeys.dhtkey(this.selfHex, f.pkHex), { type: 'nodes.available', now: this.now });
  }

  /**
   * A friend's DHT-PK arrived (onion data 156 or DHT request 156): only strictly increasing
   * `no_replay` values are accepted (onion_client.c handle_dhtpk_announce); the session learns
   * the key; every UDP node listed is asked for the friend's DHT key, which finds the friend
   * at once when it listed itself (tox-protocol.md §3.7).
   */
  onDhtPk(friend: Friend, d: DhtPk, via: 'onion' | 'dhtRoute'): void {
    // c-toxcore public_key_valid: no DHT key has its top bit set (X25519 would ignore it).
    if (!isValidPublicKey(d.dhtPk)) return this.drop('dhtpk.invalid_public_key');
    if (d.noReplay <= friend.lastNoReplay) return this.drop('dhtpk.replayed');
    friend.lastNoReplay = d.noReplay;
    this.counters.inc(`dhtpk.accepted_${via}`);
    this.deliverToSession(friend.pkHex, { type: 'dhtKey.learned', now: this.now, dhtKey: toHex(d.dhtPk), source: via });
    for (const n of d.nodes) {
      if (n.transport !== 'udp') continue;
      if (!isValidPublicKey(n.publicKey)) this.drop('dhtpk.node_invalid_public_key');
      else if (n.ipPort.port === 0) this.drop('dhtpk.node_port_zero');
      else this.dht.sendNodesRequest(n.publicKey, n.ipPort, d.dhtPk);
    }
  }
}
