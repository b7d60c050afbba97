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
 * Policy (decided here; the seed has no friend-request task): a request goes out only while the
 * friend's policy is TryingToConnect. A RefusingToConnect friend gets no requests — we drop
 * everything from it, so asking it to connect would contradict ourselves; an OpenToConnect friend
 * gets none either — that policy means "no searches or DHT-key sharing of ours", and a request is
 * outbound work of ours that needs the same onion search to find the friend's announce nodes.
 * The request is held, not cancelled: when the policy becomes TryingToConnect again and the
 * friend is reachable, the next round goes out at once; a round in flight when we stop trying
 * ends at once (no resend).
 *
 * Inputs: `facts` (from the friend's session), `search.found` / `search.lost` (from the onion
 * client: whether any announce node stores the friend), `tick`. Timer owned: resendAt.
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import { FRIEND_REQUEST_MAX_TIMEOUT_MS, FRIEND_REQUEST_TIMEOUT_MS } from './constants.js';
import type { FactsEvent } from './connect.js';
import { deadline, type Deadline, type FriendPolicy } from './types.js';

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
  /** The friend's policy from the latest facts (TryingToConnect until told otherwise). */
  policy: FriendPolicy;
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
    // The facts guards are used on `facts` transitions only.
    /** The friend's session is established: the request was accepted. */
    isEstablished: ({ event }) => (event as FactsEvent).established,
    /** We are trying to connect to the friend (the remembered policy). */
    isTrying: ({ context }) => context.policy === 'TryingToConnect',
    /** The facts bring a different policy. */
    isPolicyChanged: ({ context, event }) => (event as FactsEvent).policy !== context.policy,
    /**
     * The facts say we are trying (again: while Pending and trying, the friend is never reachable,
     * since search.found sends at once), and the friend can be reached: send now.
     */
    isTryingAgainAndReachable: ({ context, event }) => (event as FactsEvent).policy === 'TryingToConnect' && context.reachable,
    /** The facts say we are no longer trying to connect. */
    isNoLongerTrying: ({ event }) => (event as FactsEvent).policy !== 'TryingToConnect',
    /** The round's wait is over (resendAt is set while a round is out). */
    isRoundOver: ({ context, event }) => event.now >= (context.resendAt ?? Infinity),
    /** The round's wait is over and the friend can be reached: send again at once. */
    isRoundOverAndReachable: ({ context, event }) => context.reachable && event.now >= (context.resendAt ?? Infinity),
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
    takePolicy: assign({ policy: ({ event }) => (event as FactsEvent).policy }), // on `facts` only
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
    policy: 'TryingToConnect',
  }),
  initial: 'Pending',
  states: {
    Pending: {
      description: 'Not sent in this round: waiting until an announce node is known to store the friend (c-toxcore FRIEND_ADDED).',
      on: {
        'search.found': [
          {
            guard: 'isTrying',
            target: 'Sent',
            actions: ['observe', 'markReachable', 'beginRound', 'sendRequest'],
            description: 'The friend is stored at an announce node: send the request through every such node.',
          },
          {
            actions: ['observe', 'markReachable'],
            description: 'The friend is reachable, but we are not trying to connect: hold the request.',
          },
        ],
        'search.lost': {
          actions: ['observe', 'markUnreachable'],
          description: 'No node stores the friend any more.',
        },
        facts: [
          {
            guard: 'isEstablished',
            target: 'Accepted',
            actions: ['observe', 'notifyAccepted'],
            description: 'A session with the friend is established: the request was accepted.',
          },
          {
            guard: 'isTryingAgainAndReachable',
            target: 'Sent',
            actions: ['observe', 'takePolicy', 'beginRound', 'sendRequest'],
            description: 'Trying to connect again and the friend is reachable: send the held request now.',
          },
          {
            guard: 'isPolicyChanged',
            actions: ['observe', 'takePolicy'],
            description: 'The policy changed: remember it.',
          },
        ],
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
        facts: [
          {
            guard: 'isEstablished',
            target: 'Accepted',
            actions: ['observe', 'endRound', 'notifyAccepted'],
            description: 'A session with the friend is established: the request was accepted.',
          },
          {
            guard: 'isNoLongerTrying',
            target: 'Pending',
            actions: ['observe', 'takePolicy', 'endRound'],
            description: 'We stopped trying to connect (open to it, or refusing): no more rounds until we try again.',
          },
        ],
        tick: [
          {
            guard: 'isRoundOverAndReachable',
            target: 'Sent',
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
  const c = snapshot.context; // resendAt is set only while Sent
  // The wait of the round that is out is half the next one (below the one-hour cap, which no
  // recorded run reaches: the golden journals hash this text).
  return deadline(c.resendAt, `friend request round ${c.sent} unanswered after ${c.timeoutMs / 2000} s`);
}
