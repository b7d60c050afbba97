/**
 * friendSession — one friend's connection, from not knowing where the friend is to an
 * established net_crypto session and back.
 *
 * Models: the ToxProgress ladder (docs/architecture.md §1.1) with c-toxcore 0.2.18's net_crypto
 * connection states (docs/protocol.md §4.4) and friend_connection rules (§5):
 *
 *   AwaitingDHTKey → AcquiringIPAddress → AcquiringCookie → AwaitingHandshake
 *     → AwaitingSessionPacket → Established
 *
 * - A DHT key arrives with its provenance (onion DHT-PK, DHT-routed DHT-PK, handshake) and
 *   stays fresh for 122 s unless refreshed (FRIEND_DHT_TIMEOUT).
 * - An address arrives with its provenance (a packet from that DHT key, a DHT search result, a
 *   session packet); every packet from the friend refreshes it.
 * - Cookie request and handshake are resent every 1 s, 8 times (COOKIE_REQUESTING /
 *   HANDSHAKE_SENT / NOT_CONFIRMED). A cookie phase that runs out means the address is stale:
 *   it is cleared and the DHT search resumes. A handshake phase that runs out starts a new
 *   attempt at once, as friend_connection re-creates the crypto connection.
 * - An inbound valid handshake moves any earlier step straight to AwaitingSessionPacket.
 * - The first valid session packet confirms the session (Established): ALIVE every 8 s, and
 *   32 s without an ALIVE ends it. A kill packet ends it at once. A new DHT key (the friend
 *   restarted) ends it and reconnects toward the new key.
 *
 * Timers owned (all deadlines in context, compared with the event's `now`):
 *   resendAt (temp packet), dhtKeyFreshUntil, addressFreshUntil, aliveSendAt, aliveDeadline.
 *
 * The context, events, outputs, initial context, guards and the transitions several states share
 * are in friend-session-rules.ts; this file holds the actions, the states and the snapshot readers.
 */
import { assertEvent, assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  FRIEND_CONNECTION_TIMEOUT_MS,
  FRIEND_DHT_TIMEOUT_MS,
  FRIEND_PING_INTERVAL_MS,
  MAX_TEMP_PACKET_TRIES,
  TEMP_PACKET_RESEND_INTERVAL_MS,
} from './constants.js';
import {
  abandonForNewDhtKey,
  friendSessionGuards,
  initialFriendSessionContext,
  NEWER_ADDRESS,
  NOTHING_KNOWN,
  reasonOf,
  SAME_DHT_KEY,
  type FriendSessionContext,
  type FriendSessionEvent,
  type FriendSessionInput,
  type FriendSessionOutput,
} from './friend-session-rules.js';
import { deadline, earliest, type Deadline, type FriendSessionState } from './types.js';

export type { FriendSessionContext, FriendSessionEvent, FriendSessionInput, FriendSessionOutput } from './friend-session-rules.js';

/** Which named action emits which output (used by the generated documentation). */
export const friendSessionOutputsByAction = {
  sendCookieRequest: 'send.cookieRequest',
  sendHandshake: 'send.handshake',
  sendConfirm: 'send.confirm',
  sendAlive: 'send.alive',
  closeWithKill: 'session.close',
  closeSilently: 'session.close',
  notifyOnline: 'notify.online',
  notifyOffline: 'notify.offline',
} as const;

