/**
 * The fact router: what the engine does with each fact a protocol layer reports — one typed
 * table (`FACT_ROUTES`), checked by the compiler to name every fact type of every layer exactly
 * once. A fact says what a layer learned; the route turns it into machine events (the only place
 * besides the engine's own bookkeeping that looks at a machine's state to decide) or hands it to
 * the layer that owns what comes next. Routes run synchronously, at the moment the fact is
 * reported, so the order of events, sends and counters is the order the layers saw things in.
 */
import type { AddressSource, MachineEvent } from '../machines/index.js';
import type { Bytes } from '../protocol/bytes.js';
import type { IpFamily, IpPort } from '../protocol/ip-port.js';
import { actorKeys } from './actor-keys.js';
import type { DhtFact, DhtPk } from './dht/dht.js';
import type { Friend } from './friends.js';
import type { MessengerFact } from './messenger/context.js';
import type { NetCryptoFact } from './net-crypto/context.js';
import type { OnionFact } from './onion/context.js';
import type { TcpFact } from './tcp/client.js';

/** Every fact of every protocol layer. */
export type LayerFact = DhtFact | OnionFact | NetCryptoFact | MessengerFact | TcpFact;

/** What the fact routes act on: the engine's machine queue, its own state reads and the layers that act next. */
export interface FactTarget {
  readonly now: number;
  readonly selfHex: string;
  readonly friends: { get(pkHex: string): Friend | undefined };
  readonly messenger: {
    receiveFriendRequest(senderPk: Bytes, nospam: Bytes, message: Bytes, via: 'onion' | 'netCrypto'): unknown;
    onSessionClosed(f: Friend): void;
    handleLossless(f: Friend, payload: Bytes): void;
    onPeerAck(f: Friend): void;
  };
  readonly onion: { friendAnnouncedHere(f: Friend, retIpPort: IpPort, ret: Bytes, dataPk: Bytes): void };
  /** Queues an event for a machine actor. */
  deliver(key: string, event: MachineEvent & { now: number }): void;
  deliverToSession(friendHex: string, event: MachineEvent & { now: number }): void;
  /** The state value of an actor (undefined when there is none). */
  stateOf(key: string): unknown;
  friendSearchChanged(friendHex: string, found: boolean): void;
  dhtAddressFound(dhtKeyHex: string, ipPort: IpPort, source: AddressSource): void;
  dhtKeyAtFriendAddress(dhtKeyHex: string, ipPort: IpPort): void;
  onDhtConnected(): void;
  onDhtPk(friend: Friend, d: DhtPk, via: 'onion' | 'dhtRoute'): void;
  /** How the friend's latest valid net_crypto packet arrived. */
  readonly netCrypto: { lastVia(f: Friend): 'udp' | 'tcp' | null };
  /** The engine's side of the TCP relay client (runtime/tcp/wiring.ts). */
  readonly tcp: { onFact(fact: TcpFact): void };
}

type FactRoutes = { readonly [K in LayerFact['type']]: (t: FactTarget, fact: Extract<LayerFact, { type: K }>) => void };

/** The state of the announce task of `family` (null when it does not run). */
function announceState(t: FactTarget, family: IpFamily): string | null {
  const v = t.stateOf(actorKeys.announce(family, t.selfHex));
  return v === undefined ? null : String(v);
}

/** The dhtkey task's state for a friend, as far as the onion's facts concern it. */
function dhtkeyState(t: FactTarget, friendHex: string): 'Idle' | 'Searching' | 'Sharing' | null {
  const v = t.stateOf(actorKeys.dhtkey(t.selfHex, friendHex)) as string | { Active?: string } | undefined;
  if (v === undefined) return null;
  if (typeof v === 'string') return v === 'Idle' ? 'Idle' : null;
  return v.Active === 'Searching' ? 'Searching' : v.Active === 'Sharing' ? 'Sharing' : null;
}

