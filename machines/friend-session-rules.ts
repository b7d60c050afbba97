/**
 * The friend session's rules (machines/friend-session.ts is the statechart that uses them): its
 * context, events and outputs, the initial context, the guards (each a pure predicate on the
 * context and the event, compared with the event's `now`), why a session ends, and the
 * transitions several states share.
 */
import { MAX_TEMP_PACKET_TRIES } from './constants.js';
import type { AddressSource, DhtKeySource } from './types.js';

export interface FriendSessionContext {
  /** The friend's long-term public key, hex. */
  readonly friendPk: string;
  /** Time of the last event the machine handled. */
  now: number;
  dhtKey: string | null;
  dhtKeySource: DhtKeySource | null;
  dhtKeyFreshUntil: number | null;
  address: string | null;
  addressSource: AddressSource | null;
  addressFreshUntil: number | null;
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
}

export interface FriendSessionInput {
  friendPk: string;
  now: number;
}

export type FriendSessionEvent =
  | { type: 'dhtKey.learned'; now: number; dhtKey: string; source: DhtKeySource }
  | { type: 'address.learned'; now: number; address: string; source: AddressSource }
  | { type: 'packet.cookieResponse'; now: number }
  | { type: 'packet.handshake'; now: number; dhtKey: string; address: string }
  | { type: 'packet.session'; now: number }
  | { type: 'packet.alive'; now: number }
  | { type: 'packet.kill'; now: number }
  | { type: 'tick'; now: number };

export type FriendSessionOutput =
  | { type: 'send.cookieRequest'; dhtKey: string; address: string; attempt: number }
  | { type: 'send.handshake'; dhtKey: string; address: string; attempt: number }
  | { type: 'send.confirm'; address: string }
  | { type: 'send.alive' }
  | { type: 'session.close'; sendKill: boolean; reason: string }
  | { type: 'notify.online' }
  | { type: 'notify.offline'; reason: string };

/** No DHT key and no address, with no provenance: where a session starts, and what forgetting the key leaves. */
export const NOTHING_KNOWN = {
  dhtKey: null,
  dhtKeySource: null,
  dhtKeyFreshUntil: null,
  address: null,
  addressSource: null,
  addressFreshUntil: null,
} as const satisfies Partial<FriendSessionContext>;

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
  };
}

type GuardArgs = { readonly context: FriendSessionContext; readonly event: FriendSessionEvent };

/** The guards, by the names the statechart uses. */
export const friendSessionGuards = {
  /** The event names the DHT key we already hold. */
  isSameDhtKey: ({ context, event }: GuardArgs) => 'dhtKey' in event && event.dhtKey === context.dhtKey,
  /** The event names a DHT key other than the one we hold (the friend restarted), or we hold none. */
  isNewDhtKey: ({ context, event }: GuardArgs) => 'dhtKey' in event && event.dhtKey !== context.dhtKey,
  /** Our DHT key for the friend was not refreshed for FRIEND_DHT_TIMEOUT. */
  isDhtKeyStale: ({ context, event }: GuardArgs) => context.dhtKeyFreshUntil === null || event.now >= context.dhtKeyFreshUntil,
  /** The friend's address was seen within FRIEND_DHT_TIMEOUT. */
  isAddressFresh: ({ context, event }: GuardArgs) => context.addressFreshUntil !== null && event.now < context.addressFreshUntil,
  /** The temp packet is due again and fewer than 8 were sent. */
  isResendDue: ({ context, event }: GuardArgs) =>
    context.resendAt !== null && event.now >= context.resendAt && context.tries < MAX_TEMP_PACKET_TRIES,
  /** The temp packet was sent 8 times and its last interval passed without an answer. */
  isPhaseExhausted: ({ context, event }: GuardArgs) =>
    context.resendAt !== null && event.now >= context.resendAt && context.tries >= MAX_TEMP_PACKET_TRIES,
  /** No ALIVE arrived within FRIEND_CONNECTION_TIMEOUT. */
  isSessionTimedOut: ({ context, event }: GuardArgs) => context.aliveDeadline !== null && event.now >= context.aliveDeadline,
  /** Our next ALIVE is due. */
  isAliveDue: ({ context, event }: GuardArgs) => context.aliveSendAt !== null && event.now >= context.aliveSendAt,
};

/** Why a session or attempt ends, in words for the journal and the application. */
export const reasonOf = (event: FriendSessionEvent): string => {
  switch (event.type) {
    case 'packet.kill':
      return 'kill packet received';
    case 'tick':
      return 'timed out';
    case 'dhtKey.learned':
    case 'packet.handshake':
      return 'friend has a new DHT key (restart)';
    default:
      return event.type;
  }
};

/** Shared transitions (the same rule in several states; each state still lists it in the docs). */
export const SAME_DHT_KEY = {
  guard: 'isSameDhtKey',
  actions: ['observe', 'refreshDhtKey'],
  description: 'The same DHT key again: it stays fresh.',
} as const;

export const NEWER_ADDRESS = {
  actions: ['observe', 'learnAddress'],
  description: 'A newer address: resends go there.',
} as const;

export const abandonForNewDhtKey = (what: 'attempt' | 'session') =>
  ({
    target: 'AcquiringIPAddress',
    actions: ['observe', 'endPhase', 'closeSilently', 'clearAddress', 'learnDhtKey'],
    description: `A different DHT key: abandon this ${what} and search for the new key.`,
  }) as const;

