/**
 * Reference model of the friend session, written as a specification: a table of rules, each
 * derived from the seed notes (docs/architecture.md §1) or c-toxcore 0.2.18 and citing where,
 * checked by the model-based test against machines/friend-session.ts at the initial snapshot and
 * at every step of every generated path. Nothing here is imported from machines/ except types:
 * the constants, the source ranks, the guards and the effects are this file's own reading of the
 * rules.
 *
 * A rule fires for its state and event type when its condition holds; the first such rule in
 * table order wins (the order is part of the specification: a stale DHT key is noticed before a
 * stale address, both before a resend). No rule: the event is ignored and nothing changes.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { FriendSessionContext } from '../../../machines/friend-session.js';
import type { Expectation, TimedEvent } from '../harness.js';

// ---- constants, from c-toxcore 0.2.18 ----------------------------------------------------------
/** net_crypto.h CRYPTO_SEND_PACKET_INTERVAL: a cookie request or handshake is resent every second. */
const RESEND_MS = 1000;
/** net_crypto.c MAX_NUM_SENDPACKET_TRIES: after 8 copies the phase gives up. */
const MAX_TRIES = 8;
/** friend_connection.h FRIEND_DHT_TIMEOUT = DHT.h BAD_NODE_TIMEOUT = 122 s: a DHT key or address not confirmed for this long is forgotten while connecting. */
const FRESH_MS = 122_000;
/** friend_connection.h FRIEND_PING_INTERVAL: ALIVE every 8 s. */
const PING_MS = 8_000;
/** friend_connection.h FRIEND_CONNECTION_TIMEOUT: 32 s without ALIVE ends the session. */
const TIMEOUT_MS = 32_000;
/*
 * TCP relays (net_crypto.c send_packet_to, crypto_connection_status; TCP_connection.c
 * send_packet_tcp_connection): a crypto connection sends over UDP to the address it holds and
 * through every relay that has a route to the peer's DHT key. A cookie request or handshake goes
 * both ways; once a packet arrived directly within UDP_DIRECT_TIMEOUT (8 s) the connection counts
 * as direct_connected and uses UDP only. The path itself is judged by net_crypto (the runtime
 * reports it as `path.changed`); the session only remembers it.
 */

// ---- provenance (seed "Information about contact toxid and events that provide it") -----------
/** SockAddr sources: a session packet > a packet from the friend's DHT key > a nodes response naming it (DHT.c addto_lists uses only the second and better). */
const ADDRESS_RANK: Record<string, number> = { dhtSearch: 1, dhtKeyPacket: 2, sessionPacket: 3 };
/** DHTKey sources: a handshake > a signed DHT-PK (onion or DHT route) > a DHT message from the friend's address. */
const KEY_RANK: Record<string, number> = { dhtMessage: 1, onion: 2, dhtRoute: 2, pastHandshake: 2, handshake: 3 };

type State = 'AwaitingDHTKey' | 'AcquiringIPAddress' | 'AcquiringCookie' | 'AwaitingHandshake' | 'AwaitingSessionPacket' | 'Established';
type Ctx = FriendSessionContext;
type FactLike = { value: string; source: string; learnedAt: number; confirmedAt: number; freshUntil: number };
/** `address` null: a handshake that came through a relay; `via`: how a session packet or ALIVE came. */
type Ev = { type: string; now: number; dhtKey?: string; address?: string | null; source?: string; via?: 'udp' | 'tcp'; routed?: boolean; path?: 'udp' | 'tcp' };
type Out = { type: string; [k: string]: unknown };

interface World {
  readonly c: Ctx;
  readonly e: Ev;
}

const fresh = (f: FactLike | null, now: number): boolean => f !== null && now < f.freshUntil;
/** A report may take the place of (or confirm) a fact unless that fact is fresh, different, and from a stronger source. */
const may = (cur: FactLike | null, value: string, source: string, rank: Record<string, number>, now: number): boolean =>
  !fresh(cur, now) || cur!.value === value || rank[source]! >= rank[cur!.source]!;
