/**
 * Reference model of an outgoing friend request (`request:<ours>:<friend>`), written as a
 * specification: a table of rules derived from c-toxcore 0.2.18's Messenger.c `do_friends` /
 * `check_friend_request_timed_out` and toxstate's decisions (a one-hour cap on the doubling; a
 * request only while the policy is TryingToConnect), with its own constants. Independent of
 * machines/friend-request.ts and machines/constants.ts: nothing is imported from them.
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';
import { applyTable, at, type ModelDeadline, type Output, type Rule, type TableModel } from './rule-table.js';

// ---- constants, each with its source ---------------------------------------------------------
/** Messenger.h FRIENDREQUEST_TIMEOUT = 5 s: the first wait for an answer. */
const FRIENDREQUEST_TIMEOUT_MS = 5 * 1_000;
/** Messenger.c check_friend_request_timed_out: `friendrequest_timeout *= 2` after every unanswered round. */
const BACKOFF_FACTOR = 2;
/** toxstate's decision (c-toxcore doubles without bound): the wait stops growing at one hour. */
const MAX_TIMEOUT_MS = 60 * 60 * 1_000;

type State = 'Pending' | 'Sent' | 'Accepted';
type Policy = 'TryingToConnect' | 'OpenToConnect' | 'RefusingToConnect';

interface Ctx {
  friendPk: string;
  now: number;
  reachable: boolean;
  timeoutMs: number;
  resendAt: number | null;
  sent: number;
  policy: Policy;
}

type Facts = { established: boolean; policy: Policy };
const factsOf = (e: TimedEvent): Facts => e as unknown as Facts;
const TRYING: Policy = 'TryingToConnect';

/** A round goes out: wait `timeoutMs`, twice as long next time (capped). */
function sendRound(c: Ctx, now: number): Output[] {
  c.sent += 1;
  c.resendAt = now + c.timeoutMs;
  c.timeoutMs = Math.min(c.timeoutMs * BACKOFF_FACTOR, MAX_TIMEOUT_MS);
  return [{ type: 'onion.sendFriendRequest', round: c.sent }];
}

const DO_FRIENDS = 'Messenger.c do_friends';
const POLICY = 'toxstate: requests only while TryingToConnect (machines/friend-request.ts, the reason next to the rule)';

const RULES: readonly Rule<State, Ctx>[] = [
  {
    in: ['Pending', 'Sent'], on: 'facts', when: (_c, e) => factsOf(e).established, to: 'Accepted',
    then: (c) => ((c.resendAt = null), [{ type: 'notify.requestAccepted' }]),
    cite: 'Messenger.c m_handle_status (the friend connected: FRIEND_CONFIRMED, no more requests)',
  },
  {
    in: ['Pending'], on: 'facts', when: (c, e) => factsOf(e).policy === TRYING && c.policy !== TRYING && c.reachable, to: 'Sent',
    then: (c, e) => ((c.policy = TRYING), sendRound(c, e.now)),
    cite: `${POLICY}: trying again with the friend reachable → the held request goes out; ${DO_FRIENDS} (FRIEND_ADDED → send)`,
  },
  { in: ['Pending'], on: 'facts', when: (c, e) => factsOf(e).policy !== c.policy, then: (c, e) => ((c.policy = factsOf(e).policy), []), cite: `${POLICY}: remember the policy` },
  {
    in: ['Sent'], on: 'facts', when: (_c, e) => factsOf(e).policy !== TRYING, to: 'Pending',
    then: (c, e) => {
      c.policy = factsOf(e).policy;
      c.resendAt = null;
      return [];
    },
    cite: `${POLICY}: no more rounds once we stop trying`,
  },
  {
    in: ['Pending'], on: 'search.found', when: (c) => c.policy === TRYING, to: 'Sent',
    then: (c, e) => ((c.reachable = true), sendRound(c, e.now)),
    cite: `${DO_FRIENDS}: FRIEND_ADDED → send_friend_request_packet (onion data through the nodes storing the friend) → FRIEND_REQUESTED`,
  },
  { in: ['Pending', 'Sent'], on: 'search.found', then: (c) => ((c.reachable = true), []), cite: `${POLICY}: reachable, held (Pending) or already sent (Sent)` },
  { in: ['Pending', 'Sent'], on: 'search.lost', then: (c) => ((c.reachable = false), []), cite: 'onion_client.c: no announce node stores the friend any more' },
  {
    in: ['Sent'], on: 'tick', when: (c, e) => c.resendAt !== null && e.now >= c.resendAt && c.reachable, to: 'Sent',
    then: (c, e) => sendRound(c, e.now),
    cite: 'Messenger.c check_friend_request_timed_out: friendrequest_lastsent + friendrequest_timeout < now → FRIEND_ADDED, timeout × 2; do_friends sends again',
  },
  {
    in: ['Sent'], on: 'tick', when: (c, e) => c.resendAt !== null && e.now >= c.resendAt, to: 'Pending',
    then: (c) => ((c.resendAt = null), []),
    cite: 'Messenger.c check_friend_request_timed_out → FRIEND_ADDED; send_friend_request_packet fails while no node stores the friend',
  },
];

export const friendRequestModel: TableModel<State, Ctx> = { rules: RULES, stateOf: (v) => v as State, valueOf: (s) => s };

export function friendRequestInitial(input: unknown): Expectation {
  const { friendPk, now } = input as { friendPk: string; now: number };
  const context: Ctx = { friendPk, now, reachable: false, timeoutMs: FRIENDREQUEST_TIMEOUT_MS, resendAt: null, sent: 0, policy: TRYING };
  return { value: 'Pending', context, outputs: [] };
}

export const friendRequestOracle = (state: ModelState, event: TimedEvent): Expectation => applyTable(friendRequestModel, state, event);

/** While a round is out: its end, and its wait (half the next one, below the cap). */
export function friendRequestDeadline(state: ModelState): ModelDeadline | null {
  const c = state.context as Ctx;
  if (state.value !== 'Sent') return null;
  return at(c.resendAt, `friend request round ${c.sent} unanswered after ${c.timeoutMs / BACKOFF_FACTOR / 1000} s`);
}
