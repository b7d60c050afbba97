/**
 * The engine's inside (docs/architecture.md §2.1): the machine actors and their queue, the
 * protocol layers with their narrow contexts, and the bookkeeping between them — every machine
 * step is journaled, its outputs go through the output router (routes.ts), every layer fact
 * through the fact router (fact-routes.ts), and after each session step the friend's tasks and
 * net_crypto are told what changed. `Engine` (engine.ts) adds the embedder's API on top.
 */
import {
  friendFacts,
  type AddressSource,
  type FriendFacts,
  type FriendPolicy,
  type FriendSessionSnapshot,
  type FriendSessionState,
  type MachineEvent,
} from '../machines/index.js';
import { toHex, type Bytes } from '../protocol/bytes.js';
import { isValidPublicKey } from '../protocol/keys.js';
import type { PackedNode } from '../protocol/packed-node.js';
import type { Crypto } from '../protocol/crypto.js';
import { parseIpPort, ipPortKey, formatIpPort, unmapIpv4, type IpFamily, type IpPort } from '../protocol/ip-port.js';
import { Actors } from './actors.js';
import type { AppEvent } from './app-events.js';
import { Counters } from './counters.js';
import { Dht, type DhtFact, type DhtPk } from './dht/dht.js';
import { hostKey } from './dht/hosts.js';
import { FriendTable, type Friend, type FriendInit } from './friends.js';
import { Journal } from './journal.js';
import { generateKeyPair, Keys, type KeyPair } from './keys.js';
import { Messenger } from './messenger/messenger.js';
import type { MessengerFact } from './messenger/context.js';
import type { NetCryptoFact } from './net-crypto/context.js';
import { NetCrypto } from './net-crypto/net-crypto.js';
import { AnnounceServer } from './onion/announce-server.js';
import { OnionClient } from './onion/client.js';
import type { OnionContext, OnionFact } from './onion/context.js';
import { OnionRelay } from './onion/relay.js';
import type { LayerContext, Reports, TimedLayer } from './layer.js';
import type { Random } from './random.js';
import { actorKeys, FAMILIES, lastKeyPart } from './actor-keys.js';
import { FriendIndex } from './friend-index.js';
import { routeFact } from './fact-routes.js';
import { routeOutput } from './routes.js';
import type { Transmit } from './tox-engine.js';
import { DEFAULT_MAX_STREAMS, StreamTable, type StreamOwner } from './tcp/streams.js';
import { TcpServer, type TcpServerOptions } from './tcp/server.js';

import { familiesOf, type EngineOptions, type TcpServerLayer } from './engine-options.js';
export { familiesOf, type EngineOptions, type TcpServerLayer } from './engine-options.js';
import { TcpClient, type TcpFact } from './tcp/client.js';
import { tcpOnionPort, TcpWiring } from './tcp/wiring.js';

/** Bound on events processed for one input, a guard against a feedback loop between machines. */
const MAX_STEPS_PER_INPUT = 100_000;

export abstract class EngineCore {
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
  /** Whether the node uses UDP at all (EngineOptions.udp). */
  readonly udpEnabled: boolean;
  /** Whether the node serves as a TCP relay (EngineOptions.tcpServer). */
  readonly servesTcp: boolean;
  /** The node's TCP streams (relay connections both ways), sans-IO: runtime/tcp/streams.ts. */
  readonly streams: StreamTable;
  /** The TCP relay we serve (runtime/tcp/server.ts), null unless EngineOptions.tcpServer. */
  readonly tcpServer: TcpServerLayer | null;
  /** Our TCP relay connections and routes (runtime/tcp/client.ts), with the engine's side of them (wiring.ts). */
  readonly tcp: TcpWiring;
  nospam: Bytes;
  name: string;
  statusMessage: string;
  userStatus = 0;
  /** The address families the node reaches (see EngineOptions.families); fixed once started. */
  protected familySet: ReadonlySet<IpFamily>;