/** The fact after a report: a fresh fact of the same value is confirmed, keeping the stronger source and when it was learned; anything else is learned anew. */
const report = (cur: FactLike | null, value: string, source: string, rank: Record<string, number>, now: number): FactLike =>
  cur !== null && cur.value === value && fresh(cur, now)
    ? { value, source: rank[source]! > rank[cur.source]! ? source : cur.source, learnedAt: cur.learnedAt, confirmedAt: now, freshUntil: now + FRESH_MS }
    : { value, source, learnedAt: now, confirmedAt: now, freshUntil: now + FRESH_MS };

const keySource = (e: Ev): string => (e.type === 'packet.handshake' ? 'handshake' : e.source!);

// ---- conditions ---------------------------------------------------------------------------------
const sameKey = ({ c, e }: World): boolean => e.dhtKey === c.dhtKey?.value && keySource(e) !== 'dhtMessage';
const newKey = ({ c, e }: World): boolean => e.dhtKey !== c.dhtKey?.value && may(c.dhtKey, e.dhtKey!, keySource(e), KEY_RANK, e.now);
const restartKey = ({ c, e }: World): boolean => e.dhtKey !== c.dhtKey?.value && keySource(e) !== 'dhtMessage';
const checkedAddress = ({ c, e }: World): boolean => e.source !== 'dhtSearch' && may(c.address, e.address!, e.source!, ADDRESS_RANK, e.now);
const claim = ({ c, e }: World): boolean => e.source === 'dhtSearch' && may(c.address, e.address!, 'dhtSearch', ADDRESS_RANK, e.now);
const keyStale = ({ c, e }: World): boolean => !fresh(c.dhtKey, e.now);
const addressStale = ({ c, e }: World): boolean => c.address !== null && !fresh(c.address, e.now);
const resendDue = ({ c, e }: World): boolean => c.resendAt !== null && e.now >= c.resendAt && c.tries < MAX_TRIES;
const exhausted = ({ c, e }: World): boolean => c.resendAt !== null && e.now >= c.resendAt && c.tries >= MAX_TRIES;
const timedOut = ({ c, e }: World): boolean => c.aliveDeadline !== null && e.now >= c.aliveDeadline;
const aliveDue = ({ c, e }: World): boolean => c.aliveSendAt !== null && e.now >= c.aliveSendAt;
/** A relay route to the friend's DHT key came up (TCP_connection.c: a route registered and online at one of our relays). */
const routed = ({ e }: World): boolean => e.routed === true;
/** Eight cookie requests unanswered while a relay still reaches the friend. */
const exhaustedRelayed = (w: World): boolean => w.c.relayed && exhausted(w);
/** The packet came straight over UDP, not through a relay (it confirms the address held, if any: effects addressBy*). */
const direct = ({ e }: World): boolean => e.via === 'udp';
/** net_crypto reports a path other than the one the session is on. */
const otherPath = ({ c, e }: World): boolean => e.path !== c.path;

// ---- effects, applied in order to a working copy ----------------------------------------------
type Effect = (c: Ctx, e: Ev, out: Out[]) => void;
const why = (e: Ev): string =>
  e.type === 'packet.kill' ? 'kill packet received' : e.type === 'tick' ? 'timed out' : e.type === 'dhtKey.learned' || e.type === 'packet.handshake' ? 'friend has a new DHT key (restart)' : e.type;
