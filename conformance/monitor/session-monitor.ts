/**
 * The friendSession statechart as a monitor of someone else's traffic: one direction of one
 * friend pair (the observer's session with its friend), fed what the wire shows.
 *
 * - Packets the observer RECEIVES from the friend are the machine's inputs: a cookie response,
 *   a handshake (with the DHT key the friend's address used then), a session packet (the first
 *   one confirms; later ones count as ALIVE: contents are not observable without session keys).
 * - Packets the observer SENDS are checked against the machine's outputs: each cookie request
 *   and handshake must be one the machine emits in its state (by a deadline ± the tolerance, or
 *   in answer to an input), and each output the machine emits must be seen by its deadline +
 *   the tolerance. A session packet is allowed whenever a session exists.
 * - What the wire cannot show (a DHT-PK over the onion, where the address came from, whether a
 *   session packet was a kill) is inferred only when an observed packet needs it, from a short
 *   list of hidden inputs (`hiddenInputs`), and every step says what was inferred.
 * - Silence is judged only while the observer is seen sending something else (else it quit,
 *   crashed or was frozen: not a protocol fact). A new DHT key at the observer's address is a
 *   new run: the machine starts over.
 * - After a violation the direction is suspended until the observer's next cookie request or
 *   handshake, which re-anchors it (so one fault is reported once, not as a cascade).
 *
 * Pure: the observations in, steps and findings out.
 */
import { friendSession, friendSessionNextDeadline, friendSessionState, type FriendSessionSnapshot } from '../../machines/friend-session.js';
import type { FriendSessionEvent, FriendSessionOutput } from '../../machines/friend-session-rules.js';
import { allTransitions, start, step, type TransitionRef } from '../../machines/step.js';
import { TEMP_PACKET_RESEND_INTERVAL_MS } from '../../machines/constants.js';
import { resolveSnapshot } from '../../machines/xstate-adapter.js';
import type { FriendSessionState } from '../../machines/types.js';
import { ruleOfTransition, SESSION_AFTER_HANDSHAKE_RULE } from './rule-map.js';

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
  /** The observer's DHT key then: a new one means the observer restarted. */
  readonly observerDhtKey: string | null;
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
}

export interface DirectionResult {
  readonly steps: readonly MonitorStep[];
  readonly findings: readonly Finding[];
  readonly progress: readonly { readonly t: number; readonly state: FriendSessionState }[];
  /** Outputs whose window reached past the observer's activity or the capture: not judged. */
  readonly unjudged: number;
  /** Inputs that, had they arrived, would have triggered the first violation (candidates for loss). */
  readonly suspectInputs: readonly number[];
}

interface Expectation {
  readonly kind: WireKind;
  readonly from: number;
  readonly until: number;
  readonly transition: string;
  readonly trigger: number | null;
}

/** Where a session exists, so session packets may go out freely. */
const SESSION_STATES: ReadonlySet<FriendSessionState> = new Set(['AwaitingSessionPacket', 'Established']);
/** The window before an observed reaction in which a friend's session packet may have been a kill. */
const KILL_WINDOW_MS = 2000;
/** Silence is judged only if the observer sent some datagram within this of the deadline. */
export const ACTIVITY_WINDOW_MS = 2000;

const KIND_OF_OUTPUT: Partial<Record<FriendSessionOutput['type'], WireKind>> = {
  'send.cookieRequest': 'cookieRequest',
  'send.handshake': 'handshake',
  'send.confirm': 'session',
  'send.alive': 'session',
};

const WORDS: Record<WireKind, string> = {
  cookieRequest: 'cookie request',
  cookieResponse: 'cookie response',
  handshake: 'handshake',
  session: 'session packet',
};

const TRANSITIONS = allTransitions(friendSession);
const STATELESS = 'cookie requests are answered statelessly (net_crypto answers every valid one): not a session step';

