/**
 * The friend session's rules (machines/friend-session.ts is the statechart that uses them): its
 * context, events and outputs, the initial context, the guards (each a pure predicate on the
 * context and the event, compared with the event's `now`), why a session ends, and the
 * transitions several states share.
 */
import { assertEvent } from 'xstate';
import { FRIEND_DHT_TIMEOUT_MS, MAX_TEMP_PACKET_TRIES } from './constants.js';
import type { AddressSource, DhtKeySource } from './types.js';

/**
 * A fact about the friend, with its provenance (docs/architecture.md §1.2): what we believe, who
 * told us, when we first believed it, when it was last confirmed, and until when it counts as
 * fresh (FRIEND_DHT_TIMEOUT after the last confirmation).
 */
export interface Fact<Source extends string> {
  readonly value: string;
  readonly source: Source;
  readonly learnedAt: number;
  readonly confirmedAt: number;
  readonly freshUntil: number;
}

export interface FriendSessionContext {
  /** The friend's long-term public key, hex. */
  readonly friendPk: string;
  /** Time of the last event the machine handled. */
  now: number;
  /** The friend's DHT key (hex), or null when none is known. */
  dhtKey: Fact<DhtKeySource> | null;
  /** The friend's address ("ip:port"), or null. A `dhtSearch` address is a claim still being checked. */
  address: Fact<AddressSource> | null;
  /** How many times the current temp packet (cookie request or handshake) has been sent. */
  tries: number;
  /** When the current temp packet is due again (or the phase gives up). */
  resendAt: number | null;
  /** When the next ALIVE is due (Established only). */
  aliveSendAt: number | null;
  /** When the session ends unless an ALIVE arrives (Established only). */
  aliveDeadline: number | null;
  /** When the session became established. */
  onlineSince: number | null;
  /**
   * A TCP relay of ours can reach the friend's DHT key (a route registered or online at a relay,
   * TCP_connection.c): cookie requests and handshakes can go through it without an address.
   */
  relayed: boolean;
  /**
   * Established: how the session's packets travel — `udp` while a packet arrived directly within
   * the last 8 s (net_crypto.c UDP_DIRECT_TIMEOUT), else `tcp` through a relay. Null otherwise.
   */
  path: SessionPath | null;
}

/** How an established session's packets travel: directly over UDP, or through a TCP relay. */
export type SessionPath = 'udp' | 'tcp';

export interface FriendSessionInput {
  friendPk: string;
  now: number;
}

export type FriendSessionEvent =
  | { type: 'dhtKey.learned'; now: number; dhtKey: string; source: DhtKeySource }
  | { type: 'address.learned'; now: number; address: string; source: AddressSource }
  /** `via`: directly over UDP from the address we asked, or through a relay (which proves nothing about the address). */
  | { type: 'packet.cookieResponse'; now: number; via: SessionPath }
  /** `address` is where it came from over UDP; null when it came through a TCP relay. */
  | { type: 'packet.handshake'; now: number; dhtKey: string; address: string | null }
  | { type: 'packet.session'; now: number; via: SessionPath }
  | { type: 'packet.alive'; now: number; via: SessionPath }
  /** Whether a relay of ours can reach the friend's DHT key now. */
  | { type: 'relay.route'; now: number; routed: boolean }
  /** net_crypto saw the session's path change (a direct packet arrived, or none for 8 s). */
  | { type: 'path.changed'; now: number; path: SessionPath }
  | { type: 'packet.kill'; now: number }
  | { type: 'tick'; now: number };

export type FriendSessionOutput =
  | { type: 'send.addressCheck'; dhtKey: string; address: string }
  /** `address` null: only through the friend's relay route (net_crypto sends to both when it has both). */
  | { type: 'send.cookieRequest'; dhtKey: string; address: string | null; attempt: number }
  | { type: 'send.handshake'; dhtKey: string; address: string | null; attempt: number }
  | { type: 'send.confirm'; address: string | null }
  | { type: 'send.alive' }
  | { type: 'session.close'; sendKill: boolean; reason: string }
  | { type: 'notify.online'; path: SessionPath }
  | { type: 'notify.path'; path: SessionPath }
  | { type: 'notify.offline'; reason: string };