const fx = {
  key: ((c, e) => void (c.dhtKey = report(c.dhtKey, e.dhtKey!, keySource(e), KEY_RANK, e.now) as Ctx['dhtKey'])) as Effect,
  keyConfirmedNow: ((c, e) => void (c.dhtKey = c.dhtKey && { ...c.dhtKey, confirmedAt: e.now, freshUntil: e.now + FRESH_MS })) as Effect,
  /** The session whose handshake proved the key is over: a signed DHT-PK may replace it now (friend_connection.c dht_pk_callback takes any new key). */
  keyOfPastSession: ((c) => void (c.dhtKey = c.dhtKey && (c.dhtKey.source === 'handshake' ? { ...c.dhtKey, source: 'pastHandshake' } : c.dhtKey))) as Effect,
  forget: ((c) => void ((c.dhtKey = null), (c.address = null))) as Effect,
  /**
   * The event's address with its source. A handshake through a relay names none: a checked address
   * held stays, a claim is dropped (UDP goes only to addresses the friend's key answered from,
   * DHT.c addto_lists → friend_connection.c dht_ip_callback → net_crypto.c set_direct_ip_port).
   */
  address: ((c, e) => {
    if (e.address === null || e.address === undefined) c.address = c.address?.source === 'dhtSearch' ? null : c.address;
    else c.address = report(c.address, e.address, e.type === 'packet.handshake' ? 'sessionPacket' : e.source!, ADDRESS_RANK, e.now) as Ctx['address'];
  }) as Effect,
  addressByDhtKey: ((c, e) => void (c.address = c.address && (report(c.address, c.address.value, 'dhtKeyPacket', ADDRESS_RANK, e.now) as Ctx['address']))) as Effect,
  addressBySession: ((c, e) => void (c.address = c.address && (report(c.address, c.address.value, 'sessionPacket', ADDRESS_RANK, e.now) as Ctx['address']))) as Effect,
  clearAddress: ((c) => void (c.address = null)) as Effect,
  route: ((c, e) => void (c.relayed = e.routed === true)) as Effect,
  /** The confirming packet's path, or the one net_crypto reports. */
  path: ((c, e) => void (c.path = e.type === 'path.changed' ? e.path! : e.via!)) as Effect,
  firstTry: ((c, e) => void ((c.tries = 1), (c.resendAt = e.now + RESEND_MS))) as Effect,
  nextTry: ((c, e) => void ((c.tries = c.tries + 1), (c.resendAt = e.now + RESEND_MS))) as Effect,
  noPhase: ((c) => void ((c.tries = 0), (c.resendAt = null))) as Effect,
  online: ((c, e) => void ((c.aliveSendAt = e.now + PING_MS), (c.aliveDeadline = e.now + TIMEOUT_MS), (c.onlineSince = e.now))) as Effect,
  aliveIn: ((c, e) => void (c.aliveDeadline = e.now + TIMEOUT_MS)) as Effect,
  aliveOut: ((c, e) => void (c.aliveSendAt = e.now + PING_MS)) as Effect,
  offline: ((c) => void ((c.aliveSendAt = null), (c.aliveDeadline = null), (c.onlineSince = null), (c.path = null))) as Effect,
  // outputs
  check: ((c, _e, out) => void out.push({ type: 'send.addressCheck', dhtKey: c.dhtKey?.value ?? '', address: c.address?.value ?? '' })) as Effect,
  // No address: the packet goes only through the friend's relay route (net_crypto.c send_packet_to).
  cookie: ((c, _e, out) => void out.push({ type: 'send.cookieRequest', dhtKey: c.dhtKey?.value ?? '', address: c.address?.value ?? null, attempt: c.tries })) as Effect,
  handshake: ((c, _e, out) => void out.push({ type: 'send.handshake', dhtKey: c.dhtKey?.value ?? '', address: c.address?.value ?? null, attempt: c.tries })) as Effect,
  confirm: ((c, _e, out) => void out.push({ type: 'send.confirm', address: c.address?.value ?? null })) as Effect,
  alive: ((_c, _e, out) => void out.push({ type: 'send.alive' })) as Effect,
  closeQuietly: ((_c, e, out) => void out.push({ type: 'session.close', sendKill: false, reason: why(e) })) as Effect,
  closeWithKill: ((_c, e, out) => void out.push({ type: 'session.close', sendKill: true, reason: why(e) })) as Effect,
  notifyOnline: ((c, _e, out) => void out.push({ type: 'notify.online', path: c.path })) as Effect,
  notifyPath: ((c, _e, out) => void out.push({ type: 'notify.path', path: c.path })) as Effect,
  notifyOffline: ((_c, e, out) => void out.push({ type: 'notify.offline', reason: why(e) })) as Effect,
};

interface Rule {
  readonly id: string;
  readonly states: readonly State[];
  readonly on: string;
  readonly when?: (w: World) => boolean;
  /** The next state; absent: the state does not change. */
  readonly to?: State;
  readonly effects: readonly Effect[];
  readonly cite: string;
}

const CONNECTING: readonly State[] = ['AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket'];
const BEFORE_SESSION: readonly State[] = ['AwaitingDHTKey', 'AcquiringIPAddress', 'AcquiringCookie'];

