/**
 * The vocabulary of the friend-session monitor (session-monitor.ts): what a friend-connection
 * packet is from one side's point of view, what a monitor step and a finding record, the timing
 * allowances, and which friendSession edges emit which packet kind. Pure data and small lookups.
 */
import { friendSession } from '../../machines/friend-session.js';
import type { FriendSessionSnapshot } from '../../machines/friend-session.js';
import type { FriendSessionOutput } from '../../machines/friend-session-rules.js';
import { TEMP_PACKET_RESEND_INTERVAL_MS } from '../../machines/constants.js';
import { allTransitions, type TransitionRef } from '../../machines/step.js';
import type { FriendSessionState } from '../../machines/types.js';

/** What a friend-connection packet is, from the observer's side. */
export type WireKind = 'cookieRequest' | 'cookieResponse' | 'handshake' | 'session';

export interface PairPacket {
  readonly n: number;
  /** Milliseconds since the capture's first frame. */
  readonly t: number;
  readonly dir: 'sent' | 'received';
  readonly kind: WireKind;
  readonly observerAddress: string;
  readonly friendAddress: string;
  /** The friend's DHT key at its address then (from the capture's DHT packets), or null. */
  readonly friendDhtKey: string | null;
  /** A handshake whose cookie hash does not match is refused by any receiver. */
  readonly valid: boolean;
}

export type Verdict = 'ok' | 'inferred' | 'unchecked' | 'violation' | 'deviation' | 'restart' | 'resync';

/** One thing the monitor did: a packet handled, or a deadline that fired. */
export interface MonitorStep {
  /** The capture frame, or null for a deadline. */
  readonly n: number | null;
  readonly t: number;
  readonly observer: string;
  readonly friend: string;
  /** `sent handshake`, `received session`, `deadline: <reason>`. */
  readonly what: string;
  readonly inferred: readonly string[];
  readonly from: FriendSessionState;
  readonly to: FriendSessionState;
  /** The transitions taken, in order (hidden inputs first). */
  readonly transitions: readonly string[];
  readonly verdict: Verdict;
  readonly note: string | null;
  /** The machine's snapshot after the step (JSON). */
  readonly snapshot: FriendSessionSnapshot;
}

export interface Finding {
  readonly kind: 'violation' | 'deviation';
  readonly rule: string;
  readonly t: number;
  readonly observer: string;
  readonly friend: string;
  readonly packets: readonly number[];
  readonly expected: string;
  readonly observed: string;
  /** The transition (edge) the model expected, when there is one. */
  readonly transition: string | null;
}

export interface MonitorOptions {
  /** How far (ms) a packet may come before or after the model's moment. */
  readonly toleranceMs: number;
  /** Inputs presumed lost (frame numbers): the observer never got them. */
  readonly lost?: ReadonlySet<number>;
  /** When the observer started again (a new DHT key at its address), after its first run. */
  readonly restarts?: readonly { readonly t: number; readonly n: number; readonly dhtKey: string }[];
}

export interface DirectionResult {
  readonly steps: readonly MonitorStep[];
  readonly findings: readonly Finding[];
  readonly progress: readonly { readonly t: number; readonly state: FriendSessionState }[];
  /** Outputs whose window reached past the observer's activity or the capture: not judged. */
  readonly unjudged: number;
  /**
   * Inputs that may have caused the first violation had the observer never read them (loss
   * candidates): those that moved the machine within a phase's length before it, latest first.
   */
  readonly suspectInputs: readonly number[];
}

/** Where a session exists, so session packets may go out freely. */
export const SESSION_STATES: ReadonlySet<FriendSessionState> = new Set(['AwaitingSessionPacket', 'Established']);
/**
 * The transitions driven by friend_connection timers, which c-toxcore counts in whole seconds with
 * a strict "last + interval < now" (friend_connection.c do_friend_connections): they may fire up to
 * WHOLE_SECOND_SLACK_MS after the model's moment; later than the tolerance is a deviation, not a violation.
 */
export const WHOLE_SECOND_TIMERS: ReadonlySet<string> = new Set(['Established|tick|0', 'Established|tick|1']);
export const WHOLE_SECOND_SLACK_MS = 2000;
/** The window before an observed reaction in which a friend's session packet may have been a kill. */
export const KILL_WINDOW_MS = 2000;
/**
 * Silence is judged only if the observer was running when the packet was due: it sent some
 * datagram from ACTIVITY_LEAD_MS before the model's moment to ACTIVITY_WINDOW_MS after the
 * window closed (a frozen or stopped peer sends nothing at all).
 */
export const ACTIVITY_WINDOW_MS = 2000;
export const ACTIVITY_LEAD_MS = 1000;

export const KIND_OF_OUTPUT: Partial<Record<FriendSessionOutput['type'], WireKind>> = {
  'send.cookieRequest': 'cookieRequest',
  'send.handshake': 'handshake',
  'send.confirm': 'session',
  'send.alive': 'session',
};

export const WORDS: Record<WireKind, string> = {
  cookieRequest: 'cookie request',
  cookieResponse: 'cookie response',
  handshake: 'handshake',
  session: 'session packet',
};

const TRANSITIONS = allTransitions(friendSession);
export const STATELESS = 'cookie requests are answered statelessly (net_crypto answers every valid one): not a session step';

/** The transitions out of `state` whose actions emit an output of `kind` (the edges that would allow it). */
export function edgesEmitting(state: FriendSessionState, kind: WireKind): TransitionRef[] {
  const actions: Record<WireKind, readonly string[]> = {
    cookieRequest: ['sendCookieRequest'],
    handshake: ['sendHandshake'],
    session: ['sendConfirm', 'sendAlive'],
    cookieResponse: [],
  };
  return TRANSITIONS.filter((t) => t.source === state && actionsOf(t).some((a) => actions[kind].includes(a)));
}

function actionsOf(t: TransitionRef): string[] {
  const node = friendSession.getStateNodeById(`friendSession.${t.source}`);
  const defs = node.transitions.get(t.event) ?? [];
  const index = Number(t.id.split('|')[2]);
  return (defs[index]?.actions ?? []).map((a) => (typeof a === 'string' ? a : ((a as { type?: string }).type ?? ''))).filter(Boolean);
}

/**
 * A documented c-toxcore difference, recognised from the transition the model took just before
 * an observed packet the model explains only by re-learning what it had just dropped.
 */
export function deviationAfter(before: { t: number; ref: TransitionRef }, p: PairPacket): { rule: string; expected: string; observed: string } | null {
  // c-toxcore gives up in the loop right after the eighth copy, well before the model's phase
  // ends; a retry at the phase's end is the model's own path (the DHT still knew the address).
  if (before.ref.source === 'AcquiringCookie' && before.ref.event === 'tick' && before.ref.guard === 'isPhaseExhausted' && p.kind === 'cookieRequest' && before.t - p.t > TEMP_PACKET_RESEND_INTERVAL_MS / 2) {
    const when = `${((before.t - p.t) / 1000).toFixed(3)} s before the model's phase ends`;
    return {
      rule: 'st.cookie-exhausted',
      expected: 'after eight unanswered cookie requests and one more interval, the address is stale: search the DHT before asking it again',
      observed: `a new cookie request to the same address ${when} (c-toxcore kills the connection in the loop right after the eighth copy and re-creates it at once)`,
    };
  }
  return null;
}
