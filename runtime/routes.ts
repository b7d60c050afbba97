/**
 * The output router: which protocol layer executes each output a machine emits, and how — one
 * typed table (`OUTPUT_ROUTES`), checked by the compiler to name every output type of every
 * machine exactly once. The generated architecture diagram and docs read their output-to-layer
 * map from it (`OUTPUT_LAYER`). Machines decide; the layers named here execute.
 */
import type { ConnectOutput, DhtkeyShareOutput, FriendRequestOutput, FriendSessionOutput, TcpRelayOutput, ToxidAnnounceOutput } from '../machines/index.js';
import type { IpFamily } from '../protocol/ip-port.js';
import { announceFamilyOf } from './actor-keys.js';
import type { AppEvent } from './app-events.js';
import type { Friend } from './friends.js';

/** Every output of every machine of the state core. */
export type MachineOutput = FriendSessionOutput | ToxidAnnounceOutput | DhtkeyShareOutput | ConnectOutput | FriendRequestOutput | TcpRelayOutput;

export type OutputLayer = 'dht' | 'onion client' | 'net_crypto' | 'messenger' | 'tcp client' | 'application';

/** What the routes act on: the engine's layers and the few engine services an output needs. */
export interface RouteTarget {
  readonly now: number;
  readonly dht: {
    search(friendHex: string, dhtKeyHex: string): void;
    searchRound(friendHex: string): void;
    pingFriend(friendHex: string): void;
    stopSearch(friendHex: string): void;
    checkAddress(dhtKeyHex: string, address: string): void;
  };
  readonly onion: {
    searchFriend(f: Friend): void;
    sendDhtPk(f: Friend): number;
    sendDhtPkRoute(f: Friend, friendDhtKeyHex: string): number;
    announceRound(family: IpFamily, mode: 'searching' | 'announced' | 'stable'): void;
    announceTo(family: IpFamily, nodeHex: string): void;
    sendFriendRequest(f: Friend, nospam: Friend['requestNospam'], message: string): number;
  };
  readonly netCrypto: {
    sendCookieRequest(f: Friend, dhtKeyHex: string, address: string | null): void;
    sendHandshake(f: Friend): void;
    sendConfirm(f: Friend): void;
    close(f: Friend, sendKill: boolean, reason: string): void;
  };
  /** The relay client (runtime/tcp/client.ts); a relay actor's key names the relay (`relay:<relay key>`). */
  readonly tcp: {
    open(relayKey: string): void;
    close(relayKey: string, reason: string): void;
    ping(relayKey: string): void;
    relayOnline(relayKey: string): void;
    relayOffline(relayKey: string, reason: string): void;
  };
  readonly messenger: {
    sendAlive(f: Friend): void;
    onOnline(f: Friend): void;
    onOffline(f: Friend): void;
  };
  app(event: AppEvent): void;
  count(name: string, by?: number): void;
  /** Ends the actor that emitted the output (a finished task). */
  removeActor(key: string): void;
}

/** Where an output goes, and what executing it does. `friend` is the friend the emitting actor belongs to, if any. */
export interface Route<O> {
  readonly layer: OutputLayer;
  run(t: RouteTarget, out: O, friend: Friend | undefined, actorKey: string): void;
}

type Routes = { readonly [K in MachineOutput['type']]: Route<Extract<MachineOutput, { type: K }>> };