export const friendSession = setup({
  types: {
    context: {} as FriendSessionContext,
    events: {} as FriendSessionEvent,
    input: {} as FriendSessionInput,
    emitted: {} as FriendSessionOutput,
  },
  guards: friendSessionGuards,
  actions: {
    /** Records the time of the event. */
    observe: assign({ now: ({ event }) => event.now }),
    /** Takes the event's DHT key (and its provenance) as current and fresh. */
    learnDhtKey: assign(({ event }) => {
      assertEvent(event, ['dhtKey.learned', 'packet.handshake']);
      return {
        dhtKey: event.dhtKey,
        dhtKeySource: event.type === 'packet.handshake' ? ('handshake' as const) : event.source,
        dhtKeyFreshUntil: event.now + FRIEND_DHT_TIMEOUT_MS,
      };
    }),
    /** The same DHT key arrived again: it stays fresh for another FRIEND_DHT_TIMEOUT. */
    refreshDhtKey: assign({ dhtKeyFreshUntil: ({ event }) => event.now + FRIEND_DHT_TIMEOUT_MS }),
    /** Forgets the DHT key and the address (c-toxcore: dht_delfriend after FRIEND_DHT_TIMEOUT). */
    forgetDhtKey: assign({ ...NOTHING_KNOWN }),
    /** Takes the event's address (and its provenance) as current and fresh. */
    learnAddress: assign(({ event }) => {
      assertEvent(event, ['address.learned', 'packet.handshake']);
      return {
        address: event.address,
        addressSource: event.type === 'packet.handshake' ? ('sessionPacket' as const) : event.source,
        addressFreshUntil: event.now + FRIEND_DHT_TIMEOUT_MS,
      };
    }),
    /** A packet from the friend at the current address keeps the address fresh. */
    refreshAddress: assign({ addressFreshUntil: ({ event }) => event.now + FRIEND_DHT_TIMEOUT_MS }),
    /** The address failed to answer: it is stale and cleared (seed: "set sockaddr to Nothing"). */
    clearAddress: assign({ address: null, addressSource: null, addressFreshUntil: null }),
    /** Starts a new temp-packet phase: first copy sent now, next due in 1 s. */
    beginPhase: assign({ tries: 1, resendAt: ({ event }) => event.now + TEMP_PACKET_RESEND_INTERVAL_MS }),
    /** One more copy of the temp packet went out. */
    countResend: assign({
      tries: ({ context }) => context.tries + 1,
      resendAt: ({ event }) => event.now + TEMP_PACKET_RESEND_INTERVAL_MS,
    }),
    /** No temp packet is pending. */
    endPhase: assign({ tries: 0, resendAt: null }),
    /** The session is confirmed: ALIVE goes out now, the peer has 32 s to send one. */
    armAlive: assign({
      aliveSendAt: ({ event }) => event.now + FRIEND_PING_INTERVAL_MS,
      aliveDeadline: ({ event }) => event.now + FRIEND_CONNECTION_TIMEOUT_MS,
      onlineSince: ({ event }) => event.now,
    }),
    /** An ALIVE arrived: the peer has another 32 s. */
    receiveAlive: assign({ aliveDeadline: ({ event }) => event.now + FRIEND_CONNECTION_TIMEOUT_MS }),
    /** Our ALIVE went out; the next is due in 8 s. */
    rearmAliveSend: assign({ aliveSendAt: ({ event }) => event.now + FRIEND_PING_INTERVAL_MS }),
    /** The session is over; its timers stop. */
    disarmAlive: assign({ aliveSendAt: null, aliveDeadline: null, onlineSince: null }),

    sendCookieRequest: emit(({ context }) => ({
      type: 'send.cookieRequest' as const,
      dhtKey: context.dhtKey ?? '',
      address: context.address ?? '',
      attempt: context.tries,
    })),
    sendHandshake: emit(({ context }) => ({
      type: 'send.handshake' as const,
      dhtKey: context.dhtKey ?? '',
      address: context.address ?? '',
      attempt: context.tries,
    })),
    sendConfirm: emit(({ context }) => ({ type: 'send.confirm' as const, address: context.address ?? '' })),
    sendAlive: emit({ type: 'send.alive' as const }),
    closeWithKill: emit(({ event }) => ({ type: 'session.close' as const, sendKill: true, reason: reasonOf(event) })),
    closeSilently: emit(({ event }) => ({ type: 'session.close' as const, sendKill: false, reason: reasonOf(event) })),
    notifyOnline: emit({ type: 'notify.online' as const }),
    notifyOffline: emit(({ event }) => ({ type: 'notify.offline' as const, reason: reasonOf(event) })),
  },
}).createMachine({
  id: 'friendSession',
  description: "One friend's connection: from an unknown DHT key to an established net_crypto session (docs/protocol.md §4.4, §5).",
  context: ({ input }) => initialFriendSessionContext(input),
  initial: 'AwaitingDHTKey',
  states: {
    AwaitingDHTKey: {
      description: "We do not know the friend's current DHT key; the dhtkey task is searching for the friend over the onion.",
      on: {
        'dhtKey.learned': {
          target: 'AcquiringIPAddress',
          actions: ['observe', 'learnDhtKey'],
          description: 'A DHT key arrived (onion DHT-PK or DHT route): search the DHT for its address.',
        },
        'packet.handshake': {
          target: 'AwaitingSessionPacket',
          actions: ['observe', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
          description: 'An inbound valid handshake gives key and address at once: answer with our handshake (accepted).',
        },
      },
    },
    AcquiringIPAddress: {
      description: "We know the DHT key and search the DHT for that node's IP and port (connect task, stale mode).",
      on: {
        'dhtKey.learned': [
          SAME_DHT_KEY,
          {
            actions: ['observe', 'learnDhtKey'],
            description: 'A different DHT key (the friend restarted): search for the new one instead.',
          },
        ],
        'address.learned': {
          target: 'AcquiringCookie',
          actions: ['observe', 'learnAddress', 'beginPhase', 'sendCookieRequest'],
          description: 'A fresh address for the DHT key: ask it for a cookie.',
        },
        'packet.handshake': {
          target: 'AwaitingSessionPacket',
          actions: ['observe', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
          description: 'An inbound valid handshake: accept it and answer with ours.',
        },
        tick: {
          guard: 'isDhtKeyStale',
          target: 'AwaitingDHTKey',
          actions: ['observe', 'forgetDhtKey'],
          description: 'The DHT key was not refreshed for 122 s: forget it and wait for a new one.',
        },
      },
    },
    AcquiringCookie: {
      description: "We ask the friend's node for a cookie (net_crypto COOKIE_REQUESTING); the request is resent every 1 s, 8 times.",
      on: {
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('attempt')],
        'address.learned': {
          actions: ['observe', 'learnAddress'],
          description: 'A newer address: the next cookie request goes there.',
        },
        'packet.cookieResponse': {
          target: 'AwaitingHandshake',
          actions: ['observe', 'refreshAddress', 'beginPhase', 'sendHandshake'],
          description: 'A valid cookie: send our handshake with it (HANDSHAKE_SENT).',
        },
        'packet.handshake': {
          target: 'AwaitingSessionPacket',
          actions: ['observe', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
          description: "Their handshake crossed our cookie request: adopt it and answer with our handshake (c-toxcore: COOKIE_REQUESTING + handshake → NOT_CONFIRMED).",
        },
        tick: [
          {
            guard: 'isResendDue',
            actions: ['observe', 'countResend', 'sendCookieRequest'],
            description: 'No cookie yet: resend the cookie request (1 s, up to 8 copies).',
          },
          {
            guard: 'isPhaseExhausted',
            target: 'AcquiringIPAddress',
            actions: ['observe', 'endPhase', 'closeSilently', 'clearAddress'],
            description: 'Eight cookie requests unanswered: the address is stale, clear it and search the DHT again.',
          },
        ],
      },
    },
    AwaitingHandshake: {
      description: 'Our handshake is out (HANDSHAKE_SENT); we wait for theirs, resending ours every 1 s, 8 times.',
      on: {
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('attempt')],
        'address.learned': NEWER_ADDRESS,
        'packet.handshake': [
          {
            guard: 'isSameDhtKey',
            target: 'AwaitingSessionPacket',
            actions: ['observe', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendConfirm'],
            description: 'Their valid handshake: the session is accepted (NOT_CONFIRMED); no new handshake is sent, a data packet confirms.',
          },
          {
            target: 'AwaitingSessionPacket',
            actions: ['observe', 'closeSilently', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
            description: 'A valid handshake from a new DHT key (the friend restarted): drop our attempt, accept theirs and answer with our handshake.',
          },
        ],
        tick: [
          {
            guard: 'isResendDue',
            actions: ['observe', 'countResend', 'sendHandshake'],
            description: 'No handshake yet: resend ours (1 s, up to 8 copies).',
          },
          {
            guard: 'isPhaseExhausted',
            target: 'AcquiringCookie',
            actions: ['observe', 'closeSilently', 'beginPhase', 'sendCookieRequest'],
            description: 'Eight handshakes unanswered: start a new attempt with a fresh cookie (friend_connection re-creates the connection).',
          },
        ],
      },
    },
    AwaitingSessionPacket: {
      description: 'Handshakes exchanged: the session is accepted but not confirmed (NOT_CONFIRMED) until a valid data packet arrives.',
      on: {
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('session')],
        'address.learned': NEWER_ADDRESS,
        'packet.handshake': [
          {
            guard: 'isSameDhtKey',
            actions: ['observe', 'refreshDhtKey', 'refreshAddress'],
            description: 'Another handshake from the peer: its nonce and session key are updated; the state does not change.',
          },
          {
            target: 'AwaitingSessionPacket',
            reenter: true,
            actions: ['observe', 'closeSilently', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
            description: 'A valid handshake from a new DHT key (the friend restarted): drop this session and accept the new one.',
          },
        ],
        'packet.session': {
          target: 'Established',
          actions: ['observe', 'refreshAddress', 'endPhase', 'armAlive', 'notifyOnline', 'sendAlive'],
          description: 'The first valid data packet confirms the session: online; ALIVE now and every 8 s.',
        },
        'packet.kill': {
          target: 'AcquiringCookie',
          actions: ['observe', 'closeSilently', 'beginPhase', 'sendCookieRequest'],
          description: 'The peer killed the half-open session: start a new attempt.',
        },
        tick: [
          {
            guard: 'isResendDue',
            actions: ['observe', 'countResend', 'sendHandshake', 'sendConfirm'],
            description: 'Not confirmed yet: resend our handshake and a data packet (1 s, up to 8).',
          },
          {
            guard: 'isPhaseExhausted',
            target: 'AcquiringCookie',
            actions: ['observe', 'closeSilently', 'beginPhase', 'sendCookieRequest'],
            description: 'Never confirmed after 8 tries: start a new attempt with a fresh cookie.',
          },
        ],
      },
    },
    Established: {
      description: 'The session is confirmed (ESTABLISHED): ALIVE every 8 s; 32 s without one from the peer ends it.',
      on: {
        'dhtKey.learned': [
          {
            guard: 'isSameDhtKey',
            actions: ['observe', 'refreshDhtKey'],
            description: 'The same DHT key again: nothing changes.',
          },
          {
            target: 'AcquiringIPAddress',
            actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'clearAddress', 'learnDhtKey'],
            description: 'The friend has a new DHT key (restart): kill this session, go offline, search for the new key.',
          },
        ],
        'packet.handshake': {
          guard: 'isNewDhtKey',
          target: 'AwaitingSessionPacket',
          actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
          description: 'A valid handshake from a new DHT key (the friend restarted): kill the old session and accept the new one.',
        },
        'packet.alive': {
          actions: ['observe', 'refreshAddress', 'receiveAlive'],
          description: 'ALIVE from the peer: it has another 32 s.',
        },
        'packet.kill': {
          target: 'AcquiringCookie',
          actions: ['observe', 'notifyOffline', 'disarmAlive', 'closeSilently', 'beginPhase', 'sendCookieRequest'],
          description: 'The peer killed the session: offline; try to reconnect at the same address.',
        },
        tick: [
          {
            guard: 'isSessionTimedOut',
            target: 'AcquiringIPAddress',
            actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'clearAddress', 'refreshDhtKey'],
            description: 'No ALIVE for 32 s: kill the session, go offline and search for the friend again (the DHT key is kept fresh).',
          },
          {
            guard: 'isAliveDue',
            actions: ['observe', 'rearmAliveSend', 'sendAlive'],
            description: 'Send ALIVE (every 8 s).',
          },
        ],
      },
    },
  },
});

export type FriendSessionSnapshot = SnapshotFrom<typeof friendSession>;

/** The friend session's state name. */
export function friendSessionState(snapshot: FriendSessionSnapshot): FriendSessionState {
  return snapshot.value as FriendSessionState;
}

/** The next moment this session needs a `tick`, and why. */
export function friendSessionNextDeadline(snapshot: FriendSessionSnapshot): Deadline | null {
  const c = snapshot.context;
  const phase = (what: string): Deadline | null =>
    deadline(
      c.resendAt,
      c.tries < MAX_TEMP_PACKET_TRIES
        ? `${what} retry ${c.tries + 1}/${MAX_TEMP_PACKET_TRIES}`
        : `${what} gives up after ${MAX_TEMP_PACKET_TRIES} tries`,
    );
  switch (friendSessionState(snapshot)) {
    case 'AwaitingDHTKey':
      return null;
    case 'AcquiringIPAddress':
      return deadline(c.dhtKeyFreshUntil, 'DHT key expires (not refreshed for 122 s)');
    case 'AcquiringCookie':
      return phase('cookie request');
    case 'AwaitingHandshake':
      return phase('handshake');
    case 'AwaitingSessionPacket':
      return phase('handshake (awaiting session packet)');
    case 'Established':
      return earliest(
        deadline(c.aliveDeadline, 'session timeout (no ALIVE for 32 s)'),
        deadline(c.aliveSendAt, 'ALIVE ping (every 8 s)'),
      );
  }
}

/** The friend-session facts other machines (the connect and dhtkey tasks) react to. */
export interface FriendFacts {
  readonly dhtKey: string | null;
  readonly dhtKeyFreshUntil: number | null;
  readonly addressFreshUntil: number | null;
  readonly established: boolean;
}

export function friendFacts(snapshot: FriendSessionSnapshot): FriendFacts {
  const c = snapshot.context;
  return {
    dhtKey: c.dhtKey,
    dhtKeyFreshUntil: c.dhtKeyFreshUntil,
    addressFreshUntil: c.addressFreshUntil,
    established: friendSessionState(snapshot) === 'Established',
  };
}