/** The rules, in the order they are tried. */
export const FRIEND_SESSION_SPEC: readonly Rule[] = [
  // -- DHT keys
  { id: 'first-key', states: ['AwaitingDHTKey'], on: 'dhtKey.learned', to: 'AcquiringIPAddress', effects: [fx.key], cite: 'seed "DHTKey: receive dhtpk over DataToRoute transport / dht message / dht-request"; friend_connection.c dht_pk_callback' },
  { id: 'same-key', states: ['AcquiringIPAddress', ...CONNECTING, 'Established'], on: 'dhtKey.learned', when: sameKey, effects: [fx.key], cite: 'friend_connection.c dht_pk_callback: the same key only refreshes dht_pk_lastrecv' },
  { id: 'new-key-searching', states: ['AcquiringIPAddress'], on: 'dhtKey.learned', when: newKey, effects: [fx.clearAddress, fx.key], cite: 'friend_connection.c change_dht_pk: the old key is dropped from the DHT (dht_delfriend) and the new one searched' },
  { id: 'new-key-connecting', states: CONNECTING, on: 'dhtKey.learned', when: newKey, to: 'AcquiringIPAddress', effects: [fx.noPhase, fx.closeQuietly, fx.clearAddress, fx.key], cite: 'friend_connection.c dht_pk_callback: crypto_kill the connection to the old key' },
  { id: 'new-key-established', states: ['Established'], on: 'dhtKey.learned', when: restartKey, to: 'AcquiringIPAddress', effects: [fx.closeWithKill, fx.notifyOffline, fx.offline, fx.clearAddress, fx.key], cite: 'friend_connection.c dht_pk_callback: crypto_kill + handle_status(offline) on a signed new key' },
  // -- addresses
  { id: 'checked-address-searching', states: ['AcquiringIPAddress'], on: 'address.learned', when: checkedAddress, to: 'AcquiringCookie', effects: [fx.address, fx.firstTry, fx.cookie], cite: 'seed "(AcquiringCookie) getCookie" while dhtkey and sockaddr are fresh; DHT.c addto_lists → friend_connection.c dht_ip_callback' },
  { id: 'claim', states: ['AcquiringIPAddress'], on: 'address.learned', when: claim, effects: [fx.address, fx.check], cite: 'seed "receive query result with dhtkey"; DHT.c handle_sendnodes_ipv6 → returnedip_ports/getnodes: a claim is asked, never used' },
  { id: 'checked-address-connecting', states: [...CONNECTING, 'Established'], on: 'address.learned', when: checkedAddress, effects: [fx.address], cite: 'friend_connection.c dht_ip_callback → set_direct_ip_port, whatever the connection status (a session on a relay can then find the direct path)' },
  // -- relay routes (TCP_connection.c; net_crypto.c send_packet_to)
  { id: 'relay-route-searching', states: ['AcquiringIPAddress'], on: 'relay.route', when: routed, to: 'AcquiringCookie', effects: [fx.route, fx.clearAddress, fx.firstTry, fx.cookie], cite: 'friend_connection.c do_friend_connections → friend_new_connection as soon as the DHT key is known; net_crypto.c send_packet_to: without a checked ip_port the cookie request goes only over TCP (send_packet_tcp_connection); a claim is never a destination' },
  { id: 'relay-route', states: ['AwaitingDHTKey', 'AcquiringIPAddress', ...CONNECTING, 'Established'], on: 'relay.route', effects: [fx.route], cite: 'TCP_connection.c: routes come and go with the relays (tcp_connection_to_online_tcp_relays); remembered for the next attempt' },
  // -- cookies, handshakes, session packets (net_crypto.c)
  { id: 'cookie-udp', states: ['AcquiringCookie'], on: 'packet.cookieResponse', when: direct, to: 'AwaitingHandshake', effects: [fx.addressByDhtKey, fx.firstTry, fx.handshake], cite: 'net_crypto.c handle_packet_connection COOKIE_RESPONSE: CRYPTO_CONN_COOKIE_REQUESTING → HANDSHAKE_SENT; came over UDP from the address asked: it confirms it (direct_lastrecv_time)' },
  { id: 'cookie-tcp', states: ['AcquiringCookie'], on: 'packet.cookieResponse', to: 'AwaitingHandshake', effects: [fx.firstTry, fx.handshake], cite: 'net_crypto.c tcp_data_callback → handle_packet_connection COOKIE_RESPONSE → HANDSHAKE_SENT; through a relay it proves nothing about an address' },
  { id: 'inbound-handshake', states: BEFORE_SESSION, on: 'packet.handshake', to: 'AwaitingSessionPacket', effects: [fx.key, fx.address, fx.firstTry, fx.handshake, fx.confirm], cite: 'net_crypto.c handle_new_connection_handshake / handle_packet_connection: → NOT_CONFIRMED, answered with our handshake; seed "On inbound: Handshake received! (AwaitingSessionPacket)"' },
  { id: 'answer-handshake', states: ['AwaitingHandshake'], on: 'packet.handshake', when: sameKey, to: 'AwaitingSessionPacket', effects: [fx.key, fx.address, fx.firstTry, fx.confirm], cite: 'net_crypto.c handle_packet_connection HANDSHAKE in HANDSHAKE_SENT → NOT_CONFIRMED' },
  { id: 'handshake-new-key', states: ['AwaitingHandshake'], on: 'packet.handshake', to: 'AwaitingSessionPacket', effects: [fx.closeQuietly, fx.key, fx.address, fx.firstTry, fx.handshake, fx.confirm], cite: 'net_crypto.c handle_new_connection_handshake: a handshake from a new DHT key replaces the connection' },
  { id: 'repeat-handshake', states: ['AwaitingSessionPacket'], on: 'packet.handshake', when: sameKey, effects: [fx.key, fx.address], cite: 'net_crypto.c handle_packet_connection: a repeated handshake updates nonce and session key' },
  { id: 'handshake-new-key-unconfirmed', states: ['AwaitingSessionPacket'], on: 'packet.handshake', effects: [fx.closeQuietly, fx.key, fx.address, fx.firstTry, fx.handshake, fx.confirm], cite: 'net_crypto.c handle_new_connection_handshake' },
  { id: 'handshake-new-key-established', states: ['Established'], on: 'packet.handshake', when: restartKey, to: 'AwaitingSessionPacket', effects: [fx.closeWithKill, fx.notifyOffline, fx.offline, fx.key, fx.address, fx.firstTry, fx.handshake, fx.confirm], cite: 'net_crypto.c handle_new_connection_handshake: the old connection is killed' },
  { id: 'confirmed-udp', states: ['AwaitingSessionPacket'], on: 'packet.session', when: direct, to: 'Established', effects: [fx.addressBySession, fx.path, fx.noPhase, fx.online, fx.notifyOnline, fx.alive], cite: 'net_crypto.c handle_data_packet_core: NOT_CONFIRMED → ESTABLISHED; a direct packet sets direct_lastrecv_time (handle_packet… crypto_id_ip_port); friend_connection.c: ALIVE at once' },
  { id: 'confirmed-tcp', states: ['AwaitingSessionPacket'], on: 'packet.session', to: 'Established', effects: [fx.path, fx.noPhase, fx.online, fx.notifyOnline, fx.alive], cite: 'net_crypto.c tcp_data_callback → handle_packet_connection: confirmed through a relay, no direct_lastrecv_time (the address proves nothing)' },
  { id: 'alive-in-udp', states: ['Established'], on: 'packet.alive', when: direct, effects: [fx.addressBySession, fx.aliveIn], cite: 'friend_connection.c handle_packet PACKET_ID_ALIVE: ping_lastrecv; from the address: it is confirmed' },
  { id: 'alive-in-tcp', states: ['Established'], on: 'packet.alive', effects: [fx.aliveIn], cite: 'friend_connection.c handle_packet PACKET_ID_ALIVE: ping_lastrecv, whichever way it came' },
  { id: 'path-changed', states: ['Established'], on: 'path.changed', when: otherPath, effects: [fx.path, fx.notifyPath], cite: 'net_crypto.c crypto_connection_status: direct_connected while a direct packet came within UDP_DIRECT_TIMEOUT; the session (friend_connection status) stays up either way' },
  { id: 'kill-unconfirmed', states: ['AwaitingSessionPacket'], on: 'packet.kill', to: 'AcquiringCookie', effects: [fx.closeQuietly, fx.keyOfPastSession, fx.firstTry, fx.cookie], cite: 'net_crypto.c handle_data_packet_core PACKET_ID_KILL; friend_connection re-creates the connection' },
  { id: 'kill-established', states: ['Established'], on: 'packet.kill', to: 'AcquiringCookie', effects: [fx.notifyOffline, fx.offline, fx.closeQuietly, fx.keyOfPastSession, fx.keyConfirmedNow, fx.firstTry, fx.cookie], cite: 'net_crypto.c PACKET_ID_KILL; friend_connection.c handle_status: dht_pk_lastrecv = now on going offline' },
  // -- time
  { id: 'key-stale-searching', states: ['AcquiringIPAddress'], on: 'tick', when: keyStale, to: 'AwaitingDHTKey', effects: [fx.forget], cite: 'friend_connection.c do_friend_connections: dht_delfriend after FRIEND_DHT_TIMEOUT' },
  { id: 'claim-stale', states: ['AcquiringIPAddress'], on: 'tick', when: addressStale, effects: [fx.clearAddress], cite: 'friend_connection.c do_friend_connections: dht_ip_port unset after FRIEND_DHT_TIMEOUT' },
  { id: 'key-stale', states: CONNECTING, on: 'tick', when: keyStale, to: 'AwaitingDHTKey', effects: [fx.noPhase, fx.closeQuietly, fx.forget], cite: 'friend_connection.c do_friend_connections: FRIEND_DHT_TIMEOUT applies while FRIENDCONN_STATUS_CONNECTING, in every net_crypto state' },
  { id: 'address-stale', states: CONNECTING, on: 'tick', when: addressStale, to: 'AcquiringIPAddress', effects: [fx.noPhase, fx.closeQuietly, fx.clearAddress, fx.keyOfPastSession], cite: 'friend_connection.c do_friend_connections: dht_ip_port unset after FRIEND_DHT_TIMEOUT; seed "while (dhtkey is fresh but sockaddr is stale) search{node} dhtkey"' },
  { id: 'resend-cookie', states: ['AcquiringCookie'], on: 'tick', when: resendDue, effects: [fx.nextTry, fx.cookie], cite: 'net_crypto.c send_temp_packet every CRYPTO_SEND_PACKET_INTERVAL' },
  { id: 'resend-handshake', states: ['AwaitingHandshake'], on: 'tick', when: resendDue, effects: [fx.nextTry, fx.handshake], cite: 'net_crypto.c send_temp_packet every CRYPTO_SEND_PACKET_INTERVAL' },
  { id: 'resend-unconfirmed', states: ['AwaitingSessionPacket'], on: 'tick', when: resendDue, effects: [fx.nextTry, fx.handshake, fx.confirm], cite: 'net_crypto.c send_temp_packet + the first data packet (NOT_CONFIRMED)' },
  { id: 'cookie-exhausted-relayed', states: ['AcquiringCookie'], on: 'tick', when: exhaustedRelayed, effects: [fx.closeQuietly, fx.clearAddress, fx.firstTry, fx.cookie], cite: 'net_crypto.c kill_timedout after MAX_NUM_SENDPACKET_TRIES; friend_connection.c do_friend_connections: friend_new_connection at once, and a relay still reaches the key; seed "on timeout, consider sockaddr stale, set sockaddr to Nothing"' },
  { id: 'cookie-exhausted', states: ['AcquiringCookie'], on: 'tick', when: exhausted, to: 'AcquiringIPAddress', effects: [fx.noPhase, fx.closeQuietly, fx.clearAddress], cite: 'seed "getCookie { on timeout, consider sockaddr stale, set sockaddr to Nothing }"; net_crypto.c MAX_NUM_SENDPACKET_TRIES' },
  { id: 'attempt-exhausted', states: ['AwaitingHandshake', 'AwaitingSessionPacket'], on: 'tick', when: exhausted, to: 'AcquiringCookie', effects: [fx.closeQuietly, fx.keyOfPastSession, fx.firstTry, fx.cookie], cite: 'net_crypto.c MAX_NUM_SENDPACKET_TRIES → crypto_kill; friend_connection.c friend_new_connection' },
  { id: 'session-timeout', states: ['Established'], on: 'tick', when: timedOut, to: 'AcquiringIPAddress', effects: [fx.closeWithKill, fx.notifyOffline, fx.offline, fx.clearAddress, fx.keyOfPastSession, fx.keyConfirmedNow], cite: 'friend_connection.c do_friend_connections FRIEND_CONNECTION_TIMEOUT; handle_status: dht_pk_lastrecv = now' },
  { id: 'alive-out', states: ['Established'], on: 'tick', when: aliveDue, effects: [fx.aliveOut, fx.alive], cite: 'friend_connection.c send_ping every FRIEND_PING_INTERVAL' },
];