export const FACT_ROUTES = {
  // the DHT (runtime/dht/context.ts)
  'dht.addressFound': (t, f) => t.dhtAddressFound(f.dhtKey, f.ipPort, f.source),
  'dht.keyAtFriendAddress': (t, f) => t.dhtKeyAtFriendAddress(f.dhtKey, f.ipPort),
  'dht.connected': (t) => t.onDhtConnected(),
  'dht.dhtPkReceived': (t, f) => {
    const friend = t.friends.get(f.friendPk);
    if (friend) t.onDhtPk(friend, f.dhtPk, 'dhtRoute');
  },

  // the onion client and announce node (runtime/onion/context.ts)
  'onion.announceAnswered': (t, f) => {
    // To the announce task of the answering list's family (tox4id: or tox6id:). A fresh
    // ping_id: re-announce at once; stored while still announcing: announced.
    const task = actorKeys.announce(f.family, t.selfHex);
    if (f.node !== null && f.freshPingId) t.deliver(task, { type: 'announce.pingId', now: t.now, node: f.node });
    else if (f.node !== null && f.stored && announceState(t, f.family) === 'Announcing') t.deliver(task, { type: 'announce.stored', now: t.now });
    else t.deliver(task, { type: 'announce.response', now: t.now });
  },
  'onion.selfStored': (t, f) => {
    // No node of the family's list stores us any more while its task thinks we are announced.
    const st = announceState(t, f.family);
    if (f.nodes === 0 && (st === 'Announced' || st === 'Stable')) t.deliver(actorKeys.announce(f.family, t.selfHex), { type: 'announce.unstored', now: t.now });
  },
  'onion.friendReachability': (t, f) => {
    const hex = f.friend.pkHex;
    if (f.changed) return t.friendSearchChanged(hex, f.found);
    // A dhtkey task that missed a change (it was Idle then) is brought in line.
    const st = dhtkeyState(t, hex);
    const key = actorKeys.dhtkey(t.selfHex, hex);
    if (f.found && st === 'Searching') t.deliver(key, { type: 'search.found', now: t.now });
    else if (!f.found && st === 'Sharing') t.deliver(key, { type: 'search.lost', now: t.now });
  },
  'onion.dhtPkReceived': (t, f) => t.onDhtPk(f.friend, f.dhtPk, 'onion'),
  'onion.friendRequestReceived': (t, f) => void t.messenger.receiveFriendRequest(f.senderPk, f.nospam, f.message, 'onion'),
  'announce.friendSighted': (t, f) => t.onion.friendAnnouncedHere(f.friend, f.retIpPort, f.ret, f.dataPk),

  // net_crypto (runtime/net-crypto/context.ts): packets to the friend's session, sessions and payloads to the messenger
  'net_crypto.cookieReceived': (t, f) => t.deliverToSession(f.friend.pkHex, { type: 'packet.cookieResponse', now: t.now, via: f.via }),
  'net_crypto.handshakeReceived': (t, f) =>
    t.deliverToSession(f.friend.pkHex, { type: 'packet.handshake', now: t.now, dhtKey: f.dhtKey, address: f.address }),
  'net_crypto.sessionConfirmed': (t, f) => t.deliverToSession(f.friend.pkHex, { type: 'packet.session', now: t.now, via: f.via }),
  'net_crypto.pathChanged': (t, f) => t.deliverToSession(f.friend.pkHex, { type: 'path.changed', now: t.now, path: f.path }),
  'net_crypto.killReceived': (t, f) => t.deliverToSession(f.friend.pkHex, { type: 'packet.kill', now: t.now }),
  'net_crypto.sessionClosed': (t, f) => t.messenger.onSessionClosed(f.friend),
  'net_crypto.lossless': (t, f) => t.messenger.handleLossless(f.friend, f.payload),
  'net_crypto.peerAck': (t, f) => t.messenger.onPeerAck(f.friend),

  // the messenger (runtime/messenger/context.ts)
  'messenger.alive': (t, f) => t.deliverToSession(f.friend.pkHex, { type: 'packet.alive', now: t.now, via: t.netCrypto.lastVia(f.friend) ?? 'udp' }),

  // the TCP relay client (runtime/tcp/client.ts), through the engine's side of it (runtime/tcp/wiring.ts)
  'tcp.relayAdded': (t, f) => t.tcp.onFact(f),
  'tcp.relayEvent': (t, f) => t.tcp.onFact(f),
  'tcp.routeChanged': (t, f) => t.tcp.onFact(f),
  'tcp.packet': (t, f) => t.tcp.onFact(f),
  'tcp.onionResponse': (t, f) => t.tcp.onFact(f),
  'tcp.relayStatus': (t, f) => t.tcp.onFact(f),
} as const satisfies FactRoutes;

/** Which layer reports each fact (for the generated docs). */
export function factLayer(type: LayerFact['type']): 'dht' | 'onion' | 'net_crypto' | 'messenger' | 'tcp' {
  if (type.startsWith('dht.')) return 'dht';
  if (type.startsWith('tcp.')) return 'tcp';
  if (type.startsWith('net_crypto.')) return 'net_crypto';
  if (type.startsWith('messenger.')) return 'messenger';
  return 'onion';
}

/** Routes one fact. */
export function routeFact(t: FactTarget, fact: LayerFact): void {
  (FACT_ROUTES[fact.type] as (t: FactTarget, f: LayerFact) => void)(t, fact);
}
