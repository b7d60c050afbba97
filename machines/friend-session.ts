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
 * - The DHT key and the address are facts with provenance (friend-session-rules.ts `Fact`):
 *   value, source, time learned, time last confirmed, fresh until (122 s after the last
 *   confirmation, FRIEND_DHT_TIMEOUT). Sources are ranked; a lower-ranked report never
 *   displaces a fresh higher-ranked fact (`ADDRESS_SOURCE_RANK`, `DHT_KEY_SOURCE_RANK`).
 * - A DHT search result naming the friend's node is a claim: it is held and checked (a nodes
 *   request to that address, `send.addressCheck`); cookie requests go only to an address the
 *   friend's DHT key answered from.
 * - Before Established, a DHT key not confirmed for 122 s is forgotten in every state (back to
 *   AwaitingDHTKey), and a stale address sends every handshaking state back to
 *   AcquiringIPAddress (friend_connection.c do_friend_connections).
 * - Cookie request and handshake are resent every 1 s, 8 times (COOKIE_REQUESTING /
 *   HANDSHAKE_SENT / NOT_CONFIRMED). A cookie phase that runs out means the address is stale:
 *   it is cleared and the DHT search resumes. A handshake phase that runs out starts a new
 *   attempt at once, as friend_connection re-creates the crypto connection.
 * - An inbound valid handshake moves any earlier step straight to AwaitingSessionPacket.
 * - The first valid session packet confirms the session (Established): ALIVE every 8 s, and
 *   32 s without an ALIVE ends it. A kill packet ends it at once. A new DHT key (the friend
 *   restarted) ends it and reconnects toward the new key. When a session (or a half-open one)
 *   ends, the key its handshake proved is kept as `pastHandshake`: the friend's next signed
 *   DHT-PK naming a new key replaces it at once.
 *
 * Timers owned (all deadlines in context, compared with the event's `now`):
 *   resendAt (temp packet), dhtKey.freshUntil, address.freshUntil, aliveSendAt, aliveDeadline.
 *
 * The context, events, outputs, initial context, guards and the transitions several states share
 * are in friend-session-rules.ts; this file holds the actions, the states and the snapshot readers.
 */
import { assertEvent, assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  FRIEND_CONNECTION_TIMEOUT_MS,
  FRIEND_DHT_TIMEOUT_MS,
  FRIEND_PING_INTERVAL_MS,
  TEMP_PACKET_RESEND_INTERVAL_MS,
} from './constants.js';
import {
  abandonForNewDhtKey,
  ACCEPT_HANDSHAKE,
  ADDRESS_SOURCE_RANK,
  CHECKED_ADDRESS,
  DHT_KEY_SOURCE_RANK,
  FORGET_STALE_DHT_KEY,
  friendSessionGuards,
  initialFriendSessionContext,
  NOTHING_KNOWN,
  pastSession,
  reasonOf,
  reported,
  REMEMBER_ROUTE,
  SAME_DHT_KEY,
  SEARCH_FOR_STALE_ADDRESS,
  type FriendSessionContext,
  type FriendSessionEvent,
  type FriendSessionInput,
  type FriendSessionOutput,
} from './friend-session-rules.js';
import type { FriendSessionState } from './types.js';

export type { Fact, FriendSessionContext, FriendSessionEvent, FriendSessionInput, FriendSessionOutput, SessionPath } from './friend-session-rules.js';

/** Which named action emits which output (used by the generated documentation). */
export const friendSessionOutputsByAction = {
  sendAddressCheck: 'send.addressCheck',
  sendCookieRequest: 'send.cookieRequest',
  sendHandshake: 'send.handshake',
  sendConfirm: 'send.confirm',
  sendAlive: 'send.alive',
  closeWithKill: 'session.close',
  closeSilently: 'session.close',
  notifyOnline: 'notify.online',
  notifyPath: 'notify.path',
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
    /** Takes (or confirms) the event's DHT key with its provenance. */
    learnDhtKey: assign(({ context, event }) => {
      assertEvent(event, ['dhtKey.learned', 'packet.handshake']);
      const source = event.type === 'packet.handshake' ? ('handshake' as const) : event.source;
      return { dhtKey: reported(context.dhtKey, event.dhtKey, source, DHT_KEY_SOURCE_RANK, event.now) };
    }),
    /**
     * The DHT key counts as confirmed now, without a report: the session just ended, and
     * friend_connection.c handle_status restarts FRIEND_DHT_TIMEOUT when a friend goes offline.
     * The session that proved it is over, so it no longer outranks a signed DHT-PK.
     */
    refreshDhtKey: assign(({ context, event }) => ({
      dhtKey: { ...pastSession(context.dhtKey!), confirmedAt: event.now, freshUntil: event.now + FRIEND_DHT_TIMEOUT_MS },
    })),
    /** The half-open session that proved the DHT key by handshake ended: the key stays, as `pastHandshake`. */
    demoteDhtKey: assign(({ context }) => ({ dhtKey: pastSession(context.dhtKey!) })),
    /** Forgets the DHT key and the address (c-toxcore: dht_delfriend after FRIEND_DHT_TIMEOUT). */
    forgetDhtKey: assign({ ...NOTHING_KNOWN }),
    /** Takes (or confirms) the event's address with its provenance. */
    learnAddress: assign(({ context, event }) => {
      assertEvent(event, ['address.learned', 'packet.handshake']);
      // A handshake through a relay has no address: a checked address we hold stays; a claim is dropped (never a handshake's destination).
      if (event.address === null) return context.address?.source === 'dhtSearch' ? { address: null } : {};
      const source = event.type === 'packet.handshake' ? ('sessionPacket' as const) : event.source;
      return { address: reported(context.address, event.address, source, ADDRESS_SOURCE_RANK, event.now) };
    }),
    /** Whether a relay of ours reaches the friend's DHT key. */
    takeRoute: assign(({ event }) => {
      assertEvent(event, 'relay.route');
      return { relayed: event.routed };
    }),
    /** The path the session's packets take: the confirming packet's, or the one net_crypto reports. */
    takePath: assign(({ event }) => {
      assertEvent(event, ['packet.session', 'path.changed']);
      return { path: event.type === 'path.changed' ? event.path : event.via };
    }),
    /** A packet from the friend's DHT key (a cookie response) confirms the address it was sent to (none held: it came through a relay). */
    confirmAddressByDhtKey: assign(({ context, event }) => ({
      address: context.address && reported(context.address, context.address.value, 'dhtKeyPacket', ADDRESS_SOURCE_RANK, event.now),
    })),
    /** A session packet from the friend confirms the address (if one is held). */
    confirmAddressBySession: assign(({ context, event }) => ({
      address: context.address && reported(context.address, context.address.value, 'sessionPacket', ADDRESS_SOURCE_RANK, event.now),
    })),
    /** The address failed to answer or went stale: cleared (seed: "set sockaddr to Nothing"). */
    clearAddress: assign({ address: null }),
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
    disarmAlive: assign({ aliveSendAt: null, aliveDeadline: null, onlineSince: null, path: null }),

    sendAddressCheck: emit(({ context }) => ({
      type: 'send.addressCheck' as const,
      dhtKey: context.dhtKey!.value,
      address: context.address!.value,
    })),
    sendCookieRequest: emit(({ context }) => ({
      type: 'send.cookieRequest' as const,
      dhtKey: context.dhtKey!.value,
      address: context.address?.value ?? null,
      attempt: context.tries,
    })),
    sendHandshake: emit(({ context }) => ({
      type: 'send.handshake' as const,
      dhtKey: context.dhtKey!.value,
      address: context.address?.value ?? null,
      attempt: context.tries,
    })),
    sendConfirm: emit(({ context }) => ({ type: 'send.confirm' as const, address: context.address?.value ?? null })),
    sendAlive: emit({ type: 'send.alive' as const }),
    closeWithKill: emit(({ event }) => ({ type: 'session.close' as const, sendKill: true, reason: reasonOf(event) })),
    closeSilently: emit(({ event }) => ({ type: 'session.close' as const, sendKill: false, reason: reasonOf(event) })),
    notifyOnline: emit(({ context }) => ({ type: 'notify.online' as const, path: context.path! })),
    notifyPath: emit(({ context }) => ({ type: 'notify.path' as const, path: context.path! })),
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
        'relay.route': REMEMBER_ROUTE,
        'dhtKey.learned': {
          target: 'AcquiringIPAddress',
          actions: ['observe', 'learnDhtKey'],
          description: 'A DHT key arrived (onion or DHT-routed DHT-PK, or a DHT message from the friend\'s last address): search the DHT for its address.',
        },
        'packet.handshake': {
          ...ACCEPT_HANDSHAKE,
          description: 'An inbound valid handshake gives key and address at once: answer with our handshake (accepted).',
        },
      },
    },
    AcquiringIPAddress: {
      description: "We know the DHT key and search the DHT for that node's IP and port (connect task, stale mode); a claimed address is checked before use.",
      on: {
        'dhtKey.learned': [
          SAME_DHT_KEY,
          {
            guard: 'isNewDhtKey',
            actions: ['observe', 'clearAddress', 'learnDhtKey'],
            description: 'A different DHT key from a source at least as strong (the friend restarted): search for the new one instead.',
          },
        ],
        'address.learned': [
          {
            guard: 'isCheckedAddress',
            target: 'AcquiringCookie',
            actions: ['observe', 'learnAddress', 'beginPhase', 'sendCookieRequest'],
            description: "The friend's DHT key answered from an address: ask it for a cookie.",
          },
          {
            guard: 'isAddressClaim',
            actions: ['observe', 'learnAddress', 'sendAddressCheck'],
            description: "A node claims the friend's DHT key is at an address: hold the claim and ask that address (no cookie request yet).",
          },
        ],
        'relay.route': [
          {
            guard: 'isRouted',
            target: 'AcquiringCookie',
            actions: ['observe', 'takeRoute', 'clearAddress', 'beginPhase', 'sendCookieRequest'],
            description:
              "A relay of ours reaches the friend's DHT key: ask for a cookie through it (net_crypto.c send_packet_to sends over TCP without an address); a claim held is dropped, never asked for a cookie.",
          },
          REMEMBER_ROUTE,
        ],
        'packet.handshake': {
          ...ACCEPT_HANDSHAKE,
          description: 'An inbound valid handshake: accept it and answer with ours.',
        },
        tick: [
          {
            guard: 'isDhtKeyStale',
            target: 'AwaitingDHTKey',
            actions: ['observe', 'forgetDhtKey'],
            description: 'The DHT key was not confirmed for 122 s: forget it (and any claim) and wait for a new one.',
          },
          {
            guard: 'isAddressStale',
            actions: ['observe', 'clearAddress'],
            description: 'The claimed address was never confirmed within 122 s: drop the claim.',
          },
        ],
      },
    },
    AcquiringCookie: {
      description: "We ask the friend's node for a cookie (net_crypto COOKIE_REQUESTING); the request is resent every 1 s, 8 times.",
      on: {
        'relay.route': REMEMBER_ROUTE,
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('attempt')],
        'address.learned': CHECKED_ADDRESS,
        'packet.cookieResponse': [
          {
            guard: 'isViaUdp',
            target: 'AwaitingHandshake',
            actions: ['observe', 'confirmAddressByDhtKey', 'beginPhase', 'sendHandshake'],
            description: 'A valid cookie from the address we asked: send our handshake with it (HANDSHAKE_SENT).',
          },
          {
            target: 'AwaitingHandshake',
            actions: ['observe', 'beginPhase', 'sendHandshake'],
            description: 'A valid cookie through a relay: send our handshake with it (HANDSHAKE_SENT); it proves nothing about an address.',
          },
        ],
        'packet.handshake': {
          ...ACCEPT_HANDSHAKE,
          description: "Their handshake crossed our cookie request: adopt it and answer with our handshake (c-toxcore: COOKIE_REQUESTING + handshake → NOT_CONFIRMED).",
        },
        tick: [
          FORGET_STALE_DHT_KEY,
          SEARCH_FOR_STALE_ADDRESS,
          {
            guard: 'isResendDue',
            actions: ['observe', 'countResend', 'sendCookieRequest'],
            description: 'No cookie yet: resend the cookie request (1 s, up to 8 copies).',
          },
          {
            guard: 'isPhaseExhaustedRelayed',
            target: 'AcquiringCookie',
            reenter: true,
            actions: ['observe', 'closeSilently', 'clearAddress', 'beginPhase', 'sendCookieRequest'],
            description:
              'Eight cookie requests unanswered, but a relay still reaches the friend: the address (if any) is stale; start a new attempt through the relay (friend_connection re-creates the connection at once).',
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
        'relay.route': REMEMBER_ROUTE,
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('attempt')],
        'address.learned': CHECKED_ADDRESS,
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
          FORGET_STALE_DHT_KEY,
          SEARCH_FOR_STALE_ADDRESS,
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
        'relay.route': REMEMBER_ROUTE,
        'dhtKey.learned': [SAME_DHT_KEY, abandonForNewDhtKey('session')],
        'address.learned': CHECKED_ADDRESS,
        'packet.handshake': [
          {
            guard: 'isSameDhtKey',
            actions: ['observe', 'learnDhtKey', 'learnAddress'],
            description: 'Another handshake from the peer: its nonce and session key are updated; key and address are confirmed; the state does not change.',
          },
          {
            target: 'AwaitingSessionPacket',
            reenter: true,
            actions: ['observe', 'closeSilently', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
            description: 'A valid handshake from a new DHT key (the friend restarted): drop this session and accept the new one.',
          },
        ],
        'packet.session': [
          {
            guard: 'isViaUdp',
            target: 'Established',
            actions: ['observe', 'confirmAddressBySession', 'takePath', 'endPhase', 'armAlive', 'notifyOnline', 'sendAlive'],
            description: 'The first valid data packet, directly over UDP, confirms the session: online on UDP; ALIVE now and every 8 s.',
          },
          {
            target: 'Established',
            actions: ['observe', 'takePath', 'endPhase', 'armAlive', 'notifyOnline', 'sendAlive'],
            description: 'The first valid data packet came through a relay: online on TCP; ALIVE now and every 8 s.',
          },
        ],
        'packet.kill': {
          target: 'AcquiringCookie',
          actions: ['observe', 'closeSilently', 'demoteDhtKey', 'beginPhase', 'sendCookieRequest'],
          description: "The peer killed the half-open session: start a new attempt (the key no longer outranks the friend's next DHT-PK).",
        },
        tick: [
          FORGET_STALE_DHT_KEY,
          { ...SEARCH_FOR_STALE_ADDRESS, actions: [...SEARCH_FOR_STALE_ADDRESS.actions, 'demoteDhtKey'] },
          {
            guard: 'isResendDue',
            actions: ['observe', 'countResend', 'sendHandshake', 'sendConfirm'],
            description: 'Not confirmed yet: resend our handshake and a data packet (1 s, up to 8).',
          },
          {
            guard: 'isPhaseExhausted',
            target: 'AcquiringCookie',
            actions: ['observe', 'closeSilently', 'demoteDhtKey', 'beginPhase', 'sendCookieRequest'],
            description: "Never confirmed after 8 tries: start a new attempt with a fresh cookie (the key no longer outranks the friend's next DHT-PK).",
          },
        ],
      },
    },
    Established: {
      description: 'The session is confirmed (ESTABLISHED): ALIVE every 8 s; 32 s without one from the peer ends it. Freshness timers do not run (c-toxcore checks them only while connecting).',
      on: {
        'relay.route': REMEMBER_ROUTE,
        'dhtKey.learned': [
          {
            guard: 'isSameDhtKey',
            actions: ['observe', 'learnDhtKey'],
            description: 'The same DHT key again: confirmed; nothing else changes.',
          },
          {
            guard: 'isRestartDhtKey',
            target: 'AcquiringIPAddress',
            actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'clearAddress', 'learnDhtKey'],
            description:
              "A DHT-PK signed by the friend names a new DHT key (the friend restarted): kill this session, go offline, search for the new key. Deliberately not ranked below the session's handshake (friend_connection.c dht_pk_callback does the same): otherwise a friend that crashed and restarted stays offline until the 32 s ALIVE timeout.",
          },
        ],
        'packet.handshake': {
          guard: 'isRestartDhtKey',
          target: 'AwaitingSessionPacket',
          actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'learnDhtKey', 'learnAddress', 'beginPhase', 'sendHandshake', 'sendConfirm'],
          description: 'A valid handshake from a new DHT key (the friend restarted): kill the old session and accept the new one.',
        },
        'packet.alive': [
          {
            guard: 'isViaUdp',
            actions: ['observe', 'confirmAddressBySession', 'receiveAlive'],
            description: 'ALIVE from the peer, directly: it has another 32 s; the address is confirmed.',
          },
          { actions: ['observe', 'receiveAlive'], description: 'ALIVE from the peer through a relay: it has another 32 s.' },
        ],
        'path.changed': {
          guard: 'isOtherPath',
          actions: ['observe', 'takePath', 'notifyPath'],
          description:
            'net_crypto saw the path change: a direct packet arrived (UDP), or none for 8 s while a relay carries the session (TCP). The session stays up.',
        },
        'address.learned': {
          ...CHECKED_ADDRESS,
          description: "The friend's DHT key answered from an address: direct packets can be tried there (a session on a relay moves to UDP once one arrives).",
        },
        'packet.kill': {
          target: 'AcquiringCookie',
          actions: ['observe', 'notifyOffline', 'disarmAlive', 'closeSilently', 'refreshDhtKey', 'beginPhase', 'sendCookieRequest'],
          description: 'The peer killed the session: offline; the DHT key counts as confirmed now; try to reconnect at the same address.',
        },
        tick: [
          {
            guard: 'isSessionTimedOut',
            target: 'AcquiringIPAddress',
            actions: ['observe', 'closeWithKill', 'notifyOffline', 'disarmAlive', 'clearAddress', 'refreshDhtKey'],
            description: 'No ALIVE for 32 s: kill the session, go offline and search for the friend again (the DHT key counts as confirmed now).',
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