  /** The time of the input being handled. */
  now = 0;
  started = false;
  protected readonly queue: Array<{ key: string; event: MachineEvent & { now: number } }> = [];
  protected flushing = false;
  protected transmits: Transmit[] = [];
  protected events: AppEvent[] = [];
  protected readonly lastFacts = new Map<string, string>();
  protected readonly lastProgress = new Map<string, FriendSessionState>();
  /** DHT key → friends whose session names it (kept after every session step). */
  protected readonly dhtKeys = new FriendIndex();
  /** Where each friend's session last had a checked address (ipPortKey), kept after it is forgotten. */
  protected readonly lastAddresses = new FriendIndex();

  constructor(opts: EngineOptions) {
    this.crypto = opts.crypto;
    this.random = opts.random;
    this.keys = new Keys(opts.crypto, opts.identity, opts.dhtKeyPair ?? generateKeyPair(opts.crypto, opts.random));
    this.nospam = opts.nospam;
    this.name = opts.name ?? '';
    this.statusMessage = opts.statusMessage ?? '';
    this.epochMs = opts.epochMs ?? 0;
    this.serveOnion = opts.serveOnion ?? true;
    this.udpEnabled = opts.udp ?? true;
    this.servesTcp = opts.tcpServer ?? false;
    this.streams = new StreamTable(opts.maxStreams ?? DEFAULT_MAX_STREAMS);
    this.familySet = familiesOf(opts.families ?? ['ipv4']);
    this.journal = new Journal(opts.journalCapacity ?? 100_000, opts.journalContext ?? true);
    this.actors = new Actors(this.journal);
    this.dht = new Dht(
      Object.assign(
        this.layerContext<DhtFact>((fact) => routeFact(this, fact)),
        {
          isFriend: (pkHex: string) => this.friends.has(pkHex),
          isFriendAddress: (ipPort: IpPort) => this.lastAddresses.size > 0 && this.lastAddresses.has(ipPortKey(ipPort)),
          lanDiscovery: opts.lanDiscovery ?? false,
        },
      ),
    );
    const onionContext: OnionContext = Object.assign(
      this.layerContext<OnionFact>((fact) => routeFact(this, fact)),
      { dht: this.dht, hostOf: hostKey, friend: (pkHex: string) => this.friends.get(pkHex), tcpRelays: (max: number) => this.tcp.client.connectedRelays(max) },
      { tcpOnion: tcpOnionPort(() => this.tcp.client, this.udpEnabled) },
    );
    this.relay = new OnionRelay(onionContext);
    this.tcpServer = this.servesTcp ? this.createTcpServer(opts.tcpServerLimits) : null;
    this.announceServer = new AnnounceServer(onionContext);
    this.onion = new OnionClient(onionContext);
    this.netCrypto = new NetCrypto(
      Object.assign(
        this.layerContext<NetCryptoFact>((fact) => routeFact(this, fact)),
        {
          friend: (pkHex: string) => this.friends.get(pkHex),
          isFriend: (pkHex: string) => this.friends.has(pkHex),
          friendCount: () => this.friends.size,
          friendsWithDhtKey: (dhtKeyHex: string) => this.friendsWithDhtKey(dhtKeyHex),
          tcp: {
            routed: (peerHex: string) => this.tcp.client.isRouted(peerHex),
            linked: (peerHex: string) => this.tcp.client.hasRelays(peerHex),
            send: (peerHex: string, packet: Bytes) => this.tcp.client.sendToPeer(peerHex, packet),
          },
        },
      ),
    );
    this.messenger = new Messenger(
      Object.assign(
        this.layerContext<MessengerFact>((fact) => routeFact(this, fact)),
        {
          app: (event: AppEvent) => this.app(event),
          friends: this.friends,
          self: () => ({ name: this.name, statusMessage: this.statusMessage, userStatus: this.userStatus, nospam: this.nospam }),
          channel: this.netCrypto,
          acceptFriendRequest: (pkHex: string) => void this.acceptFriendRequest(this.now, pkHex),
          removeFriend: (pkHex: string) => this.removeFriend(this.now, pkHex),
          relays: {
            ours: (max: number) => this.tcp.client.connectedRelays(max),
            link: (f: Friend, relays: readonly PackedNode[]) => this.linkRelays(f, relays),
          },
        },
      ),
    );
    const tcpClient = new TcpClient(
      Object.assign(
        this.layerContext<TcpFact>((fact) => routeFact(this, fact)),
        {
          streams: this.streams,
          isDirect: (peerHex: string) => this.tcp.isDirect(peerHex),
          isFriendDhtKey: (peerHex: string) => this.friendsWithDhtKey(peerHex).length > 0,
          onionWanted: () => !this.udpEnabled || this.dht.goodNodes().length === 0, // set_tcp_onion_status(!udp_connected)
        },
      ),
    );
    this.tcp = new TcpWiring(this, tcpClient);
    for (const f of opts.friends ?? []) this.friends.add(f);
  }

