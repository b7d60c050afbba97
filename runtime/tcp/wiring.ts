/**
 * The engine's side of the TCP relay client: turns the client's facts into machine events and
 * actions of other layers, and tells the client what the sessions know. Kept apart from
 * engine-core.ts so that the engine's inside stays readable; it sees the engine only through
 * `TcpEngineSide`.
 *
 * - A new relay gets a `tcpRelay` actor (`relay:<relay key>`), started at once; what happens on
 *   its connection goes to that actor; when the actor stops for good the relay is forgotten.
 * - A route to a peer's DHT key coming or going becomes `relay.route` for every session naming
 *   that key (and net_crypto re-checks the session's path).
 * - A session in AcquiringIPAddress whose friend is routed is told again after each of its steps
 *   (it may have come back there from a failed attempt while the route stayed up).
 * - Packets from peers go to net_crypto; relay status changes go to the application.
 * - The onion through relays (docs/protocol.md §14.7): onion responses that come back over a relay
 *   go to the onion client (onion_client.c handle_tcp_onion). When a relay first carries the onion
 *   and path nodes exist (a bootstrap node, a proven relay) while the DHT has no good node — always,
 *   with UDP off — the announce tasks and every friend's dhtkey task hear `nodes.available`, as
 *   they do when the DHT connects (engine-core.ts onDhtConnected): the onion can start now although
 *   the DHT never connects. Once no relay carries it, the next one that does says so again.
 * - Our DHT-PK names up to 2 of our confirmed relays (TcpClient.connectedRelays). When that set
 *   goes from empty to non-empty (the first relay confirms, or the first again after all were
 *   lost), every friend's dhtkey task hears `relays.available` and, if it is sharing, sends our
 *   DHT-PK over the onion at once — toxstate's choice (issue 17): c-toxcore waits for its next
 *   ONION_DHTPK_SEND_INTERVAL (onion_client.c do_friend), up to 30 s in which a TCP-only friend
 *   holds a DHT-PK naming no relay.
 */
import type { FriendSessionSnapshot, FriendSessionState, MachineEvent } from '../../machines/index.js';
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { actorKeys, FAMILIES } from '../actor-keys.js';
import type { Actors } from '../actors.js';
import type { AppEvent } from '../app-events.js';
import type { Friend } from '../friends.js';
import type { TcpOnionPort } from '../onion/context.js';
import type { TcpClient, TcpFact } from './client.js';

/** The onion's port to our relays (runtime/onion/context.ts TcpOnionPort); `client` is read late (the engine builds it after the onion). */
export function tcpOnionPort(client: () => TcpClient, udpEnabled: boolean): TcpOnionPort {
  return {
    required: !udpEnabled,
    hasRelay: () => client().onion.refresh(),
    randomRelay: () => client().onion.pick(),
    isUsable: (relayHex) => client().onion.has(relayHex),
    send: (relayHex, body) => client().sendOnionRequest(relayHex, body),
  };
}

/** The actor key of a relay connection. */
export const relayActorKey = (relayHex: string): string => `relay:${relayHex}`;

export interface TcpEngineSide {
  readonly now: number;
  readonly actors: Actors;
  deliver(key: string, event: MachineEvent & { now: number }): void;
  deliverToSession(friendHex: string, event: MachineEvent & { now: number }): void;
  friendsWithDhtKey(dhtKeyHex: string): Friend[];
  progressOf(friendHex: string): FriendSessionState | undefined;
  app(event: AppEvent): void;
  count(name: string, by?: number): void;
  readonly netCrypto: {
    handleTcpPacket(peerDhtHex: string, data: Bytes, reply: (packet: Bytes) => void): void;
    routeChanged(peerDhtHex: string): void;
  };
  readonly selfHex: string;
  readonly friends: { all(): Iterable<Friend> };
  readonly onion: {
    handleTcpResponse(relayAddress: IpPort, data: Bytes): void;
    onDhtNodes(): void;
    hasPathNodes(): boolean;
  };
}

export class TcpWiring {
  /** DHT keys of friends' sessions whose path is direct (UDP) and established. */
  private readonly direct = new Set<string>();
  /** The onion's tasks were told that a relay carries it (see the header). */
  private onionReady = false;
  /** Some relay of ours is confirmed, so our DHT-PK names one (see the header). */
  private relaysNamed = false;

  constructor(
    private readonly engine: TcpEngineSide,
    readonly client: TcpClient,
  ) {}