/** The initial snapshot: nothing known (seed "AwaitingDHTKey -- Waiting to receive their DHT key"). */
export function friendSessionInitial(input: unknown): Expectation {
  const { friendPk, now } = input as { friendPk: string; now: number };
  return {
    value: 'AwaitingDHTKey',
    context: { friendPk, now, dhtKey: null, address: null, tries: 0, resendAt: null, aliveSendAt: null, aliveDeadline: null, onlineSince: null, relayed: false, path: null },
    outputs: [],
  };
}

/** The rule that fires for `event` in `snapshot`, or undefined. */
export function friendSessionRule(snapshot: AnyMachineSnapshot, event: TimedEvent): Rule | undefined {
  const state = snapshot.value as State;
  const w: World = { c: snapshot.context as Ctx, e: event as unknown as Ev };
  return FRIEND_SESSION_SPEC.find((r) => r.on === event.type && r.states.includes(state) && (r.when === undefined || r.when(w)));
}

export function friendSessionOracle(snapshot: AnyMachineSnapshot, event: TimedEvent): Expectation {
  const before = snapshot.context as Ctx;
  const rule = friendSessionRule(snapshot, event);
  if (!rule) return { value: snapshot.value, context: before, outputs: [] };
  const c: Ctx = { ...before, now: event.now };
  const out: Out[] = [];
  for (const effect of rule.effects) effect(c, event as unknown as Ev, out);
  return { value: rule.to ?? snapshot.value, context: c, outputs: out };
}