  /** The TCP relay server (EngineOptions.tcpServer): DHT key pair, our streams, the onion relay as first hop. */
  private createTcpServer(limits: TcpServerOptions | undefined): TcpServer {
    const server = new TcpServer(
      Object.assign(
        this.layerContext<never>(() => undefined),
        { streams: this.streams, onion: this.serveOnion ? this.relay : null },
      ),
      limits,
    );
    if (this.serveOnion) this.relay.onTcpResponse((source, data) => server.onionResponse(source, data));
    return server;
  }

  get selfHex(): string {
    return this.keys.realPkHex;
  }

  protected createFriendActors(f: Friend): void {
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

  /**
   * Runs a layer's handler. A broken invariant in one layer must not take the node down: it is
   * counted under `error.handler` (the fuzz run requires it to stay 0) and remembered.
   */
  protected guarded(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.counters.inc('error.handler');
      this.lastError = e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
  }

  /** The last handler error (for diagnostics; each is also counted under `error.handler`). */
  lastError: string | null = null;

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
      reaches: (to) => engine.reaches(to),
      count: (name, by) => engine.counters.inc(name, by),
      drop: (reason) => engine.drop(reason),
      crypto: engine.crypto,
      random: engine.random,
      keys: engine.keys,
      report,
    };
  }

  /** The address families the node reaches, IPv4 first. */
  get families(): readonly IpFamily[] {
    return FAMILIES.filter((f) => this.familySet.has(f));
  }

  /** Whether the node can send to `to` (IPv4-mapped IPv6 counts as IPv4). */
  reaches(to: IpPort): boolean {
    return this.familySet.has(unmapIpv4(to).family);
  }

  /**
   * Queues a datagram. The destination is normalised (IPv4-mapped IPv6 becomes IPv4, so a peer
   * has one address); one of a family the node cannot reach is dropped and counted.
   */
  send(to: IpPort, data: Bytes): void {
    if (!this.udpEnabled) return this.drop('tx_udp_off');
    const dest = unmapIpv4(to);
    if (!this.familySet.has(dest.family)) return this.drop(`tx_${dest.family}_unreachable`);
    this.counters.inc('tx.datagrams');
    this.transmits.push({ to: dest, data });
  }

  app(event: AppEvent): void {
    this.events.push(event);
  }

  count(name: string, by?: number): void {
    this.counters.inc(name, by);
  }

  /** Ends an actor (a task that finished). */
  removeActor(key: string): void {
    this.actors.remove(key);
  }

  /** The state value of an actor, or undefined (the engine reads its own actors; layers never do). */
  stateOf(key: string): unknown {
    return this.actors.get(key)?.snapshot.value;
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

  /** Tells net_crypto the friend session's state, address and DHT key (null once the session is gone). */
  protected tellNetCryptoSession(friendHex: string): void {
    const s = this.actors.get(actorKeys.session(friendHex))?.snapshot as FriendSessionSnapshot | undefined;
    const address = s?.context.address;
    // net_crypto sends only to a checked address, never to a claim (friend-session-rules.ts ADDRESS_SOURCE_RANK).
    const checked = address && address.source !== 'dhtSearch' ? address.value : null;
    this.netCrypto.sessionChanged(friendHex, s ? { state: s.value as FriendSessionState, address: checked, dhtKey: s.context.dhtKey?.value ?? null } : null);
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
        // A step that throws (a broken machine invariant) is counted like a layer's error; the rest of the queue goes on.
        const d = this.deliverGuarded(key, event);
        if (!d) continue;
        // net_crypto's copy of the session follows every step, before the step's outputs reach it.
        if (d.actor.machine === 'friendSession') this.tellNetCryptoSession((d.actor.snapshot as FriendSessionSnapshot).context.friendPk);
        for (const out of d.outputs) this.guarded(() => this.route(key, d.actor.machine, out));
        if (d.actor.machine === 'friendSession') this.guarded(() => this.afterSessionStep(d.actor.snapshot as FriendSessionSnapshot));
        else if (d.actor.machine === 'tcpRelay') this.guarded(() => this.tcp.afterRelayStep(key, d.actor.snapshot));
      }
    } finally {
      this.flushing = false;
    }
  }

  private deliverGuarded(key: string, event: MachineEvent & { now: number }): ReturnType<Actors['deliver']> {
    try {
      return this.actors.deliver(key, event);
    } catch (e) {
      this.counters.inc('error.handler');
      this.lastError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      return null;
    }
  }

  /** Executes one machine output (runtime/routes.ts). */
  protected route(key: string, machine: string, out: MachineEvent): void {
    routeOutput(this, out, this.friends.get(lastKeyPart(key)), key, machine);
  }

  /** After a session step: report progress changes and pass the facts on to the friend's tasks. */
  protected afterSessionStep(snapshot: FriendSessionSnapshot): void {
    const friendHex = snapshot.context.friendPk;
    this.tcp.afterSessionStep(snapshot, this.dhtKeys.get(friendHex) ?? null);
    const state = snapshot.value as FriendSessionState;
    if (this.lastProgress.get(friendHex) !== state) {
      this.lastProgress.set(friendHex, state);
      this.app({ type: 'progress', friend: friendHex, state, t: this.now });
    }
    this.sendFacts(friendHex, false);
  }

  protected sendFacts(friendHex: string, force: boolean): void {
    const session = this.actors.get(actorKeys.session(friendHex));
    if (!session) return;
    const facts: FriendFacts = friendFacts(session.snapshot as FriendSessionSnapshot);
    this.dhtKeys.set(friendHex, facts.dhtKey);
    const address = (session.snapshot as FriendSessionSnapshot).context.address;
    if (address && address.source !== 'dhtSearch') {
      const parsed = parseIpPort(address.value);
      if (parsed.ok) this.lastAddresses.set(friendHex, ipPortKey(parsed.value));
    }
    const policy = this.policyOf(friendHex);
    const sig = JSON.stringify({ ...facts, policy });
    if (!force && this.lastFacts.get(friendHex) === sig) return;
    this.lastFacts.set(friendHex, sig);
    const event = { type: 'facts', now: this.now, ...facts, policy };
    this.deliver(actorKeys.connect(this.selfHex, friendHex), event);
    this.deliver(actorKeys.dhtkey(this.selfHex, friendHex), event);
    if (this.actors.get(actorKeys.request(this.selfHex, friendHex))) this.deliver(actorKeys.request(this.selfHex, friendHex), event);
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

  /** What we do about a friend (machines/types.ts FriendPolicy), sent with every facts event to its tasks. */
  policyOf(friendHex: string): FriendPolicy {
    return this.friends.get(friendHex)?.policy ?? 'TryingToConnect';
  }

  /** The friend session state of a friend. */
  progressOf(friendHex: string): FriendSessionState | undefined {
    return this.lastProgress.get(friendHex);
  }

  /** Friends whose session currently names `dhtKeyHex` as their DHT key. */
  friendsWithDhtKey(dhtKeyHex: string): Friend[] {
    const out: Friend[] = [];
    for (const hex of this.dhtKeys.friendsOf(dhtKeyHex)) {
      const f = this.friends.get(hex);
      if (f) out.push(f);
    }
    return out;
  }

  // ---- facts from the protocol layers -------------------------------------------------------

  /** The DHT saw (or was told of) the node of a searched DHT key at an address. */
  dhtAddressFound(dhtKeyHex: string, ipPort: IpPort, source: AddressSource): void {
    for (const f of this.friendsWithDhtKey(dhtKeyHex)) {
      // An established session hears of addresses only while it rides a relay (it may move to UDP).
      if (this.lastProgress.get(f.pkHex) === 'Established' && this.tcp.isDirect(dhtKeyHex)) continue;
      this.deliverToSession(f.pkHex, { type: 'address.learned', now: this.now, address: formatIpPort(ipPort), source });
    }
  }

  /**
   * A DHT node answered from a friend's last checked address with a DHT key other than the one
   * the friend's session holds: a candidate DHT key from a DHT message (the seed's third DHTKey
   * source). The session ranks it lowest: it is taken only when no fresh key is held.
   */
  dhtKeyAtFriendAddress(dhtKeyHex: string, ipPort: IpPort): void {
    for (const friendHex of this.lastAddresses.friendsOf(ipPortKey(ipPort))) {
      if (this.dhtKeys.get(friendHex) === dhtKeyHex || this.lastProgress.get(friendHex) === 'Established') continue;
      this.counters.inc('dht.dhtkey_from_friend_address');
      this.deliverToSession(friendHex, { type: 'dhtKey.learned', now: this.now, dhtKey: dhtKeyHex, source: 'dhtMessage' });
    }
  }

  /** The DHT has its first good node: announcing can start now. */
  onDhtConnected(): void {
    this.app({ type: 'dht_connected', t: this.now });
    for (const family of FAMILIES) this.deliver(actorKeys.announce(family, this.selfHex), { type: 'nodes.available', now: this.now });
    this.onion.onDhtNodes();
    for (const f of this.friends.all()) this.deliver(actorKeys.dhtkey(this.selfHex, f.pkHex), { type: 'nodes.available', now: this.now });
    this.tcp.onionNodesChanged(); // relays carry the onion no more (runtime/tcp/wiring.ts)
  }

  /**
   * A friend's DHT-PK arrived (onion data 156 or DHT request 156): only strictly increasing
   * `no_replay` values are accepted (onion_client.c handle_dhtpk_announce); the session learns
   * the key; every UDP node listed is asked for the friend's DHT key, which finds the friend
   * at once when it listed itself (docs/protocol.md §3.7). A RefusingToConnect friend's is dropped
   * (`drop.policy.dhtpk_onion`, `drop.policy.dhtpk_dhtRoute`).
   */
  onDhtPk(friend: Friend, d: DhtPk, via: 'onion' | 'dhtRoute'): void {
    // From a friend we refuse to connect to, its DHT key is not even looked at (setFriendPolicy).
    if (friend.policy === 'RefusingToConnect') return this.drop(`policy.dhtpk_${via}`);
    // c-toxcore public_key_valid: no DHT key has its top bit set (X25519 would ignore it).
    if (!isValidPublicKey(d.dhtPk)) return this.drop('dhtpk.invalid_public_key');
    if (d.noReplay <= friend.lastNoReplay) return this.drop('dhtpk.replayed');
    friend.lastNoReplay = d.noReplay;
    this.counters.inc(`dhtpk.accepted_${via}`);
    this.deliverToSession(friend.pkHex, { type: 'dhtKey.learned', now: this.now, dhtKey: toHex(d.dhtPk), source: via });
    for (const n of d.nodes) {
      // The friend's TCP relays: connect to them and route to its DHT key there (friend_connection.c tcp_relay_node_callback).
      if (n.transport === 'tcp') {
        if (isValidPublicKey(n.publicKey)) this.tcp.addRelay(unmapIpv4(n.ipPort), n.publicKey, toHex(d.dhtPk));
        continue;
      }
      const ipPort = unmapIpv4(n.ipPort);
      if (!isValidPublicKey(n.publicKey)) this.drop('dhtpk.node_invalid_public_key');
      else if (ipPort.port === 0) this.drop('dhtpk.node_port_zero');
      else if (!this.reaches(ipPort)) this.count('dhtpk.node_other_family');
      else this.dht.sendNodesRequest(n.publicKey, ipPort, d.dhtPk);
    }
  }

  /** Relays shared with a friend (either way) are linked to its session's DHT key. */
  protected linkRelays(f: Friend, relays: readonly PackedNode[]): void {
    const peer = this.dhtKeys.get(f.pkHex);
    if (!peer) return this.drop('tcp.share_relays_no_dht_key');
    for (const r of relays) if (r.transport === 'tcp' && isValidPublicKey(r.publicKey)) this.tcp.addRelay(unmapIpv4(r.ipPort), r.publicKey, peer);
  }

  /** Accepting and removing friends are commands of the API (engine.ts); auto-accept uses them. */
  abstract acceptFriendRequest(now: number, pkHex: string): Friend;
  abstract removeFriend(now: number, pkHex: string): boolean;
}