  /** A fact from the client. */
  onFact(fact: TcpFact): void {
    const e = this.engine;
    switch (fact.type) {
      case 'tcp.relayAdded': {
        const key = relayActorKey(fact.relay);
        e.actors.create(key, 'tcpRelay', { relayPk: fact.relay, address: fact.address, now: e.now });
        e.deliver(key, { type: 'cmd.connect', now: e.now });
        return;
      }
      case 'tcp.relayEvent':
        e.deliver(relayActorKey(fact.relay), { ...fact.event, now: e.now } as MachineEvent & { now: number });
        return;
      case 'tcp.routeChanged':
        for (const f of e.friendsWithDhtKey(fact.peer)) e.deliverToSession(f.pkHex, { type: 'relay.route', now: e.now, routed: fact.routed });
        e.netCrypto.routeChanged(fact.peer);
        return;
      case 'tcp.packet':
        e.netCrypto.handleTcpPacket(fact.peer, fact.data, fact.reply);
        return;
      case 'tcp.onionResponse':
        e.onion.handleTcpResponse(fact.address, fact.data);
        return;
      case 'tcp.relayStatus':
        e.app({ type: 'relay_status', relay: fact.relay, address: fact.address, online: fact.online, t: e.now });
        return;
    }
  }

  /** After a relay actor's step: a stopped relay is forgotten. */
  afterRelayStep(key: string, snapshot: { status: string }): void {
    if (snapshot.status === 'done') {
      this.engine.actors.remove(key);
      this.client.forget(key.slice('relay:'.length));
    }
    this.relaysNamedChanged();
  }

  /** Every relay actor step may confirm or lose a relay: when our DHT-PK goes from naming none to naming one, the dhtkey tasks hear it (see the header). */
  private relaysNamedChanged(): void {
    const named = this.client.connectedRelays(1).length > 0;
    if (named === this.relaysNamed) return;
    this.relaysNamed = named;
    if (!named) return;
    const e = this.engine;
    e.count('tcp.relays_available');
    for (const f of e.friends.all()) e.deliver(actorKeys.dhtkey(e.selfHex, f.pkHex), { type: 'relays.available', now: e.now });
  }

  /** After a session step: its DHT key's directness, and a route it should hear of again. */
  afterSessionStep(snapshot: FriendSessionSnapshot, previousDhtKey: string | null): void {
    const c = snapshot.context;
    const key = c.dhtKey?.value ?? null;
    if (previousDhtKey !== null && previousDhtKey !== key && this.engine.friendsWithDhtKey(previousDhtKey).length === 0) {
      this.direct.delete(previousDhtKey);
      this.client.dropPeer(previousDhtKey);
    }
    if (key === null) return;
    const isDirect = snapshot.value === 'Established' && c.path === 'udp';
    if (isDirect !== this.direct.has(key)) {
      if (isDirect) this.direct.add(key);
      else this.direct.delete(key);
      this.client.directChanged(key);
    }
    const routed = this.client.isRouted(key);
    if (snapshot.value === 'AcquiringIPAddress' && routed) {
      this.engine.deliverToSession(c.friendPk, { type: 'relay.route', now: this.engine.now, routed: true });
    } else if (c.relayed !== routed) {
      // The session's `relayed` belongs to the DHT key it held when it was told (a new key has
      // its own routes): it hears again whether a relay reaches the key it holds now.
      this.engine.deliverToSession(c.friendPk, { type: 'relay.route', now: this.engine.now, routed });
    }
  }

  // ---- the relay actors' outputs (runtime/routes.ts names them by actor key) ----------------

  open(key: string): void {
    this.client.open(key.slice('relay:'.length));
  }

  close(key: string, reason: string): void {
    this.client.close(key.slice('relay:'.length), reason);
  }

  ping(key: string): void {
    this.client.ping(key.slice('relay:'.length));
  }

  relayOnline(key: string): void {
    this.client.relayOnline(key.slice('relay:'.length));
    this.onionNodesChanged();
  }

  relayOffline(key: string, reason: string): void {
    this.client.relayOffline(key.slice('relay:'.length), reason);
    this.onionNodesChanged();
  }

  /**
   * What the onion can build paths from may have changed (a relay came or went, a bootstrap node
   * was added, the DHT connected): the relays' onion marks are brought up to date, and the onion's
   * tasks hear `nodes.available` when a relay now carries it with path nodes to go on (see the header).
   */
  onionNodesChanged(): void {
    const ready = this.client.onion.refresh() && this.engine.onion.hasPathNodes();
    if (!ready || this.onionReady) {
      this.onionReady = ready;
      return;
    }
    this.onionReady = true;
    const e = this.engine;
    e.count('tcp.onion_ready');
    for (const family of FAMILIES) e.deliver(actorKeys.announce(family, e.selfHex), { type: 'nodes.available', now: e.now });
    e.onion.onDhtNodes();
    for (const f of e.friends.all()) e.deliver(actorKeys.dhtkey(e.selfHex, f.pkHex), { type: 'nodes.available', now: e.now });
  }

  /** Whether the established session with this DHT key is direct. */
  isDirect(peerHex: string): boolean {
    return this.direct.has(peerHex);
  }

  /** A relay to use: `peerHex` links it to a friend's DHT key. */
  addRelay(address: IpPort, relayPk: Bytes, peerHex?: string): boolean {
    return this.client.addRelay(address, relayPk, peerHex);
  }
}