/** No DHT key and no address: where a session starts, and what forgetting the key leaves. */
export const NOTHING_KNOWN = { dhtKey: null, address: null } as const satisfies Partial<FriendSessionContext>;

/** The context the session starts with: nothing known about the friend yet. */
export function initialFriendSessionContext(input: FriendSessionInput): FriendSessionContext {
  return {
    friendPk: input.friendPk,
    now: input.now,
    ...NOTHING_KNOWN,
    tries: 0,
    resendAt: null,
    aliveSendAt: null,
    aliveDeadline: null,
    onlineSince: null,
    relayed: false,
    path: null,
  };
}

/**
 * How much each source proves. A lower-ranked report never displaces a fresh fact of a higher
 * rank; a report of the same value confirms the fact and keeps the higher of the two sources.
 *
 * Address (seed "SockAddr"): a session packet (net_crypto decrypted it with the session keys)
 * beats a packet from the friend's DHT key at that address (it holds the key's secret and sent
 * from there), which beats a third party's nodes response (a claim anyone can make). c-toxcore
 * uses only addresses the friend's DHT key answered from (DHT.c addto_lists → friend_iplist);
 * a claim here is held, checked by asking that address (`send.addressCheck`), and used for
 * cookie requests only once the DHT key answers from it.
 *
 * DHT key (seed "DHTKey"): a handshake (it opened with a cookie we issued and is signed by the
 * friend's long-term key, just now) beats a DHT-PK over the onion or a DHT route (signed by the
 * long-term key, replay-protected, but possibly delayed), which beats a DHT packet from the
 * friend's address carrying another key (it proves only that some node sent from there).
 * A handshake outranks a DHT-PK only while its session lives: when that session ends (a kill,
 * a timeout, an attempt that runs out) the key is kept as `pastHandshake`, ranked with a signed
 * DHT-PK, so the friend's next DHT-PK naming a new key (it restarted) replaces it at once —
 * c-toxcore's friend_connection.c dht_pk_callback takes any new key at any time, and the
 * conformance campaign showed a c-toxcore peer doing so 40 s into the 122 s freshness window.
 */
export const ADDRESS_SOURCE_RANK: Readonly<Record<AddressSource, number>> = { dhtSearch: 1, dhtKeyPacket: 2, sessionPacket: 3 };
export const DHT_KEY_SOURCE_RANK: Readonly<Record<DhtKeySource, number>> = { dhtMessage: 1, onion: 2, dhtRoute: 2, pastHandshake: 2, handshake: 3 };

/** The DHT key once the session that proved it by handshake has ended (see DHT_KEY_SOURCE_RANK). */
export function pastSession(fact: Fact<DhtKeySource>): Fact<DhtKeySource> {
  return fact.source === 'handshake' ? { ...fact, source: 'pastHandshake' } : fact;
}

/** Whether a fact exists and has not reached its freshness deadline at `now`. */
export const isFresh = (fact: Fact<string> | null, now: number): fact is Fact<string> => fact !== null && now < fact.freshUntil;

/** Whether a report of `value` from `source` may take the place of (or confirm) `current` at `now`. */
export function mayReport<S extends string>(current: Fact<S> | null, value: string, source: S, rank: Readonly<Record<S, number>>, now: number): boolean {
  if (!isFresh(current, now) || current.value === value) return true;
  return rank[source] >= rank[current.source];
}

/**
 * The fact after a report of `value` from `source` at `now`: the same value is confirmed (fresh
 * again, the stronger source kept); another value, or a stale fact, is learned anew.
 */
