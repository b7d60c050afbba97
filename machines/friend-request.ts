/**
 * friendRequest — an outgoing friend request until the friend accepts it (docs/protocol.md §7).
 *
 * c-toxcore 0.2.18 (Messenger.c `do_friends`, friend_requests.c): while the friend is "added",
 * the request `[0x20][nospam][message]` goes out as onion data through every announce node that
 * stores the friend; once a copy went out the friend is "requested" and waits
 * FRIENDREQUEST_TIMEOUT (5 s), doubled after every unanswered round. There is no acceptance
 * packet: the request is accepted when a session with the friend becomes established.
 *
 * Difference: c-toxcore doubles the timeout without bound; we stop doubling at one hour
 * (FRIEND_REQUEST_MAX_TIMEOUT_MS), which also keeps model-based traversal finite.
 *
 * Inputs: `facts` (from the friend's session), `search.found` / `search.lost` (from the onion
 * client: whether any announce node stores the friend), `tick`. Timer owned: resendAt.
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import { FRIEND_REQUEST_MAX_TIMEOUT_MS, FRIEND_REQUEST_TIMEOUT_MS } from './constants.js';
import type { FactsEvent } from './connect.js';
import { deadline, type Deadline } from './types.js';

export interface FriendRequestContext {
  readonly friendPk: string;
  now: number;
  /** Some announce node is known to store the friend (a request can be delivered). */
  reachable: boolean;
  /** The wait after the next send; doubles after every unanswered round. */
  timeoutMs: number;
  /** When the current round is over without an answer. */
  resendAt: number | null;
  /** Rounds sent. */
  sent: number;
}

export interface FriendRequestInput {
  friendPk: string;
  now: number;
}

export type FriendRequestEvent =
  | FactsEvent
  | { type: 'search.found'; now: number }
  | { type: 'search.lost'; now: number }
  | { type: 'tick'; now: number };

export type FriendRequestOutput = { type: 'onion.sendFriendRequest'; round: number } | { type: 'notify.requestAccepted' };

export const friendRequestOutputsByAction = {
  sendRequest: 'onion.sendFriendRequest',
  notifyAccepted: 'notify.requestAccepted',
} as const;

export const friendRequest = setup({
  types: {
    context: {} as FriendRequestContext,
    events: {} as FriendRequestEvent,
    input: {} as FriendRequestInput,
    emitted: {} as FriendRequestOutput,
  },
  guards: {
    /** The friend's session is established: the request was accepted. */
    isEstablished: ({ event }) => event.type === 'facts' && event.established,
    /** The round's wait is over. */
    isRoundOver: ({ context, event }) => context.resendAt !== null && event.now >= context.resendAt,
    /** The round's wait is over and the friend can be reached: send again at once. */
    isRoundOverAndReachable: ({ context, event }) => context.reachable && context.resendAt !== null && event.now >= context.resendAt,
  },
  actions: {
    observe: assign({ now: ({ event }) => event.now }),
    markReachable: assign({ reachable: true }),
    markUnreachable: assign({ reachable: false }),
    /** A round went out: wait `timeoutMs`, and twice as long next time. */
    beginRound: assign(({ context, event }) => ({
      sent: context.sent + 1,
      resendAt: event.now + context.timeoutMs,
      timeoutMs: Math.min(context.timeoutMs * 2, FRIEND_REQUEST_MAX_TIMEOUT_MS),
    })),
    endRound: assign({ resendAt: null }),
    sendRequest: emit(({ context }) => ({ type: 'onion.sendFriendRequest' as const, round: context.sent })),
    notifyAccepted: emit({ type: 'notify.requestAccepted' as const }),
  },
}).createMachine({
  id: 'friendRequest',
  description: 'An outgoing friend request: sent over the onion until a session with the friend is established (docs/protocol.md §7).',
  context: ({ input }) => ({
    friendPk: input.friendPk,
    now: input.now,
    reachable: false,
    timeoutMs: FRIEND_REQUEST_TIMEOUT_MS,
    resendAt: null,
    sent: 0,
  }),
  initial: 'Pending',
  states: {
    Pending: {
      description: 'Not sent in this round: waiting until an announce node is known to store the friend (c-toxcore FRIEND_ADDED).',
      on: {
        'search.found': {
          target: 'Sent',
          actions: ['observe', 'markReachable', 'beginRound', 'sendRequest'],
          description: 'The friend is stored at an announce node: send the request through every such node.',
        },
        'search.lost': {
          actions: ['observe', 'markUnreachable'],
          description: 'No node stores the friend any more.',
        },
        facts: {
          guard: 'isEstablished',
          target: 'Accepted',
          actions: ['observe', 'notifyAccepted'],
          description: 'A session with the friend is established: the request was accepted.',
        },
      },
    },
    Sent: {
      description: 'A round went out (c-toxcore FRIEND_REQUESTED): wait 5 s, doubling every round, for the friend to connect.',
      on: {
        'search.lost': {
          actions: ['observe', 'markUnreachable'],
          description: 'No node stores the friend any more; the round still runs out.',
        },
        'search.found': {
          actions: ['observe', 'markReachable'],
          description: 'The friend is reachable.',
        },
        facts: {
          guard: 'isEstablished',
          target: 'Accepted',
          actions: ['observe', 'endRound', 'notifyAccepted'],
          description: 'A session with the friend is established: the request was accepted.',
        },
        tick: [
          {
            guard: 'isRoundOverAndReachable',
            target: 'Sent',
            reenter: true,
            actions: ['observe', 'beginRound', 'sendRequest'],
            description: 'No answer in time and the friend is reachable: send the next round now.',
          },
          {
            guard: 'isRoundOver',
            target: 'Pending',
            actions: ['observe', 'endRound'],
            description: 'No answer in time, and no node stores the friend: wait until one does.',
          },
        ],
      },
    },
    Accepted: {
      type: 'final',
      description: 'The friend accepted (a session was established): the friend is confirmed.',
    },
  },
});

export type FriendRequestSnapshot = SnapshotFrom<typeof friendRequest>;

export function friendRequestNextDeadline(snapshot: FriendRequestSnapshot): Deadline | null {
  if (!snapshot.matches('Sent')) return null;
  return deadline(snapshot.context.resendAt, `friend request round ${snapshot.context.sent} unanswered after ${snapshot.context.timeoutMs / 2000} s`);
}
