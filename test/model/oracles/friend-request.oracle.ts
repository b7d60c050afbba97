/**
 * Reference model of an outgoing friend request (Messenger.c do_friends: 5 s, doubling; our
 * one-hour cap), written independently of machines/friend-request.ts.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { FriendRequestContext } from '../../../machines/friend-request.js';
import type { Expectation, TimedEvent } from '../harness.js';

/** The context shape (a type only: the oracle's behaviour is its own). */
type Ctx = FriendRequestContext;

export function friendRequestOracle(snapshot: AnyMachineSnapshot, e: TimedEvent): Expectation {
  const state = snapshot.value as 'Pending' | 'Sent' | 'Accepted';
  const c: Ctx = { ...(snapshot.context as Ctx) };
  const out: Array<{ type: string; [k: string]: unknown }> = [];
  let next = state;
  const send = (): void => {
    c.sent += 1;
    c.resendAt = e.now + c.timeoutMs;
    c.timeoutMs = Math.min(c.timeoutMs * 2, 3_600_000);
    out.push({ type: 'onion.sendFriendRequest', round: c.sent });
    next = 'Sent';
  };
  if (state === 'Accepted') return { value: next, context: c, outputs: out };
  const trying = (p: unknown): boolean => p === 'TryingToConnect';
  if (e.type === 'facts' && e['established'] === true) {
    c.now = e.now;
    if (state === 'Sent') c.resendAt = null;
    out.push({ type: 'notify.requestAccepted' });
    next = 'Accepted';
  } else if (e.type === 'facts' && e['policy'] !== c.policy) {
    c.now = e.now;
    const was = c.policy;
    c.policy = e['policy'] as Ctx['policy'];
    if (state === 'Sent') {
      c.resendAt = null;
      next = 'Pending';
    } else if (trying(c.policy) && !trying(was) && c.reachable) send();
  } else if (e.type === 'search.found') {
    c.now = e.now;
    c.reachable = true;
    if (state === 'Pending' && trying(c.policy)) send();
  } else if (e.type === 'search.lost') {
    c.now = e.now;
    c.reachable = false;
  } else if (e.type === 'tick' && state === 'Sent' && c.resendAt !== null && e.now >= c.resendAt) {
    c.now = e.now;
    if (c.reachable) send();
    else {
      c.resendAt = null;
      next = 'Pending';
    }
  }
  return { value: next, context: c, outputs: out };
}