export const OUTPUT_ROUTES = {
  // friendSession
  'send.addressCheck': { layer: 'dht', run: (t, o, f) => f && t.dht.checkAddress(o.dhtKey, o.address) },
  'send.cookieRequest': { layer: 'net_crypto', run: (t, o, f) => f && t.netCrypto.sendCookieRequest(f, o.dhtKey, o.address) },
  'send.handshake': { layer: 'net_crypto', run: (t, _o, f) => f && t.netCrypto.sendHandshake(f) },
  'send.confirm': { layer: 'net_crypto', run: (t, _o, f) => f && t.netCrypto.sendConfirm(f) },
  'session.close': { layer: 'net_crypto', run: (t, o, f) => f && t.netCrypto.close(f, o.sendKill, o.reason) },
  'send.alive': { layer: 'messenger', run: (t, _o, f) => f && t.messenger.sendAlive(f) },
  'notify.online': {
    layer: 'messenger',
    run: (t, o, f) => {
      if (!f) return;
      t.messenger.onOnline(f);
      t.app({ type: 'friend_online', friend: f.pkHex, path: o.path, t: t.now });
    },
  },
  'notify.path': { layer: 'application', run: (t, o, f) => f && t.app({ type: 'friend_path', friend: f.pkHex, path: o.path, t: t.now }) },
  'notify.offline': {
    layer: 'messenger',
    run: (t, o, f) => {
      if (!f) return;
      t.messenger.onOffline(f);
      f.lastNoReplay = 0n;
      t.app({ type: 'friend_offline', friend: f.pkHex, reason: o.reason, t: t.now });
    },
  },
  // tcpRelay: the actor's key (`relay:<relay key>`) names the relay
  'tcp.open': { layer: 'tcp client', run: (t, _o, _f, key) => t.tcp.open(key) },
  'tcp.close': { layer: 'tcp client', run: (t, o, _f, key) => t.tcp.close(key, o.reason) },
  'tcp.ping': { layer: 'tcp client', run: (t, _o, _f, key) => t.tcp.ping(key) },
  'notify.relayOnline': { layer: 'tcp client', run: (t, _o, _f, key) => t.tcp.relayOnline(key) },
  'notify.relayOffline': { layer: 'tcp client', run: (t, o, _f, key) => t.tcp.relayOffline(key, o.reason) },
  // connect
  'dht.search': { layer: 'dht', run: (t, o, f) => f && t.dht.search(f.pkHex, o.dhtKey) },
  'dht.searchRound': { layer: 'dht', run: (t, _o, f) => f && t.dht.searchRound(f.pkHex) },
  'dht.pingFriend': { layer: 'dht', run: (t, _o, f) => f && t.dht.pingFriend(f.pkHex) },
  'dht.searchStop': { layer: 'dht', run: (t, _o, f) => f && t.dht.stopSearch(f.pkHex) },
  // dhtkeyShare
  'onion.searchFriend': { layer: 'onion client', run: (t, _o, f) => f && t.onion.searchFriend(f) },
  'onion.sendDhtPk': { layer: 'onion client', run: (t, _o, f) => f && void t.onion.sendDhtPk(f) },
  'dht.sendDhtPk': { layer: 'onion client', run: (t, o, f) => f && void t.onion.sendDhtPkRoute(f, o.friendDhtKey) },
  // toxidAnnounce: the task's key (tox4id: or tox6id:) names the family of its self-announce list
  'onion.announceRound': { layer: 'onion client', run: (t, o, _f, key) => ifAnnounceTask(t, key, (family) => t.onion.announceRound(family, o.mode)) },
  'onion.announceTo': { layer: 'onion client', run: (t, o, _f, key) => ifAnnounceTask(t, key, (family) => t.onion.announceTo(family, o.node)) },
  'notify.announced': { layer: 'application', run: (t, _o, _f, key) => ifAnnounceTask(t, key, (family) => t.app({ type: 'announced', family, t: t.now })) },
  'notify.unannounced': {
    layer: 'application',
    run: (t, o, _f, key) => ifAnnounceTask(t, key, (family) => t.app({ type: 'unannounced', family, reason: o.reason, t: t.now })),
  },
  // friendRequest
  'onion.sendFriendRequest': {
    layer: 'onion client',
    run: (t, _o, f) => {
      if (!f) return;
      const copies = t.onion.sendFriendRequest(f, f.requestNospam, f.requestMessage);
      t.count('friend_request.copies_sent', copies);
      if (f.status === 'added' && copies > 0) {
        f.status = 'requested';
        t.app({ type: 'profile_changed', t: t.now });
      }
    },
  },
  'notify.requestAccepted': {
    layer: 'application',
    run: (t, _o, f, actorKey) => {
      if (!f) return;
      f.status = 'confirmed';
      f.requestMessage = '';
      t.removeActor(actorKey);
      t.app({ type: 'profile_changed', t: t.now });
    },
  },
} as const satisfies Routes;

/** Runs `fn` with the address family of announce task `key`; an announce output from any other actor is counted. */
function ifAnnounceTask(t: RouteTarget, key: string, fn: (family: IpFamily) => void): void {
  const family = announceFamilyOf(key);
  if (family === null) return t.count('error.announce_output_not_from_announce_task');
  fn(family);
}

/** Which layer executes each machine output (for the generated diagram and docs); looked up by any output type. */
export const OUTPUT_LAYER: Readonly<Record<MachineOutput['type'], OutputLayer>> & Readonly<Record<string, OutputLayer | undefined>> = Object.fromEntries(
  Object.entries(OUTPUT_ROUTES).map(([type, r]) => [type, r.layer]),
) as Record<MachineOutput['type'], OutputLayer>;

/** Executes one machine output; an output type no route names is counted, never thrown. */
export function routeOutput(t: RouteTarget, out: { readonly type: string }, friend: Friend | undefined, actorKey: string, machine: string): void {
  const route = (OUTPUT_ROUTES as Record<string, Route<never> | undefined>)[out.type];
  if (!route) return t.count(`error.unrouted_output.${machine}.${out.type}`);
  route.run(t, out as never, friend, actorKey);
}