export function reported<S extends string>(current: Fact<S> | null, value: string, source: S, rank: Readonly<Record<S, number>>, now: number): Fact<S> {
  const freshUntil = now + FRIEND_DHT_TIMEOUT_MS;
  if (current !== null && current.value === value && now < current.freshUntil)
    return { value, source: rank[source] > rank[current.source] ? source : current.source, learnedAt: current.learnedAt, confirmedAt: now, freshUntil };
  return { value, source, learnedAt: now, confirmedAt: now, freshUntil };
}

type GuardArgs = { readonly context: FriendSessionContext; readonly event: FriendSessionEvent };

/*
 * Invariants the states keep, which the guards and actions rely on instead of re-checking (a
 * check that can never fail is dead code): every state after AwaitingDHTKey holds a DHT key;
 * AcquiringCookie, AwaitingHandshake and AwaitingSessionPacket hold a pending temp packet
 * (resendAt) and an address or a relay route (or both); Established holds its ALIVE timers and a path. A broken invariant throws (a
 * `!` on null), which the engine counts as a handler error.
 */

/** The DHT key a key-bearing event names, and its source (a handshake is its own source). */
function reportedKey(event: FriendSessionEvent): { key: string; source: DhtKeySource } {
  assertEvent(event, ['dhtKey.learned', 'packet.handshake']);
  return { key: event.dhtKey, source: event.type === 'packet.handshake' ? 'handshake' : event.source };
}

/** The guards, by the names the statechart uses. */
export const friendSessionGuards = {
  /** The event names the DHT key we hold, from a source that vouches for it (a DHT message never does). */
  isSameDhtKey: ({ context, event }: GuardArgs) => {
    const { key, source } = reportedKey(event);
    return key === context.dhtKey!.value && source !== 'dhtMessage';
  },
  /** The event names a DHT key other than ours (the friend restarted), and its source may displace ours. */
  isNewDhtKey: ({ context, event }: GuardArgs) => {
    const { key, source } = reportedKey(event);
    return key !== context.dhtKey!.value && mayReport(context.dhtKey, key, source, DHT_KEY_SOURCE_RANK, event.now);
  },
  /**
   * Established: a DHT key other than the session's, signed by the friend's long-term key (onion
   * or DHT-routed DHT-PK, or a handshake) — the friend restarted. A DHT message never ends a session.
   */
  isRestartDhtKey: ({ context, event }: GuardArgs) => {
    const { key, source } = reportedKey(event);
    return key !== context.dhtKey!.value && source !== 'dhtMessage';
  },
  /** Our DHT key for the friend was not confirmed for FRIEND_DHT_TIMEOUT. */
  isDhtKeyStale: ({ context, event }: GuardArgs) => !isFresh(context.dhtKey, event.now),
  /** We hold an address and it was not confirmed for FRIEND_DHT_TIMEOUT. */
  isAddressStale: ({ context, event }: GuardArgs) => context.address !== null && !isFresh(context.address, event.now),
  /** An address from the friend's DHT key or session, which outranks (or confirms) the one we hold. */
  isCheckedAddress: ({ context, event }: GuardArgs) => {
    assertEvent(event, 'address.learned');
    return event.source !== 'dhtSearch' && mayReport(context.address, event.address, event.source, ADDRESS_SOURCE_RANK, event.now);
  },
  /** A third party's claim, and we hold nothing better: keep it and check it. */
  isAddressClaim: ({ context, event }: GuardArgs) => {
    assertEvent(event, 'address.learned');
    return event.source === 'dhtSearch' && mayReport(context.address, event.address, event.source, ADDRESS_SOURCE_RANK, event.now);
  },
  /** The temp packet is due again and fewer than 8 were sent. */
  isResendDue: ({ context, event }: GuardArgs) => event.now >= context.resendAt! && context.tries < MAX_TEMP_PACKET_TRIES,
  /** The temp packet was sent 8 times and its last interval passed without an answer. */
  isPhaseExhausted: ({ context, event }: GuardArgs) => event.now >= context.resendAt! && context.tries >= MAX_TEMP_PACKET_TRIES,
  /**
   * The packet came directly over UDP and we hold an address (net_crypto matched it by that
   * address): it confirms the address. Through a relay, or with no address held (a session that
   * started on a relay), it confirms nothing about an address.
   */
  isViaUdp: ({ context, event }: GuardArgs) => {
    assertEvent(event, ['packet.cookieResponse', 'packet.session', 'packet.alive']);
    return event.via === 'udp' && context.address !== null;
  },
  /** A relay route to the friend's DHT key has come up. */
  isRouted: ({ event }: GuardArgs) => {
    assertEvent(event, 'relay.route');
    return event.routed;
  },
  /** Eight cookie requests went unanswered, but a relay still reaches the friend: try again through it. */
  isPhaseExhaustedRelayed: ({ context, event }: GuardArgs) => context.relayed && event.now >= context.resendAt! && context.tries >= MAX_TEMP_PACKET_TRIES,
  /** The path changed to one the session is not on. */
  isOtherPath: ({ context, event }: GuardArgs) => {
    assertEvent(event, 'path.changed');
    return event.path !== context.path;
  },
  /** No ALIVE arrived within FRIEND_CONNECTION_TIMEOUT. */
  isSessionTimedOut: ({ context, event }: GuardArgs) => event.now >= context.aliveDeadline!,
  /** Our next ALIVE is due. */
  isAliveDue: ({ context, event }: GuardArgs) => event.now >= context.aliveSendAt!,
};