/** The transitions out of `state` whose actions emit an output of `kind` (the edges that would allow it). */
function edgesEmitting(state: FriendSessionState, kind: WireKind): TransitionRef[] {
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
 * Monitors one direction. `activity` says whether the observer sent any datagram (of any kind,
 * to anyone) in a time range — the difference between "did not send" and "was not running".
 */
export function monitorDirection(
  observer: string,
  friend: string,
  packets: readonly PairPacket[],
  activity: (from: number, until: number) => boolean,
  endT: number,
  options: MonitorOptions,
): DirectionResult {
  const tol = options.toleranceMs;
  const lost = options.lost ?? new Set<number>();
  const steps: MonitorStep[] = [];
  const findings: Finding[] = [];
  const progress: { t: number; state: FriendSessionState }[] = [];
  let unjudged = 0;
  const suspectInputs: number[] = [];

  let snap = start(friendSession, { friendPk: friend, now: 0 }).snapshot as FriendSessionSnapshot;
  let pending: Expectation[] = [];
  /** Until when a session packet is allowed after a session closed with a kill. */
  let killAllowedUntil = -Infinity;
  let suspended: string | null = null;
  let run: string | null = null;
  /** Recent transitions taken (for blaming a timer that ended what the observer still sends). */
  let recent: { t: number; ref: TransitionRef; from: FriendSessionState }[] = [];
  /** The last input that changed the machine (a loss candidate). */
  let lastInput: { n: number; t: number } | null = null;
  const state = (): FriendSessionState => friendSessionState(snap);
  const recordProgress = (t: number): void => {
    const s = state();
    if (progress.length === 0 || progress[progress.length - 1]!.state !== s) progress.push({ t, state: s });
  };
  recordProgress(0);

  const record = (n: number | null, t: number, what: string, from: FriendSessionState, transitions: string[], verdict: Verdict, inferred: string[] = [], note: string | null = null): void => {
    steps.push({ n, t, observer, friend, what, inferred, from, to: state(), transitions, verdict, note, snapshot: snap });
    recordProgress(t);
  };

  const addFinding = (f: Omit<Finding, 'observer' | 'friend'>): void => {
    findings.push({ ...f, observer, friend });
    if (f.kind === 'violation' && suspectInputs.length === 0 && lastInput && f.t - lastInput.t <= 3 * tol + 1000) suspectInputs.push(lastInput.n);
  };

  /** Applies one event; returns the transition taken and the outputs (turned into expectations). */
  const apply = (event: FriendSessionEvent, t: number, trigger: number | null, early = false): TransitionRef | null => {
    const from = state();
    const r = step<typeof friendSession, FriendSessionOutput>(friendSession, snap, event as unknown as { type: string });
    if (!r.taken) return null;
    snap = r.snapshot as FriendSessionSnapshot;
    recent = [...recent.filter((x) => x.t >= t - 10_000), { t, ref: r.taken, from }];
    for (const o of r.outputs) {
      const kind = KIND_OF_OUTPUT[o.type];
      if (kind) pending.push({ kind, from: event.type === 'tick' || early ? t - tol : t, until: t + tol, transition: r.taken.id, trigger });
      if (o.type === 'session.close' && o.sendKill) killAllowedUntil = t + tol;
    }
    return r.taken;
  };

  /** Judges expectations whose window ended before `t`. */
  const expire = (t: number): void => {
    const due = pending.filter((e) => e.until < t);
    pending = pending.filter((e) => e.until >= t);
    for (const e of due) {
      if (suspended !== null) continue;
      if (!activity(e.from - ACTIVITY_WINDOW_MS, e.until + ACTIVITY_WINDOW_MS)) {
        unjudged++;
        continue;
      }
      addFinding({
        kind: 'violation',
        rule: ruleOfTransition(e.transition),
        t: e.until,
        packets: e.trigger === null ? [] : [e.trigger],
        expected: `a ${WORDS[e.kind]} from the observer by ${(e.until / 1000).toFixed(3)} s (${e.transition})`,
        observed: 'none was sent, though the observer was sending other datagrams',
        transition: e.transition,
      });
      suspended = `after the violation at ${(e.until / 1000).toFixed(3)} s`;
      pending = [];
    }
  };

  /** Fires every deadline at or before `t` (and judges what expired). */
  const advance = (t: number): void => {
    for (let guard = 0; guard < 1000; guard++) {
      const d = friendSessionNextDeadline(snap);
      if (!d || d.at > t) break;
      expire(d.at);
      const from = state();
      const taken = apply({ type: 'tick', now: d.at }, d.at, null);
      if (!taken) break;
      record(null, d.at, `deadline: ${d.reason}`, from, [taken.id], suspended === null ? 'ok' : 'unchecked');
    }
    expire(t);
  };

  const consume = (kind: WireKind, t: number): boolean => {
    const i = pending.findIndex((e) => e.kind === kind && e.from <= t && t <= e.until);
    if (i < 0) return false;
    pending.splice(i, 1);
    return true;
  };

  /** Hidden inputs that may explain a sent packet at `p`: each a labelled event. */
  const hiddenInputs = (p: PairPacket, killCandidate: number | null): { label: string; event: FriendSessionEvent }[] => {
    const out: { label: string; event: FriendSessionEvent }[] = [];
    if (p.friendDhtKey !== null)
      out.push({ label: `the friend's DHT key ${p.friendDhtKey.slice(0, 8)}… (a DHT-PK over the onion, not observable)`, event: { type: 'dhtKey.learned', now: p.t, dhtKey: p.friendDhtKey, source: 'onion' } });
    out.push({ label: `the friend's address ${p.friendAddress} (its DHT key answered from there)`, event: { type: 'address.learned', now: p.t, address: p.friendAddress, source: 'dhtKeyPacket' } });
    if (killCandidate !== null) out.push({ label: `frame ${killCandidate} was a kill packet (session contents are not observable)`, event: { type: 'packet.kill', now: p.t } });
    return out;
  };

  /** Tries to explain a sent packet: an early deadline, then up to three hidden inputs. */
  const explain = (p: PairPacket, killCandidate: number | null): { ok: true; inferred: string[]; transitions: string[]; early: boolean } | { ok: false } => {
    // 1. A deadline within the tolerance after the packet.
    const saved = { snap, pending: [...pending], recent: [...recent], killAllowedUntil };
    const transitions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = friendSessionNextDeadline(snap);
      if (!d || d.at > p.t + tol) break;
      const taken = apply({ type: 'tick', now: Math.max(d.at, p.t) }, d.at, null, true);
      if (!taken) break;
      transitions.push(taken.id);
      if (consume(p.kind, p.t)) return { ok: true, inferred: [], transitions, early: true };
    }
    ({ snap, recent, killAllowedUntil } = saved);
    pending = saved.pending;
    // 2. Hidden inputs, shortest sequence first.
    const hidden = hiddenInputs(p, killCandidate);
    const sequences: number[][] = [];
    for (let a = 0; a < hidden.length; a++) {
      sequences.push([a]);
      for (let b = 0; b < hidden.length; b++) if (b !== a) sequences.push([a, b]);
    }
    for (let a = 0; a < hidden.length; a++)
      for (let b = 0; b < hidden.length; b++) for (let c = 0; c < hidden.length; c++) if (a !== b && b !== c && a !== c) sequences.push([a, b, c]);
    sequences.sort((x, y) => x.length - y.length);
    for (const seq of sequences) {
      const ids: string[] = [];
      let moved = true;
      for (const i of seq) {
        const taken = apply(hidden[i]!.event, p.t, null);
        if (!taken) {
          moved = false;
          break;
        }
        ids.push(taken.id);
      }
      if (moved && consume(p.kind, p.t)) return { ok: true, inferred: seq.map((i) => hidden[i]!.label), transitions: ids, early: false };
      ({ snap, recent, killAllowedUntil } = saved);
      pending = [...saved.pending];
    }
    return { ok: false };
  };

  /** Which rule an unexplained sent packet breaks, and the edge the model expected. */
  const blame = (p: PairPacket): { rule: string; transition: string | null; expected: string } => {
    // A timer that just ended what the observer is still sending (8 tries, the 32 s timeout).
    const stopper = [...recent].reverse().find((r) => r.ref.event === 'tick' && r.ref.targets.length > 0 && p.t - r.t <= 1000 + 2 * tol && (p.kind === 'session' ? SESSION_STATES.has(r.from) : edgesEmitting(r.from, p.kind).some((e) => e.event === 'tick')));
    if (stopper) return { rule: ruleOfTransition(stopper.ref.id), transition: stopper.ref.id, expected: `no more ${WORDS[p.kind]}s after ${stopper.ref.id} at ${(stopper.t / 1000).toFixed(3)} s (${stopper.ref.description ?? ''})` };
    if (p.kind === 'session') return { rule: SESSION_AFTER_HANDSHAKE_RULE, transition: null, expected: `no session packet in ${state()}: a session needs a handshake each way first` };
    const edge = edgesEmitting(state(), p.kind)[0] ?? null;
    return {
      rule: edge ? ruleOfTransition(edge.id) : 'unmapped',
      transition: edge?.id ?? null,
      expected: edge ? `a ${WORDS[p.kind]} in ${state()} only after ${edge.event}${edge.guard ? ` [${edge.guard}]` : ''} (${edge.id})` : `no ${WORDS[p.kind]} in ${state()}`,
    };
  };

  /**
   * Re-anchors a suspended direction on the observer's own packet. In a state that resends this
   * kind, the phase goes on with its timer restarted at the packet (tries kept); elsewhere the
   * session starts over as the packet implies (key and address known, and for a handshake a cookie).
   */
  const resync = (p: PairPacket): boolean => {
    if (p.dir !== 'sent' || (p.kind !== 'cookieRequest' && p.kind !== 'handshake')) return false;
    pending = [];
    const resends = edgesEmitting(state(), p.kind).some((e) => e.event === 'tick');
    if (resends) {
      const c = snap.context;
      snap = resolveSnapshot(friendSession, state(), { ...c, now: p.t, resendAt: p.t + TEMP_PACKET_RESEND_INTERVAL_MS }) as FriendSessionSnapshot;
      return true;
    }
    snap = start(friendSession, { friendPk: friend, now: p.t }).snapshot as FriendSessionSnapshot;
    const events: FriendSessionEvent[] = [];
    if (p.friendDhtKey !== null) events.push({ type: 'dhtKey.learned', now: p.t, dhtKey: p.friendDhtKey, source: 'onion' });
    events.push({ type: 'address.learned', now: p.t, address: p.friendAddress, source: 'dhtKeyPacket' });
    if (p.kind === 'handshake') events.push({ type: 'packet.cookieResponse', now: p.t });
    for (const e of events) apply(e, p.t, null);
    consume(p.kind, p.t);
    return true;
  };

  let lastKillCandidate: { n: number; t: number } | null = null;
  for (const p of packets) {
    // A new DHT key at the observer's address: a new run, which starts with nothing known.
    if (p.dir === 'sent' && p.observerDhtKey !== null && p.observerDhtKey !== run) {
      const first = run === null;
      run = p.observerDhtKey;
      if (!first) {
        const from = state();
        snap = start(friendSession, { friendPk: friend, now: p.t }).snapshot as FriendSessionSnapshot;
        pending = [];
        suspended = null;
        record(p.n, p.t, `observer restarted (new DHT key ${run.slice(0, 8)}…)`, from, [], 'restart');
      }
    }
    advance(p.t);
    const from = state();
    const what = `${p.dir} ${WORDS[p.kind]}`;
    if (lost.has(p.n)) {
      record(p.n, p.t, what, from, [], 'unchecked', [], 'presumed lost before the observer read it');
      continue;
    }
    if (p.dir === 'received') {
      if (p.kind === 'cookieRequest') {
        record(p.n, p.t, what, from, [], 'unchecked', [], STATELESS);
        continue;
      }
      let event: FriendSessionEvent | null = null;
      if (p.kind === 'cookieResponse') event = { type: 'packet.cookieResponse', now: p.t };
      else if (p.kind === 'handshake' && p.valid && p.friendDhtKey !== null) event = { type: 'packet.handshake', now: p.t, dhtKey: p.friendDhtKey, address: p.friendAddress };
      else if (p.kind === 'session') {
        lastKillCandidate = { n: p.n, t: p.t };
        event = from === 'AwaitingSessionPacket' ? { type: 'packet.session', now: p.t } : from === 'Established' ? { type: 'packet.alive', now: p.t } : null;
      }
      const taken = event ? apply(event, p.t, p.n) : null;
      if (taken && taken.targets.length > 0) lastInput = { n: p.n, t: p.t };
      record(p.n, p.t, what, from, taken ? [taken.id] : [], suspended === null ? 'ok' : 'unchecked', [], taken ? null : p.kind === 'handshake' && !p.valid ? 'refused: its cookie hash does not match' : 'no transition in this state');
      continue;
    }
    // A sent packet.
    if (p.kind === 'cookieResponse') {
      record(p.n, p.t, what, from, [], 'unchecked', [], STATELESS);
      continue;
    }
    if (suspended !== null) {
      if (resync(p)) {
        suspended = null;
        record(p.n, p.t, what, from, [], 'resync', [], `monitoring resumes on this ${WORDS[p.kind]}`);
      } else record(p.n, p.t, what, from, [], 'unchecked', [], `not checked ${suspendedWords(suspended)}`);
      continue;
    }
    if (consume(p.kind, p.t)) {
      record(p.n, p.t, what, from, [], 'ok');
      continue;
    }
    if (p.kind === 'session' && (SESSION_STATES.has(from) || p.t <= killAllowedUntil)) {
      record(p.n, p.t, what, from, [], 'ok', [], SESSION_STATES.has(from) ? null : 'the kill packet of the session that just ended');
      continue;
    }
    const kill = lastKillCandidate && p.t - lastKillCandidate.t <= KILL_WINDOW_MS ? lastKillCandidate.n : null;
    const before = recent.length > 0 ? recent[recent.length - 1]! : null;
    const e = explain(p, kill);
    if (e.ok) {
      const deviation = e.inferred.length > 0 && before ? deviationAfter(before, p) : null;
      if (deviation) addFinding({ kind: 'deviation', rule: deviation.rule, t: p.t, packets: [p.n], expected: deviation.expected, observed: deviation.observed, transition: before!.ref.id });
      record(p.n, p.t, what, from, e.transitions, deviation ? 'deviation' : e.inferred.length > 0 ? 'inferred' : 'ok', e.inferred, e.early ? 'sent before the model\'s deadline, within the tolerance' : null);
      continue;
    }
    const b = blame(p);
    addFinding({ kind: 'violation', rule: b.rule, t: p.t, packets: [p.n], expected: b.expected, observed: `the observer sent a ${WORDS[p.kind]} to ${p.friendAddress} in ${from}`, transition: b.transition });
    suspended = `after the violation at ${(p.t / 1000).toFixed(3)} s`;
    pending = [];
    record(p.n, p.t, what, from, [], 'violation', [], b.expected);
  }
  // The capture ends: what is still pending cannot be judged.
  advance(endT);
  unjudged += pending.length;
  return { steps, findings, progress, unjudged, suspectInputs };
}

function suspendedWords(reason: string): string {
  return `${reason} (monitoring resumes at the observer's next cookie request or handshake)`;
}

/**
 * A documented c-toxcore difference, recognised from the transition the model took just before
 * an observed packet the model explains only by re-learning what it had just dropped.
 */
function deviationAfter(before: { t: number; ref: TransitionRef }, p: PairPacket): { rule: string; expected: string; observed: string } | null {
  if (before.ref.id === 'AcquiringCookie|tick|3' && p.kind === 'cookieRequest' && p.t - before.t <= 2000) {
    return {
      rule: 'st.cookie-exhausted',
      expected: 'after eight unanswered cookie requests, the address is stale: search the DHT before asking it again',
      observed: `a new cookie request to the same address ${((p.t - before.t) / 1000).toFixed(3)} s later (c-toxcore re-creates the connection at once)`,
    };
  }
  return null;
}