/**
 * When the session wants its next tick, and why: the earliest of the timers its state runs —
 * none while waiting for a DHT key; the key's and the address's freshness while searching;
 * those and the temp packet's resend while handshaking (friend_connection.c
 * do_friend_connections, net_crypto.c send_temp_packet); the ALIVE timeout and the next ALIVE
 * once established (friend_connection.c). On a tie the first listed wins.
 */
export function friendSessionDeadline(state: { value: unknown; context: object }): { at: number; reason: string } | null {
  const c = state.context as Ctx;
  const timers: Array<{ at: number | null | undefined; reason: string }> = [];
  const key = { at: c.dhtKey?.freshUntil, reason: 'DHT key expires (not confirmed for 122 s)' };
  const address = { at: c.address?.freshUntil, reason: c.address?.source === 'dhtSearch' ? 'address claim expires (never confirmed)' : 'address expires (not confirmed for 122 s)' };
  const phase = (what: string) => ({ at: c.resendAt, reason: c.tries < MAX_TRIES ? `${what} retry ${c.tries + 1}/${MAX_TRIES}` : `${what} gives up after ${MAX_TRIES} tries` });
  switch (state.value as State) {
    case 'AwaitingDHTKey':
      break;
    case 'AcquiringIPAddress':
      timers.push(key, address);
      break;
    case 'AcquiringCookie':
      timers.push(key, address, phase('cookie request'));
      break;
    case 'AwaitingHandshake':
      timers.push(key, address, phase('handshake'));
      break;
    case 'AwaitingSessionPacket':
      timers.push(key, address, phase('handshake (awaiting session packet)'));
      break;
    case 'Established':
      timers.push({ at: c.aliveDeadline, reason: 'session timeout (no ALIVE for 32 s)' }, { at: c.aliveSendAt, reason: 'ALIVE ping (every 8 s)' });
      break;
  }
  let best: { at: number; reason: string } | null = null;
  for (const t of timers) if (typeof t.at === 'number' && (best === null || t.at < best.at)) best = { at: t.at, reason: t.reason };
  return best;
}