/** Why a session or attempt ends, in words for the journal and the application. */
export const reasonOf = (event: FriendSessionEvent): string =>
  // Sessions end on a kill packet, a timer, or a new DHT key (a DHT-PK or a handshake).
  event.type === 'packet.kill' ? 'kill packet received' : event.type === 'tick' ? 'timed out' : 'friend has a new DHT key (restart)';

// ---- transitions several states share (each state still lists them in the docs) ----------------

export const REMEMBER_ROUTE = {
  actions: ['observe', 'takeRoute'],
  description: "Whether a relay of ours reaches the friend's DHT key: remembered (an attempt can go through it).",
} as const;

export const SAME_DHT_KEY = {
  guard: 'isSameDhtKey',
  actions: ['observe', 'learnDhtKey'],
  description: 'The same DHT key again: confirmed, fresh for another 122 s.',
} as const;

export const CHECKED_ADDRESS = {
  guard: 'isCheckedAddress',
  actions: ['observe', 'learnAddress'],
  description: "An address the friend's DHT key or session answered from (never a weaker one over a fresh stronger one): resends go there.",
} as const;

export const FORGET_STALE_DHT_KEY = {
  guard: 'isDhtKeyStale',
  target: 'AwaitingDHTKey',
  actions: ['observe', 'endPhase', 'closeSilently', 'forgetDhtKey'],
  description: 'The DHT key was not confirmed for 122 s: stop this attempt, forget key and address, wait for a new key.',
} as const;

export const SEARCH_FOR_STALE_ADDRESS = {
  guard: 'isAddressStale',
  target: 'AcquiringIPAddress',
  actions: ['observe', 'endPhase', 'closeSilently', 'clearAddress'],
  description: 'The address was not confirmed for 122 s: stop this attempt, clear it and search the DHT again.',
} as const;

export const abandonForNewDhtKey = (what: 'attempt' | 'session') =>
  ({
    guard: 'isNewDhtKey',
    target: 'AcquiringIPAddress',
    actions: ['observe', 'endPhase', 'closeSilently', 'clearAddress', 'learnDhtKey'],
    description: `A different DHT key from a source at least as strong (the friend restarted): abandon this ${what} and search for the new key.`,
  }) as const;

/** An inbound valid handshake before any session: key and address at once, answered with ours. */
export const ACCEPT_HANDSHAKE = {
  target: 'AwaitingSessionPacket',
  actions: ['observe', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
} as const;
